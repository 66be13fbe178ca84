//! Organizations: created by the platform admin, profile fields, the public
//! Open Badges 3.0 Profile, profile updates.

use crate::api_support::*;
use axum::http::StatusCode;
use serde_json::json;

fn full_organization(slug: &str) -> serde_json::Value {
    json!({
        "slug": slug,
        "name": "Northern College",
        "kind": "college",
        "url": "https://northern.example.ca",
        "email": "badges@northern.example.ca",
        "description": "A college in the north.",
        "logo": "https://northern.example.ca/logo.png",
        "language": "fr-CA"
    })
}

#[tokio::test]
async fn admin_creates_organization_with_every_profile_field() {
    let app = crate::common::app().await;
    let r = app.post("/api/v1/organizations", Some(&app.admin_key), &full_organization("northern")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let read = organization(&app, "northern").await;
    for (field, value) in [
        ("slug", "northern"),
        ("name", "Northern College"),
        ("kind", "college"),
        ("url", "https://northern.example.ca"),
        ("email", "badges@northern.example.ca"),
        ("description", "A college in the north."),
        ("logo", "https://northern.example.ca/logo.png"),
        ("language", "fr-CA"),
        ("profileUrl", "https://badges.example.ca/issuers/northern"),
    ] {
        assert_eq!(r.body[field], value, "created {field}: {}", r.text);
        assert_eq!(read[field], value, "read back {field}: {read}");
    }
    assert_eq!(r.body["id"], read["id"]);
}

#[tokio::test]
async fn every_organization_kind_is_accepted_and_language_defaults_to_en() {
    let app = crate::common::app().await;
    for kind in ["sector_council", "college", "university", "employer", "other"] {
        let slug = kind.replace('_', "-");
        let r = app
            .post("/api/v1/organizations", Some(&app.admin_key), &json!({"slug": slug, "name": kind, "kind": kind}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{kind}: {}", r.text);
        assert_eq!(organization(&app, &slug).await["kind"], kind);
        assert_eq!(r.body["language"], "en");
    }
}

#[tokio::test]
async fn issuer_profile_is_a_public_open_badges_profile() {
    let app = crate::common::app().await;
    app.post("/api/v1/organizations", Some(&app.admin_key), &full_organization("northern")).await;
    let r = app.get("/issuers/northern", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("application/json"), "{}", r.content_type);
    let p = &r.body;
    assert_eq!(p["id"], format!("{}/issuers/northern", crate::common::PUBLIC_URL));
    assert_eq!(p["@context"][0], "https://www.w3.org/ns/credentials/v2");
    assert_eq!(p["@context"][1], "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json");
    assert_eq!(p["type"], json!(["Profile"]));
    assert_eq!(p["name"], "Northern College");
    assert_eq!(p["url"], "https://northern.example.ca");
    assert_eq!(p["email"], "badges@northern.example.ca");
    assert_eq!(p["description"], "A college in the north.");
    assert_eq!(p["image"]["id"], "https://northern.example.ca/logo.png");
    assert_eq!(p["image"]["type"], "Image");
}

#[tokio::test]
async fn unknown_issuer_profile_is_404_problem() {
    let app = crate::common::app().await;
    app.get("/issuers/nobody", None).await.assert_problem(404, None);
}

#[tokio::test]
async fn organization_keys_cannot_create_organizations() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    let r = app
        .post("/api/v1/organizations", Some(&key), &json!({"slug": "rogue", "name": "Rogue", "kind": "other"}))
        .await;
    r.assert_problem(403, None);
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
}

#[tokio::test]
async fn creating_an_organization_needs_a_key() {
    let app = crate::common::app().await;
    let r = app.post("/api/v1/organizations", None, &json!({"slug": "x", "name": "X", "kind": "other"})).await;
    r.assert_problem(401, None);
    assert!(organization_slugs(&app).await.is_empty());
}

#[tokio::test]
async fn issuer_admin_updates_its_profile_and_null_clears_a_field() {
    let app = crate::common::app().await;
    app.post("/api/v1/organizations", Some(&app.admin_key), &full_organization("northern")).await;
    let key = app.key_for("northern", "issuer-admin").await;
    let r = patch(
        &app,
        "/api/v1/organizations/northern",
        Some(&key),
        &json!({"name": "Northern College (Timmins)", "url": null, "kind": "university"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let read = organization(&app, "northern").await;
    assert_eq!(read["name"], "Northern College (Timmins)");
    assert_eq!(read["kind"], "university");
    assert!(read["url"].is_null(), "{read}");
    // Fields not in the patch stay.
    assert_eq!(read["email"], "badges@northern.example.ca");
    assert_eq!(read["language"], "fr-CA");
    let profile = app.get("/issuers/northern", None).await.body;
    assert_eq!(profile["name"], "Northern College (Timmins)");
    assert!(profile.get("url").is_none(), "{profile}");
}

#[tokio::test]
async fn organization_key_lists_only_its_own_organization() {
    let app = crate::common::app().await;
    let a = app.org_with_key("org-a").await;
    app.org_with_key("org-b").await;
    let r = app.get("/api/v1/organizations", Some(&a)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let slugs: Vec<_> = r.body.as_array().unwrap().iter().map(|o| o["slug"].clone()).collect();
    assert_eq!(slugs, vec![json!("org-a")]);
    assert_eq!(organization_slugs(&app).await, vec!["org-a", "org-b"]);
}
