//! The console's credentials: listing, one credential's page, revoking and
//! suspending with private and public reasons, replacing a claim link; roles,
//! other organizations, CSRF and bad input.

use axum::http::StatusCode;

use crate::common::{TestApp, app};
use crate::console_support::{Console, get_with, issued_credential, post_form};

async fn setup() -> (TestApp, String, Console, String, String) {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let admin = Console::signed_in(&app, "college", &key, "admin@college.ca", "issuer-admin").await;
    let (id, claim) = issued_credential(&app, "college", &key, "lee@example.org").await;
    (app, key, admin, id, claim)
}

/// The public badge page, as a browser asks for it, in English.
async fn badge_page(app: &TestApp, id: &str) -> String {
    let request = axum::http::Request::builder()
        .uri(format!("/credentials/{id}?lang=en"))
        .header("accept", "text/html")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send_request(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.text
}

#[tokio::test]
async fn an_admin_suspends_and_revokes_with_a_private_and_a_public_reason() {
    let (app, key, admin, id, _) = setup().await;
    let list = admin.get(&app, "/console/credentials").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(list.text.contains(&format!("href=\"/console/credentials/{id}\">lee@example.org</a>")), "{}", list.text);
    assert!(list.text.contains("Minimal badge"), "{}", list.text);

    let page = admin.get(&app, &format!("/console/credentials/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Revoke this credential") && page.text.contains("Suspend this credential"));

    let r = admin
        .post(
            &app,
            &format!("/console/credentials/{id}/suspend"),
            "reason=Registrar+case+14&public_reason=Under+review",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("The credential is suspended.") && r.text.contains("Lift the suspension"), "{}", r.text);
    let badge = badge_page(&app, &id).await;
    assert!(badge.contains("Reason: Under review"), "{badge}");
    assert!(!badge.contains("Registrar case 14"), "the private reason stays private");
    let suspended = admin.get(&app, "/console/credentials?state=suspended").await;
    assert!(suspended.text.contains(&id), "the filter finds it");
    let active = admin.get(&app, "/console/credentials?state=active").await;
    assert!(!active.text.contains(&id), "and only it");

    let r = admin.post(&app, &format!("/console/credentials/{id}/unsuspend"), "").await;
    assert!(r.text.contains("The suspension is lifted."), "{}", r.text);

    // Revoking needs a reason and the confirmation; nothing changes otherwise.
    let r = admin.post(&app, &format!("/console/credentials/{id}/revoke"), "reason=Plagiarism&public_reason=").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"revoke-confirm-error\""), "{}", r.text);
    assert!(r.text.contains(">Plagiarism</textarea>"), "what was typed is kept");
    let r = admin.post(&app, &format!("/console/credentials/{id}/revoke"), "reason=++&confirm=yes").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"revoke-reason-error\""), "{}", r.text);
    let long = "x".repeat(1001);
    let r = admin
        .post(
            &app,
            &format!("/console/credentials/{id}/revoke"),
            &format!("reason=ok&public_reason={long}&confirm=yes"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"revoke-public-error\""), "{}", r.text);
    let api = app.get(&format!("/api/v1/organizations/college/credentials/{id}"), Some(&key)).await;
    assert_eq!(api.body["state"], "issued", "nothing was revoked");

    let r = admin
        .post(
            &app,
            &format!("/console/credentials/{id}/revoke"),
            "reason=Plagiarism+found&public_reason=Issued+in+error&confirm=yes",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("The credential is revoked.") && r.text.contains("nothing more can change"), "{}", r.text);
    let badge = badge_page(&app, &id).await;
    assert!(badge.contains("Reason: Issued in error"), "{badge}");
    assert!(!badge.contains("Plagiarism"));
    let again = admin.post(&app, &format!("/console/credentials/{id}/suspend"), "").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "revocation is final");

    // Each change is in the audit log, by whom.
    let org = app.store.organization_by_slug("college").await.unwrap().unwrap();
    let (changes, _) = app.store.changes(&org.id, None, 10).await.unwrap();
    let actions: Vec<&str> = changes.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions[..5],
        ["credential.revoked", "credential.reinstated", "credential.suspended", "credential.issued", "result.recorded"],
        "{changes:?}"
    );
    assert!(changes[..4].iter().all(|c| c.subject_id == id), "{changes:?}");
    assert!(changes[..3].iter().all(|c| c.actor.name() == Some("Sam Staff")), "{changes:?}");
    assert_eq!(changes[3].actor.kind(), "api-key", "issued through the API");
    assert!(changes[0].summary.contains("Plagiarism found") && changes[0].summary.contains("Issued in error"));
}

