//! DID methods and controller documents: `did:key` (Ed25519), `did:web`, and the
//! Multikey controller document an https issuer Profile serves.
//!
//! Verification method ids are `<controller>#<publicKeyMultibase>` for the Multikey
//! form (as in `did:key` and the 1EdTech example) and `<controller>#<JWK thumbprint>`
//! (RFC 7638) for the `JsonWebKey` form, so a key's id follows from the key. The
//! documents this service serves list each Ed25519 key in both forms (Data Integrity
//! proofs name the Multikey, VC-JWTs the JsonWebKey) and each RSA key as a JsonWebKey.
//!
//! No context we bundle defines `JsonWebKey` and `publicKeyJwk` (the DID v1.0 and
//! Multikey v1 contexts do not; the DID v1.1 and controller-document contexts that do
//! are not in the reference set), so the documents carry the two terms in an inline
//! context ([`jwk_context`]), mapped to the security vocabulary's IRIs, with
//! `publicKeyJwk` a JSON literal, as the W3C controller document specification maps them.

use serde_json::{Map, Value, json};
use thiserror::Error;

use super::jwt::JwtVerificationKey;
use super::model::{OB_V3_CONTEXT, Profile, VC_V2_CONTEXT};
use super::multibase::{self, MultibaseError};

/// `https://www.w3.org/ns/did/v1`.
pub const DID_V1_CONTEXT: &str = "https://www.w3.org/ns/did/v1";
/// `https://w3id.org/security/multikey/v1`.
pub const MULTIKEY_V1_CONTEXT: &str = "https://w3id.org/security/multikey/v1";
/// The verification method type this service writes for Data Integrity keys.
pub const MULTIKEY: &str = "Multikey";
/// The verification method type this service writes for VC-JWT keys.
pub const JSON_WEB_KEY: &str = "JsonWebKey";

/// The inline context defining the `JsonWebKey` form's terms (see the module documentation).
pub fn jwk_context() -> Value {
    json!({
        "JsonWebKey": "https://w3id.org/security#JsonWebKey",
        "publicKeyJwk": {"@id": "https://w3id.org/security#publicKeyJwk", "@type": "@json"},
    })
}

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
    #[error("invalid JWK at {path}: {reason}")]
    InvalidJwk { path: String, reason: String },
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
    #[error("{path}: unsupported verification method type '{kind}' (expected Multikey or JsonWebKey)")]
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
    /// The public key: Ed25519 (a Multikey, or a JsonWebKey of kty OKP) or RSA (a JsonWebKey).
    pub key: JwtVerificationKey,
}

