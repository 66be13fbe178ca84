use super::rows::ReadRow;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::unit::{Tx, args};
use super::{Store, new_id, now};
use crate::error::{AppError, AppResult};
use crate::keyring::{OpenedKey, OpenedRsaKey, RsaKeyInfo, SigningKeyInfo, seal_binding};
use credence_core::sealed_key::{IssuerKey, MasterKey, RsaIssuerKey};

pub(super) const CURRENT: &str = "current";
const RETIRED: &str = "retired";

fn info_from_row(row: &(impl ReadRow + ?Sized)) -> AppResult<SigningKeyInfo> {
    Ok(SigningKeyInfo {
        id: row.text("id")?,
        status: row.text("status")?,
        public_key_multibase: row.text("public_key_multibase")?,
        created_at: row.text("created_at")?,
        retired_at: row.opt_text("retired_at")?,
    })
}

pub(super) const CURRENT_KEY: &str = "SELECT id, status, public_key_multibase, created_at, retired_at, sealed_seed \
     FROM signing_keys WHERE organization_id = $1 AND status = 'current'";

pub(super) const INSERT_KEY: &str = "INSERT INTO signing_keys (id, organization_id, public_key_multibase, sealed_seed, status, \
     created_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// A new current key, unless the organization has one (made meanwhile).
const INSERT_KEY_IF_NONE: &str = "INSERT INTO signing_keys (id, organization_id, public_key_multibase, sealed_seed, \
     status, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";

pub(super) const KEY_TAKEN: &str = "the organization already has a current key";

/// A new current key: its sealed seed (as stored) and the key, opened.
pub(super) fn new_key(organization_id: &str, master: &MasterKey) -> (String, OpenedKey) {
    let id = new_id();
    let key = IssuerKey::generate();
    let sealed = STANDARD.encode(key.seal(master, &seal_binding(organization_id, &id)));
    let info = SigningKeyInfo {
        id,
        status: CURRENT.into(),
        public_key_multibase: key.public_multibase(),
        created_at: now(),
        retired_at: None,
    };
    (sealed, OpenedKey { info, key })
}

/// Opens the sealed key of a [`CURRENT_KEY`] row with the master key.
pub(super) fn open_key_row(
    row: &(impl ReadRow + ?Sized),
    organization_id: &str,
    master: &MasterKey,
) -> AppResult<OpenedKey> {
    let info = info_from_row(row)?;
    let sealed = STANDARD
        .decode(row.text("sealed_seed")?.as_bytes())
        .map_err(|_| AppError::Internal(format!("signing key {} is stored damaged", info.id)))?;
    let key = IssuerKey::open(master, &sealed, &seal_binding(organization_id, &info.id)).map_err(|_| {
        AppError::Internal(format!(
            "signing key {} cannot be opened: the master key is not the one it was sealed with",
            info.id
        ))
    })?;
    Ok(OpenedKey { info, key })
}

fn rsa_info_from_row(row: &(impl ReadRow + ?Sized)) -> AppResult<RsaKeyInfo> {
    let id = row.text("id")?;
    let public_key_jwk = serde_json::from_str(&row.text("public_jwk")?)
        .map_err(|_| AppError::Internal(format!("RSA key {id} is stored damaged")))?;
    Ok(RsaKeyInfo {
        id,
        status: row.text("status")?,
        public_key_jwk,
        created_at: row.text("created_at")?,
        retired_at: row.opt_text("retired_at")?,
    })
}

const CURRENT_RSA_KEY: &str = "SELECT id, status, public_jwk, created_at, retired_at, sealed_key \
     FROM rsa_signing_keys WHERE organization_id = $1 AND status = 'current'";

const INSERT_RSA_KEY: &str = "INSERT INTO rsa_signing_keys (id, organization_id, public_jwk, sealed_key, status, \
     created_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// A new current RSA key, unless the organization has one (made meanwhile).
const INSERT_RSA_KEY_IF_NONE: &str = "INSERT INTO rsa_signing_keys (id, organization_id, public_jwk, sealed_key, \
     status, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";

