//! A result names its learner by email, external id or both. When the two name
//! different learners (two records, or one record holding another value), the result
//! is refused with a 409 naming both, through the API and in a CSV row, and nothing
//! is credited to either learner.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, app};

const RESULTS: &str = "/api/v1/organizations/college/results";

async fn college(app: &TestApp) -> String {
    let key = app.org_with_key("college").await;
    crate::api_support::create_achievement(app, "college", &key, &crate::api_support::minimal_achievement("badge"))
        .await;
    key
}

fn result(learner: Value) -> Value {
    json!({"achievement": "badge", "component": "session", "completed": true, "learner": learner})
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&app.store.pool).await.unwrap()
}

#[tokio::test]
async fn identifiers_that_name_different_learners_are_refused_naming_both() {
    let app = app().await;
    let key = college(&app).await;
    let r = app.post(RESULTS, Some(&key), &result(json!({"email": "ana@college.ca", "externalId": "S-1"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ana = r.body["learnerId"].as_str().unwrap().to_string();
    let (learners, results) = (
        count(&app, "SELECT COUNT(*) FROM learners").await,
        count(&app, "SELECT COUNT(*) FROM assessment_results").await,
    );

    // A known external id with another email: not Ana's result.
    let r = app.post(RESULTS, Some(&key), &result(json!({"email": "bob@college.ca", "externalId": "S-1"}))).await;
    r.assert_problem(409, Some("learner"));
    for named in ["S-1", "ana@college.ca", "bob@college.ca"] {
        assert!(r.text.contains(named), "{named} not named: {}", r.text);
    }
    // A known email with another external id.
    let r = app.post(RESULTS, Some(&key), &result(json!({"email": "ana@college.ca", "externalId": "S-2"}))).await;
    r.assert_problem(409, Some("learner"));
    assert!(r.text.contains("S-1") && r.text.contains("S-2"), "{}", r.text);
    // Two records.
    let r = app.post(RESULTS, Some(&key), &result(json!({"email": "carl@college.ca", "externalId": "S-3"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.post(RESULTS, Some(&key), &result(json!({"email": "ana@college.ca", "externalId": "S-3"}))).await;
    r.assert_problem(409, Some("learner"));
    // Nothing was written by the refused results.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM learners").await, learners + 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, results + 1);

    // One identifier alone, or a missing one added, is fine.
    for learner in [json!({"externalId": "S-1"}), json!({"email": "ANA@college.ca"})] {
        let r = app.post(RESULTS, Some(&key), &result(learner)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["learnerId"], ana.as_str());
    }
    let r = app.post(RESULTS, Some(&key), &result(json!({"email": "dee@college.ca"}))).await;
    let dee = r.body["learnerId"].as_str().unwrap().to_string();
    let r = app.post(RESULTS, Some(&key), &result(json!({"email": "dee@college.ca", "externalId": "S-4"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["learnerId"], dee.as_str());
    let r = app.post(RESULTS, Some(&key), &result(json!({"externalId": "S-4"}))).await;
    assert_eq!(r.body["learnerId"], dee.as_str(), "the external id was added to Dee");
}

#[tokio::test]
async fn a_csv_row_naming_two_learners_is_rejected_with_its_reason() {
    let app = app().await;
    let key = college(&app).await;
    let r = app.post(RESULTS, Some(&key), &result(json!({"email": "ana@college.ca", "externalId": "S-1"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let csv = "achievement,component,email,external_id,completed\n\
               badge,session,bob@college.ca,S-1,true\n\
               badge,session,eve@college.ca,S-9,true\n";
    let created = crate::bulk_import::upload(&app, "college", &key, csv).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.text);
    crate::bulk_import::process(&app).await;
    let path = crate::bulk_import::job_path("college", &created.body);
    let rows = app.get(&format!("{path}/rows?limit=10"), Some(&key)).await;
    let rows = rows.body.as_array().expect("rows").clone();
    assert_eq!(rows[0]["status"], "rejected", "{rows:?}");
    let reason = rows[0]["errors"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("S-1") && reason.contains("ana@college.ca") && reason.contains("bob@college.ca"),
        "{rows:?}"
    );
    assert_eq!(rows[1]["status"], "issued", "{rows:?}");
}
