//! Verification as the service does it: takes a credential in any form (JSON,
//! VC-JWT, baked PNG or SVG, or the id of one of ours), resolves what this service
//! hosts (issuer keys, status lists) from its own database, runs every check of
//! `core::verify` off the async runtime, and reports `valid`, `invalid` or
//! `indeterminate` with the facts an employer reads.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::Semaphore;
use utoipa::ToSchema;

use crate::core::baking::{self, BakedCredential};
use crate::core::jwt;
use crate::core::status_list::StatusPurpose;
use crate::core::verify::{self, Check, CheckStatus, OfflineResolver, StatusAnswer, StatusLookup, VerifyOptions};
use crate::domain::organization::Organization;
use crate::error::{AppError, AppResult};
use crate::keyring;
use crate::store::Store;

/// A credential as presented.
#[derive(Debug, Clone)]
pub enum Presented {
    Json(Value),
    Jwt(String),
    Png(Vec<u8>),
    Svg(String),
    /// The URL or id of a credential this service issued.
    Reference(String),
}

#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    pub recipient_email: Option<String>,
    /// A file the employer received as evidence, compared with the credential's evidence digests.
    pub evidence_file: Option<Vec<u8>>,
    /// Check the validity window at this time instead of now.
    pub as_of: Option<time::OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Valid,
    Invalid,
    Indeterminate,
}

/// One check as reported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportCheck {
    pub check: String,
    /// `passed`, `failed`, `skipped` or `error` (could not be checked).
    pub status: String,
    pub message: String,
}

/// What an employer reads.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    pub credential_id: Option<String>,
    pub name: Option<String>,
    pub achievement: Option<String>,
    pub achievement_description: Option<String>,
    pub achievement_type: Option<String>,
    pub criteria: Option<String>,
    pub issuer_id: Option<String>,
    pub issuer_name: Option<String>,
    /// Set when the issuer is an organization registered on this service.
    pub registered_issuer: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub alignments: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<Value>,
    pub narrative: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerificationResult {
    pub result: Outcome,
    pub checks: Vec<ReportCheck>,
    pub facts: Facts,
    /// The credential that was checked (decoded, for JWT and baked input).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
}

/// Verification is CPU work: it runs on blocking threads, at most this many at once.
/// The static checks of credentials stored here (immutable documents, keys that are
/// retired but never deleted) are kept, so verifying one of ours by id costs only the
/// validity, status and recipient checks after the first time.
pub struct Verifier {
    permits: Arc<Semaphore>,
    stored: std::sync::Mutex<HashMap<String, Arc<verify::StaticChecks>>>,
}

/// Stored credentials whose static checks are kept; the map starts over when full.
const MAX_CACHED_CREDENTIALS: usize = 50_000;

impl Verifier {
    pub fn new(max_concurrent: usize) -> Self {
        Verifier { permits: Arc::new(Semaphore::new(max_concurrent.max(1))), stored: std::sync::Mutex::new(HashMap::new()) }
    }

    fn cached(&self, id: &str) -> Option<Arc<verify::StaticChecks>> {
        self.stored.lock().ok().and_then(|m| m.get(id).cloned())
    }

    fn keep(&self, id: String, checks: verify::StaticChecks) {
        if let Ok(mut m) = self.stored.lock() {
            if m.len() >= MAX_CACHED_CREDENTIALS {
                m.clear();
            }
            m.insert(id, Arc::new(checks));
        }
    }
}

/// Status answers gathered before the synchronous checks run.
struct KnownStatuses(HashMap<(String, String, u64), StatusAnswer>);

impl StatusLookup for KnownStatuses {
    fn lookup(&self, list_url: &str, purpose: &str, index: u64) -> StatusAnswer {
        self.0
            .get(&(list_url.to_string(), purpose.to_string(), index))
            .cloned()
            .unwrap_or_else(|| StatusAnswer::Unknown("the status list was not obtained".into()))
    }
}

