//! CLR 2.0 through the service: the endorsements a CLR and its credentials carry, verified as
//! credentials of their own, and the verification page listing each credential a CLR holds with
//! its name, issuer and verdict, in English and French. The fixtures are the npm Digital Bazaar
//! stack's (tests/vectors/legacy-ed25519-2020, made by tests/interop/legacy.mjs).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, check};
use crate::web_pages::{FRENCH, submit};

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

/// The list of held credentials on the page: (class, text of the item).
fn held_items(html: &str) -> Vec<(String, String)> {
    let Some(start) = html.find("id=\"held-credentials\"") else { return Vec::new() };
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    section
        .split("<li ")
        .skip(1)
        .map(|item| {
            let class = item.split("data-held=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned();
            let mut text = String::new();
            let mut in_tag = false;
            for ch in item.split_once('>').map(|(_, rest)| rest).unwrap_or("").chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            (class, text.replace("&#39;", "'").replace("&#x27;", "'").trim().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_verify_page_lists_each_held_credential_with_its_verdict_in_english_and_french() {
    let app = crate::common::app().await;
    let altered = fixture("clr-altered-nested.json").to_string();
    let page = submit(&app, &[("credential", None, altered.as_bytes())], ("accept-language", "en")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Welding Program Transcript"), "the CLR's own name: {}", page.text);
    assert!(page.text.contains("Example College"));
    assert!(page.text.contains("Credentials in this record"), "{}", page.text);
    let items = held_items(&page.text);
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].0, "valid");
    assert!(items[0].1.starts_with("Welding Safety — by Example College — valid"), "{items:?}");
    assert_eq!(items[1].0, "invalid");
    // The altered credential's achievement name is what it now claims; the reason is the signature.
    assert!(
        items[1].1.starts_with("Advanced Blueprint Reading — by Example College — not valid: Signature (1): "),
        "{items:?}"
    );
    // Nested checks are named by their path.
    assert!(page.text.contains("Credential held (2) › Signature (1)"), "{}", page.text);

    let page = submit(&app, &[("credential", None, altered.as_bytes())], FRENCH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Attestations contenues dans ce relevé"), "{}", page.text);
    let items = held_items(&page.text);
    assert!(items[0].1.starts_with("Welding Safety — par Example College — valide"), "{items:?}");
    assert!(items[1].1.contains("— non valide\u{202f}: Signature (1)\u{202f}: "), "{items:?}");
    assert!(page.text.contains("lang=\"en\">signature invalid"), "English details are marked: {}", page.text);

    // Every credential valid: each is listed as such, and an endorsement check is named by its path.
    let endorsed = fixture("clr-endorsed.json").to_string();
    let page = submit(&app, &[("credential", None, endorsed.as_bytes())], ("accept-language", "en")).await;
    assert!(page.text.contains("class=\"status valid\""), "{}", page.text);
    let items = held_items(&page.text);
    let names: Vec<&str> = items
        .iter()
        .map(|(class, text)| {
            assert_eq!(class, "valid", "{text}");
            text.split(" — ").next().unwrap()
        })
        .collect();
    assert_eq!(names, ["Welding Safety", "Pipe Welding"]);
    assert!(
        page.text.contains("Credential held (2) › Achievement › Endorsement (1) › Validity dates"),
        "{}",
        page.text
    );
}
