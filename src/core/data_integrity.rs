//! Data Integrity proofs with the EdDSA cryptosuites `eddsa-rdfc-2022` and `eddsa-jcs-2022`
//! (W3C "Data Integrity EdDSA Cryptosuites v1.0"), including proof sets.
//!
//! Signing input: `SHA-256(canonical proof config) || SHA-256(canonical document)`, where the proof
//! configuration is the proof without `proofValue` and with the document's `@context`, and the
//! document is the credential without `proof`. `proofValue` is `z` + base58btc(signature).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::canon::{self, CanonError};
use super::jsonld::{self, JsonLdError};
use super::multibase::{self, MultibaseError};

/// Maximum JSON nesting depth of a document to sign or verify.
pub const MAX_DEPTH: usize = 64;
/// Maximum number of proofs in a proof set.
pub const MAX_PROOFS: usize = 16;
/// The only proof type of these cryptosuites.
pub const PROOF_TYPE: &str = "DataIntegrityProof";

/// A supported cryptosuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Cryptosuite {
    /// RDF Dataset Canonicalization (RDFC-1.0) of the JSON-LD document.
    #[default]
    EddsaRdfc2022,
    /// JSON Canonicalization Scheme (RFC 8785) of the JSON document.
    EddsaJcs2022,
}

impl Cryptosuite {
    /// The `cryptosuite` value, e.g. `eddsa-rdfc-2022`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cryptosuite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Cryptosuite::EddsaJcs2022 => "eddsa-jcs-2022",
        }
    }
}

impl fmt::Display for Cryptosuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Cryptosuite {
    type Err = ProofError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "eddsa-rdfc-2022" => Ok(Cryptosuite::EddsaRdfc2022),
            "eddsa-jcs-2022" => Ok(Cryptosuite::EddsaJcs2022),
            other => Err(ProofError::UnknownCryptosuite(other.to_owned())),
        }
    }
}

/// Why a verification method could not be turned into an Ed25519 public key.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// No resolver knows this verification method.
    #[error("verification method {0} is unknown to this verifier")]
    Unknown(String),
    /// The identifier is not a well-formed did:key Ed25519 verification method.
    #[error("malformed did:key verification method {vm}: {reason}")]
    MalformedDidKey { vm: String, reason: String },
    /// The key bytes are not a usable Ed25519 public key.
    #[error("invalid Ed25519 public key: {0}")]
    InvalidKey(#[from] MultibaseError),
    /// The key's controller document could not be obtained, so the proof can be
    /// checked neither way; the message says what was tried and why it failed.
    #[error("{0}")]
    Unavailable(String),
    /// The controller document was obtained but does not give this key for assertions.
    #[error("{0}")]
    Refused(String),
}

