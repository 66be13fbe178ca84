//! Bad input: each refusal is a 4xx problem+json naming the field at fault, and
//! nothing is written.

use crate::api_support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

async fn setup() -> (crate::common::TestApp, String) {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    create_framework(&app, &key, &framework_body("supervision")).await;
    (app, key)
}

const ACHIEVEMENTS: &str = "/api/v1/organizations/emc/achievements";

/// Posts an achievement that must be refused with `status` naming `field`; checks nothing was written.
async fn refused_achievement(app: &crate::common::TestApp, key: &str, body: &Value, status: u16, field: Option<&str>) {
    let before = achievements_of(app, "emc").await;
    app.post(ACHIEVEMENTS, Some(key), body).await.assert_problem(status, field);
    assert_eq!(achievements_of(app, "emc").await, before, "a refused achievement changed the list");
}

#[tokio::test]
async fn unknown_fields_are_named() {
    let (app, key) = setup().await;
    let mut top = minimal_achievement("a");
    top["colour"] = json!("blue");
    refused_achievement(&app, &key, &top, 422, Some("colour")).await;
    let mut nested = minimal_achievement("a");
    nested["criteria"]["score"] = json!(3);
    refused_achievement(&app, &key, &nested, 422, Some("criteria.score")).await;
    let mut in_rule = minimal_achievement("a");
    in_rule["rule"]["allOf"][0]["bonus"] = json!(true);
    refused_achievement(&app, &key, &in_rule, 422, Some("rule.allOf[0].bonus")).await;

    let r = app
        .post(
            "/api/v1/organizations",
            Some(&app.admin_key),
            &json!({"slug": "x", "name": "X", "kind": "other", "nickname": "x"}),
        )
        .await;
    r.assert_problem(422, Some("nickname"));
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);

    let mut fw = framework_body("other-fw");
    fw["domains"][0]["competencies"][0]["level"] = json!(2);
    app.post("/api/v1/frameworks", Some(&key), &fw).await.assert_problem(422, Some("domains[0].competencies[0].level"));
    assert_eq!(framework_slugs(&app).await, vec!["supervision"]);

    patch(&app, "/api/v1/organizations/emc", Some(&key), &json!({"motto": "x"}))
        .await
        .assert_problem(422, Some("motto"));
    app.post("/api/v1/organizations/emc/api-keys", Some(&key), &json!({"name": "k", "scopes": []}))
        .await
        .assert_problem(422, Some("scopes"));
    assert_eq!(keys_of(&app, "emc").await.len(), 1);
}

#[tokio::test]
async fn missing_required_fields_are_named() {
    let (app, key) = setup().await;
    for field in ["name", "description", "criteria", "achievementType", "tier", "language", "rule", "slug"] {
        let mut body = minimal_achievement("a");
        body.as_object_mut().unwrap().remove(field);
        refused_achievement(&app, &key, &body, 422, Some(field)).await;
    }
    let mut narrative = minimal_achievement("a");
    narrative["criteria"] = json!({});
    refused_achievement(&app, &key, &narrative, 422, Some("criteria.narrative")).await;

    app.post("/api/v1/organizations", Some(&app.admin_key), &json!({"slug": "x", "name": "X"}))
        .await
        .assert_problem(422, Some("kind"));
    app.post("/api/v1/organizations/emc/api-keys", Some(&key), &json!({"role": "issuer"}))
        .await
        .assert_problem(422, Some("name"));
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
    assert_eq!(keys_of(&app, "emc").await.len(), 1);
}

