//! Input that signing would refuse is refused when it comes in: every value that becomes an
//! IRI of a credential (evidence, learner DIDs, achievements' and issuers' links and images)
//! is checked with the rule signing applies, and a refusal is a 422 naming the field, never a
//! 500 when the credential is signed.

use crate::api_support::*;
use axum::http::StatusCode;
use credence_core::did::DidKey;
use serde_json::{Value, json};

/// URLs that are http(s) URLs to the eye but that no credential can carry as an IRI.
const BAD_URLS: &[&str] = &[
    "https://lms.example.ca/report\"1\".pdf",
    "https://lms.example.ca/<script>",
    "https://lms.example.ca/a b.pdf",
    "https://lms.example.ca/{id}",
    "https://lms.example.ca/a|b",
    "https://lms.example.ca/a\\b",
    "https://lms.example.ca/a^b",
    "https://lms.example.ca/a`b",
    "https://lms.example.ca/tab\there",
];

async fn setup() -> (crate::common::TestApp, String) {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    create_achievement(&app, "emc", &key, &minimal_achievement("attend")).await;
    (app, key)
}

fn result(email: &str) -> Value {
    json!({"achievement": "attend", "component": "session", "completed": true, "learner": {"email": email}})
}

async fn learners(app: &crate::common::TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM learners").fetch_one(&app.store.pool).await.unwrap()
}

/// Asserts a 422 naming `field` whose reason says what is wrong with the IRI.
fn assert_refused(r: &crate::common::Response, field: &str, bad: &str) {
    r.assert_problem(422, Some(field));
    let reason = r.body["errors"].as_array().unwrap().iter().find(|e| e["field"] == field).unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("IRI") || reason.contains("DID"), "{bad}: {reason}");
}

#[tokio::test]
async fn evidence_urls_signing_would_refuse_are_422_naming_the_item() {
    let (app, key) = setup().await;
    let results = "/api/v1/organizations/emc/results";
    let awards = "/api/v1/organizations/emc/awards";
    for bad in BAD_URLS {
        let mut body = result("ana@example.com");
        body["evidence"] =
            json!([{"name": "Report", "url": "https://lms.example.ca/ok.pdf"}, {"name": "Report", "url": bad}]);
        assert_refused(&app.post(results, Some(&key), &body).await, "evidence[1].url", bad);
        let award = json!({"achievement": "attend", "learner": {"email": "ana@example.com"}, "narrative": "Prior learning.",
            "evidence": [{"name": "Portfolio", "url": bad}]});
        assert_refused(&app.post(awards, Some(&key), &award).await, "evidence[0].url", bad);
    }
    let mut quoted = result("ana@example.com");
    quoted["evidence"] = json!([{"name": "Report", "url": "https://lms.example.ca/report\"1\".pdf"}]);
    let r = app.post(results, Some(&key), &quoted).await;
    assert!(r.body["detail"].as_str().unwrap().contains("%22"), "the reason says how to write it: {}", r.text);
    assert_eq!(learners(&app).await, 0, "nothing was recorded");

    // Written as an IRI, the same evidence is signed.
    let mut good = result("ana@example.com");
    good["evidence"] = json!([{"name": "Report", "url": "https://lms.example.ca/report%221%22.pdf"}]);
    let r = app.post(results, Some(&key), &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "issued", "{}", r.text);
}

#[tokio::test]
async fn learner_dids_are_read_as_the_verifier_reads_them() {
    let (app, key) = setup().await;
    let results = "/api/v1/organizations/emc/results";
    let did_key = DidKey::from_public_key(&[7u8; 32]);
    for bad in [
        "did:web:exa mple.com",
        "did:web:example.com\"",
        "did:web:example.com:<x>",
        "did:key:z6MkNotAKey",
        "did:example:123",
        "did:web:example.com/path",
        &did_key.verification_method_id(),
        "did:",
        "ana@example.com",
    ] {
        let mut body = result("ana@example.com");
        body["learner"]["did"] = json!(bad);
        assert_refused(&app.post(results, Some(&key), &body).await, "learner.did", bad);
        let award = json!({"achievement": "attend", "learner": {"email": "ana@example.com", "did": bad}, "narrative": "Prior learning."});
        assert_refused(&app.post("/api/v1/organizations/emc/awards", Some(&key), &award).await, "learner.did", bad);
    }
    assert_eq!(learners(&app).await, 0, "nothing was recorded");

    for (email, did) in
        [("ana@example.com", did_key.did.as_str()), ("ben@example.com", "did:web:example.com%3A8443:users:ben")]
    {
        let mut body = result(email);
        body["learner"]["did"] = json!(did);
        let r = app.post(results, Some(&key), &body).await;
        assert_eq!(r.body["state"], "issued", "{}", r.text);
        let id = r.body["credential"]["id"].as_str().unwrap();
        let doc = app.get(&format!("/credentials/{id}"), None).await.body;
        assert_eq!(doc["credentialSubject"]["id"], did);
    }
}

