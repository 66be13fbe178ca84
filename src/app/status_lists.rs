//! Organizations' signed status list credentials (Bitstring Status List), built from the
//! database and kept signed in memory until the list or the signing key changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::domain::credential::format_time;
use crate::domain::organization::Organization;
use crate::error::{AppError, AppResult};
use crate::store::{StatusListId, Store};
use credence_core::data_integrity::{self, Cryptosuite, ProofOptions};
use credence_core::sealed_key::MasterKey;
use credence_core::status_list::MIN_BITS;
use credence_core::status_list::{Bitstring, status_list_credential};

/// A signed status list credential built from one version of the list.
#[derive(Clone)]
pub struct SignedStatusList {
    /// The version of the list it was built from (it changes with every status change).
    pub version: i64,
    /// The signing key that signed it.
    pub key_id: String,
    pub body: Arc<Value>,
}

/// The signed lists, by organization and list: a cache, the database holds the truth.
#[derive(Default)]
pub struct StatusLists {
    signed: Mutex<HashMap<(String, StatusListId), SignedStatusList>>,
}

impl StatusLists {
    /// The organization's signed `list`, as of now. The caller has checked that the
    /// organization has it ([`Store::status_list_exists`]).
    pub async fn signed(
        &self,
        store: &Store,
        master: &MasterKey,
        org: &Organization,
        list: StatusListId,
    ) -> AppResult<SignedStatusList> {
        let version = store.status_list_version(&org.id, list).await?;
        let key = store.current_signing_key(&org.id, master).await?;
        let cache_key = (org.id.clone(), list);
        let cached = self
            .signed
            .lock()
            .ok()
            .and_then(|m| m.get(&cache_key).cloned())
            .filter(|c| c.version == version && c.key_id == key.info.id);
        if let Some(list) = cached {
            return Ok(list);
        }
        // Never shorter than the specification's minimum, whatever the number of indexes
        // handed out per list.
        let length = store.status_list_served_length(&org.id, list).await?.max(MIN_BITS).next_multiple_of(8);
        let mut bits = Bitstring::with_len(length).map_err(|e| AppError::Internal(e.to_string()))?;
        for index in store.status_list_set_indexes(&org.id, list).await? {
            bits.set(index, true).map_err(|e| AppError::Internal(e.to_string()))?;
        }
        let id = store.status_list_url(&org.slug, list);
        let unsigned = status_list_credential(
            &id,
            &org.profile_url,
            list.purpose,
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
