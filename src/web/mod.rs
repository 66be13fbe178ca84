//! The web pages people read: badge pages, the verification page, issuer and
//! achievement pages, in English and French. Server-rendered from templates that
//! are compiled into the binary (askama), so a page with a missing field or a
//! mistyped variable does not build. Pages work without JavaScript.
//!
//! URLs that are also JSON documents (a credential, an issuer, an achievement) are listed
//! in [`NEGOTIATED`]: the server sends a request for one here when the client prefers
//! HTML (see `crate::server`), and to the API otherwise.

pub mod badge_page;
pub mod catalog_pages;
pub mod claim_page;
pub mod console;
pub mod credential_view;
pub mod i18n;
pub mod lang;
pub mod markdown;
pub mod report;
pub mod signoff_page;
pub mod verify_page;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::http::negotiation::prefers_html;
pub use i18n::Messages;
pub use lang::Lang;

/// What every page needs: its language, the shared words, and where the
/// language switch points.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub lang: Lang,
    pub t: &'static Messages,
    /// Chosen by `?lang=`: the response sets the `lang` cookie.
    pub remember_lang: bool,
    /// The request path, for the language switch.
    pub path: String,
    /// `?format=json`: a browser asking for the JSON form of a page.
    pub json_requested: bool,
}

impl PageContext {
    pub fn new(lang: Lang, path: &str) -> Self {
        PageContext { lang, t: lang.messages(), remember_lang: false, path: path.to_string(), json_requested: false }
    }

    pub fn from_parts(parts: &Parts) -> Self {
        let choice = lang::choose(parts.uri.query(), &parts.headers);
        PageContext {
            remember_lang: choice.from_switch,
            json_requested: json_requested(&parts.uri),
            ..PageContext::new(choice.lang, parts.uri.path())
        }
    }

    /// The link that shows this page in the other language.
    pub fn switch_href(&self) -> String {
        format!("{}?lang={}", self.path, self.lang.other().code())
    }

    pub fn other_lang(&self) -> Lang {
        self.lang.other()
    }

    /// "November 27, 2026" / "27 novembre 2026".
    pub fn date(&self, timestamp: &str) -> String {
        i18n::long_date(self.lang, timestamp)
    }

    /// Picks this page's words from a page's two message tables.
    pub fn pick<T>(&self, en: &'static T, fr: &'static T) -> &'static T {
        match self.lang {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageContext::from_parts(parts))
    }
}

/// Whether to answer a page: the client prefers HTML and did not ask for
/// `?format=json` (how a browser follows a "JSON" link).
pub fn wants_page(page: &PageContext, headers: &HeaderMap) -> bool {
    !page.json_requested && prefers_html(headers)
}

/// The URLs that are both a JSON document (answered by the API) and a page (answered here).
pub const NEGOTIATED: [&str; 6] = [
    "/credentials/{id}",
    "/achievements/{id}",
    "/achievements/{id}/versions/{version}",
    "/achievements/{id}/versions/{version}/editions/{lang}",
    "/issuers/{slug}",
    "/signoff/{token}",
];

/// The pages of the [`NEGOTIATED`] URLs.
pub fn negotiated_routes() -> Router<AppState> {
    let [credential, achievement, achievement_version, achievement_edition, issuer, signoff] = NEGOTIATED;
    Router::new()
        .route(credential, get(badge_page::credential_page))
        .route(achievement, get(catalog_pages::achievement_latest_page))
        .route(achievement_version, get(catalog_pages::achievement_version_page))
        .route(achievement_edition, get(catalog_pages::achievement_edition_page))
        .route(issuer, get(catalog_pages::issuer_profile_page))
        .route(signoff, get(signoff_page::signoff_form))
}

/// Whether a request is for the page of a [`NEGOTIATED`] URL: a read, of one of those
/// paths, by a client that prefers HTML and did not ask for `?format=json`.
pub fn wants_negotiated_page(request: &Request) -> bool {
    let path = request.uri().path();
    matches!(*request.method(), Method::GET | Method::HEAD)
        && NEGOTIATED.iter().any(|pattern| path_matches(pattern, path))
        && !json_requested(request.uri())
        && prefers_html(request.headers())
}

/// `?format=json`: a browser asking for the JSON form of a page.
fn json_requested(uri: &axum::http::Uri) -> bool {
    uri.query().and_then(|q| lang::query_param(q, "format")).is_some_and(|f| f == "json")
}

/// Whether `path` has the shape of `pattern`, where `{name}` stands for one non-empty segment.
fn path_matches(pattern: &str, path: &str) -> bool {
    let (mut wanted, mut given) = (pattern.split('/'), path.split('/'));
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// A rendered page with its status, language headers and, after a language
/// switch, the cookie that remembers the choice.
pub fn render<T: Template>(page: &PageContext, status: StatusCode, template: &T) -> Response {
    let html = match template.render() {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "page template failed to render");
            return (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response();
        }
    };
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(page.lang.code()));
    headers.insert(header::VARY, HeaderValue::from_static("Accept, Accept-Language, Cookie"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    if page.remember_lang {
        let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", page.lang.code());
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            headers.insert(header::SET_COOKIE, v);
        }
    }
    response
}

/// A page that holds a secret link or a session: never cached, never indexed, and no
/// Referer carrying its URL.
pub(crate) fn private(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    response
}

/// Whether a request's body is an HTML form (`application/x-www-form-urlencoded`).
pub(crate) fn is_form_post(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

/// Why a page's form post was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormRefusal {
    /// Sent from another site (`Sec-Fetch-Site` / `Origin`).
    CrossSite,
    /// Not `application/x-www-form-urlencoded`, or not UTF-8.
    NotAForm,
}