/// Turns any presented form into the text of a credential (JSON or compact JWS),
/// with the id of the stored credential when it is one of ours looked up by id.
async fn credential_text(store: &Store, presented: Presented) -> AppResult<(String, Option<String>)> {
    let unbaked = |b: BakedCredential| (b.as_str().to_string(), None);
    match presented {
        Presented::Json(v) => Ok((v.to_string(), None)),
        Presented::Jwt(t) => Ok((t, None)),
        Presented::Png(bytes) => baking::unbake_png(&bytes)
            .map(unbaked)
            .map_err(|e| AppError::invalid("file", format!("not a baked Open Badges PNG: {e}"))),
        Presented::Svg(text) => baking::unbake_svg(&text)
            .map(unbaked)
            .map_err(|e| AppError::invalid("file", format!("not a baked Open Badges SVG: {e}"))),
        Presented::Reference(r) => {
            let prefix = format!("{}/credentials/", store.public_url);
            let id = r.strip_prefix(&prefix).unwrap_or(&r);
            if id.contains('/') || id.contains(':') {
                return Err(AppError::invalid(
                    "url",
                    "only credentials issued by this service are looked up by URL or id; send other credentials themselves",
                ));
            }
            let c = store.credential(id).await?.ok_or_else(|| AppError::invalid("id", "no credential with this id on this service"))?;
            Ok((c.document.to_string(), Some(c.id)))
        }
    }
}

/// The organization a hosted URL or DID names: `{public}/issuers/{slug}` or our did:web.
async fn hosted_organization(store: &Store, id: &str) -> AppResult<Option<Organization>> {
    let base = id.split('#').next().unwrap_or(id);
    let profile_prefix = format!("{}/issuers/", store.public_url);
    let slug = if let Some(rest) = base.strip_prefix(&profile_prefix) {
        Some(rest.trim_end_matches("/did.json").to_string())
    } else if let Some(did_prefix) = keyring::organization_did(&store.public_url, "x").and_then(|d| d.strip_suffix(":x").map(str::to_string)) {
        base.strip_prefix(&format!("{did_prefix}:")).map(str::to_string)
    } else {
        None
    };
    match slug.filter(|s| crate::domain::validation::is_slug(s)) {
        Some(s) => store.organization_by_slug(&s).await,
        None => Ok(None),
    }
}

/// The verification methods of the credential's proofs and of its endorsements' proofs.
fn verification_methods(doc: &Value) -> Vec<String> {
    let proofs_of = |d: &Value| -> Vec<Value> {
        match d.get("proof") {
            Some(Value::Array(items)) => items.clone(),
            Some(p) => vec![p.clone()],
            None => Vec::new(),
        }
    };
    let mut proofs = proofs_of(doc);
    if let Some(Value::Array(endorsements)) = doc.get("endorsement") {
        for e in endorsements.iter().take(16) {
            proofs.extend(proofs_of(e));
        }
    }
    proofs.iter().filter_map(|p| p.get("verificationMethod").and_then(Value::as_str).map(str::to_string)).take(64).collect()
}

fn status_entries(doc: &Value) -> Vec<(String, String, u64)> {
    let entries = match doc.get("credentialStatus") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(e) => vec![e],
        None => Vec::new(),
    };
    entries
        .iter()
        .filter_map(|e| {
            let list = e.get("statusListCredential")?.as_str()?.to_string();
            let purpose = e.get("statusPurpose")?.as_str()?.to_string();
            let index = match e.get("statusListIndex")? {
                Value::String(s) => s.parse().ok()?,
                Value::Number(n) => n.as_u64()?,
                _ => return None,
            };
            Some((list, purpose, index))
        })
        .take(16)
        .collect()
}

