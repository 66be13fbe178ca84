//! The issuer console's door: invitations, password sign-in, sessions and sign-out,
//! through the real router. Security: CSRF, cross-site posts, session fixation,
//! throttling, and no telling which email addresses have accounts.

use axum::http::{StatusCode, header};
use serde_json::json;

use crate::common::{TestApp, app};
use crate::console_support::{
    PASSWORD, accept, csrf_of, get_with, invite, location, post_form, session_set, sign_in, urlencode,
};

/// Invites `email` to organization `org` (created with an issuer-admin key, with one
/// micro-credential issued once); the invitation page's path.
async fn invited(app: &TestApp, org: &str, email: &str, role: &str) -> String {
    let key = app.org_with_key(org).await;
    let achievement = crate::api_support::minimal_achievement("badge");
    crate::api_support::create_achievement(app, org, &key, &achievement).await;
    let result = json!({"achievement": "badge", "component": "session", "completed": true, "learner": {"email": "x@example.org"}});
    let r = app.post(&format!("/api/v1/organizations/{org}/results"), Some(&key), &result).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    invite(app, org, &key, email, role).await
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

#[tokio::test]
async fn every_console_page_names_the_organization_and_who_is_signed_in() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let viewer = crate::console_support::Console::signed_in(&app, "college", &key, "vi@college.ca", "viewer").await;
    let home = viewer.get(&app, "/console?lang=fr").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text);
    assert!(home.text.contains("<strong>Org college</strong> · Sam Staff"), "{}", home.text);
    assert!(home.text.contains("Lecture seule"), "the role in the page's language: {}", home.text);
    assert!(home.text.contains(r#"href="/console" aria-current="page""#), "the current area is marked: {}", home.text);
    assert_eq!(home.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let r = viewer.post(&app, "/console/sign-out", "").await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/console/sign-in"));
}