#[tokio::test]
async fn issuers_replace_claim_links_but_only_admins_revoke_and_viewers_change_nothing() {
    let (app, key, _admin, id, claim) = setup().await;
    let issuer = Console::signed_in(&app, "college", &key, "issuer@college.ca", "issuer").await;
    let viewer = Console::signed_in(&app, "college", &key, "viewer@college.ca", "viewer").await;
    let page = issuer.get(&app, &format!("/console/credentials/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Make a new claim link") && !page.text.contains("Revoke this credential"));
    let viewing = viewer.get(&app, &format!("/console/credentials/{id}")).await;
    assert_eq!(viewing.status, StatusCode::OK);
    assert!(!viewing.text.contains("Make a new claim link") && !viewing.text.contains("Revoke this credential"));

    for path in ["revoke", "suspend", "unsuspend"] {
        let form = "reason=x&confirm=yes";
        assert_eq!(
            issuer.post(&app, &format!("/console/credentials/{id}/{path}"), form).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            viewer.post(&app, &format!("/console/credentials/{id}/{path}"), form).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        viewer.post(&app, &format!("/console/credentials/{id}/claim-link"), "").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/v1/organizations/college/credentials/{id}"), Some(&key)).await.body["state"],
        "issued"
    );

    assert_eq!(get_with(&app, &claim, None).await.status, StatusCode::OK, "the first link works");
    let r = issuer.post(&app, &format!("/console/credentials/{id}/claim-link"), "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let marker = "id=\"new-link\" type=\"text\" readonly value=\"";
    let at = r.text.find(marker).expect("the new link") + marker.len();
    let new_link = r.text[at..].split('"').next().unwrap();
    let new_path = new_link.strip_prefix(crate::common::PUBLIC_URL).expect("a link of this service");
    assert_eq!(get_with(&app, new_path, None).await.status, StatusCode::OK, "the new link works");
    assert_eq!(get_with(&app, &claim, None).await.status, StatusCode::NOT_FOUND, "the old one no longer does");
    let again = issuer.get(&app, &format!("/console/credentials/{id}")).await;
    assert!(!again.text.contains(new_link), "the link is shown once");
}

#[tokio::test]
async fn other_organizations_credentials_forged_forms_and_bad_ids_are_refused() {
    let (app, _key, admin, id, _) = setup().await;
    let other_key = app.org_with_key("rival").await;
    let (theirs, _) = issued_credential(&app, "rival", &other_key, "sam@example.org").await;
    let rival = Console::signed_in(&app, "rival", &other_key, "admin@rival.ca", "issuer-admin").await;
    assert_eq!(rival.get(&app, &format!("/console/credentials/{id}")).await.status, StatusCode::NOT_FOUND);
    let r = rival.post(&app, &format!("/console/credentials/{id}/revoke"), "reason=mine&confirm=yes").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!rival.get(&app, "/console/credentials").await.text.contains(&id));
    assert!(admin.get(&app, "/console/credentials").await.text.contains(&id));
    assert!(!admin.get(&app, "/console/credentials").await.text.contains(&theirs));

    for bad in ["..%2F..%2Fetc", "x'%20OR%201=1--", &"a".repeat(300)] {
        let r = admin.get(&app, &format!("/console/credentials/{bad}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(admin.get(&app, "/console/credentials/%00").await.status, StatusCode::BAD_REQUEST);
    for cursor in ["nonsense", "%00", &"A".repeat(2000)] {
        let r = admin.get(&app, &format!("/console/credentials?cursor={cursor}&state=%27")).await;
        assert!(r.status.is_client_error(), "{cursor}: {}", r.status);
    }

    // Without the session's CSRF token, or from another site: refused, nothing changes.
    let path = format!("/console/credentials/{id}/revoke");
    let r = post_form(&app, &path, "reason=x&confirm=yes", Some(&admin.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let form = format!("csrf={}&reason=x&confirm=yes", admin.csrf);
    let r = post_form(&app, &path, &form, Some(&admin.cookie), &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(&app, &path, &form, None, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "no session: sign in first");
    let big = format!("csrf={}&reason={}", admin.csrf, "x".repeat(20 * 1024));
    let r = post_form(&app, &path, &big, Some(&admin.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let page = admin.get(&app, &format!("/console/credentials/{id}")).await;
    assert!(page.text.contains("Revoke this credential"), "still not revoked");
}
