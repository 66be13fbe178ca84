//! DID methods and controller documents: `did:key` (Ed25519), `did:web`, and the
//! Multikey controller document an https issuer Profile serves.
//!
//! Verification method ids are `<controller>#<publicKeyMultibase>` everywhere
//! (as in `did:key` and the 1EdTech example), so a key's id follows from the key.

use serde_json::{Map, Value, json};
use thiserror::Error;

use super::model::{OB_V3_CONTEXT, Profile, VC_V2_CONTEXT};
use super::multibase::{self, MultibaseError};

/// `https://www.w3.org/ns/did/v1`.
pub const DID_V1_CONTEXT: &str = "https://www.w3.org/ns/did/v1";
/// `https://w3id.org/security/multikey/v1`.
pub const MULTIKEY_V1_CONTEXT: &str = "https://w3id.org/security/multikey/v1";
/// The verification method type this service writes.
pub const MULTIKEY: &str = "Multikey";

/// Errors from parsing DIDs and resolving verification methods.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DidError {
    #[error("'{0}' is not a did:key")]
    NotDidKey(String),
    #[error("'{0}' is not a did:web")]
    NotDidWeb(String),
    #[error("did:key fragment '{fragment}' does not match the key '{key}'")]
    DidKeyFragmentMismatch { key: String, fragment: String },
    #[error("invalid Ed25519 Multikey at {path}: {source}")]
    InvalidKey { path: String, source: MultibaseError },
    #[error("invalid did:web '{did}': {reason}")]
    InvalidDidWeb { did: String, reason: &'static str },
    #[error("'{url}' cannot be expressed as did:web: {reason}")]
    InvalidWebUrl { url: String, reason: &'static str },
    #[error("controller document has no 'id'")]
    MissingDocumentId,
    #[error("verification method '{0}' not found in the controller document")]
    MethodNotFound(String),
    #[error("verification method '{0}' is not listed in assertionMethod")]
    NotAssertionMethod(String),
    #[error("{path}: unsupported verification method type '{kind}' (expected Multikey)")]
    UnsupportedMethodType { path: String, kind: String },
    #[error("{path}: '{field}' is missing or not a string")]
    MissingField { path: String, field: &'static str },
    #[error("{path}: controller '{controller}' is not the document '{document}'")]
    ControllerMismatch { path: String, controller: String, document: String },
    #[error("profile could not be serialized")]
    Serialize,
    #[error("'{0}' is not a DID (did:method:identifier)")]
    NotADid(String),
    #[error("'{0}' is a DID URL (with a path, query or fragment), not a DID")]
    DidUrl(String),
    #[error("the DID method of '{0}' is not supported: use did:key or did:web")]
    UnsupportedMethod(String),
    #[error("a DID may be at most {0} characters long")]
    TooLong(usize),
}

/// A verification method resolved for an assertion proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedKey {
    /// Absolute verification method id.
    pub id: String,
    /// The controller (the issuer: a DID or the Profile URL).
    pub controller: String,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
}

// ---------------------------------------------------------------- did:key

/// A parsed `did:key` or `did:key` DID URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DidKey {
    /// `did:key:z6Mk...`
    pub did: String,
    /// The Multikey (`z6Mk...`).
    pub multibase: String,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
}

impl DidKey {
    /// The did:key for an Ed25519 public key.
    pub fn from_public_key(public_key: &[u8; 32]) -> Self {
        let multibase = multibase::encode_ed25519_public(public_key);
        DidKey { did: format!("did:key:{multibase}"), multibase, public_key: *public_key }
    }

