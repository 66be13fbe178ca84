//! Achievements: the full definition, the public Open Badges 3.0 Achievement,
//! and versioning once credentials have been issued.

use crate::api_support::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// 70 and 70.0 are the same JSON number; compare them as such.
fn numbers_as_f64(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(numbers_as_f64).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), numbers_as_f64(v))).collect()),
        other => other.clone(),
    }
}

async fn setup() -> (crate::common::TestApp, String) {
    let app = crate::common::app().await;
    let key = app.org_with_key("college").await;
    create_framework(&app, &key, &framework_body("supervision")).await;
    (app, key)
}

#[tokio::test]
async fn full_definition_is_stored_and_read_back() {
    let (app, key) = setup().await;
    let sent = full_achievement("time-management", "supervision");
    let r = app.post("/api/v1/organizations/college/achievements", Some(&key), &sent).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["latestVersion"], 1);
    assert_eq!(r.body["issuedCount"], 0);
    assert_eq!(r.body["organization"], "college");
    assert_eq!(r.body["url"], format!("{}/achievements/{id}/versions/1", crate::common::PUBLIC_URL));

    let read = app.get(&format!("/api/v1/organizations/college/achievements/{id}"), Some(&key)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let a = &read.body;
    for field in [
        "slug",
        "name",
        "description",
        "criteria",
        "image",
        "achievementType",
        "tier",
        "hours",
        "duration",
        "deliveryMode",
        "delivery",
        "language",
        "humanCode",
        "tags",
        "validityPeriod",
        "rule",
    ] {
        assert_eq!(numbers_as_f64(&a[field]), numbers_as_f64(&sent[field]), "{field}: {}", read.text);
    }
    // Alignments are resolved: the framework one points at the competency here.
    let al = a["alignments"].as_array().unwrap();
    assert_eq!(al.len(), 4);
    assert_eq!(al[0]["targetName"], "Listen with Intention");
    assert_eq!(al[0]["targetCode"], "COM-1");
    assert_eq!(al[0]["targetFramework"], "Production Supervision");
    assert_eq!(
        al[0]["targetUrl"],
        format!("{}/api/v1/frameworks/supervision/versions/1/competencies/COM-1", crate::common::PUBLIC_URL)
    );
    assert_eq!(
        al[0]["framework"],
        json!({"slug": "supervision", "version": 1, "competency": "COM-1", "domain": "COM"})
    );
    assert_eq!(al[1]["targetCode"], "92012");
    assert_eq!(al[1]["targetFramework"], "National Occupational Classification 2021");
    assert!(al[1]["targetUrl"].as_str().unwrap().contains("code=92012"), "{}", al[1]);
    assert_eq!(al[2]["targetUrl"], "http://data.europa.eu/esco/skill/abc-123");
    assert_eq!(al[2]["targetFramework"], "ESCO");
    assert_eq!(al[3]["targetUrl"], "https://example.org/skills/42");
    assert_eq!(al[3]["targetType"], "CFItem");
    // Result descriptions are derived from the scored components.
    let rd = a["resultDescriptions"].as_array().unwrap();
    assert_eq!(rd.len(), 1, "{rd:?}");
    assert_eq!(rd[0]["component"], "post-assessment");
    assert_eq!(rd[0]["name"], "Post-assessment score");
    assert_eq!(rd[0]["resultType"], "Percent");
    assert_eq!(rd[0]["requiredValue"], "70");

    let list = achievements_of(&app, "college").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
}

