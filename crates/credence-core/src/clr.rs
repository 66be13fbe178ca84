//! CLR 2.0 (1EdTech Comprehensive Learner Record): a `ClrCredential` whose
//! `credentialSubject.verifiableCredential` holds Open Badges `AchievementCredential`s.
//!
//! The CLR itself is checked like any credential (contexts, its own structure, every proof, that
//! each key is its issuer's by [`verify::issuer_key`], the validity window), and then each credential
//! inside it is verified in full, on its own (its proofs, their keys against *its* issuer, its
//! validity and status), reported as `credential[i]` followed by its checks under that prefix
//! (`credential[0].proof[0]`, `credential[0].issuer[0]`, ...). The CLR's proof covers the nested
//! documents as data; it does not vouch for them.
//!
//! The endorsements the CLR carries, and those its credentials carry, are verified as credentials
//! in their own right ([`crate::endorsement`]): `endorsement[0]`, `credential[1].achievement.endorsement[0]`.
//!
//! Nesting is one level, and no input decides how deep the verifier goes: a `ClrCredential` inside
//! a CLR is refused with a check that says so, never followed, and at most
//! [`MAX_NESTED_CREDENTIALS`] credentials are verified, within the one canonicalization budget of
//! the whole verification.

use serde_json::Value;

use super::data_integrity;
use super::jsonld;
use super::model::{self, IdentityObject, VC_V1_CONTEXT, VC_V2_CONTEXT, parse_date_time_z};
use super::verify::{self, Check, CheckStatus, KeyReference, VerificationReport, VerifyOptions};

/// The type of a CLR 2.0 credential.
pub const CLR_CREDENTIAL: &str = "ClrCredential";
/// The CLR 2.0 context (bundled).
pub const CLR_V2_CONTEXT: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
/// Most credentials verified inside one CLR.
pub const MAX_NESTED_CREDENTIALS: usize = 64;

/// True when the document's `type` lists `ClrCredential`.
pub fn is_clr(doc: &Value) -> bool {
    model::has_type(doc, &[CLR_CREDENTIAL])
}

/// The credentials a CLR holds (`credentialSubject.verifiableCredential`, one or a list), as
/// written: objects, compact VC-JWTs, or anything else the checks will refuse. None for a
/// document that is not a CLR.
pub fn held_credentials(doc: &Value) -> Vec<&Value> {
    if !is_clr(doc) {
        return Vec::new();
    }
    match doc.get("credentialSubject").and_then(|s| s.get("verifiableCredential")) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    }
}

fn check(name: impl Into<String>, status: CheckStatus, message: impl Into<String>) -> Check {
    Check { check: name.into(), status, message: message.into() }
}

/// Verifies a `ClrCredential` and each credential inside it.
pub(crate) fn verify_clr_with(doc: &Value, options: &VerifyOptions<'_>) -> VerificationReport {
    // One time budget for the CLR's proofs and every nested credential's.
    let canon = options.canon.with_deadline_from_now();
    let mut checks = Vec::new();
    if let Err(e) = jsonld::check_depth(doc, jsonld::MAX_DEPTH) {
        checks.push(check("format", CheckStatus::Failed, e.to_string()));
        return VerificationReport::new(checks, None);
    }
    checks.push(contexts_check(doc));
    let issuer = issuer_id(doc);
    checks.push(structure_check(doc, issuer));

    let outcomes = data_integrity::verify_proofs_with_limits(doc, &verify::ProofKeys(options.resolver), &canon);
    let mut over_budget = outcomes.iter().any(|o| o.is_over_budget());
    for o in &outcomes {
        let name = format!("proof[{}]", o.index);
        let suite = o.cryptosuite.as_deref().unwrap_or("unknown cryptosuite");
        checks.push(match &o.result {
            Ok(()) => check(name, CheckStatus::Passed, format!("{suite} signature verifies")),
            Err(e) => check(name, verify::proof_failure_status(e), e.to_string()),
        });
    }
    if let Some(issuer) = issuer {
        for o in outcomes.iter().filter(|o| o.is_verified()) {
            if let Some(vm) = &o.verification_method {
                checks.push(verify::issuer_check(o.index, KeyReference::Method(vm), issuer, options.resolver));
            }
        }
    }
    // Its own validity and status, as any credential's (the lists must be the CLR issuer's).
    let own = VerifyOptions { recipient_email: None, ..*options };
    match <model::VerifiableCredential as serde::Deserialize>::deserialize(doc) {
        Ok(vc) => checks.extend(verify::time_and_status_checks(&vc, None, &own)),
        Err(_) => checks.push(check(
            "validity",
            CheckStatus::Failed,
            "the CLR's validity period and status cannot be read: see its structure",
        )),
    }
    if let Some(email) = options.recipient_email {
        checks.push(recipient_check(doc, email));
    }

    let nested_options = VerifyOptions { recipient_email: None, canon, ..*options };
    // The CLR's own endorsements (and its achievements'); each held credential's are verified
    // with it, one level down.
    let (endorsements, endorsements_over_budget) = crate::endorsement::endorsement_checks(doc, &nested_options);
    checks.extend(endorsements);
    over_budget |= endorsements_over_budget;
    over_budget |= nested_checks(doc, &nested_options, &mut checks);
    let mut report = VerificationReport::new(checks, Some(doc.clone()));
    report.over_budget = over_budget;
    report
}

