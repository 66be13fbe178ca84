//! The W3C VC API issuer (`POST /credentials/issue`): an organization signs a credential
//! it wrote itself. The input must be a conforming credential by the VC Data Model's
//! rules (and, for an Open Badge, by the Open Badges 3.0 model's) before anything is
//! signed; the issuer is the calling organization; VC 1.1 input gets the Data Integrity
//! context a `DataIntegrityProof` needs.

use serde_json::{Value, json};

use credence_core::status_list::StatusPurpose;

use crate::domain::organization::Organization;
use crate::domain::validation::FieldError;
use crate::error::{AppError, AppResult};
use crate::store::VcApiStatusChange;
use credence_core::data_integrity::{self, Cryptosuite, ProofOptions};
use credence_core::model::{self, VC_V1_CONTEXT, ValidationError};

/// The Data Integrity context: VC 2.0's context includes its terms, VC 1.1's does not.
pub const DATA_INTEGRITY_CONTEXT: &str = "https://w3id.org/security/data-integrity/v2";

/// A credential made ready to sign: its issuer set and checked, its contexts complete,
/// and the controller whose key signs it.
#[derive(Debug)]
pub struct Unsigned {
    pub credential: Value,
    /// The organization's identifier the credential names as issuer (Profile URL or did:web).
    pub controller: String,
}

/// The identifiers an organization may sign a VC API credential under.
pub struct IssuerIds<'a> {
    /// Its did:web, when the public URL allows one.
    pub did_web: Option<&'a str>,
    /// The `did:key` of its current signing key: self-certifying, for clients that expect a
    /// did:key issuer. It names the key, not the organization, so the organization's status
    /// lists (signed under its Profile) are not offered to it.
    pub did_key: &'a str,
}

/// Checks `credential` as the organization's own and completes it: the issuer (required, as
/// the VC API asks) must be the organization (its Profile URL or its did:web) or the
/// did:key of its current key; the input must carry no proof; every data-model rule must
/// hold. Each refusal names the field (`credential.<path>`) and the rule.
pub fn prepare(mut credential: Value, org: &Organization, ids: &IssuerIds<'_>) -> AppResult<Unsigned> {
    let did = ids.did_web;
    let Some(obj) = credential.as_object_mut() else {
        return Err(AppError::invalid("credential", "must be a JSON object"));
    };
    if obj.contains_key("proof") {
        return Err(AppError::invalid("credential.proof", "send the credential unsigned"));
    }
    let issuer_id = match obj.get("issuer") {
        None => {
            return Err(AppError::invalid(
                "credential.issuer",
                format!(
                    "is required: this organization's {}{}, or its current key {}",
                    org.profile_url,
                    ids.did_web.map(|d| format!(", {d}")).unwrap_or_default(),
                    ids.did_key
                ),
            ));
        }
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
        Some(_) => return Err(AppError::invalid("credential.issuer", "must be a URL or an object with an id")),
    };
    let controller = if issuer_id == org.profile_url || did == Some(issuer_id.as_str()) || issuer_id == ids.did_key {
        issuer_id
    } else {
        return Err(AppError::invalid(
            "credential.issuer",
            format!(
                "must be this organization: {}{}, or its current key {}",
                org.profile_url,
                did.map(|d| format!(", {d}")).unwrap_or_default(),
                ids.did_key
            ),
        ));
    };
    let checked = if model::is_achievement_document(&credential) {
        model::validate_credential(&credential).map(drop)
    } else {
        model::validate_vc(&credential).map(drop)
    };
    checked.map_err(|errors| AppError::Validation(errors.iter().map(field_error).collect()))?;
    Ok(Unsigned { credential, controller })
}

