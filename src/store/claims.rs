//! Claims of credentials by their learners (a private link per credential, the
//! learner's choices for the badge page) and the per-credential counters the
//! issuer reads: claimed, shared, downloaded, verified.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::visitors::{DailyVisitors, Visit};
use super::{Store, now};
use crate::domain::api_key;
use crate::domain::audit::{Action, Actor, Change};
use crate::error::{AppError, AppResult};

/// A credential's claim as stored (the token itself is never stored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    pub credential_id: String,
    pub link_created_at: String,
    pub claimed_at: Option<String>,
    pub updated_at: Option<String>,
    pub display_name: Option<String>,
    pub did: Option<String>,
    /// Indexes in the credential's `evidence` list the learner chose not to show.
    pub hidden_evidence: Vec<usize>,
    pub shared: i64,
    pub downloaded: i64,
    pub verified: i64,
}

/// A claim link made for a credential of a bulk job, with whom to send it to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkClaimLink {
    /// The first row of the file that issued or found the credential.
    pub row: i64,
    pub learner_id: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub credential_id: String,
    /// The learner's private link; shown only in this answer.
    pub claim_url: String,
}

/// What the learner saves through the claim form.
#[derive(Debug, Clone)]
pub struct ClaimChoices {
    pub display_name: String,
    pub did: Option<String>,
    pub hidden_evidence: Vec<usize>,
}

/// The counters a public request may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialEvent {
    /// The badge was shared (LinkedIn link, copied link).
    Shared,
    /// The credential or its images were downloaded.
    Downloaded,
    /// The credential was verified (by id, or a copy whose proof passed).
    Verified,
}

impl CredentialEvent {
    fn column(self) -> &'static str {
        match self {
            CredentialEvent::Shared => "shared_count",
            CredentialEvent::Downloaded => "downloaded_count",
            CredentialEvent::Verified => "verified_count",
        }
    }
}

/// A pending count's key: credential, counter, owning organization (when checked).
type CountKey = (String, CredentialEvent, Option<String>);

/// Counts not yet written → how many.
#[derive(Debug, Default)]
pub struct PendingCounts {
    counts: std::sync::Mutex<std::collections::HashMap<CountKey, i64>>,
    /// Who was counted today (see `store::visitors`).
    visitors: DailyVisitors,
}

impl PendingCounts {
    fn add(&self, credential_id: &str, event: CredentialEvent, organization_id: Option<&str>) {
        if let Ok(mut m) = self.counts.lock() {
            *m.entry((credential_id.to_string(), event, organization_id.map(str::to_string))).or_insert(0) += 1;
        }
    }

    fn take(&self) -> std::collections::HashMap<CountKey, i64> {
        self.counts.lock().map(|mut m| std::mem::take(&mut *m)).unwrap_or_default()
    }
}

/// The columns of a claim, as `claim_from_row` reads them (also joined to credentials).
pub(super) const CLAIM_COLUMNS: &str = "cl.link_created_at, cl.claimed_at, cl.updated_at, cl.display_name AS claim_name, \
     cl.did AS claim_did, cl.hidden_evidence, cl.shared_count, cl.downloaded_count, cl.verified_count";

pub(super) fn claim_from_row(row: &AnyRow, credential_id: String) -> AppResult<Claim> {
    let hidden: String = row.try_get("hidden_evidence")?;
    Ok(Claim {
        credential_id,
        link_created_at: row.try_get("link_created_at")?,
        claimed_at: row.try_get("claimed_at")?,
        updated_at: row.try_get("updated_at")?,
        display_name: row.try_get("claim_name")?,
        did: row.try_get("claim_did")?,
        hidden_evidence: serde_json::from_str(&hidden)
            .map_err(|e| AppError::Internal(format!("stored hidden evidence is unreadable: {e}")))?,
        shared: row.try_get("shared_count")?,
        downloaded: row.try_get("downloaded_count")?,
        verified: row.try_get("verified_count")?,
    })
}

