//! The audit log of an organization, for its issuer-admins: every change, by whom
//! and when, newest first.

use axum::Json;
use axum::extract::{OriginalUri, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiPath, Auth};
use super::listing::{Listing, ListingQuery, bad_query, next_link};
use crate::app::AppState;
use crate::domain::audit::RecordedChange;
use crate::error::AppResult;
use crate::http::problem::Problem;
use crate::store::audit_cursor;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Changes per page, 1 to 1000 (default 100).
    pub limit: Option<i64>,
    /// Where the page starts: the `cursor` of the `Link: <...>; rel="next"` header of
    /// the page before (opaque).
    pub cursor: Option<String>,
}

/// The organization's audit log, newest first: each change with who made it (a staff
/// member, an API key by its id, a reviewer as they named themselves, or the service),
/// what it was and when. Needs an issuer-admin key.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/audit", tag = "organizations",
    params(("org" = String, Path, description = "Organization slug"), AuditQuery),
    responses((status = 200, body = Vec<RecordedChange>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn audit_log(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let Query(q) = query.map_err(bad_query)?;
    let query =
        ListingQuery { limit: q.limit, offset: None, cursor: q.cursor.as_deref(), from: None, to: None, format: None };
    let page = Listing::check(query, audit_cursor)?;
    let (changes, next) = state.store.changes(&org.id, page.after.as_ref(), page.limit).await?;
    let link = next_link(&uri, changes.len(), page.limit, next);
    let mut response = Json(changes).into_response();
    response.headers_mut().extend(link);
    Ok(response)
}
