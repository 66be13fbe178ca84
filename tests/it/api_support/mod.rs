//! Request bodies and small helpers shared by the API tests (on top of `common`).
#![allow(dead_code)]

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

/// A framework tree: two domains with competencies and one competency outside any domain.
pub fn framework_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "name": "Production Supervision",
        "description": "What a production supervisor needs.",
        "publisher": "Test Council",
        "url": "https://council.example.org/frameworks/supervision",
        "language": "en",
        "domains": [
            {
                "code": "COM",
                "name": "Communication",
                "description": "Talking and listening.",
                "url": "https://council.example.org/frameworks/supervision/com",
                "competencies": [
                    {"code": "COM-1", "name": "Listen with Intention", "description": "Hear what is meant."},
                    {"code": "COM-2", "name": "Persuasion", "url": "https://council.example.org/c/com-2"}
                ]
            },
            {
                "code": "PMA",
                "name": "Planning",
                "competencies": [
                    {"code": "PMA-1", "name": "Time Management", "description": "Use time well."}
                ]
            }
        ],
        "competencies": [
            {"code": "SAFE", "name": "Safety First"}
        ]
    })
}

/// A minimal valid achievement.
pub fn minimal_achievement(slug: &str) -> Value {
    json!({
        "slug": slug,
        "name": "Minimal badge",
        "description": "The least an achievement needs.",
        "criteria": {"narrative": "Attend the session."},
        "achievementType": "Badge",
        "tier": "badge",
        "language": "en",
        "rule": {"allOf": [{"component": "session", "completed": true}]}
    })
}

/// An achievement with every field, aligned to competency `COM-1` of `framework`,
/// to a NOC 2021 unit group, to an ESCO skill and to an external target.
pub fn full_achievement(slug: &str, framework: &str) -> Value {
    json!({
        "slug": slug,
        "name": "Time Management for Supervisors",
        "description": "Plan a shift, prioritise, delegate.",
        "criteria": {"narrative": "Pass the post-assessment.", "url": "https://college.example.org/criteria/tm"},
        "image": {"url": "https://college.example.org/badges/tm.png", "caption": "Time management badge"},
        "achievementType": "MicroCredential",
        "tier": "micro-credential",
        "hours": 14.5,
        "duration": "4 weeks",
        "deliveryMode": "online-live",
        "delivery": "live online, facilitated",
        "language": "en-CA",
        "humanCode": "TM-101",
        "tags": ["supervision", "time"],
        "alignments": [
            {"framework": framework, "competency": "COM-1"},
            {"noc2021": "92012", "targetName": "Supervisors, food and beverage processing"},
            {"esco": "http://data.europa.eu/esco/skill/abc-123", "targetName": "manage time"},
            {"targetUrl": "https://example.org/skills/42", "targetName": "Skill 42",
             "targetFramework": "Example Skills", "targetCode": "42", "targetType": "CFItem"}
        ],
        "validityPeriod": "P3Y",
        "rule": {"allOf": [
            {"component": "pre-assessment", "completed": true},
            {"component": "post-assessment", "name": "Post-assessment", "minScore": 70, "maxAttempts": 2},
            {"component": "workplace-project", "requiresSignoff": "employer", "signoffBlocking": false}
        ]}
    })
}

/// Creates an achievement in `org` with `key`; returns its id.
pub async fn create_achievement(app: &TestApp, org: &str, key: &str, body: &Value) -> String {
    let r = app.post(&format!("/api/v1/organizations/{org}/achievements"), Some(key), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().expect("achievement id").to_string()
}

/// Creates a framework with `key`.
pub async fn create_framework(app: &TestApp, key: &str, body: &Value) {
    let r = app.post("/api/v1/frameworks", Some(key), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

/// The organization's achievements as the platform admin sees them.
pub async fn achievements_of(app: &TestApp, org: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/organizations/{org}/achievements"), Some(&app.admin_key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().expect("list").clone()
}

/// The organization's API keys as the platform admin sees them.
pub async fn keys_of(app: &TestApp, org: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/organizations/{org}/api-keys"), Some(&app.admin_key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().expect("list").clone()
}

/// The organization as the platform admin sees it.
pub async fn organization(app: &TestApp, org: &str) -> Value {
    let r = app.get(&format!("/api/v1/organizations/{org}"), Some(&app.admin_key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// The slugs of all organizations, as the platform admin sees them.
pub async fn organization_slugs(app: &TestApp) -> Vec<String> {
    let r = app.get("/api/v1/organizations", Some(&app.admin_key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().expect("list").iter().map(|o| o["slug"].as_str().unwrap().to_string()).collect()
}

/// The slugs of all frameworks (public listing).
pub async fn framework_slugs(app: &TestApp) -> Vec<String> {
    let r = app.get("/api/v1/frameworks", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body.as_array().expect("list").iter().map(|f| f["slug"].as_str().unwrap().to_string()).collect()
}

/// PUT as JSON.
pub async fn put(app: &TestApp, path: &str, key: Option<&str>, body: &Value) -> crate::common::Response {
    app.json(Method::PUT, path, key, body).await
}

/// PATCH as JSON.
pub async fn patch(app: &TestApp, path: &str, key: Option<&str>, body: &Value) -> crate::common::Response {
    app.json(Method::PATCH, path, key, body).await
}

/// DELETE without a body.
pub async fn delete(app: &TestApp, path: &str, key: Option<&str>) -> crate::common::Response {
    app.send(Method::DELETE, path, key, None, None).await
}
