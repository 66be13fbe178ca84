use super::rows::ReadRow;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::unit::{Tx, args};
use super::{Store, new_id, now};
use crate::error::{AppError, AppResult};
use crate::keyring::{OpenedKey, SigningKeyInfo, seal_binding};
use credence_core::sealed_key::{IssuerKey, MasterKey};

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

impl Store {
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
    pub async fn rotate_signing_key(&self, organization_id: &str, master: &MasterKey) -> AppResult<SigningKeyInfo> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE signing_keys SET status = $1, retired_at = $2 WHERE organization_id = $3 AND status = $4")
            .bind(RETIRED)
            .bind(now())
            .bind(organization_id)
            .bind(CURRENT)
            .execute(&mut *tx)
            .await?;
        let info = self.insert_key(organization_id, master, Some(&mut tx)).await?;
        tx.commit().await?;
        Ok(info)
    }
}

impl Tx<'_> {
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
