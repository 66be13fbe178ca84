//! Credentials that are not Open Badges: verified by the VC Data Model's own rules, and
//! refused, one rule at a time, when they break one of them.

use credence_core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
use credence_core::model::validate_vc;
use credence_core::multibase;
use credence_core::verify::{CheckStatus, OfflineResolver, VerificationReport, verify_credential};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use time::macros::datetime;

fn issuer_key() -> (SigningKey, String) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let mk = multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    (key, format!("did:key:{mk}"))
}

/// A VC 2.0 credential of no Open Badges type, issued by a did:key.
fn alumni() -> Value {
    let (_, did) = issuer_key();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": [{"@value": "Ancien élève", "@language": "fr"}, {"@value": "Alumni", "@language": "en"}],
        "issuer": did,
        "validFrom": "2023-01-01T00:00:00Z",
        "validUntil": "2033-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    })
}

fn signed(doc: &Value, suite: Cryptosuite) -> Value {
    let (key, did) = issuer_key();
    let method = format!("{did}#{}", did.trim_start_matches("did:key:"));
    add_proof(doc, &key, &ProofOptions::new(suite, method).with_created("2024-03-01T09:00:00Z")).unwrap()
}

fn verify(doc: &Value) -> VerificationReport {
    verify_credential(doc, &OfflineResolver::new(), datetime!(2026-06-01 00:00 UTC))
}

fn status_of(report: &VerificationReport, name: &str) -> Option<CheckStatus> {
    report.checks.iter().find(|c| c.check == name).map(|c| c.status)
}

#[test]
fn a_generic_vc_verifies_by_its_own_rules_with_both_suites() {
    for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
        let report = verify(&signed(&alumni(), suite));
        assert!(report.verified, "{suite:?}: {:#?}", report.checks);
        let structure = report.checks.iter().find(|c| c.check == "structure").unwrap();
        assert!(structure.message.contains("not an Open Badge"), "{}", structure.message);
        assert!(structure.message.contains("VC Data Model 2.0"), "{}", structure.message);
        assert_eq!(status_of(&report, "issuer[0]"), Some(CheckStatus::Passed));
    }
}

#[test]
fn a_vc_1_1_credential_verifies_with_its_own_dates() {
    let mut doc = alumni();
    doc["@context"] = json!([
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/examples/v2",
        "https://w3id.org/security/data-integrity/v2"
    ]);
    let object = doc.as_object_mut().unwrap();
    object.remove("validFrom");
    object.remove("validUntil");
    object.remove("description");
    object.insert("issuanceDate".into(), json!("2023-01-01T00:00:00Z"));
    object.insert("expirationDate".into(), json!("2026-01-01T00:00:00Z"));
    let report = verify(&signed(&doc, Cryptosuite::EddsaRdfc2022));
    assert_eq!(status_of(&report, "proof[0]"), Some(CheckStatus::Passed), "{:#?}", report.checks);
    // Expired on its VC 1.1 expirationDate.
    assert_eq!(status_of(&report, "validity"), Some(CheckStatus::Failed), "{:#?}", report.checks);
    assert!(!report.verified);
}

#[test]
fn a_generic_vc_with_a_tampered_claim_or_expired_fails() {
    let mut doc = signed(&alumni(), Cryptosuite::EddsaRdfc2022);
    doc["credentialSubject"]["alumniOf"] = json!("Another School");
    let report = verify(&doc);
    assert_eq!(status_of(&report, "proof[0]"), Some(CheckStatus::Failed));
    assert!(!report.verified);

    let mut doc = alumni();
    doc["validUntil"] = json!("2024-01-01T00:00:00Z");
    let report = verify(&signed(&doc, Cryptosuite::EddsaRdfc2022));
    assert_eq!(status_of(&report, "validity"), Some(CheckStatus::Failed));
}

#[test]
fn a_key_of_another_did_does_not_make_a_generic_vc_valid() {
    let mut doc = alumni();
    doc["issuer"] = json!("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK");
    let report = verify(&signed(&doc, Cryptosuite::EddsaRdfc2022));
    assert_eq!(status_of(&report, "proof[0]"), Some(CheckStatus::Passed));
    assert_eq!(status_of(&report, "issuer[0]"), Some(CheckStatus::Failed), "{:#?}", report.checks);
    assert!(!report.verified);
}

#[test]
fn an_unknown_status_method_leaves_the_status_unknown() {
    let mut doc = alumni();
    doc["credentialStatus"] = json!({"id": "https://example.com/status/1", "type": ["ExampleStatus", "Other"]});
    let resolver = OfflineResolver::new();
    let options = credence_core::verify::VerifyOptions::new(&resolver, datetime!(2026-06-01 00:00 UTC));
    struct NoLists;
    impl credence_core::verify::StatusLookup for NoLists {
        fn lookup(&self, _: &str, _: &str, _: &str, _: u64) -> credence_core::verify::StatusAnswer {
            credence_core::verify::StatusAnswer::Clear
        }
    }
    let options = credence_core::verify::VerifyOptions { status: Some(&NoLists), ..options };
    let report = credence_core::verify::verify_credential_with(&signed(&doc, Cryptosuite::EddsaRdfc2022), &options);
    assert_eq!(status_of(&report, "status[0]"), Some(CheckStatus::Error), "{:#?}", report.checks);
    assert!(!report.verified);
}

