//! VC-JWTs signed with RS256 (Open Badges 3.0 §8.2): the organization setting, the RSA
//! key made for it, sealed and rotated with the Ed25519 key, the JsonWebKey forms of the
//! keys in the Profile and the did:web document, and our verifier's refusals.

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credence_core::jwt::{self, JwtVerificationKey};
use credence_core::sealed_key::RsaIssuerKey;
use serde_json::{Value, json};
use sqlx::Row;

use crate::common::{PUBLIC_URL, TestApp, check};

const LEARNER_DID: &str = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";

/// The demo catalog with CAHRC signing VC-JWTs with `alg`.
async fn app_signing_jwts(alg: &str) -> TestApp {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let patch = json!({"issueJwt": true, "jwtAlgorithm": alg});
    let r = app.json(Method::PATCH, "/api/v1/organizations/cahrc", Some(&app.admin_key), &patch).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["jwtAlgorithm"], alg);
    app
}

/// Issues CAHRC's foundational supervision badge to a learner; returns its VC-JWT.
async fn issue_jwt(app: &TestApp, email: &str, did: Option<&str>) -> String {
    let key = app.key_for("cahrc", "issuer").await;
    let mut learner = json!({"email": email});
    if let Some(did) = did {
        learner["did"] = json!(did);
    }
    let r = app
        .post(
            "/api/v1/organizations/cahrc/results",
            Some(&key),
            &json!({"achievement": "cahrc-foundational-supervision", "component": "modules", "completed": true,
                "learner": learner}),
        )
        .await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let id = r.body["credential"]["id"].as_str().unwrap().to_string();
    let jwt = app.credential_jwt(&id).await;
    assert_eq!(jwt.status, StatusCode::OK, "{}", jwt.text);
    jwt.text.trim().to_string()
}

async fn verify(app: &TestApp, token: &str) -> Value {
    let r = app.post("/api/v1/verify", None, &json!({"credential": token})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// The verification method `id` of a controller document.
fn method<'a>(document: &'a Value, id: &str) -> &'a Value {
    document["verificationMethod"]
        .as_array()
        .and_then(|methods| methods.iter().find(|m| m["id"] == id))
        .unwrap_or_else(|| panic!("no method {id} in {document:#}"))
}

/// A compact JWS over `header` and `payload` signed with `key` (RS256).
fn rs256_token(header: &Value, payload: &Value, key: &RsaIssuerKey) -> String {
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(payload.to_string()));
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(key.sign_rs256(input.as_bytes()).unwrap()))
}

/// The organization's current RSA key, opened as issuance opens it.
async fn current_rsa_key(app: &TestApp, slug: &str) -> RsaIssuerKey {
    let org = app.store.organization_by_slug(slug).await.unwrap().unwrap();
    let master = app.master_key.clone();
    app.store
        .issuing(move |tx| Ok(tx.current_rsa_key(&org.id, &master)?.map(|k| k.key)))
        .await
        .unwrap()
        .expect("an RSA key")
}