/// Every way creating or verifying a proof can fail; each names the failing check.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProofError {
    #[error("document must be a JSON object")]
    NotAnObject,
    #[error("document is nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("document has no proof")]
    NoProof,
    #[error("document has {found} proofs, more than the limit of {limit}")]
    TooManyProofs { found: usize, limit: usize },
    #[error("proof is not a JSON object")]
    ProofNotAnObject,
    #[error("proof is missing required field {0}")]
    MissingField(&'static str),
    #[error("proof field {field} is invalid: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("unsupported proof type {0} (expected DataIntegrityProof)")]
    UnsupportedProofType(String),
    #[error("unknown cryptosuite {0}")]
    UnknownCryptosuite(String),
    #[error("invalid created date {0} (expected an RFC 3339 date-time with time zone)")]
    InvalidCreated(String),
    #[error("malformed proofValue: {0}")]
    MalformedProofValue(String),
    #[error("verification method could not be resolved: {0}")]
    KeyNotResolvable(ResolveError),
    #[error("public key must be 32 bytes, got {0}")]
    WrongKeyLength(usize),
    #[error("proof @context must be the start of the document @context, in order")]
    ContextMismatch,
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(#[from] JsonLdError),
    #[error("canonicalization failed: {0}")]
    Canonicalization(#[from] CanonError),
    #[error("JSON canonicalization failed: {0}")]
    Jcs(String),
    #[error("signature invalid: the document, the proof options or the key do not match the signature")]
    SignatureInvalid,
}

/// Options of a new proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofOptions {
    pub cryptosuite: Cryptosuite,
    /// URL of the public key (e.g. `did:key:z6Mk...#z6Mk...` or an https URL).
    pub verification_method: String,
    /// RFC 3339 date-time with `Z`; `None` omits `created`.
    pub created: Option<String>,
    /// Usually `assertionMethod`.
    pub proof_purpose: String,
    /// Optional `id` of the proof.
    pub id: Option<String>,
    /// Optional `expires`, RFC 3339.
    pub expires: Option<String>,
    /// Optional `challenge` and `domain` (for presentations).
    pub challenge: Option<String>,
    pub domain: Option<String>,
}

impl ProofOptions {
    /// Options with the given suite and method, `assertionMethod`, no `created`.
    pub fn new(cryptosuite: Cryptosuite, verification_method: impl Into<String>) -> Self {
        ProofOptions {
            cryptosuite,
            verification_method: verification_method.into(),
            created: None,
            proof_purpose: "assertionMethod".into(),
            id: None,
            expires: None,
            challenge: None,
            domain: None,
        }
    }

    /// Sets `created`.
    pub fn with_created(mut self, created: impl Into<String>) -> Self {
        self.created = Some(created.into());
        self
    }
}

/// The current UTC time in the `2024-01-01T12:00:00Z` form used for `created`.
pub fn now_utc() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Everything between the documents and the signature, for tests and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningInput {
    pub cryptosuite: Cryptosuite,
    /// Canonical form of the document without `proof` (N-Quads or JCS).
    pub canonical_document: String,
    /// Canonical form of the proof configuration (N-Quads or JCS).
    pub canonical_proof_config: String,
    pub document_hash: [u8; 32],
    pub proof_config_hash: [u8; 32],
}

impl SigningInput {
    /// The 64 bytes that are signed: proof config hash then document hash.
    pub fn data_to_sign(&self) -> [u8; 64] {
        let mut data = [0u8; 64];
        data[..32].copy_from_slice(&self.proof_config_hash);
        data[32..].copy_from_slice(&self.document_hash);
        data
    }
}

/// Canonicalizes a JSON(-LD) value per the suite.
pub fn canonicalize(value: &Value, suite: Cryptosuite) -> Result<String, ProofError> {
    match suite {
        Cryptosuite::EddsaRdfc2022 => {
            let limits = canon::CanonLimits::default();
            let budget = jsonld::ContextBudget::new();
            let canonical = jsonld::with_rendered_dataset(value, &budget, |quads| canon::canonicalize_rendered(quads, &limits))??;
            Ok(canonical.nquads)
        }
        Cryptosuite::EddsaJcs2022 => {
            serde_json_canonicalizer::to_string(value).map_err(|e| ProofError::Jcs(e.to_string()))
        }
    }
}

/// Computes the signing input of `unsecured` (no `proof`) under `proof_config` (no `proofValue`).
pub fn signing_input(unsecured: &Value, proof_config: &Value, suite: Cryptosuite) -> Result<SigningInput, ProofError> {
    let canonical_document = canonicalize(unsecured, suite)?;
    signing_input_with_document(canonical_document, proof_config, suite)
}

fn signing_input_with_document(
    canonical_document: String,
    proof_config: &Value,
    suite: Cryptosuite,
) -> Result<SigningInput, ProofError> {
    let canonical_proof_config = canonicalize(proof_config, suite)?;
    Ok(SigningInput {
        cryptosuite: suite,
        document_hash: Sha256::digest(canonical_document.as_bytes()).into(),
        proof_config_hash: Sha256::digest(canonical_proof_config.as_bytes()).into(),
        canonical_document,
        canonical_proof_config,
    })
}

/// The proof configuration for `opts`: the proof without `proofValue`, with the document's `@context`.
pub fn proof_config(doc: &Value, opts: &ProofOptions) -> Result<Value, ProofError> {
    check_time("created", opts.created.as_deref())?;
    check_time("expires", opts.expires.as_deref())?;
    let mut proof = Map::new();
    proof.insert("type".into(), PROOF_TYPE.into());
    proof.insert("cryptosuite".into(), opts.cryptosuite.as_str().into());
    if let Some(created) = &opts.created {
        proof.insert("created".into(), created.clone().into());
    }
    proof.insert("verificationMethod".into(), opts.verification_method.clone().into());
    proof.insert("proofPurpose".into(), opts.proof_purpose.clone().into());
    for (key, value) in [("id", &opts.id), ("expires", &opts.expires), ("challenge", &opts.challenge), ("domain", &opts.domain)] {
        if let Some(v) = value {
            proof.insert(key.into(), v.clone().into());
        }
    }
    Ok(with_document_context(proof, doc))
}

fn with_document_context(mut proof: Map<String, Value>, doc: &Value) -> Value {
    if let Some(ctx) = doc.get("@context") {
        proof.insert("@context".into(), ctx.clone());
    }
    Value::Object(proof)
}

fn check_time(field: &'static str, value: Option<&str>) -> Result<(), ProofError> {
    let Some(value) = value else {
        return Ok(());
    };
    let parsed = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339);
    match (parsed, field) {
        (Ok(_), _) => Ok(()),
        (Err(_), "created") => Err(ProofError::InvalidCreated(value.to_owned())),
        (Err(e), field) => Err(ProofError::InvalidField { field, reason: format!("{value}: {e}") }),
    }
}