/// The checks of every credential inside the CLR, each prefixed `credential[i]`; says whether
/// one ran out of the canonicalization budget.
fn nested_checks(doc: &Value, options: &VerifyOptions<'_>, checks: &mut Vec<Check>) -> bool {
    let nested = held_credentials(doc);
    if nested.len() > MAX_NESTED_CREDENTIALS {
        checks.push(check(
            "credentials",
            CheckStatus::Failed,
            format!(
                "the CLR holds {} credentials, more than the {MAX_NESTED_CREDENTIALS} this verifier checks",
                nested.len()
            ),
        ));
        return false;
    }
    let mut over_budget = false;
    for (i, credential) in nested.into_iter().enumerate() {
        let name = format!("credential[{i}]");
        let report = match credential {
            Value::String(text) if verify::looks_like_jwt(text) => verify::verify_jwt_with(text.trim(), options),
            Value::Object(_) if is_clr(credential) => {
                checks.push(check(
                    name,
                    CheckStatus::Failed,
                    "a ClrCredential inside a ClrCredential is not verified: CLRs are verified one level deep",
                ));
                continue;
            }
            Value::Object(_) => verify::verify_credential_alone(credential, options),
            _ => {
                checks.push(check(name, CheckStatus::Failed, "not a credential (a JSON object or a VC-JWT)"));
                continue;
            }
        };
        over_budget |= report.over_budget;
        let what = describe(report.credential.as_ref().unwrap_or(credential));
        checks.push(report.summary(&name, &what));
        checks.extend(report.checks.into_iter().map(|c| Check { check: format!("{name}.{}", c.check), ..c }));
    }
    over_budget
}

/// "the credential urn:… (Name) by did:…", from what the document says.
fn describe(credential: &Value) -> String {
    let mut what = String::from("the credential");
    if let Some(id) = credential.get("id").and_then(Value::as_str) {
        what.push(' ');
        what.push_str(id);
    }
    if let Some(name) = credential.get("name").and_then(Value::as_str) {
        what.push_str(&format!(" ({name})"));
    }
    if let Some(issuer) = issuer_id(credential) {
        what.push_str(&format!(" by {issuer}"));
    }
    what
}

/// Every `@context` URL must be a bundled context (nothing is fetched).
fn contexts_check(doc: &Value) -> Check {
    let urls: Vec<&str> = match doc.get("@context") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let unknown: Vec<&str> = urls.into_iter().filter(|u| !jsonld::loader::is_bundled(u)).collect();
    if unknown.is_empty() {
        check("contexts", CheckStatus::Passed, "every @context is a known, bundled context")
    } else {
        check("contexts", CheckStatus::Failed, format!("unknown contexts (never fetched): {}", unknown.join(", ")))
    }
}

fn issuer_id(doc: &Value) -> Option<&str> {
    match doc.get("issuer") {
        Some(Value::String(s)) => Some(s),
        Some(issuer) => issuer.get("id").and_then(Value::as_str),
        None => None,
    }
}

fn is_vc1(doc: &Value) -> bool {
    first_context(doc) == Some(VC_V1_CONTEXT)
}

fn first_context(doc: &Value) -> Option<&str> {
    match doc.get("@context") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Array(items)) => items.first().and_then(Value::as_str),
        _ => None,
    }
}

/// The CLR 2.0 envelope: the VC context first, the CLR context, the types, an issuer, a start
/// date, and a subject holding the credentials.
fn structure_check(doc: &Value, issuer: Option<&str>) -> Check {
    let mut errors = Vec::new();
    if !matches!(first_context(doc), Some(VC_V2_CONTEXT | VC_V1_CONTEXT)) {
        errors.push(format!("@context: the first context must be '{VC_V2_CONTEXT}' (or '{VC_V1_CONTEXT}')"));
    }
    let lists_clr_context = match doc.get("@context") {
        Some(Value::Array(items)) => items.iter().any(|c| c.as_str() == Some(CLR_V2_CONTEXT)),
        _ => false,
    };
    if !lists_clr_context {
        errors.push(format!("@context: must include the CLR 2.0 context ({CLR_V2_CONTEXT})"));
    }
    let types: Vec<&str> = match doc.get("type") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(t)) => vec![t.as_str()],
        _ => Vec::new(),
    };
    if !types.contains(&"VerifiableCredential") {
        errors.push("type: must include VerifiableCredential".to_owned());
    }
    if issuer.is_none_or(|i| !model::is_uri(i)) {
        errors.push("issuer: must be a URI or a Profile with an id that is a URI".to_owned());
    }
    let start = if is_vc1(doc) { "issuanceDate" } else { "validFrom" };
    match doc.get(start).and_then(Value::as_str) {
        None => errors.push(format!("{start}: is required")),
        Some(d) if parse_date_time_z(d).is_none() => {
            errors.push(format!("{start}: is not a date-time with a time zone"))
        }
        Some(_) => {}
    }
    match doc.get("credentialSubject") {
        Some(Value::Object(subject)) => match subject.get("verifiableCredential") {
            Some(Value::Array(items)) if !items.is_empty() => {}
            Some(Value::Object(_) | Value::String(_)) => {}
            _ => errors.push("credentialSubject.verifiableCredential: must hold at least one credential".to_owned()),
        },
        _ => errors.push("credentialSubject: must be an object".to_owned()),
    }
    if errors.is_empty() {
        check("structure", CheckStatus::Passed, "the document is a well-formed CLR 2.0 credential (ClrCredential)")
    } else {
        check("structure", CheckStatus::Failed, errors.join("; "))
    }
}

/// The candidate's email against the CLR subject's hashed identifiers.
fn recipient_check(doc: &Value, email: &str) -> Check {
    let identities: Vec<IdentityObject> = doc
        .get("credentialSubject")
        .and_then(|s| s.get("identifier"))
        .and_then(|ids| serde_json::from_value(ids.clone()).ok())
        .unwrap_or_default();
    crate::verify::identity_check(&identities, email, "CLR")
}
