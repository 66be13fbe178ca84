//! Data Integrity proofs with the EdDSA cryptosuites `eddsa-rdfc-2022` and `eddsa-jcs-2022`
//! (W3C "Data Integrity EdDSA Cryptosuites v1.0"), including proof sets.
//!
//! Signing input: `SHA-256(canonical proof config) || SHA-256(canonical document)`, where the proof
//! configuration is the proof without `proofValue` and with the document's `@context`, and the
//! document is the credential without `proof`. `proofValue` is `z` + base58btc(signature).
//! (Verification of `eddsa-jcs-2022` hashes the proof as it comes, with or without `@context`:
//! see `proof_config_for_verification`.)
//!
//! Verification (never signing) also accepts the legacy Linked Data proof type
//! `Ed25519Signature2020` (W3C CCG "Ed25519Signature2020", as the Digital Bazaar suite
//! `@digitalbazaar/ed25519-signature-2020` implements it), which credentials of the Digital
//! Credentials Consortium stack carry: the same signing input with RDFC-1.0 (URDNA2015), the proof
//! options taking the document's `@context` (which must list [`ED25519_2020_CONTEXT`]), and the same
//! `proofValue` encoding. Its proofs go through the same limits and resolvers as the others.
//!
//! RDFC-1.0 runs under [`canon::CanonLimits`]: [`verify_proofs_with_limits`] and
//! [`canonicalize_with_limits`] take them from the caller, who can try a small time budget
//! first and a larger one when [`ProofError::is_over_budget`].

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
/// The legacy proof type that is verified, never created.
pub const ED25519_SIGNATURE_2020: &str = "Ed25519Signature2020";
/// The context of [`ED25519_SIGNATURE_2020`], which a document with such a proof must list.
pub const ED25519_2020_CONTEXT: &str = "https://w3id.org/security/suites/ed25519-2020/v1";

/// What a proof's `type` (and `cryptosuite`) select, for verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProofSuite {
    DataIntegrity(Cryptosuite),
    Ed25519Signature2020,
}

impl ProofSuite {
    /// How the document and proof options are canonicalized: Ed25519Signature2020 is RDFC-1.0
    /// (URDNA2015) with the same proof-options rule as `eddsa-rdfc-2022`.
    fn canonicalization(self) -> Cryptosuite {
        match self {
            ProofSuite::DataIntegrity(suite) => suite,
            ProofSuite::Ed25519Signature2020 => Cryptosuite::EddsaRdfc2022,
        }
    }
}

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
    #[error("unsupported proof type {0} (expected DataIntegrityProof or Ed25519Signature2020)")]
    UnsupportedProofType(String),
    #[error("an {proof_type} proof needs the document's @context to list {context}")]
    MissingSuiteContext { proof_type: &'static str, context: &'static str },
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
    #[error("previousProof names {0}, and no proof of the document has that id")]
    PreviousProofMissing(String),
}