#[tokio::test]
async fn public_achievement_is_an_open_badges_achievement() {
    let (app, key) = setup().await;
    let id = create_achievement(&app, "college", &key, &full_achievement("time-management", "supervision")).await;
    let r = app.get(&format!("/achievements/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = &r.body;
    assert_eq!(
        a["@context"],
        json!(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"])
    );
    assert_eq!(a["id"], format!("{}/achievements/{id}/versions/1", crate::common::PUBLIC_URL));
    assert_eq!(a["type"], json!(["Achievement"]));
    assert_eq!(a["achievementType"], "MicroCredential");
    assert_eq!(a["name"], "Time Management for Supervisors");
    assert_eq!(a["description"], "Plan a shift, prioritise, delegate.");
    assert_eq!(a["criteria"]["id"], "https://college.example.org/criteria/tm");
    let narrative = a["criteria"]["narrative"].as_str().unwrap();
    assert!(narrative.starts_with("Pass the post-assessment."), "{narrative}");
    assert!(narrative.contains("Hours: 14.5") && narrative.contains("Duration: 4 weeks"), "{narrative}");
    assert_eq!(
        a["image"],
        json!({"id": "https://college.example.org/badges/tm.png", "type": "Image", "caption": "Time management badge"})
    );
    assert_eq!(a["creator"]["id"], format!("{}/issuers/college", crate::common::PUBLIC_URL));
    assert_eq!(a["creator"]["type"], json!(["Profile"]));
    assert!(a["creator"].get("@context").is_none());
    assert_eq!(a["humanCode"], "TM-101");
    assert_eq!(a["inLanguage"], "en-CA");
    assert_eq!(a["tag"], json!(["supervision", "time"]));
    let alignment = a["alignment"].as_array().unwrap();
    assert_eq!(alignment.len(), 4);
    assert!(alignment.iter().all(|al| al["type"] == json!(["Alignment"])));
    assert_eq!(alignment[0]["targetType"], "ceasn:Competency");
    assert_eq!(alignment[1]["targetType"], "ext:Occupation");
    assert!(alignment[0].get("framework").is_none(), "internal reference leaked: {}", alignment[0]);
    let rd = a["resultDescription"].as_array().unwrap();
    assert_eq!(
        rd[0]["id"],
        format!("{}/achievements/{id}/versions/1#result-post-assessment", crate::common::PUBLIC_URL)
    );
    assert_eq!(rd[0]["type"], json!(["ResultDescription"]));
    assert_eq!(rd[0]["requiredValue"], "70");
    assert_eq!(rd[0]["valueMax"], "100");

    let v1 = app.get(&format!("/achievements/{id}/versions/1"), None).await;
    assert_eq!(v1.status, StatusCode::OK);
    assert_eq!(v1.body, r.body);
    app.get(&format!("/achievements/{id}/versions/2"), None).await.assert_problem(404, None);
    app.get("/achievements/00000000-0000-0000-0000-000000000000", None).await.assert_problem(404, None);
}

#[tokio::test]
async fn explicit_result_descriptions_replace_the_derived_ones() {
    let (app, key) = setup().await;
    let mut body = full_achievement("tm", "supervision");
    body["resultDescriptions"] = json!([
        {"component": "workplace-project", "name": "Project status", "resultType": "Status", "requiredValue": "approved"}
    ]);
    let id = create_achievement(&app, "college", &key, &body).await;
    let a = app.get(&format!("/achievements/{id}"), None).await.body;
    let rd = a["resultDescription"].as_array().unwrap();
    assert_eq!(rd.len(), 1);
    assert_eq!(rd[0]["name"], "Project status");
    assert_eq!(rd[0]["resultType"], "Status");
}

#[tokio::test]
async fn unissued_achievement_is_edited_in_place() {
    let (app, key) = setup().await;
    let id = create_achievement(&app, "college", &key, &full_achievement("tm", "supervision")).await;
    let mut body = full_achievement("tm", "supervision");
    body["name"] = json!("Time Management, revised");
    let r = put(&app, &format!("/api/v1/organizations/college/achievements/{id}"), Some(&key), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["newVersion"], false);
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["name"], "Time Management, revised");
    let v1 = app.get(&format!("/achievements/{id}/versions/1"), None).await.body;
    assert_eq!(v1["name"], "Time Management, revised");
    app.get(&format!("/achievements/{id}/versions/2"), None).await.assert_problem(404, None);
}

#[tokio::test]
async fn issued_achievement_gets_a_new_version_and_the_old_one_stays() {
    let (app, key) = setup().await;
    let id = create_achievement(&app, "college", &key, &full_achievement("tm", "supervision")).await;
    let v1_before: Value = app.get(&format!("/achievements/{id}/versions/1"), None).await.body;
    let award = json!({"achievement": id, "learner": {"email": "ana@example.com"}, "narrative": "Prior learning."});
    let r = app.post("/api/v1/organizations/college/awards", Some(&key), &award).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let read = app.get(&format!("/api/v1/organizations/college/achievements/{id}"), Some(&key)).await.body;
    assert_eq!(read["issuedCount"], 1);

    let mut body = full_achievement("tm", "supervision");
    body["name"] = json!("Time Management 2");
    body["hours"] = json!(20);
    body["rule"]["allOf"][1]["minScore"] = json!(75);
    let r = put(&app, &format!("/api/v1/organizations/college/achievements/{id}"), Some(&key), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["newVersion"], true);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["latestVersion"], 2);
    assert_eq!(r.body["issuedCount"], 0);
    assert_eq!(r.body["id"], id.as_str(), "same achievement, new version");
    assert_eq!(r.body["url"], format!("{}/achievements/{id}/versions/2", crate::common::PUBLIC_URL));

    let v1 = app.get(&format!("/achievements/{id}/versions/1"), None).await;
    assert_eq!(v1.status, StatusCode::OK);
    assert_eq!(v1.body, v1_before, "the issued version changed");
    let latest = app.get(&format!("/achievements/{id}"), None).await.body;
    assert_eq!(latest["id"], format!("{}/achievements/{id}/versions/2", crate::common::PUBLIC_URL));
    assert_eq!(latest["name"], "Time Management 2");
    assert_eq!(latest["resultDescription"][0]["requiredValue"], "75");
    assert_eq!(app.get(&format!("/achievements/{id}/versions/2"), None).await.body, latest);

    let list = achievements_of(&app, "college").await;
    assert_eq!(list.len(), 1, "still one achievement");
    assert_eq!(list[0]["version"], 2);

    // Version 2 is unissued: the next edit changes it in place.
    body["name"] = json!("Time Management 2b");
    let again = put(&app, &format!("/api/v1/organizations/college/achievements/{id}"), Some(&key), &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["newVersion"], false);
    assert_eq!(again.body["version"], 2);
    assert_eq!(app.get(&format!("/achievements/{id}/versions/1"), None).await.body, v1_before);
    app.get(&format!("/achievements/{id}/versions/3"), None).await.assert_problem(404, None);
}

#[tokio::test]
async fn slug_cannot_change_on_update() {
    let (app, key) = setup().await;
    let id = create_achievement(&app, "college", &key, &minimal_achievement("first")).await;
    let mut body = minimal_achievement("renamed");
    body["name"] = json!("Renamed");
    put(&app, &format!("/api/v1/organizations/college/achievements/{id}"), Some(&key), &body)
        .await
        .assert_problem(422, Some("slug"));
    let list = achievements_of(&app, "college").await;
    assert_eq!(list[0]["slug"], "first");
    assert_eq!(list[0]["name"], "Minimal badge");
}

#[tokio::test]
async fn french_achievement_keeps_its_text_and_language() {
    let (app, key) = setup().await;
    let body = json!({
        "slug": "gestion-du-temps",
        "name": "Gestion du temps en production",
        "description": "Planifier un quart, établir les priorités, déléguer.",
        "criteria": {"narrative": "Réussir l'évaluation finale."},
        "achievementType": "MicroCredential",
        "tier": "micro-credential",
        "hours": 16,
        "duration": "4 semaines",
        "language": "fr",
        "tags": ["supervision", "gestion du temps"],
        "rule": {"allOf": [{"component": "evaluation-finale", "minScore": 70}]}
    });
    let id = create_achievement(&app, "college", &key, &body).await;
    let a = app.get(&format!("/achievements/{id}"), None).await.body;
    assert_eq!(a["name"], "Gestion du temps en production");
    assert_eq!(a["description"], "Planifier un quart, établir les priorités, déléguer.");
    assert_eq!(a["inLanguage"], "fr");
    assert_eq!(a["criteria"]["narrative"], "Réussir l'évaluation finale.\n\nHeures : 16\nDurée : 4 semaines");
    assert_eq!(a["tag"][1], "gestion du temps");
}

#[tokio::test]
async fn alignment_can_pin_a_framework_version() {
    let (app, key) = setup().await;
    let mut v2 = framework_body("supervision");
    v2["domains"][0]["competencies"][0]["name"] = json!("Active Listening");
    let r = app.post("/api/v1/frameworks/supervision/versions", Some(&key), &v2).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let mut body = minimal_achievement("pinned");
    body["alignments"] = json!([
        {"framework": "supervision", "competency": "COM-1", "frameworkVersion": 1},
        {"framework": "supervision", "competency": "Active Listening"}
    ]);
    let id = create_achievement(&app, "college", &key, &body).await;
    let a = app.get(&format!("/api/v1/organizations/college/achievements/{id}"), Some(&key)).await.body;
    assert_eq!(a["alignments"][0]["targetName"], "Listen with Intention");
    assert_eq!(a["alignments"][0]["framework"]["version"], 1);
    assert!(a["alignments"][0]["targetUrl"].as_str().unwrap().ends_with("/versions/1/competencies/COM-1"));
    // Found by exact name in the latest version.
    assert_eq!(a["alignments"][1]["targetCode"], "COM-1");
    assert_eq!(a["alignments"][1]["framework"]["version"], 2);

    let mut missing = minimal_achievement("missing-version");
    missing["alignments"] = json!([{"framework": "supervision", "competency": "COM-1", "frameworkVersion": 9}]);
    app.post("/api/v1/organizations/college/achievements", Some(&key), &missing)
        .await
        .assert_problem(422, Some("alignments[0].framework"));
    assert_eq!(achievements_of(&app, "college").await.len(), 1);
}

#[tokio::test]
async fn same_slug_in_two_organizations_is_allowed() {
    let (app, key) = setup().await;
    let other = app.org_with_key("other").await;
    create_achievement(&app, "college", &key, &minimal_achievement("intro")).await;
    create_achievement(&app, "other", &other, &minimal_achievement("intro")).await;
    assert_eq!(achievements_of(&app, "college").await.len(), 1);
    assert_eq!(achievements_of(&app, "other").await.len(), 1);
}

#[tokio::test]
async fn image_urls_must_be_iris_so_issuance_can_sign_them() {
    let (app, key) = setup().await;
    for bad in [
        "data:image/png;base64,AAAA AAAA",
        "data:image/svg+xml,<svg/>",
        "https://college.example.org/a b.png",
        "ftp://x/y.png",
    ] {
        let mut body = minimal_achievement("imaged");
        body["image"] = json!({"url": bad});
        app.post("/api/v1/organizations/college/achievements", Some(&key), &body)
            .await
            .assert_problem(422, Some("image.url"));
    }
    let mut body = minimal_achievement("imaged");
    body["image"] =
        json!({"url": "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E"});
    let r = app.post("/api/v1/organizations/college/achievements", Some(&key), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn a_credential_is_issued_through_an_any_of_rule() {
    let (app, key) = setup().await;
    let mut body = minimal_achievement("either-way");
    body["rule"] = json!({
        "allOf": [{"component": "session", "completed": true}],
        "groups": [{"anyOf": [
            {"component": "exam", "minScore": 70, "maxAttempts": 1},
            {"component": "portfolio", "completed": true}
        ]}]
    });
    create_achievement(&app, "college", &key, &body).await;
    let stored = achievements_of(&app, "college").await;
    assert_eq!(stored[0]["rule"]["groups"][0]["anyOf"][1]["component"], "portfolio", "{stored:?}");
    let record = |component: &str, extra: Value| {
        let mut r =
            json!({"achievement": "either-way", "component": component, "learner": {"email": "ana@example.org"}});
        r.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        r
    };
    let results = "/api/v1/organizations/college/results";
    let r = app.post(results, Some(&key), &record("session", json!({"completed": true}))).await;
    assert_eq!(r.body["state"], "in_progress", "{}", r.text);
    // The exam fails on its only attempt: the portfolio can still earn it.
    let r = app.post(results, Some(&key), &record("exam", json!({"score": 40}))).await;
    assert_eq!(r.body["state"], "in_progress", "{}", r.text);
    let r = app.post(results, Some(&key), &record("portfolio", json!({"completed": true}))).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    // A component outside the rule is still refused.
    let r = app.post(results, Some(&key), &record("elsewhere", json!({"completed": true}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // A group that can never be met is refused with its path.
    let mut bad = minimal_achievement("never");
    bad["rule"] = json!({"allOf": [], "groups": [{"atLeast": 3, "anyOf": [{"component": "a", "completed": true}]}]});
    let r = app.post("/api/v1/organizations/college/achievements", Some(&key), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("rule.groups[0].atLeast"), "{}", r.text);
}

#[tokio::test]
async fn an_issuer_admin_retires_a_micro_credential_through_the_api() {
    let app = crate::common::app().await;
    let key = app.org_with_key("college").await;
    let id = create_achievement(&app, "college", &key, &minimal_achievement("badge")).await;
    let result = json!({"achievement": "badge", "component": "session", "completed": true, "learner": {"email": "a@example.org"}});
    let r = app.post("/api/v1/organizations/college/results", Some(&key), &result).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let credential = r.body["credential"]["id"].as_str().unwrap().to_string();

    let retire = format!("/api/v1/organizations/college/achievements/{id}/retire");
    let issuer = app.key_for("college", "issuer").await;
    app.post(&retire, Some(&issuer), &json!({})).await.assert_problem(403, None);
    let rival = app.org_with_key("rival").await;
    app.post(&format!("/api/v1/organizations/rival/achievements/{id}/retire"), Some(&rival), &json!({}))
        .await
        .assert_problem(404, None);

    let r = app.post(&retire, Some(&key), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let retired_at = r.body["retiredAt"].as_str().expect("retiredAt").to_string();
    let again = app.post(&retire, Some(&key), &json!({})).await;
    assert_eq!(again.body["retiredAt"], retired_at.as_str(), "retiring twice changes nothing");

    // No new results; no edits; what was issued stays valid.
    let other = json!({"achievement": "badge", "component": "session", "completed": true, "learner": {"email": "b@example.org"}});
    let r = app.post("/api/v1/organizations/college/results", Some(&key), &other).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let edit = app
        .json(
            axum::http::Method::PUT,
            &format!("/api/v1/organizations/college/achievements/{id}"),
            Some(&key),
            &minimal_achievement("badge"),
        )
        .await;
    edit.assert_problem(409, Some("achievement"));
    let verified = app.post("/api/v1/verify", None, &json!({"id": credential})).await;
    assert_eq!(verified.body["result"], "valid", "{}", verified.text);

    let log = app.get("/api/v1/organizations/college/audit?limit=1", Some(&key)).await;
    assert_eq!(
        (log.body[0]["action"].as_str(), log.body[0]["actor"]["kind"].as_str()),
        (Some("achievement.retired"), Some("api-key"))
    );
}
