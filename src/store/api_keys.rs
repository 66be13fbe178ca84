use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, new_id, now};
use crate::domain::api_key::{self, ApiKeyInfo, CreatedApiKey, Role};
use crate::domain::audit::{Action, Actor, Change};
use crate::error::{AppError, AppResult};

/// Who is calling: the result of authenticating an API key.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: String,
    pub role: Role,
    /// The organization the key belongs to; `None` for platform admin keys.
    pub organization_id: Option<String>,
}

/// The id of the admin key created on first start; the primary key makes sure only
/// one instance creates it when several start at once.
pub const BOOTSTRAP_ADMIN_KEY_ID: &str = "bootstrap-admin";
/// How stale `last_used_at` may get before a request writes it again.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

fn key_from_row(row: &AnyRow) -> AppResult<ApiKeyInfo> {
    let role: String = row.try_get("role")?;
    Ok(ApiKeyInfo {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| AppError::Internal(format!("stored role '{role}' is unknown")))?,
        prefix: row.try_get("prefix")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Creates a key and returns it with its secret, which is not stored; an
    /// organization's key is recorded in its audit log as made by `actor`.
    pub async fn create_api_key(
        &self,
        organization_id: Option<&str>,
        name: &str,
        role: Role,
        actor: &Actor,
    ) -> AppResult<CreatedApiKey> {
        self.insert_api_key(&new_id(), organization_id, name, role, actor).await
    }

    async fn insert_api_key(
        &self,
        id: &str,
        organization_id: Option<&str>,
        name: &str,
        role: Role,
        actor: &Actor,
    ) -> AppResult<CreatedApiKey> {
        let generated = api_key::generate();
        let created_at = now();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO api_keys (id, organization_id, name, role, prefix, hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(organization_id)
        .bind(name)
        .bind(role.as_str())
        .bind(&generated.prefix)
        .bind(&generated.hash)
        .bind(&created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| AppError::unique_violation_as(e, "id", "this key already exists"))?;
        if let Some(organization_id) = organization_id {
            let change = Change {
                organization_id,
                actor,
                action: Action::ApiKeyCreated,
                subject_kind: "api-key",
                subject_id: id,
                summary: format!("API key '{name}' ({}) created", role.as_str()),
            };
            super::audit::insert_change(&mut *tx, &change).await?;
        }
        tx.commit().await?;
        Ok(CreatedApiKey {
            info: ApiKeyInfo {
                id: id.to_string(),
                name: name.to_string(),
                role,
                prefix: generated.prefix,
                created_at,
                last_used_at: None,
                revoked_at: None,
            },
            key: generated.token,
        })
    }

    /// Creates the platform admin key on first start. Returns it when this call
    /// created it, `None` when one exists already.
    pub async fn ensure_bootstrap_admin_key(&self) -> AppResult<Option<CreatedApiKey>> {
        let exists = sqlx::query("SELECT id FROM api_keys WHERE id = $1")
            .bind(BOOTSTRAP_ADMIN_KEY_ID)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        if exists {
            return Ok(None);
        }
        match self
            .insert_api_key(BOOTSTRAP_ADMIN_KEY_ID, None, "platform admin (first start)", Role::Admin, &Actor::Service)
            .await
        {
            Ok(created) => Ok(Some(created)),
            // Another instance created it between our check and our insert.
            Err(AppError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn list_api_keys(&self, organization_id: &str) -> AppResult<Vec<ApiKeyInfo>> {
        let rows = sqlx::query(
            "SELECT id, name, role, prefix, created_at, last_used_at, revoked_at FROM api_keys \
             WHERE organization_id = $1 ORDER BY created_at, id",
        )
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes a key of the organization, recorded in its audit log as done by
    /// `actor`. Revoking twice is harmless (and recorded once).
    pub async fn revoke_api_key(&self, organization_id: &str, key_id: &str, actor: &Actor) -> AppResult<ApiKeyInfo> {
        let mut tx = self.pool.begin().await?;
        let revoked = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND organization_id = $3 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(key_id)
        .bind(organization_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let row = sqlx::query(
            "SELECT id, name, role, prefix, created_at, last_used_at, revoked_at FROM api_keys \
             WHERE id = $1 AND organization_id = $2",
        )
        .bind(key_id)
        .bind(organization_id)
        .fetch_optional(&mut *tx)
        .await?;
        let info = row.as_ref().map(key_from_row).transpose()?.ok_or(AppError::NotFound("API key"))?;
        if revoked == 1 {
            let change = Change {
                organization_id,
                actor,
                action: Action::ApiKeyRevoked,
                subject_kind: "api-key",
                subject_id: key_id,
                summary: format!("API key '{}' ({}) revoked", info.name, info.prefix),
            };
            super::audit::insert_change(&mut *tx, &change).await?;
        }
        tx.commit().await?;
        Ok(info)
    }

    /// Finds the live key a bearer token stands for, and notes its use.
    pub async fn authenticate(&self, token: &str) -> AppResult<Option<Caller>> {
        let Some(presented) = api_key::from_token(token) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT id, role, organization_id, hash, last_used_at FROM api_keys \
             WHERE prefix = $1 AND revoked_at IS NULL",
        )
        .bind(&presented.prefix)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let hash: String = row.try_get("hash")?;
        if !api_key::hashes_match(&hash, &presented.hash) {
            return Ok(None);
        }
        let role: String = row.try_get("role")?;
        let caller = Caller {
            key_id: row.try_get("id")?,
            role: Role::parse(&role).ok_or_else(|| AppError::Internal(format!("stored role '{role}' is unknown")))?,
            organization_id: row.try_get("organization_id")?,
        };
        let last_used: Option<String> = row.try_get("last_used_at")?;
        if is_stale(last_used.as_deref()) {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(now())
                .bind(&caller.key_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(caller))
    }
}

fn is_stale(last_used: Option<&str>) -> bool {
    let Some(text) = last_used else { return true };
    match time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        Ok(t) => (time::OffsetDateTime::now_utc() - t).whole_seconds() >= LAST_USED_RESOLUTION_SECS,
        Err(_) => true,
    }
}
