//! What every HTTP request goes through, whichever adapter answers it: the mapping of
//! errors to RFC 9457 problem+json (`problem`), body caps, the client's address and rate
//! limits, and content negotiation.

pub mod client;
pub mod negotiation;
pub mod problem;
pub mod rate_limit;
pub mod request_id;
pub mod request_metrics;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use problem::Problem;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A URL whose path or query encodes U+0000 (`%00`) is malformed (400): path parameters and
/// query values are looked up and stored as text, which PostgreSQL cannot hold it in.
pub async fn refuse_encoded_nul(request: Request, next: Next) -> Response {
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
    let wants_page = !request.uri().path().starts_with("/api/") && negotiation::prefers_html(request.headers());
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

pub async fn not_found() -> impl IntoResponse {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such endpoint")
}

pub async fn method_not_allowed() -> impl IntoResponse {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this endpoint does not take that HTTP method",
    )
}

/// Gives each request its slot for who acts, which the adapters fill and the audit
/// log reads (see `store::audit`), and its client as the visitor the public counters
/// count once a day (see `store::visitors`).
pub async fn actor_slot(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let client = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    crate::store::visiting(client, crate::store::acting_scope(next.run(request))).await
}
