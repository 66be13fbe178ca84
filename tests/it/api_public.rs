//! Service documents: health check, the OpenAPI document and the API docs page.

use axum::http::StatusCode;

#[tokio::test]
async fn healthz_answers_200_with_the_database_ok() {
    let app = crate::common::app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "ok");
    assert_eq!(r.body["database"], "ok");
}

#[tokio::test]
async fn openapi_json_is_served_and_equals_the_checked_in_spec() {
    let app = crate::common::app().await;
    let r = app.get("/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("application/json"), "{}", r.content_type);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/openapi.json");
    let checked_in: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("spec/openapi.json")).expect("spec is JSON");
    assert_eq!(r.body, checked_in, "served OpenAPI differs from spec/openapi.json");
    // It documents the endpoints these tests exercise.
    for p in [
        "/api/v1/organizations",
        "/api/v1/organizations/{org}/api-keys/{key_id}",
        "/api/v1/organizations/{org}/achievements/{id}",
        "/api/v1/frameworks/{slug}/versions",
        "/api/v1/reference-frameworks/{slug}/import",
        "/achievements/{id}/versions/{version}",
        "/issuers/{slug}",
        "/healthz",
    ] {
        assert!(r.body["paths"].get(p).is_some(), "OpenAPI lacks {p}");
    }
}

#[tokio::test]
async fn docs_page_answers_html() {
    let app = crate::common::app().await;
    let r = app.get("/docs/", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("text/html"), "{}", r.content_type);
    assert!(r.text.to_lowercase().contains("<html"), "{}", &r.text[..r.text.len().min(300)]);
}
