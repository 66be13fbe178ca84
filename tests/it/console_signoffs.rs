//! The console's sign-off queue: pending, decided and expired requests, and new
//! links for undecided ones; roles, other organizations and forged forms.

use axum::http::StatusCode;

use crate::common::app;
use crate::console_support::{Console, get_with, post_form};
use crate::signoff_page::{decide, pending_signoff};

#[tokio::test]
async fn the_queue_shows_each_request_and_issuers_send_new_links() {
    let app = app().await;
    let (link, key, _learner) = pending_signoff(&app).await;
    let issuer = Console::signed_in(&app, "college", &key, "issuer@college.ca", "issuer").await;
    let viewer = Console::signed_in(&app, "college", &key, "viewer@college.ca", "viewer").await;

    let queue = issuer.get(&app, "/console/signoffs").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    for shown in
        ["Sam Learner", "Safe welding", "workplace-project", "Jordan Supervisor (employer)", "Link valid until"]
    {
        assert!(queue.text.contains(shown), "{shown}: {}", queue.text);
    }
    let at =
        queue.text.find("action=\"/console/signoffs/").expect("a new-link form") + "action=\"/console/signoffs/".len();
    let id = queue.text[at..].split('/').next().unwrap().to_string();
    let watching = viewer.get(&app, "/console/signoffs").await;
    assert!(watching.text.contains("Sam Learner") && !watching.text.contains("Send a new link"), "viewers read only");
    assert_eq!(viewer.post(&app, &format!("/console/signoffs/{id}/link"), "").await.status, StatusCode::FORBIDDEN);

    // A new link replaces the old one, shown once.
    let r = issuer.post(&app, &format!("/console/signoffs/{id}/link"), "status=pending").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("New link for Jordan Supervisor"), "{}", r.text);
    let marker = "id=\"new-link\" type=\"text\" readonly value=\"";
    let at = r.text.find(marker).expect("the new link") + marker.len();
    let new_link = r.text[at..].split('"').next().unwrap();
    let new_path = new_link.strip_prefix(crate::common::PUBLIC_URL).expect("a link of this service").to_string();
    let old = get_with(&app, &link, None).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND, "the old link stopped working");
    assert!(!issuer.get(&app, "/console/signoffs").await.text.contains(new_link), "shown once");

    // Decided through the new link: it moves to the decided tab with who decided.
    let r = decide(&app, &new_path, "decision=approve&name=Jordan+Supervisor&role=Site+supervisor&comment=", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(issuer.get(&app, "/console/signoffs").await.text.contains("No requests here."));
    let decided = issuer.get(&app, "/console/signoffs?status=decided&lang=fr").await;
    assert!(
        decided.text.contains("Approuvée") && decided.text.contains("par Jordan Supervisor (Site supervisor)"),
        "{}",
        decided.text
    );
    assert!(!decided.text.contains("Envoyer un nouveau lien"), "a decided request takes no new link");
    let r = issuer.post(&app, &format!("/console/signoffs/{id}/link"), "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nor through a forged form");
}

#[tokio::test]
async fn expired_requests_wait_for_a_new_link_and_other_organizations_see_nothing() {
    let app = app().await;
    let (_link, key, _learner) = pending_signoff(&app).await;
    sqlx::query("UPDATE signoff_requests SET expires_at = '2020-01-01T00:00:00.000Z'")
        .execute(&app.store.pool)
        .await
        .unwrap();
    let admin = Console::signed_in(&app, "college", &key, "admin@college.ca", "issuer-admin").await;
    assert!(admin.get(&app, "/console/signoffs").await.text.contains("No requests here."));
    let expired = admin.get(&app, "/console/signoffs?status=expired").await;
    assert!(expired.text.contains("Link expired on January 1, 2020"), "{}", expired.text);
    let at = expired.text.find("action=\"/console/signoffs/").expect("a new-link form")
        + "action=\"/console/signoffs/".len();
    let id = expired.text[at..].split('/').next().unwrap().to_string();

    let rival_key = app.org_with_key("rival").await;
    let rival = Console::signed_in(&app, "rival", &rival_key, "admin@rival.ca", "issuer-admin").await;
    assert!(rival.get(&app, "/console/signoffs?status=expired").await.text.contains("No requests here."));
    assert_eq!(rival.post(&app, &format!("/console/signoffs/{id}/link"), "").await.status, StatusCode::NOT_FOUND);
    for bad in ["x'--", &"9".repeat(100)] {
        assert_eq!(admin.post(&app, &format!("/console/signoffs/{bad}/link"), "").await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(admin.get(&app, "/console/signoffs?cursor=bogus").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        admin.get(&app, "/console/signoffs?status=%3Cscript%3E").await.status,
        StatusCode::OK,
        "an unknown tab is the pending one"
    );
    let r = post_form(&app, &format!("/console/signoffs/{id}/link"), "", Some(&admin.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = get_with(&app, "/console/signoffs", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "signed out: to the sign-in page");

    let r = admin.post(&app, &format!("/console/signoffs/{id}/link"), "status=expired").await;
    assert!(r.text.contains("New link for Jordan Supervisor"), "{}", r.text);
    assert!(admin.get(&app, "/console/signoffs").await.text.contains("Link valid until"), "pending again");
}