/// Adds to `resolver` the controller documents of the hosted issuers whose keys a
/// credential (given as text: JSON or a VC-JWT) names.
pub async fn add_hosted_documents(store: &Store, credential_text: &str, resolver: &mut OfflineResolver) -> AppResult<()> {
    let methods = if verify::looks_like_jwt(credential_text) {
        jwt::decode_vc_jwt(credential_text.trim())
            .ok()
            .and_then(|d| d.header.get("kid").and_then(Value::as_str).map(|k| vec![k.to_string()]))
            .unwrap_or_default()
    } else {
        serde_json::from_str::<Value>(credential_text).map(|d| verification_methods(&d)).unwrap_or_default()
    };
    let hosted = hosted_resolver(store, &methods).await?;
    resolver.extend(hosted);
    Ok(())
}

/// Loads the controller documents of the hosted issuers a credential names.
async fn hosted_resolver(store: &Store, methods: &[String]) -> AppResult<OfflineResolver> {
    let mut resolver = OfflineResolver::new();
    for vm in methods {
        if let Some(org) = hosted_organization(store, vm).await? {
            let keys = keyring::public_keys(store, &org.id).await?;
            resolver.add_document(org.profile_url.clone(), keyring::profile_document(&org, &keys)?);
            if let Some((did, doc)) = keyring::did_document(&store.public_url, &org, &keys) {
                resolver.add_document(did, doc);
            }
        }
    }
    Ok(resolver)
}

/// Answers the status entries this service can answer: its own lists, from its database.
async fn known_statuses(store: &Store, entries: &[(String, String, u64)]) -> AppResult<KnownStatuses> {
    let mut known = HashMap::new();
    let prefix = format!("{}/status/", store.public_url);
    for (list, purpose, index) in entries {
        let answer = match list.strip_prefix(&prefix).and_then(|rest| rest.split_once('/')) {
            Some((slug, list_purpose)) => {
                let parsed: Option<StatusPurpose> = list_purpose.parse().ok();
                match (store.organization_by_slug(slug).await?, parsed) {
                    (Some(org), Some(p)) if p.as_str() == purpose => {
                        if store.status_bit(&org.id, p, *index).await? { StatusAnswer::Set } else { StatusAnswer::Clear }
                    }
                    (Some(_), Some(_)) => StatusAnswer::Unknown(format!("the entry's purpose {purpose} does not match its list")),
                    _ => StatusAnswer::Unknown(format!("{list} is not a status list of this service")),
                }
            }
            None => StatusAnswer::Unknown(format!("{list} is outside this service and outside lists are not fetched")),
        };
        known.insert((list.clone(), purpose.clone(), *index), answer);
    }
    Ok(KnownStatuses(known))
}

