//! The issuer console's door: invitations, password sign-in, sessions and sign-out,
//! through the real router. Security: CSRF, cross-site posts, session fixation,
//! throttling, and no telling which email addresses have accounts.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::common::{Response, TestApp, app};

const COOKIE: &str = "__Host-credence_session";
const PASSWORD: &str = "correct horse battery staple";

/// Invites `email` to organization `org` (created with an issuer-admin key); the
/// invitation page's path.
async fn invited(app: &TestApp, org: &str, email: &str, role: &str) -> String {
    let key = app.org_with_key(org).await;
    let achievement = crate::api_support::minimal_achievement("badge");
    crate::api_support::create_achievement(app, org, &key, &achievement).await;
    let result = json!({"achievement": "badge", "component": "session", "completed": true, "learner": {"email": "x@example.org"}});
    let r = app.post(&format!("/api/v1/organizations/{org}/results"), Some(&key), &result).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let r = app
        .post(&format!("/api/v1/organizations/{org}/invitations"), Some(&key), &json!({"email": email, "role": role}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let url = r.body["invitationUrl"].as_str().expect("invitation URL");
    url.strip_prefix(crate::common::PUBLIC_URL).expect("a link of this service").to_string()
}

async fn post_form(app: &TestApp, path: &str, form: &str, cookie: Option<&str>, extra: &[(&str, &str)]) -> Response {
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

async fn get_with(app: &TestApp, path: &str, cookie: Option<&str>) -> Response {
    let mut b = Request::builder().method(Method::GET).uri(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("{COOKIE}={c}"));
    }
    app.send_request(b.body(Body::empty()).unwrap()).await
}

fn location(r: &Response) -> &str {
    r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The session token a sign-in answer sets, after checking the cookie's attributes.
fn session_set(r: &Response) -> String {
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

fn csrf_of(page: &Response) -> String {
    let at = page.text.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    page.text[at..].split('"').next().unwrap().to_string()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Response {
    let form = format!("email={}&password={}", urlencode(email), urlencode(password));
    post_form(app, "/console/sign-in", &form, None, &[]).await
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn accept(app: &TestApp, invitation: &str, name: &str, password: &str, confirmation: &str) -> Response {
    let form =
        format!("name={}&password={}&confirmation={}", urlencode(name), urlencode(password), urlencode(confirmation));
    post_form(app, invitation, &form, None, &[]).await
}

#[tokio::test]
async fn an_invited_staff_member_creates_an_account_signs_in_and_out() {
    let app = app().await;
    let invitation = invited(&app, "college", "  Ana@College.CA ", "issuer").await;
    let page = get_with(&app, &invitation, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Org college") && page.text.contains("ana@college.ca"), "{}", page.text);
    assert_eq!(page.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");

    let r = accept(&app, &invitation, "Ana Tremblay", "too short", "too short").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("at least 12 characters"), "{}", r.text);
    let r = accept(&app, &invitation, "Ana Tremblay", PASSWORD, "something else entirely").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = accept(&app, &invitation, "", PASSWORD, PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let session = session_set(&accept(&app, &invitation, "Ana Tremblay", PASSWORD, PASSWORD).await);
    let home = get_with(&app, "/console", Some(&session)).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text);
    assert!(home.text.contains("Org college") && home.text.contains("Ana Tremblay"), "{}", home.text);
    assert!(home.text.contains("Minimal badge</a> — 1 issued"), "the micro-credential and its count: {}", home.text);
    // An invitation opens one account, once.
    assert_eq!(get_with(&app, &invitation, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(accept(&app, &invitation, "Mallory", PASSWORD, PASSWORD).await.status, StatusCode::NOT_FOUND);

    // Signing out needs the session's CSRF token.
    let r = post_form(&app, "/console/sign-out", "", Some(&session), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(&app, "/console/sign-out", "csrf=csrf_wrongwrongwrongwrongwrongwrongwrong", Some(&session), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(get_with(&app, "/console", Some(&session)).await.status, StatusCode::OK, "still signed in");
    let r = post_form(&app, "/console/sign-out", &format!("csrf={}", csrf_of(&home)), Some(&session), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/console/sign-in");
    let r = get_with(&app, "/console", Some(&session)).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/console/sign-in"), "the session is over");

    // And back in with the password (the email address in any case).
    let again = session_set(&sign_in(&app, "ANA@college.ca", PASSWORD).await);
    assert_ne!(again, session);
    assert_eq!(get_with(&app, "/console", Some(&again)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn sign_in_is_throttled_and_does_not_tell_which_addresses_have_accounts() {
    let app = app().await;
    let invitation = invited(&app, "college", "ana@college.ca", "viewer").await;
    session_set(&accept(&app, &invitation, "Ana", PASSWORD, PASSWORD).await);

    let unknown = sign_in(&app, "nobody@college.ca", PASSWORD).await;
    let wrong = sign_in(&app, "ana@college.ca", "not the password at all").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.text.replace("nobody@college.ca", "EMAIL"),
        wrong.text.replace("ana@college.ca", "EMAIL"),
        "the same answer for an unknown address and a wrong password"
    );
    for _ in 0..4 {
        assert_eq!(sign_in(&app, "ana@college.ca", "still not the password").await.status, StatusCode::UNAUTHORIZED);
    }
    // Five failures: even the right password waits now.
    let r = sign_in(&app, "ana@college.ca", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    // A password far too long is refused without being hashed.
    let r = sign_in(&app, "other@college.ca", &"x".repeat(10_000)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cross_site_posts_planted_sessions_and_other_sessions_tokens_are_refused() {
    let app = app().await;
    let invitation = invited(&app, "college", "ana@college.ca", "issuer-admin").await;
    let first = session_set(&accept(&app, &invitation, "Ana", PASSWORD, PASSWORD).await);
    let form = format!("email=ana%40college.ca&password={}", urlencode(PASSWORD));

    // A form posted from another site (login CSRF) is refused, whatever it holds.
    let r = post_form(&app, "/console/sign-in", &form, None, &[("origin", "https://evil.example")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(&app, "/console/sign-in", &form, None, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(&app, "/console/sign-in", &form, None, &[("origin", "https://badges.example.ca")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // A session token planted before sign-in is never adopted.
    let planted = "ses_0000000000000000000000000000000000000000";
    let r = post_form(&app, "/console/sign-in", &form, Some(planted), &[]).await;
    let second = session_set(&r);
    assert_ne!(second, planted);
    assert_eq!(get_with(&app, "/console", Some(planted)).await.status, StatusCode::SEE_OTHER);
    for bogus in ["", "x", "ses_'; DROP TABLE staff_sessions; --", &"ses_a".repeat(1000)] {
        assert_eq!(get_with(&app, "/console", Some(bogus)).await.status, StatusCode::SEE_OTHER, "{bogus}");
    }

    // One session's CSRF token does not work for another.
    let first_home = get_with(&app, "/console", Some(&first)).await;
    let r = post_form(&app, "/console/sign-out", &format!("csrf={}", csrf_of(&first_home)), Some(&second), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Signing out everywhere ends both sessions.
    let second_home = get_with(&app, "/console", Some(&second)).await;
    let r =
        post_form(&app, "/console/sign-out-everywhere", &format!("csrf={}", csrf_of(&second_home)), Some(&second), &[])
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for s in [&first, &second] {
        assert_eq!(get_with(&app, "/console", Some(s)).await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn only_an_organizations_admins_invite_and_invitations_are_checked() {
    let app = app().await;
    let admin_key = app.org_with_key("college").await;
    let issuer_key = app.key_for("college", "issuer").await;
    let other_key = app.org_with_key("other").await;
    let path = "/api/v1/organizations/college/invitations";
    let body = json!({"email": "ana@college.ca", "role": "issuer"});
    assert_eq!(app.post(path, Some(&issuer_key), &body).await.status, StatusCode::FORBIDDEN);
    let r = app.post(path, Some(&other_key), &body).await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.text);
    assert_eq!(app.post(path, None, &body).await.status, StatusCode::UNAUTHORIZED);
    app.post(path, Some(&admin_key), &json!({"email": "not an address"})).await.assert_problem(422, Some("email"));
    app.post(path, Some(&admin_key), &json!({"email": "a@b.ca", "role": "admin"})).await.assert_problem(422, None);
    // An invitation's link is a secret: a made-up or altered one opens nothing.
    let r = app.post(path, Some(&admin_key), &body).await;
    let url = r.body["invitationUrl"].as_str().unwrap().to_string();
    let altered = format!("{}x", url.strip_prefix(crate::common::PUBLIC_URL).unwrap());
    assert_eq!(get_with(&app, &altered, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get_with(&app, "/console/invitations/inv_nothing", None).await.status, StatusCode::NOT_FOUND);
}
