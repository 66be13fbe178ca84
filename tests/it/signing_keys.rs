//! Organizations' signing keys: sealed at rest, rotated without breaking old
//! credentials, published in the Profile and the did:web document.

use axum::http::StatusCode;
use base64::Engine;
use credence_core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
use credence_core::sealed_key::MasterKey;
use credence_core::verify::{OfflineResolver, verify_credential};
use serde_json::{Value, json};
use sqlx::Row;

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:2d9a4b8e-2f6c-4e57-9b0e-3f1d6a7c8e90",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Org"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "hashed": true, "identityHash": "sha256$5f2e0b0f4a6c1f3c0a3a8b1e7e0d9c4b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d", "identityType": "emailAddress", "salt": "s"}],
            "achievement": {"id": "https://badges.example.ca/achievements/x/versions/1", "type": ["Achievement"], "name": "Teamwork",
                "description": "Works in a team.", "criteria": {"narrative": "Do it."}}
        }
    })
}

#[tokio::test]
async fn rotation_keeps_old_credentials_verifying_through_the_profile() {
    let app = crate::common::app().await;
    app.org_with_key("acme").await;
    let org = app.store.organization_by_slug("acme").await.unwrap().unwrap();
    let old = app.store.current_signing_key(&org.id, &app.master_key).await.unwrap();
    let profile_url = format!("{}/issuers/acme", crate::common::PUBLIC_URL);
    let vm = format!("{profile_url}#{}", old.info.public_key_multibase);
    let signed =
        add_proof(&credential(&profile_url), old.key.signing_key(), &ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm))
            .unwrap();

    let rotated = app.store.rotate_signing_key(&org.id, &app.master_key).await.unwrap();
    assert_ne!(rotated.public_key_multibase, old.info.public_key_multibase);
    let keys = app.store.signing_keys(&org.id).await.unwrap();
    assert_eq!(keys.iter().map(|k| k.status.as_str()).collect::<Vec<_>>(), vec!["current", "retired"]);
    assert_eq!(keys[0].id, rotated.id);

    let profile = app.get("/issuers/acme", None).await;
    assert_eq!(profile.status, StatusCode::OK);
    // Each key as a Multikey (Data Integrity) and as a JsonWebKey (VC-JWT).
    let kinds: Vec<&str> =
        profile.body["verificationMethod"].as_array().unwrap().iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Multikey", "JsonWebKey", "Multikey", "JsonWebKey"], "{}", profile.text);

    let mut resolver = OfflineResolver::new();
    resolver.add_document(profile_url.clone(), profile.body.clone());
    let report = verify_credential(&signed, &resolver, time::OffsetDateTime::now_utc());
    assert!(report.verified, "{report:?}");

    // A key that is not in the issuer's documents is refused, naming the proof check.
    let stranger = credence_core::sealed_key::IssuerKey::generate();
    let forged_vm = format!("{profile_url}#{}", stranger.public_multibase());
    let forged = add_proof(
        &credential(&profile_url),
        stranger.signing_key(),
        &ProofOptions::new(Cryptosuite::EddsaRdfc2022, forged_vm),
    )
    .unwrap();
    let report = verify_credential(&forged, &resolver, time::OffsetDateTime::now_utc());
    assert!(!report.verified);
    assert_eq!(report.first_failure().unwrap().check, "proof[0]");
}

#[tokio::test]
async fn did_web_document_lists_current_and_retired_keys_and_verifies() {
    let app = crate::common::app().await;
    app.org_with_key("acme").await;
    let org = app.store.organization_by_slug("acme").await.unwrap().unwrap();
    let key = app.store.current_signing_key(&org.id, &app.master_key).await.unwrap();
    let did = "did:web:badges.example.ca:issuers:acme";
    let vm = format!("{did}#{}", key.info.public_key_multibase);
    let signed =
        add_proof(&credential(did), key.key.signing_key(), &ProofOptions::new(Cryptosuite::EddsaJcs2022, vm)).unwrap();
    app.store.rotate_signing_key(&org.id, &app.master_key).await.unwrap();

    let doc = app.get("/issuers/acme/did.json", None).await;
    assert_eq!(doc.status, StatusCode::OK, "{}", doc.text);
    assert_eq!(doc.body["id"], did);
    assert_eq!(doc.body["assertionMethod"].as_array().unwrap().len(), 4, "two keys, two forms each");
    let mut resolver = OfflineResolver::new();
    resolver.add_document(did, doc.body.clone());
    let report = verify_credential(&signed, &resolver, time::OffsetDateTime::now_utc());
    assert!(report.verified, "{report:?}");

    // Another organization's key does not belong to this issuer.
    app.org_with_key("other").await;
    let other = app.store.organization_by_slug("other").await.unwrap().unwrap();
    let other_key = app.store.current_signing_key(&other.id, &app.master_key).await.unwrap();
    let other_did = "did:web:badges.example.ca:issuers:other";
    let other_doc = app.get("/issuers/other/did.json", None).await;
    resolver.add_document(other_did, other_doc.body.clone());
    let vm = format!("{other_did}#{}", other_key.info.public_key_multibase);
    let forged =
        add_proof(&credential(did), other_key.key.signing_key(), &ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm))
            .unwrap();
    let report = verify_credential(&forged, &resolver, time::OffsetDateTime::now_utc());
    assert!(!report.verified);
    assert_eq!(report.first_failure().unwrap().check, "issuer[0]");
}

#[tokio::test]
async fn seeds_are_sealed_in_the_database_and_need_the_master_key() {
    let app = crate::common::app().await;
    app.org_with_key("acme").await;
    let org = app.store.organization_by_slug("acme").await.unwrap().unwrap();
    let opened = app.store.current_signing_key(&org.id, &app.master_key).await.unwrap();
    let seed = opened.key.seed();
    let row = sqlx::query("SELECT sealed_seed FROM signing_keys WHERE id = $1")
        .bind(&opened.info.id)
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    let stored: String = row.try_get("sealed_seed").unwrap();
    let sealed = base64::engine::general_purpose::STANDARD.decode(&stored).unwrap();
    assert!(!sealed.windows(32).any(|w| w == seed.as_slice()), "the seed is stored in clear");
    assert!(!stored.contains(&hex::encode(seed.as_slice())));

    let wrong = MasterKey::generate();
    let err = match app.store.current_signing_key(&org.id, &wrong).await {
        Ok(_) => panic!("opened with the wrong master key"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("master key"), "{err}");
    assert!(!err.contains(&hex::encode(seed.as_slice())));
}

#[test]
fn master_key_file_is_created_private_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let first = credence::keyring::load_master_key(dir.path(), None).unwrap();
    let path = dir.path().join("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = credence::keyring::load_master_key(dir.path(), None).unwrap();
    let sealed = credence_core::sealed_key::seal(&first, &[9u8; 32], b"ad");
    assert_eq!(*credence_core::sealed_key::open(&again, &sealed, b"ad").unwrap(), [9u8; 32]);
    // The environment wins over the file; a malformed value is refused.
    let env_key = "11".repeat(32);
    let from_env = credence::keyring::load_master_key(dir.path(), Some(&env_key)).unwrap();
    assert!(credence_core::sealed_key::open(&from_env, &sealed, b"ad").is_err());
    assert!(credence::keyring::load_master_key(dir.path(), Some("not-a-key")).is_err());
    assert!(!format!("{first:?}").contains(&first.to_hex().to_string()));
}
