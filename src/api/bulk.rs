//! Bulk issuance endpoints: upload a CSV of results as a job, poll the job, and
//! read its per-row outcomes. The work itself is in `crate::bulk`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiPath, Auth};
use crate::app::AppState;
use crate::bulk;
use crate::domain::validation::Violations;
use crate::error::{AppError, AppResult};
use crate::http::problem::Problem;
use crate::store::{BulkClaimLink, BulkJob, BulkRow, Store};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload, list_jobs))
        .routes(routes!(get_job))
        .routes(routes!(job_rows))
        .routes(routes!(job_claim_links))
        // Files are larger than the JSON bodies of the rest of the API.
        .layer(DefaultBodyLimit::max(bulk::MAX_FILE_BYTES))
        .layer(axum::middleware::from_fn_with_state(bulk::MAX_FILE_BYTES, crate::http::payload_too_large))
}

/// A bulk job with where to poll it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkJobView {
    #[serde(flatten)]
    pub job: BulkJob,
    /// This job (poll it until `status` is `completed`).
    pub poll_url: String,
    /// The job's per-row outcomes.
    pub rows_url: String,
}

fn view(store: &Store, org_slug: &str, job: BulkJob) -> BulkJobView {
    let poll_url = format!("{}/api/v1/organizations/{org_slug}/bulk-jobs/{}", store.public_url, job.id);
    BulkJobView { rows_url: format!("{poll_url}/rows"), poll_url, job }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name, kept with the job.
    pub name: Option<String>,
}

fn require_csv(headers: &HeaderMap) -> AppResult<()> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut parts = ct.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if !matches!(mime.as_str(), "text/csv" | "application/csv" | "text/plain") {
        return Err(AppError::UnsupportedMediaType(format!(
            "expected Content-Type: text/csv, got '{}'",
            if ct.is_empty() { "nothing" } else { ct }
        )));
    }
    for param in parts {
        if let Some((name, value)) = param.split_once('=') {
            let value = value.trim().trim_matches('"').to_ascii_lowercase();
            if name.trim().eq_ignore_ascii_case("charset") && value != "utf-8" && value != "utf8" {
                return Err(AppError::UnsupportedMediaType(format!(
                    "the file must be UTF-8, not {value}; save it as \"CSV UTF-8\""
                )));
            }
        }
    }
    Ok(())
}

