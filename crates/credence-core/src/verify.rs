//! Credential verification: runs every check on a credential and reports each
//! one, so a caller can say exactly what was verified.
//!
//! The checks here need no network: the document's structure and contexts, each
//! proof, that each proof's key is controlled by the issuer, and the validity
//! window. Status lists and evidence are checked by the service, which can reach
//! them; here a credential that has a `credentialStatus` gets a `skipped` status
//! check.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;
use thiserror::Error;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::canon::CanonLimits;
use super::data_integrity::{self, ProofError, ProofOutcome, ResolveError, VerificationMethodResolver};
use super::did::{self, ResolvedKey};
use super::format::CredentialFormat;
use super::jsonld;
use super::jwt::{self, JwtVerificationKey};
use super::model::{self, OpenBadgeCredential, VerifiableCredential, parse_date_time_z};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Passed,
    Failed,
    Skipped,
    Error,
}

/// One check of a verification, with a plain-language message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: String,
    pub status: CheckStatus,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationReport {
    /// True only when no check failed or erred.
    pub verified: bool,
    pub checks: Vec<Check>,
    /// The credential that was checked (decoded from the JWT for VC-JWT input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<Value>,
    /// A proof could not be checked within the canonicalization budget
    /// ([`VerifyOptions::canon`]): a larger budget might decide it.
    #[serde(skip)]
    pub over_budget: bool,
    /// What the document was seen to be: standard, VC version, securing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<CredentialFormat>,
}

impl VerificationReport {
    pub(crate) fn new(checks: Vec<Check>, credential: Option<Value>) -> Self {
        let verified =
            !checks.is_empty() && checks.iter().all(|c| matches!(c.status, CheckStatus::Passed | CheckStatus::Skipped));
        VerificationReport { verified, checks, credential, over_budget: false, format: None }
    }

    /// The first check that failed or erred.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| matches!(c.status, CheckStatus::Failed | CheckStatus::Error))
    }

    /// One check named `name` that sums up this report of a document held in another (a
    /// CLR's credential, an endorsement) described as `what`: passed, or failed (erred when
    /// nothing failed) with the first failing check.
    pub fn summary(&self, name: &str, what: &str) -> Check {
        match self.first_failure() {
            None => check(name, CheckStatus::Passed, format!("{what} verifies")),
            Some(first) => {
                let status = if self.checks.iter().any(|c| c.status == CheckStatus::Failed) {
                    CheckStatus::Failed
                } else {
                    CheckStatus::Error
                };
                check(name, status, format!("{what} does not verify: {}: {}", first.check, first.message))
            }
        }
    }
}

fn check(name: impl Into<String>, status: CheckStatus, message: impl Into<String>) -> Check {
    Check { check: name.into(), status, message: message.into() }
}

/// What a status list says about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusAnswer {
    /// The bit is set: revoked, or suspended, per the entry's purpose.
    Set,
    /// The bit is clear.
    Clear,
    /// The list could not be obtained or trusted; the reason says why.
    Unknown(String),
}

/// Answers status entries. Lookups are synchronous: a service resolves what it can
/// beforehand (its own lists, fetched ones) and answers from that.
pub trait StatusLookup {
    /// The bit at `index` of the `BitstringStatusListCredential` at `list_url`, for an
    /// entry of a credential of `issuer` (a list answers only for its own issuer's
    /// credentials: a CLR holds credentials of several).
    fn lookup(&self, issuer: &str, list_url: &str, purpose: &str, index: u64) -> StatusAnswer;

    /// Whether the 1EdTech revocation list at `list_url` names `credential_id`, a
    /// credential of `issuer` (`Set`: revoked).
    fn revocation_list(&self, issuer: &str, list_url: &str, credential_id: &str) -> StatusAnswer {
        let _ = (issuer, credential_id);
        StatusAnswer::Unknown(format!("the revocation list {list_url} was not obtained"))
    }
}

/// Everything a verification needs besides the credential.
pub struct VerifyOptions<'a> {
    pub resolver: &'a dyn KeyResolver,
    /// The time at which the validity window is checked.
    pub now: OffsetDateTime,
    /// Status lists; without it, credentials with status entries get a `skipped` status check.
    pub status: Option<&'a dyn StatusLookup>,
    /// The candidate's email, compared against the credential's hashed identifiers.
    pub recipient_email: Option<&'a str>,
    /// Bounds on canonicalizing each proof's document (RDFC-1.0 work and time).
    pub canon: CanonLimits,
}

