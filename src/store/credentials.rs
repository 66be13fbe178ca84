//! Issued credentials, their status-list entries, and idempotency records.

use futures_util::Stream;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::keyset::{Bound, Cursor};

use super::rows::ReadRow;

use super::claims::{CLAIM_COLUMNS, Claim, claim_from_row};
use super::unit::{Tx, args};
use super::{Store, now};
use crate::domain::audit::{Action, Actor, Change};
use crate::error::{AppError, AppResult};
use credence_core::model::CredentialStatus;
use credence_core::status_list::StatusPurpose;

/// A stored credential.
#[derive(Debug, Clone)]
pub struct StoredCredential {
    pub id: String,
    pub organization_id: String,
    pub learner_id: String,
    pub achievement_id: String,
    pub achievement_version: i64,
    pub document: Value,
    pub jwt: Option<String>,
    pub award_kind: String,
    pub issued_at: String,
    pub valid_until: Option<String>,
    pub revoked_at: Option<String>,
    /// Why it was revoked, for the organization only.
    pub revocation_reason: Option<String>,
    pub suspended: bool,
    /// Why it is suspended, for the organization only.
    pub suspension_reason: Option<String>,
    /// What the badge page says of its revocation or suspension, when the issuer
    /// wrote something for the public.
    pub public_reason: Option<String>,
}

/// A credential being issued: what is known of it before it is signed.
pub struct Issuing<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub organization_slug: &'a str,
    pub learner_id: &'a str,
    pub achievement_id: &'a str,
    pub achievement_version: i64,
    /// The version's `revision` as read when the call began: the credential is
    /// written only if the version was not edited in place since.
    pub achievement_revision: i64,
    pub award_kind: &'a str,
    pub award_narrative: Option<&'a str>,
}

/// What signing produced.
pub struct Signed {
    pub document: Value,
    pub jwt: Option<String>,
    pub valid_until: Option<String>,
}

/// A credential as written, with the learner's claim link (it exists nowhere else).
pub struct Written {
    pub signed: Signed,
    pub issued_at: String,
    pub claim_url: String,
}

impl Written {
    /// The stored credential, as it was just written (not read back).
    pub fn into_stored(self, c: &Issuing<'_>) -> (StoredCredential, String) {
        let credential = StoredCredential {
            id: c.id.to_string(),
            organization_id: c.organization_id.to_string(),
            learner_id: c.learner_id.to_string(),
            achievement_id: c.achievement_id.to_string(),
            achievement_version: c.achievement_version,
            document: self.signed.document,
            jwt: self.signed.jwt,
            award_kind: c.award_kind.to_string(),
            issued_at: self.issued_at,
            valid_until: self.signed.valid_until,
            revoked_at: None,
            revocation_reason: None,
            suspension_reason: None,
            public_reason: None,
            suspended: false,
        };
        (credential, self.claim_url)
    }
}

/// Inserts nothing when the learner holds the achievement already, or when the
/// achievement version was edited in place since the call read it (`$12`).
const INSERT_CREDENTIAL: &str = "INSERT INTO credentials (id, organization_id, learner_id, achievement_id, \
     achievement_version, document, jwt, award_kind, award_narrative, issued_at, valid_until) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 WHERE EXISTS (SELECT 1 FROM achievement_versions \
     WHERE achievement_id = $4 AND version = $5 AND revision = $12) ON CONFLICT (learner_id, achievement_id) DO NOTHING";

const HOLDS: &str = "SELECT 1 AS held FROM credentials WHERE learner_id = $1 AND achievement_id = $2";

fn document_text(document: &Value) -> AppResult<String> {
    serde_json::to_string(document).map_err(|e| AppError::Internal(e.to_string()))
}

fn credential_for_sql() -> String {
    format!("SELECT {COLUMNS} FROM credentials WHERE learner_id = $1 AND achievement_id = $2")
}