/// `sql` (one of the two inserts above) bound to a new key's row.
fn rsa_key_insert(
    sql: &'static str,
    organization_id: &str,
    sealed: String,
    info: &RsaKeyInfo,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sql)
        .bind(info.id.clone())
        .bind(organization_id.to_string())
        .bind(info.public_key_jwk.to_string())
        .bind(sealed)
        .bind(CURRENT)
        .bind(info.created_at.clone())
}

/// A new RSA key, sealed for its row: made on a blocking thread, as generating an RSA
/// key takes long enough to stall the runtime.
async fn new_rsa_key(organization_id: &str, master: &MasterKey) -> AppResult<(String, RsaKeyInfo)> {
    let (organization_id, master) = (organization_id.to_string(), master.clone());
    tokio::task::spawn_blocking(move || {
        let id = new_id();
        let key = RsaIssuerKey::generate().map_err(|e| AppError::Internal(e.to_string()))?;
        let sealed = key
            .seal(&master, &seal_binding(&organization_id, &id))
            .map_err(|e| AppError::Internal(format!("sealing the RSA key failed: {e}")))?;
        let info = RsaKeyInfo {
            id,
            status: CURRENT.into(),
            public_key_jwk: key.public().to_jwk(),
            created_at: now(),
            retired_at: None,
        };
        Ok((STANDARD.encode(sealed), info))
    })
    .await
    .map_err(|e| AppError::Internal(format!("making the RSA key failed: {e}")))?
}

fn open_rsa_key_row(
    row: &(impl ReadRow + ?Sized),
    organization_id: &str,
    master: &MasterKey,
) -> AppResult<OpenedRsaKey> {
    let info = rsa_info_from_row(row)?;
    let sealed = STANDARD
        .decode(row.text("sealed_key")?.as_bytes())
        .map_err(|_| AppError::Internal(format!("RSA key {} is stored damaged", info.id)))?;
    let key = RsaIssuerKey::open(master, &sealed, &seal_binding(organization_id, &info.id))
        .map_err(|e| AppError::Internal(format!("RSA key {} cannot be opened: {e}", info.id)))?;
    Ok(OpenedRsaKey { info, key })
}