/// The status entries `options.credentialStatus` asks for: one object or a list, each
/// `{"type": "BitstringStatusListEntry", "statusPurpose": "revocation" | "suspension"}`
/// (revocation when the purpose is left out). Each becomes an entry in the
/// organization's list for that purpose. A credential that carries its own
/// `credentialStatus` cannot ask for more.
pub fn requested_statuses(options: Option<&Value>, unsigned: &Unsigned) -> AppResult<Vec<StatusPurpose>> {
    let credential = &unsigned.credential;
    let Some(requested) = options.and_then(|o| o.get("credentialStatus")) else { return Ok(Vec::new()) };
    if unsigned.controller.starts_with("did:key:") {
        return Err(AppError::invalid(
            "options.credentialStatus",
            "status entries are kept in the organization's lists, signed under its Profile: issue under the \
             organization's identifier, not a did:key, to have them",
        ));
    }
    let entries: Vec<(String, &Value)> = match requested {
        Value::Array(list) => {
            list.iter().enumerate().map(|(i, v)| (format!("options.credentialStatus[{i}]"), v)).collect()
        }
        single => vec![("options.credentialStatus".to_string(), single)],
    };
    if credential.get("credentialStatus").is_some() && !entries.is_empty() {
        return Err(AppError::invalid(
            "options.credentialStatus",
            "the credential already has a credentialStatus: give status entries in it or ask for them here, not both",
        ));
    }
    let mut purposes = Vec::new();
    for (field, entry) in entries {
        let Some(obj) = entry.as_object() else {
            return Err(AppError::invalid(field, "must be an object with a type"));
        };
        match obj.get("type").and_then(Value::as_str) {
            Some("BitstringStatusListEntry") => {}
            Some(other) => {
                return Err(AppError::invalid(
                    format!("{field}.type"),
                    format!("'{other}' is not supported: ask for BitstringStatusListEntry"),
                ));
            }
            None => return Err(AppError::invalid(format!("{field}.type"), "is required (BitstringStatusListEntry)")),
        }
        let purpose = match obj.get("statusPurpose").map(|p| p.as_str()) {
            None | Some(Some("revocation")) => StatusPurpose::Revocation,
            Some(Some("suspension")) => StatusPurpose::Suspension,
            Some(_) => {
                return Err(AppError::invalid(
                    format!("{field}.statusPurpose"),
                    "must be revocation or suspension: the lists this organization keeps",
                ));
            }
        };
        if purposes.contains(&purpose) {
            return Err(AppError::invalid(
                format!("{field}.statusPurpose"),
                format!("{} is asked for twice", purpose.as_str()),
            ));
        }
        purposes.push(purpose);
    }
    Ok(purposes)
}

/// The credential's `id`, after giving it a new `urn:uuid:` one when it has none.
pub fn ensure_id(credential: &mut Value) -> String {
    if let Some(id) = credential.get("id").and_then(Value::as_str) {
        return id.to_string();
    }
    let id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    if let Some(obj) = credential.as_object_mut() {
        obj.insert("id".into(), json!(id));
    }
    id
}

/// Puts the allocated status entries into the credential (one object for one entry).
pub fn with_statuses(mut credential: Value, statuses: Vec<model::CredentialStatus>) -> AppResult<Value> {
    if statuses.is_empty() {
        return Ok(credential);
    }
    let mut entries = serde_json::to_value(statuses).map_err(|e| AppError::Internal(format!("status entries: {e}")))?;
    if let Value::Array(list) = &mut entries
        && list.len() == 1
    {
        entries = list.remove(0);
    }
    add_vc1_context(&mut credential, STATUS_LIST_CONTEXT);
    if let Some(obj) = credential.as_object_mut() {
        obj.insert("credentialStatus".into(), entries);
    }
    Ok(credential)
}

/// The changes a VC API status update asks for, each entry `{"statusPurpose": …,
/// "status": …}`: a bit value (`"1"`/`"0"`, a boolean or 1/0) of the purpose's list
/// (revocation when left out), or the state in words (`revoked`, `suspended`,
/// `unsuspended`). Revocation cannot be cleared.
pub fn status_changes(entries: &[Value]) -> AppResult<Vec<VcApiStatusChange>> {
    if entries.is_empty() {
        return Err(AppError::invalid("credentialStatus", "must name at least one status to change"));
    }
    let mut changes = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let field = format!("credentialStatus[{i}]");
        let purpose = match entry.get("statusPurpose").map(Value::as_str) {
            None => None,
            Some(Some("revocation")) => Some(StatusPurpose::Revocation),
            Some(Some("suspension")) => Some(StatusPurpose::Suspension),
            Some(_) => {
                return Err(AppError::invalid(format!("{field}.statusPurpose"), "must be revocation or suspension"));
            }
        };
        let status = entry.get("status");
        let word = status.and_then(Value::as_str);
        let set = match status {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::Number(n)) if n.as_u64() == Some(1) => Some(true),
            Some(Value::Number(n)) if n.as_u64() == Some(0) => Some(false),
            _ => match word {
                Some("1" | "true") => Some(true),
                Some("0" | "false") => Some(false),
                _ => None,
            },
        };
        let change = match (purpose, set, word) {
            (None | Some(StatusPurpose::Revocation), Some(true), _) | (None, None, Some("revoked")) => {
                VcApiStatusChange::Revoke
            }
            (None | Some(StatusPurpose::Revocation), Some(false), _) => {
                return Err(AppError::invalid(
                    format!("{field}.status"),
                    "revocation is permanent: it cannot be cleared",
                ));
            }
            (Some(StatusPurpose::Suspension), Some(true), _) | (None, None, Some("suspended")) => {
                VcApiStatusChange::Suspend
            }
            (Some(StatusPurpose::Suspension), Some(false), _) | (None, None, Some("unsuspended")) => {
                VcApiStatusChange::Unsuspend
            }
            _ => {
                return Err(AppError::invalid(
                    format!("{field}.status"),
                    "must be \"1\" (set) or \"0\" (clear), or revoked, suspended or unsuspended",
                ));
            }
        };
        changes.push(change);
    }
    Ok(changes)
}

