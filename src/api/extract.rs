//! Request extractors whose failures are problem+json: JSON bodies, path
//! parameters and the authenticated caller.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::domain::api_key::{self, Role};
use crate::domain::validation::FieldError;
use crate::error::AppError;
use crate::store::Caller;

/// A JSON body, deserialized with the path of any offending field reported.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json_content_type(req.headers())?;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge { limit: crate::http::MAX_BODY_BYTES }
            } else {
                AppError::bad_request(None, format!("could not read the request body: {rejection}"))
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Refuses (415) a body that is not declared as JSON.
pub fn require_json_content_type(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType(format!(
            "expected Content-Type: application/json, got '{}'",
            if content_type.is_empty() { "nothing" } else { content_type }
        )))
    }
}

/// Parses a JSON document into `T`, naming the field at fault on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| AppError::bad_request(None, format!("the body is not valid UTF-8 (byte {})", e.valid_up_to())))?;
    // Check the syntax of the whole document first: trailing garbage is malformed JSON
    // even when the typed parse would stop at an earlier field error, and serde_json
    // reports some type errors (a number where an enum goes) as syntax errors.
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map_err(|e| AppError::bad_request(None, format!("the body is not valid JSON: {e}")))?;
    // The document is well-formed JSON: whatever fails now is about a field.
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|err| {
        let path = err.path().to_string();
        let message = strip_position(&err.into_inner().to_string());
        let field = field_of(&path, &message);
        AppError::Validation(vec![FieldError::new(field, message)])
    })?;
    de.end().map_err(|e| AppError::bad_request(None, format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// serde says "unknown field `x`" with the path of the object holding it; name the field itself.
fn field_of(path: &str, message: &str) -> String {
    let base = if path == "." { String::new() } else { path.to_string() };
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.strip_prefix(marker)
            && let Some(name) = rest.split('`').next()
        {
            // For an unknown field the path already ends with the field itself.
            if marker.starts_with("unknown") && (base == name || base.ends_with(&format!(".{name}"))) {
                return base;
            }
            return if base.is_empty() { name.to_string() } else { format!("{base}.{name}") };
        }
    }
    if base.is_empty() { "body".to_string() } else { base }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Path parameters whose parse errors are problem+json.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|rejection| AppError::bad_request(Some("path"), rejection.body_text()))
    }
}

/// The authenticated caller. Requests without a valid, unrevoked key are refused with 401.
pub struct Auth(pub Caller);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            AppError::Unauthorized("this endpoint needs an API key: Authorization: Bearer <key>".into())
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| AppError::Unauthorized("the Authorization header must be 'Bearer <key>'".into()))?;
        if let Some(admin_hash) = &state.env_admin_key_hash
            && api_key::hashes_match(admin_hash, &api_key::hash(token))
        {
            let caller = Caller { key_id: "env-admin".into(), role: Role::Admin, organization_id: None };
            crate::store::act_as(caller.actor());
            return Ok(Auth(caller));
        }
        match state.store.authenticate(token).await? {
            Some(caller) => {
                crate::store::act_as(caller.actor());
                Ok(Auth(caller))
            }
            None => Err(AppError::Unauthorized("the API key is unknown or has been revoked".into())),
        }
    }
}
