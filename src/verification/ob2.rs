//! Open Badges 2.0 in the service: recognises a 2.0 assertion however it was
//! presented (JSON, a JWS, a baked PNG or SVG, or a URL of another host that answers
//! with one), fetches what it points at with the verifier's fetcher (the hosted copy
//! at its id, the BadgeClass, the issuer Profile, the signing key, the revocation
//! list) in at most [`MAX_ROUNDS`] rounds and [`MAX_FETCHES`] documents, and runs
//! `credence_core::ob2`. `verify` calls [`verify_if_ob2`] first: it is the one place
//! where 2.0 joins the verification flow.

use futures_util::future::join_all;
use serde_json::Value;
use tokio::time::Instant;

use super::{Facts, Presented, ReportCheck, VerificationResult, VerifyRequest, is_on_this_service, summarize};
use crate::error::AppResult;
use crate::store::Store;
use credence_core::baking::{self, BakedAssertion};
use credence_core::ob2;

/// Most documents fetched for one 2.0 verification, the presented URL included.
pub const MAX_FETCHES: usize = 8;
/// Rounds of fetching: the hosted assertion, its BadgeClass, the issuer, its key and list.
const MAX_ROUNDS: usize = 4;

/// The report of an Open Badges 2.0 assertion, or `None` when `presented` is not one.
/// `fetched_from` is the URL a presented document was fetched from (after redirects).
pub(super) async fn verify_if_ob2(
    store: &Store,
    verifier: &super::Verifier,
    presented: &Presented,
    fetched_from: Option<&str>,
    request: &VerifyRequest,
) -> AppResult<Option<VerificationResult>> {
    let fetcher = &verifier.fetcher;
    let deadline = Instant::now() + fetcher.policy().deadline;
    let mut docs = ob2::Documents::new();
    let mut fetches = 0usize;
    let baked = match presented {
        Presented::Json(v) if ob2::is_ob2(v) => Some(BakedAssertion::Json(v.to_string())),
        Presented::Json(_) => None,
        Presented::Jwt(t) => ob2::jws_payload(t.trim())
            .is_some_and(|p| ob2::is_ob2(&p))
            .then(|| BakedAssertion::CompactJws(t.trim().to_string())),
        Presented::Png(bytes) => match baking::unbake_png(bytes) {
            Ok(v3) => Some(BakedAssertion::Json(v3.as_str().to_string())),
            Err(_) => baking::unbake_png_v2(bytes).ok(),
        },
        Presented::Svg(text) => match baking::unbake_svg(text) {
            Ok(v3) => Some(BakedAssertion::Json(v3.as_str().to_string())),
            Err(_) => baking::unbake_svg_v2(text).ok(),
        },
        // A URL of another host was fetched before (`verification::fetched_reference`).
        Presented::Reference(_) => None,
    };
    let p = match baked {
        None => return Ok(None),
        Some(BakedAssertion::Url(url)) => {
            if is_on_this_service(&store.public_url, &url) {
                return Ok(None);
            }
            fetches += 1;
            match fetcher.credential(&url, deadline).await {
                Ok((text, from)) => match ob2::Presented::from_text(&text, Some(&from)) {
                    Some(p) => p,
                    None => return Ok(None),
                },
                // Not to be had: the general path answers.
                Err(_) => return Ok(None),
            }
        }
        // A 3.0 credential (or anything else) is not ours to verify.
        Some(text) => match ob2::Presented::from_text(text.as_str(), fetched_from) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    // The copy fetched at its URL is the hosted copy there: not fetched again.
    if let ob2::Presented::Json { assertion, fetched_from: Some(url) } = &p {
        docs.add_document(url.clone(), assertion.clone());
    }
    for _ in 0..MAX_ROUNDS {
        let wanted = ob2::wanted(&p, &docs);
        if wanted.is_empty() {
            break;
        }
        let mut to_fetch = Vec::new();
        for url in wanted {
            if is_on_this_service(&store.public_url, &url) {
                docs.add_unavailable(
                    url.clone(),
                    format!("{url} is on this service, which publishes no Open Badges 2.0 documents"),
                );
            } else if fetches >= MAX_FETCHES {
                docs.add_unavailable(
                    url.clone(),
                    format!("{url} was not fetched: one Open Badges 2.0 verification fetches at most {MAX_FETCHES} documents"),
                );
            } else {
                fetches += 1;
                to_fetch.push(url);
            }
        }
        let results = join_all(to_fetch.iter().map(|url| fetcher.json(url, deadline))).await;
        for (url, result) in to_fetch.into_iter().zip(results) {
            match result {
                Ok(doc) => docs.add_document(url, Value::clone(&doc)),
                Err(e) => docs.add_unavailable(url.clone(), format!("{url} could not be fetched: {e}")),
            };
        }
    }
    let now = request.as_of.unwrap_or_else(time::OffsetDateTime::now_utc);
    let options = ob2::Options { now, recipient_email: request.recipient_email.as_deref() };
    let verified = ob2::verify(&p, &docs, &options);
    // Evidence files are compared with 3.0 digests only; a 2.0 assertion has none.
    let plain = VerifyRequest { evidence_file: None, fetch_evidence: false, ..request.clone() };
    let mut result = summarize(verified.report.clone(), &plain, Vec::new(), None);
    if request.evidence_file.is_some() || request.fetch_evidence {
        let at = result.checks.len().saturating_sub(1);
        result.checks.insert(
            at,
            ReportCheck {
                check: "evidence".into(),
                status: "skipped".into(),
                message: "Open Badges 2.0 evidence carries no digest to compare a file with".into(),
            },
        );
    }
    result.authentic = verified.authentic;
    result.facts = facts(&verified);
    Ok(Some(result))
}

fn text(v: Option<&Value>, key: &str) -> Option<String> {
    v.and_then(|v| v.get(key)).and_then(Value::as_str).map(str::to_string)
}

fn list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// Most evidence items a 2.0 report lists.
const MAX_EVIDENCE: usize = 32;

/// A 2.0 assertion's `evidence` (a URL, an Evidence object, or a list of either) in the shape
/// 3.0 evidence is reported in: objects, a bare URL becoming `{"id": url}`.
fn evidence(assertion: Option<&Value>) -> Vec<Value> {
    list(assertion.and_then(|a| a.get("evidence")))
        .into_iter()
        .filter_map(|e| match e {
            Value::String(url) => Some(serde_json::json!({ "id": url })),
            Value::Object(_) => Some(e),
            _ => None,
        })
        .take(MAX_EVIDENCE)
        .collect()
}

/// What an employer reads of a 2.0 assertion, its BadgeClass and its issuer.
fn facts(r: &ob2::Ob2Report) -> Facts {
    let a = r.report.credential.as_ref();
    let bc = r.badge_class.as_ref();
    let criteria = bc.and_then(|b| b.get("criteria"));
    Facts {
        credential_id: text(a, "id"),
        name: text(bc, "name"),
        achievement: text(bc, "name"),
        achievement_description: text(bc, "description"),
        achievement_type: None,
        criteria: text(criteria, "narrative"),
        issuer_id: text(r.issuer.as_ref(), "id"),
        issuer_name: text(r.issuer.as_ref(), "name"),
        registered_issuer: None,
        valid_from: text(a, "issuedOn"),
        valid_until: text(a, "expires"),
        alignments: list(bc.and_then(|b| b.get("alignment"))),
        results: Vec::new(),
        evidence: evidence(a),
        narrative: text(a, "narrative"),
        format: r.kind.map(ob2::Kind::format),
    }
}