#[tokio::test]
async fn the_jwt_algorithm_is_a_validated_organization_setting() {
    let app = crate::common::app().await;
    let admin = app.admin_key.clone();
    app.org_with_key("acme").await;
    let org = app.get("/api/v1/organizations/acme", Some(&admin)).await;
    assert_eq!(org.body["jwtAlgorithm"], "EdDSA", "EdDSA by default: {}", org.text);
    // Choosing EdDSA makes no RSA key.
    let acme = app.store.organization_by_slug("acme").await.unwrap().unwrap();
    assert!(app.store.rsa_signing_keys(&acme.id).await.unwrap().is_empty());
    for bad in [json!("HS256"), json!("rs256"), json!("none"), json!("")] {
        app.json(Method::PATCH, "/api/v1/organizations/acme", Some(&admin), &json!({"jwtAlgorithm": bad}))
            .await
            .assert_problem(422, Some("jwtAlgorithm"));
    }
    app.json(Method::PATCH, "/api/v1/organizations/acme", Some(&admin), &json!({"jwtAlgorithm": 256}))
        .await
        .assert_problem(422, Some("jwtAlgorithm"));
    let new = json!({"slug": "rsa-org", "name": "RSA", "kind": "college", "jwtAlgorithm": "ES256"});
    app.post("/api/v1/organizations", Some(&admin), &new).await.assert_problem(422, Some("jwtAlgorithm"));
    assert!(app.store.organization_by_slug("rsa-org").await.unwrap().is_none());

    // Chosen at creation: the RSA key is made at once, 2048 bits, sealed.
    let new = json!({"slug": "rsa-org", "name": "RSA", "kind": "college", "jwtAlgorithm": "RS256", "issueJwt": true});
    let created = app.post("/api/v1/organizations", Some(&admin), &new).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["jwtAlgorithm"], "RS256");
    let org = app.store.organization_by_slug("rsa-org").await.unwrap().unwrap();
    let keys = app.store.rsa_signing_keys(&org.id).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].status, "current");
    let JwtVerificationKey::Rsa { n, e } = keys[0].public_key().unwrap() else { panic!("not RSA") };
    assert_eq!((n.len() * 8, e), (2048, vec![1, 0, 1]));
    let row = sqlx::query("SELECT sealed_key FROM rsa_signing_keys WHERE organization_id = $1")
        .bind(&org.id)
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    let sealed = base64::engine::general_purpose::STANDARD.decode(row.get::<String, _>("sealed_key")).unwrap();
    assert_eq!(sealed[0], credence_core::sealed_key::RSA_SEAL_VERSION);
    let opened = current_rsa_key(&app, "rsa-org").await;
    assert!(!sealed.windows(64).any(|w| opened.to_pkcs8_der().unwrap().windows(64).any(|d| d == w)));
    // Choosing it again keeps the one key.
    app.json(Method::PATCH, "/api/v1/organizations/rsa-org", Some(&admin), &json!({"jwtAlgorithm": "RS256"})).await;
    assert_eq!(app.store.rsa_signing_keys(&org.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_rs256_vc_jwt_names_the_json_web_key_of_the_profile_and_verifies() {
    let app = app_signing_jwts("RS256").await;
    let token = issue_jwt(&app, "ana@example.com", Some(LEARNER_DID)).await;
    let decoded = jwt::decode_vc_jwt(&token).unwrap();
    assert_eq!(decoded.alg(), "RS256");
    assert_eq!(decoded.header["typ"], "JWT");
    let profile_url = format!("{PUBLIC_URL}/issuers/cahrc");
    let kid = decoded.kid().unwrap().to_string();
    // The kid dereferences to the RSA JsonWebKey the Profile lists as an assertion method.
    let profile = app.get("/issuers/cahrc", None).await.body;
    let entry = method(&profile, &kid);
    assert_eq!(entry["type"], "JsonWebKey");
    assert_eq!(entry["controller"], profile_url);
    assert_eq!(entry["publicKeyJwk"]["kty"], "RSA");
    assert!(profile["assertionMethod"].as_array().unwrap().contains(&json!(kid)));
    let jwk_key = JwtVerificationKey::from_jwk(&entry["publicKeyJwk"]).unwrap();
    assert_eq!(kid, format!("{profile_url}#{}", jwk_key.jwk_thumbprint()));
    // The did:web document lists the same key under the DID.
    let did = app.get("/issuers/cahrc/did.json", None).await.body;
    let did_kid = format!("{}#{}", did["id"].as_str().unwrap(), jwk_key.jwk_thumbprint());
    assert_eq!(JwtVerificationKey::from_jwk(&method(&did, &did_kid)["publicKeyJwk"]).unwrap(), jwk_key);
    // Data Integrity keeps naming the Multikey entry, still listed.
    let doc = jwt::decode_vc_jwt(&token).unwrap().credential;
    assert_eq!(decoded.claims["iss"], profile_url);
    assert_eq!(decoded.claims["jti"], doc["id"]);
    assert_eq!(decoded.claims["sub"], LEARNER_DID, "sub is credentialSubject.id");
    assert_eq!(doc["credentialSubject"]["id"], LEARNER_DID);

    let report = verify(&app, &token).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(check(&report, "proof[0]")["status"], "passed");
    assert!(check(&report, "proof[0]")["message"].as_str().unwrap().contains("RS256"));
    assert_eq!(check(&report, "issuer[0]")["status"], "passed");

    // A learner without a DID: no sub, still valid.
    let anonymous = issue_jwt(&app, "bo@example.com", None).await;
    assert!(!jwt::decode_vc_jwt(&anonymous).unwrap().claims.contains_key("sub"));
    assert_eq!(verify(&app, &anonymous).await["result"], "valid");
}

#[tokio::test]
async fn tampered_and_foreign_keyed_rs256_tokens_are_refused() {
    let app = app_signing_jwts("RS256").await;
    let token = issue_jwt(&app, "ana@example.com", None).await;
    let decoded = jwt::decode_vc_jwt(&token).unwrap();
    let segments: Vec<&str> = token.split('.').collect();
    let refused = |report: &Value, check_name: &str| {
        assert_eq!(report["result"], "invalid", "{report:#}");
        assert_eq!(check(report, check_name)["status"], "failed", "{report:#}");
    };

    // A changed claim breaks the signature.
    let mut payload = Value::Object(decoded.claims.clone());
    payload["name"] = json!("Something else");
    let tampered = format!("{}.{}.{}", segments[0], URL_SAFE_NO_PAD.encode(payload.to_string()), segments[2]);
    refused(&verify(&app, &tampered).await, "proof[0]");

    // Another RSA key under a kid of the issuer's: not a key the Profile lists.
    let stranger = RsaIssuerKey::generate().unwrap();
    let profile_url = format!("{PUBLIC_URL}/issuers/cahrc");
    let header =
        json!({"alg": "RS256", "typ": "JWT", "kid": format!("{profile_url}#{}", stranger.public().jwk_thumbprint())});
    let forged = rs256_token(&header, &Value::Object(decoded.claims.clone()), &stranger);
    refused(&verify(&app, &forged).await, "proof[0]");
    // The same key carried in the header (jwk) proves nothing either.
    let header = json!({"alg": "RS256", "typ": "JWT", "jwk": stranger.public().to_jwk()});
    let carried = rs256_token(&header, &Value::Object(decoded.claims.clone()), &stranger);
    refused(&verify(&app, &carried).await, "issuer[0]");
    // The kid of the Ed25519 key's JWK over an RS256 signature: refused.
    let profile = app.get("/issuers/cahrc", None).await.body;
    let okp = profile["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["publicKeyJwk"]["kty"] == "OKP")
        .unwrap()["id"]
        .clone();
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": okp});
    let wrong_kid = rs256_token(&header, &Value::Object(decoded.claims.clone()), &current_rsa_key(&app, "cahrc").await);
    refused(&verify(&app, &wrong_kid).await, "proof[0]");

    // Another organization's key, honestly named, signing a credential of CAHRC's: the
    // signature verifies but the key is not the issuer's.
    let other = json!({"slug": "other", "name": "Other", "kind": "college", "jwtAlgorithm": "RS256"});
    assert_eq!(app.post("/api/v1/organizations", Some(&app.admin_key), &other).await.status, StatusCode::CREATED);
    let other_key = current_rsa_key(&app, "other").await;
    let other_kid = format!("{PUBLIC_URL}/issuers/other#{}", other_key.public().jwk_thumbprint());
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": other_kid});
    let borrowed = rs256_token(&header, &Value::Object(decoded.claims.clone()), &other_key);
    let report = verify(&app, &borrowed).await;
    assert_eq!(check(&report, "proof[0]")["status"], "passed", "{report:#}");
    refused(&report, "issuer[0]");
}

#[tokio::test]
async fn an_rsa_key_under_2048_bits_is_never_trusted() {
    let app = app_signing_jwts("RS256").await;
    let token = issue_jwt(&app, "ana@example.com", None).await;
    let claims = Value::Object(jwt::decode_vc_jwt(&token).unwrap().claims);
    // As if the stored public key had been replaced by a 1024-bit one, and the token signed with it.
    let small = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
    let public = {
        use rsa::traits::PublicKeyParts;
        JwtVerificationKey::Rsa { n: small.n().to_bytes_be(), e: small.e().to_bytes_be() }
    };
    let org = app.store.organization_by_slug("cahrc").await.unwrap().unwrap();
    sqlx::query("UPDATE rsa_signing_keys SET public_jwk = $1 WHERE organization_id = $2")
        .bind(public.to_jwk().to_string())
        .bind(&org.id)
        .execute(&app.store.pool)
        .await
        .unwrap();
    let kid = format!("{PUBLIC_URL}/issuers/cahrc#{}", public.jwk_thumbprint());
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = {
        use rsa::signature::{SignatureEncoding, Signer};
        rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(small).sign(input.as_bytes()).to_vec()
    };
    let small_token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature));
    let report = verify(&app, &small_token).await;
    assert_eq!(report["result"], "invalid", "{report:#}");
    let proof = check(&report, "proof[0]");
    assert_eq!(proof["status"], "failed");
    assert!(proof["message"].as_str().unwrap().contains("1024 bits is too small"), "{report:#}");
}

#[tokio::test]
async fn the_rsa_key_rotates_with_the_ed25519_key_and_old_tokens_keep_verifying() {
    let app = app_signing_jwts("RS256").await;
    let before = issue_jwt(&app, "ana@example.com", None).await;
    let org = app.store.organization_by_slug("cahrc").await.unwrap().unwrap();
    let old = app.store.rsa_signing_keys(&org.id).await.unwrap();
    assert_eq!(old.len(), 1);
    app.store.rotate_signing_key(&org.id, &app.master_key).await.unwrap();
    let keys = app.store.rsa_signing_keys(&org.id).await.unwrap();
    assert_eq!(keys.iter().map(|k| k.status.as_str()).collect::<Vec<_>>(), ["current", "retired"]);
    assert_eq!(keys[1].id, old[0].id);
    assert!(keys[1].retired_at.is_some());
    let ed = app.store.signing_keys(&org.id).await.unwrap();
    assert_eq!(keys[1].retired_at, ed[1].retired_at, "retired together");

    let after = issue_jwt(&app, "bo@example.com", None).await;
    let (old_kid, new_kid) = (jwt::decode_vc_jwt(&before).unwrap(), jwt::decode_vc_jwt(&after).unwrap());
    assert_ne!(old_kid.kid(), new_kid.kid());
    assert!(new_kid.kid().unwrap().ends_with(&keys[0].public_key().unwrap().jwk_thumbprint()));
    let profile = app.get("/issuers/cahrc", None).await.body;
    let rsa_entries =
        profile["verificationMethod"].as_array().unwrap().iter().filter(|m| m["publicKeyJwk"]["kty"] == "RSA");
    assert_eq!(rsa_entries.count(), 2, "{profile:#}");
    for token in [before, after] {
        assert_eq!(verify(&app, &token).await["result"], "valid");
    }
}

#[tokio::test]
async fn eddsa_vc_jwts_name_the_json_web_key_form_of_the_ed25519_key() {
    let app = app_signing_jwts("EdDSA").await;
    let token = issue_jwt(&app, "ana@example.com", Some(LEARNER_DID)).await;
    let decoded = jwt::decode_vc_jwt(&token).unwrap();
    assert_eq!(decoded.alg(), "EdDSA");
    let profile = app.get("/issuers/cahrc", None).await.body;
    let entry = method(&profile, decoded.kid().unwrap());
    assert_eq!((entry["type"].as_str(), entry["publicKeyJwk"]["crv"].as_str()), (Some("JsonWebKey"), Some("Ed25519")));
    // Its Multikey form is listed too, with the same key.
    let multikey = profile["verificationMethod"].as_array().unwrap().iter().find(|m| m["type"] == "Multikey").unwrap();
    let ed = credence_core::multibase::decode_ed25519_public(multikey["publicKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(JwtVerificationKey::from_jwk(&entry["publicKeyJwk"]).unwrap(), JwtVerificationKey::Ed25519(ed));
    assert_eq!(decoded.claims["sub"], LEARNER_DID);
    let org = app.store.organization_by_slug("cahrc").await.unwrap().unwrap();
    assert!(app.store.rsa_signing_keys(&org.id).await.unwrap().is_empty(), "no RSA key for EdDSA");
    assert_eq!(verify(&app, &token).await["result"], "valid");
}
