//! Open Badges 2.0 verification, as 1EdTech's 2.0 specification and its validator
//! define it: an `Assertion`, its `BadgeClass` and its issuer `Profile`, given as
//! JSON documents the caller obtained ([`Documents`], keyed by the URL each was
//! fetched from). Nothing here fetches.
//!
//! - **Hosted** (`verification.type` `hosted` / `HostedBadge`): the assertion counts
//!   only as hosted at its own `id` (the copy fetched from there), and that `id` must
//!   be within the issuer's verification policy (`verification.startsWith`,
//!   `verification.allowedOrigins`; by default the origin of the issuer's `id`).
//! - **Signed** (`signed` / `SignedBadge`): a compact JWS, `RS256`, whose payload is
//!   the assertion, signed with a `CryptographicKey` (`publicKeyPem`) that the issuer
//!   lists in its `publicKey` **and** whose `owner` is the issuer.
//!
//! Then the checks every assertion gets: required fields and types of the three
//! documents, `issuedOn`/`expires`, revocation through the issuer's
//! `revocationList` (or a hosted assertion marked `revoked`), and the recipient
//! (`email`, plain or `sha256$`/`md5$` hashed with its `salt`) against a candidate
//! email. The report has the shape of [`crate::verify::VerificationReport`].
//!
//! The caller gathers the documents in rounds: [`wanted`] says which URLs are still
//! needed given what is known, at most four rounds deep (assertion, BadgeClass,
//! Profile, key and revocation list).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::jwt;
use crate::verify::{Check, CheckStatus, VerificationReport};

/// The JSON-LD context of Open Badges 2.0.
pub const OB2_CONTEXT: &str = "https://w3id.org/openbadges/v2";
/// Most public keys of an issuer tried when a signed assertion names no `creator`.
const MAX_KEYS_TRIED: usize = 4;

/// How an assertion is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Hosted,
    Signed,
}

impl Kind {
    /// The form in plain words, for the check messages.
    pub fn format_name(self) -> &'static str {
        match self {
            Kind::Hosted => "Open Badges 2.0 (hosted)",
            Kind::Signed => "Open Badges 2.0 (signed)",
        }
    }

    /// The format as a report names it.
    pub fn format(self) -> crate::format::CredentialFormat {
        use crate::format::{CredentialFormat, Securing, Standard};
        let securing = match self {
            Kind::Hosted => Securing::Hosted,
            Kind::Signed => Securing::SignedJws { alg: "RS256".into() },
        };
        CredentialFormat { standard: Standard::OpenBadges2, vc_version: None, securing }
    }
}

/// An assertion as presented.
#[derive(Debug, Clone, PartialEq)]
pub enum Presented {
    /// The JSON of an assertion; `fetched_from` is the URL it was fetched from, when it was.
    Json { assertion: Value, fetched_from: Option<String> },
    /// A compact JWS whose payload is the assertion.
    Jws(String),
}

impl Presented {
    /// Reads text as an Open Badges 2.0 assertion: its JSON, or a JWS whose payload is
    /// one. `None` when it is neither.
    pub fn from_text(text: &str, fetched_from: Option<&str>) -> Option<Presented> {
        let t = text.trim();
        if let Some(payload) = jws_payload(t) {
            return is_ob2(&payload).then(|| Presented::Jws(t.to_string()));
        }
        let assertion: Value = serde_json::from_str(t).ok()?;
        is_ob2(&assertion).then(|| Presented::Json { assertion, fetched_from: fetched_from.map(str::to_string) })
    }

    /// The assertion as presented (the JWS payload, unverified).
    pub fn assertion(&self) -> Option<Value> {
        match self {
            Presented::Json { assertion, .. } => Some(assertion.clone()),
            Presented::Jws(jws) => jws_payload(jws),
        }
    }
}

/// True when `doc` is an Open Badges 2.0 assertion: its `@context` is (or lists) the
/// 2.0 context, or, without a Verifiable Credentials context, it has a `recipient`, a
/// `badge` and a `verification` (or 1.x `verify`) object of a hosted or signed type.
pub fn is_ob2(doc: &Value) -> bool {
    let Some(obj) = doc.as_object() else { return false };
    let contexts: Vec<&str> = match obj.get("@context") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if contexts.iter().any(|c| c.trim_end_matches('/') == OB2_CONTEXT) {
        return true;
    }
    if contexts.iter().any(|c| c.contains("credentials")) {
        return false;
    }
    let method = obj.get("verification").or_else(|| obj.get("verify"));
    obj.contains_key("recipient") && obj.contains_key("badge") && method.and_then(kind_of).is_some()
}