impl<'a> VerifyOptions<'a> {
    pub fn new(resolver: &'a dyn KeyResolver, now: OffsetDateTime) -> Self {
        VerifyOptions { resolver, now, status: None, recipient_email: None, canon: CanonLimits::default() }
    }
}

/// Why a verification method did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The controller document is not known or could not be obtained: whether the
    /// key is the issuer's cannot be told either way.
    #[error("{0}")]
    Unavailable(String),
    /// The controller document was obtained and does not give this key for assertions.
    #[error("{0}")]
    Refused(String),
}

impl KeyError {
    /// The status of a check that stops at this error: `error` when nothing could be
    /// told, `failed` when the issuer's own document says no.
    pub fn status(&self) -> CheckStatus {
        match self {
            KeyError::Unavailable(_) => CheckStatus::Error,
            KeyError::Refused(_) => CheckStatus::Failed,
        }
    }
}

/// Resolves keys from controller documents: the issuer's own DID document or Profile.
pub trait KeyResolver {
    /// The key of a verification method, with the controller of the document that lists it.
    fn resolve_method(&self, verification_method: &str) -> Result<ResolvedKey, KeyError>;

    /// The assertion keys that `controller` (a DID or Profile URL) lists in its own document.
    fn controller_keys(&self, controller: &str) -> Result<Vec<ResolvedKey>, KeyError>;
}

/// How a proof names the key that made it.
#[derive(Debug, Clone, Copy)]
pub enum KeyReference<'a> {
    /// A verification method id: a Data Integrity proof's `verificationMethod`, a VC-JWT's `kid`.
    Method(&'a str),
    /// A public key carried in the proof itself: a VC-JWT header's `jwk`.
    Embedded(&'a JwtVerificationKey),
}

/// **The one rule by which a key becomes trusted to speak for an issuer.**
///
/// A key is the issuer's only when it is resolved from the issuer's own identifier:
/// a verification method is looked up in its controller's document (a `did:key`
/// resolves to itself; did:web and https Profiles through the documents the
/// resolver was given) and that controller must be the issuer; a key carried in
/// the proof itself (a JWT header `jwk`) proves nothing by itself and is trusted
/// only when it is one of the keys the issuer's own document lists. Every proof
/// format (Data Integrity, VC-JWT, endorsements, fetched status lists) asks this
/// function, and nothing else makes a key the issuer's.
///
/// On success, says which key it was.
pub fn issuer_key(resolver: &dyn KeyResolver, reference: KeyReference<'_>, issuer: &str) -> Result<String, KeyError> {
    match reference {
        KeyReference::Method(vm) => {
            let key = resolver.resolve_method(vm)?;
            if key.controller == issuer {
                Ok(key.id)
            } else {
                Err(KeyError::Refused(format!(
                    "the signing key {vm} is controlled by {}, not by {issuer}",
                    key.controller
                )))
            }
        }
        KeyReference::Embedded(embedded) => {
            let listed = resolver.controller_keys(issuer).map_err(|e| match e {
                KeyError::Unavailable(why) => KeyError::Unavailable(format!(
                    "the issuer's keys, to compare the key carried in the proof with, could not be obtained: {why}"
                )),
                KeyError::Refused(why) => KeyError::Refused(format!("{issuer} lists no usable key: {why}")),
            })?;
            listed.into_iter().find(|k| k.controller == issuer && k.key == *embedded).map(|k| k.id).ok_or_else(|| {
                KeyError::Refused(format!(
                    "the key carried in the token's header is not one of the keys {issuer} lists; \
                         a key that travels with a credential proves nothing about who signed it"
                ))
            })
        }
    }
}

/// True when the checks show that the issuer itself signed: at least one proof,
/// every proof passed, at least one proof's key was found to be the issuer's by
/// [`issuer_key`], and every other proof's key its own co-signer's. Only then may a
/// report say who issued the credential; otherwise the document merely claims its issuer.
pub fn issuer_proven(checks: &[Check]) -> bool {
    let named = |prefix: &'static str| checks.iter().filter(move |c| c.check.starts_with(prefix));
    let proofs = named("proof[").count();
    proofs > 0
        && named("proof[").all(|c| c.status == CheckStatus::Passed)
        && named("issuer[").count() > 0
        && named("issuer[").count() + named("cosigner[").count() == proofs
        && named("issuer[").all(|c| c.status == CheckStatus::Passed)
        && named("cosigner[").all(|c| c.status == CheckStatus::Passed)
}

/// Resolves `did:key` methods, and others from controller documents (DID documents
/// or Profiles listing their keys) given in advance, keyed by document URL.
#[derive(Debug, Clone, Default)]
pub struct OfflineResolver {
    documents: HashMap<String, Value>,
    /// Documents that could not be obtained, with the reason.
    unavailable: HashMap<String, String>,
}

impl OfflineResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes every document of `other`.
    pub fn extend(&mut self, other: OfflineResolver) {
        self.documents.extend(other.documents);
        self.unavailable.extend(other.unavailable);
    }

    /// Records that the controller document at `url` could not be obtained, and why
    /// (the whole sentence a report shows, e.g. "... could not be fetched: ...").
    pub fn add_unavailable(&mut self, url: impl Into<String>, reason: impl Into<String>) -> &mut Self {
        self.unavailable.insert(url.into(), reason.into());
        self
    }

    /// True when a document (or the reason it is missing) is known for `url`.
    pub fn knows(&self, url: &str) -> bool {
        self.documents.contains_key(url) || self.unavailable.contains_key(url)
    }

    /// Registers the controller document served at `url` (a DID or an https URL).
    pub fn add_document(&mut self, url: impl Into<String>, document: Value) -> &mut Self {
        self.documents.insert(url.into(), document);
        self
    }
}