/// Filters of a credential listing.
#[derive(Debug, Clone, Default)]
pub struct CredentialFilter {
    pub achievement_id: Option<String>,
    /// `active`, `revoked` or `suspended`.
    pub state: Option<String>,
    pub issued_from: Option<String>,
    pub issued_to: Option<String>,
    pub limit: i64,
    /// Rows to skip (deprecated: `after` walks the index instead).
    pub offset: i64,
    /// Continue after this row (a cursor of [`credentials_cursor`]).
    pub after: Option<Cursor>,
}

const CREDENTIALS_LISTING: &str = "credentials";

/// Reads a cursor of the credential listing (sort key: `issued_at`, `id`).
pub fn credentials_cursor(text: &str) -> AppResult<Cursor> {
    Cursor::decode(text, CREDENTIALS_LISTING, 2)?.check_time(0)
}

/// The cursor of the listing's page that ends with `c`.
pub fn credential_cursor(c: &StoredCredential) -> Cursor {
    Cursor::new(CREDENTIALS_LISTING, vec![c.issued_at.clone(), c.id.clone()])
}

/// The credential listing's query and its arguments: newest first, by the index
/// `credentials_by_org (organization_id, issued_at, id)`, from `f.after` when given.
fn credentials_listing(organization_id: &str, f: &CredentialFilter) -> AppResult<(String, Vec<Bound>)> {
    let state = match f.state.as_deref() {
        None => "",
        Some("active") => " AND revoked_at IS NULL AND suspended = 0",
        Some("revoked") => " AND revoked_at IS NOT NULL",
        Some("suspended") => " AND revoked_at IS NULL AND suspended = 1",
        Some(other) => {
            return Err(AppError::invalid("state", format!("'{other}' is not active, revoked or suspended")));
        }
    };
    let mut args = vec![
        Bound::Text(Some(organization_id.to_string())),
        Bound::Text(f.achievement_id.clone()),
        Bound::Text(f.issued_from.clone()),
        Bound::Text(f.issued_to.clone()),
        Bound::Int(f.limit),
    ];
    let page = match &f.after {
        Some(cursor) => {
            args.extend(cursor.key().iter().map(|k| Bound::Text(Some(k.clone()))));
            " AND (issued_at, credentials.id) < ($6, $7) ORDER BY issued_at DESC, credentials.id DESC LIMIT $5"
        }
        None => {
            args.push(Bound::Int(f.offset));
            " ORDER BY issued_at DESC, credentials.id DESC LIMIT $5 OFFSET $6"
        }
    };
    let sql = format!(
        "SELECT {COLUMNS}, {CLAIM_COLUMNS} FROM credentials LEFT JOIN credential_claims cl ON cl.credential_id = credentials.id \
         WHERE organization_id = $1 AND ($2 IS NULL OR achievement_id = $2) \
         AND ($3 IS NULL OR issued_at >= $3) AND ($4 IS NULL OR issued_at < $4){state}{page}"
    );
    Ok((sql, args))
}

fn listed_credential(r: &AnyRow) -> AppResult<(StoredCredential, Option<Claim>)> {
    let c = credential_from_row(r)?;
    let has_claim = r.try_get::<Option<String>, _>("link_created_at")?.is_some();
    let claim = if has_claim { Some(claim_from_row(r, c.id.clone())?) } else { None };
    Ok((c, claim))
}

const COLUMNS: &str = "id, organization_id, learner_id, achievement_id, achievement_version, document, jwt, award_kind, \
     issued_at, valid_until, revoked_at, revocation_reason, suspended, suspension_reason, public_reason";

pub(super) fn credential_from_row(row: &(impl ReadRow + ?Sized)) -> AppResult<StoredCredential> {
    let text = row.text("document")?;
    Ok(StoredCredential {
        document: serde_json::from_str(&text)
            .map_err(|e| AppError::Internal(format!("stored credential is unreadable: {e}")))?,
        id: row.text("id")?,
        organization_id: row.text("organization_id")?,
        learner_id: row.text("learner_id")?,
        achievement_id: row.text("achievement_id")?,
        achievement_version: row.int("achievement_version")?,
        jwt: row.opt_text("jwt")?,
        award_kind: row.text("award_kind")?,
        issued_at: row.text("issued_at")?,
        valid_until: row.opt_text("valid_until")?,
        revoked_at: row.opt_text("revoked_at")?,
        revocation_reason: row.opt_text("revocation_reason")?,
        suspended: row.int("suspended")? != 0,
        suspension_reason: row.opt_text("suspension_reason")?,
        public_reason: row.opt_text("public_reason")?,
    })
}