    /// Parses `did:key:z6Mk...` or `did:key:z6Mk...#z6Mk...` (the fragment must repeat the key).
    pub fn parse(value: &str) -> Result<Self, DidError> {
        let (did, fragment) = match value.split_once('#') {
            Some((did, fragment)) => (did, Some(fragment)),
            None => (value, None),
        };
        let encoded = did.strip_prefix("did:key:").ok_or_else(|| DidError::NotDidKey(value.to_owned()))?;
        let public_key = multibase::decode_ed25519_public(encoded)
            .map_err(|source| DidError::InvalidKey { path: value.to_owned(), source })?;
        if let Some(fragment) = fragment.filter(|f| *f != encoded) {
            return Err(DidError::DidKeyFragmentMismatch { key: encoded.to_owned(), fragment: fragment.to_owned() });
        }
        Ok(DidKey { did: did.to_owned(), multibase: encoded.to_owned(), public_key })
    }

    /// The verification method id `did:key:z6Mk...#z6Mk...`.
    pub fn verification_method_id(&self) -> String {
        format!("{}#{}", self.did, self.multibase)
    }

    /// The DID document (Multikey representation) the did:key method defines.
    pub fn document(&self) -> Value {
        let method_id = self.verification_method_id();
        json!({
            "@context": [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
            "id": self.did,
            "verificationMethod": [multikey_method(&self.did, &self.public_key)],
            "authentication": [method_id],
            "assertionMethod": [method_id],
            "capabilityDelegation": [method_id],
            "capabilityInvocation": [method_id],
        })
    }
}

// ---------------------------------------------------------------- DIDs given as input

/// Longest DID accepted as input.
pub const MAX_DID_LEN: usize = 500;

/// A DID given as input (a learner's, for their credentials' subject): a `did:key` holding an
/// Ed25519 key or a `did:web`, read by the parsers the verifier resolves DIDs with
/// ([`DidKey::parse`], [`did_web_to_url`]). The one place DIDs from outside are checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Did {
    Key(DidKey),
    Web(String),
}

impl Did {
    /// Parses a DID (not a DID URL: no path, query or fragment) of a supported method.
    pub fn parse(value: &str) -> Result<Did, DidError> {
        let Some((method, id)) = value.strip_prefix("did:").and_then(|rest| rest.split_once(':')) else {
            return Err(DidError::NotADid(value.to_owned()));
        };
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) || id.is_empty() {
            return Err(DidError::NotADid(value.to_owned()));
        }
        if value.contains(['/', '?', '#']) {
            return Err(DidError::DidUrl(value.to_owned()));
        }
        if value.len() > MAX_DID_LEN {
            return Err(DidError::TooLong(MAX_DID_LEN));
        }
        match method {
            "key" => DidKey::parse(value).map(Did::Key),
            "web" => did_web_to_url(value).map(|_| Did::Web(value.to_owned())),
            _ => Err(DidError::UnsupportedMethod(value.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Did::Key(key) => &key.did,
            Did::Web(did) => did,
        }
    }
}

// ---------------------------------------------------------------- did:web

/// The https URL of the DID document for a did:web (DID URL fragments and queries ignored).
///
/// `did:web:example.com` → `https://example.com/.well-known/did.json`;
/// `did:web:host%3A8443:issuers:acme` → `https://host:8443/issuers/acme/did.json`.
pub fn did_web_to_url(did: &str) -> Result<String, DidError> {
    let bare = did.split(['#', '?']).next().unwrap_or(did);
    let rest = bare.strip_prefix("did:web:").ok_or_else(|| DidError::NotDidWeb(did.to_owned()))?;
    let invalid = |reason| DidError::InvalidDidWeb { did: did.to_owned(), reason };
    // DID syntax: each ':'-separated segment is idchars (ALPHA, DIGIT, '.', '-', '_') and
    // percent-encodings; anything else (a space, '/', '<', ...) is not a did:web.
    if !rest.split(':').all(is_did_segment) {
        return Err(invalid("a segment is empty or holds a character DIDs do not allow"));
    }
    let mut segments = rest.split(':');
    let host = segments.next().unwrap_or_default().replace("%3A", ":").replace("%3a", ":");
    if host.is_empty() || host.contains(['/', '%', '@']) {
        return Err(invalid("bad host"));
    }
    let path: Vec<&str> = segments.collect();
    if path.iter().any(|s| s.is_empty() || s.contains('/') || *s == "." || *s == "..") {
        return Err(invalid("empty or unsafe path segment"));
    }
    Ok(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

/// One segment of a DID's method-specific id: `*idchar` with `idchar = ALPHA / DIGIT / "." /
/// "-" / "_" / pct-encoded` (W3C DID Core), and not empty.
fn is_did_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                if !bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') => i += 1,
            _ => return false,
        }
    }
    !bytes.is_empty()
}

