//! Signed records of sign-offs approved after issuance, by the credential they are about.

use serde_json::Value;
use sqlx::Row;

use super::unit::{Tx, args};
use super::{Store, now};
use crate::error::{AppError, AppResult};

/// Most records listed for one credential (a rule has at most
/// [`crate::domain::award_rule::MAX_COMPONENTS`] components; a page lists the latest).
pub const MAX_RECORDS_LISTED: i64 = 50;

/// A signed record, as stored.
#[derive(Debug, Clone)]
pub struct SignoffRecord {
    pub id: String,
    pub document: Value,
    pub created_at: String,
}

fn document_of(text: &str) -> AppResult<Value> {
    serde_json::from_str(text).map_err(|e| AppError::Internal(format!("a stored sign-off record is unreadable: {e}")))
}

impl Store {
    /// The URL of a credential's record `record_id`.
    pub fn signoff_record_url(&self, credential_id: &str, record_id: &str) -> String {
        format!("{}/signoffs/{record_id}", self.credential_url(credential_id))
    }

    /// The records about a credential, oldest first (at most [`MAX_RECORDS_LISTED`]).
    pub async fn signoff_records(&self, credential_id: &str) -> AppResult<Vec<SignoffRecord>> {
        let rows = sqlx::query(
            "SELECT id, document, created_at FROM signoff_records WHERE credential_id = $1 \
             ORDER BY created_at, id LIMIT $2",
        )
        .bind(credential_id)
        .bind(MAX_RECORDS_LISTED)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SignoffRecord {
                    id: r.try_get("id")?,
                    document: document_of(&r.try_get::<String, _>("document")?)?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// One record about a credential.
    pub async fn signoff_record(&self, credential_id: &str, record_id: &str) -> AppResult<Option<Value>> {
        let row = sqlx::query("SELECT document FROM signoff_records WHERE credential_id = $1 AND id = $2")
            .bind(credential_id)
            .bind(record_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| document_of(&r.try_get::<String, _>("document")?)).transpose()
    }
}

impl Tx<'_> {
    /// Stores the signed record `id` of sign-off `signoff_id` about `credential_id`.
    pub fn insert_signoff_record(
        &mut self,
        id: &str,
        signoff_id: &str,
        credential_id: &str,
        document: &Value,
    ) -> AppResult<()> {
        let text = serde_json::to_string(document).map_err(|e| AppError::Internal(e.to_string()))?;
        self.execute(
            "INSERT INTO signoff_records (id, signoff_id, credential_id, document, created_at) VALUES ($1, $2, $3, $4, $5)",
            args![id, signoff_id, credential_id, &text, &now()],
        )?;
        Ok(())
    }
}