/// The kind a verification object names.
fn kind_of(verification: &Value) -> Option<Kind> {
    match verification.get("type").and_then(Value::as_str)? {
        "hosted" | "HostedBadge" => Some(Kind::Hosted),
        "signed" | "SignedBadge" => Some(Kind::Signed),
        _ => None,
    }
}

/// The decoded payload of a compact JWS, not verified; `None` when `text` is not one.
pub fn jws_payload(text: &str) -> Option<Value> {
    let mut parts = text.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || text.contains(char::is_whitespace) {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Value>(&bytes).ok().filter(Value::is_object)
}

/// The documents a verification may use, keyed by the URL each was fetched from,
/// with the reason for each that could not be obtained.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    documents: HashMap<String, Value>,
    unavailable: HashMap<String, String>,
}

impl Documents {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the document fetched from `url`.
    pub fn add_document(&mut self, url: impl Into<String>, document: Value) -> &mut Self {
        self.documents.insert(url.into(), document);
        self
    }

    /// Records that `url` could not be obtained: the sentence a report shows.
    pub fn add_unavailable(&mut self, url: impl Into<String>, reason: impl Into<String>) -> &mut Self {
        self.unavailable.insert(url.into(), reason.into());
        self
    }

    /// True when the document at `url`, or why it is missing, is known.
    pub fn knows(&self, url: &str) -> bool {
        self.documents.contains_key(url) || self.unavailable.contains_key(url)
    }

    /// The document fetched from `url`, or why there is none.
    fn get(&self, url: &str, what: &str) -> Result<&Value, String> {
        self.documents.get(url).ok_or_else(|| match self.unavailable.get(url) {
            Some(reason) => reason.clone(),
            None => format!("the {what} {url} was not obtained"),
        })
    }
}

/// Everything a verification needs besides the assertion and the documents.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    pub now: OffsetDateTime,
    /// The candidate's email, compared with the assertion's recipient.
    pub recipient_email: Option<&'a str>,
}

/// A 2.0 verification: the report, how the assertion is verified, and the BadgeClass
/// and issuer Profile it was checked with (for the facts a page shows).
#[derive(Debug, Clone)]
pub struct Ob2Report {
    pub report: VerificationReport,
    pub kind: Option<Kind>,
    pub badge_class: Option<Value>,
    pub issuer: Option<Value>,
    /// True when the assertion is shown to be the issuer's: hosted at its id within the
    /// issuer's policy, or signed with a key the issuer lists and owns; and the
    /// BadgeClass and Profile check out.
    pub authentic: bool,
}

fn check(name: &str, status: CheckStatus, message: impl Into<String>) -> Check {
    Check { check: name.to_string(), status, message: message.into() }
}

fn text<'a>(doc: &'a Value, key: &str) -> Option<&'a str> {
    doc.get(key).and_then(Value::as_str)
}

/// A reference that is an id string or an object with an `id`.
fn reference_id(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        other => text(other, "id"),
    }
}

fn is_http_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace)
}

/// The assertion as the verification sees it, and where it came from.
struct Subject {
    kind: Kind,
    /// The assertion checked: the hosted copy (hosted) or the JWS payload (signed).
    assertion: Option<Value>,
}

/// The URLs still needed to verify `presented`, given `docs`: the hosted copy at the
/// assertion's id, then the BadgeClass, the issuer Profile, the signing key and the
/// revocation list, each once it is named by a document already known.
pub fn wanted(presented: &Presented, docs: &Documents) -> Vec<String> {
    let mut want = Vec::new();
    let Some(subject) = subject(presented, docs, &mut want) else { return want };
    let Some(assertion) = subject.assertion else { return want };
    let need = |url: &str, want: &mut Vec<String>| {
        if is_http_url(url) && !docs.knows(url) && !want.iter().any(|w| w == url) {
            want.push(url.to_string());
        }
    };
    let creator = assertion.get("verification").and_then(|v| text(v, "creator"));
    if subject.kind == Kind::Signed
        && let Some(key) = creator
    {
        need(key, &mut want);
    }
    let badge = match assertion.get("badge") {
        Some(Value::String(url)) => {
            need(url, &mut want);
            docs.documents.get(url.as_str())
        }
        Some(b @ Value::Object(_)) => Some(b),
        _ => None,
    };
    let issuer = match badge.and_then(|b| b.get("issuer")) {
        Some(Value::String(url)) => {
            need(url, &mut want);
            docs.documents.get(url.as_str())
        }
        Some(i @ Value::Object(_)) => Some(i),
        _ => None,
    };
    if let Some(issuer) = issuer {
        if let Some(Value::String(list)) = issuer.get("revocationList") {
            need(list, &mut want);
        }
        if subject.kind == Kind::Signed && creator.is_none() {
            for key in list_of(issuer.get("publicKey")).into_iter().take(MAX_KEYS_TRIED) {
                if let Value::String(url) = key {
                    need(url, &mut want);
                }
            }
        }
    }
    want
}

