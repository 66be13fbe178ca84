//! Issuance endpoints: results, direct awards, sign-off links, credentials,
//! revocation and suspension, and the public credential and status list documents.

use std::future::Future;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiJson, ApiPath, Auth, parse_json};
use super::problem::Problem;
use super::AppState;
use crate::core::data_integrity::{self, Cryptosuite, ProofOptions};
use crate::core::status_list::{Bitstring, StatusPurpose, status_list_credential};
use crate::domain::credential::format_time;
use crate::domain::learner::{DirectAwardInput, ResultInput, RevokeInput, SignoffDecisionInput};
use crate::domain::organization::Organization;
use crate::domain::validation::Violations;
use crate::error::{AppError, AppResult};
use crate::issuance::{self, CredentialRef, LearnerStatus};
use crate::store::{CredentialFilter, STATUS_LIST_LENGTH, StatusChange, StoredCredential};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_result))
        .routes(routes!(direct_award))
        .routes(routes!(learner_status))
        .routes(routes!(list_credentials))
        .routes(routes!(revoke_credential))
        .routes(routes!(suspend_credential))
        .routes(routes!(unsuspend_credential))
        .routes(routes!(public_credential))
        .routes(routes!(status_list))
        .routes(routes!(view_signoff, decide_signoff))
}

/// A signed status list credential built from one version of the list.
#[derive(Clone)]
pub struct CachedStatusList {
    pub version: i64,
    pub key_id: String,
    pub body: std::sync::Arc<Value>,
}

const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// Runs `run` at most once per `Idempotency-Key`: a replay with the same request
/// gets the stored answer, a different request under the same key is refused.
async fn idempotent<F, Fut>(
    state: &AppState,
    org: &Organization,
    headers: &HeaderMap,
    fingerprint: String,
    run: F,
) -> AppResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = AppResult<(StatusCode, Value)>>,
{
    let Some(raw) = headers.get(IDEMPOTENCY_HEADER) else {
        let (status, body) = run().await?;
        return Ok((status, Json(body)).into_response());
    };
    let key = raw
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| AppError::bad_request(Some("Idempotency-Key"), "must be 1-255 visible ASCII characters"))?;
    let stored = match state.store.idempotent_response(&org.id, key).await? {
        Some(stored) => Some(stored),
        None if state.store.reserve_idempotency_key(&org.id, key, &fingerprint).await? => None,
        None => state.store.idempotent_response(&org.id, key).await?,
    };
    if let Some((hash, status, body)) = stored {
        if hash != fingerprint {
            return Err(AppError::invalid("Idempotency-Key", "was already used for a different request"));
        }
        if status == 0 {
            return Err(AppError::conflict("Idempotency-Key", "a request with this key is still being processed; retry shortly"));
        }
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        let mut response = (code, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
        return Ok(response);
    }
    match run().await {
        Ok((status, body)) => {
            let text = body.to_string();
            state.store.complete_idempotency_key(&org.id, key, status.as_u16(), &text).await?;
            Ok((status, Json(body)).into_response())
        }
        Err(e) => {
            // Nothing happened: the key may be used again.
            state.store.release_idempotency_key(&org.id, key).await?;
            Err(e)
        }
    }
}

fn fingerprint(path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

fn to_value<T: Serialize>(v: &T) -> AppResult<Value> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

fn require_json(headers: &HeaderMap) -> AppResult<()> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType(format!("expected Content-Type: application/json, got '{ct}'")))
    }
}

