//! Assessment results and sign-off requests.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, new_id, now};
use crate::domain::api_key;
use crate::domain::award_evaluation::{RecordedResult, SignoffDecision};
use crate::domain::learner::EvidenceInput;
use crate::error::{AppError, AppResult};

/// One result to store.
pub struct NewResult<'a> {
    pub organization_id: &'a str,
    pub learner_id: &'a str,
    pub achievement_id: &'a str,
    pub result: &'a RecordedResult,
    pub evidence: &'a [EvidenceInput],
    pub source: &'a str,
    /// For results from a bulk row: the row's fingerprint and the row (`job:row`).
    /// A second insert with the same fingerprint records nothing.
    pub dedup: Option<(&'a str, &'a str)>,
}

/// What `insert_result` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultInsert {
    Inserted,
    /// A result with this fingerprint exists, recorded from the row named here.
    AlreadyRecorded { source: Option<String> },
}

/// A sign-off request as the issuer sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignoffRequest {
    pub id: String,
    pub component: String,
    pub reviewer_kind: String,
    pub reviewer_name: Option<String>,
    pub reviewer_email: Option<String>,
    pub expires_at: String,
    /// `pending`, `approved`, `declined` or `expired`.
    pub status: String,
    pub comment: Option<String>,
    /// The single-use link to send to the reviewer. Only in the answer that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// What a reviewer's link opens.
#[derive(Debug, Clone)]
pub struct SignoffTicket {
    pub request: SignoffRequest,
    pub organization_id: String,
    pub learner_id: String,
    pub achievement_id: String,
    pub decided: bool,
}

fn flag(v: Option<bool>) -> Option<i64> {
    v.map(i64::from)
}

fn result_from_row(row: &AnyRow) -> AppResult<RecordedResult> {
    let attempt: Option<i64> = row.try_get("attempt")?;
    let completed: Option<i64> = row.try_get("completed")?;
    let passed: Option<i64> = row.try_get("passed")?;
    let submitted: i64 = row.try_get("submitted_for_signoff")?;
    Ok(RecordedResult {
        component: row.try_get("component")?,
        score: row.try_get("score")?,
        attempt: attempt.and_then(|a| u32::try_from(a).ok()),
        completed: completed.map(|c| c != 0),
        passed: passed.map(|p| p != 0),
        submitted_for_signoff: submitted != 0,
        recorded_at: row.try_get("recorded_at")?,
    })
}

fn signoff_status(row: &AnyRow, now: &str) -> AppResult<String> {
    let decided: Option<String> = row.try_get("decided_at")?;
    let approved: Option<i64> = row.try_get("approved")?;
    let expires: String = row.try_get("expires_at")?;
    Ok(match (decided, approved) {
        (Some(_), Some(1)) => "approved",
        (Some(_), _) => "declined",
        (None, _) if expires.as_str() <= now => "expired",
        (None, _) => "pending",
    }
    .to_string())
}

fn signoff_from_row(row: &AnyRow, now: &str) -> AppResult<SignoffRequest> {
    Ok(SignoffRequest {
        id: row.try_get("id")?,
        component: row.try_get("component")?,
        reviewer_kind: row.try_get("reviewer_kind")?,
        reviewer_name: row.try_get("reviewer_name")?,
        reviewer_email: row.try_get("reviewer_email")?,
        expires_at: row.try_get("expires_at")?,
        status: signoff_status(row, now)?,
        comment: row.try_get("comment")?,
        link: None,
    })
}

const SIGNOFF_COLUMNS: &str = "id, organization_id, learner_id, achievement_id, component, reviewer_kind, reviewer_name, \
     reviewer_email, expires_at, decided_at, approved, comment";