impl ProofError {
    /// True when canonicalization ran out of its time or work budget
    /// ([`CanonError::TimeLimitExceeded`], [`CanonError::WorkLimitExceeded`]): the document may
    /// still verify with a larger budget, so a caller that tried a small one first can try again
    /// with the full one. Every other error (including the fixed bounds on quads, blank nodes and
    /// recursion depth) is an answer about the document, not about the budget.
    pub fn is_over_budget(&self) -> bool {
        matches!(
            self,
            ProofError::Canonicalization(CanonError::TimeLimitExceeded { .. } | CanonError::WorkLimitExceeded { .. })
        )
    }
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
    /// Ids of the document's existing proofs this one follows (`previousProof`, a proof
    /// chain): the new proof then covers the document with those proofs in it.
    pub previous_proof: Vec<String>,
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
            previous_proof: Vec::new(),
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

/// Canonicalizes a JSON(-LD) value per the suite, with the default [`canon::CanonLimits`].
pub fn canonicalize(value: &Value, suite: Cryptosuite) -> Result<String, ProofError> {
    canonicalize_with_limits(value, suite, &canon::CanonLimits::default())
}

/// Canonicalizes a JSON(-LD) value per the suite; RDFC-1.0 runs under `limits` (JCS needs none:
/// its cost is linear in the document). Their `max_time` counts from the start of JSON-LD
/// processing, and a `deadline` that has passed stops before it.
pub fn canonicalize_with_limits(
    value: &Value,
    suite: Cryptosuite,
    limits: &canon::CanonLimits,
) -> Result<String, ProofError> {
    canonicalize_in(value, suite, limits, &jsonld::ContextBudget::new())
}

/// [`canonicalize_with_limits`] with JSON-LD context processing spending from `budget`.
fn canonicalize_in(
    value: &Value,
    suite: Cryptosuite,
    limits: &canon::CanonLimits,
    budget: &jsonld::ContextBudget,
) -> Result<String, ProofError> {
    match suite {
        Cryptosuite::EddsaRdfc2022 => {
            let limits = limits.with_deadline_from_now();
            limits.check_deadline()?;
            let canonical =
                jsonld::with_rendered_dataset(value, budget, |quads| canon::canonicalize_rendered(quads, &limits))??;
            Ok(canonical.nquads)
        }
        Cryptosuite::EddsaJcs2022 => {
            serde_json_canonicalizer::to_string(value).map_err(|e| ProofError::Jcs(e.to_string()))
        }
    }
}

/// Computes the signing input of `unsecured` (no `proof`) under `proof_config` (no `proofValue`).
pub fn signing_input(unsecured: &Value, proof_config: &Value, suite: Cryptosuite) -> Result<SigningInput, ProofError> {
    let limits = canon::CanonLimits::default().with_deadline_from_now();
    let budget = jsonld::ContextBudget::new();
    let canonical_document = canonicalize_in(unsecured, suite, &limits, &budget)?;
    signing_input_with_document(canonical_document, proof_config, suite, &limits, &budget)
}

fn signing_input_with_document(
    canonical_document: String,
    proof_config: &Value,
    suite: Cryptosuite,
    limits: &canon::CanonLimits,
    budget: &jsonld::ContextBudget,
) -> Result<SigningInput, ProofError> {
    let canonical_proof_config = canonicalize_in(proof_config, suite, limits, budget)?;
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
    for (key, value) in
        [("id", &opts.id), ("expires", &opts.expires), ("challenge", &opts.challenge), ("domain", &opts.domain)]
    {
        if let Some(v) = value {
            proof.insert(key.into(), v.clone().into());
        }
    }
    match opts.previous_proof.as_slice() {
        [] => {}
        [one] => {
            proof.insert("previousProof".into(), one.clone().into());
        }
        many => {
            proof.insert("previousProof".into(), many.to_vec().into());
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
/// The new proof covers the document without any existing proof (a proof set), unless
/// `opts.previous_proof` names existing proofs: then it covers the document with those (a
/// proof chain).
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
    let unsecured = unsecured(doc, map);
    let chained = if opts.previous_proof.is_empty() {
        None
    } else {
        chained_document(&unsecured, &config, &existing_proofs(map)?)?
    };
    let input = signing_input(chained.as_ref().unwrap_or(&unsecured), &config, opts.cryptosuite)?;
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
    pub fn insert_multikey(
        &mut self,
        verification_method: impl Into<String>,
        multikey: &str,
    ) -> Result<&mut Self, ResolveError> {
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
    /// The proof's `cryptosuite`; for an [`ED25519_SIGNATURE_2020`] proof, which has none, that
    /// proof type, so a report names the suite either way.
    pub cryptosuite: Option<String>,
    pub verification_method: Option<String>,
    /// `Ok(())` if this proof verifies.
    pub result: Result<(), ProofError>,
}

impl ProofOutcome {
    pub fn is_verified(&self) -> bool {
        self.result.is_ok()
    }

    /// True when this proof could not be checked within the canonicalization budget
    /// (see [`ProofError::is_over_budget`]).
    pub fn is_over_budget(&self) -> bool {
        self.result.as_ref().err().is_some_and(ProofError::is_over_budget)
    }

    fn failed(index: usize, error: ProofError) -> Self {
        ProofOutcome { index, cryptosuite: None, verification_method: None, result: Err(error) }
    }
}

/// True if there is at least one outcome and all verified.
pub fn all_verified(outcomes: &[ProofOutcome]) -> bool {
    !outcomes.is_empty() && outcomes.iter().all(ProofOutcome::is_verified)
}

/// Verifies every proof of `doc` with the default [`canon::CanonLimits`]. Document-level problems
/// give a single failed outcome.
pub fn verify_proofs(doc: &Value, resolver: &dyn VerificationMethodResolver) -> Vec<ProofOutcome> {
    verify_proofs_with_limits(doc, resolver, &canon::CanonLimits::default())
}

/// [`verify_proofs`] with RDFC-1.0 under `limits`. Their `max_time` is one budget for the whole
/// call (every proof and proof configuration), not one per canonicalization, and so is the
/// JSON-LD context-processing budget. A proof whose outcome [`ProofOutcome::is_over_budget`] may
/// verify with a larger time or work budget.
pub fn verify_proofs_with_limits(
    doc: &Value,
    resolver: &dyn VerificationMethodResolver,
    limits: &canon::CanonLimits,
) -> Vec<ProofOutcome> {
    let limits = limits.with_deadline_from_now();
    let budget = jsonld::ContextBudget::new();
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
            let result = match chained_document(&unsecured, proof, &proofs) {
                // A proof of a chain covers the document with the proofs it names before it.
                Ok(Some(chained)) => verify_one(&chained, proof, resolver, &mut HashMap::new(), &limits, &budget),
                Ok(None) => verify_one(&unsecured, proof, resolver, &mut canonical_documents, &limits, &budget),
                Err(e) => Err(e),
            };
            let legacy = field("type").filter(|t| t == ED25519_SIGNATURE_2020);
            ProofOutcome {
                index,
                cryptosuite: field("cryptosuite").or(legacy),
                verification_method: field("verificationMethod"),
                result,
            }
        })
        .collect()
}

/// For a proof that names earlier proofs in `previousProof` (a proof chain, Data Integrity
/// 1.0 "Verify Proof Sets and Chains"): the unsecured document with `proof` set to the
/// proofs it names, in the order named. `None` for a proof outside a chain. A named id that
/// no proof of the document has is an error. The proofs are at most [`MAX_PROOFS`], so this
/// is bounded.
fn chained_document(unsecured: &Value, proof: &Value, all: &[Value]) -> Result<Option<Value>, ProofError> {
    let ids: Vec<&str> = match proof.get("previousProof") {
        None => return Ok(None),
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| {
                v.as_str().ok_or_else(|| ProofError::InvalidField {
                    field: "previousProof",
                    reason: "expected a string or a list of strings".into(),
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ProofError::InvalidField {
                field: "previousProof",
                reason: "expected a string or a non-empty list of strings".into(),
            });
        }
    };
    let mut matching = Vec::with_capacity(ids.len());
    for id in ids {
        let found = all
            .iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| ProofError::PreviousProofMissing(id.to_owned()))?;
        matching.push(found.clone());
    }
    let mut chained = unsecured.clone();
    if let Some(map) = chained.as_object_mut() {
        map.insert("proof".into(), Value::Array(matching));
    }
    Ok(Some(chained))
}

/// A parsed and checked proof object.
struct ParsedProof<'a> {
    suite: ProofSuite,
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
    let suite = match proof_type {
        PROOF_TYPE => ProofSuite::DataIntegrity(required_str(map, "cryptosuite")?.parse()?),
        ED25519_SIGNATURE_2020 => ProofSuite::Ed25519Signature2020,
        other => return Err(ProofError::UnsupportedProofType(other.to_owned())),
    };
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

/// The proof configuration to hash, and the document to hash when it is not `unsecured` itself.
///
/// A proof's own `@context`, if any, must start the document's, in order (else
/// [`ProofError::ContextMismatch`]). Then, per suite:
///
/// - `eddsa-jcs-2022` (vc-di-eddsa §3.3.2 Verify Proof and §3.3.5 Proof Configuration): the
///   configuration is the proof as it is, without `proofValue`; a proof that carries no
///   `@context` (its creator skipped §3.3.1 step 2, which some implementations do) was signed
///   without one, and one that carries it was signed with it, so removing it breaks the
///   signature. When the proof has a `@context`, the document is hashed with that `@context`: a
///   document whose `@context` adds entries after the proof's still verifies.
/// - `eddsa-rdfc-2022`: a proof without `@context` gets the document's (§3.2.5 Proof
///   Configuration); one with its own keeps it.
fn proof_config_for_verification(
    suite: Cryptosuite,
    config: Map<String, Value>,
    unsecured: &Value,
) -> Result<(Value, Option<Value>), ProofError> {
    let doc_context = unsecured.get("@context");
    let Some(proof_context) = config.get("@context") else {
        return Ok(match suite {
            Cryptosuite::EddsaJcs2022 => (Value::Object(config), None),
            Cryptosuite::EddsaRdfc2022 => (with_document_context(config, unsecured), None),
        });
    };
    let as_list = |v: &Value| match v {
        Value::Array(a) => a.clone(),
        single => vec![single.clone()],
    };
    let doc_list = doc_context.map(as_list).unwrap_or_default();
    let proof_list = as_list(proof_context);
    if proof_list.len() > doc_list.len() || doc_list[..proof_list.len()] != proof_list[..] {
        return Err(ProofError::ContextMismatch);
    }
    let document = match (suite, unsecured) {
        (Cryptosuite::EddsaJcs2022, Value::Object(doc)) if doc_context != Some(proof_context) => {
            let mut doc = doc.clone();
            doc.insert("@context".into(), proof_context.clone());
            Some(Value::Object(doc))
        }
        _ => None,
    };
    Ok((Value::Object(config), document))
}

/// True when the document's `@context` (a string or an array) lists `url`.
fn lists_context(document: &Value, url: &str) -> bool {
    match document.get("@context") {
        Some(Value::String(s)) => s == url,
        Some(Value::Array(items)) => items.iter().any(|item| item.as_str() == Some(url)),
        _ => false,
    }
}

fn verify_one(
    unsecured: &Value,
    proof: &Value,
    resolver: &dyn VerificationMethodResolver,
    canonical_documents: &mut HashMap<Cryptosuite, Result<String, ProofError>>,
    limits: &canon::CanonLimits,
    budget: &jsonld::ContextBudget,
) -> Result<(), ProofError> {
    let parsed = parse_proof(proof)?;
    if parsed.suite == ProofSuite::Ed25519Signature2020 && !lists_context(unsecured, ED25519_2020_CONTEXT) {
        // As the Digital Bazaar suite does: without its context the proof's terms are undefined.
        return Err(ProofError::MissingSuiteContext {
            proof_type: ED25519_SIGNATURE_2020,
            context: ED25519_2020_CONTEXT,
        });
    }
    let suite = parsed.suite.canonicalization();
    let public_key = resolver.resolve(parsed.verification_method).map_err(|e| match e {
        ResolveError::InvalidKey(MultibaseError::WrongLength(n)) => ProofError::WrongKeyLength(n),
        other => ProofError::KeyNotResolvable(other),
    })?;
    let verifying_key = VerifyingKey::from_bytes(&public_key)
        .map_err(|_| ProofError::KeyNotResolvable(ResolveError::InvalidKey(MultibaseError::WrongCodec("public"))))?;
    let (config, own_document) = proof_config_for_verification(suite, parsed.config, unsecured)?;
    let canonical_document = match &own_document {
        // A document hashed with the proof's own @context is this proof's alone.
        Some(document) => canonicalize_in(document, suite, limits, budget)?,
        None => canonical_documents
            .entry(suite)
            .or_insert_with(|| canonicalize_in(unsecured, suite, limits, budget))
            .clone()?,
    };
    let input = signing_input_with_document(canonical_document, &config, suite, limits, budget)?;
    verifying_key.verify_strict(&input.data_to_sign(), &parsed.signature).map_err(|_| ProofError::SignatureInvalid)
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
        let vm =
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        assert!(DidKeyResolver.resolve(vm).is_ok());
        let bad = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#other";
        assert!(matches!(DidKeyResolver.resolve(bad), Err(ResolveError::MalformedDidKey { .. })));
        assert!(matches!(DidKeyResolver.resolve("https://x/k"), Err(ResolveError::Unknown(_))));
    }

    fn jcs_key() -> (SigningKey, String) {
        let key = SigningKey::from_bytes(&[3; 32]);
        let mk = multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
        (key, format!("did:key:{mk}#{mk}"))
    }

    fn jcs_document() -> Value {
        serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:8f3b0c5e-36a1-4c1e-9d59-1c2d3e4f5a6b",
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:subject"}
        })
    }

    fn jcs_signed() -> Value {
        let (key, vm) = jcs_key();
        let opts = ProofOptions::new(Cryptosuite::EddsaJcs2022, vm).with_created("2024-01-01T00:00:00Z");
        add_proof(&jcs_document(), &key, &opts).unwrap()
    }

    fn first_result(doc: &Value) -> Result<(), ProofError> {
        verify_proofs(doc, &DidKeyResolver).remove(0).result
    }

    /// vc-di-eddsa §3.3.1 step 2 (copy the document's `@context` into the proof) is one some
    /// implementations skip: such a proof was signed over the proof options as they are.
    #[test]
    fn jcs_proof_made_without_the_document_context_verifies() {
        let (key, vm) = jcs_key();
        let doc = jcs_document();
        let mut proof = Map::new();
        proof.insert("type".into(), PROOF_TYPE.into());
        proof.insert("cryptosuite".into(), "eddsa-jcs-2022".into());
        proof.insert("created".into(), "2024-01-01T00:00:00Z".into());
        proof.insert("verificationMethod".into(), vm.into());
        proof.insert("proofPurpose".into(), "assertionMethod".into());
        let input = signing_input(&doc, &Value::Object(proof.clone()), Cryptosuite::EddsaJcs2022).unwrap();
        assert!(!input.canonical_proof_config.contains("@context"));
        let signature = key.sign(&input.data_to_sign());
        proof.insert("proofValue".into(), multibase::encode_base58btc(&signature.to_bytes()).into());
        let mut signed = doc;
        signed["proof"] = Value::Object(proof);
        assert_eq!(first_result(&signed), Ok(()));
        // The proof as it comes is what was signed: adding the document's @context breaks it.
        signed["proof"]["@context"] = signed["@context"].clone();
        assert_eq!(first_result(&signed), Err(ProofError::SignatureInvalid));
    }

    #[test]
    fn jcs_proof_signed_with_its_context_fails_without_it() {
        let mut signed = jcs_signed();
        assert!(signed["proof"].get("@context").is_some());
        assert_eq!(first_result(&signed), Ok(()));
        signed["proof"].as_object_mut().unwrap().remove("@context");
        assert_eq!(first_result(&signed), Err(ProofError::SignatureInvalid));
    }

    /// vc-di-eddsa §3.3.2 step 4: the document's `@context` must start with the proof's, and the
    /// document is then hashed with the proof's.
    #[test]
    fn jcs_document_context_must_start_with_the_proof_context() {
        let signed = jcs_signed();
        let mut extended = signed.clone();
        extended["@context"].as_array_mut().unwrap().push("https://www.w3.org/ns/credentials/examples/v2".into());
        assert_eq!(first_result(&extended), Ok(()));

        let mut other = signed.clone();
        other["@context"] = serde_json::json!([
            "https://www.w3.org/ns/credentials/examples/v2",
            "https://www.w3.org/ns/credentials/v2"
        ]);
        let error = first_result(&other).unwrap_err();
        assert_eq!(error, ProofError::ContextMismatch);
        assert!(error.to_string().contains("proof @context must be the start of the document @context"), "{error}");

        let mut shorter = signed;
        shorter.as_object_mut().unwrap().remove("@context");
        assert_eq!(first_result(&shorter), Err(ProofError::ContextMismatch));
    }

    #[test]
    fn only_time_and_work_limits_are_over_budget() {
        let over = [CanonError::TimeLimitExceeded { limit_ms: 20 }, CanonError::WorkLimitExceeded { limit: 5 }];
        for e in over {
            assert!(ProofError::Canonicalization(e).is_over_budget());
        }
        let not_over = [
            ProofError::Canonicalization(CanonError::TooDeep { limit: 128 }),
            ProofError::Canonicalization(CanonError::TooManyBlankNodes { found: 2, limit: 1 }),
            ProofError::Canonicalization(CanonError::TooManyQuads { found: 2, limit: 1 }),
            ProofError::SignatureInvalid,
            ProofError::ContextMismatch,
        ];
        for e in not_over {
            assert!(!e.is_over_budget(), "{e}");
        }
    }

    #[test]
    fn now_is_rfc3339_with_z() {
        let now = now_utc();
        assert!(now.ends_with('Z'), "{now}");
        assert!(check_time("created", Some(&now)).is_ok());
    }
}
