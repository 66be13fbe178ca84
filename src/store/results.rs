//! Assessment results and sign-off requests.

use sqlx::Row;

use super::rows::ReadRow;

use super::keyset::Cursor;
use super::unit::{Tx, args};
use super::{Store, new_id, now};
use crate::domain::api_key;
use crate::domain::audit::{Action, Actor, Change};
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
    AlreadyRecorded {
        source: Option<String>,
    },
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
    /// Who decided, as the reviewer confirmed it: name, then role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by_role: Option<String>,
    /// When it was decided (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// The single-use link to send to the reviewer. Only in the answer that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Which sign-off requests the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignoffQueue {
    /// Undecided, link still valid.
    Pending,
    /// Approved or declined.
    Decided,
    /// Undecided, link expired.
    Expired,
}

/// A sign-off request in the organization's queue.
#[derive(Debug, Clone)]
pub struct QueuedSignoff {
    pub request: SignoffRequest,
    pub learner_id: String,
    pub achievement_id: String,
    pub created_at: String,
    pub decided_at: Option<String>,
}

/// The sign-off queue's name in its cursors.
const QUEUE_LISTING: &str = "signoffs";

/// Reads a cursor of the sign-off queue (sort key: `created_at`, `id`).
pub fn signoff_queue_cursor(text: &str) -> AppResult<Cursor> {
    Cursor::decode(text, QUEUE_LISTING, 2)?.check_time(0)
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

pub(super) fn result_from_row(row: &(impl ReadRow + ?Sized)) -> AppResult<RecordedResult> {
    Ok(RecordedResult {
        component: row.text("component")?,
        score: row.opt_real("score")?,
        attempt: row.opt_int("attempt")?.and_then(|a| u32::try_from(a).ok()),
        completed: row.opt_int("completed")?.map(|c| c != 0),
        passed: row.opt_int("passed")?.map(|p| p != 0),
        submitted_for_signoff: row.int("submitted_for_signoff")? != 0,
        recorded_at: row.text("recorded_at")?,
    })
}

/// The evidence a result was recorded with (`evidence` column, JSON), if any.
pub(super) fn evidence_from_row(row: &(impl ReadRow + ?Sized)) -> AppResult<Vec<EvidenceInput>> {
    match row.opt_text("evidence")? {
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| AppError::Internal(format!("stored evidence is unreadable: {e}")))
        }
        None => Ok(Vec::new()),
    }
}

pub(super) fn decision_from_row(row: &(impl ReadRow + ?Sized)) -> AppResult<SignoffDecision> {
    Ok(SignoffDecision {
        component: row.text("component")?,
        approved: row.opt_int("approved")? == Some(1),
        decided_at: row.text("decided_at")?,
    })
}

fn signoff_status(row: &(impl ReadRow + ?Sized), now: &str) -> AppResult<String> {
    let decided = row.opt_text("decided_at")?;
    let approved = row.opt_int("approved")?;
    let expires = row.text("expires_at")?;
    Ok(match (decided, approved) {
        (Some(_), Some(1)) => "approved",
        (Some(_), _) => "declined",
        (None, _) if expires.as_str() <= now => "expired",
        (None, _) => "pending",
    }
    .to_string())
}

pub(super) fn signoff_from_row(row: &(impl ReadRow + ?Sized), now: &str) -> AppResult<SignoffRequest> {
    Ok(SignoffRequest {
        id: row.text("id")?,
        component: row.text("component")?,
        reviewer_kind: row.text("reviewer_kind")?,
        reviewer_name: row.opt_text("reviewer_name")?,
        reviewer_email: row.opt_text("reviewer_email")?,
        expires_at: row.text("expires_at")?,
        status: signoff_status(row, now)?,
        comment: row.opt_text("comment")?,
        decided_by_name: row.opt_text("decided_by_name")?,
        decided_by_role: row.opt_text("decided_by_role")?,
        decided_at: row.opt_text("decided_at")?,
        link: None,
    })
}

