//! Status documents that live elsewhere, checked before they are believed: a
//! `BitstringStatusListCredential` (its proof, that its key belongs to its issuer,
//! its validity window, its bitstring) and a 1EdTech revocation list. The service
//! fetches the documents; this module only reads them, so it stays pure.
//!
//! [`StatusSources`] answers the synchronous [`StatusLookup`] from what was
//! gathered in advance: answers the caller already knows (its own lists), checked
//! lists, and the reason any list could not be had.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use thiserror::Error;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::canon::CanonLimits;
use super::data_integrity::{self, ProofError};
use super::model::parse_date_time_z;
use super::status_list::{
    BITSTRING_STATUS_LIST, BITSTRING_STATUS_LIST_CREDENTIAL, Bitstring, DEFAULT_MAX_DECOMPRESSED_BYTES, StatusListError,
};
use super::verify::{self, KeyError, KeyReference, KeyResolver, ProofKeys, StatusAnswer, StatusLookup};

/// Why a fetched status document is not believed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StatusDocumentError {
    #[error("it is not a JSON object")]
    NotAnObject,
    #[error("its type does not include {0}")]
    WrongType(&'static str),
    #[error("it says its id is {0}, not the URL it was fetched from")]
    IdMismatch(String),
    #[error("it names no issuer")]
    NoIssuer,
    #[error("its proof does not verify: {0}")]
    Proof(ProofError),
    /// The key is not the list's issuer's, or that could not be told ([`verify::issuer_key`]).
    #[error("its signing key {method} is not shown to be its issuer's: {reason}")]
    Key { method: String, reason: KeyError },
    #[error("it is not valid before {0}")]
    NotYetValid(String),
    #[error("it expired on {0}")]
    Expired(String),
    #[error("its credentialSubject {0}")]
    Subject(&'static str),
    #[error("its list cannot be read: {0}")]
    List(#[from] StatusListError),
    #[error("revokedCredentials {0}")]
    RevokedCredentials(&'static str),
}

/// A status list credential whose proof, key and validity were checked.
#[derive(Debug, Clone)]
pub struct VerifiedStatusList {
    pub url: String,
    pub issuer: String,
    /// The list's `statusPurpose` (one or several).
    pub purposes: Vec<String>,
    pub bitstring: Bitstring,
}

impl VerifiedStatusList {
    /// The answer for an entry of a credential issued by `credential_issuer`.
    pub fn answer(&self, credential_issuer: &str, purpose: &str, index: u64) -> StatusAnswer {
        if self.issuer != credential_issuer {
            return StatusAnswer::Unknown(format!(
                "status list {} is issued by {}, not by the credential's issuer {credential_issuer}",
                self.url, self.issuer
            ));
        }
        if !self.purposes.iter().any(|p| p == purpose) {
            return StatusAnswer::Unknown(format!(
                "status list {} is for {}, not for the entry's purpose {purpose}",
                self.url,
                self.purposes.join(", ")
            ));
        }
        match self.bitstring.get(index) {
            Ok(true) => StatusAnswer::Set,
            Ok(false) => StatusAnswer::Clear,
            Err(e) => StatusAnswer::Unknown(format!("status list {}: {e}", self.url)),
        }
    }
}

fn has_type(value: &Value, wanted: &str) -> bool {
    match value.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(items)) => items.iter().any(|t| t == wanted),
        _ => false,
    }
}

fn check_id(doc: &Value, url: &str) -> Result<(), StatusDocumentError> {
    match doc.get("id").and_then(Value::as_str) {
        Some(id) if id != url => Err(StatusDocumentError::IdMismatch(id.to_string())),
        _ => Ok(()),
    }
}

/// Checks a `BitstringStatusListCredential` fetched from `url`: its type and id,
/// every Data Integrity proof (keys through `resolver`, each controlled by the
/// list's issuer), its validity window at `now`, and its `encodedList`.
pub fn verify_status_list_credential(
    doc: &Value,
    url: &str,
    resolver: &dyn KeyResolver,
    now: OffsetDateTime,
) -> Result<VerifiedStatusList, StatusDocumentError> {
    verify_status_list_credential_with(doc, url, resolver, now, &CanonLimits::default())
}

/// [`verify_status_list_credential`] with its proofs canonicalized under `limits`.
pub fn verify_status_list_credential_with(
    doc: &Value,
    url: &str,
    resolver: &dyn KeyResolver,
    now: OffsetDateTime,
    limits: &CanonLimits,
) -> Result<VerifiedStatusList, StatusDocumentError> {
    if !doc.is_object() {
        return Err(StatusDocumentError::NotAnObject);
    }
    if !has_type(doc, BITSTRING_STATUS_LIST_CREDENTIAL) {
        return Err(StatusDocumentError::WrongType(BITSTRING_STATUS_LIST_CREDENTIAL));
    }
    check_id(doc, url)?;
    let issuer = crate::model::issuer_id_of(doc).ok_or(StatusDocumentError::NoIssuer)?;
    let outcomes = data_integrity::verify_proofs_with_limits(doc, &ProofKeys(resolver), limits);
    for outcome in &outcomes {
        if let Err(e) = &outcome.result {
            return Err(StatusDocumentError::Proof(e.clone()));
        }
        let Some(method) = outcome.verification_method.as_deref() else { continue };
        verify::issuer_key(resolver, KeyReference::Method(method), &issuer)
            .map_err(|reason| StatusDocumentError::Key { method: method.to_string(), reason })?;
    }
    let date = |field: &str| doc.get(field).and_then(Value::as_str).and_then(parse_date_time_z);
    let shown = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    if let Some(from) = date("validFrom").filter(|f| *f > now) {
        return Err(StatusDocumentError::NotYetValid(shown(from)));
    }
    if let Some(until) = date("validUntil").filter(|u| *u < now) {
        return Err(StatusDocumentError::Expired(shown(until)));
    }
    let subject = doc.get("credentialSubject").ok_or(StatusDocumentError::Subject("is missing"))?;
    if !has_type(subject, BITSTRING_STATUS_LIST) {
        return Err(StatusDocumentError::Subject("is not a BitstringStatusList"));
    }
    let purposes: Vec<String> = match subject.get("statusPurpose") {
        Some(Value::String(p)) => vec![p.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    if purposes.is_empty() {
        return Err(StatusDocumentError::Subject("has no statusPurpose"));
    }
    let encoded =
        subject.get("encodedList").and_then(Value::as_str).ok_or(StatusDocumentError::Subject("has no encodedList"))?;
    let bitstring = Bitstring::decode(encoded, DEFAULT_MAX_DECOMPRESSED_BYTES)?;
    Ok(VerifiedStatusList { url: url.to_string(), issuer, purposes, bitstring })
}

/// A 1EdTech revocation list: the ids of the issuer's revoked credentials.
#[derive(Debug, Clone)]
pub struct RevocationList {
    pub url: String,
    pub issuer: String,
    revoked: HashSet<String>,
}

impl RevocationList {
    /// The answer for the credential `credential_id` issued by `credential_issuer`.
    pub fn answer(&self, credential_issuer: &str, credential_id: &str) -> StatusAnswer {
        if self.issuer != credential_issuer {
            return StatusAnswer::Unknown(format!(
                "revocation list {} is published by {}, not by the credential's issuer {credential_issuer}",
                self.url, self.issuer
            ));
        }
        if self.revoked.contains(credential_id) { StatusAnswer::Set } else { StatusAnswer::Clear }
    }
}

/// Reads a 1EdTech revocation list fetched from `url`: `{"id", "issuer",
/// "revokedCredentials": [{"id", "revocationReason"?}]}`. The list carries no
/// proof of its own; it is believed because it came over https from the URL the
/// signed credential names.
pub fn read_revocation_list(doc: &Value, url: &str) -> Result<RevocationList, StatusDocumentError> {
    if !doc.is_object() {
        return Err(StatusDocumentError::NotAnObject);
    }
    check_id(doc, url)?;
    let issuer = crate::model::issuer_id_of(doc).ok_or(StatusDocumentError::NoIssuer)?;
    let entries = doc
        .get("revokedCredentials")
        .and_then(Value::as_array)
        .ok_or(StatusDocumentError::RevokedCredentials("is missing or not an array"))?;
    let mut revoked = HashSet::with_capacity(entries.len());
    for entry in entries {
        let id = entry
            .get("id")
            .and_then(Value::as_str)
            .ok_or(StatusDocumentError::RevokedCredentials("has an entry without an id"))?;
        revoked.insert(id.to_string());
    }
    Ok(RevocationList { url: url.to_string(), issuer, revoked })
}

/// Everything known about a credential's status entries before the checks run.
#[derive(Debug, Clone, Default)]
pub struct StatusSources {
    /// Answers known otherwise, by (credential issuer, list, purpose, index).
    answers: HashMap<(String, String, String, u64), StatusAnswer>,
    lists: HashMap<String, Result<VerifiedStatusList, String>>,
    revocation_lists: HashMap<String, Result<RevocationList, String>>,
}

impl StatusSources {
    /// No sources yet.
    pub fn new() -> Self {
        StatusSources::default()
    }

    /// An answer known otherwise (e.g. from the service's own database) for an entry of a
    /// credential of `issuer`.
    pub fn add_answer(&mut self, issuer: &str, list_url: &str, purpose: &str, index: u64, answer: StatusAnswer) {
        self.answers.insert((issuer.to_string(), list_url.to_string(), purpose.to_string(), index), answer);
    }

    /// A status list credential, checked, or the whole sentence saying why it is not there.
    pub fn add_list(&mut self, url: impl Into<String>, list: Result<VerifiedStatusList, String>) {
        self.lists.insert(url.into(), list);
    }

    /// A revocation list, read, or the whole sentence saying why it is not there.
    pub fn add_revocation_list(&mut self, url: impl Into<String>, list: Result<RevocationList, String>) {
        self.revocation_lists.insert(url.into(), list);
    }
}

impl StatusLookup for StatusSources {
    fn lookup(&self, issuer: &str, list_url: &str, purpose: &str, index: u64) -> StatusAnswer {
        let key = (issuer.to_string(), list_url.to_string(), purpose.to_string(), index);
        if let Some(answer) = self.answers.get(&key) {
            return answer.clone();
        }
        match self.lists.get(list_url) {
            Some(Ok(list)) => list.answer(issuer, purpose, index),
            Some(Err(why)) => StatusAnswer::Unknown(why.clone()),
            None => StatusAnswer::Unknown(format!("the status list {list_url} was not obtained")),
        }
    }

    fn revocation_list(&self, issuer: &str, list_url: &str, credential_id: &str) -> StatusAnswer {
        match self.revocation_lists.get(list_url) {
            Some(Ok(list)) => list.answer(issuer, credential_id),
            Some(Err(why)) => StatusAnswer::Unknown(why.clone()),
            None => StatusAnswer::Unknown(format!("the revocation list {list_url} was not obtained")),
        }
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    use super::*;
    use crate::data_integrity::{Cryptosuite, ProofOptions, add_proof};
    use crate::did::DidKey;
    use crate::status_list::{StatusPurpose, status_list_credential};
    use crate::verify::OfflineResolver;

    const URL: &str = "https://issuer.example/status/1";

    fn signed_list(seed: u8, set: &[u64]) -> (Value, String) {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let did = DidKey::from_public_key(&key.verifying_key().to_bytes());
        let mut bits = Bitstring::new();
        for i in set {
            bits.set(*i, true).unwrap();
        }
        let unsigned = status_list_credential(URL, &did.did, StatusPurpose::Revocation, &bits, "2026-01-01T00:00:00Z");
        let options = ProofOptions::new(Cryptosuite::EddsaJcs2022, did.verification_method_id());
        (add_proof(&unsigned, &key, &options).unwrap(), did.did)
    }

    #[test]
    fn a_signed_list_answers_for_its_issuer_and_purpose_only() {
        let (doc, issuer) = signed_list(7, &[5]);
        let now = OffsetDateTime::now_utc();
        let list = verify_status_list_credential(&doc, URL, &OfflineResolver::new(), now).unwrap();
        assert_eq!(list.answer(&issuer, "revocation", 5), StatusAnswer::Set);
        assert_eq!(list.answer(&issuer, "revocation", 6), StatusAnswer::Clear);
        assert!(
            matches!(list.answer("did:example:other", "revocation", 5), StatusAnswer::Unknown(m) if m.contains("not by the credential's issuer"))
        );
        assert!(
            matches!(list.answer(&issuer, "suspension", 5), StatusAnswer::Unknown(m) if m.contains("not for the entry's purpose"))
        );
        assert!(matches!(list.answer(&issuer, "revocation", u64::MAX), StatusAnswer::Unknown(_)));
    }

    #[test]
    fn a_list_that_was_altered_or_is_elsewhere_or_expired_is_not_believed() {
        let (doc, _) = signed_list(7, &[]);
        let now = OffsetDateTime::now_utc();
        let resolver = OfflineResolver::new();
        let mut altered = doc.clone();
        altered["credentialSubject"]["encodedList"] = json!(Bitstring::new().encode().replace('A', "B"));
        assert!(matches!(
            verify_status_list_credential(&altered, URL, &resolver, now),
            Err(StatusDocumentError::Proof(_))
        ));
        assert!(matches!(
            verify_status_list_credential(&doc, "https://elsewhere.example/list", &resolver, now),
            Err(StatusDocumentError::IdMismatch(_))
        ));
        let long_ago = OffsetDateTime::now_utc() - time::Duration::days(365 * 10);
        assert!(matches!(
            verify_status_list_credential(&doc, URL, &resolver, long_ago),
            Err(StatusDocumentError::NotYetValid(_))
        ));
        let mut unsigned = doc.clone();
        unsigned.as_object_mut().unwrap().remove("proof");
        assert!(matches!(
            verify_status_list_credential(&unsigned, URL, &resolver, now),
            Err(StatusDocumentError::Proof(ProofError::NoProof))
        ));
        assert!(matches!(
            verify_status_list_credential(&json!({"type": "VerifiableCredential"}), URL, &resolver, now),
            Err(StatusDocumentError::WrongType(_))
        ));
    }

    #[test]
    fn a_list_signed_by_a_key_its_issuer_does_not_control_is_refused() {
        let (doc, _) = signed_list(7, &[]);
        let mut claimed = doc.clone();
        claimed.as_object_mut().unwrap().remove("proof");
        claimed["issuer"] = json!("did:example:someone-else");
        let key = SigningKey::from_bytes(&[7; 32]);
        let did = DidKey::from_public_key(&key.verifying_key().to_bytes());
        let signed =
            add_proof(&claimed, &key, &ProofOptions::new(Cryptosuite::EddsaJcs2022, did.verification_method_id()))
                .unwrap();
        let err = verify_status_list_credential(&signed, URL, &OfflineResolver::new(), OffsetDateTime::now_utc())
            .unwrap_err();
        assert!(matches!(err, StatusDocumentError::Key { reason: KeyError::Refused(_), .. }), "{err}");
        assert!(err.to_string().contains("not by did:example:someone-else"), "{err}");
    }

    #[test]
    fn revocation_lists_name_revoked_credentials_by_id() {
        let doc = json!({"id": URL, "issuer": {"id": "https://issuer.example/profile"},
            "revokedCredentials": [{"id": "urn:uuid:1", "revocationReason": "issued in error"}, {"id": "urn:uuid:2"}]});
        let list = read_revocation_list(&doc, URL).unwrap();
        assert_eq!(list.answer("https://issuer.example/profile", "urn:uuid:1"), StatusAnswer::Set);
        assert_eq!(list.answer("https://issuer.example/profile", "urn:uuid:3"), StatusAnswer::Clear);
        assert!(matches!(list.answer("https://other.example", "urn:uuid:3"), StatusAnswer::Unknown(_)));
        assert!(read_revocation_list(&json!({"id": URL, "issuer": "x"}), URL).is_err());
        assert!(read_revocation_list(&json!({"id": URL, "revokedCredentials": []}), URL).is_err());
        assert!(read_revocation_list(&json!({"id": URL, "issuer": "x", "revokedCredentials": [{}]}), URL).is_err());
        assert!(matches!(
            read_revocation_list(&doc, "https://other.example/list"),
            Err(StatusDocumentError::IdMismatch(_))
        ));
    }
}