/// How `presented` is verified and the assertion to check (the hosted copy for a
/// hosted assertion, once known: its URL is pushed to `want` until then).
fn subject(presented: &Presented, docs: &Documents, want: &mut Vec<String>) -> Option<Subject> {
    match presented {
        Presented::Jws(jws) => Some(Subject { kind: Kind::Signed, assertion: jws_payload(jws) }),
        Presented::Json { assertion, fetched_from } => {
            let kind = assertion.get("verification").or_else(|| assertion.get("verify")).and_then(kind_of)?;
            if kind == Kind::Signed {
                return Some(Subject { kind, assertion: None });
            }
            let id = hosted_id(assertion)?;
            if fetched_from.as_deref() == Some(id) {
                return Some(Subject { kind, assertion: Some(assertion.clone()) });
            }
            match docs.documents.get(id) {
                Some(hosted) => Some(Subject { kind, assertion: Some(hosted.clone()) }),
                None => {
                    if is_http_url(id) && !docs.knows(id) {
                        want.push(id.to_string());
                    }
                    Some(Subject { kind, assertion: None })
                }
            }
        }
    }
}

/// Where a hosted assertion lives: its `id` (1.x: `verify.url`).
fn hosted_id(assertion: &Value) -> Option<&str> {
    text(assertion, "id").or_else(|| assertion.get("verify").and_then(|v| text(v, "url")))
}

fn list_of(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    }
}

fn has_type(doc: &Value, wanted: &[&str]) -> bool {
    list_of(doc.get("type")).iter().filter_map(|t| t.as_str()).any(|t| wanted.contains(&t))
}

/// Verifies an Open Badges 2.0 assertion with the documents the caller obtained.
pub fn verify(presented: &Presented, docs: &Documents, options: &Options<'_>) -> Ob2Report {
    let mut checks = Vec::new();
    let mut ignored = Vec::new();
    let presented_assertion = presented.assertion();
    let Some(Subject { kind, assertion }) = subject(presented, docs, &mut ignored) else {
        checks.push(check(
            "format",
            CheckStatus::Failed,
            "not an Open Badges 2.0 assertion: no hosted or signed verification object",
        ));
        return finish(checks, presented_assertion, None, None, None, false);
    };
    // The signed form's JWS: header, payload, signature.
    if kind == Kind::Signed && matches!(presented, Presented::Json { .. }) {
        checks.push(check(
            "format",
            CheckStatus::Failed,
            "a signed Open Badges 2.0 assertion must be presented as its JWS: the JSON alone carries no signature",
        ));
        return finish(checks, presented_assertion, Some(kind), None, None, false);
    }
    checks.push(check("format", CheckStatus::Passed, format!("{} assertion", kind.format_name())));

    let mut authentic = true;
    let assertion = match (kind, assertion) {
        (Kind::Hosted, Some(hosted)) => {
            let c = hosting_check(presented, &hosted);
            authentic &= c.status == CheckStatus::Passed;
            checks.push(c);
            hosted
        }
        (Kind::Hosted, None) => {
            let id = presented_assertion.as_ref().and_then(hosted_id).unwrap_or_default().to_string();
            let why = if is_http_url(&id) {
                docs.get(&id, "assertion").err().unwrap_or_default()
            } else {
                format!("a hosted assertion must have the http(s) URL it is hosted at as its id, not '{id}'")
            };
            let status = if is_http_url(&id) { CheckStatus::Error } else { CheckStatus::Failed };
            checks.push(check("hosting", status, why));
            return finish(checks, presented_assertion, Some(kind), None, None, false);
        }
        (Kind::Signed, Some(payload)) => payload,
        (Kind::Signed, None) => {
            checks.push(check("proof", CheckStatus::Failed, "the JWS payload is not a JSON object"));
            return finish(checks, presented_assertion, Some(kind), None, None, false);
        }
    };

    let structure = assertion_structure(&assertion, kind);
    let revoked_in_place = assertion.get("revoked").and_then(Value::as_bool) == Some(true);
    if !(revoked_in_place && structure.is_err()) {
        let c = match &structure {
            Ok(()) => check("assertion", CheckStatus::Passed, "the assertion has every required property"),
            Err(e) => check("assertion", CheckStatus::Failed, e.clone()),
        };
        authentic &= c.status == CheckStatus::Passed;
        checks.push(c);
    }

    let (badge_class, c) = badge_class(&assertion, docs);
    authentic &= c.status == CheckStatus::Passed;
    checks.push(c);
    let (issuer, c) = match &badge_class {
        Some(bc) => issuer_profile(bc, docs),
        None => (None, check("issuerProfile", CheckStatus::Skipped, "no BadgeClass to name the issuer")),
    };
    authentic &= c.status == CheckStatus::Passed;
    checks.push(c);

    let ownership = match (&issuer, kind, presented) {
        (Some(issuer), Kind::Hosted, _) => vec![hosted_policy_check(&assertion, issuer)],
        (Some(issuer), Kind::Signed, Presented::Jws(jws)) => signature_checks(jws, &assertion, issuer, docs),
        _ => vec![check(
            "issuer",
            CheckStatus::Error,
            "the issuer's profile was not obtained, so who made this assertion cannot be told",
        )],
    };
    authentic &= !ownership.is_empty() && ownership.iter().all(|c| c.status == CheckStatus::Passed);
    checks.extend(ownership);

    checks.push(validity_check(&assertion, options.now));
    checks.push(revocation_check(&assertion, issuer.as_ref(), docs));
    checks.push(recipient_check(&assertion, options.recipient_email));
    finish(checks, Some(assertion), Some(kind), badge_class, issuer, authentic)
}

