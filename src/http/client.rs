//! Who sent a request, as far as the server can tell.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The address of the client, when the server knows it (always when serving with
/// connection info; `None` in tests that call the router without it). Never fails.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let connection = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddr(connection.map(|c| c.0.ip())))
    }
}