impl ResolvedKey {
    /// The Ed25519 public key, when it is one (Data Integrity proofs need one).
    pub fn ed25519(&self) -> Option<[u8; 32]> {
        match self.key {
            JwtVerificationKey::Ed25519(public) => Some(public),
            JwtVerificationKey::Rsa { .. } => None,
        }
    }
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

/// A did:web DID document for an organization. List the current keys first, then
/// retired keys: every key stays a verificationMethod in `assertionMethod`, so
/// credentials signed with a retired key keep verifying. An Ed25519 key is listed as a
/// Multikey and as a JsonWebKey, an RSA key as a JsonWebKey.
pub fn did_web_document(did: &str, keys: &[JwtVerificationKey]) -> Value {
    let mut document = Map::new();
    document.insert("@context".into(), json!([DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT, jwk_context()]));
    document.insert("id".into(), json!(did));
    add_verification_methods(&mut document, did, keys);
    Value::Object(document)
}

// ---------------------------------------------------------------- https Profile

/// An issuer Profile that doubles as its own controller document, for issuers
/// whose id is an https URL (verification methods `<profile id>#<multibase>`, as
/// in the 1EdTech example). Keys as in [`did_web_document`].
pub fn profile_controller_document(profile: &Profile, keys: &[JwtVerificationKey]) -> Result<Value, DidError> {
    let Value::Object(fields) = serde_json::to_value(profile).map_err(|_| DidError::Serialize)? else {
        return Err(DidError::Serialize);
    };
    // The DID context defines `verificationMethod` and `assertionMethod`, and the
    // Multikey and JWK contexts the keys' terms: without them a JSON-LD processor drops
    // the keys (a verifier that frames the controller document in safe mode refuses it).
    let mut document = Map::new();
    document.insert(
        "@context".into(),
        json!([VC_V2_CONTEXT, OB_V3_CONTEXT, DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT, jwk_context()]),
    );
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

/// The id of a key's JsonWebKey verification method: `<controller>#<JWK thumbprint>`.
pub fn jwk_method_id(controller: &str, key: &JwtVerificationKey) -> String {
    format!("{controller}#{}", key.jwk_thumbprint())
}

fn jwk_method(controller: &str, key: &JwtVerificationKey) -> Value {
    json!({
        "id": jwk_method_id(controller, key),
        "type": JSON_WEB_KEY,
        "controller": controller,
        "publicKeyJwk": key.to_jwk(),
    })
}

fn add_verification_methods(document: &mut Map<String, Value>, controller: &str, keys: &[JwtVerificationKey]) {
    let methods: Vec<Value> = keys
        .iter()
        .flat_map(|key| match key {
            JwtVerificationKey::Ed25519(public) => {
                vec![multikey_method(controller, public), jwk_method(controller, key)]
            }
            JwtVerificationKey::Rsa { .. } => vec![jwk_method(controller, key)],
        })
        .collect();
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

/// Most assertion methods read from one controller document. Our own documents list each
/// Ed25519 key twice (Multikey and JsonWebKey) and every retired key stays listed, so this
/// leaves room for a long rotation history; each entry costs one scan of the document.
pub const MAX_ASSERTION_METHODS: usize = 256;

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
    let is_jwk = matches!(kind, JSON_WEB_KEY | "JsonWebKey2020");
    if kind != MULTIKEY && kind != "Ed25519VerificationKey2020" && !is_jwk {
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
    let key = if is_jwk {
        let jwk = method
            .get("publicKeyJwk")
            .ok_or_else(|| DidError::InvalidJwk { path: format!("{path}.publicKeyJwk"), reason: "missing".into() })?;
        JwtVerificationKey::from_jwk(jwk)
            .map_err(|e| DidError::InvalidJwk { path: format!("{path}.publicKeyJwk"), reason: e.to_string() })?
    } else {
        let public_key = multibase::decode_ed25519_public(field("publicKeyMultibase")?)
            .map_err(|source| DidError::InvalidKey { path: format!("{path}.publicKeyMultibase"), source })?;
        JwtVerificationKey::Ed25519(public_key)
    };
    Ok(ResolvedKey { id: id.to_owned(), controller: controller.to_owned(), key })
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

    fn ed(key: [u8; 32]) -> JwtVerificationKey {
        JwtVerificationKey::Ed25519(key)
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
        assert_eq!(resolved.ed25519(), Some(key()));
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
    fn a_long_rotation_history_keeps_its_oldest_key_listed() {
        // 100 Ed25519 keys, each listed as a Multikey and as a JsonWebKey: 200 assertion methods.
        let keys: Vec<JwtVerificationKey> = (1..=100u8)
            .map(|i| {
                JwtVerificationKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[i; 32]).verifying_key().to_bytes())
            })
            .collect();
        let oldest = keys.last().cloned().unwrap();
        let document = did_web_document("did:web:example.com:issuers:acme", &keys);
        let listed = assertion_keys(&document);
        assert_eq!(listed.len(), 200);
        assert!(listed.iter().any(|k| k.key == oldest));
    }

    #[test]
    fn did_web_document_keeps_retired_keys_verifiable() {
        let retired = [9u8; 32];
        let did = "did:web:example.com:issuers:acme";
        let document = did_web_document(did, &[ed(key()), ed(retired)]);
        // Each Ed25519 key in both forms.
        assert_eq!(document["assertionMethod"].as_array().unwrap().len(), 4);
        let retired_id = format!("{did}#{}", multibase::encode_ed25519_public(&retired));
        assert_eq!(resolve_assertion_method(&document, &retired_id).unwrap().ed25519(), Some(retired));
        let retired_jwk = jwk_method_id(did, &ed(retired));
        assert_eq!(resolve_assertion_method(&document, &retired_jwk).unwrap().key, ed(retired));
        let current = resolve_assertion_method(&document, &format!("{did}#{MULTIBASE}")).unwrap();
        assert_eq!(current.ed25519(), Some(key()));
        assert_eq!(current.controller, did);
    }

    #[test]
    fn profile_document_matches_the_1edtech_verification_method() {
        let mut profile = Profile::new("https://example.edu/issuers/565049");
        profile.name = Some("Example Corp".into());
        let document = profile_controller_document(&profile, &[ed(key())]).unwrap();
        assert_eq!(document["type"], json!(["Profile"]));
        assert_eq!(document["name"], "Example Corp");
        // The terms of the verification methods must be defined for JSON-LD processors.
        assert_eq!(
            document["@context"],
            json!([VC_V2_CONTEXT, OB_V3_CONTEXT, DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT, jwk_context()])
        );
        assert_eq!(document.as_object().unwrap().keys().next().map(String::as_str), Some("@context"));
        let resolved = resolve_assertion_method(
            &document,
            "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        )
        .unwrap();
        assert_eq!(resolved.ed25519(), Some(key()));
        assert_eq!(resolved.controller, "https://example.edu/issuers/565049");
    }

    #[test]
    fn resolution_failures() {
        let did = "did:web:example.com";
        let mut document = did_web_document(did, &[ed(key())]);
        document["verificationMethod"].as_array_mut().unwrap().truncate(1);
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
        document["verificationMethod"][0]["type"] = json!("EcdsaSecp256k1VerificationKey2019");
        let err = resolve_assertion_method(&document, &method_id).unwrap_err();
        assert_eq!(
            err.to_string(),
            "verificationMethod[0]: unsupported verification method type 'EcdsaSecp256k1VerificationKey2019' \
             (expected Multikey or JsonWebKey)"
        );
        // A JsonWebKey needs a publicKeyJwk, and one that is a public key.
        document["verificationMethod"][0]["type"] = json!("JsonWebKey");
        assert!(matches!(resolve_assertion_method(&document, &method_id), Err(DidError::InvalidJwk { .. })));
        document["verificationMethod"][0]["publicKeyJwk"] =
            json!({"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"});
        assert!(matches!(resolve_assertion_method(&document, &method_id), Err(DidError::InvalidJwk { .. })));
        document["verificationMethod"][0]["type"] = json!("Multikey");
        document["verificationMethod"][0]["publicKeyMultibase"] = json!("zBad0");
        assert!(matches!(resolve_assertion_method(&document, &method_id), Err(DidError::InvalidKey { .. })));
        assert_eq!(resolve_assertion_method(&json!({}), &method_id), Err(DidError::MissingDocumentId));
    }

    #[test]
    fn documents_list_each_key_as_a_json_web_key_too() {
        let rsa = JwtVerificationKey::Rsa { n: vec![0xc5; 256], e: vec![1, 0, 1] };
        let did = "did:web:example.com:issuers:acme";
        let document = did_web_document(did, &[ed(key()), rsa.clone()]);
        let methods = document["verificationMethod"].as_array().unwrap();
        let kinds: Vec<&str> = methods.iter().map(|m| m["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["Multikey", "JsonWebKey", "JsonWebKey"]);
        let ed_jwk = jwk_method_id(did, &ed(key()));
        assert_eq!(
            methods[1]["publicKeyJwk"],
            json!({"kty": "OKP", "crv": "Ed25519", "x": "S96v3i6ovu-t2MaZtcfgcEz1EVTVLheyC3EzfKBMxaU"})
        );
        assert_eq!(resolve_assertion_method(&document, &ed_jwk).unwrap().key, ed(key()));
        let rsa_id = jwk_method_id(did, &rsa);
        let resolved = resolve_assertion_method(&document, &rsa_id).unwrap();
        assert_eq!((resolved.key.clone(), resolved.controller.as_str()), (rsa.clone(), did));
        assert_eq!(resolved.ed25519(), None);
        assert_eq!(assertion_keys(&document).len(), 3);

        let mut profile = Profile::new("https://example.edu/issuers/acme");
        profile.name = Some("Acme".into());
        let document = profile_controller_document(&profile, &[ed(key()), rsa.clone()]).unwrap();
        let rsa_id = jwk_method_id(&profile.id, &rsa);
        assert_eq!(resolve_assertion_method(&document, &rsa_id).unwrap().key, rsa);
        assert!(document["assertionMethod"].as_array().unwrap().contains(&json!(rsa_id)));
    }

    /// Every term of the served documents is defined: our JSON-LD processor (safe mode)
    /// expands them and turns them into RDF, the JWK as a JSON literal.
    #[test]
    fn documents_with_json_web_keys_expand_under_our_json_ld_processor() {
        let rsa = JwtVerificationKey::Rsa { n: vec![0xc5; 256], e: vec![1, 0, 1] };
        let mut profile = Profile::new("https://example.edu/issuers/acme");
        profile.name = Some("Acme".into());
        let documents = [
            profile_controller_document(&profile, &[ed(key()), rsa.clone()]).unwrap(),
            did_web_document("did:web:example.com", &[ed(key()), rsa]),
        ];
        for document in documents {
            let quads = crate::jsonld::to_rdf_dataset(&document).unwrap();
            let text: Vec<String> = quads.iter().map(|q| q.to_string()).collect();
            let jwk_types = text.iter().filter(|q| q.contains("<https://w3id.org/security#JsonWebKey>")).count();
            assert_eq!(jwk_types, 2, "{text:#?}");
            let literals = text
                .iter()
                .filter(|q| q.contains("<https://w3id.org/security#publicKeyJwk>") && q.contains("#JSON>"))
                .count();
            assert_eq!(literals, 2, "{text:#?}");
            assert_eq!(text.iter().filter(|q| q.contains("#assertionMethod>")).count(), 3);
        }
        // Without the inline context the JWK terms are undefined, and safe mode refuses them.
        let mut bare = did_web_document("did:web:example.com", &[ed(key())]);
        bare["@context"] = json!([DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT]);
        assert!(crate::jsonld::to_rdf_dataset(&bare).is_err());
    }
}
