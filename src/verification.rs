//! Verification as the service does it: takes a credential in any form (JSON,
//! VC-JWT, baked PNG or SVG, or the id of one of ours), resolves what this service
//! hosts (issuer keys, status lists) from its own database, fetches what lives on
//! other hosts (`crate::fetch`: key documents, status and revocation lists, and
//! evidence files when asked) before the checks, runs every check of
//! `core::verify` off the async runtime, and reports `valid`, `invalid` or
//! `indeterminate` with the facts an employer reads.

mod lanes;
mod ob2;
pub mod presentation;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use futures_util::future::join_all;
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;
use utoipa::ToSchema;

use crate::domain::organization::Organization;
use crate::error::{AppError, AppResult};
use crate::fetch::{FetchPolicy, Fetcher};
use crate::keyring;
use crate::store::{StatusListId, Store};
use credence_core::baking::{self, BakedCredential};
use credence_core::canon::CanonLimits;
use credence_core::format::CredentialFormat;
use credence_core::remote_status::{self, RevocationList, StatusSources};
use credence_core::status_list::StatusPurpose;
use credence_core::verify::{self, Check, CheckStatus, OfflineResolver, StatusAnswer, VerifyOptions};
use credence_core::{did, endorsement, jwt, model, multibase};
use lanes::{Budgeted, ClientKey, Lanes};

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

/// Largest baked image accepted by the verifier.
pub const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;

impl Presented {
    /// Recognises a PNG, an SVG, a VC-JWT or a JSON credential from its bytes.
    pub fn from_bytes(data: &[u8], content_type: &str, file_name: &str) -> AppResult<Presented> {
        if data.starts_with(&credence_core::baking::PNG_SIGNATURE)
            || content_type == "image/png"
            || file_name.ends_with(".png")
        {
            return Ok(Presented::Png(data.to_vec()));
        }
        let text = std::str::from_utf8(data)
            .map_err(|_| AppError::invalid("file", "not a PNG, an SVG, a VC-JWT or a JSON credential"))?;
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        if trimmed.starts_with('<') || content_type == "image/svg+xml" {
            return Ok(Presented::Svg(trimmed.to_string()));
        }
        if credence_core::verify::looks_like_jwt(trimmed) {
            return Ok(Presented::Jwt(trimmed.to_string()));
        }
        match serde_json::from_str::<Value>(trimmed) {
            Ok(v @ Value::Object(_)) => Ok(Presented::Json(v)),
            _ => Err(AppError::invalid("file", "not a PNG, an SVG, a VC-JWT or a JSON credential")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    pub recipient_email: Option<String>,
    /// A file the employer received as evidence, compared with the credential's evidence digests.
    pub evidence_file: Option<Vec<u8>>,
    /// Check the validity window at this time instead of now.
    pub as_of: Option<time::OffsetDateTime>,
    /// Fetch each evidence URL that has a digest and compare the file with it.
    pub fetch_evidence: bool,
    /// The address of the client that asked, for its share of the verification lanes.
    pub client: Option<IpAddr>,
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
    /// What the document was seen to be: its standard (`open-badges-3.0`,
    /// `verifiable-credential`, ...), VC Data Model version and how it is secured.
    #[schema(value_type = Option<Object>)]
    pub format: Option<CredentialFormat>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerificationResult {
    pub result: Outcome,
    /// True when every proof verifies with a key of the issuer the credential names:
    /// then `facts` are what that issuer signed. When false, `facts` are only what
    /// the document claims about itself.
    pub authentic: bool,
    pub checks: Vec<ReportCheck>,
    pub facts: Facts,
    /// The credential that was checked (decoded, for JWT and baked input).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
    /// The id of the organization of this service that issued the credential, when
    /// the registry check passed (not part of the report).
    #[serde(skip)]
    pub registered_organization_id: Option<String>,
}

/// Verification is CPU work: it runs on blocking threads, in lanes that keep one
/// client's expensive documents from delaying others' ([`lanes`]).
/// The static checks of credentials stored here (immutable documents, keys that are
/// retired but never deleted) are kept, so verifying one of ours by id costs only the
/// validity, status and recipient checks after the first time.
pub struct Verifier {
    lanes: Lanes,
    stored: Kept<verify::StaticChecks>,
    /// What does not change about a stored credential that `verify_stored` has read once.
    stored_facts: Kept<StoredFacts>,
    /// Fetches what credentials point at on other hosts.
    fetcher: Fetcher,
}

/// Stored credentials whose static checks are kept; the map starts over when full.
const MAX_CACHED_CREDENTIALS: usize = 50_000;

/// What is kept per stored credential, by id, up to [`MAX_CACHED_CREDENTIALS`].
struct Kept<T>(std::sync::Mutex<HashMap<String, Arc<T>>>);

impl<T> Kept<T> {
    fn new() -> Self {
        Kept(std::sync::Mutex::new(HashMap::new()))
    }

    fn get(&self, id: &str) -> Option<Arc<T>> {
        self.0.lock().ok().and_then(|m| m.get(id).cloned())
    }

    fn keep(&self, id: &str, value: T) -> Arc<T> {
        let value = Arc::new(value);
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= MAX_CACHED_CREDENTIALS {
                m.clear();
            }
            m.insert(id.to_string(), value.clone());
        }
        value
    }
}

impl Verifier {
    pub fn new(max_concurrent: usize) -> Self {
        Self::with_fetch_policy(max_concurrent, FetchPolicy::default())
    }

    /// A verifier whose outbound fetches follow `policy`. `max_concurrent` verifications
    /// run at once in the light lane, a quarter of that (at least one) in the heavy lane.
    pub fn with_fetch_policy(max_concurrent: usize, policy: FetchPolicy) -> Self {
        Verifier {
            lanes: Lanes::new(max_concurrent, max_concurrent / 4),
            stored: Kept::new(),
            stored_facts: Kept::new(),
            fetcher: Fetcher::new(policy),
        }
    }
}

impl Verifier {
    /// A presentation's own proofs ([`verify::presentation_proof_checks`]), run in the
    /// lanes like any verification. Holder keys are `did:key`s, resolved locally.
    pub async fn presentation_proofs(&self, client: Option<IpAddr>, presentation: Value) -> AppResult<Vec<Check>> {
        let job = move |limits: &CanonLimits| {
            verify::presentation_proof_checks(&presentation, &OfflineResolver::new(), limits)
        };
        Ok(self.lanes.run(ClientKey::of(client), job).await?.0)
    }
}

impl Budgeted for (Vec<Check>, bool) {
    fn over_budget(&self) -> bool {
        self.1
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
                    "neither a credential on this service nor an https URL of another host to fetch it from",
                ));
            }
            let c = store
                .credential(id)
                .await?
                .ok_or_else(|| AppError::invalid("id", "no credential with this id on this service"))?;
            Ok((c.document.to_string(), Some(c.id)))
        }
    }
}

