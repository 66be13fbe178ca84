//! The reviewer's page: an employer or expert opens the sign-off link in a browser,
//! sees the learner, the criteria and the evidence, and decides in a form, with
//! their name and role recorded. API clients keep the JSON view.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::common::{PUBLIC_URL, Response, TestApp, app};

const HTML: &str = "text/html,application/xhtml+xml";

/// An achievement whose one part needs an employer's sign-off, and a learner who
/// submitted it with evidence; the path of the reviewer's link, the issuer key and
/// the learner's id.
pub(crate) async fn pending_signoff(app: &TestApp) -> (String, String, String) {
    let key = app.org_with_key("college").await;
    let achievement = json!({
        "slug": "welding", "name": "Safe welding", "description": "Welds safely on a real site.",
        "criteria": {"narrative": "Complete a supervised workplace project."}, "achievementType": "Badge",
        "tier": "badge", "language": "en",
        "rule": {"allOf": [{"component": "workplace-project", "requiresSignoff": "employer"}]}
    });
    let r = app.post("/api/v1/organizations/college/achievements", Some(&key), &achievement).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(
            "/api/v1/organizations/college/results",
            Some(&key),
            &json!({"achievement": "welding", "component": "workplace-project", "submittedForSignoff": true,
                    "reviewer": {"name": "Jordan Supervisor", "email": "jordan@acme.example"},
                    "learner": {"email": "sam@example.org", "name": "Sam Learner"},
                    "evidence": [{"name": "Project report", "url": "https://lms.example.ca/report.pdf",
                                  "sha256": "a".repeat(64), "genre": "Workplace project"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "awaiting_signoff", "{}", r.text);
    let link = r.body["signoffs"][0]["link"].as_str().expect("a sign-off link");
    let learner = r.body["learnerId"].as_str().expect("learner id").to_string();
    (link.strip_prefix(PUBLIC_URL).expect("a link of this service").to_string(), key, learner)
}

async fn page(app: &TestApp, path: &str) -> Response {
    let request = Request::builder().uri(path).header(header::ACCEPT, HTML).body(Body::empty()).unwrap();
    app.send_request(request).await
}

pub(crate) async fn decide(app: &TestApp, path: &str, form: &str, extra: &[(&str, &str)]) -> Response {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(format!("{path}/decision"))
        .header(header::ACCEPT, HTML)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    app.send_request(b.body(Body::from(form.to_string())).unwrap()).await
}

#[tokio::test]
async fn a_reviewer_approves_in_the_page_and_the_learner_is_issued() {
    let app = app().await;
    let (path, key, learner) = pending_signoff(&app).await;
    let r = page(&app, &path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("text/html"), "{}", r.content_type);
    for shown in
        ["Sam Learner", "Safe welding", "workplace-project", "Project report", &"a".repeat(64), "Jordan Supervisor"]
    {
        assert!(r.text.contains(shown), "{shown} is not on the page: {}", r.text);
    }
    assert_eq!(r.headers.get(header::REFERRER_POLICY).unwrap(), "no-referrer");
    // API clients still get the JSON view of the same URL.
    assert_eq!(app.get(&path, None).await.body["component"], "workplace-project");

    // What to correct, in the page: no decision, no name.
    let r = decide(&app, &path, "decision=&name=", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Choose whether you confirm it") && r.text.contains("Enter your name"), "{}", r.text);

    let r =
        decide(&app, &path, "decision=approve&name=Jordan+Supervisor&role=Site+supervisor%2C+Acme&comment=", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("your confirmation is recorded"), "{}", r.text);

    // Recorded with who decided; the learner is issued.
    let r =
        app.get(&format!("/api/v1/organizations/college/learners/{learner}/achievements/welding"), Some(&key)).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    assert_eq!(r.body["signoffs"][0]["status"], "approved");
    assert_eq!(r.body["signoffs"][0]["decidedByName"], "Jordan Supervisor");
    assert_eq!(r.body["signoffs"][0]["decidedByRole"], "Site supervisor, Acme");

    // The link worked once: the page now says so, and a second post changes nothing.
    let r = page(&app, &path).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("has been answered"), "{}", r.text);
    let r = decide(&app, &path, "decision=decline&name=Mallory&comment=no", &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn declining_needs_a_reason_and_foreign_posts_are_refused() {
    let app = app().await;
    let (path, _, _) = pending_signoff(&app).await;
    let r = decide(&app, &path, "decision=decline&name=Jordan", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Say why"), "{}", r.text);
    // In French too.
    let fr = format!("{path}?lang=fr");
    let r = page(&app, &fr).await;
    assert!(r.text.contains("Approbation demandée"), "{}", r.text);

    let r = decide(&app, &path, "decision=approve&name=Jordan", &[("origin", "https://evil.example")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = decide(&app, &path, "decision=approve&name=Jordan", &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let long = format!("decision=approve&name={}", "x".repeat(101));
    assert_eq!(decide(&app, &path, &long, &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let control = "decision=approve&name=Jordan%0D%0ASet-Cookie";
    assert_eq!(decide(&app, &path, control, &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = decide(&app, &path, "decision=decline&name=Jordan&comment=The+project+was+not+finished.", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("your decision is recorded"), "{}", r.text);

    // Made-up and altered links open nothing.
    assert_eq!(page(&app, "/signoff/sgn_madeup").await.status, StatusCode::NOT_FOUND);
    assert_eq!(decide(&app, &format!("{path}x"), "decision=approve&name=J", &[]).await.status, StatusCode::NOT_FOUND);
}
