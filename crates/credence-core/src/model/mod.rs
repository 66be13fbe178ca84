//! The Open Badges 3.0 data model: serde types, vocabularies, structural
//! validation and recipient identity hashing; and what every Verifiable Credential
//! has, with the VC Data Model's rules (`vcdm`).

mod enums;
mod identity;
mod one_or_many;
mod types;
mod validate;
mod vcdm;

#[cfg(test)]
mod tests;

pub use enums::{AchievementType, AlignmentTargetType, IdentifierType, ResultStatus, ResultType, is_extension_term};
pub use identity::{
    IDENTITY_OBJECT_TYPE, hashed_email_identity, identity_hash, identity_matches, normalize_email, random_salt,
};
pub use one_or_many::OneOrMany;
pub use types::*;
pub use validate::{ValidationError, is_uri, parse_date_time_z, validate_credential};
pub use vcdm::{
    IssuerRef, OPEN_BADGES_TYPES, VerifiableCredential, has_type, is_achievement_document, validate_vc, vc_version,
};

/// The VC Data Model 2.0 context URL.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The VC Data Model 1.1 context URL (accepted on input).
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// Prefix shared by the Open Badges 3.0 context URLs (`context-3.0.3.json`, ...).
pub const OB_V3_CONTEXT_PREFIX: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context";
/// The Open Badges 3.0.3 context URL this service issues with.
pub const OB_V3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// An Open Badges object (a `Profile`, an `Achievement`) as a JSON-LD document of its own:
/// the VC 2.0 and Open Badges 3.0 contexts first, then the object's properties.
pub fn standalone_document<T: serde::Serialize>(object: &T) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut document = Map::new();
    document.insert("@context".into(), Value::from(vec![VC_V2_CONTEXT, OB_V3_CONTEXT]));
    if let Ok(Value::Object(fields)) = serde_json::to_value(object) {
        document.extend(fields.into_iter().filter(|(key, _)| key != "@context"));
    }
    Value::Object(document)
}

/// The issuer id of any Verifiable Credential, whatever its type: `issuer` as a string, or
/// the `id` of an `issuer` object.
pub fn issuer_id_of(doc: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match doc.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => other.get("id").and_then(Value::as_str).map(str::to_string),
        None => None,
    }
}