/// A URL of another host, fetched once, presented as what it serves (a JSON document or a
/// compact JWS), with the URL it came from after redirects. Anything else is unchanged.
async fn fetched_reference(
    store: &Store,
    fetcher: &Fetcher,
    presented: Presented,
) -> AppResult<(Presented, Option<String>)> {
    match presented {
        Presented::Reference(r)
            if (r.starts_with("https://") || r.starts_with("http://"))
                && !is_on_this_service(&store.public_url, &r) =>
        {
            let (presented, from) = foreign_credential(fetcher, &r).await?;
            Ok((presented, Some(from)))
        }
        other => Ok((other, None)),
    }
}

/// The credential another host serves at `url` (a JSON object or a compact JWS) and the URL
/// it came from, or a 422 that says why there is none (unreachable, refused by the fetch
/// rules, not a credential).
async fn foreign_credential(fetcher: &Fetcher, url: &str) -> AppResult<(Presented, String)> {
    let deadline = Instant::now() + fetcher.policy().timeout;
    let (text, from) = fetcher
        .credential(url, deadline)
        .await
        .map_err(|e| AppError::invalid("url", format!("the credential could not be fetched: {e}")))?;
    let trimmed = text.trim();
    if verify::looks_like_jwt(trimmed) {
        return Ok((Presented::Jwt(trimmed.to_string()), from));
    }
    if let Ok(doc @ Value::Object(_)) = serde_json::from_str::<Value>(trimmed) {
        return Ok((Presented::Json(doc), from));
    }
    let what = if trimmed.starts_with('<') { "a web page" } else { "something else" };
    Err(AppError::invalid(
        "url",
        format!(
            "the URL answered with {what}, not a credential (JSON or a VC-JWT): give the credential's own URL or the credential itself"
        ),
    ))
}

/// The organization a hosted URL or DID names: `{public}/issuers/{slug}` or our did:web.
async fn hosted_organization(store: &Store, id: &str) -> AppResult<Option<Organization>> {
    let base = id.split('#').next().unwrap_or(id);
    let profile_prefix = format!("{}/issuers/", store.public_url);
    let slug = if let Some(rest) = base.strip_prefix(&profile_prefix) {
        Some(rest.trim_end_matches("/did.json").to_string())
    } else if let Some(did_prefix) =
        keyring::organization_did(&store.public_url, "x").and_then(|d| d.strip_suffix(":x").map(str::to_string))
    {
        base.strip_prefix(&format!("{did_prefix}:")).map(str::to_string)
    } else {
        None
    };
    match slug.filter(|s| crate::domain::validation::is_slug(s)) {
        Some(s) => store.organization_by_slug(&s).await,
        None => Ok(None),
    }
}

/// Whether `issuer_id` is this organization's Profile URL or did:web.
fn names_organization(store: &Store, org: &Organization, issuer_id: &str) -> bool {
    issuer_id == org.profile_url
        || keyring::organization_did(&store.public_url, &org.slug).as_deref() == Some(issuer_id)
}

/// The verification methods of the credential's proofs, of its endorsements' proofs and, for a
/// CLR 2.0, of the proofs of the credentials it holds and of theirs (each verified with its own
/// issuer's keys).
fn verification_methods(doc: &Value) -> Vec<String> {
    let proofs_of = |d: &Value| -> Vec<Value> {
        match d.get("proof") {
            Some(Value::Array(items)) => items.clone(),
            Some(p) => vec![p.clone()],
            None => Vec::new(),
        }
    };
    let mut methods: Vec<String> = Vec::new();
    let mut add = |m: &str| {
        if methods.len() < 64 && !methods.iter().any(|known| known == m) {
            methods.push(m.to_string());
        }
    };
    for d in credentials_in(doc) {
        for m in proofs_of(d).iter().filter_map(|p| p.get("verificationMethod").and_then(Value::as_str)) {
            add(m);
        }
    }
    // Endorsements given as VC-JWTs (`endorsementJwt`): the key their header names.
    for d in credential_and_held(doc) {
        for (_, e) in endorsement::embedded(d).into_iter().take(endorsement::MAX_ENDORSEMENTS) {
            let decoded = e.as_str().and_then(|t| jwt::decode_vc_jwt(t.trim()).ok());
            if let Some(owner) = decoded.as_ref().and_then(jwt_key_owner) {
                add(&owner);
            }
        }
    }
    methods
}