/// The did:web for an https URL: the DID document URL (`.../did.json`,
/// `/.well-known/did.json`) or the base URL it lives under.
pub fn url_to_did_web(url: &str) -> Result<String, DidError> {
    let invalid = |reason| DidError::InvalidWebUrl { url: url.to_owned(), reason };
    let rest = url.strip_prefix("https://").ok_or_else(|| invalid("must be an https URL"))?;
    if rest.contains(['?', '#']) {
        return Err(invalid("must not have a query or fragment"));
    }
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix("/.well-known/did.json").or_else(|| rest.strip_suffix("/did.json")).unwrap_or(rest);
    let mut parts = rest.split('/');
    let host = parts.next().unwrap_or_default();
    if host.is_empty() || host.contains(['@', '%']) {
        return Err(invalid("bad host"));
    }
    let path: Vec<&str> = parts.collect();
    if path.iter().any(|s| s.is_empty() || s.contains(':')) {
        return Err(invalid("empty path segment or ':' in the path"));
    }
    let mut did = format!("did:web:{}", host.replace(':', "%3A"));
    for segment in path {
        did.push(':');
        did.push_str(segment);
    }
    Ok(did)
}

/// A did:web DID document for an organization. List the current key first, then
/// retired keys: every key stays a verificationMethod in `assertionMethod`, so
/// credentials signed with a retired key keep verifying.
pub fn did_web_document(did: &str, keys: &[[u8; 32]]) -> Value {
    let mut document = Map::new();
    document.insert("@context".into(), json!([DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT]));
    document.insert("id".into(), json!(did));
    add_verification_methods(&mut document, did, keys);
    Value::Object(document)
}

// ---------------------------------------------------------------- https Profile

/// An issuer Profile that doubles as its own controller document, for issuers
/// whose id is an https URL (verification methods `<profile id>#<multibase>`, as
/// in the 1EdTech example). Keys as in [`did_web_document`].
pub fn profile_controller_document(profile: &Profile, keys: &[[u8; 32]]) -> Result<Value, DidError> {
    let Value::Object(fields) = serde_json::to_value(profile).map_err(|_| DidError::Serialize)? else {
        return Err(DidError::Serialize);
    };
    // The DID context defines `verificationMethod` and `assertionMethod`, and the
    // Multikey context the key's terms: without them a JSON-LD processor drops the
    // keys (a verifier that frames the controller document in safe mode refuses it).
    let mut document = Map::new();
    document.insert("@context".into(), json!([VC_V2_CONTEXT, OB_V3_CONTEXT, DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT]));
    document.extend(fields.into_iter().filter(|(k, _)| k != "@context"));
    add_verification_methods(&mut document, &profile.id, keys);
    Ok(Value::Object(document))
}

fn multikey_method(controller: &str, key: &[u8; 32]) -> Value {
    let multibase = multibase::encode_ed25519_public(key);
    json!({
        "id": format!("{controller}#{multibase}"),
        "type": MULTIKEY,
        "controller": controller,
        "publicKeyMultibase": multibase,
    })
}

fn add_verification_methods(document: &mut Map<String, Value>, controller: &str, keys: &[[u8; 32]]) {
    let methods: Vec<Value> = keys.iter().map(|key| multikey_method(controller, key)).collect();
    let ids: Vec<Value> = methods.iter().map(|m| m["id"].clone()).collect();
    document.insert("verificationMethod".into(), Value::Array(methods));
    document.insert("assertionMethod".into(), Value::Array(ids));
}

