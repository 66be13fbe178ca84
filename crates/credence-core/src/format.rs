//! Which standard, version and securing mechanism a verified document turned out to be,
//! for a report that says in plain words what it checked.

use serde::Serialize;
use serde_json::Value;

use crate::model;

/// The kind of credential, by its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Standard {
    /// An `OpenBadgeCredential` / `AchievementCredential`.
    #[serde(rename = "open-badges-3.0")]
    OpenBadges3,
    /// An Open Badges 3.0 `EndorsementCredential`.
    #[serde(rename = "open-badges-3.0-endorsement")]
    OpenBadges3Endorsement,
    /// A CLR 2.0 `ClrCredential`.
    #[serde(rename = "clr-2.0")]
    Clr2,
    /// A Verifiable Credential of no Open Badges type.
    #[serde(rename = "verifiable-credential")]
    VerifiableCredential,
    /// An Open Badges 2.0 assertion (not a Verifiable Credential).
    #[serde(rename = "open-badges-2.0")]
    OpenBadges2,
}

/// How the document is secured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Securing {
    /// Embedded proofs: each proof's `cryptosuite` (or its `type` for legacy suites).
    #[serde(rename = "data-integrity")]
    DataIntegrity { suites: Vec<String> },
    /// A compact JWS whose payload is the credential.
    #[serde(rename = "vc-jwt")]
    VcJwt { alg: String },
    /// No proof at all.
    #[serde(rename = "none")]
    Unsigned,
    /// An Open Badges 2.0 hosted assertion: authentic by being at its id, on the issuer's origin.
    #[serde(rename = "hosted")]
    Hosted,
    /// An Open Badges 2.0 signed assertion: a compact JWS by a key the issuer lists.
    #[serde(rename = "signed-jws")]
    SignedJws { alg: String },
}

/// What a document was seen to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialFormat {
    pub standard: Standard,
    /// The VC Data Model version from the first context: `"2.0"` or `"1.1"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vc_version: Option<&'static str>,
    pub securing: Securing,
}

impl CredentialFormat {
    /// The format of a JSON document secured by its embedded proofs (if any).
    pub fn of_document(doc: &Value) -> Self {
        let proofs: Vec<&Value> = match doc.get("proof") {
            Some(Value::Array(list)) => list.iter().take(crate::data_integrity::MAX_PROOFS).collect(),
            Some(proof @ Value::Object(_)) => vec![proof],
            _ => Vec::new(),
        };
        let securing = if proofs.is_empty() {
            Securing::Unsigned
        } else {
            let mut suites: Vec<String> = Vec::new();
            for proof in proofs {
                let name = proof.get("cryptosuite").or_else(|| proof.get("type")).and_then(Value::as_str);
                let name = name.unwrap_or("unknown").chars().take(64).collect::<String>();
                if !suites.contains(&name) {
                    suites.push(name);
                }
            }
            Securing::DataIntegrity { suites }
        };
        CredentialFormat { standard: standard_of(doc), vc_version: model::vc_version(doc), securing }
    }

    /// The format of a credential decoded from a VC-JWT signed with `alg`.
    pub fn of_jwt(credential: &Value, alg: &str) -> Self {
        CredentialFormat {
            standard: standard_of(credential),
            vc_version: model::vc_version(credential),
            securing: Securing::VcJwt { alg: alg.chars().take(16).collect() },
        }
    }
}

fn standard_of(doc: &Value) -> Standard {
    if model::has_type(doc, &["ClrCredential"]) {
        Standard::Clr2
    } else if model::has_type(doc, &["EndorsementCredential"]) {
        Standard::OpenBadges3Endorsement
    } else if model::is_achievement_document(doc) {
        Standard::OpenBadges3
    } else {
        Standard::VerifiableCredential
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_are_named_by_type_context_and_proofs() {
        let doc = json!({"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
            "proof": [{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"},
                      {"type": "Ed25519Signature2020"}]});
        let format = CredentialFormat::of_document(&doc);
        assert_eq!(format.standard, Standard::VerifiableCredential);
        assert_eq!(format.vc_version, Some("1.1"));
        assert_eq!(
            format.securing,
            Securing::DataIntegrity { suites: vec!["eddsa-rdfc-2022".into(), "Ed25519Signature2020".into()] }
        );
        let badge = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "OpenBadgeCredential"]});
        let format = CredentialFormat::of_jwt(&badge, "RS256");
        assert_eq!(format.standard, Standard::OpenBadges3);
        assert_eq!(format.vc_version, Some("2.0"));
        assert_eq!(serde_json::to_value(&format.securing).unwrap(), json!({"kind": "vc-jwt", "alg": "RS256"}));
        assert_eq!(CredentialFormat::of_document(&json!({"type": "ClrCredential"})).securing, Securing::Unsigned);
    }
}
