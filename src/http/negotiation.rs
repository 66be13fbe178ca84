//! Which form of a resource a client asks for: a page or a JSON document.

use axum::http::{HeaderMap, header};

/// Whether the client asks for HTML rather than JSON: `text/html` listed with a
/// quality at least that of every JSON type it lists. `*/*` alone, or no Accept
/// header, means JSON, so API clients keep getting what they always got.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let accept = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    let (mut html, mut json) = (0.0f32, 0.0f32);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            "application/json"
            | "application/ld+json"
            | "application/vc+jwt"
            | "application/jwt"
            | "application/vc"
            | "application/vc+ld+json" => json = json.max(q),
            _ => {}
        }
    }
    html > 0.0 && html >= json
}
