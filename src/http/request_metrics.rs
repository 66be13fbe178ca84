//! Counts every answered request in the metrics registry (`crate::metrics`) by method,
//! route template and status, with its latency. The route is axum's template
//! (`MatchedPath`), so `/credentials/a` and `/credentials/b` are one series; a path no
//! route matches is [`metrics::UNMATCHED_ROUTE`], whatever it is.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::metrics;

pub async fn count(request: Request, next: Next) -> Response {
    let method = metrics::method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| metrics::UNMATCHED_ROUTE.to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::global().request(method, &route, response.status().as_u16(), started.elapsed());
    response
}
