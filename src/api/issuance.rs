//! Issuance endpoints: results, direct awards, sign-off links, credentials,
//! revocation and suspension, and the public credential and status list documents.

use std::future::Future;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiJson, ApiPath, Auth, parse_json, require_json_content_type};
use super::listing::{Listing, ListingQuery, bad_query, csv_stream, next_link};
use crate::app::AppState;
use crate::domain::api_key::Role;
use crate::domain::learner::{DirectAwardInput, ResultInput, RevokeInput, SignoffDecisionInput, SuspendInput};
use crate::domain::organization::Organization;
use crate::error::{AppError, AppResult};
use crate::http::problem::Problem;
use crate::issuance::{self, CredentialRef, IssuingCall, LearnerStatus, SignoffView};
use crate::store::{
    Claim, CredentialFilter, IdempotencyKey, LearnerProgress, Once, ProgressFilter, SignoffRequest, StatusChange,
    StatusListId, Store, StoredAnswer, StoredCredential, Tx, credential_cursor, credentials_cursor, progress_cursor,
    progress_row_cursor,
};
use credence_core::sealed_key::MasterKey;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_result))
        .routes(routes!(direct_award))
        .routes(routes!(learner_status))
        .routes(routes!(reissue_signoff_link))
        .routes(routes!(list_credentials))
        .routes(routes!(credential_summary))
        .routes(routes!(list_learners))
        .routes(routes!(merge_learner))
        .routes(routes!(revoke_credential))
        .routes(routes!(suspend_credential))
        .routes(routes!(unsuspend_credential))
        .routes(routes!(public_credential))
        .routes(routes!(public_signoff_record))
        .routes(routes!(status_list))
        .routes(routes!(numbered_status_list))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(view_signoff, decide_signoff))
                .layer(axum::middleware::from_fn(crate::http::rate_limit::limit)),
        )
}

