//! The JSON API adapter: axum handlers over the application and the store, and the
//! OpenAPI document generated from them. Handlers stay thin: they read the request,
//! call a use case, and shape the answer.

pub mod access;
mod achievements;
mod audit;
mod badge_files;
mod bulk;
mod claims;
pub mod extract;
mod frameworks;
mod issuance;
mod listing;
mod operations;
mod organizations;
mod public;
mod staff;
pub mod verify;

use axum::Router;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::http::payload_too_large;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Credence",
        description = "Open Badges 3.0 issuance and verification for micro-credentials. \
            Errors are RFC 9457 problem+json documents.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "organizations", description = "Issuers and their API keys"),
        (name = "frameworks", description = "Competency frameworks"),
        (name = "achievements", description = "Micro-credential definitions"),
        (name = "issuance", description = "Results, sign-offs, awards, revocation and suspension"),
        (name = "verification", description = "Verification reports for employers"),
        (name = "vc-api", description = "W3C VC API endpoints"),
        (name = "bulk", description = "Bulk issuance from CSV files, as polled jobs with per-row outcomes"),
        (name = "public", description = "Public documents")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(public::routes())
        .merge(operations::routes())
        .merge(organizations::routes())
        .merge(staff::routes())
        .merge(audit::routes())
        .merge(frameworks::routes())
        .merge(achievements::routes())
        .merge(issuance::routes())
        .merge(claims::routes())
        // The verifier's routes take files up to their own cap.
        .merge(
            verify::routes()
                .layer(axum::middleware::from_fn_with_state(crate::verification::MAX_IMAGE_BYTES, payload_too_large)),
        )
        .merge(bulk::routes())
        .merge(badge_files::routes())
}

/// The OpenAPI document generated from the handlers.
pub fn openapi() -> OpenApiDoc {
    api().into_openapi()
}

/// The API's routes and their OpenAPI document.
pub fn routes() -> (Router<AppState>, OpenApiDoc) {
    api().split_for_parts()
}