#[tokio::test]
async fn wrong_types_are_named() {
    let (app, key) = setup().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("hours", json!("ten"), "hours"),
        ("tags", json!("one,two"), "tags"),
        ("tier", json!("platinum"), "tier"),
        ("deliveryMode", json!("carrier-pigeon"), "deliveryMode"),
        ("name", json!(42), "name"),
    ];
    for (field, value, named) in cases {
        let mut body = minimal_achievement("a");
        body[field] = value;
        refused_achievement(&app, &key, &body, 422, Some(named)).await;
    }
    let mut score = minimal_achievement("a");
    score["rule"]["allOf"][0]["minScore"] = json!("seventy");
    refused_achievement(&app, &key, &score, 422, Some("rule.allOf[0].minScore")).await;
    let mut tag = minimal_achievement("a");
    tag["tags"] = json!(["ok", 7]);
    refused_achievement(&app, &key, &tag, 422, Some("tags[1]")).await;

    app.post("/api/v1/organizations", Some(&app.admin_key), &json!({"slug": "x", "name": "X", "kind": 5}))
        .await
        .assert_problem(422, Some("kind"));
    app.post("/api/v1/organizations", Some(&app.admin_key), &json!({"slug": "x", "name": "X", "kind": "bank"}))
        .await
        .assert_problem(422, Some("kind"));
    patch(&app, "/api/v1/organizations/emc", Some(&key), &json!({"name": ["a"]}))
        .await
        .assert_problem(422, Some("name"));
    app.post("/api/v1/organizations/emc/api-keys", Some(&key), &json!({"name": "k", "role": "owner"}))
        .await
        .assert_problem(422, Some("role"));
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
    assert_eq!(organization(&app, "emc").await["name"], "Org emc");
    assert_eq!(keys_of(&app, "emc").await.len(), 1);
}

#[tokio::test]
async fn invalid_values_are_named() {
    let (app, key) = setup().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("slug", json!("Not A Slug"), "slug"),
        ("name", json!("   "), "name"),
        ("language", json!("de"), "language"),
        ("achievementType", json!("Trophy"), "achievementType"),
        ("hours", json!(-1), "hours"),
        ("validityPeriod", json!("three years"), "validityPeriod"),
        ("image", json!({"url": "ftp://x/y.png"}), "image.url"),
    ];
    for (field, value, named) in cases {
        let mut body = minimal_achievement("a");
        body[field] = value;
        refused_achievement(&app, &key, &body, 422, Some(named)).await;
    }
    let mut noc = minimal_achievement("a");
    noc["alignments"] = json!([{"noc2021": "9201", "targetName": "x"}]);
    refused_achievement(&app, &key, &noc, 422, Some("alignments[0].noc2021")).await;
    let mut esco = minimal_achievement("a");
    esco["alignments"] = json!([{"esco": "https://example.org/skill", "targetName": "x"}]);
    refused_achievement(&app, &key, &esco, 422, Some("alignments[0].esco")).await;
    let mut rd = minimal_achievement("a");
    rd["resultDescriptions"] = json!([{"component": "exam", "name": "Exam", "resultType": "Percent"}]);
    refused_achievement(&app, &key, &rd, 422, Some("resultDescriptions[0].component")).await;

    for (field, value) in
        [("email", "not-an-email"), ("url", "example.org"), ("logo", "javascript:alert(1)"), ("language", "es")]
    {
        let mut body = json!({"slug": "x", "name": "X", "kind": "other"});
        body[field] = json!(value);
        app.post("/api/v1/organizations", Some(&app.admin_key), &body).await.assert_problem(422, Some(field));
        patch(&app, "/api/v1/organizations/emc", Some(&key), &json!({field: value}))
            .await
            .assert_problem(422, Some(field));
    }
    app.post("/api/v1/organizations", Some(&app.admin_key), &json!({"slug": "-x-", "name": "X", "kind": "other"}))
        .await
        .assert_problem(422, Some("slug"));
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
    let emc = organization(&app, "emc").await;
    assert!(emc["email"].is_null() && emc["url"].is_null() && emc["logo"].is_null(), "{emc}");
    assert_eq!(emc["language"], "en");
}

#[tokio::test]
async fn duplicate_slugs_are_409() {
    let (app, key) = setup().await;
    let id = create_achievement(&app, "emc", &key, &minimal_achievement("intro")).await;
    let mut dup = minimal_achievement("intro");
    dup["name"] = json!("Second intro");
    refused_achievement(&app, &key, &dup, 409, Some("slug")).await;
    let a = app.get(&format!("{ACHIEVEMENTS}/{id}"), Some(&key)).await.body;
    assert_eq!(a["name"], "Minimal badge");

    app.post(
        "/api/v1/organizations",
        Some(&app.admin_key),
        &json!({"slug": "emc", "name": "Second EMC", "kind": "other"}),
    )
    .await
    .assert_problem(409, Some("slug"));
    assert_eq!(organization(&app, "emc").await["name"], "Org emc");
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
}