const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` of a request, if it sent one.
fn idempotency_key(headers: &HeaderMap) -> AppResult<Option<String>> {
    let Some(raw) = headers.get(IDEMPOTENCY_HEADER) else { return Ok(None) };
    raw.to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.chars().all(|c| c.is_ascii_graphic()))
        .map(|k| Some(k.to_string()))
        .ok_or_else(|| AppError::bad_request(Some("Idempotency-Key"), "must be 1-255 visible ASCII characters"))
}

/// The answer stored for a key, sent again (or refused when the key was used for
/// another request, or its first request is still running).
fn replay(
    state: &AppState,
    org: &Organization,
    key: &str,
    fingerprint: &str,
    stored: StoredAnswer,
) -> AppResult<Response> {
    let (hash, status, body) = stored;
    if hash != fingerprint {
        return Err(AppError::invalid("Idempotency-Key", "was already used for a different request"));
    }
    if status == 0 {
        return Err(AppError::conflict(
            "Idempotency-Key",
            "a request with this key is still being processed; retry shortly",
        ));
    }
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let body = open_stored_answer(&state.master_key, org, key, body)?;
    let mut response = (code, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(response)
}

/// Stored answers hold the learner's claim link and reviewers' sign-off links, so
/// they are kept sealed under the master key (bound to the organization and the
/// key) and written as `sealed:<base64>`.
const SEALED_ANSWER_PREFIX: &str = "sealed:";

fn answer_binding(org: &Organization, key: &str) -> Vec<u8> {
    format!("idempotent-answer|{}|{key}", org.id).into_bytes()
}

fn seal_stored_answer(master: &MasterKey, org: &Organization, key: &str, text: &str) -> AppResult<String> {
    let sealed = credence_core::sealed_key::seal_message(master, text.as_bytes(), &answer_binding(org, key))
        .ok_or_else(|| AppError::Internal("the answer is too large to seal".into()))?;
    Ok(format!("{SEALED_ANSWER_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(sealed)))
}

/// The stored answer as sent the first time (answers stored before sealing are plain JSON).
fn open_stored_answer(master: &MasterKey, org: &Organization, key: &str, stored: String) -> AppResult<String> {
    let Some(encoded) = stored.strip_prefix(SEALED_ANSWER_PREFIX) else { return Ok(stored) };
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| AppError::Internal(format!("a stored answer is not base64: {e}")))?;
    let plain = credence_core::sealed_key::open_message(master, &sealed, &answer_binding(org, key))
        .map_err(|e| AppError::Internal(format!("a stored answer cannot be opened: {e}")))?;
    String::from_utf8(plain.to_vec()).map_err(|e| AppError::Internal(format!("a stored answer is not UTF-8: {e}")))
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

/// Whether an answer shows the single-use links of the sign-off requests it opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReviewerLinks {
    /// Every one (issuer-admins, who may also send a link again).
    Shown,
    /// Only those of reviewers without an email address: the others were mailed
    /// theirs, straight to them (issuer keys).
    UnlessMailed,
}

/// How an issuing call answers: its route (in the idempotency fingerprint), its success
/// status and which reviewer links it shows.
#[derive(Debug, Clone, Copy)]
struct Answering<'a> {
    route: &'a str,
    success: StatusCode,
    links: ReviewerLinks,
}

/// Parses an issuing call's JSON body, prepares it, and runs it as one unit of work,
/// at most once per `Idempotency-Key`: the answer is stored in the same transaction
/// as what the call wrote (see [`crate::store::Store::issuing_once`]).
async fn issuing_call<T, P, Fut>(
    state: &AppState,
    org: &Organization,
    headers: &HeaderMap,
    body: &Bytes,
    answering: Answering<'_>,
    prepare: P,
) -> AppResult<Response>
where
    T: serde::de::DeserializeOwned,
    P: FnOnce(T) -> Fut,
    Fut: Future<Output = AppResult<IssuingCall>>,
{
    let Answering { route, success, links } = answering;
    require_json_content_type(headers)?;
    let input: T = parse_json(body)?;
    let key = idempotency_key(headers)?;
    let fingerprint = fingerprint(route, body);
    // A replay needs nothing but the stored answer (the call need not be valid still).
    if let Some(key) = &key
        && let Some(stored) = state.store.idempotent_response(&org.id, key).await?
    {
        return replay(state, org, key, &fingerprint, stored);
    }
    let call = prepare(input).await?;
    crate::issuance::prepare_keys(&state.store, &state.master_key, org).await?;
    let (master, org_owned) = (state.master_key.clone(), org.clone());
    let run = move |tx: &mut Tx<'_>| {
        let mut status = call.run_in(tx, &master, &org_owned)?.status()?;
        if links == ReviewerLinks::UnlessMailed {
            // The reviewer was mailed their link: it is theirs, not the caller's.
            status.signoffs.iter_mut().filter(|s| s.reviewer_email.is_some()).for_each(|s| s.link = None);
        }
        to_value(&status)
    };
    let Some(key) = key else {
        let body = state.store.issuing(run).await?;
        return Ok((success, Json(body)).into_response());
    };
    let (master, org_owned, key_owned) = (state.master_key.clone(), org.clone(), key.clone());
    let answer = move |body: &Value| -> AppResult<(u16, String)> {
        Ok((success.as_u16(), seal_stored_answer(&master, &org_owned, &key_owned, &body.to_string())?))
    };
    let once = IdempotencyKey { organization_id: org.id.clone(), key: key.clone(), request_hash: fingerprint.clone() };
    match state.store.issuing_once(once, run, answer).await? {
        Once::Ran(body) => Ok((success, Json(body)).into_response()),
        Once::Stored(stored) => replay(state, org, &key, &fingerprint, stored),
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
    let links = if caller.role == Role::Issuer { ReviewerLinks::UnlessMailed } else { ReviewerLinks::Shown };
    let answering = Answering { route: "results", success: StatusCode::OK, links };
    issuing_call(&state, &org, &headers, &body, answering, |input: ResultInput| {
        IssuingCall::result(&state.store, &org, input, None)
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
    let answering = Answering { route: "awards", success: StatusCode::CREATED, links: ReviewerLinks::Shown };
    issuing_call(&state, &org, &headers, &body, answering, |input: DirectAwardInput| {
        IssuingCall::award(&state.store, &org, input)
    })
    .await
}

/// Send a sign-off request again (issuer-admins): a new single-use link replaces the old
/// one (which stops working), valid for another 30 days. For links lost, or never shown
/// (bulk imports, and answers to issuer keys when the reviewer was mailed the link).
#[utoipa::path(post, path = "/api/v1/organizations/{org}/signoffs/{id}/link", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Sign-off request id")),
    responses((status = 200, body = SignoffRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn reissue_signoff_link(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<SignoffRequest>> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let request = state
        .store
        .reissue_signoff_link(&org.id, &id, time::Duration::days(issuance::SIGNOFF_LINK_VALIDITY_DAYS), &caller.actor())
        .await?
        .ok_or(AppError::NotFound("undecided sign-off request"))?;
    Ok(Json(request))
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
    Ok(Json(issuance::learner_status(&state.store, &org, &achievement, &learner).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
    /// Page size, 1 to 1000 (default 100). A CSV export holds every row unless a
    /// `limit` (at least 1) is given.
    pub limit: Option<i64>,
    /// Deprecated: rows to skip. Use `cursor`, which does not slow down deep in the
    /// listing and does not repeat or skip rows when credentials are issued meanwhile.
    #[deprecated = "use cursor"]
    pub offset: Option<i64>,
    /// Where the page starts: the `cursor` of the `Link: <...>; rel="next"` header of
    /// the page before (opaque; a page that is not full has no next link).
    pub cursor: Option<String>,
    /// `json` (default) or `csv` (streamed: every row, or `limit` rows, from `cursor`).
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
    /// Why it was revoked, for the organization only.
    pub revocation_reason: Option<String>,
    /// Why it is suspended, for the organization only.
    pub suspension_reason: Option<String>,
    /// What the badge page says of the revocation or suspension, if anything.
    pub public_reason: Option<String>,
    pub claim: ClaimSummary,
    pub counts: CredentialCounts,
}

/// Whether and how the learner claimed the credential.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimSummary {
    pub claimed: bool,
    /// The first claim.
    pub claimed_at: Option<String>,
    /// The learner's last change.
    pub updated_at: Option<String>,
    /// When the current claim link was made.
    pub link_created_at: Option<String>,
    /// The name the learner chose for the badge page.
    pub display_name: Option<String>,
    /// The DID the learner gave (recorded on the learner for later credentials).
    pub did: Option<String>,
    /// Indexes in the credential's evidence list that the learner does not show.
    pub hidden_evidence: Vec<usize>,
}

/// What happened to the credential since it was issued.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CredentialCounts {
    /// 1 once the learner claimed it.
    pub claimed: i64,
    pub shared: i64,
    pub downloaded: i64,
    /// Verifications by id or of copies whose proof passed.
    pub verified: i64,
}

fn summary(store: &Store, c: &StoredCredential, claim: Option<Claim>) -> CredentialSummary {
    let r = CredentialRef::of(store, c);
    let (claim, counts) = match claim {
        None => (ClaimSummary::default(), CredentialCounts::default()),
        Some(cl) => (
            ClaimSummary {
                claimed: cl.claimed_at.is_some(),
                claimed_at: cl.claimed_at.clone(),
                updated_at: cl.updated_at,
                link_created_at: Some(cl.link_created_at),
                display_name: cl.display_name,
                did: cl.did,
                hidden_evidence: cl.hidden_evidence,
            },
            CredentialCounts {
                claimed: i64::from(cl.claimed_at.is_some()),
                shared: cl.shared,
                downloaded: cl.downloaded,
                verified: cl.verified,
            },
        ),
    };
    CredentialSummary {
        claim,
        counts,
        state: r.state().to_string(),
        credential: r,
        achievement_id: c.achievement_id.clone(),
        achievement_version: c.achievement_version,
        learner_id: c.learner_id.clone(),
        valid_until: c.valid_until.clone(),
        revocation_reason: c.revocation_reason.clone(),
        suspension_reason: c.suspension_reason.clone(),
        public_reason: c.public_reason.clone(),
    }
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
    OriginalUri(uri): OriginalUri,
    query: Result<Query<CredentialQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let Query(q) = query.map_err(bad_query)?;
    #[allow(deprecated)]
    let offset = q.offset;
    let page = Listing::check(
        ListingQuery {
            limit: q.limit,
            offset,
            cursor: q.cursor.as_deref(),
            from: q.from,
            to: q.to,
            format: q.format.as_deref(),
        },
        credentials_cursor,
    )?;
    let filter = CredentialFilter {
        achievement_id: q.achievement,
        state: q.state,
        issued_from: page.from,
        issued_to: page.to,
        limit: page.limit,
        offset: page.offset,
        after: page.after,
    };
    if page.csv {
        let rows = state.store.stream_credentials(&org.id, &filter).await?;
        let store = state.store.clone();
        let summaries = rows.map(move |row| row.map(|(c, claim)| summary(&store, &c, claim)));
        return Ok(csv_stream(
            "id,url,state,achievement_id,achievement_version,learner_id,issued_at,valid_until,award_kind,revocation_reason,\
             suspension_reason,public_reason,claimed_at,claimed,shared,downloaded,verified",
            summaries,
            credential_fields,
        ));
    }
    let rows = state.store.list_credentials(&org.id, &filter).await?;
    let next = next_link(&uri, rows.len(), page.limit, rows.last().map(|(c, _)| credential_cursor(c)));
    let list: Vec<CredentialSummary> = rows.into_iter().map(|(c, claim)| summary(&state.store, &c, claim)).collect();
    let mut response = Json(list).into_response();
    response.headers_mut().extend(next);
    Ok(response)
}

fn credential_fields(s: CredentialSummary) -> Vec<String> {
    vec![
        s.credential.id,
        s.credential.url,
        s.state,
        s.achievement_id,
        s.achievement_version.to_string(),
        s.learner_id,
        s.credential.issued_at,
        s.valid_until.unwrap_or_default(),
        s.credential.award_kind,
        s.revocation_reason.unwrap_or_default(),
        s.suspension_reason.unwrap_or_default(),
        s.public_reason.unwrap_or_default(),
        s.claim.claimed_at.unwrap_or_default(),
        s.counts.claimed.to_string(),
        s.counts.shared.to_string(),
        s.counts.downloaded.to_string(),
        s.counts.verified.to_string(),
    ]
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LearnerQuery {
    /// Only this achievement (id or slug).
    pub achievement: Option<String>,
    /// `in_progress`, `awaiting_signoff`, `locked_out`, `issued`, `revoked` or `suspended`.
    pub state: Option<String>,
    /// Changed at or after (RFC 3339).
    pub from: Option<String>,
    /// Changed before (RFC 3339).
    pub to: Option<String>,
    /// Page size, 1 to 1000 (default 100). A CSV export holds every row unless a
    /// `limit` (at least 1) is given.
    pub limit: Option<i64>,
    /// Deprecated: rows to skip. Use `cursor`.
    #[deprecated = "use cursor"]
    pub offset: Option<i64>,
    /// Where the page starts: the `cursor` of the `Link: <...>; rel="next"` header of
    /// the page before (opaque).
    pub cursor: Option<String>,
    /// `json` (default) or `csv` (streamed: every row, or `limit` rows, from `cursor`).
    pub format: Option<String>,
}

/// Which learner record to merge into the one named in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MergeInput {
    /// The id of the learner record that goes away: what it holds moves to the
    /// learner of the path, which takes the identifiers it lacks from it.
    pub merge: String,
}

/// What a merge moved to the kept learner.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MergeAnswer {
    /// The kept learner.
    pub learner_id: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    #[serde(flatten)]
    pub moved: crate::store::MergedRecords,
}

/// Merge two records of one learner matched wrongly (issuer-admins): the results,
/// sign-off requests, progress, credentials and claims of learner `merge` move to the
/// learner of the path in one transaction, and `merge` is deleted. Where both had a
/// standing on an achievement it is settled again (the merged results may meet the
/// rule and issue). Refused with 409 when both hold a credential for the same
/// achievement; 404 when either is not a learner of the organization.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/learners/{id}/merge", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "The learner kept")),
    request_body = MergeInput,
    responses((status = 200, body = MergeAnswer), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn merge_learner(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<MergeInput>,
) -> AppResult<Json<MergeAnswer>> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let (kept, moved) = issuance::merge_learners(&state.store, &state.master_key, &org, &id, &input.merge).await?;
    Ok(Json(MergeAnswer { learner_id: kept.id, external_id: kept.external_id, display_name: kept.display_name, moved }))
}

const LEARNER_STATES: &[&str] = &["in_progress", "awaiting_signoff", "locked_out", "issued", "revoked", "suspended"];

/// List learners' states per achievement, most recently changed first, as JSON or CSV.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/learners", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), LearnerQuery),
    responses((status = 200, body = Vec<LearnerProgress>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_learners(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    query: Result<Query<LearnerQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let Query(q) = query.map_err(bad_query)?;
    if let Some(s) = &q.state
        && !LEARNER_STATES.contains(&s.as_str())
    {
        return Err(AppError::invalid("state", format!("must be one of {}", LEARNER_STATES.join(", "))));
    }
    #[allow(deprecated)]
    let offset = q.offset;
    let page = Listing::check(
        ListingQuery {
            limit: q.limit,
            offset,
            cursor: q.cursor.as_deref(),
            from: q.from,
            to: q.to,
            format: q.format.as_deref(),
        },
        progress_cursor,
    )?;
    let achievement_id = match &q.achievement {
        Some(a) => Some(issuance::find_achievement(&state.store, &org, a).await?.id),
        None => None,
    };
    let filter = ProgressFilter {
        achievement_id,
        state: q.state,
        updated_from: page.from,
        updated_to: page.to,
        limit: page.limit,
        offset: page.offset,
        after: page.after,
    };
    if page.csv {
        return Ok(csv_stream(
            "learner_id,external_id,display_name,achievement_id,state,updated_at",
            state.store.stream_progress(&org.id, &filter),
            |p: LearnerProgress| {
                vec![
                    p.learner_id,
                    p.external_id.unwrap_or_default(),
                    p.display_name.unwrap_or_default(),
                    p.achievement_id,
                    p.state,
                    p.updated_at,
                ]
            },
        ));
    }
    let list = state.store.list_progress(&org.id, &filter).await?;
    let next = next_link(&uri, list.len(), page.limit, list.last().map(progress_row_cursor));
    let mut response = Json(list).into_response();
    response.headers_mut().extend(next);
    Ok(response)
}

async fn change_status(
    state: &AppState,
    caller: &crate::store::Caller,
    org: &str,
    id: &str,
    change: StatusChange<'_>,
) -> AppResult<Json<CredentialSummary>> {
    let org = organization_for(&state.store, caller, org, Need::Manage).await?;
    let updated = state.store.change_credential_status(&org.id, id, change, &caller.actor()).await?;
    tracing::info!(organization = %org.slug, credential = %id, change = ?change, "credential status changed");
    let claim = state.store.claim_with_counts(id).await?;
    Ok(Json(summary(&state.store, &updated, claim)))
}

/// One of the organization's credentials: its state, the learner's claim and the
/// counts (claimed, shared, downloaded, verified).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/credentials/{id}", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Credential id")),
    responses((status = 200, body = CredentialSummary), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn credential_summary(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<CredentialSummary>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let c = state
        .store
        .credential(&id)
        .await?
        .filter(|c| c.organization_id == org.id)
        .ok_or(AppError::NotFound("credential"))?;
    let claim = state.store.claim_with_counts(&c.id).await?;
    Ok(Json(summary(&state.store, &c, claim)))
}

/// Revoke a credential, permanently, with a reason for the organization's records and,
/// optionally, a public one for the badge page. The status list changes at once.
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
    input.check()?;
    let change = StatusChange::Revoke { reason: &input.reason, public_reason: input.public_reason.as_deref() };
    change_status(&state, &caller, &org, &id, change).await
}

/// Suspend a credential (reversible), optionally with a reason for the organization's
/// records and a public one for the badge page (a body is optional). The status list
/// changes at once.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/credentials/{id}/suspend", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Credential id")),
    request_body(content = Option<SuspendInput>, description = "Optional reasons"),
    responses((status = 200, body = CredentialSummary), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn suspend_credential(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<CredentialSummary>> {
    let input = if body.is_empty() {
        SuspendInput::default()
    } else {
        require_json_content_type(&headers)?;
        parse_json::<SuspendInput>(&body)?
    };
    input.check()?;
    let change =
        StatusChange::Suspend { reason: input.reason.as_deref(), public_reason: input.public_reason.as_deref() };
    change_status(&state, &caller, &org, &id, change).await
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
/// form when the issuer issues one. Browsers (`Accept: text/html`) get the badge page.
#[utoipa::path(get, path = "/credentials/{id}", tag = "public",
    params(("id" = String, Path, description = "Credential id")),
    responses((status = 200, body = Object, description = "The signed OpenBadgeCredential"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn public_credential(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let c = state.store.credential(&id).await?.ok_or(AppError::NotFound("credential"))?;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains("application/vc+jwt") || accept.contains("application/jwt") {
        let jwt = c.jwt.ok_or(AppError::NotFound("VC-JWT form of this credential"))?;
        return Ok(([(header::CONTENT_TYPE, "application/vc+jwt")], jwt).into_response());
    }
    Ok(([(header::CONTENT_TYPE, "application/ld+json")], Json(c.document).into_response().into_body()).into_response())
}

/// A sign-off approved after the credential was issued (public), as the issuer signed
/// it: an `EndorsementCredential` about the credential, with a Data Integrity proof
/// made with the issuer's key, as its credentials are. Linked from the badge page.
#[utoipa::path(get, path = "/credentials/{id}/signoffs/{record}", tag = "public",
    params(("id" = String, Path, description = "Credential id"), ("record" = String, Path, description = "Record id")),
    responses((status = 200, body = Object, content_type = "application/ld+json", description = "The signed EndorsementCredential"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn public_signoff_record(
    State(state): State<AppState>,
    ApiPath((id, record)): ApiPath<(String, String)>,
) -> AppResult<Response> {
    let document = state.store.signoff_record(&id, &record).await?.ok_or(AppError::NotFound("sign-off record"))?;
    Ok(([(header::CONTENT_TYPE, "application/ld+json")], Json(document).into_response().into_body()).into_response())
}

/// An organization's first signed BitstringStatusListCredential for `revocation` or
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
    serve_status_list(&state, &org, StatusListId::from_url_parts(&purpose, None), &headers).await
}

/// An organization's next signed BitstringStatusListCredentials, opened as the ones
/// before fill (public): list `n` of `revocation` or `suspension`, from 1.
#[utoipa::path(get, path = "/status/{org}/{purpose}/{number}", tag = "public",
    params(("org" = String, Path, description = "Organization slug"), ("purpose" = String, Path, description = "revocation or suspension"),
        ("number" = String, Path, description = "The list's number: 1, 2, ... (the first list's URL has none)")),
    responses((status = 200, body = Object, description = "BitstringStatusListCredential"), (status = 304, description = "Not modified"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn numbered_status_list(
    State(state): State<AppState>,
    ApiPath((org, purpose, number)): ApiPath<(String, String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    serve_status_list(&state, &org, StatusListId::from_url_parts(&purpose, Some(&number)), &headers).await
}

/// Answers with a signed list, or 304 when the client's copy is current.
async fn serve_status_list(
    state: &AppState,
    org: &str,
    list: Option<StatusListId>,
    headers: &HeaderMap,
) -> AppResult<Response> {
    let list = list.ok_or(AppError::NotFound("status list"))?;
    let org = state.store.organization_by_slug(org).await?.ok_or(AppError::NotFound("status list"))?;
    if !state.store.status_list_exists(&org.id, list).await? {
        return Err(AppError::NotFound("status list"));
    }
    let list = state.status_lists.signed(&state.store, &state.master_key, &org, list).await?;
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

/// What a sign-off link asks the reviewer to approve (no account needed; the link is the key).
#[utoipa::path(get, path = "/signoff/{token}", tag = "public",
    params(("token" = String, Path, description = "The single-use token of the link")),
    responses((status = 200, body = SignoffView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn view_signoff(State(state): State<AppState>, ApiPath(token): ApiPath<String>) -> AppResult<Json<SignoffView>> {
    Ok(Json(issuance::signoff_view(&state.store, &token).await?))
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
    let status = issuance::decide_signoff(&state.store, &state.master_key, &token, &input).await?;
    Ok(Json(serde_json::json!({
        "decision": if input.approve { "approved" } else { "declined" },
        "state": status.state,
    })))
}