fn text_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn list_of(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

fn facts(doc: &Value) -> Facts {
    let subject = doc.get("credentialSubject");
    let achievement = subject.and_then(|s| s.get("achievement"));
    let issuer = doc.get("issuer");
    Facts {
        credential_id: text_of(doc.get("id")),
        name: text_of(doc.get("name")),
        achievement: text_of(achievement.and_then(|a| a.get("name"))),
        achievement_description: text_of(achievement.and_then(|a| a.get("description"))),
        achievement_type: text_of(achievement.and_then(|a| a.get("achievementType"))),
        criteria: text_of(achievement.and_then(|a| a.get("criteria")).and_then(|c| c.get("narrative"))),
        issuer_id: text_of(issuer.and_then(|i| i.get("id"))).or_else(|| text_of(issuer)),
        issuer_name: text_of(issuer.and_then(|i| i.get("name"))),
        registered_issuer: None,
        valid_from: text_of(doc.get("validFrom")).or_else(|| text_of(doc.get("issuanceDate"))),
        valid_until: text_of(doc.get("validUntil")).or_else(|| text_of(doc.get("expirationDate"))),
        alignments: list_of(achievement.and_then(|a| a.get("alignment"))),
        results: list_of(subject.and_then(|s| s.get("result"))),
        evidence: list_of(doc.get("evidence")),
        narrative: text_of(subject.and_then(|s| s.get("narrative"))),
    }
}

/// Compares an uploaded file with the SHA-256 digests of the credential's evidence.
fn evidence_check(doc: &Value, file: &[u8]) -> ReportCheck {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(file);
    let mut multihash = vec![0x12, 0x20];
    multihash.extend_from_slice(&digest);
    let wanted = crate::core::multibase::encode_base58btc(&multihash);
    let evidence = list_of(doc.get("evidence"));
    let with_digest: Vec<&Value> = evidence.iter().filter(|e| e.get("digestMultibase").is_some()).collect();
    let matched = with_digest.iter().find(|e| e.get("digestMultibase").and_then(Value::as_str) == Some(wanted.as_str()));
    let (status, message) = match (matched, with_digest.is_empty()) {
        (Some(e), _) => ("passed", format!("the file is the evidence '{}', unaltered", text_of(e.get("name")).unwrap_or_default())),
        (None, true) => ("failed", "the credential's evidence carries no digest to compare the file with".to_string()),
        (None, false) => ("failed", "the file matches none of the credential's evidence: it differs from what was assessed".to_string()),
    };
    ReportCheck { check: "evidence".into(), status: status.into(), message }
}

fn report_check(c: Check) -> ReportCheck {
    let status = match c.status {
        CheckStatus::Passed => "passed",
        CheckStatus::Failed => "failed",
        CheckStatus::Skipped => "skipped",
        CheckStatus::Error => "error",
    };
    ReportCheck { check: c.check, status: status.into(), message: c.message }
}

/// Verifies a credential stored here, named by id, whose static checks are kept:
/// nothing but the validity window, the status and the recipient can have changed,
/// and the status is in the credential's own row (its entries are its own indexes
/// of its organization's lists, allocated when it was issued). `None` when the
/// credential has not been verified before or names lists it does not own: the
/// general path answers then.
///
/// A presented document that is exactly the stored one (the same JSON values) is the
/// same credential: its static checks are the stored credential's.
async fn verify_stored(
    store: &Store,
    verifier: &Verifier,
    id: &str,
    presented: Option<&Value>,
    request: &VerifyRequest,
) -> AppResult<Option<VerificationResult>> {
    let Some(static_checks) = verifier.cached(id) else { return Ok(None) };
    let Some(c) = store.credential(id).await? else { return Ok(None) };
    if presented.is_some_and(|doc| *doc != c.document) {
        return Ok(None);
    }
    let Some(org) = store.organization_by_id(&c.organization_id).await? else { return Ok(None) };
    let mut known = HashMap::new();
    for (list, purpose, index) in status_entries(&c.document) {
        let bit = match purpose.parse::<StatusPurpose>() {
            Ok(p) if list == store.status_list_url(&org.slug, p) => match p {
                StatusPurpose::Revocation => c.revoked_at.is_some(),
                StatusPurpose::Suspension => c.suspended,
            },
            _ => return Ok(None),
        };
        known.insert((list, purpose, index), if bit { StatusAnswer::Set } else { StatusAnswer::Clear });
    }
    let statuses = KnownStatuses(known);
    let resolver = OfflineResolver::new();
    let mut options = VerifyOptions::new(&resolver, request.as_of.unwrap_or_else(time::OffsetDateTime::now_utc));
    options.status = Some(&statuses);
    options.recipient_email = request.recipient_email.as_deref();
    let mut checks = static_checks.checks.clone();
    if let Some(cred) = &static_checks.credential {
        checks.extend(verify::time_and_status_checks(cred, &options));
    }
    let registered = facts(&c.document).issuer_id.filter(|i| *i == org.profile_url || keyring::organization_did(&store.public_url, &org.slug).as_deref() == Some(i.as_str()));
    let report = verify::VerificationReport { verified: false, checks, credential: Some(c.document) };
    Ok(Some(summarize(report, request, registered.map(|_| org))))
}

/// Verifies a presented credential and reports every check.
pub async fn verify(store: &Store, verifier: &Verifier, presented: Presented, request: VerifyRequest) -> AppResult<VerificationResult> {
    let prefix = format!("{}/credentials/", store.public_url);
    let (ours, document) = match &presented {
        Presented::Reference(r) => (Some(r.strip_prefix(&prefix).unwrap_or(r).to_string()), None),
        Presented::Json(doc) => (doc.get("id").and_then(Value::as_str).and_then(|i| i.strip_prefix(&prefix)).map(str::to_string), Some(doc)),
        _ => (None, None),
    };
    if let Some(id) = &ours {
        if let Some(result) = verify_stored(store, verifier, id, document, &request).await? {
            return Ok(result);
        }
    }
    let presented_json = matches!(presented, Presented::Json(_));
    let (text, mut stored_id) = credential_text(store, presented).await?;
    let as_json: Option<Value> = if verify::looks_like_jwt(&text) {
        jwt::decode_vc_jwt(text.trim()).ok().map(|d| {
            let mut c = d.credential;
            // The key reference of a JWT plays the part of a proof's verification method.
            if let (Some(obj), Some(kid)) = (c.as_object_mut(), d.header.get("kid").and_then(Value::as_str)) {
                obj.insert("proof".into(), serde_json::json!({"verificationMethod": kid}));
            }
            c
        })
    } else {
        serde_json::from_str(&text).ok()
    };
    // A document sent in full that is exactly one of ours: its static checks are kept
    // under its id, like those of a credential named by id.
    if let (true, None, Some(id), Some(doc)) = (presented_json, &stored_id, &ours, &as_json) {
        if store.credential(id).await?.is_some_and(|c| c.document == *doc) {
            stored_id = Some(id.clone());
        }
    }
    let (methods, entries, issuer_id) = match &as_json {
        Some(doc) => (verification_methods(doc), status_entries(doc), facts(doc).issuer_id),
        None => (Vec::new(), Vec::new(), None),
    };
    let statuses = known_statuses(store, &entries).await?;
    let registered = match &issuer_id {
        Some(id) => hosted_organization(store, id).await?.filter(|o| {
            *id == o.profile_url || keyring::organization_did(&store.public_url, &o.slug).as_deref() == Some(id.as_str())
        }),
        None => None,
    };
    let now = request.as_of.unwrap_or_else(time::OffsetDateTime::now_utc);
    let email = request.recipient_email.clone();
    let cached = stored_id.as_deref().and_then(|id| verifier.cached(id));
    let report = match (cached, &as_json) {
        // One of ours, seen before: only what can change is checked again.
        (Some(static_checks), Some(doc)) => {
            let resolver = OfflineResolver::new();
            let mut options = VerifyOptions::new(&resolver, now);
            options.status = Some(&statuses);
            options.recipient_email = email.as_deref();
            let mut checks = static_checks.checks.clone();
            if let Some(cred) = &static_checks.credential {
                checks.extend(verify::time_and_status_checks(cred, &options));
            }
            verify::VerificationReport { verified: false, checks, credential: Some(doc.clone()) }
        }
        _ => {
            let resolver = hosted_resolver(store, &methods).await?;
            let permit = verifier
                .permits
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| AppError::Internal("the verifier is shutting down".into()))?;
            let doc = as_json.clone().filter(|_| stored_id.is_some());
            let (report, kept) = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let mut options = VerifyOptions::new(&resolver, now);
                options.status = Some(&statuses);
                options.recipient_email = email.as_deref();
                match doc {
                    Some(doc) => {
                        let fixed = verify::static_checks(&doc, &resolver);
                        let mut checks = fixed.checks.clone();
                        if let Some(cred) = &fixed.credential {
                            checks.extend(verify::time_and_status_checks(cred, &options));
                        }
                        (verify::VerificationReport { verified: false, checks, credential: Some(doc) }, Some(fixed))
                    }
                    None => (verify::verify_text_with(&text, &options), None),
                }
            })
            .await
            .map_err(|e| AppError::Internal(format!("verification task failed: {e}")))?;
            if let (Some(id), Some(fixed)) = (stored_id, kept) {
                verifier.keep(id, fixed);
            }
            report
        }
    };
    Ok(summarize(report, &request, registered))
}