impl Store {
    /// Every RSA key of the organization, current first, then retired from newest.
    pub async fn rsa_signing_keys(&self, organization_id: &str) -> AppResult<Vec<RsaKeyInfo>> {
        let rows = sqlx::query(
            "SELECT id, status, public_jwk, created_at, retired_at FROM rsa_signing_keys \
             WHERE organization_id = $1 ORDER BY CASE status WHEN 'current' THEN 0 ELSE 1 END, created_at DESC, id",
        )
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rsa_info_from_row).collect()
    }

    /// The organization's current RSA key, made (off the runtime) and stored when it has
    /// none. Called when an organization chooses RS256 and before RS256 signing, so that
    /// issuance, which runs inside a unit of work, only reads it. When another request
    /// makes one at the same time, that one is kept.
    pub async fn ensure_rsa_key(&self, organization_id: &str, master: &MasterKey) -> AppResult<RsaKeyInfo> {
        let current = || sqlx::query(CURRENT_RSA_KEY).bind(organization_id.to_string()).fetch_optional(&self.pool);
        if let Some(row) = current().await? {
            return rsa_info_from_row(&row);
        }
        let (sealed, info) = new_rsa_key(organization_id, master).await?;
        rsa_key_insert(INSERT_RSA_KEY_IF_NONE, organization_id, sealed, &info).execute(&self.pool).await?;
        let row = current().await?.ok_or_else(|| AppError::Internal("could not settle on a current RSA key".into()))?;
        rsa_info_from_row(&row)
    }

    /// Every key of the organization, current first, then retired from newest.
    pub async fn signing_keys(&self, organization_id: &str) -> AppResult<Vec<SigningKeyInfo>> {
        let rows = sqlx::query(
            "SELECT id, status, public_key_multibase, created_at, retired_at FROM signing_keys \
             WHERE organization_id = $1 ORDER BY CASE status WHEN 'current' THEN 0 ELSE 1 END, created_at DESC, id",
        )
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(info_from_row).collect()
    }

    /// The organization's current key, opened for signing: read on the pool, or
    /// created on first use (a unit of work of its own, as issuance creates it).
    pub async fn current_signing_key(&self, organization_id: &str, master: &MasterKey) -> AppResult<OpenedKey> {
        let row = sqlx::query(CURRENT_KEY).bind(organization_id).fetch_optional(&self.pool).await?;
        if let Some(row) = row {
            return open_key_row(&row, organization_id, master);
        }
        let (organization_id, master) = (organization_id.to_string(), master.clone());
        self.issuing(move |tx| tx.current_signing_key(&organization_id, &master)).await
    }

    /// Inserts a new current key; with `tx_retire` the caller has retired the old one.
    async fn insert_key(
        &self,
        organization_id: &str,
        master: &MasterKey,
        executor: Option<&mut sqlx::Transaction<'_, sqlx::Any>>,
    ) -> AppResult<SigningKeyInfo> {
        let (sealed, opened) = new_key(organization_id, master);
        let info = opened.info;
        let query = sqlx::query(INSERT_KEY)
            .bind(&info.id)
            .bind(organization_id)
            .bind(&info.public_key_multibase)
            .bind(sealed)
            .bind(CURRENT)
            .bind(&info.created_at);
        let result = match executor {
            Some(tx) => query.execute(&mut **tx).await,
            None => query.execute(&self.pool).await,
        };
        result.map_err(|e| AppError::unique_violation_as(e, "status", KEY_TAKEN))?;
        Ok(info)
    }

    /// Retires the current key (it keeps verifying old credentials) and makes a new one current.
    /// The RSA key, when the organization has one, rotates with it in the same transaction:
    /// its replacement is made first, off the runtime.
    pub async fn rotate_signing_key(&self, organization_id: &str, master: &MasterKey) -> AppResult<SigningKeyInfo> {
        let has_rsa = sqlx::query(CURRENT_RSA_KEY).bind(organization_id).fetch_optional(&self.pool).await?.is_some();
        let new_rsa = if has_rsa { Some(new_rsa_key(organization_id, master).await?) } else { None };
        let mut tx = self.pool.begin().await?;
        let retired_at = now();
        for table in ["signing_keys", "rsa_signing_keys"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET status = $1, retired_at = $2 WHERE organization_id = $3 AND status = $4"
            )))
            .bind(RETIRED)
            .bind(&retired_at)
            .bind(organization_id)
            .bind(CURRENT)
            .execute(&mut *tx)
            .await?;
        }
        let info = self.insert_key(organization_id, master, Some(&mut tx)).await?;
        if let Some((sealed, rsa)) = new_rsa {
            rsa_key_insert(INSERT_RSA_KEY, organization_id, sealed, &rsa)
                .execute(&mut *tx)
                .await
                .map_err(|e| AppError::unique_violation_as(e, "status", KEY_TAKEN))?;
        }
        tx.commit().await?;
        Ok(info)
    }
}

impl Tx<'_> {
    /// The organization's current RSA key, opened; `None` when it has none (it is made
    /// beforehand, off the runtime, by [`Store::ensure_rsa_key`]).
    pub fn current_rsa_key(&mut self, organization_id: &str, master: &MasterKey) -> AppResult<Option<OpenedRsaKey>> {
        self.query_opt(CURRENT_RSA_KEY, args![organization_id], |row| open_rsa_key_row(row, organization_id, master))
    }

    /// The organization's current key, opened; made (and stored) if it has none yet.
    /// When another transaction makes one at the same time, that one is used.
    pub fn current_signing_key(&mut self, organization_id: &str, master: &MasterKey) -> AppResult<OpenedKey> {
        for _ in 0..3 {
            let current =
                self.query_opt(CURRENT_KEY, args![organization_id], |row| open_key_row(row, organization_id, master))?;
            if let Some(opened) = current {
                return Ok(opened);
            }
            let (sealed, opened) = new_key(organization_id, master);
            let info = &opened.info;
            let inserted = self.execute(
                INSERT_KEY_IF_NONE,
                args![&info.id, organization_id, &info.public_key_multibase, &sealed, CURRENT, &info.created_at],
            )?;
            if inserted == 1 {
                return Ok(opened);
            }
        }
        Err(AppError::Internal("could not settle on a current signing key".into()))
    }
}
