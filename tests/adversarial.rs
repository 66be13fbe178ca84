#![cfg(feature = "server")]
//! The adversarial corpus: tampered, forged and hostile credentials, each with the
//! report it must get from `POST /api/v1/verify`.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use credence::core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
use serde_json::{Value, json};

fn check_status(report: &Value, name: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| format!("<no {name} check>"))
}

fn failed_checks(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "failed" || c["status"] == "error")
        .map(|c| c["check"].as_str().unwrap().to_string())
        .collect()
}

/// Each case: a name, the credential as presented, and the check that must fail.
fn tampered_cases(doc: &Value) -> Vec<(&'static str, Value, &'static str)> {
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        d
    };
    vec![
        ("changed name", edit(&|d| d["name"] = json!("Advanced Numeracy")), "proof[0]"),
        ("changed achievement name", edit(&|d| d["credentialSubject"]["achievement"]["name"] = json!("Pilot licence")), "proof[0]"),
        ("changed result", edit(&|d| d["credentialSubject"]["result"][0]["value"] = json!("100")), "proof[0]"),
        ("changed evidence", edit(&|d| d["evidence"][0]["name"] = json!("Forged report")), "proof[0]"),
        ("changed evidence digest", edit(&|d| d["evidence"][0]["digestMultibase"] = json!("zQmYtUc4iTCbbfVSDNKvtQqrfyezPPnFvE33wFmutw9PBBk")), "proof[0]"),
        ("later validUntil", edit(&|d| d["validUntil"] = json!("2099-12-31T00:00:00Z")), "proof[0]"),
        ("earlier validFrom", edit(&|d| d["validFrom"] = json!("2001-01-01T00:00:00Z")), "proof[0]"),
        ("changed issuer", edit(&|d| d["issuer"]["id"] = json!(format!("{}/issuers/emc", common::PUBLIC_URL))), "proof[0]"),
        ("changed recipient hash", edit(&|d| d["credentialSubject"]["identifier"][0]["identityHash"] = json!(format!("sha256${}", "0".repeat(64)))), "proof[0]"),
        ("context order swapped", edit(&|d| {
            let ctx = d["@context"].as_array().unwrap().clone();
            d["@context"] = json!([ctx[1], ctx[0]]);
        }), "structure"),
        ("unknown context added", edit(&|d| d["@context"].as_array_mut().unwrap().push(json!("https://evil.example/context.jsonld"))), "contexts"),
        ("proofValue altered", edit(&|d| {
            let pv = d["proof"]["proofValue"].as_str().unwrap().to_string();
            let mut chars: Vec<char> = pv.chars().collect();
            chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
            d["proof"]["proofValue"] = json!(chars.into_iter().collect::<String>());
        }), "proof[0]"),
        ("proof created changed", edit(&|d| d["proof"]["created"] = json!("2020-01-01T00:00:00Z")), "proof[0]"),
        ("unknown cryptosuite", edit(&|d| d["proof"]["cryptosuite"] = json!("eddsa-2099")), "proof[0]"),
        ("status entry pointed at a forged list", edit(&|d| d["credentialStatus"][0]["statusListCredential"] = json!("https://evil.example/status/1")), "proof[0]"),
        ("proof removed", edit(&|d| { d.as_object_mut().unwrap().remove("proof"); }), "proof[0]"),
    ]
}

#[tokio::test]
async fn tampered_credentials_are_invalid_with_the_failing_check_named() {
    let t = common::issued().await;
    let original = t.app.post("/api/v1/verify", None, &json!({"credential": t.doc})).await;
    assert_eq!(original.body["result"], "valid", "{}", original.text);
    for (name, doc, must_fail) in tampered_cases(&t.doc) {
        let r = t.app.post("/api/v1/verify", None, &json!({"credential": doc})).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text);
        assert_eq!(r.body["result"], "invalid", "{name}: {}", r.text);
        assert!(failed_checks(&r.body).contains(&must_fail.to_string()), "{name}: expected {must_fail} to fail: {}", r.text);
    }
}