impl OfflineResolver {
    /// The controller document known for `url` (or its base, without a fragment).
    fn document(&self, url: &str) -> Result<&Value, KeyError> {
        let base = url.split('#').next().unwrap_or(url);
        match self.documents.get(url).or_else(|| self.documents.get(base)) {
            Some(document) => Ok(document),
            None => {
                Err(KeyError::Unavailable(match self.unavailable.get(url).or_else(|| self.unavailable.get(base)) {
                    Some(reason) => reason.clone(),
                    None => format!("no controller document known for {url}; nothing is fetched over the network"),
                }))
            }
        }
    }
}

impl KeyResolver for OfflineResolver {
    fn resolve_method(&self, vm: &str) -> Result<ResolvedKey, KeyError> {
        if vm.starts_with("did:key:") {
            return did::resolve_did_key_method(vm).map_err(|e| KeyError::Refused(e.to_string()));
        }
        did::resolve_assertion_method(self.document(vm)?, vm).map_err(|e| KeyError::Refused(e.to_string()))
    }

    fn controller_keys(&self, controller: &str) -> Result<Vec<ResolvedKey>, KeyError> {
        if controller.starts_with("did:key:") {
            return did::resolve_did_key_method(controller)
                .map(|k| vec![k])
                .map_err(|e| KeyError::Refused(e.to_string()));
        }
        Ok(did::assertion_keys(self.document(controller)?))
    }
}

/// Adapts a [`KeyResolver`] to the proof verifier's resolver.
pub(crate) struct ProofKeys<'a>(pub(crate) &'a dyn KeyResolver);

impl VerificationMethodResolver for ProofKeys<'_> {
    fn resolve(&self, vm: &str) -> Result<[u8; 32], ResolveError> {
        let key = self.0.resolve_method(vm).map_err(|e| match e {
            KeyError::Unavailable(reason) => ResolveError::Unavailable(reason),
            KeyError::Refused(reason) => ResolveError::Refused(reason),
        })?;
        key.ed25519().ok_or_else(|| {
            ResolveError::Refused(format!("{vm} is an RSA key; the Data Integrity suites here need an Ed25519 key"))
        })
    }
}

/// The status of a proof check that failed with `error`: `error` when the key's
/// document could not be obtained (nothing can be told), `failed` otherwise.
pub(crate) fn proof_failure_status(error: &ProofError) -> CheckStatus {
    match error {
        ProofError::KeyNotResolvable(ResolveError::Unavailable(_)) => CheckStatus::Error,
        _ => CheckStatus::Failed,
    }
}

/// Verifies a credential given as text: a JSON document with Data Integrity
/// proofs, or a compact VC-JWT.
pub fn verify_text(input: &str, resolver: &dyn KeyResolver, now: OffsetDateTime) -> VerificationReport {
    verify_text_with(input, &VerifyOptions::new(resolver, now))
}

/// True when `text` has the shape of a compact JWS.
pub fn looks_like_jwt(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("ey") && t.split('.').count() == 3 && !t.contains(char::is_whitespace)
}

/// [`verify_text`] with every option.
pub fn verify_text_with(input: &str, options: &VerifyOptions<'_>) -> VerificationReport {
    let trimmed = input.trim();
    if looks_like_jwt(trimmed) {
        return verify_jwt_with(trimmed, options);
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(doc) => verify_credential_with(&doc, options),
        Err(e) => VerificationReport::new(
            vec![check("format", CheckStatus::Failed, format!("not a JSON credential nor a VC-JWT: {e}"))],
            None,
        ),
    }
}