fn check_document(doc: &Value) -> Result<&Map<String, Value>, ProofError> {
    let map = doc.as_object().ok_or(ProofError::NotAnObject)?;
    jsonld::check_depth(doc, MAX_DEPTH).map_err(|_| ProofError::TooDeep(MAX_DEPTH))?;
    Ok(map)
}

/// The document without its `proof` entry (borrowed when it has none, to avoid a deep copy).
fn unsecured<'a>(doc: &'a Value, map: &Map<String, Value>) -> Cow<'a, Value> {
    if !map.contains_key("proof") {
        return Cow::Borrowed(doc);
    }
    let copy = map.iter().filter(|(key, _)| *key != "proof").map(|(k, v)| (k.clone(), v.clone())).collect();
    Cow::Owned(Value::Object(copy))
}

/// The existing proofs of a document (a single object or an array), bounded by [`MAX_PROOFS`].
fn existing_proofs(map: &Map<String, Value>) -> Result<Vec<Value>, ProofError> {
    let proofs = match map.get("proof") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(single) => vec![single.clone()],
    };
    if proofs.len() > MAX_PROOFS {
        return Err(ProofError::TooManyProofs { found: proofs.len(), limit: MAX_PROOFS });
    }
    Ok(proofs)
}

/// Signs `doc` and returns it with the new proof added (to a proof set if it already has proofs).
///
/// The new proof covers the document without any existing proof (a proof set, not a chain).
pub fn add_proof(doc: &Value, key: &SigningKey, opts: &ProofOptions) -> Result<Value, ProofError> {
    let map = check_document(doc)?;
    let (proof, _) = create_checked_proof(doc, map, key, opts)?;
    let mut proofs = existing_proofs(map)?;
    if proofs.len() >= MAX_PROOFS {
        return Err(ProofError::TooManyProofs { found: proofs.len() + 1, limit: MAX_PROOFS });
    }
    proofs.push(proof);
    let mut signed = map.clone();
    let proof_value = if proofs.len() == 1 { proofs.remove(0) } else { Value::Array(proofs) };
    signed.insert("proof".into(), proof_value);
    Ok(Value::Object(signed))
}

/// Creates a proof over `doc` (without its `proof`), returning the proof object and its signing input.
pub fn create_proof(doc: &Value, key: &SigningKey, opts: &ProofOptions) -> Result<(Value, SigningInput), ProofError> {
    let map = check_document(doc)?;
    create_checked_proof(doc, map, key, opts)
}

/// [`create_proof`] for a document that already passed [`check_document`] (`map` is its object).
fn create_checked_proof(
    doc: &Value,
    map: &Map<String, Value>,
    key: &SigningKey,
    opts: &ProofOptions,
) -> Result<(Value, SigningInput), ProofError> {
    let config = proof_config(doc, opts)?;
    let input = signing_input(&unsecured(doc, map), &config, opts.cryptosuite)?;
    let signature = key.sign(&input.data_to_sign());
    let mut proof = match config {
        Value::Object(m) => m,
        _ => return Err(ProofError::ProofNotAnObject),
    };
    if opts.cryptosuite == Cryptosuite::EddsaRdfc2022 {
        // eddsa-rdfc-2022 proofs inherit the document's context; eddsa-jcs-2022 proofs keep it.
        proof.remove("@context");
    }
    proof.insert("proofValue".into(), multibase::encode_base58btc(&signature.to_bytes()).into());
    Ok((Value::Object(proof), input))
}

/// Turns a verification method URL into an Ed25519 public key.
pub trait VerificationMethodResolver {
    /// The 32-byte Ed25519 public key of `verification_method`.
    fn resolve(&self, verification_method: &str) -> Result<[u8; 32], ResolveError>;
}

/// Resolves `did:key:z6Mk...` and `did:key:z6Mk...#z6Mk...` (Ed25519) offline.
#[derive(Debug, Clone, Copy, Default)]
pub struct DidKeyResolver;