// ---------------------------------------------------------------- resolution

/// Finds `method_id` in a controller document (DID document or Profile), checks
/// it is an assertion method controlled by the document, and returns its key.
///
/// Relative ids (`#frag`) are resolved against the document id; methods may be
/// listed in `verificationMethod` or embedded in `assertionMethod`.
pub fn resolve_assertion_method(document: &Value, method_id: &str) -> Result<ResolvedKey, DidError> {
    let document_id = document.get("id").and_then(Value::as_str).ok_or(DidError::MissingDocumentId)?;
    let absolute = |id: &str| {
        if id.starts_with('#') { format!("{document_id}{id}") } else { id.to_owned() }
    };
    let wanted = absolute(method_id);
    let listed = |key: &str| document.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);

    let mut in_assertion = false;
    let mut found: Option<(String, &Value)> = None;
    for (i, entry) in listed("assertionMethod").iter().enumerate() {
        let id = entry.as_str().or_else(|| entry.get("id").and_then(Value::as_str));
        if id.map(absolute).as_deref() == Some(wanted.as_str()) {
            in_assertion = true;
            if entry.is_object() {
                found = Some((format!("assertionMethod[{i}]"), entry));
            }
        }
    }
    if found.is_none() {
        found = listed("verificationMethod")
            .iter()
            .enumerate()
            .find(|(_, m)| m.get("id").and_then(Value::as_str).map(absolute).as_deref() == Some(wanted.as_str()))
            .map(|(i, m)| (format!("verificationMethod[{i}]"), m));
    }
    let (path, method) = found.ok_or_else(|| DidError::MethodNotFound(wanted.clone()))?;
    if !in_assertion {
        return Err(DidError::NotAssertionMethod(wanted));
    }
    read_method(&path, method, &wanted, document_id)
}

/// Most assertion methods read from one controller document.
pub const MAX_ASSERTION_METHODS: usize = 64;

/// Every assertion method of a controller document that resolves to a key the
/// document controls (at most [`MAX_ASSERTION_METHODS`]); entries that do not
/// resolve are left out.
pub fn assertion_keys(document: &Value) -> Vec<ResolvedKey> {
    let entries = document.get("assertionMethod").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    entries
        .iter()
        .take(MAX_ASSERTION_METHODS)
        .filter_map(|entry| entry.as_str().or_else(|| entry.get("id").and_then(Value::as_str)))
        .filter_map(|id| resolve_assertion_method(document, id).ok())
        .collect()
}

fn read_method(path: &str, method: &Value, id: &str, document_id: &str) -> Result<ResolvedKey, DidError> {
    let field = |field: &'static str| {
        method.get(field).and_then(Value::as_str).ok_or(DidError::MissingField { path: path.to_owned(), field })
    };
    let kind = field("type")?;
    if kind != MULTIKEY && kind != "Ed25519VerificationKey2020" {
        return Err(DidError::UnsupportedMethodType { path: path.to_owned(), kind: kind.to_owned() });
    }
    let controller = field("controller")?;
    if controller != document_id {
        return Err(DidError::ControllerMismatch {
            path: path.to_owned(),
            controller: controller.to_owned(),
            document: document_id.to_owned(),
        });
    }
    let public_key = multibase::decode_ed25519_public(field("publicKeyMultibase")?)
        .map_err(|source| DidError::InvalidKey { path: format!("{path}.publicKeyMultibase"), source })?;
    Ok(ResolvedKey { id: id.to_owned(), controller: controller.to_owned(), public_key })
}