/// Record an assessment result. The award rule is evaluated at once; when it is
/// met, the credential is issued and its id is in the answer. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/results", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    request_body = ResultInput,
    responses((status = 200, body = LearnerStatus), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn record_result(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    require_json(&headers)?;
    let input: ResultInput = parse_json(&body)?;
    let print = fingerprint("results", &body);
    idempotent(&state, &org, &headers, print, || async {
        let status = issuance::record_result(&state.store, &state.master_key, &org, input).await?;
        Ok((StatusCode::OK, to_value(&status)?))
    })
    .await
}

/// Award a credential without results (recognition of prior learning). Needs an
/// issuer-admin key and a narrative saying why. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/awards", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first answer")),
    request_body = DirectAwardInput,
    responses((status = 201, body = LearnerStatus), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn direct_award(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    require_json(&headers)?;
    let input: DirectAwardInput = parse_json(&body)?;
    let print = fingerprint("awards", &body);
    idempotent(&state, &org, &headers, print, || async {
        let status = issuance::direct_award(&state.store, &state.master_key, &org, input).await?;
        Ok((StatusCode::CREATED, to_value(&status)?))
    })
    .await
}

/// Where a learner stands on an achievement.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/learners/{learner}/achievements/{achievement}", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("learner" = String, Path, description = "Learner id"),
        ("achievement" = String, Path, description = "Achievement id or slug")),
    responses((status = 200, body = LearnerStatus), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn learner_status(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, learner, achievement)): ApiPath<(String, String, String)>,
) -> AppResult<Json<LearnerStatus>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let learner = state.store.learner(&org.id, &learner).await?.ok_or(AppError::NotFound("learner"))?;
    let achievement = issuance::find_achievement(&state.store, &org, &achievement)
        .await
        .map_err(|_| AppError::NotFound("achievement"))?;
    Ok(Json(issuance::learner_status(&state.store, &achievement, &learner).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CredentialQuery {
    /// Only this achievement (id).
    pub achievement: Option<String>,
    /// `active`, `revoked` or `suspended`.
    pub state: Option<String>,
    /// Issued at or after (RFC 3339).
    pub from: Option<String>,
    /// Issued before (RFC 3339).
    pub to: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSummary {
    #[serde(flatten)]
    pub credential: CredentialRef,
    pub state: String,
    pub achievement_id: String,
    pub achievement_version: i64,
    pub learner_id: String,
    pub valid_until: Option<String>,
    pub revocation_reason: Option<String>,
}

fn summary(state: &AppState, c: &StoredCredential) -> CredentialSummary {
    let r = CredentialRef::of(&state.store, c);
    CredentialSummary {
        state: r.state().to_string(),
        credential: r,
        achievement_id: c.achievement_id.clone(),
        achievement_version: c.achievement_version,
        learner_id: c.learner_id.clone(),
        valid_until: c.valid_until.clone(),
        revocation_reason: c.revocation_reason.clone(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// List the organization's issued credentials, newest first, as JSON or CSV.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/credentials", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), CredentialQuery),
    responses((status = 200, body = Vec<CredentialSummary>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_credentials(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    query: Result<Query<CredentialQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let Query(q) = query.map_err(|e| AppError::bad_request(Some("query"), e.body_text()))?;
    let mut v = Violations::new();
    let limit = q.limit.unwrap_or(100);
    v.check((1..=1000).contains(&limit), "limit", "must be from 1 to 1000");
    v.check(q.offset.unwrap_or(0) >= 0, "offset", "must not be negative");
    for (field, value) in [("from", &q.from), ("to", &q.to)] {
        if let Some(t) = value {
            v.check(crate::core::model::parse_date_time_z(t).is_some(), field, "must be an RFC 3339 date-time");
        }
    }
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            v.add("format", "must be json or csv");
            false
        }
    };
    v.into_result()?;
    let filter = CredentialFilter {
        achievement_id: q.achievement,
        state: q.state,
        issued_from: q.from,
        issued_to: q.to,
        limit,
        offset: q.offset.unwrap_or(0),
    };
    let list: Vec<CredentialSummary> =
        state.store.list_credentials(&org.id, &filter).await?.iter().map(|c| summary(&state, c)).collect();
    if !csv {
        return Ok(Json(list).into_response());
    }
    let mut out = String::from("id,url,state,achievement_id,achievement_version,learner_id,issued_at,valid_until,award_kind,revocation_reason\r\n");
    for s in &list {
        let row = [
            s.credential.id.as_str(),
            s.credential.url.as_str(),
            s.state.as_str(),
            s.achievement_id.as_str(),
            &s.achievement_version.to_string(),
            s.learner_id.as_str(),
            s.credential.issued_at.as_str(),
            s.valid_until.as_deref().unwrap_or(""),
            s.credential.award_kind.as_str(),
            s.revocation_reason.as_deref().unwrap_or(""),
        ]
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
        out.push_str(&row);
        out.push_str("\r\n");
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response())
}

async fn change_status(state: &AppState, caller: &crate::store::Caller, org: &str, id: &str, change: StatusChange<'_>) -> AppResult<Json<CredentialSummary>> {
    let org = organization_for(&state.store, caller, org, Need::Manage).await?;
    let updated = state.store.change_credential_status(&org.id, id, change).await?;
    tracing::info!(organization = %org.slug, credential = %id, change = ?change, "credential status changed");
    Ok(Json(summary(state, &updated)))
}

/// Revoke a credential, permanently, with a reason. The status list changes at once.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/credentials/{id}/revoke", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Credential id")),
    request_body = RevokeInput,
    responses((status = 200, body = CredentialSummary), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn revoke_credential(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<RevokeInput>,
) -> AppResult<Json<CredentialSummary>> {
    let mut v = Violations::new();
    v.text("reason", &input.reason, 1000);
    v.into_result()?;
    change_status(&state, &caller, &org, &id, StatusChange::Revoke(&input.reason)).await
}

/// Suspend a credential (reversible). The status list changes at once.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/credentials/{id}/suspend", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Credential id")),
    responses((status = 200, body = CredentialSummary), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn suspend_credential(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<CredentialSummary>> {
    change_status(&state, &caller, &org, &id, StatusChange::Suspend).await
}

/// Lift a suspension.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/credentials/{id}/unsuspend", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Credential id")),
    responses((status = 200, body = CredentialSummary), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn unsuspend_credential(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<CredentialSummary>> {
    change_status(&state, &caller, &org, &id, StatusChange::Unsuspend).await
}

/// A credential as issued and signed (public): the JSON with its Data Integrity
/// proof, or with `Accept: application/vc+jwt` (or `application/jwt`) its VC-JWT
/// form when the issuer issues one.
#[utoipa::path(get, path = "/credentials/{id}", tag = "public",
    params(("id" = String, Path, description = "Credential id")),
    responses((status = 200, body = Object, description = "The signed OpenBadgeCredential"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn public_credential(State(state): State<AppState>, ApiPath(id): ApiPath<String>, headers: HeaderMap) -> AppResult<Response> {
    let c = state.store.credential(&id).await?.ok_or(AppError::NotFound("credential"))?;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains("application/vc+jwt") || accept.contains("application/jwt") {
        let jwt = c.jwt.ok_or(AppError::NotFound("VC-JWT form of this credential"))?;
        return Ok(([(header::CONTENT_TYPE, "application/vc+jwt")], jwt).into_response());
    }
    Ok(([(header::CONTENT_TYPE, "application/ld+json")], Json(c.document).into_response().into_body()).into_response())
}

/// An organization's signed BitstringStatusListCredential for `revocation` or
/// `suspension` (public). Revalidate with the ETag: it changes with every change.
#[utoipa::path(get, path = "/status/{org}/{purpose}", tag = "public",
    params(("org" = String, Path, description = "Organization slug"), ("purpose" = String, Path, description = "revocation or suspension")),
    responses((status = 200, body = Object, description = "BitstringStatusListCredential"), (status = 304, description = "Not modified"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn status_list(
    State(state): State<AppState>,
    ApiPath((org, purpose)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let purpose: StatusPurpose = purpose.parse().map_err(|_| AppError::NotFound("status list"))?;
    let org = state.store.organization_by_slug(&org).await?.ok_or(AppError::NotFound("status list"))?;
    let version = state.store.status_list_version(&org.id, purpose).await?;
    let key = state.store.current_signing_key(&org.id, &state.master_key).await?;
    let cache_key = (org.id.clone(), purpose.as_str());
    let cached = state
        .status_lists
        .lock()
        .ok()
        .and_then(|m| m.get(&cache_key).cloned())
        .filter(|c| c.version == version && c.key_id == key.info.id);
    let list = match cached {
        Some(c) => c,
        None => {
            let mut bits = Bitstring::with_len(STATUS_LIST_LENGTH).map_err(|e| AppError::Internal(e.to_string()))?;
            for index in state.store.status_list_set_indexes(&org.id, purpose).await? {
                bits.set(index, true).map_err(|e| AppError::Internal(e.to_string()))?;
            }
            let id = state.store.status_list_url(&org.slug, purpose);
            let unsigned = status_list_credential(&id, &org.profile_url, purpose, &bits, &format_time(time::OffsetDateTime::now_utc()));
            let vm = format!("{}#{}", org.profile_url, key.info.public_key_multibase);
            let signed = data_integrity::add_proof(&unsigned, key.key.signing_key(), &ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm))
                .map_err(|e| AppError::Internal(format!("signing the status list failed: {e}")))?;
            let fresh = CachedStatusList { version, key_id: key.info.id.clone(), body: std::sync::Arc::new(signed) };
            if let Ok(mut m) = state.status_lists.lock() {
                m.insert(cache_key, fresh.clone());
            }
            fresh
        }
    };
    let etag = format!("\"{}-{}\"", list.version, list.key_id);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Json(list.body.as_ref().clone()).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vc+ld+json"));
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    // Cacheable, but always revalidated: a revocation shows at once.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
    Ok(response)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignoffView {
    pub organization: String,
    pub achievement: String,
    pub achievement_description: String,
    pub component: String,
    pub criteria: String,
    pub learner: String,
    pub reviewer_kind: String,
    pub status: String,
    pub expires_at: String,
    /// The evidence the learner submitted.
    pub evidence: Vec<crate::domain::learner::EvidenceInput>,
}

/// What a sign-off link asks the reviewer to approve (no account needed; the link is the key).
#[utoipa::path(get, path = "/signoff/{token}", tag = "public",
    params(("token" = String, Path, description = "The single-use token of the link")),
    responses((status = 200, body = SignoffView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn view_signoff(State(state): State<AppState>, ApiPath(token): ApiPath<String>) -> AppResult<Json<SignoffView>> {
    let ticket = state.store.signoff_by_token(&token).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let org = state.store.organization_by_id(&ticket.organization_id).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let achievement = state.store.achievement(&ticket.achievement_id, None).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let learner = state.store.learner(&org.id, &ticket.learner_id).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let evidence = state.store.result_evidence(&learner.id, &achievement.id).await?;
    Ok(Json(SignoffView {
        organization: org.name,
        achievement: achievement.definition.name.clone(),
        achievement_description: achievement.definition.description.clone(),
        component: ticket.request.component.clone(),
        criteria: achievement.definition.criteria_narrative(),
        learner: learner.display_name.clone().unwrap_or_else(|| "the learner".into()),
        reviewer_kind: ticket.request.reviewer_kind.clone(),
        status: ticket.request.status.clone(),
        expires_at: ticket.request.expires_at.clone(),
        evidence,
    }))
}

/// Approve or decline through a sign-off link. The link works once, until it expires.
#[utoipa::path(post, path = "/signoff/{token}", tag = "public",
    params(("token" = String, Path, description = "The single-use token of the link")),
    request_body = SignoffDecisionInput,
    responses((status = 200, body = Object, description = "The decision and the learner's new state"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn decide_signoff(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(input): ApiJson<SignoffDecisionInput>,
) -> AppResult<Json<Value>> {
    let mut v = Violations::new();
    v.optional_text("comment", input.comment.as_deref(), 4000);
    v.check(input.approve || input.comment.is_some(), "comment", "say why when declining");
    v.into_result()?;
    let ticket = state.store.signoff_by_token(&token).await?.ok_or(AppError::NotFound("sign-off link"))?;
    if ticket.decided {
        return Err(AppError::conflict("token", "this sign-off link has already been used"));
    }
    if !state.store.decide_signoff(&ticket.request.id, input.approve, input.comment.as_deref()).await? {
        return Err(AppError::conflict("token", "this sign-off link has expired or was just used"));
    }
    let org = state.store.organization_by_id(&ticket.organization_id).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let achievement = state.store.achievement(&ticket.achievement_id, None).await?.ok_or(AppError::NotFound("achievement"))?;
    let learner = state.store.learner(&org.id, &ticket.learner_id).await?.ok_or(AppError::NotFound("learner"))?;
    let status = issuance::settle(&state.store, &state.master_key, &org, &achievement, &learner, Vec::new()).await?;
    Ok(Json(serde_json::json!({
        "decision": if input.approve { "approved" } else { "declined" },
        "state": status.state,
    })))
}