impl VerificationMethodResolver for DidKeyResolver {
    fn resolve(&self, vm: &str) -> Result<[u8; 32], ResolveError> {
        let malformed = |reason: &str| ResolveError::MalformedDidKey { vm: vm.to_owned(), reason: reason.to_owned() };
        let rest = vm.strip_prefix("did:key:").ok_or_else(|| ResolveError::Unknown(vm.to_owned()))?;
        let (id, fragment) = match rest.split_once('#') {
            Some((id, fragment)) => (id, Some(fragment)),
            None => (rest, None),
        };
        if fragment.is_some_and(|f| f != id) {
            return Err(malformed("fragment must repeat the method-specific identifier"));
        }
        if !id.starts_with("z6Mk") {
            return Err(malformed("not an Ed25519 did:key (expected z6Mk...)"));
        }
        Ok(multibase::decode_ed25519_public(id)?)
    }
}

/// Resolves from a fixed map (verification method URL → public key), then optionally did:key.
#[derive(Debug, Clone, Default)]
pub struct MapResolver {
    keys: HashMap<String, [u8; 32]>,
    /// Also resolve `did:key` methods not in the map.
    pub did_key_fallback: bool,
}

impl MapResolver {
    /// An empty map that also resolves did:key.
    pub fn new() -> Self {
        MapResolver { keys: HashMap::new(), did_key_fallback: true }
    }

    /// Maps `verification_method` to `public_key`.
    pub fn insert(&mut self, verification_method: impl Into<String>, public_key: [u8; 32]) -> &mut Self {
        self.keys.insert(verification_method.into(), public_key);
        self
    }

    /// Maps `verification_method` to a Multikey (`z6Mk...`) public key.
    pub fn insert_multikey(&mut self, verification_method: impl Into<String>, multikey: &str) -> Result<&mut Self, ResolveError> {
        let key = multibase::decode_ed25519_public(multikey)?;
        Ok(self.insert(verification_method, key))
    }
}

impl VerificationMethodResolver for MapResolver {
    fn resolve(&self, vm: &str) -> Result<[u8; 32], ResolveError> {
        match self.keys.get(vm) {
            Some(key) => Ok(*key),
            None if self.did_key_fallback && vm.starts_with("did:key:") => DidKeyResolver.resolve(vm),
            None => Err(ResolveError::Unknown(vm.to_owned())),
        }
    }
}

/// The result of verifying one proof of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofOutcome {
    /// Position in the proof set (0 for a single proof).
    pub index: usize,
    pub cryptosuite: Option<String>,
    pub verification_method: Option<String>,
    /// `Ok(())` if this proof verifies.
    pub result: Result<(), ProofError>,
}

impl ProofOutcome {
    pub fn is_verified(&self) -> bool {
        self.result.is_ok()
    }

    fn failed(index: usize, error: ProofError) -> Self {
        ProofOutcome { index, cryptosuite: None, verification_method: None, result: Err(error) }
    }
}

/// True if there is at least one outcome and all verified.
pub fn all_verified(outcomes: &[ProofOutcome]) -> bool {
    !outcomes.is_empty() && outcomes.iter().all(ProofOutcome::is_verified)
}

/// Verifies every proof of `doc`. Document-level problems give a single failed outcome.
pub fn verify_proofs(doc: &Value, resolver: &dyn VerificationMethodResolver) -> Vec<ProofOutcome> {
    let map = match check_document(doc) {
        Ok(map) => map,
        Err(e) => return vec![ProofOutcome::failed(0, e)],
    };
    let proofs = match existing_proofs(map) {
        Ok(p) if p.is_empty() => return vec![ProofOutcome::failed(0, ProofError::NoProof)],
        Ok(p) => p,
        Err(e) => return vec![ProofOutcome::failed(0, e)],
    };
    let unsecured = unsecured(doc, map);
    let mut canonical_documents: HashMap<Cryptosuite, Result<String, ProofError>> = HashMap::new();
    proofs
        .iter()
        .enumerate()
        .map(|(index, proof)| {
            let field = |name: &str| proof.get(name).and_then(Value::as_str).map(str::to_owned);
            let result = verify_one(&unsecured, proof, resolver, &mut canonical_documents);
            ProofOutcome {
                index,
                cryptosuite: field("cryptosuite"),
                verification_method: field("verificationMethod"),
                result,
            }
        })
        .collect()
}

/// A parsed and checked proof object.
struct ParsedProof<'a> {
    suite: Cryptosuite,
    verification_method: &'a str,
    signature: Signature,
    config: Map<String, Value>,
}

fn required_str<'a>(proof: &'a Map<String, Value>, field: &'static str) -> Result<&'a str, ProofError> {
    match proof.get(field) {
        None => Err(ProofError::MissingField(field)),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(ProofError::InvalidField { field, reason: format!("expected a string, got {other}") }),
    }
}

