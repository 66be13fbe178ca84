//! Invitations of organization staff to the issuer console.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiJson, ApiPath, Auth};
use crate::app::AppState;
use crate::app::staff as staff_auth;
use crate::domain::staff::StaffRole;
use crate::error::AppResult;
use crate::http::problem::Problem;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(invite_staff))
}

/// Whom to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    /// issuer-admin, issuer or viewer (default).
    pub role: Option<StaffRole>,
}

/// An invitation: its link is in the answer, once; send it to the person invited.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedInvitation {
    pub email: String,
    pub role: StaffRole,
    pub invitation_url: String,
    pub expires_at: String,
}

/// Invite a staff member to the organization's issuer console (issuer-admin).
#[utoipa::path(post, path = "/api/v1/organizations/{org}/invitations", tag = "organizations",
    params(("org" = String, Path, description = "Organization slug")),
    request_body = NewInvitation,
    responses((status = 201, body = CreatedInvitation), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn invite_staff(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    ApiJson(new): ApiJson<NewInvitation>,
) -> AppResult<(StatusCode, Json<CreatedInvitation>)> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let role = new.role.unwrap_or(StaffRole::Viewer);
    let (token, invitation) = staff_auth::invite(&state.store, &org.id, &new.email, role, &caller.actor()).await?;
    tracing::info!(organization = %org.slug, role = role.as_str(), "staff member invited");
    Ok((
        StatusCode::CREATED,
        Json(CreatedInvitation {
            email: invitation.email,
            role,
            invitation_url: staff_auth::invitation_url(&state.store, &token),
            expires_at: invitation.expires_at,
        }),
    ))
}