/// Binds, in order, to [`INSERT_RESULT`]: everything but the id.
pub(super) fn result_columns(r: &NewResult<'_>) -> AppResult<ResultColumns> {
    let evidence = if r.evidence.is_empty() {
        None
    } else {
        Some(serde_json::to_string(r.evidence).map_err(|e| AppError::Internal(e.to_string()))?)
    };
    Ok(ResultColumns {
        // Through sqlx::Any a NULL f64 is sent in a form PostgreSQL rejects; the score
        // travels as text and the database casts it.
        score: r.result.score.map(|s| s.to_string()),
        attempt: r.result.attempt.map(i64::from),
        completed: flag(r.result.completed),
        passed: flag(r.result.passed),
        submitted: i64::from(r.result.submitted_for_signoff),
        evidence,
    })
}

/// The columns of a result row that are not the caller's strings, ready to bind.
pub(super) struct ResultColumns {
    pub score: Option<String>,
    pub attempt: Option<i64>,
    pub completed: Option<i64>,
    pub passed: Option<i64>,
    pub submitted: i64,
    pub evidence: Option<String>,
}

pub(super) const INSERT_RESULT: &str = "INSERT INTO assessment_results (id, organization_id, learner_id, achievement_id, component, score, \
     attempt, completed, passed, submitted_for_signoff, evidence, source, recorded_at, dedup_key, dedup_source) \
     VALUES ($1, $2, $3, $4, $5, CAST($6 AS DOUBLE PRECISION), $7, $8, $9, $10, $11, $12, $13, $14, $15) \
     ON CONFLICT (organization_id, dedup_key) DO NOTHING";

pub(super) const DEDUP_SOURCE: &str =
    "SELECT dedup_source FROM assessment_results WHERE organization_id = $1 AND dedup_key = $2";

pub(super) const RESULTS_WITH_EVIDENCE: &str = "SELECT component, score, attempt, completed, passed, submitted_for_signoff, \
     recorded_at, evidence FROM assessment_results WHERE learner_id = $1 AND achievement_id = $2 ORDER BY recorded_at, id";

pub(super) const SIGNOFF_DECISIONS: &str = "SELECT component, approved, decided_at FROM signoff_requests \
     WHERE learner_id = $1 AND achievement_id = $2 AND decided_at IS NOT NULL ORDER BY decided_at";

/// Records a decision once, before the link expires (`$1` is now).
pub(super) const DECIDE_SIGNOFF: &str = "UPDATE signoff_requests SET decided_at = $1, approved = $2, comment = $3, \
     decided_by_name = $5, decided_by_role = $6 WHERE id = $4 AND decided_at IS NULL AND expires_at > $1";

pub(super) const INSERT_SIGNOFF: &str = "INSERT INTO signoff_requests (id, organization_id, learner_id, achievement_id, component, \
     reviewer_kind, reviewer_name, reviewer_email, token_hash, expires_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// Sign-off requests for a learner's achievement, newest first.
pub(super) fn signoffs_sql() -> String {
    format!(
        "SELECT {SIGNOFF_COLUMNS} FROM signoff_requests WHERE learner_id = $1 AND achievement_id = $2 \
         ORDER BY created_at DESC, id DESC"
    )
}

/// A sign-off request about to be created.
pub struct NewSignoff<'a> {
    pub organization_id: &'a str,
    pub learner_id: &'a str,
    pub achievement_id: &'a str,
    pub component: &'a str,
    pub reviewer_kind: &'a str,
    pub reviewer_name: Option<&'a str>,
    pub reviewer_email: Option<&'a str>,
    pub valid_for: time::Duration,
}

/// A new request's id, token (only in its link), token hash and expiry, and the
/// request as answered (with its link).
pub(super) fn prepare_signoff(public_url: &str, s: &NewSignoff<'_>) -> (String, String, String, SignoffRequest) {
    let token = api_key::generate().token.replacen("crd_", "sgn_", 1);
    let id = new_id();
    let expires_at = crate::domain::credential::format_time(time::OffsetDateTime::now_utc() + s.valid_for);
    let request = SignoffRequest {
        id: id.clone(),
        component: s.component.to_string(),
        reviewer_kind: s.reviewer_kind.to_string(),
        reviewer_name: s.reviewer_name.map(str::to_string),
        reviewer_email: s.reviewer_email.map(str::to_string),
        expires_at: expires_at.clone(),
        status: "pending".into(),
        comment: None,
        decided_by_name: None,
        decided_by_role: None,
        decided_at: None,
        link: Some(format!("{public_url}/signoff/{token}")),
    };
    (id, api_key::hash(&token), expires_at, request)
}