/// Runs every offline check on a credential with Data Integrity proofs.
pub fn verify_credential(doc: &Value, resolver: &dyn KeyResolver, now: OffsetDateTime) -> VerificationReport {
    verify_credential_with(doc, &VerifyOptions::new(resolver, now))
}

/// [`verify_credential`] with every option. A CLR 2.0 `ClrCredential` is verified with each
/// credential it holds ([`crate::clr`]).
pub fn verify_credential_with(doc: &Value, options: &VerifyOptions<'_>) -> VerificationReport {
    if crate::clr::is_clr(doc) {
        let mut report = crate::clr::verify_clr_with(doc, options);
        report.format = Some(CredentialFormat::of_document(doc));
        return report;
    }
    verify_credential_alone(doc, options)
}

/// [`verify_credential_with`] of one credential, never a CLR's nested ones: what a CLR's
/// credentials are verified with, so nothing recurses. Its embedded endorsements are verified
/// ([`crate::endorsement`]).
pub(crate) fn verify_credential_alone(doc: &Value, options: &VerifyOptions<'_>) -> VerificationReport {
    verify_one(doc, options, true)
}

/// An embedded endorsement, verified as a credential in its own right (structure, proofs, that
/// each key is the endorser's, validity, status); the endorsements it carries are not looked at.
pub(crate) fn verify_endorsement(doc: &Value, options: &VerifyOptions<'_>) -> VerificationReport {
    verify_one(doc, options, false)
}

fn verify_one(doc: &Value, options: &VerifyOptions<'_>, with_endorsements: bool) -> VerificationReport {
    // One time budget for the credential's proofs and its endorsements' together.
    let options = &VerifyOptions { canon: options.canon.with_deadline_from_now(), ..*options };
    let StaticChecks { mut checks, credential, open_badge, mut over_budget } =
        static_checks_with(doc, options.resolver, &options.canon);
    let mut report = match &credential {
        Some(cred) => {
            let (more, endorsements_over_budget) =
                credential_checks(doc, cred, open_badge.as_ref(), options, with_endorsements);
            checks.extend(more);
            over_budget |= endorsements_over_budget;
            VerificationReport::new(checks, Some(doc.clone()))
        }
        None if checks.iter().any(|c| c.check == "format") => VerificationReport::new(checks, None),
        None => VerificationReport::new(checks, Some(doc.clone())),
    };
    report.over_budget = over_budget;
    report.format = Some(CredentialFormat::of_document(doc));
    report
}

/// The checks whose answers depend only on the document and the issuers' key
/// documents: format, structure, proofs, key ownership. For a stored credential
/// (immutable) whose keys are never deleted, they can be kept. Embedded endorsements
/// have validity windows and status of their own: they are checked apart
/// ([`crate::endorsement::endorsement_checks`]).
#[derive(Debug, Clone)]
pub struct StaticChecks {
    pub checks: Vec<Check>,
    /// What every credential has, when its structure is valid.
    pub credential: Option<VerifiableCredential>,
    /// The parsed Open Badge, when the credential is one and its structure is valid.
    pub open_badge: Option<OpenBadgeCredential>,
    /// A proof ran out of the canonicalization budget: the checks are not final.
    pub over_budget: bool,
}

/// Runs the [`StaticChecks`] of a credential with Data Integrity proofs.
pub fn static_checks(doc: &Value, resolver: &dyn KeyResolver) -> StaticChecks {
    static_checks_with(doc, resolver, &CanonLimits::default())
}

/// True when one of the proofs could not be checked within the canonicalization budget.
fn any_over_budget(outcomes: &[ProofOutcome]) -> bool {
    outcomes.iter().any(|o| o.result.as_ref().is_err_and(ProofError::is_over_budget))
}

