#![cfg(feature = "server")]
//! Input that signing would refuse is refused when it comes in: every value that becomes an
//! IRI of a credential (evidence, learner DIDs, achievements' and issuers' links and images)
//! is checked with the rule signing applies, and a refusal is a 422 naming the field, never a
//! 500 when the credential is signed.

mod api_support;
mod common;

use api_support::*;
use credence::core::did::DidKey;
use serde_json::{Value, json};

async fn setup() -> (common::TestApp, String) {
    let app = common::app().await;
    let key = app.org_with_key("emc").await;
    create_achievement(&app, "emc", &key, &minimal_achievement("attend")).await;
    (app, key)
}

fn result(email: &str) -> Value {
    json!({"achievement": "attend", "component": "session", "completed": true, "learner": {"email": email}})
}

async fn learners(app: &common::TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM learners").fetch_one(&app.store.pool).await.unwrap()
}

/// Asserts a 422 naming `field` whose reason says what is wrong with the IRI.
fn assert_refused(r: &common::Response, field: &str, bad: &str) {
    r.assert_problem(422, Some(field));
    let reason = r.body["errors"].as_array().unwrap().iter().find(|e| e["field"] == field).unwrap()["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("IRI") || reason.contains("DID"), "{bad}: {reason}");
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

    for (email, did) in [("ana@example.com", did_key.did.as_str()), ("ben@example.com", "did:web:example.com%3A8443:users:ben")] {
        let mut body = result(email);
        body["learner"]["did"] = json!(did);
        let r = app.post(results, Some(&key), &body).await;
        assert_eq!(r.body["state"], "issued", "{}", r.text);
        let id = r.body["credential"]["id"].as_str().unwrap();
        let doc = app.get(&format!("/credentials/{id}"), None).await.body;
        assert_eq!(doc["credentialSubject"]["id"], did);
    }
}