#[tokio::test]
async fn alignment_to_an_unknown_competency_or_framework_is_refused() {
    let (app, key) = setup().await;
    let mut body = minimal_achievement("a");
    body["alignments"] = json!([{"framework": "supervision", "competency": "NOPE"}]);
    refused_achievement(&app, &key, &body, 422, Some("alignments[0].competency")).await;
    body["alignments"] = json!([{"framework": "no-such-framework", "competency": "COM-1"}]);
    refused_achievement(&app, &key, &body, 422, Some("alignments[0].framework")).await;
    body["alignments"] = json!([{"framework": "supervision"}]);
    refused_achievement(&app, &key, &body, 422, Some("alignments[0]")).await;
    body["alignments"] = json!([{"targetUrl": "https://example.org/x"}]);
    refused_achievement(&app, &key, &body, 422, Some("alignments[0].targetName")).await;
    body["alignments"] = json!([{"noc2021": "92012", "esco": "http://data.europa.eu/esco/skill/x", "targetName": "x"}]);
    refused_achievement(&app, &key, &body, 422, Some("alignments[0]")).await;
}

#[tokio::test]
async fn award_rule_that_can_never_be_met_is_refused() {
    let (app, key) = setup().await;
    let mut body = minimal_achievement("a");
    body["rule"] = json!({"allOf": [{"component": "exam", "minScore": 120}]});
    refused_achievement(&app, &key, &body, 422, Some("rule.allOf[0].minScore")).await;
    body["rule"] = json!({"allOf": []});
    refused_achievement(&app, &key, &body, 422, Some("rule.allOf")).await;
    body["rule"] = json!({"allOf": [{"component": "exam"}]});
    refused_achievement(&app, &key, &body, 422, Some("rule.allOf[0]")).await;
    body["rule"] = json!({"allOf": [{"component": "exam", "passed": false}]});
    refused_achievement(&app, &key, &body, 422, Some("rule.allOf[0].passed")).await;
    body["rule"] = json!({"allOf": [{"component": "exam", "minScore": 50, "maxAttempts": 0}]});
    refused_achievement(&app, &key, &body, 422, Some("rule.allOf[0].maxAttempts")).await;
}

#[tokio::test]
async fn bad_update_leaves_the_achievement_unchanged() {
    let (app, key) = setup().await;
    let id = create_achievement(&app, "emc", &key, &minimal_achievement("intro")).await;
    let before = app.get(&format!("{ACHIEVEMENTS}/{id}"), Some(&key)).await.body;
    let mut body = minimal_achievement("intro");
    body["name"] = json!("Changed");
    body["rule"] = json!({"allOf": [{"component": "exam", "minScore": 120}]});
    put(&app, &format!("{ACHIEVEMENTS}/{id}"), Some(&key), &body)
        .await
        .assert_problem(422, Some("rule.allOf[0].minScore"));
    body["rule"] = minimal_achievement("intro")["rule"].clone();
    body["alignments"] = json!([{"framework": "supervision", "competency": "NOPE"}]);
    put(&app, &format!("{ACHIEVEMENTS}/{id}"), Some(&key), &body)
        .await
        .assert_problem(422, Some("alignments[0].competency"));
    let r = app
        .send(
            Method::PUT,
            &format!("{ACHIEVEMENTS}/{id}"),
            Some(&key),
            Some(Body::from("{\"name\": ")),
            Some("application/json"),
        )
        .await;
    r.assert_problem(400, None);
    assert_eq!(app.get(&format!("{ACHIEVEMENTS}/{id}"), Some(&key)).await.body, before);
}

