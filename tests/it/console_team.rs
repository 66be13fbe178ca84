//! The console's team page: staff, invitations and API keys, for issuer-admins only.

use axum::http::StatusCode;

use crate::common::app;
use crate::console_support::{Console, accept, post_form, session_set};

fn secret_of(page: &str) -> String {
    let marker = "id=\"secret\" type=\"text\" readonly value=\"";
    let at = page.find(marker).expect("a secret shown once") + marker.len();
    page[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn an_admin_invites_staff_and_makes_and_revokes_api_keys() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let admin = Console::signed_in(&app, "college", &key, "admin@college.ca", "issuer-admin").await;
    let page = admin.get(&app, "/console/team").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("admin@college.ca") && page.text.contains("Administrator"), "{}", page.text);

    // An invitation: the link is shown once and opens an account with the role chosen.
    let r = admin.post(&app, "/console/team/invitations", "email=Kim%40College.ca&role=issuer").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Invitation link for kim@college.ca"), "{}", r.text);
    let link = secret_of(&r.text);
    let path = link.strip_prefix(crate::common::PUBLIC_URL).expect("a link of this service").to_string();
    let again = admin.get(&app, "/console/team").await;
    assert!(!again.text.contains(&link) && again.text.contains("kim@college.ca — Issuer"), "{}", again.text);
    let kim = session_set(
        &accept(&app, &path, "Kim Lee", crate::console_support::PASSWORD, crate::console_support::PASSWORD).await,
    );
    let home = crate::console_support::get_with(&app, "/console", Some(&kim)).await;
    assert!(home.text.contains("(Issuer)") && !home.text.contains("href=\"/console/team\""), "{}", home.text);
    let r = admin.post(&app, "/console/team/invitations", "email=not-an-address&role=issuer").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"invite-email-error\"") && r.text.contains("value=\"not-an-address\""), "{}", r.text);
    let r = admin.post(&app, "/console/team/invitations", "email=a%40b.ca&role=admin").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no platform admins from here");

    // An API key: its secret shown once, and it works until revoked.
    let r = admin.post(&app, "/console/team/api-keys", "name=Moodle+LMS&role=issuer").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let secret = secret_of(&r.text);
    assert!(secret.starts_with("crd_"), "{secret}");
    assert_eq!(app.get("/api/v1/organizations/college/credentials", Some(&secret)).await.status, StatusCode::OK);
    let listed = admin.get(&app, "/console/team").await;
    assert!(listed.text.contains("Moodle LMS") && !listed.text.contains(&secret), "{}", listed.text);
    let at = listed.text.rfind("action=\"/console/team/api-keys/").expect("a revoke form")
        + "action=\"/console/team/api-keys/".len();
    let id = listed.text[at..].split('/').next().unwrap().to_string();
    let r = admin.post(&app, &format!("/console/team/api-keys/{id}/revoke"), "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/organizations/college/credentials", Some(&secret)).await.status,
        StatusCode::UNAUTHORIZED
    );
    for bad in ["name=&role=issuer", "name=x&role=admin", &format!("name={}&role=issuer", "x".repeat(101))] {
        assert_eq!(
            admin.post(&app, "/console/team/api-keys", bad).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }

    let org = app.store.organization_by_slug("college").await.unwrap().unwrap();
    let (changes, _) = app.store.changes(&org.id, None, 10).await.unwrap();
    let actions: Vec<&str> = changes.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions[..3], ["api-key.revoked", "api-key.created", "staff.invited"], "{changes:?}");
    assert!(changes[..3].iter().all(|c| c.actor.name() == Some("Sam Staff")));
    assert!(changes.iter().all(|c| !c.summary.contains(&secret) && !c.summary.contains(&link)), "no secret in the log");
}

#[tokio::test]
async fn only_issuer_admins_manage_the_team_and_only_their_own() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let issuer = Console::signed_in(&app, "college", &key, "issuer@college.ca", "issuer").await;
    assert_eq!(issuer.get(&app, "/console/team").await.status, StatusCode::FORBIDDEN);
    for (path, form) in [
        ("/console/team/invitations", "email=x%40y.ca&role=issuer-admin"),
        ("/console/team/api-keys", "name=k&role=issuer-admin"),
    ] {
        assert_eq!(issuer.post(&app, path, form).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let rival_key = app.org_with_key("rival").await;
    let rival = Console::signed_in(&app, "rival", &rival_key, "admin@rival.ca", "issuer-admin").await;
    let keys = app.get("/api/v1/organizations/college/api-keys", Some(&key)).await;
    let college_key = keys.body[0]["id"].as_str().unwrap().to_string();
    let r = rival.post(&app, &format!("/console/team/api-keys/{college_key}/revoke"), "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/organizations/college/credentials", Some(&key)).await.status,
        StatusCode::OK,
        "still works"
    );
    assert!(!rival.get(&app, "/console/team").await.text.contains("issuer@college.ca"));
    let r = post_form(&app, "/console/team/api-keys", "name=k&role=issuer", Some(&rival.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
}