fn parse_proof(proof: &Value) -> Result<ParsedProof<'_>, ProofError> {
    let map = proof.as_object().ok_or(ProofError::ProofNotAnObject)?;
    let proof_type = required_str(map, "type")?;
    if proof_type != PROOF_TYPE {
        return Err(ProofError::UnsupportedProofType(proof_type.to_owned()));
    }
    let suite: Cryptosuite = required_str(map, "cryptosuite")?.parse()?;
    let verification_method = required_str(map, "verificationMethod")?;
    required_str(map, "proofPurpose")?;
    if map.contains_key("created") {
        check_time("created", Some(required_str(map, "created")?))?;
    }
    if map.contains_key("expires") {
        check_time("expires", Some(required_str(map, "expires")?))?;
    }
    let signature = decode_proof_value(required_str(map, "proofValue")?)?;
    let mut config = map.clone();
    config.remove("proofValue");
    Ok(ParsedProof { suite, verification_method, signature, config })
}

/// Decodes `z` + base58btc of a 64-byte signature.
pub fn decode_proof_value(value: &str) -> Result<Signature, ProofError> {
    if !value.starts_with('z') {
        return Err(ProofError::MalformedProofValue("expected base58btc multibase ('z' prefix)".into()));
    }
    let bytes = multibase::decode(value).map_err(|e| ProofError::MalformedProofValue(e.to_string()))?;
    let bytes: [u8; 64] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| ProofError::MalformedProofValue(format!("signature must be 64 bytes, got {}", bytes.len())))?;
    Ok(Signature::from_bytes(&bytes))
}

/// The proof's own `@context`, if any, must start the document's; otherwise it gets the document's.
fn proof_config_for_verification(mut config: Map<String, Value>, unsecured: &Value) -> Result<Value, ProofError> {
    let doc_context = unsecured.get("@context");
    if let Some(proof_context) = config.get("@context") {
        let as_list = |v: &Value| match v {
            Value::Array(a) => a.clone(),
            single => vec![single.clone()],
        };
        let doc_list = doc_context.map(as_list).unwrap_or_default();
        let proof_list = as_list(proof_context);
        if proof_list.len() > doc_list.len() || doc_list[..proof_list.len()] != proof_list[..] {
            return Err(ProofError::ContextMismatch);
        }
        return Ok(Value::Object(config));
    }
    config.remove("@context");
    Ok(with_document_context(config, unsecured))
}

fn verify_one(
    unsecured: &Value,
    proof: &Value,
    resolver: &dyn VerificationMethodResolver,
    canonical_documents: &mut HashMap<Cryptosuite, Result<String, ProofError>>,
) -> Result<(), ProofError> {
    let parsed = parse_proof(proof)?;
    let public_key = resolver.resolve(parsed.verification_method).map_err(|e| match e {
        ResolveError::InvalidKey(MultibaseError::WrongLength(n)) => ProofError::WrongKeyLength(n),
        other => ProofError::KeyNotResolvable(other),
    })?;
    let verifying_key = VerifyingKey::from_bytes(&public_key)
        .map_err(|_| ProofError::KeyNotResolvable(ResolveError::InvalidKey(MultibaseError::WrongCodec("public"))))?;
    let config = proof_config_for_verification(parsed.config, unsecured)?;
    let canonical_document = canonical_documents
        .entry(parsed.suite)
        .or_insert_with(|| canonicalize(unsecured, parsed.suite))
        .clone()?;
    let input = signing_input_with_document(canonical_document, &config, parsed.suite)?;
    verifying_key
        .verify_strict(&input.data_to_sign(), &parsed.signature)
        .map_err(|_| ProofError::SignatureInvalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cryptosuite_names_round_trip() {
        for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
            assert_eq!(suite.as_str().parse::<Cryptosuite>().unwrap(), suite);
        }
        assert_eq!(
            "ecdsa-rdfc-2019".parse::<Cryptosuite>(),
            Err(ProofError::UnknownCryptosuite("ecdsa-rdfc-2019".into()))
        );
    }

    #[test]
    fn did_key_resolver_checks_the_fragment() {
        let vm = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        assert!(DidKeyResolver.resolve(vm).is_ok());
        let bad = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#other";
        assert!(matches!(DidKeyResolver.resolve(bad), Err(ResolveError::MalformedDidKey { .. })));
        assert!(matches!(DidKeyResolver.resolve("https://x/k"), Err(ResolveError::Unknown(_))));
    }

    #[test]
    fn now_is_rfc3339_with_z() {
        let now = now_utc();
        assert!(now.ends_with('Z'), "{now}");
        assert!(check_time("created", Some(&now)).is_ok());
    }
}
