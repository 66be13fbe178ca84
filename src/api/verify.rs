//! Public verification: `POST /api/v1/verify` for employers (any form of credential,
//! a full report), and the W3C VC API endpoints that interoperability suites drive.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiJson, Auth, parse_json};
use crate::app::AppState;
use crate::domain::organization::Organization;
use crate::domain::validation::FieldError;
use crate::error::{AppError, AppResult};
use crate::http::client::ClientAddr;
use crate::http::problem::Problem;
use crate::store::Caller;
use crate::vc_issuer;
use crate::verification::presentation::{self, PresentationOptions, PresentationResult};
use crate::verification::{self, Outcome, Presented, VerificationResult, VerifyRequest};
use credence_core::data_integrity::{self, Cryptosuite};
use credence_core::model::parse_date_time_z;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Baked images may be larger than other bodies.
        .merge(OpenApiRouter::new().routes(routes!(verify)).layer(DefaultBodyLimit::max(verification::MAX_IMAGE_BYTES)))
        .routes(routes!(vc_api_verify_credential))
        .routes(routes!(vc_api_verify_presentation))
        .layer(axum::middleware::from_fn(crate::http::rate_limit::limit))
        .routes(routes!(vc_api_issue))
        .routes(routes!(vc_api_update_status))
}

/// A verification request as JSON. Give one of `credential`, `url` or `id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VerifyBody {
    /// The credential: a JSON object (Data Integrity proof) or a compact VC-JWT string,
    /// or an Open Badges 2.0 assertion (hosted JSON, or the JWS of a signed one).
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
    /// The URL of a credential issued by this service, or of an Open Badges 2.0
    /// assertion hosted anywhere (fetched over https).
    pub url: Option<String>,
    /// The id of a credential issued by this service.
    pub id: Option<String>,
    /// The candidate's email: checked against the credential's hashed recipient.
    pub recipient_email: Option<String>,
    /// Check the validity window at this time (RFC 3339) instead of now.
    pub as_of: Option<String>,
    /// Fetch each evidence URL that carries a digest (https, size-capped) and
    /// compare the file with the digest. Off by default: evidence often sits behind
    /// a login, and its absence says nothing about the credential.
    #[serde(default)]
    pub fetch_evidence: bool,
}

fn media_type(request: &Request) -> String {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn body_to_presented(body: VerifyBody) -> AppResult<(Presented, VerifyRequest)> {
    let as_of = match &body.as_of {
        Some(t) => Some(
            parse_date_time_z(t)
                .ok_or_else(|| AppError::invalid("asOf", "must be an RFC 3339 date-time with a time zone"))?,
        ),
        None => None,
    };
    let request = VerifyRequest {
        recipient_email: body.recipient_email.clone(),
        as_of,
        fetch_evidence: body.fetch_evidence,
        ..VerifyRequest::default()
    };
    let given = [body.credential.is_some(), body.url.is_some(), body.id.is_some()].iter().filter(|b| **b).count();
    if given != 1 {
        return Err(AppError::invalid("credential", "give exactly one of credential, url or id"));
    }
    let presented = match (body.credential, body.url, body.id) {
        (Some(v), _, _) => presented_value(v, "credential")?,
        (_, Some(url), _) => Presented::Reference(url),
        (_, _, Some(id)) => Presented::Reference(id),
        _ => return Err(AppError::invalid("credential", "give exactly one of credential, url or id")),
    };
    Ok((presented, request))
}

async fn read_body(request: Request, limit: usize) -> AppResult<Bytes> {
    axum::body::to_bytes(request.into_body(), limit).await.map_err(|e| {
        let inner = e.into_inner();
        let is_limit = |e: &(dyn std::error::Error + 'static)| e.is::<http_body_util::LengthLimitError>();
        if is_limit(inner.as_ref()) || inner.source().is_some_and(is_limit) {
            AppError::PayloadTooLarge { limit }
        } else {
            AppError::bad_request(Some("body"), "the request body could not be read")
        }
    })
}

/// A multipart error as the problem it is: 413 when the body went over its cap, else 400.
fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge { limit: verification::MAX_IMAGE_BYTES }
    } else {
        AppError::bad_request(Some("body"), format!("not a readable multipart form: {e}"))
    }
}

