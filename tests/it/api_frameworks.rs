//! Competency frameworks: trees of domains and competencies, versioned, public
//! to read, with reference frameworks to import.

use crate::api_support::*;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn framework_is_created_as_a_tree_and_read_publicly() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    let r = app.post("/api/v1/frameworks", Some(&key), &framework_body("supervision")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["latestVersion"], 1);
    assert_eq!(r.body["owner"], "emc");
    // The version's own URL and the framework's home page are two distinct fields.
    assert_eq!(r.body["versionUrl"], format!("{}/api/v1/frameworks/supervision/versions/1", crate::common::PUBLIC_URL));
    assert_eq!(r.body["url"], "https://council.example.org/frameworks/supervision");
    assert_eq!(r.text.matches("\"url\":").count(), 3, "duplicate url keys: {}", r.text);

    let read = app.get("/api/v1/frameworks/supervision", None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let fw = &read.body;
    let sent = framework_body("supervision");
    for field in ["slug", "name", "description", "publisher", "url", "language", "domains", "competencies"] {
        assert_eq!(fw[field], sent[field], "{field}: {}", read.text);
    }
    assert_eq!(fw["domains"][0]["competencies"][1]["url"], "https://council.example.org/c/com-2");
    assert_eq!(fw["domains"][0]["description"], "Talking and listening.");

    let list = app.get("/api/v1/frameworks", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body[0]["slug"], "supervision");
    assert_eq!(list.body[0]["name"], "Production Supervision");
    assert_eq!(list.body[0]["latestVersion"], 1);
    assert_eq!(list.body[0]["owner"], "emc");
    assert_eq!(list.body[0]["url"], format!("{}/api/v1/frameworks/supervision/versions/1", crate::common::PUBLIC_URL));
}

#[tokio::test]
async fn new_version_leaves_version_one_resolvable_and_unchanged() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    create_framework(&app, &key, &framework_body("supervision")).await;
    let v1_before = app.get("/api/v1/frameworks/supervision/versions/1", None).await.body;

    let mut doc = framework_body("supervision");
    doc["name"] = json!("Production Supervision 2025");
    doc["domains"][0]["competencies"][0]["name"] = json!("Active Listening");
    doc["competencies"] = json!([{"code": "GREEN", "name": "Green Skills"}]);
    let r = app.post("/api/v1/frameworks/supervision/versions", Some(&key), &doc).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["latestVersion"], 2);
    assert_eq!(r.body["versionUrl"], format!("{}/api/v1/frameworks/supervision/versions/2", crate::common::PUBLIC_URL));

    let latest = app.get("/api/v1/frameworks/supervision", None).await.body;
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["name"], "Production Supervision 2025");

    let v1 = app.get("/api/v1/frameworks/supervision/versions/1", None).await;
    assert_eq!(v1.status, StatusCode::OK);
    assert_eq!(v1.body["version"], 1);
    assert_eq!(v1.body["latestVersion"], 2);
    assert_eq!(v1.body["name"], "Production Supervision");
    assert_eq!(v1.body["domains"], v1_before["domains"]);
    assert_eq!(v1.body["competencies"], v1_before["competencies"]);
    assert_eq!(v1.body["createdAt"], v1_before["createdAt"]);

    // The competency that left in version 2 still resolves in version 1.
    assert_eq!(
        app.get("/api/v1/frameworks/supervision/versions/1/competencies/SAFE", None).await.status,
        StatusCode::OK
    );
    app.get("/api/v1/frameworks/supervision/versions/2/competencies/SAFE", None).await.assert_problem(404, None);
    app.get("/api/v1/frameworks/supervision/versions/3", None).await.assert_problem(404, None);
}

#[tokio::test]
async fn only_the_owner_or_the_platform_admin_may_add_versions() {
    let app = crate::common::app().await;
    let owner = app.org_with_key("emc").await;
    let owner_issuer = app.key_for("emc", "issuer").await;
    let other = app.org_with_key("ictc").await;
    create_framework(&app, &owner, &framework_body("supervision")).await;
    let mut doc = framework_body("supervision");
    doc["name"] = json!("Taken over");

    app.post("/api/v1/frameworks/supervision/versions", Some(&other), &doc).await.assert_problem(403, None);
    app.post("/api/v1/frameworks/supervision/versions", Some(&owner_issuer), &doc).await.assert_problem(403, None);
    app.post("/api/v1/frameworks/supervision/versions", None, &doc).await.assert_problem(401, None);
    let after = app.get("/api/v1/frameworks/supervision", None).await.body;
    assert_eq!(after["latestVersion"], 1, "a refused version was written: {after}");
    assert_eq!(after["name"], "Production Supervision");

    doc["name"] = json!("Revised by the platform");
    let r = app.post("/api/v1/frameworks/supervision/versions", Some(&app.admin_key), &doc).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["owner"], "emc", "ownership stays with emc");
    doc["name"] = json!("Revised by the owner");
    let r = app.post("/api/v1/frameworks/supervision/versions", Some(&owner), &doc).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["version"], 3);
}

