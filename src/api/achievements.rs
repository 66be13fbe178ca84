//! Achievement definitions: managed by an organization's issuer-admin, published
//! as Open Badges 3.0 `Achievement` documents at their version URLs.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Need, organization_for};
use super::extract::{ApiJson, ApiPath, Auth};
use crate::app::AppState;
use crate::domain::achievement::{Achievement, AchievementInput};
use crate::error::{AppError, AppResult};
use crate::http::problem::Problem;
use crate::store::AchievementUpdate;
use credence_core::model::standalone_document;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_achievement, list_achievements))
        .routes(routes!(get_achievement, update_achievement))
        .routes(routes!(retire_achievement))
        .routes(routes!(public_achievement))
        .routes(routes!(public_achievement_version))
        .routes(routes!(public_achievement_edition))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdatedAchievement {
    #[serde(flatten)]
    pub achievement: Achievement,
    /// True when credentials had been issued against the previous version, so the
    /// edit created a new version and the old one stays as it was.
    pub new_version: bool,
}

/// Define an achievement (issuer-admin).
#[utoipa::path(post, path = "/api/v1/organizations/{org}/achievements", tag = "achievements",
    params(("org" = String, Path, description = "Organization slug")),
    request_body = AchievementInput,
    responses((status = 201, body = Achievement), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn create_achievement(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
    ApiJson(input): ApiJson<AchievementInput>,
) -> AppResult<(StatusCode, Json<Achievement>)> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let def = state.store.resolve_achievement(input).await?;
    let created = state.store.create_achievement(&org.id, &def).await?;
    tracing::info!(organization = %org.slug, achievement = %created.id, "achievement created");
    Ok((StatusCode::CREATED, Json(created)))
}

/// List the organization's achievements (latest versions).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/achievements", tag = "achievements",
    params(("org" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<Achievement>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_achievements(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(org): ApiPath<String>,
) -> AppResult<Json<Vec<Achievement>>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    Ok(Json(state.store.list_achievements_counted(&org.id).await?))
}

/// Read one of the organization's achievements.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/achievements/{id}", tag = "achievements",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Achievement id")),
    responses((status = 200, body = Achievement), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn get_achievement(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<Achievement>> {
    let org = organization_for(&state.store, &caller, &org, Need::Member).await?;
    state.store.organization_achievement(&org.id, &id).await?.map(Json).ok_or(AppError::NotFound("achievement"))
}

/// Replace an achievement's definition. While no credential has been issued
/// against its latest version the version is edited; afterwards a new version
/// is created and the issued one stays resolvable, unchanged.
#[utoipa::path(put, path = "/api/v1/organizations/{org}/achievements/{id}", tag = "achievements",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Achievement id")),
    request_body = AchievementInput,
    responses((status = 200, body = UpdatedAchievement), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn update_achievement(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<AchievementInput>,
) -> AppResult<Json<UpdatedAchievement>> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let current = state.store.organization_achievement(&org.id, &id).await?.ok_or(AppError::NotFound("achievement"))?;
    if current.retired_at.is_some() {
        return Err(AppError::conflict("achievement", "it is retired; a retired micro-credential is not edited"));
    }
    if input.slug != current.definition.slug {
        return Err(AppError::invalid("slug", format!("cannot change; it is '{}'", current.definition.slug)));
    }
    let def = state.store.resolve_achievement(input).await?;
    let (achievement, outcome) = state.store.update_achievement(&current, &def).await?;
    Ok(Json(UpdatedAchievement { achievement, new_version: outcome == AchievementUpdate::NewVersion }))
}

/// Retire an achievement (issuer-admin): it takes no new results or awards and is no
/// longer edited; credentials issued from it stay valid, and its documents and pages
/// stay where they are. Retiring twice changes nothing.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/achievements/{id}/retire", tag = "achievements",
    params(("org" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Achievement id")),
    responses((status = 200, body = Achievement), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn retire_achievement(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> AppResult<Json<Achievement>> {
    let org = organization_for(&state.store, &caller, &org, Need::Manage).await?;
    let current = state.store.organization_achievement(&org.id, &id).await?.ok_or(AppError::NotFound("achievement"))?;
    state.store.retire_achievement(&org.id, &current.id).await?;
    let retired = state.store.organization_achievement(&org.id, &id).await?.ok_or(AppError::NotFound("achievement"))?;
    Ok(Json(retired))
}

async fn open_badges_achievement(
    state: &AppState,
    id: &str,
    version: Option<i64>,
    language: Option<&str>,
) -> AppResult<Json<Value>> {
    let edition = crate::app::editions::achievement_edition(&state.store, id, version, language)
        .await?
        .ok_or(AppError::NotFound("achievement"))?;
    Ok(Json(standalone_document(&edition.document)))
}

/// The latest version of an achievement as an Open Badges 3.0 `Achievement` (public);
/// browsers (`Accept: text/html`) get its page.
#[utoipa::path(get, path = "/achievements/{id}", tag = "public",
    params(("id" = String, Path, description = "Achievement id")),
    responses((status = 200, body = Object, description = "Open Badges 3.0 Achievement"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn public_achievement(State(state): State<AppState>, ApiPath(id): ApiPath<String>) -> AppResult<Json<Value>> {
    open_badges_achievement(&state, &id, None, None).await
}

/// One version of an achievement as an Open Badges 3.0 `Achievement` (public);
/// browsers (`Accept: text/html`) get its page. This is the achievement id inside credentials.
#[utoipa::path(get, path = "/achievements/{id}/versions/{version}", tag = "public",
    params(("id" = String, Path, description = "Achievement id"), ("version" = i64, Path, description = "Version")),
    responses((status = 200, body = Object, description = "Open Badges 3.0 Achievement"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn public_achievement_version(
    State(state): State<AppState>,
    ApiPath((id, version)): ApiPath<(String, i64)>,
) -> AppResult<Json<Value>> {
    open_badges_achievement(&state, &id, Some(version), None).await
}

/// A version's second language edition (`en` or `fr`) as an Open Badges 3.0 `Achievement` of
/// its own (public): its `inLanguage` is that language and `related` names the first edition,
/// which names this one in turn. Browsers (`Accept: text/html`) get its page.
#[utoipa::path(get, path = "/achievements/{id}/versions/{version}/editions/{lang}", tag = "public",
    params(("id" = String, Path, description = "Achievement id"), ("version" = i64, Path, description = "Version"),
        ("lang" = String, Path, description = "The edition's language: en or fr")),
    responses((status = 200, body = Object, description = "Open Badges 3.0 Achievement"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn public_achievement_edition(
    State(state): State<AppState>,
    ApiPath((id, version, lang)): ApiPath<(String, i64, String)>,
) -> AppResult<Json<Value>> {
    let edition = crate::app::editions::second_edition(&state.store, &id, version, &lang)
        .await?
        .ok_or(AppError::NotFound("achievement"))?;
    Ok(Json(standalone_document(&edition.document)))
}
