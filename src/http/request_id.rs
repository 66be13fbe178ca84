//! Request ids: every request has one, in the `X-Request-Id` header of its answer, in
//! its problem+json body (`requestId`) and in its tracing span, so each log line of the
//! request carries it.
//!
//! A client's own `X-Request-Id` is kept when it is 1 to [`MAX_LEN`] characters of
//! `A-Z a-z 0-9 . _ -` (it then ties the client's logs to ours); anything else (too long,
//! control characters, CR/LF, non-ASCII, spaces, quotes) is replaced by a new UUID v7,
//! so a client cannot forge log lines or headers through it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header.
pub const HEADER: &str = "x-request-id";
/// The longest client id kept.
pub const MAX_LEN: usize = 64;

tokio::task_local! {
    static CURRENT: String;
}

/// The request's id, in the request's extensions for handlers that want it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A client's id when it is one we keep.
pub fn accepted(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    let safe = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    (!bytes.is_empty() && bytes.len() <= MAX_LEN && bytes.iter().all(safe))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// The id of the request being answered on this task, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Gives the request its id (the client's when acceptable, else a new UUID v7), puts it
/// in the request's header and extensions for the layers within, and in the answer.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = request.headers().get(HEADER).and_then(accepted).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    // Only safe characters: the conversion cannot fail.
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    request.headers_mut().insert(HEADER, value.clone());
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = CURRENT.scope(id, next.run(request)).await;
    response.headers_mut().insert(HEADER, value);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_short_safe_ids_only() {
        let ok = |s: &str| accepted(&HeaderValue::from_str(s).unwrap());
        assert_eq!(ok("abc-123_X.y").as_deref(), Some("abc-123_X.y"));
        assert_eq!(ok(&"a".repeat(64)).map(|s| s.len()), Some(64));
        assert_eq!(ok(&"a".repeat(65)), None);
        assert_eq!(ok(""), None);
        assert_eq!(ok("a b"), None);
        assert_eq!(ok("a\"b"), None);
        assert_eq!(ok("a\tb"), None);
        assert_eq!(accepted(&HeaderValue::from_bytes("é".as_bytes()).unwrap()), None);
    }
}