#[tokio::test]
async fn non_utf8_body_is_400() {
    let (app, key) = setup().await;
    let mut bytes = br#"{"slug": "a", "name": "Caf"#.to_vec();
    bytes.extend_from_slice(&[0xe9, 0xff]);
    bytes.extend_from_slice(br#"", "kind": "other"}"#);
    let r = app
        .send(
            Method::POST,
            "/api/v1/organizations",
            Some(&app.admin_key),
            Some(Body::from(bytes.clone())),
            Some("application/json"),
        )
        .await;
    r.assert_problem(400, None);
    assert!(r.body["detail"].as_str().unwrap().contains("UTF-8"), "{}", r.text);
    let r = app.send(Method::POST, ACHIEVEMENTS, Some(&key), Some(Body::from(bytes)), Some("application/json")).await;
    r.assert_problem(400, None);
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
    assert!(achievements_of(&app, "emc").await.is_empty());
}

#[tokio::test]
async fn oversized_body_is_413() {
    let (app, key) = setup().await;
    let mut body = minimal_achievement("big");
    body["description"] = json!("x".repeat(1024 * 1024 + 1));
    let r = app.post(ACHIEVEMENTS, Some(&key), &body).await;
    r.assert_problem(413, None);
    // Just under the limit is read (and then refused by validation for its length).
    body["description"] = json!("x".repeat(1024 * 1024 - 1000));
    app.post(ACHIEVEMENTS, Some(&key), &body).await.assert_problem(422, Some("description"));
    assert!(achievements_of(&app, "emc").await.is_empty());
}

/// A multipart form with one file field of `size` bytes.
fn multipart_file(size: usize) -> (Vec<u8>, &'static str) {
    let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"badge.png\"\r\nContent-Type: image/png\r\n\r\n".to_vec();
    body.extend(std::iter::repeat_n(b'x', size));
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    (body, "multipart/form-data; boundary=XyZ")
}

/// Asserts the 413 problem+json that names the cap.
fn assert_too_large(r: &crate::common::Response, limit: usize, route: &str) {
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{route}: {}", r.text);
    r.assert_problem(413, None);
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(&limit.to_string()), "{route}: the detail names the limit: {}", r.text);
}