#[tokio::test]
async fn keys_that_are_not_the_issuers_are_refused() {
    let t = common::issued().await;
    let mut unsigned = t.doc.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    // Signed with another registered issuer's real key, naming that key.
    let emc = t.app.store.organization_by_slug("emc").await.unwrap().unwrap();
    let emc_key = t.app.store.current_signing_key(&emc.id, &t.app.master_key).await.unwrap();
    let vm = format!("{}#{}", emc.profile_url, emc_key.info.public_key_multibase);
    let forged = add_proof(&unsigned, emc_key.key.signing_key(), &ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm)).unwrap();
    let r = t.app.post("/api/v1/verify", None, &json!({"credential": forged})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    assert_eq!(check_status(&r.body, "proof[0]"), "passed");
    assert_eq!(check_status(&r.body, "issuer[0]"), "failed");
    // Signed with a did:key that is not the issuer's.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[77u8; 32]);
    let mk = credence::core::multibase::encode_ed25519_public(&stranger.verifying_key().to_bytes());
    let forged = add_proof(&unsigned, &stranger, &ProofOptions::new(Cryptosuite::EddsaRdfc2022, format!("did:key:{mk}#{mk}"))).unwrap();
    let r = t.app.post("/api/v1/verify", None, &json!({"credential": forged})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    assert_eq!(check_status(&r.body, "issuer[0]"), "failed");
    // Naming the issuer's key URL but signed with another key.
    let ccaa = t.app.store.organization_by_slug("ccaa").await.unwrap().unwrap();
    let ccaa_key = t.app.store.current_signing_key(&ccaa.id, &t.app.master_key).await.unwrap();
    let vm = format!("{}#{}", ccaa.profile_url, ccaa_key.info.public_key_multibase);
    let forged = add_proof(&unsigned, &stranger, &ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm)).unwrap();
    let r = t.app.post("/api/v1/verify", None, &json!({"credential": forged})).await;
    assert_eq!(check_status(&r.body, "proof[0]"), "failed", "{}", r.text);
}

#[tokio::test]
async fn revoked_expired_and_alg_none_credentials() {
    let t = common::issued().await;
    t.app.post(&format!("/api/v1/organizations/ccaa/credentials/{}/revoke", t.id), Some(&t.key), &json!({"reason": "fraud"})).await;
    let r = t.app.post("/api/v1/verify", None, &json!({"credential": t.doc})).await;
    assert_eq!(r.body["result"], "invalid");
    assert_eq!(check_status(&r.body, "status[0]"), "failed");
    let r = t.app.post("/api/v1/verify", None, &json!({"credential": t.doc, "asOf": "2100-01-01T00:00:00Z"})).await;
    assert_eq!(check_status(&r.body, "validity"), "failed");
    use base64::Engine;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let mut claims = t.doc.clone();
    claims.as_object_mut().unwrap().remove("proof");
    let token = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims));
    let r = t.app.post("/api/v1/verify", None, &json!({"credential": token})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
}

/// The W3C "poison graph" (rdf-canon test074: ten blank nodes all linked to each
/// other) inside a credential: canonicalization stops at its work bound.
fn poison_credential(doc: &Value) -> Value {
    let nodes: Vec<Value> = (0..10)
        .map(|i| json!({"@id": format!("_:e{i}"), "http://example.com/p": (0..10).map(|j| json!({"@id": format!("_:e{j}")})).collect::<Vec<_>>()}))
        .collect();
    let mut d = doc.clone();
    d["credentialSubject"]["http://example.com/graph"] = Value::Array(nodes);
    d
}

#[tokio::test]
async fn a_poison_graph_ends_in_bounded_time_with_an_error() {
    let t = common::issued().await;
    let started = Instant::now();
    let r = t.app.post("/api/v1/verify", None, &json!({"credential": poison_credential(&t.doc)})).await;
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    let message = r.body["checks"].as_array().unwrap().iter().find(|c| c["check"] == "proof[0]").unwrap()["message"].as_str().unwrap().to_string();
    assert!(message.contains("canonicalization") || message.contains("work"), "{message}");
}

#[tokio::test]
async fn hostile_bytes_and_addresses_are_refused() {
    let app = common::app().await;
    let post = |ct: &'static str, body: Vec<u8>| {
        let app = &app;
        async move { app.send(axum::http::Method::POST, "/api/v1/verify", None, Some(axum::body::Body::from(body)), Some(ct)).await }
    };
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    post("image/png", garbage.clone()).await.assert_problem(422, Some("file"));
    post("image/svg+xml", garbage).await.assert_problem(400, Some("body"));
    let mut png = credence::core::baking::PNG_SIGNATURE.to_vec();
    png.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0]);
    post("image/png", png).await.assert_problem(422, Some("file"));
    let bomb = "<!DOCTYPE svg [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&b;</svg>";
    post("image/svg+xml", bomb.as_bytes().to_vec()).await.assert_problem(422, Some("file"));
    for url in ["http://127.0.0.1:8080/credentials/x", "http://10.0.0.5/credentials/x", "http://169.254.169.254/latest/meta-data", "file:///etc/passwd"] {
        app.post("/api/v1/verify", None, &json!({"url": url})).await.assert_problem(422, Some("url"));
    }
    // Deeper than the verifier's limit (64) but within JSON parsing: a report saying so.
    let deep = (0..100).fold(json!("x"), |acc, _| json!([acc]));
    let r = app.post("/api/v1/verify", None, &json!({"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "deep": deep}})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    assert_eq!(check_status(&r.body, "format"), "failed");
    // Deeper than the JSON parser takes: a 4xx naming where.
    let deeper = (0..200).fold(json!("x"), |acc, _| json!([acc]));
    app.post("/api/v1/verify", None, &json!({"credential": {"deep": deeper}})).await.assert_problem(422, None);
    let huge = "x".repeat(2 * 1024 * 1024);
    app.post("/api/v1/verify", None, &json!({"credential": {"name": huge}})).await.assert_problem(413, None);
}