/// [`static_checks`] under the given canonicalization limits.
pub fn static_checks_with(doc: &Value, resolver: &dyn KeyResolver, limits: &CanonLimits) -> StaticChecks {
    // One time budget for the credential's proofs (an earlier deadline of the caller's stays).
    let limits = &limits.with_deadline_from_now();
    let mut checks = Vec::new();
    if let Err(e) = jsonld::check_depth(doc, jsonld::MAX_DEPTH) {
        checks.push(check("format", CheckStatus::Failed, e.to_string()));
        return StaticChecks { checks, credential: None, open_badge: None, over_budget: false };
    }
    let (credential, open_badge) = format_checks(doc, &mut checks);
    let outcomes = data_integrity::verify_proofs_with_limits(doc, &ProofKeys(resolver), limits);
    let over_budget = any_over_budget(&outcomes);
    for o in &outcomes {
        let name = format!("proof[{}]", o.index);
        let suite = o.cryptosuite.as_deref().unwrap_or("unknown cryptosuite");
        checks.push(match &o.result {
            Ok(()) => check(name, CheckStatus::Passed, format!("{suite} signature verifies")),
            Err(e) => check(name, proof_failure_status(e), e.to_string()),
        });
    }
    if let Some(cred) = &credential {
        checks.extend(signer_checks(&outcomes, cred.issuer_id(), resolver));
    }
    StaticChecks { checks, credential, open_badge, over_budget }
}

/// Whose key made each verified proof. Each must be the issuer's (`issuer[i]`), except that
/// once one proof is proven the issuer's, another party may add its own proofs to the set
/// or chain (a witness, a notary): such a proof, verified with a key its own controller
/// lists, is reported as `cosigner[i]` and speaks only for that controller. A proof whose
/// key nobody can be shown to control stays a failed `issuer[i]`.
fn signer_checks(outcomes: &[ProofOutcome], issuer: &str, resolver: &dyn KeyResolver) -> Vec<Check> {
    let verified: Vec<(usize, &str)> = outcomes
        .iter()
        .filter(|o| o.is_verified())
        .filter_map(|o| o.verification_method.as_deref().map(|vm| (o.index, vm)))
        .collect();
    let by_issuer: Vec<Check> =
        verified.iter().map(|(i, vm)| issuer_check(*i, KeyReference::Method(vm), issuer, resolver)).collect();
    let issuer_signed = by_issuer.iter().any(|c| c.status == CheckStatus::Passed);
    by_issuer
        .into_iter()
        .zip(&verified)
        .map(|(own, (i, vm))| {
            if own.status != CheckStatus::Failed || !issuer_signed {
                return own;
            }
            let controller = vm.split_once('#').map_or(*vm, |(base, _)| base);
            let cosigner =
                owner_check(format!("cosigner[{i}]"), "co-signer", KeyReference::Method(vm), controller, resolver);
            if cosigner.status == CheckStatus::Passed { cosigner } else { own }
        })
        .collect()
}

/// Checks a verifiable presentation's own proofs (the credentials inside are
/// checked apart): there must be at least one; each must verify, be made for
/// `authentication`, and, when the presentation names its `holder`, with a key of
/// the holder ([`issuer_key`]). Also says whether one ran out of the budget.
pub fn presentation_proof_checks(vp: &Value, resolver: &dyn KeyResolver, limits: &CanonLimits) -> (Vec<Check>, bool) {
    let outcomes = data_integrity::verify_proofs_with_limits(vp, &ProofKeys(resolver), limits);
    let over_budget = any_over_budget(&outcomes);
    let holder = match vp.get("holder") {
        Some(Value::String(h)) => Some(h.as_str()),
        Some(h) => h.get("id").and_then(Value::as_str),
        None => None,
    };
    let proofs: Vec<&Value> = match vp.get("proof") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(p) => vec![p],
        None => Vec::new(),
    };
    let mut checks = Vec::new();
    for o in &outcomes {
        let name = format!("proof[{}]", o.index);
        if let Err(e) = &o.result {
            checks.push(check(name, proof_failure_status(e), e.to_string()));
            continue;
        }
        let purpose =
            proofs.get(o.index).and_then(|p| p.get("proofPurpose")).and_then(Value::as_str).unwrap_or_default();
        if purpose != "authentication" {
            checks.push(check(
                name,
                CheckStatus::Failed,
                format!("a presentation's proof must have the purpose authentication, not '{purpose}'"),
            ));
            continue;
        }
        checks.push(check(name, CheckStatus::Passed, "the presentation's signature verifies"));
        if let (Some(holder), Some(vm)) = (holder, &o.verification_method) {
            checks.push(owner_check(
                format!("holder[{}]", o.index),
                "holder",
                KeyReference::Method(vm),
                holder,
                resolver,
            ));
        }
    }
    (checks, over_budget)
}

