//! Operators' endpoints: readiness (`/readyz`) and Prometheus metrics (`/metrics`).
//! Liveness stays `/healthz` (`public.rs`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::AppError;
use crate::http::problem::Problem;

/// The content type of the Prometheus text exposition format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(readyz)).routes(routes!(metrics))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub status: String,
    pub database: String,
}

/// Readiness: 200 when the database takes a write now (one small committed write through
/// the path issuance writes by, at most once a second, within 2 seconds); 503 when it
/// does not, or when the instance is shutting down. Liveness is `/healthz`.
#[utoipa::path(get, path = "/readyz", tag = "public",
    responses((status = 200, body = Readiness),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, Problem> {
    match state.operations.ready(&state.store).await {
        Ok(()) => Ok(Json(Readiness { status: "ready".into(), database: "writable".into() })),
        Err(why) => Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready", why.detail())),
    }
}

/// Prometheus metrics (text format 0.0.4): HTTP requests by method, route template and
/// status with latency histograms; credentials issued; verifications by result; outbound
/// fetches by outcome; the bulk backlog; database pool use. Counts only: no learner,
/// credential or secret. Asks for `Authorization: Bearer <token>` when the service was
/// started with `CREDENCE_METRICS_TOKEN`.
#[utoipa::path(get, path = "/metrics", tag = "public",
    responses((status = 200, body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let authorization = headers.get(header::AUTHORIZATION).map(HeaderValue::as_bytes);
    if !state.operations.may_read_metrics(authorization) {
        return AppError::Unauthorized("the metrics ask for the metrics token: Authorization: Bearer <token>".into())
            .into_response();
    }
    let gauges = state.operations.gauges(&state.store).await;
    let body = crate::metrics::global().render(&gauges);
    ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")], body).into_response()
}