impl Store {
    pub async fn insert_result(&self, r: &NewResult<'_>) -> AppResult<ResultInsert> {
        let evidence = if r.evidence.is_empty() {
            None
        } else {
            Some(serde_json::to_string(r.evidence).map_err(|e| AppError::Internal(e.to_string()))?)
        };
        let done = sqlx::query(
            "INSERT INTO assessment_results (id, organization_id, learner_id, achievement_id, component, score, attempt, \
             completed, passed, submitted_for_signoff, evidence, source, recorded_at, dedup_key, dedup_source) \
             VALUES ($1, $2, $3, $4, $5, CAST($6 AS DOUBLE PRECISION), $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (organization_id, dedup_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(r.organization_id)
        .bind(r.learner_id)
        .bind(r.achievement_id)
        .bind(&r.result.component)
        // Through sqlx::Any a NULL f64 is sent in a form PostgreSQL rejects; the score
        // travels as text and the database casts it.
        .bind(r.result.score.map(|s| s.to_string()))
        .bind(r.result.attempt.map(i64::from))
        .bind(flag(r.result.completed))
        .bind(flag(r.result.passed))
        .bind(i64::from(r.result.submitted_for_signoff))
        .bind(evidence)
        .bind(r.source)
        .bind(&r.result.recorded_at)
        .bind(r.dedup.map(|(key, _)| key))
        .bind(r.dedup.map(|(_, source)| source))
        .execute(&self.pool)
        .await?
        .rows_affected();
        if done == 1 {
            return Ok(ResultInsert::Inserted);
        }
        let Some((key, _)) = r.dedup else {
            return Err(AppError::Internal("a result without a dedup key was not inserted".into()));
        };
        let source: Option<String> =
            sqlx::query_scalar("SELECT dedup_source FROM assessment_results WHERE organization_id = $1 AND dedup_key = $2")
                .bind(r.organization_id)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?
                .flatten();
        Ok(ResultInsert::AlreadyRecorded { source })
    }

    /// A learner's results on an achievement, oldest first.
    pub async fn results(&self, learner_id: &str, achievement_id: &str) -> AppResult<Vec<RecordedResult>> {
        let rows = sqlx::query(
            "SELECT component, score, attempt, completed, passed, submitted_for_signoff, recorded_at \
             FROM assessment_results WHERE learner_id = $1 AND achievement_id = $2 ORDER BY recorded_at, id",
        )
        .bind(learner_id)
        .bind(achievement_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(result_from_row).collect()
    }

    /// A learner's results on an achievement, oldest first, with the evidence recorded
    /// with them (in the same order): [`Store::results`] and [`Store::result_evidence`]
    /// in one query.
    pub async fn results_with_evidence(
        &self,
        learner_id: &str,
        achievement_id: &str,
    ) -> AppResult<(Vec<RecordedResult>, Vec<EvidenceInput>)> {
        let rows = sqlx::query(
            "SELECT component, score, attempt, completed, passed, submitted_for_signoff, recorded_at, evidence \
             FROM assessment_results WHERE learner_id = $1 AND achievement_id = $2 ORDER BY recorded_at, id",
        )
        .bind(learner_id)
        .bind(achievement_id)
        .fetch_all(&self.pool)
        .await?;
        let mut results = Vec::with_capacity(rows.len());
        let mut evidence = Vec::new();
        for row in &rows {
            results.push(result_from_row(row)?);
            let text: Option<String> = row.try_get("evidence")?;
            if let Some(text) = text {
                let items: Vec<EvidenceInput> = serde_json::from_str(&text)
                    .map_err(|e| AppError::Internal(format!("stored evidence is unreadable: {e}")))?;
                evidence.extend(items);
            }
        }
        Ok((results, evidence))
    }

    /// Evidence recorded with a learner's results on an achievement.
    pub async fn result_evidence(&self, learner_id: &str, achievement_id: &str) -> AppResult<Vec<EvidenceInput>> {
        let rows = sqlx::query(
            "SELECT evidence FROM assessment_results WHERE learner_id = $1 AND achievement_id = $2 \
             AND evidence IS NOT NULL ORDER BY recorded_at, id",
        )
        .bind(learner_id)
        .bind(achievement_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let text: String = row.try_get("evidence")?;
            let items: Vec<EvidenceInput> =
                serde_json::from_str(&text).map_err(|e| AppError::Internal(format!("stored evidence is unreadable: {e}")))?;
            out.extend(items);
        }
        Ok(out)
    }

    /// Creates a single-use sign-off link; returns the request with its link.
    pub async fn create_signoff(
        &self,
        organization_id: &str,
        learner_id: &str,
        achievement_id: &str,
        component: &str,
        reviewer_kind: &str,
        reviewer_name: Option<&str>,
        reviewer_email: Option<&str>,
        valid_for: time::Duration,
    ) -> AppResult<SignoffRequest> {
        let token = api_key::generate().token.replacen("crd_", "sgn_", 1);
        let id = new_id();
        let expires_at = crate::domain::credential::format_time(time::OffsetDateTime::now_utc() + valid_for);
        sqlx::query(
            "INSERT INTO signoff_requests (id, organization_id, learner_id, achievement_id, component, reviewer_kind, \
             reviewer_name, reviewer_email, token_hash, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(organization_id)
        .bind(learner_id)
        .bind(achievement_id)
        .bind(component)
        .bind(reviewer_kind)
        .bind(reviewer_name)
        .bind(reviewer_email)
        .bind(api_key::hash(&token))
        .bind(&expires_at)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(SignoffRequest {
            id,
            component: component.to_string(),
            reviewer_kind: reviewer_kind.to_string(),
            reviewer_name: reviewer_name.map(str::to_string),
            reviewer_email: reviewer_email.map(str::to_string),
            expires_at,
            status: "pending".into(),
            comment: None,
            link: Some(format!("{}/signoff/{token}", self.public_url)),
        })
    }

    /// Replaces an undecided request's link with a new one (the old link stops
    /// working) valid for `valid_for` from now; `None` when there is no such
    /// undecided request of the organization.
    pub async fn reissue_signoff_link(&self, organization_id: &str, id: &str, valid_for: time::Duration) -> AppResult<Option<SignoffRequest>> {
        let token = api_key::generate().token.replacen("crd_", "sgn_", 1);
        let expires_at = crate::domain::credential::format_time(time::OffsetDateTime::now_utc() + valid_for);
        let changed = sqlx::query(
            "UPDATE signoff_requests SET token_hash = $1, expires_at = $2 \
             WHERE id = $3 AND organization_id = $4 AND decided_at IS NULL",
        )
        .bind(api_key::hash(&token))
        .bind(&expires_at)
        .bind(id)
        .bind(organization_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SIGNOFF_COLUMNS} FROM signoff_requests WHERE id = $1")))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        let mut request = signoff_from_row(&row, &now)?;
        request.link = Some(format!("{}/signoff/{token}", self.public_url));
        Ok(Some(request))
    }

    /// Sign-off requests for a learner's achievement, newest first.
    pub async fn signoffs(&self, learner_id: &str, achievement_id: &str) -> AppResult<Vec<SignoffRequest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SIGNOFF_COLUMNS} FROM signoff_requests WHERE learner_id = $1 AND achievement_id = $2 \
             ORDER BY created_at DESC, id DESC"
        )))
        .bind(learner_id)
        .bind(achievement_id)
        .fetch_all(&self.pool)
        .await?;
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        rows.iter().map(|r| signoff_from_row(r, &now)).collect()
    }

    /// The decisions made so far, for evaluating the rule.
    pub async fn signoff_decisions(&self, learner_id: &str, achievement_id: &str) -> AppResult<Vec<SignoffDecision>> {
        let rows = sqlx::query(
            "SELECT component, approved, decided_at FROM signoff_requests \
             WHERE learner_id = $1 AND achievement_id = $2 AND decided_at IS NOT NULL ORDER BY decided_at",
        )
        .bind(learner_id)
        .bind(achievement_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let approved: Option<i64> = r.try_get("approved")?;
                Ok(SignoffDecision {
                    component: r.try_get("component")?,
                    approved: approved == Some(1),
                    decided_at: r.try_get("decided_at")?,
                })
            })
            .collect()
    }

    /// The request a reviewer's token opens, if any.
    pub async fn signoff_by_token(&self, token: &str) -> AppResult<Option<SignoffTicket>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SIGNOFF_COLUMNS} FROM signoff_requests WHERE token_hash = $1"
        )))
        .bind(api_key::hash(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        let decided: Option<String> = row.try_get("decided_at")?;
        Ok(Some(SignoffTicket {
            request: signoff_from_row(&row, &now)?,
            organization_id: row.try_get("organization_id")?,
            learner_id: row.try_get("learner_id")?,
            achievement_id: row.try_get("achievement_id")?,
            decided: decided.is_some(),
        }))
    }

    /// Records a decision once: false when the link was already used or has expired.
    pub async fn decide_signoff(&self, id: &str, approved: bool, comment: Option<&str>) -> AppResult<bool> {
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        let done = sqlx::query(
            "UPDATE signoff_requests SET decided_at = $1, approved = $2, comment = $3 \
             WHERE id = $4 AND decided_at IS NULL AND expires_at > $1",
        )
        .bind(&now)
        .bind(i64::from(approved))
        .bind(comment)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }
}