/// The checks on the credential's content, the ones that can change over time: its embedded
/// endorsements (unless `with_endorsements` is false, for an endorsement itself), then
/// validity, status, recipient; and whether an endorsement ran out of the budget.
pub fn credential_checks(
    doc: &Value,
    cred: &VerifiableCredential,
    open_badge: Option<&OpenBadgeCredential>,
    options: &VerifyOptions<'_>,
    with_endorsements: bool,
) -> (Vec<Check>, bool) {
    let (mut checks, over_budget) =
        if with_endorsements { crate::endorsement::endorsement_checks(doc, options) } else { (Vec::new(), false) };
    checks.extend(time_and_status_checks(cred, open_badge, options));
    (checks, over_budget)
}

/// The checks whose answers change with time or with the issuer's lists: validity
/// at `options.now`, each status entry, and the recipient (named in Open Badges only).
pub fn time_and_status_checks(
    cred: &VerifiableCredential,
    open_badge: Option<&OpenBadgeCredential>,
    options: &VerifyOptions<'_>,
) -> Vec<Check> {
    let mut checks = vec![validity_check(cred, options.now)];
    match options.status {
        Some(lookup) => checks.extend(status_checks(cred, lookup)),
        None => checks.push(status_check(cred)),
    }
    if let Some(email) = options.recipient_email {
        checks.push(match open_badge {
            Some(badge) => recipient_check(badge, email),
            None => check(
                "recipient",
                CheckStatus::Failed,
                "the credential is not an Open Badge: it names no hashed recipient to compare an email with",
            ),
        });
    }
    checks
}

fn status_checks(cred: &VerifiableCredential, lookup: &dyn StatusLookup) -> Vec<Check> {
    let entries = cred.status_entries();
    if entries.is_empty() {
        return vec![status_check(cred)];
    }
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let name = format!("status[{i}]");
            let entry = match entry {
                Ok(entry) => entry,
                Err(kind) => {
                    return check(
                        name,
                        CheckStatus::Error,
                        format!("status method {kind} is not supported, so the status is unknown"),
                    );
                }
            };
            if entry.kind == model::ONE_ED_TECH_REVOCATION_LIST {
                return revocation_list_check(name, cred, entry, lookup);
            }
            if entry.kind != model::BITSTRING_STATUS_LIST_ENTRY {
                return check(
                    name,
                    CheckStatus::Error,
                    format!("status method {} is not supported, so the status is unknown", entry.kind),
                );
            }
            let purpose = entry.status_purpose.as_deref().unwrap_or("");
            let (Some(list), Some(index)) =
                (entry.status_list_credential.as_deref(), entry.status_list_index.as_ref().and_then(|i| i.value()))
            else {
                return check(
                    name,
                    CheckStatus::Failed,
                    "the status entry has no statusListCredential or no valid statusListIndex",
                );
            };
            match (lookup.lookup(cred.issuer_id(), list, purpose, index), purpose) {
                (StatusAnswer::Clear, "revocation") => check(name, CheckStatus::Passed, "not revoked"),
                (StatusAnswer::Clear, "suspension") => check(name, CheckStatus::Passed, "not suspended"),
                (StatusAnswer::Clear, p) => check(name, CheckStatus::Passed, format!("{p}: not set")),
                (StatusAnswer::Set, "revocation") => check(name, CheckStatus::Failed, "revoked by the issuer"),
                (StatusAnswer::Set, "suspension") => check(name, CheckStatus::Failed, "suspended by the issuer"),
                (StatusAnswer::Set, p) => check(name, CheckStatus::Failed, format!("{p}: set by the issuer")),
                (StatusAnswer::Unknown(why), _) => {
                    check(name, CheckStatus::Error, format!("the status could not be checked: {why}"))
                }
            }
        })
        .collect()
}

/// A `1EdTechRevocationList` entry: the list at the entry's `id` must not name the credential's `id`.
fn revocation_list_check(
    name: String,
    cred: &VerifiableCredential,
    entry: &model::CredentialStatus,
    lookup: &dyn StatusLookup,
) -> Check {
    let Some(list) = entry.id.as_deref() else {
        return check(name, CheckStatus::Failed, "the 1EdTechRevocationList entry has no id (the list's URL)");
    };
    let Some(credential_id) = cred.id.as_deref() else {
        return check(name, CheckStatus::Error, "the credential has no id, so the revocation list cannot name it");
    };
    match lookup.revocation_list(cred.issuer_id(), list, credential_id) {
        StatusAnswer::Clear => check(name, CheckStatus::Passed, "not revoked (not on the issuer's revocation list)"),
        StatusAnswer::Set => check(name, CheckStatus::Failed, "revoked by the issuer (on its revocation list)"),
        StatusAnswer::Unknown(why) => {
            check(name, CheckStatus::Error, format!("the status could not be checked: {why}"))
        }
    }
}