/// Signs a prepared credential with `key` under `suite`, adding the Data Integrity context
/// to VC 1.1 input first (a `DataIntegrityProof` is not defined by the 1.1 context).
pub fn sign(
    unsigned: &Unsigned,
    key: &ed25519_dalek::SigningKey,
    public_key_multibase: &str,
    suite: Cryptosuite,
) -> AppResult<Value> {
    let mut credential = unsigned.credential.clone();
    add_data_integrity_context(&mut credential);
    let method = format!("{}#{public_key_multibase}", unsigned.controller);
    data_integrity::add_proof(&credential, key, &ProofOptions::new(suite, method))
        .map_err(|e| AppError::invalid("credential", e.to_string()))
}

/// Appends the Data Integrity context to a VC 1.1 credential's `@context` when it is missing.
fn add_data_integrity_context(credential: &mut Value) {
    add_vc1_context(credential, DATA_INTEGRITY_CONTEXT);
}

/// The context defining `BitstringStatusListEntry`, which the VC 1.1 context does not.
const STATUS_LIST_CONTEXT: &str = "https://www.w3.org/ns/credentials/status/v1";

/// Appends `context` to a VC 1.1 credential's `@context` when it is missing (VC 2.0's own
/// context defines what these add).
fn add_vc1_context(credential: &mut Value, context: &str) {
    let Some(contexts) = credential.get_mut("@context") else { return };
    let list = match contexts {
        Value::Array(list) => list,
        single => {
            *single = Value::Array(vec![single.take()]);
            let Value::Array(list) = single else { return };
            list
        }
    };
    let vc1 = list.first().and_then(Value::as_str) == Some(VC_V1_CONTEXT);
    if vc1 && !list.iter().any(|c| c == context) {
        list.push(json!(context));
    }
}

fn field_error(e: &ValidationError) -> FieldError {
    let field = if e.path.is_empty() { "credential".to_string() } else { format!("credential.{}", e.path) };
    FieldError::new(field, e.message.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_integrity_context_is_added_to_vc_1_1_only_once() {
        let mut doc = json!({"@context": VC_V1_CONTEXT});
        add_data_integrity_context(&mut doc);
        add_data_integrity_context(&mut doc);
        assert_eq!(doc["@context"], json!([VC_V1_CONTEXT, DATA_INTEGRITY_CONTEXT]));
        let mut v2 = json!({"@context": ["https://www.w3.org/ns/credentials/v2"]});
        add_data_integrity_context(&mut v2);
        assert_eq!(v2["@context"], json!(["https://www.w3.org/ns/credentials/v2"]));
    }

    #[test]
    fn status_updates_read_bits_and_words() {
        use VcApiStatusChange::*;
        let read = |v: Value| status_changes(v.as_array().unwrap());
        assert_eq!(read(json!([{"status": "1"}])).unwrap(), vec![Revoke]);
        assert_eq!(read(json!([{"statusPurpose": "suspension", "status": true}])).unwrap(), vec![Suspend]);
        assert_eq!(read(json!([{"statusPurpose": "suspension", "status": 0}])).unwrap(), vec![Unsuspend]);
        assert_eq!(
            read(json!([{"status": "suspended"}, {"status": "unsuspended"}])).unwrap(),
            vec![Suspend, Unsuspend]
        );
        assert_eq!(read(json!([{"status": "revoked"}])).unwrap(), vec![Revoke]);
        for bad in [
            json!([]),
            json!([{"status": "0"}]),
            json!([{"status": "maybe"}]),
            json!([{"statusPurpose": "x", "status": "1"}]),
        ] {
            assert!(read(bad.clone()).is_err(), "{bad}");
        }
    }
}
