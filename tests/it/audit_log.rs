//! The audit log: issuing, sign-off decisions and status changes are recorded with
//! who made them (API key, reviewer, staff member), read newest first by issuer-admins
//! through the API and the console.

use axum::http::{StatusCode, header};
use serde_json::json;

use crate::common::app;
use crate::console_support::Console;
use crate::signoff_page::{decide, pending_signoff};

#[tokio::test]
async fn changes_are_recorded_by_whoever_made_them_and_read_by_admins_only() {
    let app = app().await;
    let (signoff, key, _learner) = pending_signoff(&app).await;
    let r = decide(&app, &signoff, "decision=approve&name=Jordan+Supervisor&role=Site+supervisor&comment=", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let issued = app.get("/api/v1/organizations/college/credentials", Some(&key)).await;
    let id = issued.body[0]["id"].as_str().expect("the credential the sign-off issued").to_string();
    let r = app
        .post(
            &format!("/api/v1/organizations/college/credentials/{id}/revoke"),
            Some(&key),
            &json!({"reason": "Wrong learner"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let log = app.get("/api/v1/organizations/college/audit", Some(&key)).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let actions: Vec<&str> = log.body.as_array().unwrap().iter().map(|c| c["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "credential.revoked",
            "credential.issued",
            "signoff.decided",
            "result.recorded",
            "achievement.created",
            "api-key.created",
            "organization.created"
        ],
        "newest first: {}",
        log.text
    );
    let (revoked, issued, decided) = (&log.body[0], &log.body[1], &log.body[2]);
    assert_eq!(revoked["actor"]["kind"], "api-key");
    assert!(
        revoked["actor"]["keyId"].as_str().is_some_and(|k| !k.is_empty() && !k.starts_with("crd_")),
        "the key's id, never its secret: {}",
        log.text
    );
    assert_eq!(revoked["summary"], "revoked: Wrong learner");
    assert_eq!(
        (revoked["subjectKind"].as_str(), revoked["subjectId"].as_str()),
        (Some("credential"), Some(id.as_str()))
    );
    // The reviewer's approval issued the credential: both are theirs.
    for change in [issued, decided] {
        assert_eq!(change["actor"], json!({"kind": "reviewer", "name": "Jordan Supervisor"}), "{}", log.text);
    }
    assert!(
        decided["summary"]
            .as_str()
            .unwrap()
            .starts_with("approved by Jordan Supervisor (Site supervisor): Safe welding")
    );
    assert!(!log.text.contains("sgn_") && !log.text.contains("crd_"), "no token or key in the log");

    // Paged by cursor.
    let first = app.get("/api/v1/organizations/college/audit?limit=5", Some(&key)).await;
    let link = first.headers.get(header::LINK).and_then(|v| v.to_str().ok()).expect("a next page").to_string();
    let next = link.trim_start_matches('<').split('>').next().unwrap().to_string();
    let second = app.get(&next, Some(&key)).await;
    assert_eq!(second.body.as_array().map(Vec::len), Some(2), "{}", second.text);
    assert_eq!(second.body[0]["action"], "api-key.created", "the organization's first key, made by the platform admin");
    assert_eq!(second.body[0]["actor"]["keyId"], "bootstrap-admin");
    assert_eq!(second.body[1]["action"], "organization.created", "the organization, made by the platform admin");
    assert_eq!(second.body[1]["actor"]["keyId"], "bootstrap-admin");
    app.get("/api/v1/organizations/college/audit?cursor=bogus", Some(&key)).await.assert_problem(422, Some("cursor"));
    app.get("/api/v1/organizations/college/audit?limit=0", Some(&key)).await.assert_problem(422, Some("limit"));

    // Issuer-admins only; other organizations see nothing.
    let issuer = app.key_for("college", "issuer").await;
    app.get("/api/v1/organizations/college/audit", Some(&issuer)).await.assert_problem(403, None);
    let rival = app.org_with_key("rival").await;
    app.get("/api/v1/organizations/college/audit", Some(&rival)).await.assert_problem(404, None);
    let theirs = app.get("/api/v1/organizations/rival/audit", Some(&rival)).await;
    let theirs: Vec<&str> = theirs.body.as_array().unwrap().iter().map(|c| c["action"].as_str().unwrap()).collect();
    assert_eq!(theirs, ["api-key.created", "organization.created"], "only its own creation and key's");

    // The console: the same log, in the page's language, for issuer-admins only.
    let admin = Console::signed_in(&app, "college", &key, "admin@college.ca", "issuer-admin").await;
    let page = admin.get(&app, "/console/audit?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains(&format!("<a href=\"/console/credentials/{id}\">Badge révoqué</a>")), "{}", page.text);
    assert!(page.text.contains("Jordan Supervisor (Évaluateur·rice)"), "{}", page.text);
    assert!(page.text.contains("<td lang=\"en\">revoked: Wrong learner</td>"), "{}", page.text);
    assert!(page.text.contains("href=\"/console/audit\" aria-current=\"page\""));
    let r = admin.post(&app, &format!("/console/credentials/{id}/claim-link"), "").await;
    assert!(r.status.is_success() || r.status == StatusCode::SEE_OTHER, "{}", r.status);
    let page = admin.get(&app, "/console/audit").await;
    assert!(page.text.contains("<td>Sam Staff</td>"), "the staff member's own change: {}", page.text);

    let viewer = Console::signed_in(&app, "college", &key, "viewer@college.ca", "viewer").await;
    let refused = viewer.get(&app, "/console/audit").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.text.contains("Revoked: Wrong"));
    let home = viewer.get(&app, "/console").await;
    assert!(!home.text.contains("href=\"/console/audit\""), "no link to what the role cannot open");
    let r = admin.get(&app, "/console/audit?cursor=%00").await;
    assert!(r.status.is_client_error());
}
