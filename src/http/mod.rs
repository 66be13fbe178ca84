//! The HTTP adapter: axum routes over the store and the core, the OpenAPI
//! document, and the error mapping. Handlers stay thin.

pub mod access;
mod achievements;
mod badge_files;
mod bulk;
mod claims;
pub mod extract;
mod frameworks;
mod issuance;
mod organizations;
pub mod problem;
mod public;
pub mod rate_limit;
pub mod verify;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::store::Store;
use credence_core::sealed_key::MasterKey;
use problem::Problem;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Seals and opens the organizations' signing keys.
    pub master_key: Arc<MasterKey>,
    /// SHA-256 of the admin key given by environment, if any.
    pub env_admin_key_hash: Option<String>,
    /// Signed status list credentials, by organization and purpose, with the list
    /// version they were built from (a cache: the database holds the truth).
    pub status_lists: Arc<Mutex<HashMap<(String, &'static str), issuance::CachedStatusList>>>,
    /// Runs verifications off the async runtime, a bounded number at once.
    pub verifier: Arc<crate::verification::Verifier>,
    /// Limits public verification and sign-off requests per client address; `None`: no limit.
    pub rate_limiter: Option<Arc<rate_limit::RateLimiter>>,
}

impl AppState {
    pub fn new(store: Store, master_key: MasterKey, env_admin_key_hash: Option<String>) -> Self {
        AppState {
            store,
            master_key: Arc::new(master_key),
            env_admin_key_hash,
            status_lists: Arc::new(Mutex::new(HashMap::new())),
            verifier: Arc::new(crate::verification::Verifier::new(verifier_threads())),
            rate_limiter: None,
        }
    }

    /// Outbound fetches of verification (key documents, status lists, evidence) follow `policy`.
    pub fn with_fetch_policy(mut self, policy: crate::fetch::FetchPolicy) -> Self {
        self.verifier = Arc::new(crate::verification::Verifier::with_fetch_policy(verifier_threads(), policy));
        self
    }

    /// Limits public verification and sign-off requests to `per_second` per client (0: no limit).
    pub fn with_rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limiter = rate_limit::RateLimiter::new(per_second);
        self
    }
}

/// Verifications run at once on blocking threads: twice the cores.
fn verifier_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get() * 2).unwrap_or(4)
}

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
        .merge(organizations::routes())
        .merge(frameworks::routes())
        .merge(achievements::routes())
        .merge(issuance::routes())
        .merge(claims::routes())
        // The verifier's routes take files up to their own cap.
        .merge(verify::routes().layer(axum::middleware::from_fn_with_state(verify::MAX_IMAGE_BYTES, payload_too_large)))
        .merge(bulk::routes())
        .merge(badge_files::routes())
}

/// The OpenAPI document generated from the handlers.
pub fn openapi() -> OpenApiDoc {
    api().into_openapi()
}

/// The whole application: API, public documents, `/openapi.json` and `/docs`.
pub fn router(state: AppState) -> Router {
    let (api_router, doc) = api().split_for_parts();
    let limiter = state.rate_limiter.clone();
    let router = api_router
        .merge(crate::web::routes())
        .merge(SwaggerUi::new("/docs").url("/openapi.json", doc))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(crate::web::html_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(MAX_BODY_BYTES, payload_too_large))
        .layer(axum::middleware::from_fn(refuse_encoded_nul))
        .layer(TraceLayer::new_for_http());
    let router = match limiter {
        Some(l) => router.layer(axum::Extension(l)),
        None => router,
    };
    router.with_state(state)
}

/// A URL whose path or query encodes U+0000 (`%00`) is malformed (400): path parameters and
/// query values are looked up and stored as text, which PostgreSQL cannot hold it in.
async fn refuse_encoded_nul(request: Request, next: Next) -> Response {
    let holds_nul = |s: &str| s.as_bytes().windows(3).any(|w| w == b"%00");
    let uri = request.uri();
    let field = if holds_nul(uri.path()) {
        "path"
    } else if uri.query().is_some_and(holds_nul) {
        "query"
    } else {
        return next.run(request).await;
    };
    crate::error::AppError::bad_request(Some(field), "the URL holds an encoded NUL character (%00)").into_response()
}

/// The cap on the body of a request, and how much of the body has been read.
#[derive(Debug)]
struct BodyCap {
    limit: AtomicUsize,
    read: AtomicUsize,
}

/// Refuses a body over its route's cap with the 413 problem+json naming the cap, whatever
/// read it. `limit` is the route's cap, set with `DefaultBodyLimit::max(limit)` beside this
/// layer; where layers nest, the innermost cap is the route's (as with `DefaultBodyLimit`).
/// Our extractors answer so themselves; this also covers axum's (`Bytes`, `Multipart`, ...),
/// whose refusal is plain text, and handlers that answer a body they could not read with
/// another error. A client asking for a page keeps the page a route shows.
pub async fn payload_too_large(State(limit): State<usize>, request: Request, next: Next) -> Response {
    if let Some(cap) = request.extensions().get::<Arc<BodyCap>>() {
        // An outer layer counts the body; this route's cap is this one.
        cap.limit.store(limit, Ordering::Relaxed);
        return next.run(request).await;
    }
    let wants_page = !request.uri().path().starts_with("/api/") && crate::web::prefers_html(request.headers());
    let cap = Arc::new(BodyCap { limit: AtomicUsize::new(limit), read: AtomicUsize::new(0) });
    let counter = cap.clone();
    let mut request = request.map(|body| {
        axum::body::Body::new(http_body_util::BodyExt::map_frame(body, move |frame| {
            if let Some(data) = frame.data_ref() {
                counter.read.fetch_add(data.len(), Ordering::Relaxed);
            }
            frame
        }))
    });
    request.extensions_mut().insert(cap.clone());
    let response = next.run(request).await;
    let limit = cap.limit.load(Ordering::Relaxed);
    let over = cap.read.load(Ordering::Relaxed) > limit;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(problem::PROBLEM_JSON.as_bytes()));
    let too_large = response.status() == StatusCode::PAYLOAD_TOO_LARGE;
    let refused_plainly = too_large && !is_problem;
    let refused_otherwise = over && response.status().is_client_error() && !too_large && !wants_page;
    if refused_plainly || refused_otherwise {
        return crate::error::AppError::PayloadTooLarge { limit }.into_response();
    }
    response
}

async fn not_found() -> impl IntoResponse {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such endpoint")
}

async fn method_not_allowed() -> impl IntoResponse {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this endpoint does not take that HTTP method",
    )
}
