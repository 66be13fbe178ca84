//! Public documents that need no key: issuer profiles and the health check.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiPath;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::http::problem::Problem;
use crate::keyring;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(issuer_profile)).routes(routes!(issuer_did_document))
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

/// An issuer's Open Badges 3.0 `Profile` (public). It lists the issuer's keys as
/// verification methods `<profile URL>#<multikey>`, so credentials whose issuer id
/// is this URL can be verified from it; retired keys stay listed. Browsers
/// (`Accept: text/html`) get the issuer's page.
#[utoipa::path(get, path = "/issuers/{slug}", tag = "public",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Object, description = "Open Badges 3.0 Profile"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn issuer_profile(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> AppResult<Json<Value>> {
    let org = state.store.organization_by_slug(&slug).await?.ok_or(AppError::NotFound("issuer"))?;
    let keys = keyring::public_keys(&state.store, &org.id).await?;
    keyring::profile_document(&org, &keys).map(Json)
}

/// An issuer's `did:web` DID document (public), listing current and retired keys.
/// Served when the public URL is https, as did:web requires.
#[utoipa::path(get, path = "/issuers/{slug}/did.json", tag = "public",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Object, description = "DID document"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn issuer_did_document(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> AppResult<Json<Value>> {
    let org = state.store.organization_by_slug(&slug).await?.ok_or(AppError::NotFound("issuer"))?;
    keyring::organization_did(&state.store.public_url, &org.slug).ok_or(AppError::NotFound("did:web document"))?;
    // Make sure a key exists, so the document is never empty.
    state.store.current_signing_key(&org.id, &state.master_key).await?;
    let keys = keyring::public_keys(&state.store, &org.id).await?;
    let (_, doc) =
        keyring::did_document(&state.store.public_url, &org, &keys).ok_or(AppError::NotFound("did:web document"))?;
    Ok(Json(doc))
}