fn finish(
    checks: Vec<Check>,
    assertion: Option<Value>,
    kind: Option<Kind>,
    badge_class: Option<Value>,
    issuer: Option<Value>,
    authentic: bool,
) -> Ob2Report {
    let verified =
        !checks.is_empty() && checks.iter().all(|c| matches!(c.status, CheckStatus::Passed | CheckStatus::Skipped));
    let format = kind.map(Kind::format);
    let report = VerificationReport { verified, checks, credential: assertion, over_budget: false, format };
    Ob2Report { report, kind, badge_class, issuer, authentic }
}

/// The hosted copy is at its id, and a copy presented (not fetched) says what it says.
fn hosting_check(presented: &Presented, hosted: &Value) -> Check {
    let Presented::Json { assertion: given, fetched_from } = presented else {
        return check("hosting", CheckStatus::Failed, "a hosted assertion is not a JWS");
    };
    let given_id = hosted_id(given).unwrap_or_default();
    let hosted_own_id = text(hosted, "id").unwrap_or_default();
    if let Some(from) = fetched_from
        && from != given_id
    {
        return check(
            "hosting",
            CheckStatus::Failed,
            format!(
                "the assertion fetched from {from} says its id is '{given_id}': a hosted assertion must be at its id"
            ),
        );
    }
    if hosted_own_id != given_id {
        return check(
            "hosting",
            CheckStatus::Failed,
            format!("the document at {given_id} says its id is '{hosted_own_id}', not {given_id}"),
        );
    }
    if fetched_from.is_none() {
        let differs: Vec<&str> = ["recipient", "badge", "issuedOn", "expires", "evidence", "narrative", "verification"]
            .into_iter()
            .filter(|k| given.get(*k) != hosted.get(*k))
            .collect();
        if !differs.is_empty() {
            return check(
                "hosting",
                CheckStatus::Failed,
                format!(
                    "the copy presented differs from the assertion its issuer hosts at {given_id} ({}): it is not what the issuer says",
                    differs.join(", ")
                ),
            );
        }
    }
    check("hosting", CheckStatus::Passed, format!("the assertion is hosted at its id, {given_id}"))
}

