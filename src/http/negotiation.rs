//! Which form of a resource a client asks for: a page or a JSON document.

use axum::http::{HeaderMap, header};

/// Whether the client should get the page rather than JSON: unless it lists a JSON
/// type (`application/json`, `application/ld+json`, the VC types) with a higher
/// quality than `text/html`, it gets the page. `*/*` alone, or no Accept header, is
/// what link preview crawlers (LinkedIn, Slack, Teams, X) send: they get the page and
/// its Open Graph tags. API clients ask for JSON by name (or `?format=json`).
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let accept = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    // `html` is `None` until text/html is listed: `text/html;q=0` refuses pages.
    let (mut html, mut json) = (None::<f32>, 0.0f32);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = Some(html.unwrap_or(0.0).max(q)),
            "application/json"
            | "application/ld+json"
            | "application/vc+jwt"
            | "application/jwt"
            | "application/vc"
            | "application/vc+ld+json" => json = json.max(q),
            _ => {}
        }
    }
    match html {
        Some(q) => q > 0.0 && q >= json,
        None => json == 0.0,
    }
}