/// The service's report from the core's: the evidence and registry checks added,
/// the outcome summed up, the facts an employer reads.
fn summarize(report: verify::VerificationReport, request: &VerifyRequest, registered: Option<Organization>) -> VerificationResult {
    let mut checks: Vec<ReportCheck> = report.checks.into_iter().map(report_check).collect();
    if let (Some(file), Some(doc)) = (&request.evidence_file, &report.credential) {
        checks.push(evidence_check(doc, file));
    }
    checks.push(match &registered {
        Some(org) => ReportCheck {
            check: "registry".into(),
            status: "passed".into(),
            message: format!("the issuer is {}, registered on this service", org.name),
        },
        None => ReportCheck {
            check: "registry".into(),
            status: "skipped".into(),
            message: "the issuer is not registered on this service; its identity rests on its own key documents".into(),
        },
    });
    let result = if checks.iter().any(|c| c.status == "failed") {
        Outcome::Invalid
    } else if checks.iter().any(|c| c.status == "error") {
        Outcome::Indeterminate
    } else {
        Outcome::Valid
    };
    let mut facts = report.credential.as_ref().map(facts).unwrap_or_default();
    facts.registered_issuer = registered.map(|o| o.name);
    VerificationResult { result, checks, facts, credential: report.credential }
}