#[tokio::test]
async fn achievement_iris_signing_would_refuse_are_422_naming_the_field() {
    let (app, key) = setup().await;
    create_framework(&app, &key, &framework_body("supervision")).await;
    let achievements = "/api/v1/organizations/emc/achievements";
    let before = achievements_of(&app, "emc").await;
    for bad in BAD_URLS {
        let mut criteria = minimal_achievement("a");
        criteria["criteria"]["url"] = json!(bad);
        assert_refused(&app.post(achievements, Some(&key), &criteria).await, "criteria.url", bad);
        let mut image = minimal_achievement("a");
        image["image"] = json!({"url": bad});
        assert_refused(&app.post(achievements, Some(&key), &image).await, "image.url", bad);
        let mut target = minimal_achievement("a");
        target["alignments"] = json!([{"targetUrl": bad, "targetName": "Skill"}]);
        assert_refused(&app.post(achievements, Some(&key), &target).await, "alignments[0].targetUrl", bad);
    }
    let mut esco = minimal_achievement("a");
    esco["alignments"] = json!([{"esco": "http://data.europa.eu/esco/skill/<x>", "targetName": "Skill"}]);
    assert_refused(&app.post(achievements, Some(&key), &esco).await, "alignments[0].esco", "esco");
    let mut urn = minimal_achievement("a");
    urn["alignments"] = json!([{"targetUrl": "urn:x:\"y\"", "targetName": "Skill"}]);
    assert_refused(&app.post(achievements, Some(&key), &urn).await, "alignments[0].targetUrl", "urn");
    let mut relative = minimal_achievement("a");
    relative["alignments"] = json!([{"targetUrl": "skills/42", "targetName": "Skill"}]);
    assert_refused(&app.post(achievements, Some(&key), &relative).await, "alignments[0].targetUrl", "relative");
    assert_eq!(achievements_of(&app, "emc").await, before);

    // An update is held to the same rule.
    let id = before[0]["id"].as_str().unwrap();
    let mut update = minimal_achievement("attend");
    update["criteria"]["url"] = json!("https://college.example.org/criteria <draft>");
    assert_refused(&put(&app, &format!("{achievements}/{id}"), Some(&key), &update).await, "criteria.url", "update");

    // Frameworks: a competency's URL becomes an alignment's targetUrl.
    let mut fw = framework_body("other-fw");
    fw["domains"][0]["competencies"][1]["url"] = json!("https://council.example.org/c/\"com-2\"");
    assert_refused(
        &app.post("/api/v1/frameworks", Some(&key), &fw).await,
        "domains[0].competencies[1].url",
        "framework",
    );
    fw["domains"][0]["competencies"][1]["url"] = json!("https://council.example.org/c/com-2");
    fw["url"] = json!("https://council.example.org/{fw}");
    assert_refused(&app.post("/api/v1/frameworks", Some(&key), &fw).await, "url", "framework");
}

#[tokio::test]
async fn issuer_links_and_logos_signing_would_refuse_are_422() {
    let (app, key) = setup().await;
    let admin = app.admin_key.clone();
    for bad in BAD_URLS {
        let org = json!({"slug": "acme", "name": "Acme", "kind": "college", "url": bad});
        assert_refused(&app.post("/api/v1/organizations", Some(&admin), &org).await, "url", bad);
        let org = json!({"slug": "acme", "name": "Acme", "kind": "college", "logo": bad});
        assert_refused(&app.post("/api/v1/organizations", Some(&admin), &org).await, "logo", bad);
        assert_refused(&patch(&app, "/api/v1/organizations/emc", Some(&key), &json!({"url": bad})).await, "url", bad);
    }
    for logo in [
        "data:image/png;base64,iVBORw0K GgoAAAA",
        "data:image/png;base64,iVBORw0K\nGgoAAAA",
        "data:image/svg+xml;base64,<svg/>",
    ] {
        assert_refused(
            &patch(&app, "/api/v1/organizations/emc", Some(&key), &json!({"logo": logo})).await,
            "logo",
            logo,
        );
    }
    assert_eq!(organization_slugs(&app).await, vec!["emc"]);
    assert!(organization(&app, "emc").await["logo"].is_null());
    let r = app.post("/api/v1/organizations/emc/results", Some(&key), &result("ana@example.com")).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
}