/// The credential, the credentials a CLR 2.0 holds, and the endorsements each of them carries
/// (`core::endorsement::embedded`): every document verified with its own issuer's keys and status.
fn credentials_in(doc: &Value) -> Vec<&Value> {
    let credentials = credential_and_held(doc);
    let endorsements: Vec<&Value> = credentials
        .iter()
        .flat_map(|c| endorsement::embedded(c).into_iter().take(endorsement::MAX_ENDORSEMENTS))
        .map(|(_, e)| e)
        .filter(|e| e.is_object())
        .collect();
    credentials.into_iter().chain(endorsements).collect()
}

/// The credential and the credentials a CLR 2.0 holds (the objects among them, as many as are
/// verified).
fn credential_and_held(doc: &Value) -> Vec<&Value> {
    let held = credence_core::clr::held_credentials(doc).into_iter().filter(|c| c.is_object());
    std::iter::once(doc).chain(held.take(credence_core::clr::MAX_NESTED_CREDENTIALS)).collect()
}

/// The status entries of one credential, with its issuer (a list answers for its own
/// issuer's credentials only).
fn status_objects(doc: &Value) -> Vec<(String, &Value)> {
    let issuer = model::issuer_id_of(doc).unwrap_or_default();
    let entries: Vec<&Value> = match doc.get("credentialStatus") {
        Some(Value::Array(items)) => items.iter().take(16).collect(),
        Some(e) => vec![e],
        None => Vec::new(),
    };
    entries.into_iter().map(|e| (issuer.clone(), e)).collect()
}