pub(super) const SIGNOFF_COLUMNS: &str = "id, organization_id, learner_id, achievement_id, component, reviewer_kind, reviewer_name, \
     reviewer_email, expires_at, decided_at, approved, comment, decided_by_name, decided_by_role";

impl Store {
    /// A page of the organization's sign-off requests in `queue`, newest first, after
    /// `after`; with the cursor of the next page when there may be one.
    pub async fn signoff_queue(
        &self,
        organization_id: &str,
        queue: SignoffQueue,
        after: Option<&Cursor>,
        limit: i64,
    ) -> AppResult<(Vec<QueuedSignoff>, Option<Cursor>)> {
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        // Arguments after the organization, in order: the time (not for decided
        // requests), the cursor's key, the limit.
        let mut args: Vec<String> = Vec::new();
        let mark = |value: String, args: &mut Vec<String>| {
            args.push(value);
            format!("${}", args.len() + 1)
        };
        let which = match queue {
            SignoffQueue::Pending => format!("decided_at IS NULL AND expires_at > {}", mark(now.clone(), &mut args)),
            SignoffQueue::Decided => "decided_at IS NOT NULL".to_string(),
            SignoffQueue::Expired => format!("decided_at IS NULL AND expires_at <= {}", mark(now.clone(), &mut args)),
        };
        let page = match after {
            Some(c) => {
                let (at, id) = (mark(c.key()[0].clone(), &mut args), mark(c.key()[1].clone(), &mut args));
                format!("AND (created_at < {at} OR (created_at = {at} AND id < {id}))")
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT {SIGNOFF_COLUMNS}, created_at FROM signoff_requests WHERE organization_id = $1 AND {which} {page} \
             ORDER BY created_at DESC, id DESC LIMIT ${}",
            args.len() + 2
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organization_id);
        for arg in args {
            query = query.bind(arg);
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(QueuedSignoff {
                request: signoff_from_row(row, &now)?,
                learner_id: row.try_get("learner_id")?,
                achievement_id: row.try_get("achievement_id")?,
                created_at: row.try_get("created_at")?,
                decided_at: row.try_get("decided_at")?,
            });
        }
        let next = (i64::try_from(out.len()).is_ok_and(|n| n == limit))
            .then(|| out.last().map(|q| Cursor::new(QUEUE_LISTING, vec![q.created_at.clone(), q.request.id.clone()])))
            .flatten();
        Ok((out, next))
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
            let items: Vec<EvidenceInput> = serde_json::from_str(&text)
                .map_err(|e| AppError::Internal(format!("stored evidence is unreadable: {e}")))?;
            out.extend(items);
        }
        Ok(out)
    }

    /// Replaces an undecided request's link with a new one (the old link stops
    /// working) valid for `valid_for` from now; `None` when there is no such
    /// undecided request of the organization.
    pub async fn reissue_signoff_link(
        &self,
        organization_id: &str,
        id: &str,
        valid_for: time::Duration,
        actor: &Actor,
    ) -> AppResult<Option<SignoffRequest>> {
        let token = api_key::generate().token.replacen("crd_", "sgn_", 1);
        let expires_at = crate::domain::credential::format_time(time::OffsetDateTime::now_utc() + valid_for);
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE signoff_requests SET token_hash = $1, expires_at = $2 \
             WHERE id = $3 AND organization_id = $4 AND decided_at IS NULL",
        )
        .bind(api_key::hash(&token))
        .bind(&expires_at)
        .bind(id)
        .bind(organization_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SIGNOFF_COLUMNS} FROM signoff_requests WHERE id = $1")))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        let mut request = signoff_from_row(&row, &now)?;
        let change = Change {
            organization_id,
            actor,
            action: Action::SignoffLinkReplaced,
            subject_kind: "signoff",
            subject_id: id,
            summary: format!("new sign-off link for {}, valid until {expires_at}", request.component),
        };
        super::audit::insert_change(&mut *tx, &change).await?;
        tx.commit().await?;
        request.link = Some(format!("{}/signoff/{token}", self.public_url));
        Ok(Some(request))
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
}