async fn from_multipart(request: Request, state: &AppState) -> AppResult<(Presented, VerifyRequest)> {
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| AppError::bad_request(Some("body"), format!("not a readable multipart form: {e}")))?;
    let mut presented = None;
    let mut request = VerifyRequest::default();
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        let content_type = field.content_type().unwrap_or("").to_ascii_lowercase();
        let file_name = field.file_name().unwrap_or("").to_ascii_lowercase();
        let data = field.bytes().await.map_err(multipart_error)?;
        match name.as_str() {
            "file" | "credential" => presented = Some(Presented::from_bytes(&data, &content_type, &file_name)?),
            "evidence" => request.evidence_file = Some(data.to_vec()),
            "fetchEvidence" => {
                request.fetch_evidence = matches!(utf8(&data, "fetchEvidence")?.trim(), "true" | "1" | "yes" | "on")
            }
            "recipientEmail" => {
                request.recipient_email =
                    Some(utf8(&data, "recipientEmail")?.trim().to_string()).filter(|e| !e.is_empty())
            }
            "asOf" => {
                let t = utf8(&data, "asOf")?.trim().to_string();
                if !t.is_empty() {
                    request.as_of = Some(
                        parse_date_time_z(&t)
                            .ok_or_else(|| AppError::invalid("asOf", "must be an RFC 3339 date-time"))?,
                    );
                }
            }
            other => {
                return Err(AppError::invalid(
                    other.to_string(),
                    "unknown form field; use file, credential, evidence, fetchEvidence, recipientEmail or asOf",
                ));
            }
        }
    }
    let presented = presented.ok_or_else(|| AppError::invalid("file", "the form has no file or credential field"))?;
    Ok((presented, request))
}

fn utf8<'a>(data: &'a [u8], field: &str) -> AppResult<&'a str> {
    std::str::from_utf8(data).map_err(|_| AppError::bad_request(Some(field), "is not valid UTF-8"))
}

/// The answer of `/api/v1/verify`: one credential's report, or a presentation's with one
/// report per credential it carries.
#[derive(Debug, serde::Serialize, ToSchema)]
#[serde(untagged)]
pub enum VerifyAnswer {
    Credential(Box<VerificationResult>),
    Presentation(PresentationResult),
}

/// Verify any credential (public, no key): Open Badges 3.0 and 2.0, CLR 2.0, any W3C
/// Verifiable Credential, or a Verifiable Presentation (each credential in it reported
/// apart, after the presentation's own checks). Send JSON
/// (`{"credential": ...}`, `{"url": ...}` or `{"id": ...}`, with optional
/// `recipientEmail` and `asOf`), a compact VC-JWT (`application/jwt`), a baked
/// image (`image/png`, `image/svg+xml`), or a multipart form with a `file`.
/// The answer is always a report: `valid`, `invalid`, or `indeterminate` when
/// something could not be checked (never `valid` then).
#[utoipa::path(post, path = "/api/v1/verify", tag = "verification",
    request_body(content = VerifyBody, description = "JSON request; raw JWT, PNG, SVG and multipart are also accepted"),
    responses((status = 200, body = VerifyAnswer), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn verify(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    request: Request,
) -> AppResult<Json<VerifyAnswer>> {
    let media = media_type(&request);
    let (presented, mut verify_request) = match media.as_str() {
        "multipart/form-data" => from_multipart(request, &state).await?,
        "application/json" | "application/ld+json" | "application/vc+ld+json" => {
            let bytes = read_body(request, crate::http::MAX_BODY_BYTES).await?;
            let value: Value = parse_json(&bytes)?;
            if value.get("@context").is_some() {
                (Presented::Json(value), VerifyRequest::default())
            } else {
                body_to_presented(
                    serde_json::from_value(value)
                        .map_err(|e| AppError::Validation(vec![FieldError::new("body", e.to_string())]))?,
                )?
            }
        }
        "application/jwt" | "application/vc+jwt" | "text/plain" => {
            let bytes = read_body(request, crate::http::MAX_BODY_BYTES).await?;
            (Presented::Jwt(utf8(&bytes, "body")?.trim().to_string()), VerifyRequest::default())
        }
        "image/png" => (
            Presented::Png(read_body(request, verification::MAX_IMAGE_BYTES).await?.to_vec()),
            VerifyRequest::default(),
        ),
        "image/svg+xml" => {
            let bytes = read_body(request, verification::MAX_IMAGE_BYTES).await?;
            (Presented::Svg(utf8(&bytes, "body")?.to_string()), VerifyRequest::default())
        }
        other => {
            return Err(AppError::UnsupportedMediaType(format!(
                "send application/json, application/jwt, image/png, image/svg+xml or multipart/form-data, not '{other}'"
            )));
        }
    };
    verify_request.client = client;
    if let Presented::Json(vp) = &presented
        && presentation::is_presentation(vp)
    {
        let vp = vp.clone();
        let options = PresentationOptions::default();
        let report =
            presentation::verify_presentation(&state.store, &state.verifier, vp, options, verify_request).await?;
        return Ok(Json(VerifyAnswer::Presentation(report)));
    }
    let report = verification::verify_and_count(&state.store, &state.verifier, presented, verify_request).await?;
    Ok(Json(VerifyAnswer::Credential(Box::new(report))))
}

/// VC API request to verify a credential.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyCredentialRequest {
    #[schema(value_type = Object)]
    pub verifiable_credential: Value,
    /// VC API verification options; accepted, none change what is checked.
    #[serde(default, rename = "options")]
    #[schema(value_type = Option<Object>)]
    pub _options: Option<Value>,
}

