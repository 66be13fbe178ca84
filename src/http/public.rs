//! Public documents that need no key: issuer profiles and the health check.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiPath;
use super::problem::Problem;
use super::AppState;
use crate::error::{AppError, AppResult};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(issuer_profile))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub database: String,
}

/// Health check: answers 200 when the database takes queries.
#[utoipa::path(get, path = "/healthz", tag = "public",
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, Problem> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(Health { status: "ok".into(), database: "ok".into() })),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            Err(Problem::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                "the database does not answer",
            ))
        }
    }
}

/// An issuer's Open Badges 3.0 `Profile` (public).
#[utoipa::path(get, path = "/issuers/{slug}", tag = "public",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Object, description = "Open Badges 3.0 Profile"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn issuer_profile(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> AppResult<Json<Value>> {
    let org = state.store.organization_by_slug(&slug).await?.ok_or(AppError::NotFound("issuer"))?;
    Ok(Json(org.profile()))
}
