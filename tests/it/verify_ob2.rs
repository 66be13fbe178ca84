//! Open Badges 2.0 through the service: a hosted assertion, its BadgeClass, its issuer
//! and its revocation list served over https by the test TLS server (rcgen), verified
//! through `POST /api/v1/verify` by URL, as JSON and as a baked PNG, and the `/verify`
//! page naming the standard in English and French.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::common::check;
use sha2::{Digest, Sha256};

use crate::common::{TestApp, tiny_png};
use crate::verify_fetch::{app_trusting, https_site};

const CONTEXT: &str = "https://w3id.org/openbadges/v2";
const SALT: &str = "pepper";

struct Hosted {
    app: TestApp,
    base: String,
}

impl Hosted {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn assertion(&self, path: &str) -> Value {
        let hash = hex::encode(Sha256::new().chain_update(b"ana@example.com").chain_update(SALT).finalize());
        json!({
            "@context": CONTEXT, "type": "Assertion", "id": self.url(path),
            "recipient": {"type": "email", "hashed": true, "salt": SALT, "identity": format!("sha256${hash}")},
            "badge": self.url("/badges/time"),
            "verification": {"type": "hosted"},
            "issuedOn": "2024-05-01T12:00:00+00:00",
            "evidence": "https://example.org/portfolio/ana",
        })
    }
}

/// The test TLS server with an issuer, a BadgeClass, a revocation list and two
/// assertions (/a/1 valid, /a/2 revoked), and an app that trusts its certificate.
async fn hosted() -> Hosted {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    let draft = Hosted { app: crate::common::app().await, base: base.clone() };
    let mut routes = HashMap::new();
    routes.insert(
        "/issuer".to_string(),
        json!({"@context": CONTEXT, "type": "Issuer", "id": draft.url("/issuer"), "name": "Collège Exemple",
               "url": draft.url("/"), "email": "badges@example.org", "revocationList": draft.url("/revoked")}),
    );
    routes.insert(
        "/badges/time".to_string(),
        json!({"@context": CONTEXT, "type": "BadgeClass", "id": draft.url("/badges/time"), "name": "Time Management",
               "description": "Plans and tracks work.", "image": draft.url("/badges/time.png"),
               "criteria": {"narrative": "Four modules and an assessment."}, "issuer": draft.url("/issuer")}),
    );
    routes.insert(
        "/revoked".to_string(),
        json!({"@context": CONTEXT, "type": "RevocationList", "id": draft.url("/revoked"),
               "revokedAssertions": [{"id": draft.url("/a/2"), "revocationReason": "Issued in error"}]}),
    );
    routes.insert("/a/1".to_string(), draft.assertion("/a/1"));
    routes.insert("/a/2".to_string(), draft.assertion("/a/2"));
    let cert = https_site(listener, routes).await;
    let app = app_trusting(cert).await;
    Hosted { app, base }
}

async fn verify(app: &TestApp, body: Value) -> Value {
    let r = app.post("/api/v1/verify", None, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// A PNG carrying `text` in an `openbadges` iTXt chunk, as 2.0 bakers write it.
fn baked_v2(text: &str) -> Vec<u8> {
    let png = tiny_png();
    let iend = png.len() - 12;
    let mut data = b"openbadges\0\0\0\0\0".to_vec();
    data.extend_from_slice(text.as_bytes());
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"iTXt");
    chunk.extend_from_slice(&data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(b"iTXt");
    crc.update(&data);
    chunk.extend_from_slice(&crc.finalize().to_be_bytes());
    [&png[..iend], &chunk, &png[iend..]].concat()
}

#[tokio::test]
async fn a_hosted_2_0_assertion_is_verified_by_url_as_json_and_baked() {
    let h = hosted().await;
    let by_url = verify(&h.app, json!({"url": h.url("/a/1"), "recipientEmail": "ana@example.com"})).await;
    assert_eq!(by_url["result"], "valid", "{by_url:#}");
    assert_eq!(by_url["authentic"], true);
    assert_eq!(by_url["facts"]["format"]["standard"], "open-badges-2.0");
    assert_eq!(by_url["facts"]["format"]["securing"]["kind"], "hosted");
    assert_eq!(by_url["facts"]["achievement"], "Time Management");
    assert_eq!(by_url["facts"]["issuerName"], "Collège Exemple");
    assert_eq!(check(&by_url, "hosting")["status"], "passed");
    assert_eq!(check(&by_url, "issuer")["status"], "passed");
    assert_eq!(check(&by_url, "recipient")["status"], "passed");
    assert_eq!(check(&by_url, "status")["status"], "passed");

    let as_json = verify(&h.app, json!({"credential": h.assertion("/a/1")})).await;
    assert_eq!(as_json["result"], "valid", "{as_json:#}");
    assert_eq!(check(&as_json, "hosting")["status"], "passed");
    let other = verify(&h.app, json!({"credential": h.assertion("/a/1"), "recipientEmail": "bob@example.com"})).await;
    assert_eq!(other["result"], "invalid", "{other:#}");
    assert_eq!(check(&other, "recipient")["status"], "failed");

    // A copy whose recipient was changed is not the one the issuer hosts.
    let mut tampered = h.assertion("/a/1");
    tampered["recipient"] = json!({"type": "email", "hashed": false, "identity": "mallory@example.com"});
    let report = verify(&h.app, json!({"credential": tampered})).await;
    assert_eq!(report["result"], "invalid", "{report:#}");
    assert_eq!(check(&report, "hosting")["status"], "failed");

    for text in [h.url("/a/1"), h.assertion("/a/1").to_string()] {
        let baked = baked_v2(&text);
        let r = h.app.send(Method::POST, "/api/v1/verify", None, Some(Body::from(baked)), Some("image/png")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["result"], "valid", "{}", r.text);
        assert_eq!(r.body["facts"]["format"]["standard"], "open-badges-2.0");
    }
}

#[tokio::test]
async fn revoked_missing_and_misplaced_2_0_assertions() {
    let h = hosted().await;
    let revoked = verify(&h.app, json!({"url": h.url("/a/2")})).await;
    assert_eq!(revoked["result"], "invalid", "{revoked:#}");
    let status = check(&revoked, "status");
    assert_eq!(status["status"], "failed");
    assert!(status["message"].as_str().unwrap().contains("Issued in error"), "{status}");

    // Presented as JSON, but the issuer hosts nothing at its id: cannot be confirmed.
    let gone = verify(&h.app, json!({"credential": h.assertion("/a/404")})).await;
    assert_eq!(gone["result"], "indeterminate", "{gone:#}");
    assert_eq!(check(&gone, "hosting")["status"], "error");

    // Another host's assertion claiming this issuer's BadgeClass: not on the issuer's origin.
    let mut elsewhere = h.assertion("/a/1");
    elsewhere["id"] = json!("https://elsewhere.example.com/a/1");
    let r = verify(&h.app, json!({"credential": elsewhere})).await;
    assert_ne!(r["result"], "valid", "{r:#}");
}

#[tokio::test]
async fn the_verify_page_names_open_badges_2_0_in_english_and_french() {
    let h = hosted().await;
    for (lang, words) in [("en", "Open Badges 2.0 · hosted assertion"), ("fr", "Open Badges 2.0 · assertion hébergée")]
    {
        let path = format!("/verify?lang={lang}&url={}", h.url("/a/1").replace(':', "%3A").replace('/', "%2F"));
        let request = Request::builder().uri(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
        let page = h.app.send_request(request).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains(words), "{lang}: {}", page.text);
        assert!(page.text.contains("Time Management"), "{}", page.text);
    }
}