#[tokio::test]
async fn oversized_bodies_are_413_problem_json_on_every_kind_of_route() {
    let (app, key) = setup().await;
    let json_limit = credence::http::MAX_BODY_BYTES;
    let big_json = format!("{{\"pad\": \"{}\"}}", "x".repeat(json_limit));
    // JSON bodies read by our extractor, and bodies read as bytes (the issuing calls).
    for route in [
        ACHIEVEMENTS,
        "/api/v1/organizations/emc/results",
        "/api/v1/organizations/emc/awards",
        "/credentials/issue",
        "/credentials/status",
        "/credentials/verify",
        "/presentations/verify",
        "/api/v1/verify",
    ] {
        let r = app
            .send(Method::POST, route, Some(&key), Some(Body::from(big_json.clone())), Some("application/json"))
            .await;
        assert_too_large(&r, json_limit, route);
    }
    // Files: baked images and multipart forms to the verifier, CSV files to bulk jobs.
    let image_limit = credence::verification::MAX_IMAGE_BYTES;
    let r = app
        .send(Method::POST, "/api/v1/verify", None, Some(Body::from(vec![0u8; image_limit + 1])), Some("image/png"))
        .await;
    assert_too_large(&r, image_limit, "verify png");
    let (form, form_type) = multipart_file(image_limit + 1);
    let r = app.send(Method::POST, "/api/v1/verify", None, Some(Body::from(form.clone())), Some(form_type)).await;
    assert_too_large(&r, image_limit, "verify multipart");
    // In chunks, as a network delivers it: the cap is then met while the file field is read.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = form.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    let r = app.send(Method::POST, "/api/v1/verify", None, Some(streamed), Some(form_type)).await;
    assert_too_large(&r, image_limit, "verify multipart, streamed");
    // Files over the JSON cap but within the verifier's are read (and refused for what they are).
    let (form, form_type) = multipart_file(2 * json_limit);
    let r = app
        .send(Method::POST, "/api/v1/verify", None, Some(Body::from(vec![0u8; 2 * json_limit])), Some("image/png"))
        .await;
    assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let r = app.send(Method::POST, "/api/v1/verify", None, Some(Body::from(form.clone())), Some(form_type)).await;
    assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let r = app.send(Method::POST, "/verify", None, Some(Body::from(form)), Some(form_type)).await;
    assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let (form, form_type) = multipart_file(image_limit + 1);
    let file_limit = credence::bulk::MAX_FILE_BYTES;
    let mut csv = b"achievement,component,email\n".to_vec();
    csv.resize(file_limit + 1, b'x');
    let r = app
        .send(Method::POST, "/api/v1/organizations/emc/bulk-jobs", Some(&key), Some(Body::from(csv)), Some("text/csv"))
        .await;
    assert_too_large(&r, file_limit, "bulk upload");
    // The pages' forms: the claim form, and the verification page for a client that is not a browser.
    let claim_limit = credence::web::claim_page::MAX_FORM_BYTES;
    let claim = format!("name={}", "a".repeat(claim_limit));
    let r = app
        .send(
            Method::POST,
            "/claim/clm_unknown",
            None,
            Some(Body::from(claim)),
            Some("application/x-www-form-urlencoded"),
        )
        .await;
    assert_too_large(&r, claim_limit, "claim form");
    let r = app.send(Method::POST, "/verify", None, Some(Body::from(form.clone())), Some(form_type)).await;
    assert_too_large(&r, image_limit, "verify page, API client");
    // A browser keeps the page, which says what went wrong.
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/verify")
        .header("accept", "text/html")
        .header("content-type", form_type)
        .body(Body::from(form))
        .unwrap();
    let page = app.send_request(request).await;
    assert!(page.status.is_client_error(), "{}", page.status);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    assert!(achievements_of(&app, "emc").await.is_empty());
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let (app, key) = setup().await;
    let text = minimal_achievement("a").to_string();
    for ct in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let r = app.send(Method::POST, ACHIEVEMENTS, Some(&key), Some(Body::from(text.clone())), ct).await;
        r.assert_problem(415, None);
    }
    // JSON with parameters or a +json type is accepted.
    let r = app
        .send(Method::POST, ACHIEVEMENTS, Some(&key), Some(Body::from(text)), Some("application/json; charset=utf-8"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(achievements_of(&app, "emc").await.len(), 1);
    let r = app
        .send(
            Method::POST,
            "/api/v1/organizations",
            Some(&app.admin_key),
            Some(Body::from(json!({"slug": "x", "name": "X", "kind": "other"}).to_string())),
            Some("text/json"),
        )
        .await;
    r.assert_problem(415, None);
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let (app, key) = setup().await;
    for text in ["{\"slug\": ", "not json", "{\"slug\": \"a\"} trailing", "", "[1, 2,]"] {
        let r =
            app.send(Method::POST, ACHIEVEMENTS, Some(&key), Some(Body::from(text)), Some("application/json")).await;
        r.assert_problem(400, None);
    }
    assert!(achievements_of(&app, "emc").await.is_empty());
}

#[tokio::test]
async fn bad_path_parameter_is_400_naming_the_path() {
    let (app, key) = setup().await;
    let id = create_achievement(&app, "emc", &key, &minimal_achievement("a")).await;
    app.get(&format!("/achievements/{id}/versions/abc"), None).await.assert_problem(400, Some("path"));
    app.get("/api/v1/frameworks/supervision/versions/abc", None).await.assert_problem(400, Some("path"));
    app.get("/api/v1/frameworks/supervision/versions/1.5/competencies/COM-1", None)
        .await
        .assert_problem(400, Some("path"));
}

#[tokio::test]
async fn unknown_route_is_404_problem() {
    let app = crate::common::app().await;
    for path in ["/nowhere", "/api/v1/nothing", "/api/v2/organizations", "/api/v1/organizations/emc/widgets"] {
        app.get(path, Some(&app.admin_key)).await.assert_problem(404, None);
    }
}

#[tokio::test]
async fn wrong_method_is_405_problem() {
    let (app, key) = setup().await;
    app.send(Method::DELETE, "/api/v1/organizations", Some(&app.admin_key), None, None).await.assert_problem(405, None);
    app.send(Method::PUT, "/api/v1/frameworks", Some(&key), None, None).await.assert_problem(405, None);
    app.send(Method::POST, "/healthz", None, None, None).await.assert_problem(405, None);
    app.send(Method::DELETE, "/api/v1/organizations/emc", Some(&key), None, None).await.assert_problem(405, None);
    app.send(Method::POST, "/issuers/emc", None, None, None).await.assert_problem(405, None);
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
}
