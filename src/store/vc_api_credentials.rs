//! Credentials signed through the W3C VC API with status entries: their indexes in the
//! organization's status lists and whether they are revoked or suspended. Their
//! documents are the caller's; only the status bits live here.

use serde_json::Value;
use sqlx::Row;

use super::unit::{Tx, args};
use super::{Store, new_id, now};
use crate::error::{AppError, AppResult};
use credence_core::model::CredentialStatus;
use credence_core::status_list::StatusPurpose;

const INSERT: &str = "INSERT INTO vc_api_credentials (id, organization_id, credential_id, issued_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

impl Tx<'_> {
    /// Allocates a random free index of each `purposes` list of the organization, lets
    /// `sign` make the document with those entries, and records the credential by the
    /// document's `credential_id` so its bits can be set later. An id the organization
    /// already gave a credential with status entries is a conflict: the status update
    /// names credentials by it.
    pub fn write_vc_api_credential(
        &mut self,
        organization_id: &str,
        organization_slug: &str,
        credential_id: &str,
        purposes: &[StatusPurpose],
        sign: impl FnOnce(Vec<CredentialStatus>) -> AppResult<Value>,
    ) -> AppResult<Value> {
        let taken = self.query_opt(
            "SELECT id FROM vc_api_credentials WHERE organization_id = $1 AND credential_id = $2",
            args![organization_id, credential_id],
            |row| row.text("id"),
        )?;
        if taken.is_some() {
            return Err(taken_id());
        }
        let id = new_id();
        let mut statuses = Vec::new();
        for purpose in purposes {
            statuses.push(self.allocate_status_entry(organization_id, organization_slug, *purpose, &id)?);
        }
        let signed = sign(statuses)?;
        if self.execute(INSERT, args![&id, organization_id, credential_id, &now()])? == 0 {
            // Another call took the id since the check (the unique index decides).
            return Err(taken_id());
        }
        Ok(signed)
    }
}

fn taken_id() -> AppError {
    AppError::conflict(
        "credential.id",
        "a credential with this id was already issued with status entries: give each credential its own id",
    )
}

/// A change the VC API's status update asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcApiStatusChange {
    Revoke,
    Suspend,
    Unsuspend,
}

impl Store {
    /// Sets or clears bits of a credential signed through the VC API, named by its
    /// document's id, all or none; each list's version changes in the same transaction.
    /// Revocation is permanent. `NotFound` when the organization signed no such
    /// credential with a status entry.
    pub async fn change_vc_api_status(
        &self,
        organization_id: &str,
        credential_id: &str,
        changes: &[VcApiStatusChange],
    ) -> AppResult<()> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT id, revoked_at FROM vc_api_credentials WHERE organization_id = $1 AND credential_id = $2",
        )
        .bind(organization_id)
        .bind(credential_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound("credential"))?;
        let id: String = row.try_get("id")?;
        if row.try_get::<Option<String>, _>("revoked_at")?.is_some() {
            return Err(AppError::conflict("status", "the credential is revoked; revocation is permanent"));
        }
        for change in changes {
            let purpose = match change {
                VcApiStatusChange::Revoke => StatusPurpose::Revocation,
                VcApiStatusChange::Suspend | VcApiStatusChange::Unsuspend => StatusPurpose::Suspension,
            };
            let entry = sqlx::query("SELECT 1 AS one FROM status_entries WHERE credential_id = $1 AND purpose = $2")
                .bind(&id)
                .bind(purpose.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if entry.is_none() {
                return Err(AppError::conflict(
                    "credentialStatus",
                    format!("the credential was issued without a {} status entry", purpose.as_str()),
                ));
            }
            match change {
                VcApiStatusChange::Revoke => {
                    sqlx::query("UPDATE vc_api_credentials SET revoked_at = $1 WHERE id = $2").bind(now()).bind(&id)
                }
                VcApiStatusChange::Suspend | VcApiStatusChange::Unsuspend => {
                    sqlx::query("UPDATE vc_api_credentials SET suspended = $1 WHERE id = $2")
                        .bind(i64::from(*change == VcApiStatusChange::Suspend))
                        .bind(&id)
                }
            }
            .execute(&mut *tx)
            .await?;
            self.set_status_bit(&mut tx, &id, purpose, *change != VcApiStatusChange::Unsuspend).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