impl Tx<'_> {
    /// Stores a result; with a dedup key, a second insert of the same key records
    /// nothing and names the row that recorded it.
    pub fn insert_result(&mut self, r: &NewResult<'_>) -> AppResult<ResultInsert> {
        let c = result_columns(r)?;
        let id = new_id();
        let done = self.execute(
            INSERT_RESULT,
            args![
                &id,
                r.organization_id,
                r.learner_id,
                r.achievement_id,
                &r.result.component,
                &c.score,
                c.attempt,
                c.completed,
                c.passed,
                c.submitted,
                &c.evidence,
                r.source,
                &r.result.recorded_at,
                r.dedup.map(|(key, _)| key),
                r.dedup.map(|(_, source)| source),
            ],
        )?;
        if done == 1 {
            return Ok(ResultInsert::Inserted);
        }
        let Some((key, _)) = r.dedup else {
            return Err(AppError::Internal("a result without a dedup key was not inserted".into()));
        };
        let source = self.query_opt(DEDUP_SOURCE, args![r.organization_id, key], |row| row.opt_text("dedup_source"))?;
        Ok(ResultInsert::AlreadyRecorded { source: source.flatten() })
    }

    /// A learner's results on an achievement, oldest first, with the evidence
    /// recorded with them (in the same order).
    pub fn results_with_evidence(
        &mut self,
        learner_id: &str,
        achievement_id: &str,
    ) -> AppResult<(Vec<RecordedResult>, Vec<EvidenceInput>)> {
        let rows = self.query_rows(RESULTS_WITH_EVIDENCE, args![learner_id, achievement_id], |row| {
            Ok((result_from_row(row)?, evidence_from_row(row)?))
        })?;
        let mut results = Vec::with_capacity(rows.len());
        let mut evidence = Vec::new();
        for (result, items) in rows {
            results.push(result);
            evidence.extend(items);
        }
        Ok((results, evidence))
    }

    /// The decisions made so far, for evaluating the rule.
    pub fn signoff_decisions(&mut self, learner_id: &str, achievement_id: &str) -> AppResult<Vec<SignoffDecision>> {
        self.query_rows(SIGNOFF_DECISIONS, args![learner_id, achievement_id], |row| decision_from_row(row))
    }

    /// Sign-off requests for a learner's achievement, newest first.
    pub fn signoffs(&mut self, learner_id: &str, achievement_id: &str) -> AppResult<Vec<SignoffRequest>> {
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        self.query_rows(&signoffs_sql(), args![learner_id, achievement_id], |row| signoff_from_row(row, &now))
    }

    /// Creates a single-use sign-off link; returns the request with its link.
    pub fn create_signoff(&mut self, s: &NewSignoff<'_>) -> AppResult<SignoffRequest> {
        let (id, token_hash, expires_at, request) = prepare_signoff(&self.store().public_url, s);
        let created_at = now();
        self.execute(
            INSERT_SIGNOFF,
            args![
                &id,
                s.organization_id,
                s.learner_id,
                s.achievement_id,
                s.component,
                s.reviewer_kind,
                s.reviewer_name,
                s.reviewer_email,
                &token_hash,
                &expires_at,
                &created_at
            ],
        )?;
        Ok(request)
    }

    /// Records a decision once: false when the link was already used or has expired.
    pub fn decide_signoff(
        &mut self,
        id: &str,
        decision: &crate::domain::learner::SignoffDecisionInput,
    ) -> AppResult<bool> {
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        let args = args![
            &now,
            i64::from(decision.approve),
            decision.comment.as_deref(),
            id,
            decision.reviewer_name.as_deref(),
            decision.reviewer_role.as_deref()
        ];
        Ok(self.execute(DECIDE_SIGNOFF, args)? == 1)
    }
}