/// Compares a candidate's email with the credential's hashed identifiers, revealing nothing else.
fn recipient_check(cred: &OpenBadgeCredential, email: &str) -> Check {
    identity_check(cred.credential_subject.identifier.as_deref().unwrap_or(&[]), email, "credential")
}

/// The `recipient` check of an email against the hashed `identities` of a `document`
/// ("credential", "CLR").
pub(crate) fn identity_check(identities: &[model::IdentityObject], email: &str, document: &str) -> Check {
    if identities.is_empty() {
        return check(
            "recipient",
            CheckStatus::Failed,
            format!("the {document} names no recipient identifier to compare with"),
        );
    }
    if identities.iter().any(|id| model::identity_matches(id, email)) {
        check("recipient", CheckStatus::Passed, format!("the email matches the {document}'s recipient"))
    } else {
        check("recipient", CheckStatus::Failed, format!("the email does not match the {document}'s recipient"))
    }
}

/// Checks contexts against the allow-list, and the structure: the VC Data Model's rules
/// for every credential, and the Open Badges 3.0 model's too for an achievement
/// credential (`OpenBadgeCredential`, `AchievementCredential`).
fn format_checks(doc: &Value, checks: &mut Vec<Check>) -> (Option<VerifiableCredential>, Option<OpenBadgeCredential>) {
    let unknown: Vec<&str> = context_urls(doc).into_iter().filter(|u| !jsonld::loader::is_bundled(u)).collect();
    if unknown.is_empty() {
        checks.push(check("contexts", CheckStatus::Passed, "every @context is a known, bundled context"));
    } else {
        checks.push(check(
            "contexts",
            CheckStatus::Failed,
            format!("unknown contexts (never fetched): {}", unknown.join(", ")),
        ));
    }
    let version = model::vc_version(doc).unwrap_or("2.0");
    if model::is_achievement_document(doc) {
        return match model::validate_credential(doc) {
            Ok(badge) => {
                checks.push(check(
                    "structure",
                    CheckStatus::Passed,
                    format!("the document is a well-formed Open Badges 3.0 credential (VC Data Model {version})"),
                ));
                (serde::Deserialize::deserialize(doc).ok(), Some(badge))
            }
            Err(errors) => {
                checks.push(check("structure", CheckStatus::Failed, error_list(&errors)));
                (None, None)
            }
        };
    }
    match model::validate_vc(doc) {
        Ok(credential) => {
            let what =
                if credential.is_open_badge() { "checked by the VC Data Model's rules" } else { "not an Open Badge" };
            checks.push(check(
                "structure",
                CheckStatus::Passed,
                format!("the document is a well-formed Verifiable Credential (VC Data Model {version}); {what}"),
            ));
            (Some(credential), None)
        }
        Err(errors) => {
            checks.push(check(
                "structure",
                CheckStatus::Failed,
                format!("not a conforming Verifiable Credential: {}", error_list(&errors)),
            ));
            (None, None)
        }
    }
}

fn error_list(errors: &[model::ValidationError]) -> String {
    let list: Vec<String> = errors
        .iter()
        .take(10)
        .map(|e| if e.path.is_empty() { e.message.clone() } else { format!("{}: {}", e.path, e.message) })
        .collect();
    list.join("; ")
}

