//! Status lists without a ceiling: with lists of 16 indexes, issuing goes on into new
//! lists (never a 5xx for capacity), every list is served and signed under its own
//! URL, and a credential's status is read from the list it names. Runs on SQLite, and
//! on PostgreSQL with `CREDENCE_TEST_DATABASE_URL` (two instances allocating at once
//! are in `multi_instance`).

use std::collections::{BTreeSet, HashSet};

use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use crate::api_support::{create_achievement, minimal_achievement};
use crate::common::{PUBLIC_URL, TestApp, app_with, check};

const LENGTH: u64 = 16;

async fn small_lists() -> TestApp {
    app_with(|mut state| {
        state.store = state.store.with_status_list_length(LENGTH);
        state
    })
    .await
}

/// Issues the minimal achievement to `n` new learners; each credential's id and document.
async fn issue(app: &TestApp, key: &str, n: usize) -> Vec<(String, Value)> {
    let mut issued = Vec::new();
    for i in 0..n {
        let r = app
            .post(
                "/api/v1/organizations/roll/results",
                Some(key),
                &json!({"achievement": "badge", "component": "session", "completed": true,
                        "learner": {"email": format!("learner{i}@example.org")}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "learner {i}: {}", r.text);
        assert_eq!(r.body["state"], "issued", "{}", r.text);
        let id = r.body["credential"]["id"].as_str().expect("credential id").to_string();
        let doc = app.get(&format!("/credentials/{id}"), None).await.body;
        issued.push((id, doc));
    }
    issued
}

/// Each status entry of a document: (list URL, purpose, index).
fn entries(doc: &Value) -> Vec<(String, String, u64)> {
    doc["credentialStatus"]
        .as_array()
        .expect("credentialStatus")
        .iter()
        .map(|s| {
            (
                s["statusListCredential"].as_str().expect("list").to_string(),
                s["statusPurpose"].as_str().expect("purpose").to_string(),
                s["statusListIndex"].as_str().expect("index").parse().expect("numeric index"),
            )
        })
        .collect()
}

fn path_of(url: &str) -> &str {
    url.strip_prefix(PUBLIC_URL).expect("a list of this service")
}

#[tokio::test]
async fn full_lists_roll_over_and_every_list_is_served_signed() {
    let app = small_lists().await;
    let key = app.org_with_key("roll").await;
    create_achievement(&app, "roll", &key, &minimal_achievement("badge")).await;
    // 60 credentials cannot fit in one list of 16 per purpose.
    let issued = issue(&app, &key, 60).await;

    let mut seen = HashSet::new();
    let mut lists = BTreeSet::new();
    for (id, doc) in &issued {
        for (list, purpose, index) in entries(doc) {
            assert!(index < LENGTH, "{id}: index {index} is outside a list of {LENGTH}");
            assert!(seen.insert((list.clone(), index)), "{list} index {index} was handed out twice");
            let expected_prefix = format!("{PUBLIC_URL}/status/roll/{purpose}");
            assert!(list.starts_with(&expected_prefix), "{list}");
            lists.insert(list);
        }
    }
    // At least 4 lists per purpose (60 / 16), more when lists are taken as full early.
    assert!(lists.len() >= 8, "{lists:?}");
    assert!(lists.contains(&format!("{PUBLIC_URL}/status/roll/revocation")), "list 0 keeps its URL");
    assert!(lists.contains(&format!("{PUBLIC_URL}/status/roll/revocation/1")), "{lists:?}");
    for list in &lists {
        let r = app.get(path_of(list), None).await;
        assert_eq!(r.status, StatusCode::OK, "{list}: {}", r.text);
        assert_eq!(r.body["id"], list.as_str());
        assert!(r.body["type"].as_array().unwrap().iter().any(|t| t == "BitstringStatusListCredential"));
        assert!(r.body["proof"].is_object(), "{list} is signed");
        // Served at the specification's minimum size, whatever the indexes per list.
        let report = app.post("/api/v1/verify", None, &json!({"credential": r.body})).await;
        assert_eq!(report.body["result"], "valid", "{list}: {}", report.text);
    }

    // Every credential verifies, its status read from the list it names.
    for (id, _) in issued.iter().step_by(7) {
        let r = app.post("/api/v1/verify", None, &json!({"id": id})).await;
        assert_eq!(r.body["result"], "valid", "{id}: {}", r.text);
    }
}

#[tokio::test]
async fn revoking_a_credential_in_a_later_list_changes_that_list_only() {
    let app = small_lists().await;
    let key = app.org_with_key("roll").await;
    create_achievement(&app, "roll", &key, &minimal_achievement("badge")).await;
    let issued = issue(&app, &key, 40).await;
    let (id, doc) = issued
        .iter()
        .find(|(_, doc)| entries(doc).iter().any(|(list, purpose, _)| purpose == "revocation" && list.ends_with("/1")))
        .expect("a credential in revocation list 1");
    let (later, _, index) =
        entries(doc).into_iter().find(|(_, purpose, _)| purpose == "revocation").expect("revocation entry");
    let first = format!("{PUBLIC_URL}/status/roll/revocation");
    let etag = |r: &crate::common::Response| r.headers.get(header::ETAG).unwrap().to_str().unwrap().to_string();
    let first_before = etag(&app.get(path_of(&first), None).await);
    let later_before = etag(&app.get(path_of(&later), None).await);

    let r = app
        .post(&format!("/api/v1/organizations/roll/credentials/{id}/revoke"), Some(&key), &json!({"reason": "error"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let after = app.get(path_of(&later), None).await;
    assert_ne!(etag(&after), later_before, "the list holding the credential changed");
    assert_eq!(etag(&app.get(path_of(&first), None).await), first_before, "list 0 did not change");
    let bits = credence_core::status_list::Bitstring::decode(
        after.body["credentialSubject"]["encodedList"].as_str().unwrap(),
        1 << 20,
    )
    .unwrap();
    assert!(bits.get(index).unwrap(), "bit {index} of {later} is set");
    assert_eq!(bits.count_set(), 1);

    let r = app.post("/api/v1/verify", None, &json!({"credential": doc})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    assert_eq!(check(&r.body, "status[0]")["status"], "failed", "{}", r.text);
    // A credential beside it in the same list stays valid.
    let (other, _) = issued
        .iter()
        .find(|(other, d)| other != id && entries(d).iter().any(|(list, _, _)| *list == later))
        .expect("another credential in that list");
    let r = app.post("/api/v1/verify", None, &json!({"id": other})).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
}

#[tokio::test]
async fn lists_not_opened_and_other_spellings_are_not_found() {
    let app = small_lists().await;
    let key = app.org_with_key("roll").await;
    create_achievement(&app, "roll", &key, &minimal_achievement("badge")).await;
    issue(&app, &key, 1).await;
    assert_eq!(app.get("/status/roll/revocation", None).await.status, StatusCode::OK);
    for path in [
        "/status/roll/revocation/1",
        "/status/roll/revocation/0",
        "/status/roll/revocation/01",
        "/status/roll/revocation/-1",
        "/status/roll/revocation/+1",
        "/status/roll/revocation/x",
        "/status/roll/revocation/99999999999999999999999",
        "/status/roll/other/1",
        "/status/nobody/revocation/1",
    ] {
        let r = app.get(path, None).await;
        r.assert_problem(404, None);
    }
}