/// Required properties and types of an assertion.
fn assertion_structure(a: &Value, kind: Kind) -> Result<(), String> {
    let mut errors = Vec::new();
    if !a.is_object() {
        return Err("the assertion is not a JSON object".into());
    }
    match text(a, "id") {
        Some(id) if kind == Kind::Hosted && !is_http_url(id) => {
            errors.push(format!("id '{id}' must be the http(s) URL the assertion is hosted at"))
        }
        Some(id) if !crate::model::is_uri(id) => errors.push(format!("id '{id}' is not an IRI")),
        Some(_) => {}
        None => errors.push("id is required".into()),
    }
    if !has_type(a, &["Assertion"]) {
        errors.push("type must include Assertion".into());
    }
    match a.get("recipient") {
        Some(r) if r.is_object() => {
            if text(r, "type").is_none() {
                errors.push("recipient.type is required (email, url, telephone or id)".into());
            }
            if text(r, "identity").is_none() {
                errors.push("recipient.identity is required".into());
            }
            if r.get("hashed").is_some_and(|h| !h.is_boolean()) {
                errors.push("recipient.hashed must be a boolean".into());
            }
            if r.get("salt").is_some_and(|s| !s.is_string() && !s.is_null()) {
                errors.push("recipient.salt must be a string".into());
            }
        }
        _ => errors.push("recipient must be an IdentityObject".into()),
    }
    match a.get("badge") {
        Some(Value::String(s)) if crate::model::is_uri(s) => {}
        Some(b @ Value::Object(_)) if text(b, "id").is_some() => {}
        _ => errors.push("badge must be the BadgeClass's IRI or the BadgeClass itself".into()),
    }
    if a.get("verification").or_else(|| a.get("verify")).and_then(kind_of) != Some(kind) {
        errors.push("verification.type must be hosted or signed".into());
    }
    match text(a, "issuedOn") {
        Some(d) if parse_date(d).is_some() => {}
        Some(d) => errors.push(format!("issuedOn '{d}' is not an ISO 8601 date and time")),
        None => errors.push("issuedOn is required".into()),
    }
    if let Some(e) = a.get("expires").filter(|e| !e.is_null())
        && e.as_str().and_then(parse_date).is_none()
    {
        errors.push(format!("expires {e} is not an ISO 8601 date and time"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
}

/// The BadgeClass (embedded, or fetched from its id) and its check.
fn badge_class(assertion: &Value, docs: &Documents) -> (Option<Value>, Check) {
    let name = "badgeClass";
    let bc = match assertion.get("badge") {
        Some(Value::String(url)) => match docs.get(url, "BadgeClass") {
            Ok(doc) if text(doc, "id") == Some(url.as_str()) => doc.clone(),
            Ok(doc) => {
                let said = text(doc, "id").unwrap_or("no id");
                return (
                    None,
                    check(name, CheckStatus::Failed, format!("the BadgeClass at {url} says its id is {said}")),
                );
            }
            Err(why) => return (None, check(name, CheckStatus::Error, why)),
        },
        Some(b @ Value::Object(_)) => b.clone(),
        _ => return (None, check(name, CheckStatus::Failed, "the assertion names no BadgeClass")),
    };
    let mut errors = Vec::new();
    if text(&bc, "id").is_none_or(|id| !crate::model::is_uri(id)) {
        errors.push("id must be an IRI".to_string());
    }
    if !has_type(&bc, &["BadgeClass"]) {
        errors.push("type must include BadgeClass".into());
    }
    for key in ["name", "description"] {
        if text(&bc, key).is_none() {
            errors.push(format!("{key} is required"));
        }
    }
    if bc.get("image").and_then(reference_id).is_none() {
        errors.push("image is required (a URL, a data URI or an Image)".into());
    }
    match bc.get("criteria") {
        Some(Value::String(_)) => {}
        Some(c @ Value::Object(_)) if text(c, "id").is_some() || text(c, "narrative").is_some() => {}
        _ => errors.push("criteria is required (a URL, or Criteria with an id or a narrative)".into()),
    }
    if bc.get("issuer").and_then(reference_id).is_none() {
        errors.push("issuer is required".into());
    }
    let c = if errors.is_empty() {
        check(name, CheckStatus::Passed, format!("BadgeClass {}", text(&bc, "name").unwrap_or_default()))
    } else {
        check(name, CheckStatus::Failed, format!("the BadgeClass is not valid: {}", errors.join("; ")))
    };
    (Some(bc), c)
}

/// The issuer Profile (embedded, or fetched from its id) and its check.
fn issuer_profile(bc: &Value, docs: &Documents) -> (Option<Value>, Check) {
    let name = "issuerProfile";
    let profile = match bc.get("issuer") {
        Some(Value::String(url)) => match docs.get(url, "issuer profile") {
            Ok(doc) if text(doc, "id") == Some(url.as_str()) => doc.clone(),
            Ok(doc) => {
                let said = text(doc, "id").unwrap_or("no id");
                return (
                    None,
                    check(name, CheckStatus::Failed, format!("the issuer profile at {url} says its id is {said}")),
                );
            }
            Err(why) => return (None, check(name, CheckStatus::Error, why)),
        },
        Some(i @ Value::Object(_)) => i.clone(),
        _ => return (None, check(name, CheckStatus::Failed, "the BadgeClass names no issuer")),
    };
    let mut errors = Vec::new();
    match text(&profile, "id") {
        Some(id) if is_http_url(id) => {}
        Some(id) => errors.push(format!("id '{id}' must be an http(s) URL")),
        None => errors.push("id is required".into()),
    }
    if !has_type(&profile, &["Issuer", "Profile"]) {
        errors.push("type must include Issuer or Profile".into());
    }
    if text(&profile, "name").is_none() {
        errors.push("name is required".into());
    }
    if !text(&profile, "url").is_some_and(is_http_url) {
        errors.push("url must be an http(s) URL".into());
    }
    if !text(&profile, "email").is_some_and(|e| e.contains('@')) {
        errors.push("email is required".into());
    }
    let c = if errors.is_empty() {
        let who = text(&profile, "name").unwrap_or_default();
        check(name, CheckStatus::Passed, format!("issuer {who} ({})", text(&profile, "id").unwrap_or_default()))
    } else {
        check(name, CheckStatus::Failed, format!("the issuer profile is not valid: {}", errors.join("; ")))
    };
    (Some(profile), c)
}

/// `scheme://authority` → authority, lowercased.
fn authority(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(rest[..end].to_ascii_lowercase()).filter(|a| !a.is_empty())
}

/// A hosted assertion's id must be within the issuer's verification policy.
fn hosted_policy_check(assertion: &Value, issuer: &Value) -> Check {
    let name = "issuer";
    let id = text(assertion, "id").unwrap_or_default();
    let issuer_id = text(issuer, "id").unwrap_or_default();
    let policy = issuer.get("verification").filter(|v| v.is_object());
    if let Some(starts) = policy.map(|p| list_of(p.get("startsWith"))).filter(|s| !s.is_empty()) {
        let prefixes: Vec<&str> = starts.iter().filter_map(|s| s.as_str()).collect();
        if !prefixes.iter().any(|p| id.starts_with(p)) {
            return check(
                name,
                CheckStatus::Failed,
                format!("the assertion {id} is not under any URL the issuer allows ({})", prefixes.join(", ")),
            );
        }
    }
    let allowed: Vec<String> = match policy.map(|p| list_of(p.get("allowedOrigins"))).filter(|a| !a.is_empty()) {
        Some(origins) => origins.iter().filter_map(|o| o.as_str()).map(str::to_ascii_lowercase).collect(),
        None => authority(issuer_id).into_iter().collect(),
    };
    match authority(id) {
        Some(origin) if allowed.contains(&origin) => check(
            name,
            CheckStatus::Passed,
            format!("the assertion is hosted on {origin}, where its issuer {issuer_id} hosts its assertions"),
        ),
        origin => check(
            name,
            CheckStatus::Failed,
            format!(
                "the assertion is hosted on {}, not where its issuer {issuer_id} hosts its assertions ({})",
                origin.unwrap_or_else(|| "no web origin".into()),
                allowed.join(", ")
            ),
        ),
    }
}

/// The JWS signature (`proof`) and that its key is the issuer's (`issuer`).
fn signature_checks(jws: &str, assertion: &Value, issuer: &Value, docs: &Documents) -> Vec<Check> {
    let issuer_id = text(issuer, "id").unwrap_or_default();
    let listed: Vec<&Value> = list_of(issuer.get("publicKey"));
    let listed_ids: Vec<&str> = listed.iter().filter_map(|k| reference_id(k)).collect();
    let creator = assertion.get("verification").and_then(|v| text(v, "creator"));
    let candidates: Vec<&str> = match creator {
        Some(c) => vec![c],
        None => listed_ids.iter().copied().take(MAX_KEYS_TRIED).collect(),
    };
    if candidates.is_empty() {
        return vec![check(
            "proof",
            CheckStatus::Failed,
            "the assertion names no key (verification.creator) and its issuer lists none (publicKey)",
        )];
    }
    let header_ok = match jws_header(jws) {
        Some(h) if text(&h, "alg") == Some("RS256") => Ok(()),
        Some(h) => Err(format!(
            "the JWS algorithm is {}, and Open Badges 2.0 signs with RS256",
            h.get("alg").map(Value::to_string).unwrap_or_else(|| "missing".into())
        )),
        None => Err("the JWS header is not a JSON object".into()),
    };
    if let Err(why) = header_ok {
        return vec![check("proof", CheckStatus::Failed, why)];
    }
    let mut last_error = (CheckStatus::Failed, String::new());
    for key_url in candidates {
        // A key the issuer embeds in its own profile needs no fetch.
        let embedded = listed.iter().find(|k| k.is_object() && reference_id(k) == Some(key_url)).copied();
        let key_doc = match embedded.map(Ok).unwrap_or_else(|| docs.get(key_url, "public key")) {
            Ok(doc) => doc,
            Err(why) => {
                last_error = (CheckStatus::Error, why);
                continue;
            }
        };
        if embedded.is_none() && text(key_doc, "id") != Some(key_url) {
            let said = text(key_doc, "id").unwrap_or("no id");
            last_error = (CheckStatus::Failed, format!("the key document at {key_url} says its id is {said}"));
            continue;
        }
        let verified = text(key_doc, "publicKeyPem")
            .ok_or_else(|| format!("the key {key_url} has no publicKeyPem"))
            .and_then(|pem| verify_rs256_pem(jws, pem).map_err(|e| format!("with the key {key_url}: {e}")));
        match verified {
            Ok(()) => {
                let proof =
                    check("proof", CheckStatus::Passed, format!("RS256 signature verifies with the key {key_url}"));
                let owner = text(key_doc, "owner").unwrap_or_default();
                let ownership = if !listed_ids.contains(&key_url) {
                    check(
                        "issuer",
                        CheckStatus::Failed,
                        format!("the signing key {key_url} is not one of the keys its issuer {issuer_id} lists"),
                    )
                } else if owner != issuer_id {
                    check(
                        "issuer",
                        CheckStatus::Failed,
                        format!("the signing key {key_url} names {owner:?} as its owner, not the issuer {issuer_id}"),
                    )
                } else {
                    check(
                        "issuer",
                        CheckStatus::Passed,
                        format!("the signing key {key_url} is listed by its issuer {issuer_id} and owned by it"),
                    )
                };
                return vec![proof, ownership];
            }
            Err(why) => last_error = (CheckStatus::Failed, why),
        }
    }
    vec![check("proof", last_error.0, last_error.1)]
}

fn jws_header(jws: &str) -> Option<Value> {
    let header = jws.split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Value>(&bytes).ok().filter(Value::is_object)
}

/// Checks the RS256 signature of a compact JWS with a PEM public key (SPKI `PUBLIC
/// KEY` or PKCS#1 `RSA PUBLIC KEY`).
pub fn verify_rs256_pem(jws: &str, pem: &str) -> Result<(), String> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;
    let (label, der) = pem_der(pem)?;
    let key = match label.as_str() {
        "PUBLIC KEY" => rsa::RsaPublicKey::from_public_key_der(&der).map_err(|e| format!("bad public key: {e}"))?,
        "RSA PUBLIC KEY" => rsa::RsaPublicKey::from_pkcs1_der(&der).map_err(|e| format!("bad public key: {e}"))?,
        other => return Err(format!("a PEM block of type '{other}' is not an RSA public key")),
    };
    let (signing_input, signature) = jws.rsplit_once('.').ok_or("not a compact JWS")?;
    let signature =
        URL_SAFE_NO_PAD.decode(signature.trim_end_matches('=')).map_err(|_| "the signature is not base64url")?;
    jwt::verify_rs256(&key.n().to_bytes_be(), &key.e().to_bytes_be(), signing_input.as_bytes(), &signature)
        .map_err(|e| e.to_string())
}

/// The label and bytes of the first PEM block of `pem`.
fn pem_der(pem: &str) -> Result<(String, Vec<u8>), String> {
    let begin = pem.find("-----BEGIN ").ok_or("not a PEM key")?;
    let after = &pem[begin + "-----BEGIN ".len()..];
    let label_end = after.find("-----").ok_or("not a PEM key")?;
    let label = after[..label_end].to_string();
    let body = &after[label_end + 5..];
    let end = body.find("-----END ").ok_or("the PEM key is not terminated")?;
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD.decode(b64).map_err(|_| "the PEM key is not base64")?;
    Ok((label, der))
}

/// Parses an Open Badges 2.0 DateTime: ISO 8601 with an offset (`Z`, `+01:00` or
/// `+0100`), or without one (read as UTC).
pub fn parse_date(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let cut = s.len().checked_sub(5)?;
    if let (Some(head), Some(off)) = (s.get(..cut), s.get(cut..))
        && off.starts_with(['+', '-'])
        && off[1..].bytes().all(|b| b.is_ascii_digit())
    {
        return OffsetDateTime::parse(&format!("{head}{}:{}", &off[..3], &off[3..]), &Rfc3339).ok();
    }
    OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok()
}

fn validity_check(a: &Value, now: OffsetDateTime) -> Check {
    let name = "validity";
    let Some(issued) = text(a, "issuedOn").and_then(parse_date) else {
        return check(name, CheckStatus::Failed, "the assertion has no valid issuedOn date");
    };
    let fmt = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    if issued > now {
        return check(
            name,
            CheckStatus::Failed,
            format!("not yet issued: issuedOn is {} (in the future)", fmt(issued)),
        );
    }
    match text(a, "expires").and_then(parse_date) {
        Some(expires) if expires < issued => {
            check(name, CheckStatus::Failed, "the assertion expires before it was issued")
        }
        Some(expires) if expires < now => check(name, CheckStatus::Failed, format!("expired on {}", fmt(expires))),
        Some(expires) => {
            check(name, CheckStatus::Passed, format!("issued on {}, expires on {}", fmt(issued), fmt(expires)))
        }
        None => check(name, CheckStatus::Passed, format!("issued on {}; does not expire", fmt(issued))),
    }
}

fn revocation_check(a: &Value, issuer: Option<&Value>, docs: &Documents) -> Check {
    let name = "status";
    let id = text(a, "id").unwrap_or_default();
    let reason_text = |r: Option<&str>| r.map(|r| format!(": {r}")).unwrap_or_default();
    if a.get("revoked").and_then(Value::as_bool) == Some(true) {
        return check(
            name,
            CheckStatus::Failed,
            format!("revoked by the issuer{}", reason_text(text(a, "revocationReason"))),
        );
    }
    let Some(issuer) = issuer else {
        return check(
            name,
            CheckStatus::Error,
            "the issuer's profile, which names its revocation list, was not obtained",
        );
    };
    let list = match issuer.get("revocationList") {
        None | Some(Value::Null) => {
            return check(name, CheckStatus::Passed, "not revoked: the issuer publishes no revocation list");
        }
        Some(Value::String(url)) => match docs.get(url, "revocation list") {
            Ok(list) if text(list, "id").is_some_and(|i| i != url) => {
                return check(
                    name,
                    CheckStatus::Error,
                    format!("the revocation list at {url} says its id is {}", text(list, "id").unwrap_or_default()),
                );
            }
            Ok(list) => list,
            Err(why) => return check(name, CheckStatus::Error, why),
        },
        Some(embedded @ Value::Object(_)) => embedded,
        Some(_) => return check(name, CheckStatus::Error, "the issuer's revocationList is neither a URL nor a list"),
    };
    let Some(entries) = list.get("revokedAssertions").and_then(Value::as_array) else {
        return check(name, CheckStatus::Error, "the issuer's revocation list has no revokedAssertions array");
    };
    let uid = text(a, "uid");
    let hit = entries.iter().find(|e| match e {
        Value::String(s) => s == id,
        other => text(other, "id") == Some(id) || (uid.is_some() && text(other, "uid") == uid),
    });
    match hit {
        Some(entry) => check(
            name,
            CheckStatus::Failed,
            format!("revoked by the issuer{}", reason_text(text(entry, "revocationReason"))),
        ),
        None => check(name, CheckStatus::Passed, "not revoked: the issuer's revocation list does not name it"),
    }
}

fn recipient_check(a: &Value, email: Option<&str>) -> Check {
    let name = "recipient";
    let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) else {
        return check(name, CheckStatus::Skipped, "no email was given to compare with the recipient");
    };
    let Some(r) = a.get("recipient").filter(|r| r.is_object()) else {
        return check(name, CheckStatus::Failed, "the assertion has no recipient");
    };
    let kind = text(r, "type").unwrap_or_default();
    if kind != "email" {
        return check(
            name,
            CheckStatus::Skipped,
            format!("the recipient is identified by {kind}, not by email: the email cannot be compared"),
        );
    }
    let identity = text(r, "identity").unwrap_or_default();
    let salt = text(r, "salt").unwrap_or_default();
    let candidates = [email.to_string(), email.to_lowercase()];
    let matched = if r.get("hashed").and_then(Value::as_bool) == Some(true) {
        let lower = identity.to_ascii_lowercase();
        if let Some(hex_digest) = lower.strip_prefix("sha256$") {
            candidates
                .iter()
                .any(|c| hex::encode(Sha256::new().chain_update(c).chain_update(salt).finalize()) == hex_digest)
        } else if let Some(hex_digest) = lower.strip_prefix("md5$") {
            use md5::Digest as _;
            candidates
                .iter()
                .any(|c| hex::encode(md5::Md5::new().chain_update(c).chain_update(salt).finalize()) == hex_digest)
        } else {
            return check(name, CheckStatus::Failed, "the recipient's hash is neither sha256$ nor md5$");
        }
    } else {
        candidates.iter().any(|c| c.eq_ignore_ascii_case(identity.trim()))
    };
    if matched {
        check(name, CheckStatus::Passed, "the email matches the recipient")
    } else {
        check(name, CheckStatus::Failed, "the email does not match the recipient")
    }
}