/// The credential stored here that a verification was about, if it should be
/// counted: the one named by id, or a presented copy whose id is one of our
/// credential URLs, whose every proof passed, whose signing key belongs to its
/// issuer, and whose issuer is registered here. Tampered copies do not count.
fn counted_credential(store: &Store, by_reference: Option<&str>, result: &VerificationResult) -> Option<String> {
    let prefix = format!("{}/credentials/", store.public_url);
    if let Some(r) = by_reference {
        return Some(r.strip_prefix(&prefix).unwrap_or(r).to_string());
    }
    let id = result.credential.as_ref()?.get("id")?.as_str()?.strip_prefix(&prefix)?;
    let passed = |prefix: &str| {
        let checks: Vec<&ReportCheck> = result.checks.iter().filter(|c| c.check.starts_with(prefix)).collect();
        !checks.is_empty() && checks.iter().all(|c| c.status == "passed")
    };
    (passed("proof[") && passed("issuer[") && passed("registry") && !id.is_empty() && !id.contains(['/', '?', '#']))
        .then(|| id.to_string())
}

/// [`verify`], counting a verification of a credential stored here. The count is
/// written after the answer, on its own task, so verification does not wait for it;
/// a copy counts only for a credential of the organization that issued the copy.
pub async fn verify_and_count(store: &Store, verifier: &Verifier, presented: Presented, request: VerifyRequest) -> AppResult<VerificationResult> {
    let by_reference = match &presented {
        Presented::Reference(r) => Some(r.clone()),
        _ => None,
    };
    let result = verify(store, verifier, presented, request).await?;
    if let Some(id) = counted_credential(store, by_reference.as_deref(), &result) {
        let store = store.clone();
        let issuer = if by_reference.is_some() { None } else { result.facts.issuer_id.clone() };
        tokio::spawn(async move {
            let counted = match issuer {
                None => store.record_credential_event(&id, crate::store::CredentialEvent::Verified).await,
                Some(issuer) => match hosted_organization(&store, &issuer).await {
                    Ok(Some(org)) => store.record_verification_of_copy(&id, &org.id).await,
                    Ok(None) => Ok(false),
                    Err(e) => Err(e),
                },
            };
            if let Err(e) = counted {
                tracing::warn!(credential = %id, error = %e, "a verification could not be counted");
            }
        });
    }
    Ok(result)
}