#[tokio::test]
async fn data_stored_before_the_checks_that_cannot_be_signed_is_422_not_500() {
    let (app, key) = setup().await;
    // A logo stored before logos were checked: every credential carries it as an IRI.
    sqlx::query("UPDATE organizations SET logo = 'https://emc.example.org/logo final.png'")
        .execute(&app.store.pool)
        .await
        .unwrap();
    let r = app.post("/api/v1/organizations/emc/results", Some(&key), &result("ana@example.com")).await;
    r.assert_problem(422, Some("credential"));
    assert!(r.body["detail"].as_str().unwrap().contains("logo final.png"), "{}", r.text);
    let credentials: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM credentials").fetch_one(&app.store.pool).await.unwrap();
    assert_eq!(credentials, 0);
}

#[tokio::test]
async fn control_characters_are_refused_naming_the_field_never_a_500() {
    let (app, key) = setup().await;
    create_framework(&app, &key, &framework_body("supervision")).await;
    // PostgreSQL cannot store U+0000 in text: each of these answered 500 there.
    let admin = app.admin_key.clone();
    let r = app
        .post("/api/v1/organizations", Some(&admin), &json!({"slug": "acme", "name": "Ac\u{0}me", "kind": "college"}))
        .await;
    r.assert_problem(422, Some("name"));
    assert!(r.body["detail"].as_str().unwrap().contains("U+0000"), "{}", r.text);
    app.post("/api/v1/organizations/emc/api-keys", Some(&admin), &json!({"name": "k\u{0}", "role": "issuer"}))
        .await
        .assert_problem(422, Some("name"));
    let results = "/api/v1/organizations/emc/results";
    let cases = [
        ("learner.externalId", json!({"learner": {"email": "a@example.com", "externalId": "A\u{0}1"}})),
        ("learner.name", json!({"learner": {"email": "a@example.com", "name": "Ana\u{7}"}})),
        ("evidence[0].name", json!({"evidence": [{"name": "Report\u{0}"}]})),
        ("evidence[0].narrative", json!({"evidence": [{"name": "Report", "narrative": "\u{1b}[31m"}]})),
        ("source", json!({"source": "lms\u{0}"})),
        ("achievement", json!({"achievement": "att\u{0}end"})),
    ];
    for (field, change) in cases {
        let mut body = result("a@example.com");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        app.post(results, Some(&key), &body).await.assert_problem(422, Some(field));
    }
    app.post(
        "/api/v1/organizations/emc/awards",
        Some(&key),
        &json!({"achievement": "attend", "learner": {"email": "a@example.com"}, "narrative": "n\u{0}"}),
    )
    .await
    .assert_problem(422, Some("narrative"));
    let mut aligned = minimal_achievement("aligned");
    aligned["alignments"] = json!([{"framework": "super\u{0}vision", "competency": "COM-1"}]);
    app.post("/api/v1/organizations/emc/achievements", Some(&key), &aligned)
        .await
        .assert_problem(422, Some("alignments[0].framework"));
    let mut named = minimal_achievement("named");
    named["tags"] = json!(["ok", "n\u{0}"]);
    app.post("/api/v1/organizations/emc/achievements", Some(&key), &named).await.assert_problem(422, Some("tags[1]"));
    // Tabs and line breaks are text.
    let mut body = result("a@example.com");
    body["evidence"] = json!([{"name": "Report", "narrative": "Line one\r\n\tline two"}]);
    assert_eq!(app.post(results, Some(&key), &body).await.body["state"], "issued");
    // A URL that encodes U+0000 names nothing: 400, whatever it addresses.
    for path in [
        "/credentials/a%00b",
        "/api/v1/organizations/e%00mc",
        "/issuers/emc%00",
        "/api/v1/frameworks/a%00",
        "/status/e%00/revocation",
        "/credentials/x/print",
        "/verify?url=x%00",
    ] {
        let r = app.get(path, Some(&key)).await;
        if path.contains("%00") {
            r.assert_problem(400, None);
        } else {
            assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}: {}", r.text);
        }
    }
}

#[tokio::test]
async fn validity_periods_are_bounded_so_valid_until_can_be_written() {
    let (app, key) = setup().await;
    for bad in ["P99999999D", "P4000000000D", "P1201M", "P101Y", "P100Y1M"] {
        let mut body = minimal_achievement("lasting");
        body["validityPeriod"] = json!(bad);
        app.post("/api/v1/organizations/emc/achievements", Some(&key), &body)
            .await
            .assert_problem(422, Some("validityPeriod"));
    }
    let mut body = minimal_achievement("lasting");
    body["validityPeriod"] = json!("P100Y");
    create_achievement(&app, "emc", &key, &body).await;
    let mut r = result("a@example.com");
    r["achievement"] = json!("lasting");
    let issued = app.post("/api/v1/organizations/emc/results", Some(&key), &r).await;
    assert_eq!(issued.body["state"], "issued", "{}", issued.text);
}