/// The URLs of the 1EdTech revocation lists a credential (or a CLR's credentials) names.
fn revocation_list_urls(doc: &Value) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for url in credentials_in(doc)
        .into_iter()
        .flat_map(status_objects)
        .filter(|(_, e)| e.get("type").and_then(Value::as_str) == Some(model::ONE_ED_TECH_REVOCATION_LIST))
        .filter_map(|(_, e)| text_of(e.get("id")))
    {
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

/// Each Bitstring Status List entry of a credential (or of a CLR and the credentials it
/// holds): the issuer of its credential, the list, the purpose, the index.
fn status_entries(doc: &Value) -> Vec<(String, String, String, u64)> {
    credentials_in(doc)
        .into_iter()
        .flat_map(status_objects)
        .filter_map(|(issuer, e)| {
            let list = e.get("statusListCredential")?.as_str()?.to_string();
            let purpose = e.get("statusPurpose")?.as_str()?.to_string();
            let index = match e.get("statusListIndex")? {
                Value::String(s) => s.parse().ok()?,
                Value::Number(n) => n.as_u64()?,
                _ => return None,
            };
            Some((issuer, list, purpose, index))
        })
        .collect()
}

/// The id whose controller document a VC-JWT's key is checked against: its `kid`,
/// or, when it carries its key in the header (`jwk`), its issuer, whose own keys
/// the header key must be one of.
fn jwt_key_owner(decoded: &jwt::DecodedJwt) -> Option<String> {
    decoded.kid().map(str::to_string).or_else(|| model::issuer_id_of(&decoded.credential))
}

/// Adds to `resolver` the controller documents of the hosted issuers whose keys a
/// credential (given as text: JSON or a VC-JWT) names.
pub async fn add_hosted_documents(
    store: &Store,
    credential_text: &str,
    resolver: &mut OfflineResolver,
) -> AppResult<()> {
    let methods = if verify::looks_like_jwt(credential_text) {
        jwt::decode_vc_jwt(credential_text.trim()).ok().as_ref().and_then(jwt_key_owner).into_iter().collect()
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

/// Answers the status entries this service can answer, its own lists, from its
/// database; returns the URLs of the other hosts' lists, to be fetched.
async fn own_statuses(
    store: &Store,
    entries: &[(String, String, String, u64)],
    sources: &mut StatusSources,
) -> AppResult<Vec<String>> {
    let mut foreign = Vec::new();
    for (issuer, list, purpose, index) in entries {
        let answer = match store.own_status_list(list) {
            Some((slug, parsed)) => match (store.organization_by_slug(slug).await?, parsed) {
                (Some(org), _) if !names_organization(store, &org, issuer) => StatusAnswer::Unknown(format!(
                    "status list {list} is {}'s, not the credential's issuer {issuer}'s",
                    org.name
                )),
                (Some(org), Some(l)) if l.purpose.as_str() == purpose => {
                    if store.status_bit(&org.id, l, *index).await? { StatusAnswer::Set } else { StatusAnswer::Clear }
                }
                (Some(_), Some(_)) => {
                    StatusAnswer::Unknown(format!("the entry's purpose {purpose} does not match its list"))
                }
                _ => StatusAnswer::Unknown(format!("{list} is not a status list of this service")),
            },
            None => {
                if !foreign.contains(list) {
                    foreign.push(list.clone());
                }
                continue;
            }
        };
        sources.add_answer(issuer, list, purpose, *index, answer);
    }
    Ok(foreign)
}

/// An evidence item to fetch and compare: its position, URL and expected SHA-256.
struct EvidenceRef {
    index: usize,
    url: String,
    digest: Result<[u8; 32], String>,
}

/// The SHA-256 digest in a `digestMultibase` (a multibase multihash, 0x12 0x20 + 32 bytes).
fn sha256_of_multihash(digest_multibase: &str) -> Result<[u8; 32], String> {
    let bytes = multibase::decode(digest_multibase)
        .map_err(|e| format!("digestMultibase {digest_multibase} is not multibase: {e}"))?;
    match bytes.split_first_chunk::<2>() {
        Some(([0x12, 0x20], digest)) => <[u8; 32]>::try_from(digest)
            .map_err(|_| format!("digestMultibase {digest_multibase} is not 32 bytes of SHA-256")),
        _ => Err(format!("digestMultibase {digest_multibase} is not a SHA-256 multihash, the only digest compared")),
    }
}

/// The evidence items with both an http(s) URL and a digest.
fn evidence_refs(doc: &Value) -> Vec<EvidenceRef> {
    list_of(doc.get("evidence"))
        .iter()
        .enumerate()
        .filter_map(|(index, e)| {
            let url = text_of(e.get("id")).filter(|u| u.starts_with("https://") || u.starts_with("http://"))?;
            let digest = sha256_of_multihash(e.get("digestMultibase")?.as_str()?);
            Some(EvidenceRef { index, url, digest })
        })
        .take(MAX_FETCHES_PER_KIND)
        .collect()
}

/// Where the controller document of a verification method is fetched from:
/// `None` for did:key (resolved locally), the did:web document URL, or the https
/// Profile itself.
fn key_document_url(base: &str) -> Result<Option<String>, String> {
    if base.starts_with("did:key:") {
        Ok(None)
    } else if base.starts_with("did:web:") {
        did::did_web_to_url(base).map(Some).map_err(|e| e.to_string())
    } else if base.starts_with("https://") || base.starts_with("http://") {
        Ok(Some(base.to_string()))
    } else {
        Err(format!("the key {base} is neither a did:key, a did:web nor an https URL, so it cannot be resolved"))
    }
}

/// Most documents of each kind (key documents in each of two rounds, status lists,
/// revocation lists, evidence files) fetched for one verification.
pub const MAX_FETCHES_PER_KIND: usize = 8;

/// True when `url` is under this service's public URL.
fn is_on_this_service(public_url: &str, url: &str) -> bool {
    url.strip_prefix(public_url).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Splits the URLs of `kind` documents into those to fetch and those answered at
/// once, with the reason: this service's own URLs (what it publishes is read from
/// its database, never fetched), and those past [`MAX_FETCHES_PER_KIND`].
fn to_fetch(urls: &[String], public_url: &str, kind: &str) -> (Vec<String>, Vec<(String, String)>) {
    let (mut fetch, mut refused) = (Vec::new(), Vec::new());
    for url in urls {
        if is_on_this_service(public_url, url) {
            refused.push((url.clone(), format!("{kind} {url} is on this service, which publishes no such document")));
        } else if fetch.len() >= MAX_FETCHES_PER_KIND {
            refused.push((
                url.clone(),
                format!("{kind} {url} was not fetched: one verification fetches at most {MAX_FETCHES_PER_KIND}"),
            ));
        } else {
            fetch.push(url.clone());
        }
    }
    (fetch, refused)
}

/// Fetches, concurrently, the controller documents of `methods` that `resolver`
/// does not know yet, and adds each (or the reason it is missing) to it.
async fn fetch_key_documents(
    fetcher: &Fetcher,
    resolver: &mut OfflineResolver,
    public_url: &str,
    methods: &[String],
    deadline: Instant,
) {
    let mut targets: Vec<(String, String)> = Vec::new();
    for vm in methods {
        let base = vm.split('#').next().unwrap_or(vm).to_string();
        if resolver.knows(&base) || targets.iter().any(|(b, _)| *b == base) {
            continue;
        }
        let why = match key_document_url(&base) {
            Ok(None) => continue,
            Ok(Some(url)) if is_on_this_service(public_url, &url) => format!("{base} is not an issuer of this service"),
            Ok(Some(url)) if targets.len() < MAX_FETCHES_PER_KIND => {
                targets.push((base, url));
                continue;
            }
            Ok(Some(_)) => {
                format!("not fetched: one verification fetches at most {MAX_FETCHES_PER_KIND} key documents at a time")
            }
            Err(why) => why,
        };
        resolver.add_unavailable(base, why);
    }
    let fetched = join_all(targets.iter().map(|(_, url)| fetcher.json(url, deadline))).await;
    for ((base, url), result) in targets.into_iter().zip(fetched) {
        match result {
            Ok(doc) => match doc.get("id").and_then(Value::as_str) {
                Some(id) if id == base => {
                    resolver.add_document(base, Value::clone(&doc));
                }
                other => {
                    let said = other.map(|id| format!("says its id is {id}")).unwrap_or_else(|| "has no id".into());
                    resolver.add_unavailable(base.clone(), format!("the key document {url} {said}, not {base}"));
                }
            },
            Err(e) => {
                resolver.add_unavailable(base, format!("the key document {url} could not be fetched: {e}"));
            }
        }
    }
}

/// What a credential points at outside this service.
struct Wanted<'a> {
    public_url: &'a str,
    /// Verification methods of the credential's and its endorsements' proofs.
    methods: &'a [String],
    status_lists: &'a [String],
    revocation_lists: &'a [String],
    /// Empty unless the request asked for evidence to be fetched.
    evidence: &'a [EvidenceRef],
}

/// What the credential points at on other hosts, fetched before the checks.
#[derive(Default)]
struct Fetched {
    /// Status list credentials as fetched (their proofs are checked on the blocking thread).
    status_lists: Vec<(String, Result<Arc<Value>, String>)>,
    revocation_lists: Vec<(String, Result<RevocationList, String>)>,
    evidence: Vec<ReportCheck>,
}

/// Fetches, concurrently and within the policy's deadline, the key documents,
/// status lists, revocation lists and (when asked) evidence files a credential
/// points at on other hosts; then the key documents the fetched lists' proofs name.
async fn fetch_foreign(fetcher: &Fetcher, resolver: &mut OfflineResolver, wanted: Wanted<'_>) -> Fetched {
    let deadline = Instant::now() + fetcher.policy().deadline;
    let (lists, refused_lists) = to_fetch(wanted.status_lists, wanted.public_url, "status list");
    let (revocation_lists, refused_revocation_lists) =
        to_fetch(wanted.revocation_lists, wanted.public_url, "revocation list");
    let evidence_digests = join_all(wanted.evidence.iter().map(|e| async move {
        match e.digest {
            Ok(_) => Some(fetcher.sha256(&e.url, deadline).await),
            Err(_) => None,
        }
    }));
    let status_docs = join_all(lists.iter().map(|url| fetcher.json(url, deadline)));
    let revocation_docs = join_all(revocation_lists.iter().map(|url| fetcher.json(url, deadline)));
    let (evidence_digests, status_docs, revocation_docs, ()) = tokio::join!(
        evidence_digests,
        status_docs,
        revocation_docs,
        fetch_key_documents(fetcher, resolver, wanted.public_url, wanted.methods, deadline)
    );
    let mut status_lists: Vec<(String, Result<Arc<Value>, String>)> = lists
        .iter()
        .zip(status_docs)
        .map(|(url, r)| (url.clone(), r.map_err(|e| format!("status list {url} could not be fetched: {e}"))))
        .collect();
    let list_methods: Vec<String> =
        status_lists.iter().filter_map(|(_, r)| r.as_ref().ok()).flat_map(|doc| verification_methods(doc)).collect();
    fetch_key_documents(fetcher, resolver, wanted.public_url, &list_methods, deadline).await;
    status_lists.extend(refused_lists.into_iter().map(|(url, why)| (url, Err(why))));
    let mut revocation_lists: Vec<(String, Result<RevocationList, String>)> = revocation_lists
        .iter()
        .zip(revocation_docs)
        .map(|(url, r)| {
            let list = r.map_err(|e| format!("revocation list {url} could not be fetched: {e}")).and_then(|doc| {
                remote_status::read_revocation_list(&doc, url)
                    .map_err(|e| format!("revocation list {url} cannot be used: {e}"))
            });
            (url.clone(), list)
        })
        .collect();
    revocation_lists.extend(refused_revocation_lists.into_iter().map(|(url, why)| (url, Err(why))));
    let evidence =
        wanted.evidence.iter().zip(evidence_digests).map(|(e, fetched)| fetched_evidence_check(e, fetched)).collect();
    Fetched { status_lists, revocation_lists, evidence }
}

fn fetched_evidence_check(e: &EvidenceRef, fetched: Option<Result<[u8; 32], crate::fetch::FetchError>>) -> ReportCheck {
    let url = &e.url;
    let (status, message) = match (&e.digest, fetched) {
        (Err(why), _) => ("error", format!("the file at {url} cannot be compared: {why}")),
        (_, None) => ("error", format!("the file at {url} was not fetched")),
        (_, Some(Err(why))) => ("error", format!("evidence {url} could not be fetched: {why}")),
        (Ok(want), Some(Ok(got))) if *want == got => {
            ("passed", format!("the file at {url} matches the evidence's digest: unaltered since issuance"))
        }
        (Ok(_), Some(Ok(_))) => {
            ("failed", format!("the file at {url} does not match the evidence's digest: it changed since issuance"))
        }
    };
    ReportCheck { check: format!("evidence[{}]", e.index), status: status.into(), message }
}

/// The status answers for the checks: this service's own, and the fetched lists,
/// whose proofs are checked here under `limits` (CPU work: call it on a blocking
/// thread). Also says whether a list's proof ran out of the canonicalization budget.
fn status_sources(
    mut sources: StatusSources,
    fetched_lists: &[(String, Result<Arc<Value>, String>)],
    revocation_lists: &[(String, Result<RevocationList, String>)],
    resolver: &OfflineResolver,
    now: time::OffsetDateTime,
    limits: &CanonLimits,
) -> (StatusSources, bool) {
    let mut over_budget = false;
    for (url, fetched) in fetched_lists {
        let list = fetched.clone().and_then(|doc| {
            remote_status::verify_status_list_credential_with(&doc, url, resolver, now, limits).map_err(|e| {
                over_budget |= matches!(&e, remote_status::StatusDocumentError::Proof(p) if p.is_over_budget());
                format!("status list {url} cannot be trusted: {e}")
            })
        });
        sources.add_list(url.clone(), list);
    }
    for (url, list) in revocation_lists {
        sources.add_revocation_list(url.clone(), list.clone());
    }
    (sources, over_budget)
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

/// What a document claims, read through the Open Badges 3.0 model; of one that does not
/// fit it, only what every Verifiable Credential has (id, name, issuer).
fn facts(doc: &Value) -> Facts {
    use serde::Deserialize;
    let Ok(c) = model::OpenBadgeCredential::deserialize(doc) else {
        return Facts {
            credential_id: text_of(doc.get("id")),
            name: text_of(doc.get("name")),
            issuer_id: model::issuer_id_of(doc),
            ..Facts::default()
        };
    };
    let achievement = &c.credential_subject.achievement;
    let issuer_name = match &c.issuer {
        model::Issuer::Profile(p) => p.name.clone(),
        model::Issuer::Id(_) => None,
    };
    Facts {
        credential_id: c.id.clone(),
        name: c.name.clone(),
        achievement: Some(achievement.name.clone()),
        achievement_description: Some(achievement.description.clone()),
        achievement_type: achievement.achievement_type.as_ref().map(|t| t.as_str().to_string()),
        criteria: achievement.criteria.narrative.clone(),
        issuer_id: Some(c.issuer_id().to_string()),
        issuer_name,
        registered_issuer: None,
        valid_from: c.start_date().map(String::from),
        valid_until: c.end_date().map(String::from),
        alignments: achievement.alignment.iter().flatten().filter_map(|a| serde_json::to_value(a).ok()).collect(),
        results: c.credential_subject.result.iter().flatten().filter_map(|r| serde_json::to_value(r).ok()).collect(),
        evidence: evidence_of(&c).into_iter().filter_map(|e| serde_json::to_value(e).ok()).collect(),
        narrative: c.credential_subject.narrative.clone(),
        format: None,
    }
}

fn evidence_of(c: &model::OpenBadgeCredential) -> Vec<&model::Evidence> {
    c.evidence.iter().flat_map(|list| list.iter()).collect()
}

/// Compares an uploaded file with the SHA-256 digests of the credential's evidence.
fn evidence_check(doc: &Value, file: &[u8]) -> ReportCheck {
    use serde::Deserialize;
    use sha2::{Digest, Sha256};
    let digest: [u8; 32] = Sha256::digest(file).into();
    let credential = model::OpenBadgeCredential::deserialize(doc).ok();
    let evidence = credential.as_ref().map(evidence_of).unwrap_or_default();
    let with_digest: Vec<(&model::Evidence, &str)> =
        evidence.iter().filter_map(|e| Some((*e, e.digest_multibase.as_deref()?))).collect();
    let matched = with_digest.iter().find(|(_, d)| sha256_of_multihash(d).ok() == Some(digest));
    let (status, message) = match (matched, with_digest.is_empty()) {
        (Some((e, _)), _) => {
            ("passed", format!("the file is the evidence '{}', unaltered", e.name.clone().unwrap_or_default()))
        }
        (None, true) => ("failed", "the credential's evidence carries no digest to compare the file with".to_string()),
        (None, false) => (
            "failed",
            "the file matches none of the credential's evidence: it differs from what was assessed".to_string(),
        ),
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

/// The kept static checks of a credential followed by what can change: its embedded
/// endorsements (each with its own validity and status), validity, status and recipient;
/// and whether an endorsement ran out of the canonicalization budget. (Credentials stored
/// here carry no endorsements: for them this does no canonicalization.)
fn with_live_checks(fixed: &verify::StaticChecks, doc: &Value, options: &VerifyOptions<'_>) -> (Vec<Check>, bool) {
    let mut checks = fixed.checks.clone();
    let mut over_budget = false;
    if let Some(cred) = &fixed.credential {
        let (more, endorsements_over_budget) =
            verify::credential_checks(doc, cred, fixed.open_badge.as_ref(), options, true);
        checks.extend(more);
        over_budget = endorsements_over_budget;
    }
    (checks, over_budget)
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
    if request.fetch_evidence {
        return Ok(None);
    }
    let Some(static_checks) = verifier.stored.get(id) else { return Ok(None) };
    let known = match verifier.stored_facts.get(id) {
        Some(k) => k,
        None => match StoredFacts::read(store, id).await? {
            Some(k) => verifier.stored_facts.keep(id, k),
            None => return Ok(None),
        },
    };
    if presented.is_some_and(|doc| *doc != known.document) {
        return Ok(None);
    }
    // What can change: revocation and suspension, read from the credential's row.
    let Some((revoked, suspended)) = store.credential_state(id).await? else { return Ok(None) };
    let mut statuses = StatusSources::new();
    let issuer = known.issuer.as_deref().unwrap_or_default();
    for (list, purpose, index, l) in &known.entries {
        let bit = match l.purpose {
            StatusPurpose::Revocation => revoked,
            StatusPurpose::Suspension => suspended,
        };
        statuses.add_answer(issuer, list, purpose, *index, if bit { StatusAnswer::Set } else { StatusAnswer::Clear });
    }
    let resolver = OfflineResolver::new();
    let mut options = VerifyOptions::new(&resolver, request.as_of.unwrap_or_else(time::OffsetDateTime::now_utc));
    options.status = Some(&statuses);
    options.recipient_email = request.recipient_email.as_deref();
    let (checks, _) = with_live_checks(&static_checks, &known.document, &options);
    let report = verify::VerificationReport {
        verified: false,
        checks,
        format: Some(CredentialFormat::of_document(&known.document)),
        credential: Some(known.document.clone()),
        over_budget: false,
    };
    Ok(Some(summarize(report, request, Vec::new(), known.registered.clone())))
}

/// What never changes about a credential stored here (the document is immutable,
/// its status entries are its own indexes of its organization's lists), read once
/// by [`verify_stored`]. Only credentials whose every status entry is such an
/// index qualify.
struct StoredFacts {
    document: Value,
    issuer: Option<String>,
    /// Each entry's list URL, purpose, index, and the list it names.
    entries: Vec<(String, String, u64, StatusListId)>,
    /// The organization, when the credential's issuer is its Profile or did:web.
    registered: Option<Organization>,
}

impl StoredFacts {
    async fn read(store: &Store, id: &str) -> AppResult<Option<StoredFacts>> {
        let Some(c) = store.credential(id).await? else { return Ok(None) };
        let Some(org) = store.organization_by_id(&c.organization_id).await? else { return Ok(None) };
        if !revocation_list_urls(&c.document).is_empty() {
            return Ok(None);
        }
        let mut entries = Vec::new();
        for (_, list, purpose, index) in status_entries(&c.document) {
            let own = store.own_status_list(&list).filter(|(slug, _)| *slug == org.slug).and_then(|(_, l)| l);
            match own {
                Some(l) if l.purpose.as_str() == purpose => entries.push((list, purpose, index, l)),
                _ => return Ok(None),
            }
        }
        let issuer = model::issuer_id_of(&c.document);
        let registered = issuer.as_deref().is_some_and(|i| names_organization(store, &org, i)).then_some(org);
        Ok(Some(StoredFacts { document: c.document, issuer, entries, registered }))
    }
}

/// Verifies a presented credential and reports every check.
pub async fn verify(
    store: &Store,
    verifier: &Verifier,
    presented: Presented,
    request: VerifyRequest,
) -> AppResult<VerificationResult> {
    use crate::metrics::VerificationOutcome as Counted;
    let result = verify_uncounted(store, verifier, presented, request).await;
    let counted = match &result {
        Ok(r) => match r.result {
            Outcome::Valid => Counted::Valid,
            Outcome::Invalid => Counted::Invalid,
            Outcome::Indeterminate => Counted::Indeterminate,
        },
        Err(AppError::Database(_) | AppError::Sqlite(_) | AppError::Migration(_) | AppError::Internal(_)) => {
            Counted::Error
        }
        Err(_) => Counted::Refused,
    };
    crate::metrics::global().verification(counted);
    result
}

async fn verify_uncounted(
    store: &Store,
    verifier: &Verifier,
    presented: Presented,
    request: VerifyRequest,
) -> AppResult<VerificationResult> {
    if let Presented::Reference(r) = &presented
        && (r.chars().any(char::is_control) || r.len() > 2048)
    {
        return Err(AppError::invalid(
            "id",
            "not the URL or id of a credential: it has control characters or is too long",
        ));
    }
    let (presented, fetched_from) = fetched_reference(store, &verifier.fetcher, presented).await?;
    if let Some(result) = ob2::verify_if_ob2(store, verifier, &presented, fetched_from.as_deref(), &request).await? {
        return Ok(result);
    }
    let prefix = format!("{}/credentials/", store.public_url);
    let (ours, document) = match &presented {
        Presented::Reference(r) => (Some(r.strip_prefix(&prefix).unwrap_or(r).to_string()), None),
        Presented::Json(doc) => {
            (doc.get("id").and_then(Value::as_str).and_then(|i| i.strip_prefix(&prefix)).map(str::to_string), Some(doc))
        }
        _ => (None, None),
    };
    if let Some(id) = &ours
        && let Some(result) = verify_stored(store, verifier, id, document, &request).await?
    {
        return Ok(result);
    }
    let presented_json = matches!(presented, Presented::Json(_));
    let (text, mut stored_id) = credential_text(store, presented).await?;
    let as_json: Option<Value> = if verify::looks_like_jwt(&text) {
        jwt::decode_vc_jwt(text.trim()).ok().map(|d| {
            let owner = jwt_key_owner(&d);
            let mut c = d.credential;
            // The JWT's key reference (or its issuer, for a key carried in the header) plays
            // the part of a proof's verification method: its document is loaded or fetched.
            if let (Some(obj), Some(owner)) = (c.as_object_mut(), owner) {
                obj.insert("proof".into(), serde_json::json!({"verificationMethod": owner}));
            }
            c
        })
    } else {
        serde_json::from_str(&text).ok()
    };
    // A document sent in full that is exactly one of ours: its static checks are kept
    // under its id, like those of a credential named by id.
    if let (true, None, Some(id), Some(doc)) = (presented_json, &stored_id, &ours, &as_json)
        && store.credential(id).await?.is_some_and(|c| c.document == *doc)
    {
        stored_id = Some(id.clone());
    }
    let empty = Value::Null;
    let doc_or_empty = as_json.as_ref().unwrap_or(&empty);
    let methods = verification_methods(doc_or_empty);
    let issuer_id = facts(doc_or_empty).issuer_id;
    let mut sources = StatusSources::new();
    let foreign_lists = own_statuses(store, &status_entries(doc_or_empty), &mut sources).await?;
    let evidence = if request.fetch_evidence { evidence_refs(doc_or_empty) } else { Vec::new() };
    let mut resolver = hosted_resolver(store, &methods).await?;
    let wanted = Wanted {
        public_url: &store.public_url,
        methods: &methods,
        status_lists: &foreign_lists,
        revocation_lists: &revocation_list_urls(doc_or_empty),
        evidence: &evidence,
    };
    let fetched = fetch_foreign(&verifier.fetcher, &mut resolver, wanted).await;
    let registered = match &issuer_id {
        Some(id) => hosted_organization(store, id).await?.filter(|o| names_organization(store, o, id)),
        None => None,
    };
    let now = request.as_of.unwrap_or_else(time::OffsetDateTime::now_utc);
    let email = request.recipient_email.clone();
    let cached = stored_id.as_deref().and_then(|id| verifier.stored.get(id));
    let Fetched { status_lists, revocation_lists, evidence: evidence_checks } = fetched;
    let report = match (cached, &as_json) {
        // One of ours, seen before: only what can change is checked again.
        (Some(static_checks), Some(doc)) => {
            let (statuses, _) =
                status_sources(sources, &status_lists, &revocation_lists, &resolver, now, &CanonLimits::default());
            let mut options = VerifyOptions::new(&resolver, now);
            options.status = Some(&statuses);
            options.recipient_email = email.as_deref();
            let (checks, _) = with_live_checks(&static_checks, doc, &options);
            verify::VerificationReport {
                verified: false,
                checks,
                format: Some(CredentialFormat::of_document(doc)),
                credential: Some(doc.clone()),
                over_budget: false,
            }
        }
        _ => {
            let doc = as_json.clone().filter(|_| stored_id.is_some());
            let job = move |limits: &CanonLimits| {
                let (statuses, lists_over_budget) =
                    status_sources(sources.clone(), &status_lists, &revocation_lists, &resolver, now, limits);
                let mut options = VerifyOptions::new(&resolver, now);
                options.status = Some(&statuses);
                options.recipient_email = email.as_deref();
                options.canon = *limits;
                match &doc {
                    Some(doc) => {
                        // One time budget for its proofs and its endorsements' together.
                        options.canon = limits.with_deadline_from_now();
                        let fixed = verify::static_checks_with(doc, &resolver, &options.canon);
                        let (checks, endorsements_over_budget) = with_live_checks(&fixed, doc, &options);
                        let over_budget = fixed.over_budget || lists_over_budget || endorsements_over_budget;
                        let report = verify::VerificationReport {
                            verified: false,
                            checks,
                            format: Some(CredentialFormat::of_document(doc)),
                            credential: Some(doc.clone()),
                            over_budget,
                        };
                        Verified { report, kept: Some(fixed) }
                    }
                    None => {
                        let mut report = verify::verify_text_with(&text, &options);
                        report.over_budget |= lists_over_budget;
                        Verified { report, kept: None }
                    }
                }
            };
            let Verified { report, kept } = verifier.lanes.run(ClientKey::of(request.client), job).await?;
            // Checks cut short by the budget are an answer for now, not one to keep.
            if let (Some(id), Some(fixed)) = (stored_id, kept.filter(|k| !k.over_budget)) {
                verifier.stored.keep(&id, fixed);
            }
            report
        }
    };
    Ok(summarize(report, &request, evidence_checks, registered))
}

/// A verification run in the lanes: the report, and the static checks to keep for a stored credential.
struct Verified {
    report: verify::VerificationReport,
    kept: Option<verify::StaticChecks>,
}

impl Budgeted for Verified {
    fn over_budget(&self) -> bool {
        self.report.over_budget
    }
}

/// The service's report from the core's: the evidence and registry checks added,
/// the outcome summed up, the facts an employer reads.
fn summarize(
    report: verify::VerificationReport,
    request: &VerifyRequest,
    evidence_checks: Vec<ReportCheck>,
    registered: Option<Organization>,
) -> VerificationResult {
    // Only a proof by the issuer's own key shows who issued; otherwise the document
    // merely claims its issuer, registered here or not.
    let authentic = verify::issuer_proven(&report.checks);
    let mut checks: Vec<ReportCheck> = report.checks.into_iter().map(report_check).collect();
    if let (Some(file), Some(doc)) = (&request.evidence_file, &report.credential) {
        checks.push(evidence_check(doc, file));
    }
    if request.fetch_evidence && report.credential.is_some() {
        if evidence_checks.is_empty() {
            checks.push(ReportCheck {
                check: "evidence".into(),
                status: "skipped".into(),
                message: "no evidence carries both a URL and a digest to compare the file with".into(),
            });
        }
        checks.extend(evidence_checks);
    }
    checks.push(match &registered {
        Some(org) if authentic => ReportCheck {
            check: "registry".into(),
            status: "passed".into(),
            message: format!("the issuer is {}, registered on this service", org.name),
        },
        Some(org) => ReportCheck {
            check: "registry".into(),
            status: "failed".into(),
            message: format!(
                "the document claims to be issued by {}, registered on this service, but no proof shows that {}'s key signed it",
                org.name, org.name
            ),
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
    let registered = registered.filter(|_| authentic);
    let mut facts = report.credential.as_ref().map(facts).unwrap_or_default();
    facts.format = report.format;
    let registered_organization_id = registered.as_ref().map(|o| o.id.clone());
    facts.registered_issuer = registered.map(|o| o.name);
    VerificationResult { result, authentic, checks, facts, credential: report.credential, registered_organization_id }
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
    // `authentic` is every proof passing with the issuer's key (`verify::issuer_proven`), and an
    // organization is named only then: the copy is one of its own, untampered.
    (result.authentic && result.registered_organization_id.is_some() && !id.is_empty() && !id.contains(['/', '?', '#']))
        .then(|| id.to_string())
}

/// [`verify`], counting a verification of a credential stored here. The count is
/// kept in memory and written with others (`Store::count_later`), so verification
/// does not wait for a write;
/// a copy counts only for a credential of the organization that issued the copy.
pub async fn verify_and_count(
    store: &Store,
    verifier: &Verifier,
    presented: Presented,
    request: VerifyRequest,
) -> AppResult<VerificationResult> {
    let by_reference = match &presented {
        Presented::Reference(r) => Some(r.clone()),
        _ => None,
    };
    let result = verify(store, verifier, presented, request).await?;
    if let Some(id) = counted_credential(store, by_reference.as_deref(), &result) {
        let verified = crate::store::CredentialEvent::Verified;
        match (&by_reference, &result.registered_organization_id) {
            (Some(_), _) => store.count_later(&id, verified, None),
            // A copy counts for the organization whose key signed it (the registry check passed).
            (None, Some(org)) => store.count_later(&id, verified, Some(org)),
            (None, None) => {}
        }
    }
    Ok(result)
}