/// One data-model rule each: the edit breaks it, and the error names the path.
#[test]
fn each_data_model_rule_is_enforced_at_its_path() {
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit)> = vec![
        ("credentialSubject", |d| {
            d.as_object_mut().unwrap().remove("credentialSubject");
        }),
        ("credentialSubject", |d| d["credentialSubject"] = json!({})),
        ("credentialSubject", |d| d["credentialSubject"] = json!([])),
        ("credentialSubject.id", |d| d["credentialSubject"]["id"] = json!("not a url")),
        ("@context[0]", |d| d["@context"] = json!(["https://www.w3.org/ns/credentials/examples/v2"])),
        ("@context[1]", |d| d["@context"][1] = json!(42)),
        ("type", |d| d["type"] = json!(["AlumniCredential"])),
        ("type", |d| d["type"] = json!([])),
        ("issuer", |d| {
            d.as_object_mut().unwrap().remove("issuer");
        }),
        ("issuer", |d| d["issuer"] = json!("no scheme")),
        ("issuer.id", |d| d["issuer"] = json!({"name": "No id"})),
        ("id", |d| d["id"] = json!("not a url")),
        ("validFrom", |d| d["validFrom"] = json!("2023-01-01")),
        ("validFrom", |d| d["validFrom"] = json!("2023-01-01T00:00:00")),
        ("validUntil", |d| d["validUntil"] = json!("tomorrow")),
        ("name", |d| d["name"] = json!(7)),
        ("description[0].@value", |d| d["description"] = json!([{"@language": "fr"}])),
        ("credentialStatus.type", |d| d["credentialStatus"] = json!({"id": "https://example.com/s#1"})),
        ("evidence[0].type", |d| d["evidence"] = json!([{"id": "https://example.com/e/1"}])),
        ("termsOfUse.type", |d| d["termsOfUse"] = json!({"id": "https://example.com/tou"})),
        ("refreshService.type", |d| d["refreshService"] = json!({"id": "https://example.com/refresh"})),
        ("credentialSchema.type", |d| d["credentialSchema"] = json!({"id": "https://example.com/schema"})),
        ("credentialSchema.id", |d| d["credentialSchema"] = json!({"type": "JsonSchema"})),
        ("relatedResource[0].id", |d| {
            d["relatedResource"] =
                json!([{"digestSRI": "sha384-WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP"}])
        }),
        ("relatedResource[1].id", |d| {
            d["relatedResource"] = json!([
                {"id": "https://example.com/a", "digestSRI": "sha384-WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP"},
                {"id": "https://example.com/a", "digestSRI": "sha384-WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP"}
            ])
        }),
        ("relatedResource[0]", |d| d["relatedResource"] = json!([{"id": "https://example.com/a"}])),
        ("relatedResource[0].digestSRI", |d| {
            d["relatedResource"] = json!([{"id": "https://example.com/a", "digestSRI": "sha384-short"}])
        }),
        ("relatedResource[0].digestMultibase", |d| {
            d["relatedResource"] = json!([{"id": "https://example.com/a", "digestMultibase": "zQmNotAHash"}])
        }),
        // 31 bytes: neither a multihash nor a whole digest
        ("relatedResource[0].digestMultibase", |d| {
            d["relatedResource"] = json!([{"id": "https://example.com/a", "digestMultibase": "uLPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmA"}])
        }),
    ];
    for (path, edit) in cases {
        let mut doc = alumni();
        edit(&mut doc);
        let errors = validate_vc(&doc).expect_err(path);
        assert!(errors.iter().any(|e| e.path == path), "{path}: {errors:?}");
    }
}

#[test]
fn well_formed_optional_parts_are_accepted() {
    let mut doc = alumni();
    doc["credentialStatus"] = json!({"id": "https://example.com/s#1", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "1", "statusListCredential": "https://example.com/s"});
    doc["evidence"] = json!([{"type": ["Evidence"], "id": "https://example.com/e/1"}]);
    doc["termsOfUse"] = json!({"type": "TrustFrameworkPolicy"});
    doc["credentialSchema"] = json!({"id": "https://example.com/schema", "type": "JsonSchema"});
    // SHA-256 and SHA-384 of "hello", as a multihash (base58btc), in SRI form and as the
    // bare base64url digest (the W3C VC Data Model 2.0 suite's form)
    doc["relatedResource"] = json!([
        {"id": "https://example.com/a", "digestSRI": "sha384-WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP"},
        {"id": "https://example.com/b", "digestMultibase": "zQmRN6wdp1S2A5EtjW9A3M1vKSBuQQGcgvuhoMUoEz4iiT5"},
        {"id": "https://example.com/c", "digestMultibase": "uLPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"}
    ]);
    validate_vc(&doc).unwrap();
}

#[test]
fn a_vc_1_1_credential_needs_its_issuance_date() {
    let mut doc = alumni();
    doc["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
    let errors = validate_vc(&doc).unwrap_err();
    assert!(errors.iter().any(|e| e.path == "issuanceDate"), "{errors:?}");
}

#[test]
fn status_entries_are_read_one_by_one_from_a_list_or_a_single_object() {
    let mut doc = alumni();
    let entry = json!({"id": "https://example.com/s#1", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "1", "statusListCredential": "https://example.com/s"});
    doc["credentialStatus"] = json!([entry.clone(), entry.clone()]);
    let vc = validate_vc(&doc).unwrap();
    let entries = vc.status_entries();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.as_ref().is_ok_and(|e| e.kind == "BitstringStatusListEntry")));
    doc["credentialStatus"] = entry;
    assert_eq!(validate_vc(&doc).unwrap().status_entries().len(), 1);
}
