//! The public verification endpoint and the W3C VC API endpoints.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use credence_core::baking::{self, BakedCredential};
use serde_json::{Value, json};

use crate::common::check;

use crate::common::{EVIDENCE, issued, tiny_png};

async fn verify_json(app: &crate::common::TestApp, body: &Value) -> crate::common::Response {
    app.post("/api/v1/verify", None, body).await
}

#[tokio::test]
async fn our_credential_verifies_in_every_form_with_the_facts_an_employer_reads() {
    let t = issued().await;
    for body in [
        json!({"credential": t.doc}),
        json!({"id": t.id}),
        json!({"url": format!("{}/credentials/{}", crate::common::PUBLIC_URL, t.id)}),
        t.doc.clone(),
    ] {
        let r = verify_json(&t.app, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["result"], "valid", "{}", r.text);
        assert_eq!(check(&r.body, "registry")["status"], "passed");
        assert_eq!(check(&r.body, "status[0]")["message"], "not revoked");
        assert_eq!(r.body["facts"]["achievement"], "Numeracy for Aviation and Aerospace");
        assert_eq!(r.body["facts"]["registeredIssuer"], "Canadian Council for Aviation and Aerospace");
        assert_eq!(r.body["facts"]["results"][0]["value"], "88");
        assert!(r.body["facts"]["evidence"][0]["digestMultibase"].is_string());
        assert!(!r.text.contains("nadia@example.com"));
    }
    // Baked PNG, raw and as a multipart upload; baked SVG.
    let baked = baking::bake_png(&tiny_png(), &BakedCredential::Json(t.doc.to_string())).unwrap();
    let raw = t
        .app
        .send(axum::http::Method::POST, "/api/v1/verify", None, Some(Body::from(baked.clone())), Some("image/png"))
        .await;
    assert_eq!(raw.body["result"], "valid", "{}", raw.text);
    let boundary = "XyZ123";
    let mut form = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"badge.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
    form.extend_from_slice(&baked);
    form.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"recipientEmail\"\r\n\r\nNadia@Example.com\r\n--{boundary}--\r\n").as_bytes());
    let multi = t
        .app
        .send(
            axum::http::Method::POST,
            "/api/v1/verify",
            None,
            Some(Body::from(form)),
            Some(&format!("multipart/form-data; boundary={boundary}")),
        )
        .await;
    assert_eq!(multi.body["result"], "valid", "{}", multi.text);
    assert_eq!(check(&multi.body, "recipient")["status"], "passed");
    // The evidence file an employer received, checked against the credential's digest.
    let evidence_form = |content: &[u8]| {
        let mut form = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"credential\"\r\nContent-Type: application/json\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"report.pdf\"\r\n\r\n", t.doc).into_bytes();
        form.extend_from_slice(content);
        form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        form
    };
    let same = t
        .app
        .send(
            axum::http::Method::POST,
            "/api/v1/verify",
            None,
            Some(Body::from(evidence_form(EVIDENCE))),
            Some(&format!("multipart/form-data; boundary={boundary}")),
        )
        .await;
    assert_eq!(check(&same.body, "evidence")["status"], "passed", "{}", same.text);
    assert_eq!(same.body["result"], "valid");
    let altered = t
        .app
        .send(
            axum::http::Method::POST,
            "/api/v1/verify",
            None,
            Some(Body::from(evidence_form(b"altered report"))),
            Some(&format!("multipart/form-data; boundary={boundary}")),
        )
        .await;
    assert_eq!(altered.body["result"], "invalid", "{}", altered.text);
    assert_eq!(check(&altered.body, "evidence")["status"], "failed");
    let svg = baking::bake_svg(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"></svg>",
        &BakedCredential::Json(t.doc.to_string()),
    )
    .unwrap();
    let svg_r = t
        .app
        .send(axum::http::Method::POST, "/api/v1/verify", None, Some(Body::from(svg)), Some("image/svg+xml"))
        .await;
    assert_eq!(svg_r.body["result"], "valid", "{}", svg_r.text);
}

#[tokio::test]
async fn recipient_revocation_suspension_expiry_and_tampering_are_reported() {
    let t = issued().await;
    let wrong = verify_json(&t.app, &json!({"id": t.id, "recipientEmail": "someone@example.com"})).await;
    assert_eq!(wrong.body["result"], "invalid");
    assert_eq!(check(&wrong.body, "recipient")["status"], "failed");

    let expired = verify_json(&t.app, &json!({"id": t.id, "asOf": "2099-01-01T00:00:00Z"})).await;
    assert_eq!(expired.body["result"], "invalid", "{}", expired.text);
    assert!(check(&expired.body, "validity")["message"].as_str().unwrap().starts_with("expired"));

    let mut tampered = t.doc.clone();
    tampered["credentialSubject"]["result"][0]["value"] = json!("99");
    let r = verify_json(&t.app, &json!({"credential": tampered})).await;
    assert_eq!(r.body["result"], "invalid");
    assert_eq!(check(&r.body, "proof[0]")["status"], "failed");

    let s =
        t.app.post(&format!("/api/v1/organizations/ccaa/credentials/{}/suspend", t.id), Some(&t.key), &json!({})).await;
    assert_eq!(s.status, StatusCode::OK);
    let r = verify_json(&t.app, &json!({"id": t.id})).await;
    assert_eq!(r.body["result"], "invalid");
    assert_eq!(check(&r.body, "status[1]")["message"], "suspended by the issuer");

    t.app
        .post(
            &format!("/api/v1/organizations/ccaa/credentials/{}/revoke", t.id),
            Some(&t.key),
            &json!({"reason": "error"}),
        )
        .await;
    let r = verify_json(&t.app, &json!({"credential": t.doc})).await;
    assert_eq!(r.body["result"], "invalid");
    assert_eq!(check(&r.body, "status[0]")["message"], "revoked by the issuer");
}