/// A new claim token (`clm_…`, 32 random bytes) and the hash that is stored.
pub(super) const INSERT_CLAIM: &str =
    "INSERT INTO credential_claims (credential_id, token_hash, link_created_at) VALUES ($1, $2, $3)";

pub(super) fn new_token() -> (String, String) {
    let token = api_key::generate().token.replacen("crd_", "clm_", 1);
    let hash = api_key::hash(&token);
    (token, hash)
}

impl Store {
    /// The claim page of a token.
    pub fn claim_url(&self, token: &str) -> String {
        format!("{}/claim/{token}", self.public_url)
    }

    /// Replaces the claim link of an organization's credential (the old link stops
    /// working; what the learner chose is kept). `None` when the organization has no
    /// such credential.
    pub async fn reissue_claim_link(
        &self,
        organization_id: &str,
        credential_id: &str,
        actor: &Actor,
    ) -> AppResult<Option<String>> {
        let (token, hash) = new_token();
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE credential_claims SET token_hash = $1, link_created_at = $2 WHERE credential_id = $3 \
             AND EXISTS (SELECT 1 FROM credentials c WHERE c.id = $3 AND c.organization_id = $4)",
        )
        .bind(&hash)
        .bind(now())
        .bind(credential_id)
        .bind(organization_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Ok(None);
        }
        let change = Change {
            organization_id,
            actor,
            action: Action::ClaimLinkReplaced,
            subject_kind: "credential",
            subject_id: credential_id,
            summary: "claim link replaced; the previous link stopped working".into(),
        };
        super::audit::insert_change(&mut *tx, &change).await?;
        tx.commit().await?;
        Ok(Some(self.claim_url(&token)))
    }

    /// Replaces the claim links of the credentials a bulk job's rows issued or
    /// found, except those already claimed (their learners use their links), in one
    /// transaction. One entry per credential, at its first row, in file order.
    pub async fn reissue_bulk_claim_links(&self, organization_id: &str, job_id: &str) -> AppResult<Vec<BulkClaimLink>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT r.row_number, r.credential_id, l.id AS learner_id, l.email, l.external_id \
             FROM bulk_job_rows r JOIN credential_claims cl ON cl.credential_id = r.credential_id \
             JOIN credentials c ON c.id = r.credential_id JOIN learners l ON l.id = c.learner_id \
             WHERE r.job_id = $1 AND r.organization_id = $2 AND c.organization_id = $2 AND cl.claimed_at IS NULL \
             ORDER BY r.row_number",
        )
        .bind(job_id)
        .bind(organization_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut links: Vec<BulkClaimLink> = Vec::new();
        for r in &rows {
            let credential_id: String = r.try_get("credential_id")?;
            if links.iter().any(|l| l.credential_id == credential_id) {
                continue;
            }
            let (token, hash) = new_token();
            sqlx::query("UPDATE credential_claims SET token_hash = $1, link_created_at = $2 WHERE credential_id = $3")
                .bind(&hash)
                .bind(now())
                .bind(&credential_id)
                .execute(&mut *tx)
                .await?;
            links.push(BulkClaimLink {
                row: r.try_get("row_number")?,
                learner_id: r.try_get("learner_id")?,
                email: r.try_get("email")?,
                external_id: r.try_get("external_id")?,
                credential_id,
                claim_url: self.claim_url(&token),
            });
        }
        tx.commit().await?;
        Ok(links)
    }

    /// The claim a token opens, if the token is the credential's current one.
    pub async fn claim_by_token(&self, token: &str) -> AppResult<Option<Claim>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT cl.credential_id, {CLAIM_COLUMNS} FROM credential_claims cl WHERE cl.token_hash = $1"
        )))
        .bind(api_key::hash(token))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let id: String = r.try_get("credential_id")?;
            claim_from_row(&r, id)
        })
        .transpose()
    }

    /// The claim of a credential, with its counts as last written (pages read it for
    /// the learner's choices; issuers read it through [`Store::claim_with_counts`]).
    pub async fn claim(&self, credential_id: &str) -> AppResult<Option<Claim>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLAIM_COLUMNS} FROM credential_claims cl WHERE cl.credential_id = $1"
        )))
        .bind(credential_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| claim_from_row(&r, credential_id.to_string())).transpose()
    }

    /// The claim of a credential with every count tallied so far written first.
    pub async fn claim_with_counts(&self, credential_id: &str) -> AppResult<Option<Claim>> {
        self.flush_counts().await?;
        self.claim(credential_id).await
    }

    /// Saves the learner's choices through the link `token`, if it is still the
    /// credential's current link. The first save sets `claimed_at`; a DID given is
    /// also recorded on the learner, for credentials issued later. One transaction.
    /// Returns false (and changes nothing) when the link was replaced meanwhile.
    pub async fn save_claim(&self, token: &str, learner_id: &str, choices: &ClaimChoices) -> AppResult<bool> {
        let hidden = serde_json::to_string(&choices.hidden_evidence).map_err(|e| AppError::Internal(e.to_string()))?;
        let at = now();
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE credential_claims SET display_name = $1, did = $2, hidden_evidence = $3, updated_at = $4, \
             claimed_at = COALESCE(claimed_at, $4) WHERE token_hash = $5",
        )
        .bind(&choices.display_name)
        .bind(&choices.did)
        .bind(&hidden)
        .bind(&at)
        .bind(api_key::hash(token))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(did) = &choices.did {
            sqlx::query("UPDATE learners SET did = $1 WHERE id = $2")
                .bind(did)
                .bind(learner_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Adds one to a credential's counter: a single `UPDATE … SET n = n + 1`, safe
    /// with several instances on one database. False when there is no such credential.
    /// A visitor counts once a day (see `store::visitors`): again, it is only told
    /// that the credential exists.
    pub async fn record_credential_event(&self, credential_id: &str, event: CredentialEvent) -> AppResult<bool> {
        match self.pending_counts.visitors.visit(credential_id, event) {
            Visit::First => self.bump_by(credential_id, event, None, 1).await,
            Visit::Again => self.credential_state(credential_id).await.map(|state| state.is_some()),
        }
    }

    async fn bump_by(
        &self,
        credential_id: &str,
        event: CredentialEvent,
        organization_id: Option<&str>,
        n: i64,
    ) -> AppResult<bool> {
        let column = event.column();
        let changed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE credential_claims SET {column} = {column} + $3 WHERE credential_id = $1 AND ($2 IS NULL \
             OR EXISTS (SELECT 1 FROM credentials c WHERE c.id = $1 AND c.organization_id = $2))"
        )))
        .bind(credential_id)
        .bind(organization_id)
        .bind(n)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Counts an event without waiting for the database: counts are kept in memory
    /// and written by [`Store::flush_counts`] (every second while serving, on
    /// shutdown, and before issuers read the counts: `claim_with_counts`,
    /// `list_credentials`), as one `UPDATE … + n` per credential and counter. For the hot public paths (verification, downloads),
    /// where a write per request would cost more than the request. With
    /// `organization_id`, it counts only if the credential belongs to that organization.
    pub fn count_later(&self, credential_id: &str, event: CredentialEvent, organization_id: Option<&str>) {
        if self.pending_counts.visitors.visit(credential_id, event) == Visit::First {
            self.pending_counts.add(credential_id, event, organization_id);
        }
    }

    /// Writes the counts kept by [`Store::count_later`]. Counts that fail to write
    /// are kept for the next flush.
    pub async fn flush_counts(&self) -> AppResult<()> {
        let pending = self.pending_counts.take();
        let mut first_error = None;
        for ((id, event, org), n) in pending {
            if let Err(e) = self.bump_by(&id, event, org.as_deref(), n).await {
                for _ in 0..n {
                    self.pending_counts.add(&id, event, org.as_deref());
                }
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
