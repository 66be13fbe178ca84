//! The composition root: one axum router of the JSON API (`api`) and the pages (`web`),
//! with what every request goes through (`http`). URLs that are both a JSON document and a
//! page (a credential, an achievement, an issuer) are answered by `web` when the client
//! prefers HTML, and by `api` otherwise; the two adapters never call each other.

use axum::Router;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::middleware::Next;
use axum::response::Response;
use tower::ServiceExt;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;
use crate::http::{MAX_BODY_BYTES, method_not_allowed, not_found, payload_too_large, refuse_encoded_nul};

/// The whole application: API, public documents, `/openapi.json` and `/docs`.
pub fn router(state: AppState) -> Router {
    let (api_router, doc) = crate::api::routes();
    let limiter = state.rate_limiter.clone();
    let pages = crate::web::negotiated_routes().with_state(state.clone());
    let router = api_router
        .layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            let pages = pages.clone();
            async move { pages_for_browsers(pages, request, next).await }
        }))
        .merge(crate::web::routes())
        .merge(SwaggerUi::new("/docs").url("/openapi.json", doc))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(crate::web::html_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(MAX_BODY_BYTES, payload_too_large))
        .layer(axum::middleware::from_fn(refuse_encoded_nul))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(axum::middleware::from_fn(crate::http::actor_slot))
        .layer(axum::middleware::from_fn(crate::http::request_metrics::count))
        .layer(axum::middleware::from_fn(crate::http::request_id::assign));
    let router = match limiter {
        Some(l) => router.layer(axum::Extension(l)),
        None => router,
    };
    router.with_state(state)
}

/// The span of one request: its id (set by `request_id::assign`, outside this layer), its
/// method and its route template. The path itself is not logged: some hold a claim token.
fn request_span(request: &Request) -> tracing::Span {
    let id = request.headers().get(crate::http::request_id::HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str())
        .unwrap_or(crate::metrics::UNMATCHED_ROUTE);
    tracing::info_span!("request", request_id = %id, method = %request.method(), route = %route)
}

/// A request for a URL that is both a document and a page goes to the page when the client
/// prefers HTML (and did not ask for `?format=json`).
async fn pages_for_browsers(pages: Router, request: Request, next: Next) -> Response {
    if crate::web::wants_negotiated_page(&request) {
        // A request of its own: the API's route has already put its path parameters in
        // this one's extensions, and the page's route would find two sets.
        let (parts, body) = request.into_parts();
        let mut page_request = Request::new(body);
        *page_request.method_mut() = parts.method;
        *page_request.uri_mut() = parts.uri;
        *page_request.version_mut() = parts.version;
        *page_request.headers_mut() = parts.headers;
        if let Some(client) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            page_request.extensions_mut().insert(*client);
        }
        return match pages.oneshot(page_request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    next.run(request).await
}
