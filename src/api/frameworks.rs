//! Competency frameworks: public to read; created by a platform admin or an
//! organization's issuer-admin, who then owns it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, Auth};
use crate::app::AppState;
use crate::domain::api_key::Role;
use crate::domain::framework::{self, Competency, FrameworkDocument, FrameworkSummary, FrameworkVersion};
use crate::error::{AppError, AppResult};
use crate::http::problem::Problem;
use crate::store::Caller;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_frameworks, create_framework))
        .routes(routes!(list_reference_frameworks))
        .routes(routes!(import_reference_framework))
        .routes(routes!(get_framework))
        .routes(routes!(add_framework_version))
        .routes(routes!(get_framework_version))
        .routes(routes!(get_competency))
}

/// List frameworks (public).
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "frameworks",
    responses((status = 200, body = Vec<FrameworkSummary>)))]
async fn list_frameworks(State(state): State<AppState>) -> AppResult<Json<Vec<FrameworkSummary>>> {
    Ok(Json(state.store.list_frameworks().await?))
}

fn owner_of_new_framework(caller: &Caller) -> AppResult<Option<String>> {
    match caller.role {
        Role::Admin => Ok(None),
        Role::IssuerAdmin => Ok(caller.organization_id.clone()),
        Role::Issuer => Err(AppError::Forbidden("creating a framework needs an issuer-admin or admin key".into())),
    }
}

/// Create or import a framework as a tree; it becomes version 1.
#[utoipa::path(post, path = "/api/v1/frameworks", tag = "frameworks",
    request_body = FrameworkDocument,
    responses((status = 201, body = FrameworkVersion), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn create_framework(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(doc): ApiJson<FrameworkDocument>,
) -> AppResult<(StatusCode, Json<FrameworkVersion>)> {
    let owner = owner_of_new_framework(&caller)?;
    doc.validate()?;
    let created = state.store.create_framework(&doc, owner.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferenceFramework {
    pub slug: String,
    pub name: String,
    pub publisher: Option<String>,
}

/// Reference frameworks bundled with Credence, ready to import (public).
#[utoipa::path(get, path = "/api/v1/reference-frameworks", tag = "frameworks",
    responses((status = 200, body = Vec<ReferenceFramework>)))]
async fn list_reference_frameworks() -> AppResult<Json<Vec<ReferenceFramework>>> {
    let documents = framework::reference_framework_documents()?;
    Ok(Json(
        documents
            .into_iter()
            .map(|doc| ReferenceFramework { slug: doc.slug, name: doc.name, publisher: doc.publisher })
            .collect(),
    ))
}

/// Import a bundled reference framework (platform-owned).
#[utoipa::path(post, path = "/api/v1/reference-frameworks/{slug}/import", tag = "frameworks",
    params(("slug" = String, Path, description = "Reference framework slug")),
    responses((status = 201, body = FrameworkVersion), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn import_reference_framework(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<(StatusCode, Json<FrameworkVersion>)> {
    owner_of_new_framework(&caller)?;
    let doc = framework::reference_framework(&slug)?.ok_or(AppError::NotFound("reference framework"))?;
    let created = state.store.create_framework(&doc, None).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The latest version of a framework (public).
#[utoipa::path(get, path = "/api/v1/frameworks/{slug}", tag = "frameworks",
    params(("slug" = String, Path, description = "Framework slug")),
    responses((status = 200, body = FrameworkVersion), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn get_framework(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<FrameworkVersion>> {
    state.store.framework_version(&slug, None).await?.map(Json).ok_or(AppError::NotFound("framework"))
}

/// Publish a new version of a framework (its owner, or a platform admin).
#[utoipa::path(post, path = "/api/v1/frameworks/{slug}/versions", tag = "frameworks",
    params(("slug" = String, Path, description = "Framework slug")),
    request_body = FrameworkDocument,
    responses((status = 201, body = FrameworkVersion), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn add_framework_version(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(slug): ApiPath<String>,
    ApiJson(doc): ApiJson<FrameworkDocument>,
) -> AppResult<(StatusCode, Json<FrameworkVersion>)> {
    let owner = state.store.framework_owner(&slug).await?.ok_or(AppError::NotFound("framework"))?;
    let allowed =
        caller.is_admin() || (caller.role == Role::IssuerAdmin && owner.is_some() && owner == caller.organization_id);
    if !allowed {
        return Err(AppError::Forbidden(format!("only the owner of framework '{slug}' may publish versions of it")));
    }
    doc.validate()?;
    if doc.slug != slug {
        return Err(AppError::invalid("slug", format!("must stay '{slug}' in a new version")));
    }
    let created = state.store.add_framework_version(&slug, &doc).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One version of a framework (public).
#[utoipa::path(get, path = "/api/v1/frameworks/{slug}/versions/{version}", tag = "frameworks",
    params(("slug" = String, Path, description = "Framework slug"), ("version" = i64, Path, description = "Version number")),
    responses((status = 200, body = FrameworkVersion), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn get_framework_version(
    State(state): State<AppState>,
    ApiPath((slug, version)): ApiPath<(String, i64)>,
) -> AppResult<Json<FrameworkVersion>> {
    state.store.framework_version(&slug, Some(version)).await?.map(Json).ok_or(AppError::NotFound("framework version"))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompetencyView {
    pub framework: String,
    pub framework_name: String,
    pub version: i64,
    pub domain: Option<String>,
    #[serde(flatten)]
    pub competency: Competency,
}

/// One competency of a framework version (public): the target of alignments.
#[utoipa::path(get, path = "/api/v1/frameworks/{slug}/versions/{version}/competencies/{code}", tag = "frameworks",
    params(("slug" = String, Path, description = "Framework slug"), ("version" = i64, Path, description = "Version number"),
        ("code" = String, Path, description = "Competency code")),
    responses((status = 200, body = CompetencyView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn get_competency(
    State(state): State<AppState>,
    ApiPath((slug, version, code)): ApiPath<(String, i64, String)>,
) -> AppResult<Json<CompetencyView>> {
    let fw =
        state.store.framework_version(&slug, Some(version)).await?.ok_or(AppError::NotFound("framework version"))?;
    let found = fw
        .document
        .find_competency(&code)
        .filter(|f| f.competency.code == code)
        .ok_or(AppError::NotFound("competency"))?;
    Ok(Json(CompetencyView {
        framework: fw.slug.clone(),
        framework_name: fw.document.name.clone(),
        version: fw.version,
        domain: found.domain.map(|d| d.code.clone()),
        competency: found.competency.clone(),
    }))
}
