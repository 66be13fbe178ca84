//! Organizations' signed status list credentials (Bitstring Status List), built from the
//! database and kept signed in memory until the list or the signing key changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::domain::credential::format_time;
use crate::domain::organization::Organization;
use crate::error::{AppError, AppResult};
use crate::store::{STATUS_LIST_LENGTH, Store};
use credence_core::data_integrity::{self, Cryptosuite, ProofOptions};
use credence_core::sealed_key::MasterKey;
use credence_core::status_list::{Bitstring, StatusPurpose, status_list_credential};

/// A signed status list credential built from one version of the list.
#[derive(Clone)]
pub struct SignedStatusList {
    /// The version of the list it was built from (it changes with every status change).
    pub version: i64,
    /// The signing key that signed it.
    pub key_id: String,
    pub body: Arc<Value>,
}

/// The signed lists, by organization and purpose: a cache, the database holds the truth.
#[derive(Default)]
pub struct StatusLists {
    signed: Mutex<HashMap<(String, &'static str), SignedStatusList>>,
}

impl StatusLists {
    /// The organization's signed list for `purpose`, as of now.
    pub async fn signed(
        &self,
        store: &Store,
        master: &MasterKey,
        org: &Organization,
        purpose: StatusPurpose,
    ) -> AppResult<SignedStatusList> {
        let version = store.status_list_version(&org.id, purpose).await?;
        let key = store.current_signing_key(&org.id, master).await?;
        let cache_key = (org.id.clone(), purpose.as_str());
        let cached = self
            .signed
            .lock()
            .ok()
            .and_then(|m| m.get(&cache_key).cloned())
            .filter(|c| c.version == version && c.key_id == key.info.id);
        if let Some(list) = cached {
            return Ok(list);
        }
        let mut bits = Bitstring::with_len(STATUS_LIST_LENGTH).map_err(|e| AppError::Internal(e.to_string()))?;
        for index in store.status_list_set_indexes(&org.id, purpose).await? {
            bits.set(index, true).map_err(|e| AppError::Internal(e.to_string()))?;
        }
        let id = store.status_list_url(&org.slug, purpose);
        let unsigned = status_list_credential(
            &id,
            &org.profile_url,
            purpose,
            &bits,
            &format_time(time::OffsetDateTime::now_utc()),
        );
        let vm = format!("{}#{}", org.profile_url, key.info.public_key_multibase);
        let signed = data_integrity::add_proof(
            &unsigned,
            key.key.signing_key(),
            &ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm),
        )
        .map_err(|e| AppError::Internal(format!("signing the status list failed: {e}")))?;
        let fresh = SignedStatusList { version, key_id: key.info.id.clone(), body: Arc::new(signed) };
        if let Ok(mut m) = self.signed.lock() {
            m.insert(cache_key, fresh.clone());
        }
        Ok(fresh)
    }
}