fn context_urls(doc: &Value) -> Vec<&str> {
    match doc.get("@context") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The key that signed must belong to the issuer ([`issuer_key`]).
pub(crate) fn issuer_check(
    index: usize,
    reference: KeyReference<'_>,
    issuer: &str,
    resolver: &dyn KeyResolver,
) -> Check {
    owner_check(format!("issuer[{index}]"), "issuer", reference, issuer, resolver)
}

/// The check named `name` that the key is `owner`'s, who plays `role` (issuer, holder).
fn owner_check(
    name: String,
    role: &str,
    reference: KeyReference<'_>,
    owner: &str,
    resolver: &dyn KeyResolver,
) -> Check {
    match issuer_key(resolver, reference, owner) {
        Ok(key) => check(name, CheckStatus::Passed, format!("the signing key {key} belongs to the {role} {owner}")),
        Err(e) => check(name, e.status(), format!("{e} (the {role})")),
    }
}

fn validity_check(cred: &VerifiableCredential, now: OffsetDateTime) -> Check {
    let when = now.format(&Rfc3339).unwrap_or_default();
    let from = cred.start_date().and_then(parse_date_time_z);
    let until = cred.end_date().and_then(parse_date_time_z);
    if let Some(f) = from.filter(|f| *f > now) {
        return check(
            "validity",
            CheckStatus::Failed,
            format!("not valid before {}", f.format(&Rfc3339).unwrap_or_default()),
        );
    }
    if let Some(u) = until.filter(|u| *u < now) {
        return check(
            "validity",
            CheckStatus::Failed,
            format!("expired on {}", u.format(&Rfc3339).unwrap_or_default()),
        );
    }
    let message = match until {
        Some(u) => format!("valid at {when} (until {})", u.format(&Rfc3339).unwrap_or_default()),
        None => format!("valid at {when}; it does not expire"),
    };
    check("validity", CheckStatus::Passed, message)
}

fn status_check(cred: &VerifiableCredential) -> Check {
    if cred.credential_status.is_none() {
        check("status", CheckStatus::Passed, "the credential has no status entry: it cannot be revoked or suspended")
    } else {
        check(
            "status",
            CheckStatus::Skipped,
            "status lists are not fetched offline; verify through the service to check revocation and suspension",
        )
    }
}

/// Verifies a compact VC-JWT. The signature is checked with the key the header
/// names (`kid`, resolved through `resolver`) or carries (`jwk`); either way the
/// key must then be the issuer's ([`issuer_key`]).
pub fn verify_jwt(token: &str, resolver: &dyn KeyResolver, now: OffsetDateTime) -> VerificationReport {
    verify_jwt_with(token, &VerifyOptions::new(resolver, now))
}

/// [`verify_jwt`] with every option.
pub fn verify_jwt_with(token: &str, options: &VerifyOptions<'_>) -> VerificationReport {
    verify_jwt_one(token, options, true)
}

/// An endorsement given as a VC-JWT (`endorsementJwt`), verified as [`verify_endorsement`] does:
/// the endorsements it carries are not looked at.
pub(crate) fn verify_endorsement_jwt(token: &str, options: &VerifyOptions<'_>) -> VerificationReport {
    verify_jwt_one(token, options, false)
}

fn verify_jwt_one(token: &str, options: &VerifyOptions<'_>, with_endorsements: bool) -> VerificationReport {
    let resolver = options.resolver;
    let mut checks = Vec::new();
    let decoded = match jwt::decode_vc_jwt(token) {
        Ok(d) => d,
        Err(e) => {
            checks.push(check("format", CheckStatus::Failed, e.to_string()));
            return VerificationReport::new(checks, None);
        }
    };
    let credential = decoded.credential.clone();
    let key = match (decoded.kid(), decoded.jwk()) {
        (Some(kid), _) => resolver
            .resolve_method(kid)
            .map(|k| k.key)
            .map_err(|e| (e.status(), format!("the key {kid} could not be resolved: {e}"))),
        (None, Some(jwk)) => JwtVerificationKey::from_jwk(jwk).map_err(|e| (CheckStatus::Failed, e.to_string())),
        (None, None) => Err((CheckStatus::Failed, "the JWT names no key (no kid, no jwk)".to_string())),
    };
    let (cred, open_badge) = format_checks(&credential, &mut checks);
    match key {
        Ok(key) => {
            let jwt_options = jwt::VerifyOptions { require_kid_under_issuer: false, now: None };
            match jwt::verify_vc_jwt_with(token, &key, &jwt_options) {
                Ok(_) => {
                    checks.push(check(
                        "proof[0]",
                        CheckStatus::Passed,
                        format!("{} JWT signature verifies", decoded.alg()),
                    ));
                    if let Some(cred) = &cred {
                        let reference = match decoded.kid() {
                            Some(kid) => KeyReference::Method(kid),
                            None => KeyReference::Embedded(&key),
                        };
                        checks.push(issuer_check(0, reference, cred.issuer_id(), resolver));
                    }
                }
                Err(e) => checks.push(check("proof[0]", CheckStatus::Failed, e.to_string())),
            }
        }
        Err((status, e)) => checks.push(check("proof[0]", status, e)),
    }
    let mut over_budget = false;
    if let Some(cred) = &cred {
        let (more, endorsements_over_budget) =
            credential_checks(&credential, cred, open_badge.as_ref(), options, with_endorsements);
        checks.extend(more);
        over_budget = endorsements_over_budget;
    }
    let format = CredentialFormat::of_jwt(&credential, decoded.alg());
    let mut report = VerificationReport::new(checks, Some(credential));
    report.over_budget = over_budget;
    report.format = Some(format);
    report
}
