//! Claim links for issuers, and the public share counter of the badge page.
//! The claim page itself is HTML: `web::claim_page`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiPath, Auth};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::http::problem::Problem;
use crate::store::CredentialEvent;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(new_claim_link)).merge(
        OpenApiRouter::new().routes(routes!(shared)).layer(axum::middleware::from_fn(crate::http::rate_limit::limit)),
    )
}

/// A new claim link.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimLink {
    pub credential_id: String,
    /// The learner's private link; shown only in this answer.
    pub claim_url: String,
}

/// Make a new claim link for a credential, for a link lost or never shown (bulk
/// imports, credentials issued before claims existed). The previous link stops
/// working; what the learner already chose is kept.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/credentials/{id}/claim-link", tag = "issuance",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Credential id")),
    responses((status = 200, body = ClaimLink), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn new_claim_link(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<ClaimLink>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    let claim_url =
        state.store.reissue_claim_link(&org.id, &id, &caller.actor()).await?.ok_or(AppError::NotFound("credential"))?;
    tracing::info!(organization = %org.slug, credential = %id, "claim link replaced");
    Ok(Json(ClaimLink { credential_id: id, claim_url }))
}

/// Count a share of a badge (public): the badge page's LinkedIn link pings it, and
/// its copy-link button calls it. Any body is ignored.
#[utoipa::path(post, path = "/credentials/{id}/events/shared", tag = "public",
    params(("id" = String, Path, description = "Credential id")),
    responses((status = 204, description = "Counted"), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn shared(State(state): State<AppState>, ApiPath(id): ApiPath<String>) -> AppResult<StatusCode> {
    if state.store.record_credential_event(&id, CredentialEvent::Shared).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("credential"))
    }
}