/// Resolves a did:key verification method locally (no network).
pub fn resolve_did_key_method(method_id: &str) -> Result<ResolvedKey, DidError> {
    let did_key = DidKey::parse(method_id)?;
    resolve_assertion_method(&did_key.document(), &did_key.verification_method_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEX: &str = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5";
    const MULTIBASE: &str = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";

    fn key() -> [u8; 32] {
        hex::decode(KEY_HEX).unwrap().try_into().unwrap()
    }

    #[test]
    fn did_key_parse_build_and_resolve() {
        let did_key = DidKey::from_public_key(&key());
        assert_eq!(did_key.did, format!("did:key:{MULTIBASE}"));
        assert_eq!(DidKey::parse(&did_key.did).unwrap(), did_key);
        let method_id = did_key.verification_method_id();
        assert_eq!(DidKey::parse(&method_id).unwrap(), did_key);
        let document = did_key.document();
        assert_eq!(document["verificationMethod"][0]["type"], "Multikey");
        assert_eq!(document["verificationMethod"][0]["controller"], did_key.did);
        assert_eq!(document["@context"], json!([DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT]));
        let resolved = resolve_did_key_method(&method_id).unwrap();
        assert_eq!(resolved.public_key, key());
        assert_eq!(resolved.controller, did_key.did);
    }

    #[test]
    fn did_key_rejections() {
        assert!(matches!(DidKey::parse("did:web:x"), Err(DidError::NotDidKey(_))));
        assert!(matches!(
            DidKey::parse(&format!("did:key:{MULTIBASE}#z6Mkother")),
            Err(DidError::DidKeyFragmentMismatch { .. })
        ));
        assert!(matches!(DidKey::parse("did:key:zQ3sh"), Err(DidError::InvalidKey { .. })));
    }

    #[test]
    fn did_web_urls_both_ways() {
        let cases = [
            ("did:web:example.com", "https://example.com/.well-known/did.json"),
            ("did:web:localhost%3A8443:issuers:acme", "https://localhost:8443/issuers/acme/did.json"),
            ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ];
        for (did, url) in cases {
            assert_eq!(did_web_to_url(did).unwrap(), url);
            assert_eq!(url_to_did_web(url).unwrap(), did);
        }
        assert_eq!(did_web_to_url("did:web:example.com:a#key-1").unwrap(), "https://example.com/a/did.json");
        assert_eq!(
            url_to_did_web("https://localhost:8443/issuers/acme").unwrap(),
            "did:web:localhost%3A8443:issuers:acme"
        );
        assert!(did_web_to_url("did:web:").is_err());
        assert!(did_web_to_url("did:web:example.com::x").is_err());
        assert!(did_web_to_url("did:web:example.com:..").is_err());
        assert!(did_web_to_url("did:web:exa mple.com").is_err());
        assert!(did_web_to_url("did:web:example.com:a\"b").is_err());
        assert!(url_to_did_web("http://example.com/did.json").is_err());
        assert!(did_web_to_url("did:key:z6Mk").is_err());
    }

    #[test]
    fn dids_given_as_input() {
        let key = DidKey::from_public_key(&key());
        assert_eq!(Did::parse(&key.did), Ok(Did::Key(key.clone())));
        assert_eq!(
            Did::parse("did:web:example.com%3A8443:users:ana").map(|d| d.as_str().to_owned()),
            Ok("did:web:example.com%3A8443:users:ana".into())
        );
        assert!(matches!(Did::parse(&key.verification_method_id()), Err(DidError::DidUrl(_))));
        assert!(matches!(Did::parse("did:example:123"), Err(DidError::UnsupportedMethod(_))));
        assert!(matches!(Did::parse("did:key:z6MkNotAKey"), Err(DidError::InvalidKey { .. })));
        for bad in [
            "did:web:exa mple.com",
            "did:web:example.com\"",
            "did:web:ex<a>mple.com",
            "did:web:a%zz",
            "did:web:example.com::x",
            "did:web:",
        ] {
            assert!(
                matches!(Did::parse(bad), Err(DidError::InvalidDidWeb { .. }) | Err(DidError::NotADid(_))),
                "{bad}"
            );
        }
        for bad in ["did:web:example.com/x", "did:web:a#k", "did:web:a?x=1"] {
            assert!(matches!(Did::parse(bad), Err(DidError::DidUrl(_))), "{bad}");
        }
        for bad in ["ana@example.com", "did:", "did:web", "did:Web:x", "did::x"] {
            assert!(matches!(Did::parse(bad), Err(DidError::NotADid(_))), "{bad}");
        }
        assert_eq!(Did::parse(&format!("did:web:{}", "a".repeat(MAX_DID_LEN))), Err(DidError::TooLong(MAX_DID_LEN)));
    }

    #[test]
    fn did_web_document_keeps_retired_keys_verifiable() {
        let retired = [9u8; 32];
        let did = "did:web:example.com:issuers:acme";
        let document = did_web_document(did, &[key(), retired]);
        assert_eq!(document["assertionMethod"].as_array().unwrap().len(), 2);
        let retired_id = format!("{did}#{}", multibase::encode_ed25519_public(&retired));
        assert_eq!(resolve_assertion_method(&document, &retired_id).unwrap().public_key, retired);
        let current = resolve_assertion_method(&document, &format!("{did}#{MULTIBASE}")).unwrap();
        assert_eq!(current.public_key, key());
        assert_eq!(current.controller, did);
    }

    #[test]
    fn profile_document_matches_the_1edtech_verification_method() {
        let mut profile = Profile::new("https://example.edu/issuers/565049");
        profile.name = Some("Example Corp".into());
        let document = profile_controller_document(&profile, &[key()]).unwrap();
        assert_eq!(document["type"], json!(["Profile"]));
        assert_eq!(document["name"], "Example Corp");
        // The terms of the verification methods must be defined for JSON-LD processors.
        assert_eq!(document["@context"], json!([VC_V2_CONTEXT, OB_V3_CONTEXT, DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT]));
        assert_eq!(document.as_object().unwrap().keys().next().map(String::as_str), Some("@context"));
        let resolved = resolve_assertion_method(
            &document,
            "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        )
        .unwrap();
        assert_eq!(resolved.public_key, key());
        assert_eq!(resolved.controller, "https://example.edu/issuers/565049");
    }

    #[test]
    fn resolution_failures() {
        let did = "did:web:example.com";
        let mut document = did_web_document(did, &[key()]);
        let method_id = format!("{did}#{MULTIBASE}");
        assert!(matches!(
            resolve_assertion_method(&document, "did:web:example.com#other"),
            Err(DidError::MethodNotFound(_))
        ));
        // Relative references resolve against the document id.
        document["assertionMethod"] = json!([format!("#{MULTIBASE}")]);
        assert!(resolve_assertion_method(&document, &method_id).is_ok());
        document["assertionMethod"] = json!([]);
        assert!(matches!(resolve_assertion_method(&document, &method_id), Err(DidError::NotAssertionMethod(_))));
        document["assertionMethod"] = json!([method_id]);
        document["verificationMethod"][0]["controller"] = json!("did:web:evil.example");
        assert!(matches!(resolve_assertion_method(&document, &method_id), Err(DidError::ControllerMismatch { .. })));
        document["verificationMethod"][0]["controller"] = json!(did);
        document["verificationMethod"][0]["type"] = json!("JsonWebKey2020");
        let err = resolve_assertion_method(&document, &method_id).unwrap_err();
        assert_eq!(
            err.to_string(),
            "verificationMethod[0]: unsupported verification method type 'JsonWebKey2020' (expected Multikey)"
        );
        document["verificationMethod"][0]["type"] = json!("Multikey");
        document["verificationMethod"][0]["publicKeyMultibase"] = json!("zBad0");
        assert!(matches!(resolve_assertion_method(&document, &method_id), Err(DidError::InvalidKey { .. })));
        assert_eq!(resolve_assertion_method(&json!({}), &method_id), Err(DidError::MissingDocumentId));
    }
}