/// The text of a form post from one of this site's pages: refused when another site
/// sent it, or when it is not a URL-encoded UTF-8 form.
pub(crate) fn form_text<'b>(headers: &HeaderMap, body: &'b [u8], public_url: &str) -> Result<&'b str, FormRefusal> {
    if !claim_page::same_site_post(headers, public_url) {
        return Err(FormRefusal::CrossSite);
    }
    match std::str::from_utf8(body) {
        Ok(text) if is_form_post(headers) => Ok(text),
        _ => Err(FormRefusal::NotAForm),
    }
}

/// Everything but RFC 3986's unreserved characters (letters, digits, `-._~`).
const RESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes everything but RFC 3986's unreserved characters, for query values.
pub fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

#[derive(Template)]
#[template(path = "not_found.html", config = "src/web/askama.toml")]
struct NotFoundPage<'a> {
    page: &'a PageContext,
}

/// The friendly 404 page, in the reader's language.
pub fn not_found(page: &PageContext) -> Response {
    render(page, StatusCode::NOT_FOUND, &NotFoundPage { page })
}

#[derive(Template)]
#[template(path = "message.html", config = "src/web/askama.toml")]
pub(crate) struct MessagePage<'a> {
    pub page: &'a PageContext,
    pub title: &'a str,
    pub body: &'a str,
}

/// Browsers get pages for errors, not problem documents: the 404 page for a page
/// that does not exist (GET and HEAD), and a "too many requests" page, with its
/// `Retry-After`, when the rate limit refuses a page or a form post. API paths
/// keep their problem+json.
pub async fn html_errors(request: Request, next: Next) -> Response {
    let wants_page = !request.uri().path().starts_with("/api/") && prefers_html(request.headers());
    if !wants_page {
        return next.run(request).await;
    }
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    let (parts, body) = request.into_parts();
    let page = PageContext::from_parts(&parts);
    let response = next.run(Request::from_parts(parts, body)).await;
    match response.status() {
        StatusCode::NOT_FOUND if reads => not_found(&page),
        StatusCode::TOO_MANY_REQUESTS => {
            let retry = response.headers().get(header::RETRY_AFTER).cloned();
            let template = MessagePage { page: &page, title: page.t.too_many_title, body: page.t.too_many_body };
            let mut r = render(&page, StatusCode::TOO_MANY_REQUESTS, &template);
            if let Some(v) = retry {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        _ => response,
    }
}

#[derive(Template)]
#[template(path = "home.html", config = "src/web/askama.toml")]
struct HomePage<'a> {
    page: &'a PageContext,
    issuers: Vec<(String, String)>,
}

async fn home(State(state): State<AppState>, page: PageContext) -> Response {
    match state.store.list_organizations().await {
        Ok(orgs) => {
            let issuers = orgs.into_iter().map(|o| (o.slug, o.name)).collect();
            render(&page, StatusCode::OK, &HomePage { page: &page, issuers })
        }
        Err(e) => e.into_response(),
    }
}

const SITE_CSS: &str = include_str!("assets/site.css");
const SITE_JS: &str = include_str!("assets/site.js");

async fn site_css() -> Response {
    static_asset("text/css; charset=utf-8", SITE_CSS)
}

async fn site_js() -> Response {
    static_asset("text/javascript; charset=utf-8", SITE_JS)
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = Body::from(body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

/// Pages that exist only as HTML, and the assets they use.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/assets/site.css", get(site_css))
        .route("/assets/site.js", get(site_js))
        .route("/credentials/{id}/print", get(badge_page::certificate))
        .merge(
            Router::new()
                .route("/verify", get(verify_page::verify_form).post(verify_page::verify_submit))
                .layer(axum::extract::DefaultBodyLimit::max(crate::verification::MAX_IMAGE_BYTES))
                .layer(axum::middleware::from_fn_with_state(
                    crate::verification::MAX_IMAGE_BYTES,
                    crate::http::payload_too_large,
                ))
                .layer(axum::middleware::from_fn(crate::http::rate_limit::limit)),
        )
        .merge(
            Router::new()
                .route("/claim/{token}", get(claim_page::claim_form).post(claim_page::save_claim))
                .layer(axum::extract::DefaultBodyLimit::max(claim_page::MAX_FORM_BYTES))
                .layer(axum::middleware::from_fn_with_state(claim_page::MAX_FORM_BYTES, crate::http::payload_too_large))
                .layer(axum::middleware::from_fn(crate::http::rate_limit::limit)),
        )
        .merge(
            Router::new()
                .route("/signoff/{token}/decision", axum::routing::post(signoff_page::decide))
                .layer(axum::extract::DefaultBodyLimit::max(signoff_page::MAX_FORM_BYTES))
                .layer(axum::middleware::from_fn_with_state(
                    signoff_page::MAX_FORM_BYTES,
                    crate::http::payload_too_large,
                ))
                .layer(axum::middleware::from_fn(crate::http::rate_limit::limit)),
        )
        .merge(console::routes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, v.parse().unwrap());
        h
    }

    #[test]
    fn browsers_and_crawlers_get_html_and_api_clients_json() {
        assert!(prefers_html(&accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")));
        // Link preview crawlers: anything, or nothing said.
        assert!(prefers_html(&accept("*/*")));
        assert!(prefers_html(&HeaderMap::new()));
        assert!(!prefers_html(&accept("application/json, */*;q=0.1")));
        assert!(!prefers_html(&accept("application/ld+json")));
        assert!(!prefers_html(&accept("application/json, text/html;q=0.5")));
        assert!(prefers_html(&accept("application/json;q=0.5, text/html")));
        assert!(!prefers_html(&accept("text/html;q=0")));
    }
}
