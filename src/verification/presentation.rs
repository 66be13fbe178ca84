//! Verifiable presentations: the presentation's own proof (who presented it, for which
//! challenge and domain) and each credential it carries, reported one by one.
//!
//! Used by the W3C VC API (`POST /presentations/verify`, which requires the presentation
//! to be signed) and by the employer's verifier (`POST /api/v1/verify`, `/verify`), where
//! a wallet's unsigned presentation still gets each of its credentials checked.

use std::net::IpAddr;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{Outcome, Presented, ReportCheck, Verifier, VerifyRequest, report_check, verify_and_count};
use crate::error::{AppError, AppResult};
use crate::store::Store;
use credence_core::model::{VC_V1_CONTEXT, VC_V2_CONTEXT};
use credence_core::verify;

/// Most credentials one presentation may carry: each is a whole verification.
pub const MAX_PRESENTED_CREDENTIALS: usize = 32;

/// What the presenter asked to be held to.
#[derive(Debug, Clone, Default)]
pub struct PresentationOptions {
    /// The challenge (nonce) the verifier gave; the proof must carry the same.
    pub challenge: Option<Value>,
    /// The domain the verifier gave; the proof must carry the same.
    pub domain: Option<Value>,
    /// A presentation without a proof fails (VC API) instead of being reported as unsigned.
    pub require_proof: bool,
}

/// A presentation's report: its own checks, then one report per credential in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresentationResult {
    /// `valid` only when the presentation's checks and every credential are valid.
    pub result: Outcome,
    /// The holder the presentation names, if any.
    pub holder: Option<String>,
    /// The presentation's own checks: its context, each proof, the holder's key, the
    /// challenge and domain.
    pub checks: Vec<ReportCheck>,
    /// Each credential of the presentation, in order, with its own report.
    pub credentials: Vec<super::VerificationResult>,
}

/// True when `value` is typed a `VerifiablePresentation`.
pub fn is_presentation(value: &Value) -> bool {
    value.get("type").is_some_and(|t| {
        t == "VerifiablePresentation" || t.as_array().is_some_and(|a| a.iter().any(|x| x == "VerifiablePresentation"))
    })
}

fn passed(check: &str, message: impl Into<String>) -> ReportCheck {
    ReportCheck { check: check.into(), status: "passed".into(), message: message.into() }
}

fn failed(check: impl Into<String>, message: impl Into<String>) -> ReportCheck {
    ReportCheck { check: check.into(), status: "failed".into(), message: message.into() }
}

/// The credentials a presentation carries, each checked for its form before any is
/// verified: an object (a credential, or an `EnvelopedVerifiableCredential`) or a
/// compact VC-JWT. More than [`MAX_PRESENTED_CREDENTIALS`] is refused whole.
fn presented_credentials(vp: &Value) -> AppResult<Vec<Presented>> {
    let items: Vec<&Value> = match vp.get("verifiableCredential") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    if items.len() > MAX_PRESENTED_CREDENTIALS {
        return Err(AppError::invalid(
            "verifiablePresentation.verifiableCredential",
            format!("holds {} credentials: at most {MAX_PRESENTED_CREDENTIALS} are verified at once", items.len()),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(_) => Ok(Presented::Json(item.clone())),
            Value::String(s) if verify::looks_like_jwt(s) => Ok(Presented::Jwt(s.clone())),
            _ => Err(AppError::invalid(
                format!("verifiablePresentation.verifiableCredential[{i}]"),
                "must be a credential object or a compact VC-JWT",
            )),
        })
        .collect()
}

/// Verifies a presentation: its context and proofs (see [`PresentationOptions`]) and each
/// of its credentials with everything `request` asks (recipient, time), counted like any
/// verification.
pub async fn verify_presentation(
    store: &Store,
    verifier: &Verifier,
    vp: Value,
    options: PresentationOptions,
    request: VerifyRequest,
) -> AppResult<PresentationResult> {
    if !is_presentation(&vp) {
        return Err(AppError::invalid("verifiablePresentation.type", "must include VerifiablePresentation"));
    }
    let credentials = presented_credentials(&vp)?;
    let holder = match vp.get("holder") {
        Some(Value::String(h)) => Some(h.clone()),
        Some(h) => h.get("id").and_then(Value::as_str).map(str::to_string),
        None => None,
    };
    let mut checks = Vec::new();
    let first_context = match vp.get("@context") {
        Some(Value::Array(items)) => items.first(),
        other => other,
    };
    if first_context.and_then(Value::as_str).is_some_and(|c| c == VC_V2_CONTEXT || c == VC_V1_CONTEXT) {
        checks.push(passed("@context", "the presentation's first context is the Verifiable Credentials context"));
    } else {
        checks.push(failed("@context", format!("the first @context must be {VC_V2_CONTEXT} (or {VC_V1_CONTEXT})")));
    }
    checks.extend(proof_checks(verifier, &vp, &options, request.client).await?);
    let mut results = Vec::with_capacity(credentials.len());
    for presented in credentials {
        results.push(verify_and_count(store, verifier, presented, request.clone()).await?);
    }
    let every = checks.iter().map(|c| c.status.as_str()).chain(results.iter().map(|r| match r.result {
        Outcome::Valid => "passed",
        Outcome::Invalid => "failed",
        Outcome::Indeterminate => "error",
    }));
    let statuses: Vec<&str> = every.collect();
    let result = if statuses.contains(&"failed") {
        Outcome::Invalid
    } else if statuses.contains(&"error") || results.is_empty() {
        Outcome::Indeterminate
    } else {
        Outcome::Valid
    };
    Ok(PresentationResult { result, holder, checks, credentials: results })
}

/// The presentation's proofs: each verified (purpose `authentication`, the holder's key),
/// with the challenge and domain compared. Without a proof: a failure when one is
/// required, otherwise a skipped check saying what that means.
async fn proof_checks(
    verifier: &Verifier,
    vp: &Value,
    options: &PresentationOptions,
    client: Option<IpAddr>,
) -> AppResult<Vec<ReportCheck>> {
    let Some(proof) = vp.get("proof") else {
        let message = "the presentation has no proof: nothing shows who presented it or that it was not altered";
        return Ok(vec![if options.require_proof {
            failed("proof", message)
        } else {
            ReportCheck { check: "proof".into(), status: "skipped".into(), message: message.into() }
        }]);
    };
    let mut checks = Vec::new();
    for (field, want) in [("challenge", &options.challenge), ("domain", &options.domain)] {
        if let Some(want) = want {
            let proofs: Vec<&Value> = match proof {
                Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            if proofs.iter().all(|p| p.get(field) == Some(want)) {
                checks.push(passed(&format!("proof.{field}"), format!("the proof carries the {field} asked for")));
            } else {
                checks.push(failed(format!("proof.{field}"), format!("does not match the {field} in options")));
            }
        }
    }
    checks.extend(verifier.presentation_proofs(client, vp.clone()).await?.into_iter().map(report_check));
    Ok(checks)
}