#[tokio::test]
async fn unknown_status_lists_and_unregistered_issuers_are_not_called_valid() {
    let app = crate::common::app().await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let mk = credence_core::multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    let did = format!("did:key:{mk}");
    let mut doc: Value = serde_json::from_str(include_str!("../vectors/rich-credential.json")).unwrap();
    doc.as_object_mut().unwrap().remove("proof");
    doc.as_object_mut().unwrap().remove("credentialStatus");
    doc["issuer"] = json!({"id": did, "type": ["Profile"], "name": "Elsewhere"});
    let options = credence_core::data_integrity::ProofOptions::new(
        credence_core::data_integrity::Cryptosuite::EddsaRdfc2022,
        format!("{did}#{mk}"),
    );
    let signed = credence_core::data_integrity::add_proof(&doc, &key, &options).unwrap();
    let r = verify_json(&app, &json!({"credential": signed})).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
    assert_eq!(check(&r.body, "registry")["status"], "skipped");
    assert!(check(&r.body, "registry")["message"].as_str().unwrap().contains("not registered"));

    let mut with_status = doc.clone();
    with_status["credentialStatus"] = json!({"id": "https://elsewhere.example/status/1#5", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "5", "statusListCredential": "https://elsewhere.example/status/1"});
    let signed = credence_core::data_integrity::add_proof(&with_status, &key, &options).unwrap();
    let r = verify_json(&app, &json!({"credential": signed})).await;
    assert_eq!(r.body["result"], "indeterminate", "{}", r.text);
    assert_eq!(check(&r.body, "status[0]")["status"], "error");
}

#[tokio::test]
async fn bad_input_gets_a_precise_4xx() {
    let app = crate::common::app().await;
    let send = |ct: &'static str, body: Vec<u8>| {
        let app = &app;
        async move { app.send(axum::http::Method::POST, "/api/v1/verify", None, Some(Body::from(body)), Some(ct)).await }
    };
    send("image/png", b"not a png at all".to_vec()).await.assert_problem(422, Some("file"));
    let mut truncated = tiny_png();
    truncated.truncate(20);
    send("image/png", truncated).await.assert_problem(422, Some("file"));
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&x;</svg>";
    send("image/svg+xml", xxe.as_bytes().to_vec()).await.assert_problem(422, Some("file"));
    send("application/xml", b"<x/>".to_vec()).await.assert_problem(415, None);
    verify_json(&app, &json!({"url": "https://x", "id": "y"})).await.assert_problem(422, Some("credential"));
    verify_json(&app, &json!({"id": "no-such-credential"})).await.assert_problem(422, Some("id"));
    verify_json(&app, &json!({"url": "http://127.0.0.1/credentials/1"})).await.assert_problem(422, Some("url"));
    verify_json(&app, &json!({"credential": 5})).await.assert_problem(422, Some("credential"));
    // A string is a credential only as a compact VC-JWT: not a JSON document put in a string.
    let stringified = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]});
    verify_json(&app, &json!({"credential": stringified.to_string()})).await.assert_problem(422, Some("credential"));
    app.post("/credentials/verify", None, &json!({"verifiableCredential": stringified.to_string()}))
        .await
        .assert_problem(422, Some("verifiableCredential"));
    verify_json(&app, &json!({"id": "x", "asOf": "tomorrow"})).await.assert_problem(422, Some("asOf"));
    // Garbage JSON credentials give a report, not an error.
    let r = verify_json(&app, &json!({"credential": {"hello": "world"}})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    let r = app
        .send(
            axum::http::Method::POST,
            "/api/v1/verify",
            None,
            Some(Body::from("eyJhbGciOiJub25lIn0.e30.")),
            Some("application/jwt"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["result"], "invalid");
}

#[tokio::test]
async fn vc_api_issues_and_verifies() {
    let t = issued().await;
    let ok = t.app.post("/credentials/verify", None, &json!({"verifiableCredential": t.doc, "options": {}})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["verified"], true);
    let mut bad = t.doc.clone();
    bad["name"] = json!("changed");
    t.app
        .post("/credentials/verify", None, &json!({"verifiableCredential": bad}))
        .await
        .assert_problem(422, Some("proof[0]"));

    let issuer = t.app.key_for("ccaa", "issuer").await;
    for (context, date_field) in [
        ("https://www.w3.org/ns/credentials/v2", "validFrom"),
        ("https://www.w3.org/2018/credentials/v1", "issuanceDate"),
    ] {
        let mut credential = json!({
            "@context": [context, "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:123", "name": "Alice"}
        });
        credential[date_field] = json!("2026-01-01T00:00:00Z");
        // The VC API requires the issuer: the organization's own identifier.
        t.app
            .post("/credentials/issue", Some(&issuer), &json!({"credential": credential.clone()}))
            .await
            .assert_problem(422, Some("credential.issuer"));
        credential["issuer"] = json!(format!("{}/issuers/ccaa", crate::common::PUBLIC_URL));
        let r =
            t.app.post("/credentials/issue", Some(&issuer), &json!({"credential": credential, "options": {}})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let vc = &r.body["verifiableCredential"];
        assert_eq!(vc["issuer"], format!("{}/issuers/ccaa", crate::common::PUBLIC_URL));
        let outcomes = credence_core::data_integrity::verify_proofs(vc, &{
            let mut m = credence_core::data_integrity::MapResolver::new();
            let profile = t.app.get("/issuers/ccaa", None).await.body;
            let vm = vc["proof"]["verificationMethod"].as_str().unwrap();
            let mk = profile["verificationMethod"][0]["publicKeyMultibase"].as_str().unwrap();
            m.insert_multikey(vm, mk).unwrap();
            m
        });
        assert!(credence_core::data_integrity::all_verified(&outcomes), "{outcomes:?}");
    }
    let foreign = json!({"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
        "issuer": "did:example:someone-else", "credentialSubject": {"id": "did:example:1"}}});
    t.app.post("/credentials/issue", Some(&issuer), &foreign).await.assert_problem(422, Some("credential.issuer"));
    t.app.post("/credentials/issue", None, &foreign).await.assert_problem(401, None);

    let _ = Request::<Body>::default();
}

/// A presentation of `credentials` by a did:key holder, signed for authentication.
fn signed_presentation(credentials: &[Value], seed: u8, purpose: &str, challenge: Option<&str>) -> Value {
    signed_presentation_with(
        credence_core::data_integrity::Cryptosuite::EddsaRdfc2022,
        credentials,
        seed,
        purpose,
        challenge,
    )
}

/// [`signed_presentation`] with `suite`: eddsa-jcs-2022 signs presentations whose credentials
/// are near copies of each other, which RDF canonicalization cannot tell apart within its budget.
fn signed_presentation_with(
    suite: credence_core::data_integrity::Cryptosuite,
    credentials: &[Value],
    seed: u8,
    purpose: &str,
    challenge: Option<&str>,
) -> Value {
    use credence_core::data_integrity::{ProofOptions, add_proof};
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let holder = credence_core::did::DidKey::from_public_key(&key.verifying_key().to_bytes());
    let vp = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
        "holder": holder.did, "verifiableCredential": credentials});
    let mut options = ProofOptions::new(suite, holder.verification_method_id());
    options.proof_purpose = purpose.to_string();
    options.challenge = challenge.map(str::to_string);
    add_proof(&vp, &key, &options).unwrap()
}

