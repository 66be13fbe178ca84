//! What employers see of sign-offs: an approval given before issuance is part of the
//! credential (an evidence entry naming who approved, when and why); one given after
//! it (a non-blocking sign-off) gets a signed record of its own, an
//! EndorsementCredential of the issuer about the credential, linked from the badge page
//! and verifiable on its own.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{PUBLIC_URL, Response, TestApp, app};
use crate::signoff_page::{decide, pending_signoff};

async fn html(app: &TestApp, path: &str) -> Response {
    let request = Request::builder().uri(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
    app.send_request(request).await
}

fn local(url: &str) -> &str {
    url.strip_prefix(PUBLIC_URL).expect("a URL of this service")
}

async fn verify(app: &TestApp, document: &Value) -> Response {
    app.post("/api/v1/verify", None, &json!({ "credential": document })).await
}

#[tokio::test]
async fn an_approval_before_issuance_is_evidence_in_the_credential() {
    let app = app().await;
    let (path, key, learner) = pending_signoff(&app).await;
    let form = "decision=approve&name=Jordan+Supervisor&role=Site+supervisor&comment=Careful+and+tidy+work.";
    assert_eq!(decide(&app, &path, form, &[]).await.status, StatusCode::OK);
    let r =
        app.get(&format!("/api/v1/organizations/college/learners/{learner}/achievements/welding"), Some(&key)).await;
    let id = r.body["credential"]["id"].as_str().expect("issued").to_string();
    let doc = app.get(&format!("/credentials/{id}"), None).await.body;
    let evidence = doc["evidence"].as_array().expect("evidence");
    let approval = evidence.iter().find(|e| e["genre"] == "Sign-off").expect("the approval is evidence");
    assert_eq!(approval["name"], "Employer sign-off: workplace-project");
    let narrative = approval["narrative"].as_str().unwrap_or_default();
    assert!(narrative.starts_with("Approved by Jordan Supervisor (Site supervisor) on 20"), "{narrative}");
    assert!(narrative.ends_with("Comment: Careful and tidy work."), "{narrative}");
    // The submitted evidence is still there, and the whole verifies.
    assert!(evidence.iter().any(|e| e["name"] == "Project report"));
    let r = verify(&app, &doc).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
    // The badge page shows it to employers; no late sign-off section.
    let page = html(&app, &format!("/credentials/{id}")).await;
    assert!(page.text.contains("Approved by Jordan Supervisor"), "{}", page.text);
    assert!(!page.text.contains("late-signoffs"));
}

/// An achievement issued on a passing score, with an employer's validation that does
/// not hold it back; a learner who passed and asked for the validation. The path of
/// the reviewer's link and the credential's id.
pub(crate) async fn issued_awaiting_validation(app: &TestApp, language: &str) -> (String, String) {
    let key = app.org_with_key("council").await;
    let achievement = json!({
        "slug": "forklift", "name": "Forklift safety", "description": "Operates a forklift safely.",
        "criteria": {"narrative": "Pass the test; an employer confirms on the job."},
        "achievementType": "MicroCredential", "tier": "micro-credential", "language": language,
        "rule": {"allOf": [
            {"component": "test", "name": "Written test", "minScore": 70},
            {"component": "on-the-job", "name": "On-the-job practice", "requiresSignoff": "employer", "signoffBlocking": false}
        ]}
    });
    let r = app.post("/api/v1/organizations/council/achievements", Some(&key), &achievement).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let learner = json!({"email": "ana@example.org", "name": "Ana Learner"});
    let r = app
        .post(
            "/api/v1/organizations/council/results",
            Some(&key),
            &json!({"achievement": "forklift", "component": "on-the-job", "submittedForSignoff": true,
                    "reviewer": {"name": "Pat Manager"}, "learner": learner}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let link = r.body["signoffs"][0]["link"].as_str().expect("a sign-off link").to_string();
    let r = app
        .post(
            "/api/v1/organizations/council/results",
            Some(&key),
            &json!({"achievement": "forklift", "component": "test", "score": 88, "learner": learner}),
        )
        .await;
    assert_eq!(r.body["state"], "issued", "the validation does not hold the badge up: {}", r.text);
    let id = r.body["credential"]["id"].as_str().expect("credential id").to_string();
    (local(&link).to_string(), id)
}

#[tokio::test]
async fn an_approval_after_issuance_is_a_signed_record_linked_from_the_badge_page() {
    let app = app().await;
    let (path, id) = issued_awaiting_validation(&app, "en").await;
    let before = app.get(&format!("/credentials/{id}"), None).await.body;
    assert!(before["evidence"].as_array().is_none_or(|e| e.iter().all(|e| e["genre"] != "Sign-off")));

    let form = "decision=approve&name=Pat+Manager&role=Warehouse+lead&comment=Safe+on+every+shift.";
    assert_eq!(decide(&app, &path, form, &[]).await.status, StatusCode::OK);

    // The credential is unchanged: it was signed before the approval.
    assert_eq!(app.get(&format!("/credentials/{id}"), None).await.body, before);
    // The badge page links the signed record.
    let page = html(&app, &format!("/credentials/{id}")).await;
    assert!(page.text.contains("Sign-offs after issuance"), "{}", page.text);
    assert!(page.text.contains("Employer sign-off: On-the-job practice"), "{}", page.text);
    assert!(page.text.contains("Approved by Pat Manager (Warehouse lead) on 20"), "{}", page.text);
    let start = page.text.find(&format!("{PUBLIC_URL}/credentials/{id}/signoffs/")).expect("the record's link");
    let url = page.text[start..].split('"').next().unwrap_or_default().to_string();

    let r = app.get(local(&url), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("application/ld+json"), "{}", r.content_type);
    let record = r.body;
    assert_eq!(record["id"], url.as_str());
    assert_eq!(record["type"], json!(["VerifiableCredential", "EndorsementCredential"]));
    assert_eq!(record["issuer"]["id"], before["issuer"]["id"]);
    assert_eq!(record["credentialSubject"]["id"], format!("{PUBLIC_URL}/credentials/{id}"));
    assert_eq!(record["credentialSubject"]["type"], json!(["EndorsementSubject"]));
    let comment = record["credentialSubject"]["endorsementComment"].as_str().unwrap_or_default();
    assert!(comment.ends_with("Comment: Safe on every shift."), "{comment}");
    assert_eq!(record["proof"]["verificationMethod"], before["proof"]["verificationMethod"]);

    // Verifiable by itself, with the issuer's own key; a changed word breaks it.
    let r = verify(&app, &record).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
    let mut forged = record.clone();
    forged["credentialSubject"]["endorsementComment"] = json!("Approved by the CEO.");
    let r = verify(&app, &forged).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);

    // Only this credential's records are found under its URL.
    let record_id = url.rsplit('/').next().unwrap_or_default();
    assert_eq!(app.get(&format!("/credentials/nope/signoffs/{record_id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/credentials/{id}/signoffs/nope"), None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_decline_after_issuance_publishes_nothing() {
    let app = app().await;
    let (path, id) = issued_awaiting_validation(&app, "en").await;
    let form = "decision=decline&name=Pat+Manager&comment=Not+yet+seen+on+the+job.";
    assert_eq!(decide(&app, &path, form, &[]).await.status, StatusCode::OK);
    let page = html(&app, &format!("/credentials/{id}")).await;
    assert!(!page.text.contains("late-signoffs") && !page.text.contains("Not yet seen"), "{}", page.text);
}

#[tokio::test]
async fn the_record_speaks_the_achievement_language() {
    let app = app().await;
    let (path, id) = issued_awaiting_validation(&app, "fr-CA").await;
    assert_eq!(decide(&app, &path, "decision=approve&name=Pat+Manager", &[]).await.status, StatusCode::OK);
    let page = html(&app, &format!("/credentials/{id}?lang=fr")).await;
    assert!(page.text.contains("Confirmations après la délivrance"), "{}", page.text);
    assert!(
        page.text.contains("Confirmation de l&#39;employeur : On-the-job practice")
            || page.text.contains("Confirmation de l'employeur : On-the-job practice"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Approuvé par Pat Manager le 20"), "{}", page.text);
}