impl Store {
    pub fn credential_url(&self, id: &str) -> String {
        format!("{}/credentials/{id}", self.public_url)
    }

    pub async fn credential(&self, id: &str) -> AppResult<Option<StoredCredential>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM credentials WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(credential_from_row).transpose()
    }

    /// Whether a credential is revoked and whether it is suspended (`None`: no such
    /// credential): the part of a stored credential that changes.
    pub async fn credential_state(&self, id: &str) -> AppResult<Option<(bool, bool)>> {
        let row = sqlx::query("SELECT revoked_at, suspended FROM credentials WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok((r.try_get::<Option<String>, _>("revoked_at")?.is_some(), r.try_get::<i64, _>("suspended")? != 0))
        })
        .transpose()
    }

    /// The organization's credentials, newest first, each with its claim: one page.
    pub async fn list_credentials(
        &self,
        organization_id: &str,
        f: &CredentialFilter,
    ) -> AppResult<Vec<(StoredCredential, Option<Claim>)>> {
        self.flush_counts().await?;
        let (sql, args) = credentials_listing(organization_id, f)?;
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for arg in args {
            query = match arg {
                Bound::Text(v) => query.bind(v),
                Bound::Int(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(listed_credential).collect()
    }

    /// The same listing as rows streamed from the database as they are read (for
    /// exports: memory stays flat whatever `f.limit` lets through).
    pub async fn stream_credentials(
        &self,
        organization_id: &str,
        f: &CredentialFilter,
    ) -> AppResult<impl Stream<Item = AppResult<(StoredCredential, Option<Claim>)>> + use<>> {
        self.flush_counts().await?;
        let (sql, args) = credentials_listing(organization_id, f)?;
        Ok(self.stream_rows(sql, args, listed_credential))
    }

    /// Revokes (permanently, with a reason), or sets or clears suspension, and records
    /// who did it in the audit log. Returns the credential as it now is; the status list
    /// and the log change in the same transaction.
    pub async fn change_credential_status(
        &self,
        organization_id: &str,
        id: &str,
        change: StatusChange<'_>,
        actor: &Actor,
    ) -> AppResult<StoredCredential> {
        let current = self
            .credential(id)
            .await?
            .filter(|c| c.organization_id == organization_id)
            .ok_or(AppError::NotFound("credential"))?;
        if current.revoked_at.is_some() {
            return Err(AppError::conflict("status", "the credential is revoked; revocation is permanent"));
        }
        let mut tx = self.pool.begin().await?;
        let purpose = match change {
            StatusChange::Revoke { reason, public_reason } => {
                sqlx::query(
                    "UPDATE credentials SET revoked_at = $1, revocation_reason = $2, public_reason = $3 \
                     WHERE id = $4 AND revoked_at IS NULL",
                )
                .bind(now())
                .bind(reason)
                .bind(public_reason)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                StatusPurpose::Revocation
            }
            StatusChange::Suspend { reason, public_reason } => {
                sqlx::query(
                    "UPDATE credentials SET suspended = 1, suspension_reason = $1, public_reason = $2 \
                     WHERE id = $3 AND revoked_at IS NULL",
                )
                .bind(reason)
                .bind(public_reason)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                StatusPurpose::Suspension
            }
            StatusChange::Unsuspend => {
                sqlx::query(
                    "UPDATE credentials SET suspended = 0, suspension_reason = NULL, public_reason = NULL \
                     WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                StatusPurpose::Suspension
            }
        };
        let (action, summary) = match change {
            StatusChange::Revoke { reason, public_reason } => (
                Action::CredentialRevoked,
                format!("revoked: {reason}{}", public_reason.map(|p| format!(" (public: {p})")).unwrap_or_default()),
            ),
            StatusChange::Suspend { reason, public_reason } => (
                Action::CredentialSuspended,
                format!(
                    "suspended{}{}",
                    reason.map(|r| format!(": {r}")).unwrap_or_default(),
                    public_reason.map(|p| format!(" (public: {p})")).unwrap_or_default()
                ),
            ),
            StatusChange::Unsuspend => (Action::CredentialReinstated, "suspension lifted".to_string()),
        };
        let change_record =
            Change { organization_id, actor, action, subject_kind: "credential", subject_id: id, summary };
        super::audit::insert_change(&mut *tx, &change_record).await?;
        self.set_status_bit(&mut tx, id, purpose, !matches!(change, StatusChange::Unsuspend)).await?;
        let state = match change {
            StatusChange::Revoke { .. } => "revoked",
            StatusChange::Suspend { .. } => "suspended",
            StatusChange::Unsuspend => "issued",
        };
        sqlx::query(
            "UPDATE learner_progress SET state = $1, updated_at = $2 WHERE learner_id = $3 AND achievement_id = $4",
        )
        .bind(state)
        .bind(now())
        .bind(&current.learner_id)
        .bind(&current.achievement_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.credential(id).await?.ok_or(AppError::NotFound("credential"))
    }
}

impl Tx<'_> {
    /// The credential the learner holds for the achievement, if any.
    pub fn credential_for(&mut self, learner_id: &str, achievement_id: &str) -> AppResult<Option<StoredCredential>> {
        self.query_opt(&credential_for_sql(), args![learner_id, achievement_id], |row| credential_from_row(row))
    }

    /// Writes a credential: a free index in each of its organization's status lists, the
    /// document `sign` makes with those entries, and its claim. `None`, with nothing
    /// written, when the learner already holds the achievement (a concurrent
    /// transaction issued it first: on PostgreSQL the insert waits for that one to
    /// end). A conflict naming `achievement` when its version was edited in place
    /// after the call read it (the document would not match the version it names);
    /// from here to the commit, no edit in place of the version can begin.
    pub fn write_credential(
        &mut self,
        c: &Issuing<'_>,
        sign: impl FnOnce(Vec<CredentialStatus>) -> AppResult<Signed>,
    ) -> AppResult<Option<Written>> {
        let store = self.store();
        self.hold_achievement_version(c.achievement_id, c.achievement_version)?;
        let mut statuses = Vec::new();
        for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
            statuses.push(self.allocate_status_entry(c.organization_id, c.organization_slug, purpose, c.id)?);
        }
        let signed = sign(statuses)?;
        let issued_at = now();
        let document = document_text(&signed.document)?;
        let inserted = self.execute(
            INSERT_CREDENTIAL,
            args![
                c.id,
                c.organization_id,
                c.learner_id,
                c.achievement_id,
                c.achievement_version,
                &document,
                &signed.jwt,
                c.award_kind,
                c.award_narrative,
                &issued_at,
                &signed.valid_until,
                c.achievement_revision,
            ],
        )?;
        if inserted == 0 {
            if self.query_opt(HOLDS, args![c.learner_id, c.achievement_id], |_| Ok(()))?.is_none() {
                return Err(AppError::conflict(
                    "achievement",
                    "the achievement was edited while this credential was being issued; send the request again",
                ));
            }
            // The entries name a credential that was not written.
            self.execute("DELETE FROM status_entries WHERE credential_id = $1", args![c.id])?;
            return Ok(None);
        }
        let (token, hash) = super::claims::new_token();
        let created_at = now();
        self.execute(super::claims::INSERT_CLAIM, args![c.id, &hash, &created_at])?;
        Ok(Some(Written { signed, issued_at, claim_url: store.claim_url(&token) }))
    }
}

/// A change of a credential's status.
#[derive(Debug, Clone, Copy)]
pub enum StatusChange<'a> {
    /// Permanent: the organization's reason, and what the badge page may say.
    Revoke {
        reason: &'a str,
        public_reason: Option<&'a str>,
    },
    /// Until lifted: the organization's reason, and what the badge page may say.
    Suspend {
        reason: Option<&'a str>,
        public_reason: Option<&'a str>,
    },
    Unsuspend,
}