#[tokio::test]
async fn presentations_verify_only_with_a_holders_proof_and_valid_credentials() {
    let t = issued().await;
    let verify = |vp: Value, options: Value| {
        let app = &t.app;
        async move {
            app.post("/presentations/verify", None, &json!({"verifiablePresentation": vp, "options": options})).await
        }
    };
    let good = signed_presentation(std::slice::from_ref(&t.doc), 5, "authentication", Some("c-123"));
    let r = verify(good.clone(), json!({"challenge": "c-123"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["verified"], true);
    let checks: Vec<&str> = r.body["checks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(checks, vec!["@context", "proof.challenge", "proof[0]", "holder[0]", "verifiableCredential[0]"]);

    // Never verified without a proof, even with valid credentials, nor with nothing at all.
    let mut unsigned = good.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    verify(unsigned.clone(), json!({})).await.assert_problem(422, Some("proof"));
    let empty = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]});
    let r = verify(empty, json!({})).await;
    assert_ne!(r.body["verified"], true, "{}", r.text);
    r.assert_problem(422, Some("proof"));
    // A failing proof: the presentation was altered after signing.
    let mut altered = good.clone();
    altered["holder"] = json!("did:example:someone");
    let r = verify(altered, json!({"challenge": "c-123"})).await;
    r.assert_problem(422, Some("proof[0]"));
    // Signed, but by a key that is not the holder's.
    let mut claimed = signed_presentation(std::slice::from_ref(&t.doc), 6, "authentication", None);
    let other = credence_core::did::DidKey::from_public_key(
        &ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]).verifying_key().to_bytes(),
    );
    claimed["holder"] = json!(other.did);
    let mut unsigned_claim = claimed.clone();
    unsigned_claim.as_object_mut().unwrap().remove("proof");
    let resigned = {
        use credence_core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
        let key = ed25519_dalek::SigningKey::from_bytes(&[6u8; 32]);
        let vm = credence_core::did::DidKey::from_public_key(&key.verifying_key().to_bytes()).verification_method_id();
        let mut options = ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm);
        options.proof_purpose = "authentication".into();
        add_proof(&unsigned_claim, &key, &options).unwrap()
    };
    verify(resigned, json!({})).await.assert_problem(422, Some("holder[0]"));
    // The wrong purpose, the wrong challenge, the wrong first context.
    verify(signed_presentation(&[], 5, "assertionMethod", None), json!({})).await.assert_problem(422, Some("proof[0]"));
    verify(good.clone(), json!({"challenge": "another"})).await.assert_problem(422, Some("proof.challenge"));
    let mut wrong_context = good.clone();
    wrong_context["@context"] =
        json!(["https://www.w3.org/ns/credentials/examples/v2", "https://www.w3.org/ns/credentials/v2"]);
    let r = verify(wrong_context, json!({"challenge": "c-123"})).await;
    assert_ne!(r.body["verified"], true, "{}", r.text);
    r.assert_problem(422, Some("@context"));
    // A valid holder's proof does not make an altered credential inside it valid.
    let mut bad = t.doc.clone();
    bad["name"] = json!("changed");
    verify(signed_presentation(&[bad], 5, "authentication", None), json!({}))
        .await
        .assert_problem(422, Some("verifiableCredential[0].proof[0]"));
}

#[tokio::test]
async fn the_employers_verifier_reports_each_credential_of_a_presentation() {
    let t = issued().await;
    let mut altered = t.doc.clone();
    altered["name"] = json!("changed");
    let jcs = credence_core::data_integrity::Cryptosuite::EddsaJcs2022;
    let vp = signed_presentation_with(jcs, &[t.doc.clone(), altered.clone()], 5, "authentication", None);
    for body in [vp.clone(), json!({"credential": vp.clone(), "recipientEmail": "nobody@example.com"})] {
        let r = verify_json(&t.app, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["result"], "invalid", "{}", r.text);
        assert_eq!(r.body["holder"], vp["holder"]);
        let credentials = r.body["credentials"].as_array().unwrap();
        assert_eq!(credentials.len(), 2, "{}", r.text);
        assert_eq!(credentials[1]["result"], "invalid");
        assert_eq!(check(&credentials[1], "proof[0]")["status"], "failed");
        assert_eq!(check(&r.body, "proof[0]")["status"], "passed", "{}", r.text);
        if body.get("recipientEmail").is_some() {
            // The request's options reach every credential.
            assert_eq!(credentials[0]["result"], "invalid", "{}", r.text);
            assert_eq!(check(&credentials[0], "recipient")["status"], "failed");
        } else {
            assert_eq!(credentials[0]["result"], "valid", "{}", r.text);
        }
    }
    // Valid only when the presentation and every credential are.
    let good = signed_presentation(std::slice::from_ref(&t.doc), 5, "authentication", None);
    let r = verify_json(&t.app, &good).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
    // A wallet's unsigned presentation: each credential is still checked, and the missing
    // proof is said, not passed.
    let mut unsigned = good.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let r = verify_json(&t.app, &unsigned).await;
    assert_eq!(r.body["credentials"][0]["result"], "valid", "{}", r.text);
    assert_eq!(check(&r.body, "proof")["status"], "skipped", "{}", r.text);
    // Altered after the holder signed it.
    let mut tampered = good.clone();
    tampered["holder"] = json!("did:example:someone");
    let r = verify_json(&t.app, &tampered).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    // Bounded, and each item must be a credential.
    let many: Vec<Value> = std::iter::repeat_n(t.doc.clone(), 33).collect();
    let mut crowded = unsigned.clone();
    crowded["verifiableCredential"] = json!(many);
    verify_json(&t.app, &crowded).await.assert_problem(422, Some("verifiablePresentation.verifiableCredential"));
    let mut odd = unsigned.clone();
    odd["verifiableCredential"] = json!([t.doc.clone(), 7]);
    verify_json(&t.app, &odd).await.assert_problem(422, Some("verifiablePresentation.verifiableCredential[1]"));
    let mut empty = unsigned.clone();
    empty.as_object_mut().unwrap().remove("verifiableCredential");
    let r = verify_json(&t.app, &empty).await;
    assert_eq!(r.body["result"], "indeterminate", "{}", r.text);
}