/// Upload a CSV file of results to issue in bulk. The file is checked and all its
/// rows stored before the answer (202); a worker then records each row as
/// `POST /results` would, and issues where the rule is met. Poll `pollUrl`.
///
/// A file that cannot be used at all (not UTF-8, empty, missing or unknown
/// columns, too many rows) is refused with nothing stored; a bad row is an outcome
/// of that row (`rejected`, with the column at fault) and never stops the others.
/// A row already recorded, by an earlier job or earlier in the file, is reported
/// `duplicate` and skipped: uploading the same file again issues nothing twice.
///
/// Format: UTF-8 CSV (RFC 4180: quoted fields may hold commas, quotes and
/// newlines; a semicolon-separated file is recognised from its header), one row
/// per learner result, with a header row naming the columns in any order:
/// `achievement` (id or slug, required), `component` (required), `email` and/or
/// `external_id` (at least one column required), `learner_name`, `did`, `score`
/// (0-100; a decimal comma is accepted), `attempt` (from 1), `completed`,
/// `passed`, `submitted_for_signoff` (true/false, yes/no, oui/non or 1/0),
/// `reviewer_name`, `reviewer_email`, `evidence_url`, `evidence_name`,
/// `evidence_sha256`, `recorded_at` (RFC 3339). Header names are
/// case-insensitive. Empty cells are absent values; rows whose cells are all empty
/// are skipped. At most 20 MiB and 200000 rows.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/bulk-jobs", tag = "bulk",
    params(("org" = String, Path, description = "Organization slug"), UploadQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses((status = 202, body = BulkJobView, description = "The job, queued (or completed when every row was rejected)"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn upload(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let Query(q) = query.map_err(|e| AppError::bad_request(Some("query"), e.body_text()))?;
    let mut v = Violations::new();
    v.optional_text("name", q.name.as_deref(), 255);
    v.into_result()?;
    require_csv(&headers)?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge { limit: bulk::MAX_FILE_BYTES }
        } else {
            AppError::bad_request(None, format!("could not read the request body: {rejection}"))
        }
    })?;
    let org_id = org.id.clone();
    let parsed = tokio::task::spawn_blocking(move || bulk::parse_csv(&org_id, &body))
        .await
        .map_err(|e| AppError::Internal(format!("reading the file failed: {e}")))??;
    let job =
        state.store.create_bulk_job(&org.id, q.name.as_deref(), &parsed.sha256, &caller.key_id, &parsed.rows).await?;
    tracing::info!(organization = %org.slug, job = %job.id, rows = job.total_rows, rejected = parsed.rejected(), "bulk job created");
    let body = view(&state.store, &org.slug, job);
    let mut response = (StatusCode::ACCEPTED, Json(&body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&body.poll_url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn page(limit: Option<i64>, offset: Option<i64>, v: &mut Violations) -> (i64, i64) {
    let limit = limit.unwrap_or(100);
    let offset = offset.unwrap_or(0);
    v.check((1..=1000).contains(&limit), "limit", "must be from 1 to 1000".into());
    v.check(offset >= 0, "offset", "must not be negative".into());
    (limit, offset)
}

/// The organization's bulk jobs, newest first.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/bulk-jobs", tag = "bulk",
    params(("org" = String, Path, description = "Organization slug"), PageQuery),
    responses((status = 200, body = Vec<BulkJobView>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_jobs(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Vec<BulkJobView>>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let Query(q) = query.map_err(|e| AppError::bad_request(Some("query"), e.body_text()))?;
    let mut v = Violations::new();
    let (limit, offset) = page(q.limit, q.offset, &mut v);
    v.into_result()?;
    let jobs = state.store.bulk_jobs(&org.id, limit, offset).await?;
    Ok(Json(jobs.into_iter().map(|j| view(&state.store, &org.slug, j)).collect()))
}

/// A bulk job: its status (`queued`, `running`, `completed`) and how many rows
/// are in each outcome.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/bulk-jobs/{id}", tag = "bulk",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Job id")),
    responses((status = 200, body = BulkJobView), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn get_job(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<BulkJobView>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let job = state.store.bulk_job(&org.id, &id).await?.ok_or(AppError::NotFound("bulk job"))?;
    Ok(Json(view(&state.store, &org.slug, job)))
}

const ROW_STATUSES: [&str; 9] = [
    "pending",
    "issued",
    "awaiting_signoff",
    "in_progress",
    "locked_out",
    "revoked",
    "suspended",
    "duplicate",
    "rejected",
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RowQuery {
    /// Only rows with this outcome: `pending`, `issued`, `awaiting_signoff`,
    /// `in_progress`, `locked_out`, `revoked`, `suspended`, `duplicate` or `rejected`.
    pub status: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A bulk job's per-row outcomes in file order; a rejected row names the CSV
/// column at fault.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/bulk-jobs/{id}/rows", tag = "bulk",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Job id"), RowQuery),
    responses((status = 200, body = Vec<BulkRow>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn job_rows(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
    query: Result<Query<RowQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Vec<BulkRow>>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let Query(q) = query.map_err(|e| AppError::bad_request(Some("query"), e.body_text()))?;
    let mut v = Violations::new();
    let (limit, offset) = page(q.limit, q.offset, &mut v);
    if let Some(s) = &q.status {
        v.check(
            ROW_STATUSES.contains(&s.as_str()),
            "status",
            format!("must be one of {}", ROW_STATUSES.join(", ")).into(),
        );
    }
    v.into_result()?;
    let job = state.store.bulk_job(&org.id, &id).await?.ok_or(AppError::NotFound("bulk job"))?;
    Ok(Json(state.store.bulk_rows(&job.id, q.status.as_deref(), limit, offset).await?))
}

/// Claim links for the learners of a bulk job: a new link for every credential
/// the job's rows issued (or found already issued) that its learner has not
/// claimed yet; earlier links of those credentials stop working. Links are shown
/// only in this answer (the upload's answer cannot carry them, and rows are read
/// many times), so call it once the job is completed and send the links on.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/bulk-jobs/{id}/claim-links", tag = "bulk",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Job id")),
    responses((status = 200, body = Vec<BulkClaimLink>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn job_claim_links(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<Vec<BulkClaimLink>>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let job = state.store.bulk_job(&org.id, &id).await?.ok_or(AppError::NotFound("bulk job"))?;
    let links = state.store.reissue_bulk_claim_links(&org.id, &job.id).await?;
    tracing::info!(organization = %org.slug, job = %job.id, links = links.len(), "bulk claim links made");
    Ok(Json(links))
}