fn vc_api_answer(result: VerificationResult) -> Response {
    let passed: Vec<&str> = result.checks.iter().filter(|c| c.status == "passed").map(|c| c.check.as_str()).collect();
    let warnings: Vec<String> =
        result.checks.iter().filter(|c| c.status == "skipped").map(|c| format!("{}: {}", c.check, c.message)).collect();
    let errors: Vec<String> = result
        .checks
        .iter()
        .filter(|c| c.status == "failed" || c.status == "error")
        .map(|c| format!("{}: {}", c.check, c.message))
        .collect();
    if result.result == Outcome::Valid {
        return (StatusCode::OK, Json(json!({"verified": true, "checks": passed, "warnings": warnings, "errors": []})))
            .into_response();
    }
    let mut problem = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "verification-failed",
        "Verification failed",
        format!(
            "the credential is {}: {}",
            if result.result == Outcome::Invalid { "invalid" } else { "indeterminate" },
            errors.join("; ")
        ),
    );
    problem.errors = result
        .checks
        .iter()
        .filter(|c| c.status == "failed" || c.status == "error")
        .map(|c| FieldError::new(c.check.clone(), c.message.clone()))
        .collect();
    problem.into_response()
}

/// A credential given as a JSON value: an object, or a string holding a compact VC-JWT.
/// Any other string (a JSON document serialized into a string, say) is not a credential:
/// Data Integrity requires the secured document to be a map.
fn presented_value(v: Value, field: &str) -> AppResult<Presented> {
    match v {
        Value::String(jwt) if credence_core::verify::looks_like_jwt(&jwt) => Ok(Presented::Jwt(jwt)),
        Value::String(_) => Err(AppError::invalid(
            field.to_string(),
            "is a string that is not a compact VC-JWT: give the credential as a JSON object",
        )),
        v @ Value::Object(_) => Ok(Presented::Json(v)),
        _ => Err(AppError::invalid(field.to_string(), "must be a credential object or a compact VC-JWT")),
    }
}

