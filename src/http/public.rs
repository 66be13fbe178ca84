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
use crate::core::did;
use crate::core::model::Profile;
use crate::core::multibase;
use crate::error::{AppError, AppResult};
use crate::keyring;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(issuer_profile))
        .routes(routes!(issuer_did_document))
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

/// The public keys of an organization, current first, then retired ones.
async fn public_keys(state: &AppState, organization_id: &str) -> AppResult<Vec<[u8; 32]>> {
    let keys = state.store.signing_keys(organization_id).await?;
    keys.iter()
        .map(|k| {
            multibase::decode_ed25519_public(&k.public_key_multibase)
                .map_err(|e| AppError::Internal(format!("stored public key {} is unreadable: {e}", k.id)))
        })
        .collect()
}

/// An issuer's Open Badges 3.0 `Profile` (public). It lists the issuer's keys as
/// verification methods `<profile URL>#<multikey>`, so credentials whose issuer id
/// is this URL can be verified from it; retired keys stay listed.
#[utoipa::path(get, path = "/issuers/{slug}", tag = "public",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Object, description = "Open Badges 3.0 Profile"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn issuer_profile(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> AppResult<Json<Value>> {
    let org = state.store.organization_by_slug(&slug).await?.ok_or(AppError::NotFound("issuer"))?;
    let keys = public_keys(&state, &org.id).await?;
    if keys.is_empty() {
        return Ok(Json(org.profile()));
    }
    let profile: Profile = serde_json::from_value(org.profile())
        .map_err(|e| AppError::Internal(format!("profile of {slug} does not fit the model: {e}")))?;
    did::profile_controller_document(&profile, &keys)
        .map(Json)
        .map_err(|e| AppError::Internal(format!("profile of {slug}: {e}")))
}

/// An issuer's `did:web` DID document (public), listing current and retired keys.
/// Served when the public URL is https, as did:web requires.
#[utoipa::path(get, path = "/issuers/{slug}/did.json", tag = "public",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Object, description = "DID document"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn issuer_did_document(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> AppResult<Json<Value>> {
    let org = state.store.organization_by_slug(&slug).await?.ok_or(AppError::NotFound("issuer"))?;
    let did = keyring::organization_did(&state.store.public_url, &org.slug).ok_or(AppError::NotFound("did:web document"))?;
    // Make sure a key exists, so the document is never empty.
    state.store.current_signing_key(&org.id, &state.master_key).await?;
    let keys = public_keys(&state, &org.id).await?;
    Ok(Json(did::did_web_document(&did, &keys)))
}