#[test]
fn embedded_endorsements_are_verified_the_same_way() {
    use credence_core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
    use credence_core::verify::{CheckStatus, OfflineResolver, verify_credential};
    let did_key = |seed: u8| {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let mk = credence_core::multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
        (key, format!("did:key:{mk}"), format!("did:key:{mk}#{mk}"))
    };
    let (issuer_key, issuer, issuer_vm) = did_key(21);
    let (endorser_key, endorser, endorser_vm) = did_key(22);
    let mut doc: Value = serde_json::from_str(include_str!("../vectors/rich-credential.json")).unwrap();
    for field in ["proof", "credentialStatus"] {
        doc.as_object_mut().unwrap().remove(field);
    }
    doc["issuer"] = json!({"id": issuer, "type": ["Profile"], "name": "Issuer"});
    let endorsement = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:7b3c5a2e-1d4f-4c6b-9a8e-0f1e2d3c4b5a",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": endorser, "type": ["Profile"], "name": "Sector council"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Endorsement",
        "credentialSubject": {"id": doc["credentialSubject"]["achievement"]["id"], "type": ["EndorsementSubject"], "endorsementComment": "Meets sector needs."}
    });
    let signed_endorsement =
        add_proof(&endorsement, &endorser_key, &ProofOptions::new(Cryptosuite::EddsaRdfc2022, endorser_vm.clone()))
            .unwrap();
    let sign = |endorsement: Value| {
        let mut d = doc.clone();
        d["endorsement"] = json!([endorsement]);
        add_proof(&d, &issuer_key, &ProofOptions::new(Cryptosuite::EddsaRdfc2022, issuer_vm.clone())).unwrap()
    };
    let resolver = OfflineResolver::new();
    let now = time::OffsetDateTime::now_utc();
    let good = verify_credential(&sign(signed_endorsement.clone()), &resolver, now);
    let e = good.checks.iter().find(|c| c.check == "endorsement[0]").unwrap();
    assert_eq!(e.status, CheckStatus::Passed, "{good:?}");
    let mut forged = signed_endorsement.clone();
    forged["credentialSubject"]["endorsementComment"] = json!("Best in the country.");
    let bad = verify_credential(&sign(forged), &resolver, now);
    assert!(!bad.verified);
    assert_eq!(bad.first_failure().unwrap().check, "endorsement[0]", "{bad:?}");
    // An endorsement signed with a key its named endorser does not control fails too.
    let mut stolen = endorsement.clone();
    stolen["issuer"]["id"] = json!(issuer);
    let stolen =
        add_proof(&stolen, &endorser_key, &ProofOptions::new(Cryptosuite::EddsaRdfc2022, endorser_vm)).unwrap();
    let bad = verify_credential(&sign(stolen), &resolver, now);
    assert_eq!(bad.first_failure().unwrap().check, "endorsement[0]", "{bad:?}");
}

/// Endorsements given as VC-JWTs (`endorsementJwt`, on the achievement of a credential that is
/// itself a VC-JWT: the OB 3.0 context defines no such term for Data Integrity) are verified as
/// credentials of their own, through the endpoint: signature, the endorser's key, validity.
#[tokio::test]
async fn endorsements_given_as_vc_jwts_are_verified_as_credentials() {
    use credence_core::jwt::sign_vc_jwt;
    let did_key = |seed: u8| {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let mk = credence_core::multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
        (key, format!("did:key:{mk}"), format!("did:key:{mk}#{mk}"))
    };
    let (issuer_key, issuer, issuer_vm) = did_key(31);
    let (endorser_key, endorser, endorser_vm) = did_key(32);
    let (stranger_key, _, stranger_vm) = did_key(33);
    let mut doc: Value = serde_json::from_str(include_str!("../vectors/rich-credential.json")).unwrap();
    for field in ["proof", "credentialStatus"] {
        doc.as_object_mut().unwrap().remove(field);
    }
    doc["issuer"] = json!({"id": issuer, "type": ["Profile"], "name": "Issuer"});
    let endorsement = |valid_until: &str| {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:0c7a4b8e-2f1d-4e3a-9b6c-5d8e7f6a1b20",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": {"id": endorser, "type": ["Profile"], "name": "Sector council"},
            "validFrom": "2026-01-01T00:00:00Z", "validUntil": valid_until,
            "name": "Endorsement",
            "credentialSubject": {"id": doc["credentialSubject"]["achievement"]["id"], "type": ["EndorsementSubject"]}
        })
    };
    let app = crate::common::app().await;
    let run = |token: String| {
        let mut d = doc.clone();
        d["credentialSubject"]["achievement"]["endorsementJwt"] = json!([token]);
        let outer = sign_vc_jwt(&d, &issuer_key, &issuer_vm).unwrap();
        let app = &app;
        async move {
            let r = verify_json(app, &json!({"credential": outer})).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body
        }
    };
    let name = "achievement.endorsementJwt[0]";
    let good = run(sign_vc_jwt(&endorsement("2099-01-01T00:00:00Z"), &endorser_key, &endorser_vm).unwrap()).await;
    assert_eq!(good["result"], "valid", "{good:#}");
    for part in ["", ".proof[0]", ".issuer[0]", ".validity"] {
        assert_eq!(check(&good, &format!("{name}{part}"))["status"], "passed", "{name}{part}: {good:#}");
    }
    let expired = run(sign_vc_jwt(&endorsement("2026-02-01T00:00:00Z"), &endorser_key, &endorser_vm).unwrap()).await;
    assert_eq!(expired["result"], "invalid", "{expired:#}");
    assert_eq!(check(&expired, &format!("{name}.validity"))["status"], "failed");
    let stolen = run(sign_vc_jwt(&endorsement("2099-01-01T00:00:00Z"), &stranger_key, &stranger_vm).unwrap()).await;
    assert_eq!(check(&stolen, &format!("{name}.issuer[0]"))["status"], "failed", "{stolen:#}");
    let token = sign_vc_jwt(&endorsement("2099-01-01T00:00:00Z"), &endorser_key, &endorser_vm).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = endorsement("2099-01-01T00:00:00Z");
    claims["issuer"]["name"] = json!("Someone grander");
    let forged_payload = credence_core::jwt::build_payload(&claims).unwrap();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        crate::common::b64(Value::Object(forged_payload).to_string().as_bytes()),
        parts[2]
    );
    let forged = run(forged).await;
    assert_eq!(check(&forged, &format!("{name}.proof[0]"))["status"], "failed", "{forged:#}");
    assert_eq!(check(&forged, name)["status"], "failed");
}