#[tokio::test]
async fn new_version_cannot_change_the_slug_and_refusal_writes_nothing() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    create_framework(&app, &key, &framework_body("supervision")).await;
    let r = app.post("/api/v1/frameworks/supervision/versions", Some(&key), &framework_body("renamed")).await;
    r.assert_problem(422, Some("slug"));
    assert_eq!(app.get("/api/v1/frameworks/supervision", None).await.body["latestVersion"], 1);
    app.get("/api/v1/frameworks/renamed", None).await.assert_problem(404, None);
    app.post("/api/v1/frameworks/nothing/versions", Some(&key), &framework_body("nothing"))
        .await
        .assert_problem(404, None);
}

#[tokio::test]
async fn competency_endpoint_resolves_with_its_domain() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    create_framework(&app, &key, &framework_body("supervision")).await;
    let r = app.get("/api/v1/frameworks/supervision/versions/1/competencies/COM-1", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["framework"], "supervision");
    assert_eq!(r.body["frameworkName"], "Production Supervision");
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["domain"], "COM");
    assert_eq!(r.body["code"], "COM-1");
    assert_eq!(r.body["name"], "Listen with Intention");
    assert_eq!(r.body["description"], "Hear what is meant.");

    let top = app.get("/api/v1/frameworks/supervision/versions/1/competencies/SAFE", None).await;
    assert_eq!(top.status, StatusCode::OK);
    assert!(top.body["domain"].is_null(), "{}", top.text);
    app.get("/api/v1/frameworks/supervision/versions/1/competencies/NOPE", None).await.assert_problem(404, None);
    // A domain is not a competency.
    app.get("/api/v1/frameworks/supervision/versions/1/competencies/COM", None).await.assert_problem(404, None);
    app.get("/api/v1/frameworks/nothing/versions/1/competencies/COM-1", None).await.assert_problem(404, None);
}

#[tokio::test]
async fn reference_framework_is_listed_and_imported_once() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    let refs = app.get("/api/v1/reference-frameworks", None).await;
    assert_eq!(refs.status, StatusCode::OK);
    assert!(
        refs.body
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["slug"] == "skills-for-success" && f["name"] == "Skills for Success"),
        "{}",
        refs.text
    );

    let r = app.post("/api/v1/reference-frameworks/skills-for-success/import", Some(&key), &json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["version"], 1);
    assert!(r.body["owner"].is_null(), "reference frameworks belong to the platform: {}", r.text);
    assert_eq!(r.body["publisher"], "Employment and Social Development Canada");
    assert_eq!(r.body["competencies"].as_array().unwrap().len(), 9);

    let read = app.get("/api/v1/frameworks/skills-for-success/versions/1/competencies/numeracy", None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body["name"], "Numeracy");

    app.post("/api/v1/reference-frameworks/skills-for-success/import", Some(&app.admin_key), &json!({}))
        .await
        .assert_problem(409, Some("slug"));
    app.post("/api/v1/reference-frameworks/no-such-thing/import", Some(&key), &json!({}))
        .await
        .assert_problem(404, None);
    assert_eq!(framework_slugs(&app).await, vec!["skills-for-success"]);

    // A platform framework takes versions from the platform admin only.
    let mut doc = r.body.clone();
    for k in ["version", "latestVersion", "owner", "createdAt", "versionUrl"] {
        doc.as_object_mut().unwrap().remove(k);
    }
    app.post("/api/v1/frameworks/skills-for-success/versions", Some(&key), &doc).await.assert_problem(403, None);
    let v2 = app.post("/api/v1/frameworks/skills-for-success/versions", Some(&app.admin_key), &doc).await;
    assert_eq!(v2.status, StatusCode::CREATED, "{}", v2.text);
    assert_eq!(v2.body["version"], 2);
}

#[tokio::test]
async fn duplicate_framework_slug_is_409_and_keeps_the_first() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    let other = app.org_with_key("ictc").await;
    create_framework(&app, &key, &framework_body("supervision")).await;
    let mut dup = framework_body("supervision");
    dup["name"] = json!("Impostor");
    app.post("/api/v1/frameworks", Some(&other), &dup).await.assert_problem(409, Some("slug"));
    let fw = app.get("/api/v1/frameworks/supervision", None).await.body;
    assert_eq!(fw["name"], "Production Supervision");
    assert_eq!(fw["owner"], "emc");
}

#[tokio::test]
async fn framework_tree_is_validated_per_node() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    let mut doc = framework_body("supervision");
    doc["domains"][1]["competencies"][0]["code"] = json!("COM-1");
    doc["domains"][0]["competencies"][1]["url"] = json!("not a url");
    let r = app.post("/api/v1/frameworks", Some(&key), &doc).await;
    r.assert_problem(422, Some("domains[1].competencies[0].code"));
    r.assert_problem(422, Some("domains[0].competencies[1].url"));
    let empty = json!({"slug": "empty", "name": "Empty"});
    app.post("/api/v1/frameworks", Some(&key), &empty).await.assert_problem(422, Some("competencies"));
    assert!(framework_slugs(&app).await.is_empty());
}