/// W3C VC API: verify a credential. 200 when it verifies, 422 problem details when not.
#[utoipa::path(post, path = "/credentials/verify", tag = "vc-api",
    request_body = VerifyCredentialRequest,
    responses((status = 200, body = Object, description = "verified, checks, warnings, errors"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn vc_api_verify_credential(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<VerifyCredentialRequest>,
) -> AppResult<Response> {
    let presented = presented_value(body.verifiable_credential, "verifiableCredential")?;
    let request = VerifyRequest { client, ..VerifyRequest::default() };
    let result = verification::verify_and_count(&state.store, &state.verifier, presented, request).await?;
    Ok(vc_api_answer(result))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyPresentationRequest {
    #[schema(value_type = Object)]
    pub verifiable_presentation: Value,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub options: Option<Value>,
}

/// W3C VC API: verify a presentation: its own proof (required: purpose
/// `authentication`, by the holder's key when it names a holder, with the
/// `challenge` and `domain` given in options) and every credential in it, each
/// reported apart. `verified` is true only when every check passed.
#[utoipa::path(post, path = "/presentations/verify", tag = "vc-api",
    request_body = VerifyPresentationRequest,
    responses((status = 200, body = Object, description = "verified, checks, warnings, errors"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn vc_api_verify_presentation(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<VerifyPresentationRequest>,
) -> AppResult<Response> {
    let options = body.options.unwrap_or(Value::Null);
    let options = PresentationOptions {
        challenge: options.get("challenge").cloned(),
        domain: options.get("domain").cloned(),
        require_proof: true,
    };
    let request = VerifyRequest { client, ..VerifyRequest::default() };
    let report = presentation::verify_presentation(
        &state.store,
        &state.verifier,
        body.verifiable_presentation,
        options,
        request,
    )
    .await?;
    let mut passed: Vec<String> = Vec::new();
    let mut errors: Vec<FieldError> = Vec::new();
    for c in &report.checks {
        match c.status.as_str() {
            "passed" => passed.push(c.check.clone()),
            _ => errors.push(FieldError::new(c.check.clone(), c.message.clone())),
        }
    }
    for (i, r) in report.credentials.iter().enumerate() {
        if r.result == Outcome::Valid {
            passed.push(format!("verifiableCredential[{i}]"));
        } else {
            for c in r.checks.iter().filter(|c| c.status == "failed" || c.status == "error") {
                errors.push(FieldError::new(format!("verifiableCredential[{i}].{}", c.check), c.message.clone()));
            }
        }
    }
    if errors.is_empty() && !passed.is_empty() {
        return Ok((StatusCode::OK, Json(json!({"verified": true, "checks": passed, "warnings": [], "errors": []})))
            .into_response());
    }
    let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
    Ok(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "verification-failed", "Verification failed", detail)
        .with_errors(errors)
        .into_response())
}

/// The organization whose key calls a VC API issuer endpoint (`what` it does, for the
/// refusal of a platform admin key).
async fn calling_organization(state: &AppState, caller: &Caller, what: &str) -> AppResult<Organization> {
    let org_id = caller
        .organization_id
        .clone()
        .ok_or_else(|| AppError::Forbidden(format!("{what} needs an organization's key, not a platform admin key")))?;
    let org = state.store.organization_by_id(&org_id).await?.ok_or(AppError::NotFound("organization"))?;
    organization_for(&state.store, caller, &org.slug, Need::Member).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueRequest {
    #[schema(value_type = Object)]
    pub credential: Value,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub options: Option<Value>,
}

/// W3C VC API: sign a credential with the calling organization's key (issuer key
/// required). The credential's issuer is required and must be the organization (its
/// Profile URL or did:web) or the did:key of its current key. Accepts VC 2.0 and VC 1.1
/// input.
#[utoipa::path(post, path = "/credentials/issue", tag = "vc-api",
    request_body = IssueRequest,
    responses((status = 201, body = Object, description = "{ verifiableCredential }"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn vc_api_issue(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(body): ApiJson<IssueRequest>,
) -> AppResult<Response> {
    let org = calling_organization(&state, &caller, "issuing").await?;
    let did = crate::keyring::organization_did(&state.store.public_url, &org.slug);
    let key = state.store.current_signing_key(&org.id, &state.master_key).await?;
    let did_key = format!("did:key:{}", key.info.public_key_multibase);
    let ids = vc_issuer::IssuerIds { did_web: did.as_deref(), did_key: &did_key };
    let mut unsigned = vc_issuer::prepare(body.credential, &org, &ids)?;
    let suite: Cryptosuite = body
        .options
        .as_ref()
        .and_then(|o| o.get("cryptosuite"))
        .and_then(Value::as_str)
        .unwrap_or(&org.cryptosuite)
        .parse()
        .map_err(|e: data_integrity::ProofError| AppError::invalid("options.cryptosuite", e.to_string()))?;
    let purposes = vc_issuer::requested_statuses(body.options.as_ref(), &unsigned)?;
    let signed = if purposes.is_empty() {
        vc_issuer::sign(&unsigned, key.key.signing_key(), &key.info.public_key_multibase, suite)?
    } else {
        // The entries are allocated, the document signed and its row written in one unit.
        let signing_key = key.key.signing_key().clone();
        let public_key = key.info.public_key_multibase.clone();
        // The status update names the credential by its id: one is given when it has none.
        let credential_id = vc_issuer::ensure_id(&mut unsigned.credential);
        state
            .store
            .issuing(move |tx| {
                tx.write_vc_api_credential(&org.id, &org.slug, &credential_id, &purposes, |statuses| {
                    let credential = vc_issuer::with_statuses(unsigned.credential.clone(), statuses)?;
                    let unsigned = vc_issuer::Unsigned { credential, controller: unsigned.controller.clone() };
                    vc_issuer::sign(&unsigned, &signing_key, &public_key, suite)
                })
            })
            .await?
    };
    Ok((StatusCode::CREATED, Json(json!({"verifiableCredential": signed}))).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateStatusRequest {
    /// The `id` of a credential this organization signed through `/credentials/issue`
    /// with a status entry.
    pub credential_id: String,
    /// The bits to set: each `{"type": "BitstringStatusListEntry", "statusPurpose":
    /// "revocation" | "suspension", "status": "1" | "0"}` (revocation when the purpose is
    /// left out; "1" sets the bit), or `"status": "revoked" | "suspended" | "unsuspended"`.
    /// Revocation cannot be undone.
    #[schema(value_type = Vec<Object>)]
    pub credential_status: Vec<Value>,
}

/// W3C VC API: update the status of a credential signed with `/credentials/issue`
/// (issuer key required): revoke it, or suspend it and lift the suspension. The
/// organization's status list changes at once.
#[utoipa::path(post, path = "/credentials/status", tag = "vc-api",
    request_body = UpdateStatusRequest,
    responses((status = 200, description = "the status was changed"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn vc_api_update_status(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(body): ApiJson<UpdateStatusRequest>,
) -> AppResult<Response> {
    let org = calling_organization(&state, &caller, "status changes").await?;
    let changes = vc_issuer::status_changes(&body.credential_status)?;
    state.store.change_vc_api_status(&org.id, &body.credential_id, &changes).await?;
    Ok((StatusCode::OK, Json(json!({"credentialId": body.credential_id}))).into_response())
}