#[tokio::test]
async fn public_verification_is_rate_limited_per_client_with_retry_after() {
    let app = crate::common::app_with(|s| s.with_rate_limit(5)).await;
    let mut limited = None;
    for _ in 0..40 {
        let r = verify_json(&app, &json!({"credential": {"hello": "world"}})).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = limited.expect("the limit answers 429 within 40 quick requests");
    r.assert_problem(429, None);
    let retry: u64 = r.headers.get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
    assert!((1..=5).contains(&retry));
    // Issuing (with a key) is not limited by the public limiter.
    let h = app.get("/healthz", None).await;
    assert_eq!(h.status, StatusCode::OK);
}

#[tokio::test]
async fn verifying_one_of_ours_by_id_again_still_sees_every_change() {
    let t = issued().await;
    let first = verify_json(&t.app, &json!({"id": t.id})).await;
    let second = verify_json(&t.app, &json!({"id": t.id, "recipientEmail": "nadia@example.com"})).await;
    assert_eq!(first.body["result"], "valid", "{}", first.text);
    assert_eq!(second.body["result"], "valid", "{}", second.text);
    let names = |r: &Value| {
        r["checks"].as_array().unwrap().iter().map(|c| c["check"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let mut without_recipient = names(&second.body);
    without_recipient.retain(|n| n != "recipient");
    assert_eq!(names(&first.body), without_recipient, "the same checks, from the kept ones");
    assert_eq!(check(&second.body, "recipient")["status"], "passed");
    // Validity, status and recipient are checked every time.
    let later = verify_json(&t.app, &json!({"id": t.id, "asOf": "2100-01-01T00:00:00Z"})).await;
    assert_eq!(check(&later.body, "validity")["status"], "failed");
    assert_eq!(second.body["facts"], first.body["facts"], "the same facts, registry included");
    assert_eq!(second.body["credential"], t.doc);
    let by_url =
        verify_json(&t.app, &json!({"url": format!("{}/credentials/{}", crate::common::PUBLIC_URL, t.id)})).await;
    assert_eq!(by_url.body["result"], "valid");
    t.app.post(&format!("/api/v1/organizations/ccaa/credentials/{}/suspend", t.id), Some(&t.key), &json!({})).await;
    let suspended = verify_json(&t.app, &json!({"id": t.id})).await;
    assert_eq!(suspended.body["result"], "invalid");
    assert_eq!(check(&suspended.body, "status[1]")["message"], "suspended by the issuer");
    assert_eq!(check(&suspended.body, "status[0]")["message"], "not revoked");
    t.app.post(&format!("/api/v1/organizations/ccaa/credentials/{}/unsuspend", t.id), Some(&t.key), &json!({})).await;
    assert_eq!(verify_json(&t.app, &json!({"id": t.id})).await.body["result"], "valid");
    t.app
        .post(
            &format!("/api/v1/organizations/ccaa/credentials/{}/revoke", t.id),
            Some(&t.key),
            &json!({"reason": "error"}),
        )
        .await;
    let revoked = verify_json(&t.app, &json!({"id": t.id})).await;
    assert_eq!(revoked.body["result"], "invalid");
    assert_eq!(check(&revoked.body, "status[0]")["message"], "revoked by the issuer");
    let wrong = verify_json(&t.app, &json!({"id": t.id, "recipientEmail": "else@example.com"})).await;
    assert_eq!(check(&wrong.body, "recipient")["status"], "failed");
}

#[tokio::test]
async fn a_document_of_ours_sent_again_is_checked_like_one_named_by_id() {
    let t = issued().await;
    let first = verify_json(&t.app, &json!({"credential": t.doc, "asOf": "2027-01-01T00:00:00Z"})).await;
    let again = verify_json(&t.app, &json!({"credential": t.doc, "asOf": "2027-01-01T00:00:00Z"})).await;
    assert_eq!(first.body["result"], "valid", "{}", first.text);
    assert_eq!(again.body["checks"], first.body["checks"].clone(), "the kept checks are the same checks");
    assert_eq!(again.body["facts"], first.body["facts"]);
    // A copy with the same id that differs in anything is verified in full, and fails.
    for tamper in [
        |d: &mut Value| d["credentialSubject"]["achievement"]["name"] = json!("Other"),
        |d: &mut Value| d["validUntil"] = json!("2199-01-01T00:00:00Z"),
        |d: &mut Value| {
            d["proof"]["proofValue"] =
                json!("z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKods5D2UAUL5n2Brbx")
        },
    ] {
        let mut copy = t.doc.clone();
        tamper(&mut copy);
        let r = verify_json(&t.app, &json!({"credential": copy})).await;
        assert_eq!(r.body["result"], "invalid", "{}", r.text);
        assert_eq!(check(&r.body, "proof[0]")["status"], "failed", "{}", r.text);
    }
    t.app
        .post(
            &format!("/api/v1/organizations/ccaa/credentials/{}/revoke", t.id),
            Some(&t.key),
            &json!({"reason": "error"}),
        )
        .await;
    let revoked = verify_json(&t.app, &json!({"credential": t.doc})).await;
    assert_eq!(check(&revoked.body, "status[0]")["message"], "revoked by the issuer");
}

/// A generic credential (no Open Badges type) as a VC API client sends it.
fn plain_credential(context: &str) -> Value {
    let mut credential = json!({
        "@context": [context, "https://www.w3.org/ns/credentials/examples/v2"],
        "issuer": format!("{}/issuers/ccaa", crate::common::PUBLIC_URL),
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "degree": {"name": "Bachelor of Science"}}
    });
    if context.ends_with("/v1") {
        credential["issuanceDate"] = json!("2026-01-01T00:00:00Z");
    } else {
        credential["validFrom"] = json!("2026-01-01T00:00:00Z");
    }
    credential
}

#[tokio::test]
async fn vc_api_issuer_refuses_credentials_the_data_model_forbids_one_rule_each() {
    let t = issued().await;
    let issuer = t.app.key_for("ccaa", "issuer").await;
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit)> = vec![
        ("credential.credentialSubject", |c| {
            c.as_object_mut().unwrap().remove("credentialSubject");
        }),
        ("credential.credentialSubject", |c| c["credentialSubject"] = json!({})),
        ("credential.@context[0]", |c| c["@context"] = json!(["https://www.w3.org/ns/credentials/examples/v2"])),
        ("credential.type", |c| c["type"] = json!(["ExampleDegreeCredential"])),
        ("credential.validFrom", |c| c["validFrom"] = json!("2026-01-01")),
        ("credential.validUntil", |c| c["validUntil"] = json!("2027-01-01T00:00:00")),
        ("credential.credentialStatus.type", |c| c["credentialStatus"] = json!({"id": "https://example.com/s#3"})),
        ("credential.evidence[0].type", |c| c["evidence"] = json!([{"id": "https://example.com/e"}])),
        ("credential.termsOfUse.type", |c| c["termsOfUse"] = json!({"id": "https://example.com/t"})),
        ("credential.refreshService.type", |c| c["refreshService"] = json!({"id": "https://example.com/r"})),
        ("credential.credentialSchema.type", |c| c["credentialSchema"] = json!({"id": "https://example.com/s"})),
        ("credential.relatedResource[0].id", |c| {
            c["relatedResource"] =
                json!([{"digestSRI": "sha384-WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP"}])
        }),
        ("credential.relatedResource[1].id", |c| {
            let r = json!({"id": "https://example.com/a", "digestSRI": "sha384-WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP"});
            c["relatedResource"] = json!([r.clone(), r]);
        }),
        ("credential.relatedResource[0].digestSRI", |c| {
            c["relatedResource"] = json!([{"id": "https://example.com/a", "digestSRI": "sha384-abc"}])
        }),
        ("credential.relatedResource[0].digestMultibase", |c| {
            c["relatedResource"] = json!([{"id": "https://example.com/a", "digestMultibase": "zWrongDigest"}])
        }),
    ];
    for (field, edit) in cases {
        let mut credential = plain_credential("https://www.w3.org/ns/credentials/v2");
        edit(&mut credential);
        let r = t.app.post("/credentials/issue", Some(&issuer), &json!({"credential": credential})).await;
        r.assert_problem(422, Some(field));
    }
    // VC 1.1: its issuance date is required.
    let mut old = plain_credential("https://www.w3.org/2018/credentials/v1");
    old.as_object_mut().unwrap().remove("issuanceDate");
    let r = t.app.post("/credentials/issue", Some(&issuer), &json!({"credential": old})).await;
    r.assert_problem(422, Some("credential.issuanceDate"));
}

#[tokio::test]
async fn generic_credentials_it_signs_verify_with_both_vc_versions_and_suites() {
    let t = issued().await;
    let issuer = t.app.key_for("ccaa", "issuer").await;
    for context in ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1"] {
        for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
            let body = json!({"credential": plain_credential(context), "options": {"cryptosuite": suite}});
            let r = t.app.post("/credentials/issue", Some(&issuer), &body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{context} {suite}: {}", r.text);
            let vc = r.body["verifiableCredential"].clone();
            assert_eq!(vc["proof"]["cryptosuite"], suite);
            let contexts = vc["@context"].as_array().unwrap();
            let has_di = contexts.iter().any(|c| c == "https://w3id.org/security/data-integrity/v2");
            assert_eq!(has_di, context.ends_with("/v1"), "{context}: {contexts:?}");

            let ok = t.app.post("/credentials/verify", None, &json!({"verifiableCredential": vc})).await;
            assert_eq!(ok.status, StatusCode::OK, "{context} {suite}: {}", ok.text);
            assert_eq!(ok.body["verified"], true);

            let report = verify_json(&t.app, &json!({"credential": vc})).await;
            assert_eq!(report.body["result"], "valid", "{}", report.text);
            assert!(check(&report.body, "structure")["message"].as_str().unwrap().contains("not an Open Badge"));
            assert_eq!(check(&report.body, "registry")["status"], "passed");
            let format = &report.body["facts"]["format"];
            assert_eq!(format["standard"], "verifiable-credential", "{}", report.text);
            assert_eq!(format["vcVersion"], if context.ends_with("/v1") { "1.1" } else { "2.0" });
            assert_eq!(format["securing"]["suites"][0], suite);

            // With a status entry too: VC 1.1 does not define BitstringStatusListEntry, so the
            // status list context is added to it.
            let body = json!({"credential": plain_credential(context), "options": {"cryptosuite": suite,
                "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}}});
            let r = t.app.post("/credentials/issue", Some(&issuer), &body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{context} {suite} with status: {}", r.text);
            let with_status = r.body["verifiableCredential"].clone();
            let has_status_context = with_status["@context"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "https://www.w3.org/ns/credentials/status/v1");
            assert_eq!(has_status_context, context.ends_with("/v1"), "{}", r.text);
            let report = verify_json(&t.app, &json!({"credential": with_status})).await;
            assert_eq!(report.body["result"], "valid", "{context} {suite} with status: {}", report.text);
            assert_eq!(check(&report.body, "status[0]")["status"], "passed", "{}", report.text);

            let mut altered = vc.clone();
            altered["credentialSubject"]["degree"]["name"] = json!("Doctor of Science");
            t.app
                .post("/credentials/verify", None, &json!({"verifiableCredential": altered}))
                .await
                .assert_problem(422, Some("proof[0]"));
        }
    }
    // Our own Open Badge names its format too.
    let ours = verify_json(&t.app, &json!({"id": t.id})).await;
    assert_eq!(ours.body["facts"]["format"]["standard"], "open-badges-3.0", "{}", ours.text);
}

#[tokio::test]
async fn vc_api_issuer_signs_under_the_did_key_of_its_current_key_when_asked() {
    let t = issued().await;
    let issuer = t.app.key_for("ccaa", "issuer").await;
    let r = t
        .app
        .post(
            "/credentials/issue",
            Some(&issuer),
            &json!({"credential": plain_credential("https://www.w3.org/ns/credentials/v2")}),
        )
        .await;
    let method = r.body["verifiableCredential"]["proof"]["verificationMethod"].as_str().unwrap().to_string();
    let multikey = method.split_once('#').unwrap().1;
    let did_key = format!("did:key:{multikey}");

    let mut credential = plain_credential("https://www.w3.org/ns/credentials/v2");
    credential["issuer"] = json!(did_key);
    let r = t.app.post("/credentials/issue", Some(&issuer), &json!({"credential": credential.clone()})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let vc = r.body["verifiableCredential"].clone();
    assert_eq!(vc["proof"]["verificationMethod"], format!("{did_key}#{multikey}"));
    let ok = t.app.post("/credentials/verify", None, &json!({"verifiableCredential": vc})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);

    // Status entries live in the organization's lists, signed under its Profile: not for a
    // did:key issuer.
    let with_status =
        json!({"credential": credential, "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}}});
    t.app
        .post("/credentials/issue", Some(&issuer), &with_status)
        .await
        .assert_problem(422, Some("options.credentialStatus"));
    // Another key's did:key is not this organization.
    let mut other = plain_credential("https://www.w3.org/ns/credentials/v2");
    other["issuer"] = json!("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK");
    t.app
        .post("/credentials/issue", Some(&issuer), &json!({"credential": other}))
        .await
        .assert_problem(422, Some("credential.issuer"));
}

#[tokio::test]
async fn vc_api_issuer_allocates_status_entries_and_its_status_update_is_seen_by_verifiers() {
    let t = issued().await;
    let issuer = t.app.key_for("ccaa", "issuer").await;
    let mut credential = plain_credential("https://www.w3.org/ns/credentials/v2");
    credential["id"] = json!("urn:uuid:1b6a8c1e-2f5e-4a3c-9d0b-3c7a1f2e4d5c");
    let options = json!({"credentialStatus": [
        {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}
    ]});
    let r =
        t.app.post("/credentials/issue", Some(&issuer), &json!({"credential": credential, "options": options})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let vc = r.body["verifiableCredential"].clone();
    let entries = vc["credentialStatus"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    // Another organization's key cannot touch it, and malformed updates are refused; none
    // of them changes a bit.
    let other = t.app.key_for("emc", "issuer").await;
    let id = vc["id"].as_str().unwrap().to_string();
    let suspend_it = json!({"credentialId": id, "credentialStatus": [{"statusPurpose": "suspension", "status": "1"}]});
    t.app.post("/credentials/status", Some(&other), &suspend_it).await.assert_problem(404, None);
    for malformed in [
        json!({"credentialId": 5, "credentialStatus": [{"status": "1"}]}),
        json!({"credentialId": id, "credentialStatus": "revoked"}),
        json!({"credentialId": id, "credentialStatus": [{"status": "1"}], "extra": true}),
        json!({"credentialId": id, "credentialStatus": []}),
    ] {
        let r = t.app.post("/credentials/status", Some(&issuer), &malformed).await;
        assert!(r.status.is_client_error(), "{malformed}: {}", r.text);
        assert!(r.content_type.starts_with("application/problem+json"), "{}", r.text);
    }
    assert_eq!(entries[0]["statusPurpose"], "revocation");
    assert_eq!(entries[0]["statusListCredential"], format!("{}/status/ccaa/revocation", crate::common::PUBLIC_URL));
    assert_eq!(entries[1]["statusPurpose"], "suspension");
    // Not the indexes of the Open Badge issued before.
    let badge_indexes: Vec<&Value> =
        t.doc["credentialStatus"].as_array().unwrap().iter().map(|e| &e["statusListIndex"]).collect();
    assert!(!badge_indexes.contains(&&entries[0]["statusListIndex"]));

    assert_eq!(vc_api_verify(&t.app, &vc).await.body["verified"], true);

    let id = vc["id"].as_str().unwrap().to_string();
    let suspend = json!({"credentialId": id, "credentialStatus": [
        {"type": "BitstringStatusListEntry", "statusPurpose": "suspension", "status": "1"}]});
    let r = t.app.post("/credentials/status", Some(&issuer), &suspend).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let report = verify_json(&t.app, &json!({"credential": vc})).await;
    assert_eq!(report.body["result"], "invalid", "{}", report.text);
    assert_eq!(check(&report.body, "status[1]")["message"], "suspended by the issuer");

    let lift = json!({"credentialId": id, "credentialStatus": [
        {"type": "BitstringStatusListEntry", "statusPurpose": "suspension", "status": "0"}]});
    assert_eq!(t.app.post("/credentials/status", Some(&issuer), &lift).await.status, StatusCode::OK);
    assert_eq!(vc_api_verify(&t.app, &vc).await.body["verified"], true);

    let revoke = json!({"credentialId": id, "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "1"}]});
    assert_eq!(t.app.post("/credentials/status", Some(&issuer), &revoke).await.status, StatusCode::OK);
    let report = verify_json(&t.app, &json!({"credential": vc})).await;
    assert_eq!(check(&report.body, "status[0]")["message"], "revoked by the issuer", "{}", report.text);
    // Permanent; and the badge issued before is untouched.
    t.app.post("/credentials/status", Some(&issuer), &lift).await.assert_problem(409, Some("status"));
    assert_eq!(verify_json(&t.app, &json!({"id": t.id})).await.body["result"], "valid");

    // The status update names credentials by id: one id, one credential; one is given when absent.
    let mut again = plain_credential("https://www.w3.org/ns/credentials/v2");
    again["id"] = json!(id);
    let body = json!({"credential": again, "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}}});
    t.app.post("/credentials/issue", Some(&issuer), &body).await.assert_problem(409, Some("credential.id"));
    let body = json!({"credential": plain_credential("https://www.w3.org/ns/credentials/v2"),
        "options": {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}}});
    let r = t.app.post("/credentials/issue", Some(&issuer), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let given = r.body["verifiableCredential"]["id"].as_str().unwrap().to_string();
    assert!(given.starts_with("urn:uuid:"), "{given}");
    let suspend = json!({"credentialId": given, "credentialStatus": [{"statusPurpose": "suspension", "status": "1"}]});
    assert_eq!(t.app.post("/credentials/status", Some(&issuer), &suspend).await.status, StatusCode::OK);
    let report = verify_json(&t.app, &json!({"credential": r.body["verifiableCredential"]})).await;
    assert_eq!(check(&report.body, "status[0]")["message"], "suspended by the issuer", "{}", report.text);
    // Without a suspension entry there is no suspension to set.
    let revoke_only = json!({"credentialId": given, "credentialStatus": [{"status": "revoked"}]});
    t.app.post("/credentials/status", Some(&issuer), &revoke_only).await.assert_problem(409, Some("credentialStatus"));

    // Refusals, each naming its field.
    let ask = |options: Value| json!({"credential": plain_credential("https://www.w3.org/ns/credentials/v2"), "options": options});
    for (options, field) in [
        (json!({"credentialStatus": {"type": "StatusList2021Entry"}}), "options.credentialStatus.type"),
        (json!({"credentialStatus": {"statusPurpose": "revocation"}}), "options.credentialStatus.type"),
        (
            json!({"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "message"}}),
            "options.credentialStatus.statusPurpose",
        ),
        (
            json!({"credentialStatus": [{"type": "BitstringStatusListEntry"}, {"type": "BitstringStatusListEntry"}]}),
            "options.credentialStatus[1].statusPurpose",
        ),
    ] {
        t.app.post("/credentials/issue", Some(&issuer), &ask(options)).await.assert_problem(422, Some(field));
    }
    let unknown = json!({"credentialId": "urn:uuid:00000000-0000-0000-0000-000000000000", "credentialStatus": [
        {"type": "BitstringStatusListEntry", "status": "1"}]});
    t.app.post("/credentials/status", Some(&issuer), &unknown).await.assert_problem(404, None);
    t.app.post("/credentials/status", None, &unknown).await.assert_problem(401, None);
    let bad =
        json!({"credentialId": id, "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "maybe"}]});
    t.app
        .post("/credentials/status", Some(&issuer), &bad)
        .await
        .assert_problem(422, Some("credentialStatus[0].status"));
}

async fn vc_api_verify(app: &crate::common::TestApp, vc: &Value) -> crate::common::Response {
    app.post("/credentials/verify", None, &json!({"verifiableCredential": vc})).await
}

/// Credentials the DCC stack issued with Ed25519Signature2020, and a CLR 2.0 holding such
/// credentials (tests/vectors/legacy-ed25519-2020, made by the npm stack), through the endpoint.
#[tokio::test]
async fn legacy_ed25519_signature_2020_credentials_and_clrs_verify() {
    let app = crate::common::app().await;
    let fixture = |name: &str| -> Value {
        let path = format!("{}/tests/vectors/legacy-ed25519-2020/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    for name in ["vc11-ob.json", "ob3.json"] {
        let r = verify_json(&app, &json!({"credential": fixture(name)})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["result"], "valid", "{name}: {}", r.text);
        assert_eq!(check(&r.body, "proof[0]")["message"], "Ed25519Signature2020 signature verifies");
        assert_eq!(check(&r.body, "issuer[0]")["status"], "passed");
        assert_eq!(r.body["authentic"], true, "{}", r.text);
    }
    let r = verify_json(&app, &json!({"credential": fixture("ob3-other-key.json")})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    assert_eq!(check(&r.body, "issuer[0]")["status"], "failed");
    assert_eq!(r.body["authentic"], false);

    let r = verify_json(&app, &json!({"credential": fixture("clr.json")})).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
    assert_eq!(r.body["facts"]["format"]["standard"], "clr-2.0", "{}", r.text);
    assert_eq!(r.body["facts"]["format"]["securing"]["suites"][0], "Ed25519Signature2020");
    assert_eq!(check(&r.body, "credential[1].proof[0]")["status"], "passed");
    assert_eq!(check(&r.body, "credential[1].issuer[0]")["status"], "passed");
    let r = verify_json(&app, &json!({"credential": fixture("clr-altered-nested.json")})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    assert_eq!(check(&r.body, "proof[0]")["status"], "passed");
    assert_eq!(check(&r.body, "credential[1].proof[0]")["status"], "failed");
}
