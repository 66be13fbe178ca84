//! What the console's tests share: sending pages and forms with a session cookie,
//! and a signed-in staff member of a new organization.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::common::{Response, TestApp};

/// The session cookie's name (the tests' public URL is https).
pub const COOKIE: &str = "__Host-credence_session";
/// A password every check accepts.
pub const PASSWORD: &str = "correct horse battery staple";

/// Invites `email` as `role` to organization `org`, whose issuer-admin `key` sends
/// the invitation; the invitation page's path.
pub async fn invite(app: &TestApp, org: &str, key: &str, email: &str, role: &str) -> String {
    let r = app
        .post(&format!("/api/v1/organizations/{org}/invitations"), Some(key), &json!({"email": email, "role": role}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let url = r.body["invitationUrl"].as_str().expect("invitation URL");
    url.strip_prefix(crate::common::PUBLIC_URL).expect("a link of this service").to_string()
}

/// A form post, with the session cookie when given and extra headers.
pub async fn post_form(
    app: &TestApp,
    path: &str,
    form: &str,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
) -> Response {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("{COOKIE}={c}"));
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    app.send_request(b.body(Body::from(form.to_string())).unwrap()).await
}

/// A GET, with the session cookie when given.
pub async fn get_with(app: &TestApp, path: &str, cookie: Option<&str>) -> Response {
    let mut b = Request::builder().method(Method::GET).uri(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("{COOKIE}={c}"));
    }
    app.send_request(b.body(Body::empty()).unwrap()).await
}

/// Where a redirect points.
pub fn location(r: &Response) -> &str {
    r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The session token a sign-in answer sets, after checking the cookie's attributes.
pub fn session_set(r: &Response) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(r), "/console");
    let cookie = r.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("a session cookie");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    let value = cookie.strip_prefix(&format!("{COOKIE}=")).expect("the session cookie").split(';').next().unwrap();
    assert!(value.starts_with("ses_"), "{cookie}");
    value.to_string()
}

/// The CSRF token a console page's forms carry.
pub fn csrf_of(page: &Response) -> String {
    let at = page.text.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    page.text[at..].split('"').next().unwrap().to_string()
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Signs in with a password.
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> Response {
    let form = format!("email={}&password={}", urlencode(email), urlencode(password));
    post_form(app, "/console/sign-in", &form, None, &[]).await
}

/// Accepts an invitation with a name and a password (twice).
pub async fn accept(app: &TestApp, invitation: &str, name: &str, password: &str, confirmation: &str) -> Response {
    let form =
        format!("name={}&password={}&confirmation={}", urlencode(name), urlencode(password), urlencode(confirmation));
    post_form(app, invitation, &form, None, &[]).await
}

/// A staff member signed in to the console: their session cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Console {
    pub cookie: String,
    pub csrf: String,
}

impl Console {
    /// Invites `email` as `role` to `org` (with the organization's issuer-admin
    /// `key`), accepts the invitation and reads the CSRF token off the overview.
    pub async fn signed_in(app: &TestApp, org: &str, key: &str, email: &str, role: &str) -> Console {
        let invitation = invite(app, org, key, email, role).await;
        let cookie = session_set(&accept(app, &invitation, "Sam Staff", PASSWORD, PASSWORD).await);
        let home = get_with(app, "/console", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.text);
        Console { csrf: csrf_of(&home), cookie }
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> Response {
        get_with(app, path, Some(&self.cookie)).await
    }

    /// Posts `form` (URL-encoded, without the CSRF field, which this adds).
    pub async fn post(&self, app: &TestApp, path: &str, form: &str) -> Response {
        let form = if form.is_empty() { format!("csrf={}", self.csrf) } else { format!("csrf={}&{form}", self.csrf) };
        post_form(app, path, &form, Some(&self.cookie), &[]).await
    }
}

/// Issues a credential of `org` to `email` through the API (defining the minimal
/// micro-credential `badge` first when the organization has none); its id and the
/// learner's claim link path.
pub async fn issued_credential(app: &TestApp, org: &str, key: &str, email: &str) -> (String, String) {
    let achievement = crate::api_support::minimal_achievement("badge");
    let r = app.post(&format!("/api/v1/organizations/{org}/achievements"), Some(key), &achievement).await;
    assert!(matches!(r.status.as_u16(), 201 | 409), "{}", r.text);
    let result =
        json!({"achievement": "badge", "component": "session", "completed": true, "learner": {"email": email}});
    let r = app.post(&format!("/api/v1/organizations/{org}/results"), Some(key), &result).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let id = r.body["credential"]["id"].as_str().expect("credential id").to_string();
    let claim = r.body["credential"]["claimUrl"].as_str().expect("claim link");
    (id, claim.strip_prefix(crate::common::PUBLIC_URL).expect("a link of this service").to_string())
}
