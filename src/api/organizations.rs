//! Organizations (issuers) and their API keys.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiJson, ApiPath, Auth};
use crate::app::{AppState, organizations};
use crate::domain::api_key::{ApiKeyInfo, CreatedApiKey, NewApiKey, Role};
use crate::domain::organization::{NewOrganization, Organization, OrganizationPatch};
use crate::domain::validation::Violations;
use crate::error::AppResult;
use crate::http::problem::Problem;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_organization, list_organizations))
        .routes(routes!(get_organization, update_organization))
        .routes(routes!(create_api_key, list_api_keys))
        .routes(routes!(revoke_api_key))
}

/// Create an organization (platform admin).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations",
    request_body = NewOrganization,
    responses((status = 201, body = Organization), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn create_organization(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(new): ApiJson<NewOrganization>,
) -> AppResult<(StatusCode, Json<Organization>)> {
    caller.require_admin()?;
    let org = organizations::create(&state, &new, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// List organizations: all of them for a platform admin, the caller's own otherwise.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations",
    responses((status = 200, body = Vec<Organization>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_organizations(State(state): State<AppState>, Auth(caller): Auth) -> AppResult<Json<Vec<Organization>>> {
    let all = state.store.list_organizations().await?;
    let visible = all
        .into_iter()
        .filter(|o| caller.is_admin() || caller.organization_id.as_deref() == Some(o.id.as_str()))
        .collect();
    Ok(Json(visible))
}

/// Read an organization.
#[utoipa::path(get, path = "/api/v1/organizations/{org}", tag = "organizations",
    params(("org" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Organization), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn get_organization(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
) -> AppResult<Json<Organization>> {
    Ok(Json(organization_for(&state.store, &caller, &org, Need::Member).await?))
}

/// Change an organization's profile (issuer-admin or platform admin).
#[utoipa::path(patch, path = "/api/v1/organizations/{org}", tag = "organizations",
    params(("org" = String, Path, description = "Organization slug")),
    request_body = OrganizationPatch,
    responses((status = 200, body = Organization), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn update_organization(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    ApiJson(patch): ApiJson<OrganizationPatch>,
) -> AppResult<Json<Organization>> {
    let current = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    Ok(Json(organizations::update(&state, &current, patch, &caller.actor()).await?))
}

/// Create an API key for the organization. The key is in the answer, once.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/api-keys", tag = "organizations",
    params(("org" = String, Path, description = "Organization slug")),
    request_body = NewApiKey,
    responses((status = 201, body = CreatedApiKey), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn create_api_key(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    ApiJson(new): ApiJson<NewApiKey>,
) -> AppResult<(StatusCode, Json<CreatedApiKey>)> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let mut v = Violations::new();
    v.text("name", &new.name, 100);
    let role = new.role.unwrap_or(Role::Issuer);
    v.check(role != Role::Admin, "role", "an organization key is issuer-admin or issuer".into());
    v.into_result()?;
    let created = state.store.create_api_key(Some(&org.id), &new.name, role, &caller.actor()).await?;
    tracing::info!(organization = %org.slug, key = %created.info.id, role = role.as_str(), "API key created");
    Ok((StatusCode::CREATED, Json(created)))
}

/// List the organization's API keys (never their secrets).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/api-keys", tag = "organizations",
    params(("org" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<ApiKeyInfo>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_api_keys(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
) -> AppResult<Json<Vec<ApiKeyInfo>>> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    Ok(Json(state.store.list_api_keys(&org.id).await?))
}

/// Revoke an API key. It stops working at once.
#[utoipa::path(delete, path = "/api/v1/organizations/{org}/api-keys/{key_id}", tag = "organizations",
    params(("org" = String, Path, description = "Organization slug"), ("key_id" = String, Path, description = "Key id")),
    responses((status = 200, body = ApiKeyInfo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn revoke_api_key(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, key_id)): ApiPath<(String, String)>,
) -> AppResult<Json<ApiKeyInfo>> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let info = state.store.revoke_api_key(&org.id, &key_id, &caller.actor()).await?;
    tracing::info!(organization = %org.slug, key = %info.id, "API key revoked");
    Ok(Json(info))
}
