//! CLR 2.0 through the service: the endorsements a CLR and its credentials carry, verified as
//! credentials of their own. The fixtures are the npm Digital Bazaar
//! stack's (tests/vectors/legacy-ed25519-2020, made by tests/interop/legacy.mjs).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, check};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/vectors/legacy-ed25519-2020/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

async fn verify(app: &TestApp, body: Value) -> Value {
    let r = app.post("/api/v1/verify", None, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

#[tokio::test]
async fn a_clrs_endorsements_are_verified_and_reported_each_on_its_own() {
    let app = crate::common::app().await;
    let r = verify(&app, json!({"credential": fixture("clr-endorsed.json")})).await;
    assert_eq!(r["result"], "valid", "{r:#}");
    for name in ["endorsement[0]", "credential[1].achievement.endorsement[0]"] {
        assert_eq!(check(&r, name)["status"], "passed");
        for part in ["proof[0]", "issuer[0]", "validity", "status"] {
            assert_eq!(check(&r, &format!("{name}.{part}"))["status"], "passed", "{name}.{part}");
        }
    }

    let r = verify(&app, json!({"credential": fixture("clr-endorsement-altered.json")})).await;
    assert_eq!(r["result"], "invalid", "{r:#}");
    assert_eq!(check(&r, "proof[0]")["status"], "passed");
    assert_eq!(check(&r, "endorsement[0].proof[0]")["status"], "failed");

    let r = verify(&app, json!({"credential": fixture("clr-endorsement-other-key.json")})).await;
    assert_eq!(r["result"], "invalid", "{r:#}");
    assert_eq!(check(&r, "endorsement[0].issuer[0]")["status"], "failed");

    // An endorsement's own validity window, at two dates.
    let expired = fixture("clr-endorsement-expired.json");
    let r = verify(&app, json!({"credential": expired})).await;
    assert_eq!(r["result"], "invalid", "{r:#}");
    assert_eq!(check(&r, "endorsement[0].validity")["message"], "expired on 2025-01-01T00:00:00Z");
    let r = verify(&app, json!({"credential": expired, "asOf": "2024-06-01T00:00:00Z"})).await;
    assert_eq!(r["result"], "valid", "{r:#}");
}

#[tokio::test]
async fn an_endorsements_status_list_on_this_service_is_not_believed() {
    // The endorsement names a list on this service, which publishes none for its endorser: the
    // entry cannot be answered, so the endorsement (and the CLR) cannot be confirmed.
    let app = crate::common::app().await;
    let mut doc = fixture("clr-endorsed.json");
    doc["endorsement"][0]["credentialStatus"] = json!({"id": format!("{}/status/1#3", crate::common::PUBLIC_URL),
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "3",
        "statusListCredential": format!("{}/status/1", crate::common::PUBLIC_URL)});
    let r = verify(&app, json!({"credential": doc})).await;
    assert_ne!(r["result"], "valid", "{r:#}");
    assert_ne!(check(&r, "endorsement[0].status[0]")["status"], "passed", "{r:#}");
}
