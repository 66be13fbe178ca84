//! RFC 9457 problem details: the one place where errors become HTTP responses.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::validation::FieldError;
use crate::error::AppError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The fields at fault, each with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request's id (as in its `X-Request-Id` header), to find it in the server's logs.
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:credence:problem:{code}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            request_id: None,
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Problem {
        self.errors = errors;
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(mut self) -> Response {
        if self.request_id.is_none() {
            self.request_id = super::request_id::current();
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

impl From<&AppError> for Problem {
    fn from(err: &AppError) -> Problem {
        use StatusCode as S;
        match err {
            AppError::Validation(errors) => {
                let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
                Problem::new(S::UNPROCESSABLE_ENTITY, "validation-error", "Invalid fields", detail)
                    .with_errors(errors.clone())
            }
            AppError::BadRequest { detail, field } => {
                let p = Problem::new(S::BAD_REQUEST, "bad-request", "Malformed request", detail.clone());
                match field {
                    Some(f) => p.with_errors(vec![FieldError::new(f.clone(), detail.clone())]),
                    None => p,
                }
            }
            AppError::UnsupportedMediaType(detail) => Problem::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                detail.clone(),
            ),
            AppError::PayloadTooLarge { .. } => {
                Problem::new(S::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large", err.to_string())
            }
            AppError::Conflict { field, reason } => {
                Problem::new(S::CONFLICT, "conflict", "Conflict", format!("{field}: {reason}"))
                    .with_errors(vec![FieldError::new(field.clone(), reason.clone())])
            }
            AppError::NotFound(what) => {
                Problem::new(S::NOT_FOUND, "not-found", "Not found", format!("{what} not found"))
            }
            AppError::Unauthorized(detail) => {
                Problem::new(S::UNAUTHORIZED, "unauthorized", "Unauthorized", detail.clone())
            }
            AppError::Forbidden(detail) => Problem::new(S::FORBIDDEN, "forbidden", "Forbidden", detail.clone()),
            AppError::TooManyRequests { detail, .. } => {
                Problem::new(S::TOO_MANY_REQUESTS, "rate-limited", "Too many requests", detail.clone())
            }
            AppError::Database(_) | AppError::Sqlite(_) | AppError::Migration(_) | AppError::Internal(_) => {
                Problem::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal-error",
                    "Internal error",
                    "the server could not complete the request; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = Problem::from(&self);
        if problem.status >= 500 {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = problem.into_response();
        match self {
            AppError::Unauthorized(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"credence\""));
            }
            AppError::TooManyRequests { retry_after_secs, .. } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
            }
            _ => {}
        }
        response
    }
}
