//! Legacy `Ed25519Signature2020` proofs and CLR 2.0 credentials, on the fixtures the Digital
//! Bazaar npm stack made (tests/vectors/legacy-ed25519-2020, see its README): each verifies,
//! with the key bound to the issuer by the one rule; each tampered variant fails and says why.

use std::time::{Duration, Instant};

use crate::hostile_support::{Shape, hostile_credential};
use credence_core::canon::CanonLimits;
use credence_core::data_integrity::{
    Cryptosuite, DidKeyResolver, ED25519_2020_CONTEXT, ProofError, verify_proofs, verify_proofs_with_limits,
};
use credence_core::did;
use credence_core::verify::{
    Check, CheckStatus, KeyResolver, OfflineResolver, VerificationReport, VerifyOptions, issuer_proven,
    verify_credential, verify_credential_with,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/legacy-ed25519-2020/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn keys() -> Value {
    fixture("keys.json")
}

fn report(doc: &Value) -> VerificationReport {
    verify_credential(doc, &OfflineResolver::new(), NOW)
}

fn named<'a>(report: &'a VerificationReport, name: &str) -> &'a Check {
    report.checks.iter().find(|c| c.check == name).unwrap_or_else(|| panic!("no check {name}: {report:#?}"))
}

fn assert_all_passed(report: &VerificationReport) {
    assert!(report.verified, "{report:#?}");
    assert!(report.checks.iter().all(|c| c.status == CheckStatus::Passed), "{report:#?}");
    assert!(issuer_proven(&report.checks), "{report:#?}");
}

#[test]
fn the_bundled_context_is_the_published_one() {
    let text = include_str!("../../../../contexts/ed25519-signature-2020-v1.jsonld");
    let doc: Value = serde_json::from_str(text).unwrap();
    let terms = &doc["@context"];
    assert_eq!(terms["Ed25519Signature2020"]["@id"], "https://w3id.org/security#Ed25519Signature2020");
    assert_eq!(terms["Ed25519VerificationKey2020"]["@id"], "https://w3id.org/security#Ed25519VerificationKey2020");
    assert_eq!(terms["Ed25519Signature2020"]["@context"]["proofValue"]["@type"], "https://w3id.org/security#multibase");
    assert!(credence_core::jsonld::loader::is_bundled(ED25519_2020_CONTEXT));
}

#[test]
fn a_vc_1_1_credential_signed_by_the_npm_stack_verifies_and_gets_validity_checks() {
    let doc = fixture("vc11-ob.json");
    assert_eq!(doc["@context"][0], "https://www.w3.org/2018/credentials/v1");
    let report = report(&doc);
    assert_all_passed(&report);
    assert_eq!(named(&report, "proof[0]").message, "Ed25519Signature2020 signature verifies");
    let issuer = named(&report, "issuer[0]");
    assert!(issuer.message.contains(keys()["issuer"].as_str().unwrap()), "{issuer:?}");
    assert!(named(&report, "validity").message.contains("until 2099-06-01T12:00:00Z"), "{report:#?}");

    // issuanceDate and expirationDate are the validity window of a VC 1.1 credential.
    let before = verify_credential(&doc, &OfflineResolver::new(), datetime!(2022-01-01 00:00 UTC));
    let validity = named(&before, "validity");
    assert_eq!(validity.status, CheckStatus::Failed);
    assert_eq!(validity.message, "not valid before 2022-06-01T12:00:00Z");
    let after = verify_credential(&doc, &OfflineResolver::new(), datetime!(2100-01-01 00:00 UTC));
    let validity = named(&after, "validity");
    assert_eq!(validity.status, CheckStatus::Failed);
    assert_eq!(validity.message, "expired on 2099-06-01T12:00:00Z");
    assert!(!after.verified);
}

#[test]
fn an_ob3_credential_signed_by_the_npm_stack_verifies() {
    let doc = fixture("ob3.json");
    assert_eq!(doc["proof"]["type"], "Ed25519Signature2020");
    let report = report(&doc);
    assert_all_passed(&report);
    assert_eq!(named(&report, "proof[0]").message, "Ed25519Signature2020 signature verifies");
    // The bare proof check too, with the did:key resolver.
    let outcomes = verify_proofs(&doc, &DidKeyResolver);
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].result, Ok(()));
    assert_eq!(outcomes[0].cryptosuite.as_deref(), Some("Ed25519Signature2020"));
}

#[test]
fn a_changed_claim_fails_the_signature() {
    for name in ["vc11-ob.json", "ob3.json"] {
        let mut doc = fixture(name);
        doc["credentialSubject"]["achievement"]["name"] = json!("Something else");
        let report = report(&doc);
        let proof = named(&report, "proof[0]");
        assert_eq!(proof.status, CheckStatus::Failed, "{name}");
        assert_eq!(proof.message, ProofError::SignatureInvalid.to_string(), "{name}");
        assert!(!report.verified && !issuer_proven(&report.checks));
        // A changed proof option is a changed signing input too.
        let mut doc = fixture(name);
        doc["proof"]["created"] = json!("2020-01-01T00:00:00Z");
        assert_eq!(named(&self::report(&doc), "proof[0]").message, ProofError::SignatureInvalid.to_string());
    }
}

#[test]
fn a_changed_proof_value_fails() {
    let mut doc = fixture("ob3.json");
    let value = doc["proof"]["proofValue"].as_str().unwrap().to_owned();
    // Another valid-looking signature: the last base58 digit changed.
    let last = if value.ends_with('2') { '3' } else { '2' };
    doc["proof"]["proofValue"] = json!(format!("{}{last}", &value[..value.len() - 1]));
    let report = report(&doc);
    let proof = named(&report, "proof[0]");
    assert_eq!(proof.status, CheckStatus::Failed);
    assert!(
        proof.message == ProofError::SignatureInvalid.to_string() || proof.message.starts_with("malformed proofValue"),
        "{proof:?}"
    );
    doc["proof"]["proofValue"] = json!("uAAAA");
    let proof = named(&self::report(&doc), "proof[0]").clone();
    assert_eq!(proof.message, "malformed proofValue: expected base58btc multibase ('z' prefix)");
}

/// The npm stack signed with another did:key, the credential still naming the original issuer:
/// the signature is intact, and the key is not the issuer's.
#[test]
fn a_proof_by_another_did_key_is_not_the_issuers() {
    let doc = fixture("ob3-other-key.json");
    let keys = keys();
    assert_eq!(doc["issuer"]["id"], keys["issuer"]);
    assert_eq!(doc["proof"]["verificationMethod"], keys["otherVerificationMethod"]);
    let report = report(&doc);
    assert_eq!(named(&report, "proof[0]").status, CheckStatus::Passed);
    let issuer = named(&report, "issuer[0]");
    assert_eq!(issuer.status, CheckStatus::Failed);
    assert_eq!(
        issuer.message,
        format!(
            "the signing key {} is controlled by {}, not by {} (the issuer)",
            keys["otherVerificationMethod"].as_str().unwrap(),
            keys["otherKey"].as_str().unwrap(),
            keys["issuer"].as_str().unwrap()
        )
    );
    assert!(!report.verified && !issuer_proven(&report.checks));
}

#[test]
fn a_verification_method_pointing_elsewhere_fails() {
    let keys = keys();
    // The other key's method: the signature no longer matches (the proof options changed too).
    let mut doc = fixture("ob3.json");
    doc["proof"]["verificationMethod"] = keys["otherVerificationMethod"].clone();
    let report = report(&doc);
    assert_eq!(named(&report, "proof[0]").message, ProofError::SignatureInvalid.to_string());
    assert!(!issuer_proven(&report.checks));

    // A method of a did:web document nobody gave: nothing can be told, never "valid".
    let mut doc = fixture("ob3.json");
    doc["proof"]["verificationMethod"] = json!("did:web:elsewhere.example#key-1");
    let report = self::report(&doc);
    let proof = named(&report, "proof[0]");
    assert_eq!(proof.status, CheckStatus::Error, "{proof:?}");
    assert!(proof.message.contains("did:web:elsewhere.example#key-1"), "{proof:?}");
    assert!(!report.verified);

    // A did:key fragment that is not the key.
    let mut doc = fixture("ob3.json");
    let issuer = keys["issuer"].as_str().unwrap();
    doc["proof"]["verificationMethod"] = json!(format!("{issuer}#key-1"));
    let proof = named(&self::report(&doc), "proof[0]").clone();
    assert_eq!(proof.status, CheckStatus::Failed);
    assert!(proof.message.contains("fragment"), "{proof:?}");
}

#[test]
fn a_removed_proof_fails() {
    let mut doc = fixture("ob3.json");
    doc.as_object_mut().unwrap().remove("proof");
    let report = report(&doc);
    let proof = named(&report, "proof[0]");
    assert_eq!(proof.status, CheckStatus::Failed);
    assert_eq!(proof.message, "document has no proof");
    assert!(!report.verified && !issuer_proven(&report.checks));
}

#[test]
fn the_suite_context_must_be_listed() {
    let mut doc = fixture("ob3.json");
    doc["@context"].as_array_mut().unwrap().retain(|c| c != ED25519_2020_CONTEXT);
    let outcomes = verify_proofs(&doc, &DidKeyResolver);
    assert_eq!(
        outcomes[0].result,
        Err(ProofError::MissingSuiteContext { proof_type: "Ed25519Signature2020", context: ED25519_2020_CONTEXT })
    );
    assert_eq!(
        outcomes[0].result.clone().unwrap_err().to_string(),
        "an Ed25519Signature2020 proof needs the document's @context to list \
         https://w3id.org/security/suites/ed25519-2020/v1"
    );
    let mut doc = fixture("ob3.json");
    doc["proof"]["type"] = json!("Ed25519Signature2018");
    assert_eq!(
        verify_proofs(&doc, &DidKeyResolver)[0].result,
        Err(ProofError::UnsupportedProofType("Ed25519Signature2018".into()))
    );
}

/// A did:web issuer whose document lists an `Ed25519VerificationKey2020` method: the key is
/// found there and is the issuer's; the same key under another DID's document is not.
#[test]
fn ed25519_verification_key_2020_methods_resolve_from_the_issuers_document() {
    let keys = keys();
    let did_key = did::DidKey::parse(keys["issuer"].as_str().unwrap()).unwrap();
    // did:key documents resolve the method of an Ed25519Signature2020 proof.
    let resolved = OfflineResolver::new().resolve_method(&did_key.verification_method_id()).unwrap();
    assert_eq!(resolved.controller, did_key.did);
    assert_eq!(resolved.ed25519(), Some(did_key.public_key));

    let did = "did:web:college.example";
    let method = format!("{did}#key-2020");
    let document = json!({
        "@context": ["https://www.w3.org/ns/did/v1", ED25519_2020_CONTEXT],
        "id": did,
        "verificationMethod": [{
            "id": method,
            "type": "Ed25519VerificationKey2020",
            "controller": did,
            "publicKeyMultibase": did_key.multibase,
        }],
        "assertionMethod": [method],
    });
    let mut resolver = OfflineResolver::new();
    resolver.add_document(did, document);
    let resolved = resolver.resolve_method(&method).unwrap();
    assert_eq!(resolved.controller, did);
    assert_eq!(resolved.ed25519(), Some(did_key.public_key));
}

/// The legacy suite canonicalizes under the same limits: a hostile blank-node graph with an
/// Ed25519Signature2020 proof ends within the time budget with the budget's error.
#[test]
fn a_hostile_graph_under_the_legacy_suite_ends_within_the_budget() {
    let mut doc = hostile_credential(Shape::Copies { copies: 400, n: 5 }, Cryptosuite::EddsaRdfc2022, &[3; 64]);
    doc["@context"].as_array_mut().unwrap().insert(2, json!(ED25519_2020_CONTEXT));
    let proof = doc["proof"].as_object_mut().unwrap();
    proof.insert("type".into(), json!("Ed25519Signature2020"));
    proof.remove("cryptosuite");
    let limits = CanonLimits { max_work: u64::MAX, max_time: Some(Duration::from_millis(20)), ..Default::default() };
    let started = Instant::now();
    let outcomes = verify_proofs_with_limits(&doc, &DidKeyResolver, &limits);
    assert!(outcomes[0].is_over_budget(), "{outcomes:?}");
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());

    // Through the report, with the default work budget: an answer, not a hang.
    let resolver = OfflineResolver::new();
    let mut options = VerifyOptions::new(&resolver, NOW);
    options.canon = limits;
    let started = Instant::now();
    let report = verify_credential_with(&doc, &options);
    assert!(report.over_budget && !report.verified, "{report:#?}");
    assert_eq!(named(&report, "proof[0]").status, CheckStatus::Failed);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

// ---------------------------------------------------------------- CLR 2.0

fn statuses<'a>(report: &'a VerificationReport, prefix: &str) -> Vec<(&'a str, CheckStatus)> {
    report.checks.iter().filter(|c| c.check.starts_with(prefix)).map(|c| (c.check.as_str(), c.status)).collect()
}

#[test]
fn a_clr_and_each_credential_in_it_verify() {
    let doc = fixture("clr.json");
    assert_eq!(doc["type"], json!(["VerifiableCredential", "ClrCredential"]));
    let report = report(&doc);
    assert_all_passed(&report);
    assert_eq!(named(&report, "structure").message, "the document is a well-formed CLR 2.0 credential (ClrCredential)");
    assert_eq!(named(&report, "proof[0]").message, "Ed25519Signature2020 signature verifies");
    for i in 0..2 {
        let summary = named(&report, &format!("credential[{i}]"));
        assert!(summary.message.ends_with("verifies"), "{summary:?}");
        for check in ["proof[0]", "issuer[0]", "validity", "structure", "contexts"] {
            let nested = named(&report, &format!("credential[{i}].{check}"));
            assert_eq!(nested.status, CheckStatus::Passed, "{nested:?}");
        }
        assert_eq!(
            named(&report, &format!("credential[{i}].proof[0]")).message,
            "Ed25519Signature2020 signature verifies"
        );
    }
    assert!(report.checks.iter().all(|c| !c.check.starts_with("credential[2]")));
}

#[test]
fn each_nested_credential_has_its_own_validity_window() {
    // The CLR is valid from 2024-01-15, its credentials from 2023-09-01.
    let report = verify_credential(&fixture("clr.json"), &OfflineResolver::new(), datetime!(2023-10-01 00:00 UTC));
    assert_eq!(named(&report, "validity").status, CheckStatus::Failed);
    for i in 0..2 {
        assert_eq!(named(&report, &format!("credential[{i}].validity")).status, CheckStatus::Passed);
        assert_eq!(named(&report, &format!("credential[{i}]")).status, CheckStatus::Passed);
    }
    let report = verify_credential(&fixture("clr.json"), &OfflineResolver::new(), datetime!(2023-08-01 00:00 UTC));
    let nested = named(&report, "credential[1].validity");
    assert_eq!(
        (nested.status, nested.message.as_str()),
        (CheckStatus::Failed, "not valid before 2023-09-01T12:00:00Z")
    );
    let summary = named(&report, "credential[1]");
    assert_eq!(summary.status, CheckStatus::Failed);
    assert!(summary.message.contains("does not verify: validity: not valid before"), "{summary:?}");
}

/// The CLR's own signature is sound, and one credential inside was altered before it was
/// wrapped: that credential fails, by name, and so does the whole.
#[test]
fn an_altered_nested_credential_fails_alone() {
    let report = report(&fixture("clr-altered-nested.json"));
    assert_eq!(named(&report, "proof[0]").status, CheckStatus::Passed);
    assert_eq!(named(&report, "issuer[0]").status, CheckStatus::Passed);
    assert_eq!(named(&report, "credential[0]").status, CheckStatus::Passed);
    let proof = named(&report, "credential[1].proof[0]");
    assert_eq!((proof.status, proof.message.clone()), (CheckStatus::Failed, ProofError::SignatureInvalid.to_string()));
    let summary = named(&report, "credential[1]");
    assert_eq!(summary.status, CheckStatus::Failed);
    assert!(summary.message.contains("urn:uuid:7c3e9f10-2b4d-4a6e-8c1f-3d5b7a9e0c22"), "{summary:?}");
    assert!(summary.message.contains("does not verify: proof[0]: signature invalid"), "{summary:?}");
    assert!(!report.verified);
}

/// A nested credential is held to its own issuer: one signed with another did:key than its
/// issuer's fails its `issuer[0]`, whatever the CLR's proof says.
#[test]
fn a_nested_credential_signed_by_another_key_is_not_its_issuers() {
    let mut doc = fixture("clr.json");
    doc["credentialSubject"]["verifiableCredential"][0] = fixture("ob3-other-key.json");
    let report = report(&doc);
    // The CLR's proof covered the credential that was there before.
    assert_eq!(named(&report, "proof[0]").message, ProofError::SignatureInvalid.to_string());
    assert_eq!(named(&report, "credential[0].proof[0]").status, CheckStatus::Passed);
    let issuer = named(&report, "credential[0].issuer[0]");
    assert_eq!(issuer.status, CheckStatus::Failed);
    assert!(issuer.message.contains(&format!("controlled by {}", keys()["otherKey"].as_str().unwrap())), "{issuer:?}");
    assert_eq!(named(&report, "credential[1]").status, CheckStatus::Passed);
}

#[test]
fn a_clr_inside_a_clr_is_refused_not_followed() {
    let report = report(&fixture("clr-in-clr.json"));
    assert_eq!(named(&report, "proof[0]").status, CheckStatus::Passed);
    let nested = named(&report, "credential[0]");
    assert_eq!(nested.status, CheckStatus::Failed);
    assert_eq!(
        nested.message,
        "a ClrCredential inside a ClrCredential is not verified: CLRs are verified one level deep"
    );
    assert!(statuses(&report, "credential[0].").is_empty(), "{report:#?}");
    assert!(!report.verified);
}

#[test]
fn what_a_clr_may_hold_is_bounded() {
    let mut doc = fixture("clr.json");
    let one = doc["credentialSubject"]["verifiableCredential"][0].clone();
    doc["credentialSubject"]["verifiableCredential"] = json!(vec![one; 65]);
    let started = Instant::now();
    let report = report(&doc);
    let limit = named(&report, "credentials");
    assert_eq!(limit.status, CheckStatus::Failed);
    assert_eq!(limit.message, "the CLR holds 65 credentials, more than the 64 this verifier checks");
    assert!(statuses(&report, "credential[").is_empty());
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

    let mut doc = fixture("clr.json");
    doc["credentialSubject"]["verifiableCredential"] = json!([42]);
    let report = self::report(&doc);
    assert_eq!(named(&report, "credential[0]").message, "not a credential (a JSON object or a VC-JWT)");

    let mut doc = fixture("clr.json");
    doc["credentialSubject"].as_object_mut().unwrap().remove("verifiableCredential");
    let report = self::report(&doc);
    let structure = named(&report, "structure");
    assert_eq!(structure.status, CheckStatus::Failed);
    assert!(structure.message.contains("credentialSubject.verifiableCredential"), "{structure:?}");
}

/// Hostile credentials inside a CLR share the CLR's one canonicalization budget.
#[test]
fn hostile_nested_credentials_share_one_budget() {
    let hostile = hostile_credential(Shape::Copies { copies: 400, n: 5 }, Cryptosuite::EddsaRdfc2022, &[4; 64]);
    let mut doc = fixture("clr.json");
    doc["credentialSubject"]["verifiableCredential"] = json!(vec![hostile; 8]);
    let resolver = OfflineResolver::new();
    let mut options = VerifyOptions::new(&resolver, NOW);
    options.canon = CanonLimits { max_work: u64::MAX, max_time: Some(Duration::from_millis(50)), ..Default::default() };
    let started = Instant::now();
    let report = verify_credential_with(&doc, &options);
    let elapsed = started.elapsed();
    assert!(report.over_budget && !report.verified, "{report:#?}");
    assert_eq!(statuses(&report, "credential[").iter().filter(|(n, _)| !n.contains('.')).count(), 8);
    // One budget of 50 ms for all, plus the JSON-LD expansion of each: far from 8 x 50 ms of work.
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn a_clrs_own_status_entries_are_looked_up_like_any_credentials() {
    struct Revoked;
    impl credence_core::verify::StatusLookup for Revoked {
        fn lookup(&self, _issuer: &str, list: &str, purpose: &str, index: u64) -> credence_core::verify::StatusAnswer {
            assert_eq!((list, purpose, index), ("https://clr.example/status/1", "revocation", 7));
            credence_core::verify::StatusAnswer::Set
        }
    }
    let mut clr = fixture("clr.json");
    clr["credentialStatus"] = json!({"id": "https://clr.example/status/1#7", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "7", "statusListCredential": "https://clr.example/status/1"});
    let resolver = OfflineResolver::new();
    let options = VerifyOptions { status: Some(&Revoked), ..VerifyOptions::new(&resolver, NOW) };
    let report = verify_credential_with(&clr, &options);
    assert_eq!(named(&report, "status[0]").status, CheckStatus::Failed, "{report:#?}");
    assert_eq!(named(&report, "status[0]").message, "revoked by the issuer");
    // Offline, as for any credential: not looked up.
    assert_eq!(named(&self::report(&clr), "status").status, CheckStatus::Skipped);
}

// ---------------------------------------------------------------- CLR endorsements

/// The npm verifier's verdict on each endorsement embedded in a fixture (keys.json).
fn npm_endorsement_verdicts(file: &str) -> Vec<bool> {
    serde_json::from_value(keys()["npmVerifiesEndorsements"][file].clone()).unwrap()
}

#[test]
fn a_clrs_endorsement_and_a_held_achievements_are_verified_as_credentials() {
    let report = report(&fixture("clr-endorsed.json"));
    assert_all_passed(&report);
    assert_eq!(npm_endorsement_verdicts("clr-endorsed.json"), [true, true]);
    let endorser = keys()["endorser"].as_str().unwrap().to_owned();
    for name in ["endorsement[0]", "credential[1].achievement.endorsement[0]"] {
        let summary = named(&report, name);
        assert!(summary.message.ends_with(&format!("by {endorser} verifies")), "{summary:?}");
        for check in ["contexts", "structure", "proof[0]", "issuer[0]", "validity", "status"] {
            assert_eq!(named(&report, &format!("{name}.{check}")).status, CheckStatus::Passed);
        }
        assert!(named(&report, &format!("{name}.issuer[0]")).message.contains(&endorser));
    }
    // The credential held first carries none.
    assert!(report.checks.iter().all(|c| !c.check.starts_with("credential[0].achievement.endorsement")));
}

#[test]
fn an_altered_endorsement_fails_by_name_while_the_clr_proof_holds() {
    let report = report(&fixture("clr-endorsement-altered.json"));
    assert_eq!(npm_endorsement_verdicts("clr-endorsement-altered.json"), [false]);
    assert_eq!(named(&report, "proof[0]").status, CheckStatus::Passed);
    assert_eq!(named(&report, "credential[0]").status, CheckStatus::Passed);
    let proof = named(&report, "endorsement[0].proof[0]");
    assert_eq!((proof.status, proof.message.clone()), (CheckStatus::Failed, ProofError::SignatureInvalid.to_string()));
    let summary = named(&report, "endorsement[0]");
    assert_eq!(summary.status, CheckStatus::Failed);
    assert!(summary.message.contains("does not verify: proof[0]"), "{summary:?}");
    assert!(!report.verified);
    // The CLR's issuer signed the CLR: that stays proven; the endorsement is reported apart.
    assert!(issuer_proven(&report.checks));
}

#[test]
fn an_endorsement_has_its_own_validity_window() {
    let doc = fixture("clr-endorsement-expired.json");
    assert_eq!(npm_endorsement_verdicts("clr-endorsement-expired.json"), [false]);
    let report = report(&doc);
    let validity = named(&report, "endorsement[0].validity");
    assert_eq!((validity.status, validity.message.as_str()), (CheckStatus::Failed, "expired on 2025-01-01T00:00:00Z"));
    assert_eq!(named(&report, "endorsement[0]").status, CheckStatus::Failed);
    assert_eq!(named(&report, "validity").status, CheckStatus::Passed);
    assert!(!report.verified);
    let before = verify_credential(&doc, &OfflineResolver::new(), datetime!(2024-06-01 00:00 UTC));
    assert_all_passed(&before);
}

#[test]
fn an_endorsement_signed_by_a_key_not_the_endorsers_fails() {
    let report = report(&fixture("clr-endorsement-other-key.json"));
    assert_eq!(npm_endorsement_verdicts("clr-endorsement-other-key.json"), [false]);
    assert_eq!(named(&report, "endorsement[0].proof[0]").status, CheckStatus::Passed);
    let owner = named(&report, "endorsement[0].issuer[0]");
    assert_eq!(owner.status, CheckStatus::Failed);
    assert!(owner.message.contains(keys()["otherKey"].as_str().unwrap()), "{owner:?}");
    assert_eq!(named(&report, "endorsement[0]").status, CheckStatus::Failed);
}

#[test]
fn an_endorsements_status_is_looked_up_for_the_endorser() {
    struct Revoked(String);
    impl credence_core::verify::StatusLookup for Revoked {
        fn lookup(&self, issuer: &str, list: &str, _: &str, _: u64) -> credence_core::verify::StatusAnswer {
            assert_eq!((issuer, list), (self.0.as_str(), "https://guild.example/status/1"));
            credence_core::verify::StatusAnswer::Set
        }
    }
    // Unsigned here (the status entry is added after signing): the status check runs anyway.
    let mut doc = fixture("clr-endorsed.json");
    doc["endorsement"][0]["credentialStatus"] = json!({"id": "https://guild.example/status/1#3",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "3",
        "statusListCredential": "https://guild.example/status/1"});
    let lookup = Revoked(keys()["endorser"].as_str().unwrap().to_owned());
    let resolver = OfflineResolver::new();
    let mut options = VerifyOptions::new(&resolver, NOW);
    options.status = Some(&lookup);
    let report = verify_credential_with(&doc, &options);
    let status = named(&report, "endorsement[0].status[0]");
    assert_eq!((status.status, status.message.as_str()), (CheckStatus::Failed, "revoked by the issuer"));
}

#[test]
fn endorsements_are_bounded_and_never_followed_further() {
    let mut doc = fixture("clr-endorsed.json");
    let one = doc["endorsement"][0].clone();
    // An endorsement carrying an endorsement: the inner one is not looked at.
    let mut nesting = one.clone();
    nesting["endorsement"] = json!([{"type": ["EndorsementCredential"], "proof": {"type": "nonsense"}}]);
    doc["endorsement"] = json!([nesting]);
    let nested = report(&doc);
    assert!(nested.checks.iter().all(|c| !c.check.starts_with("endorsement[0].endorsement")), "{nested:#?}");
    // More than the bound: refused with one check, none verified.
    doc["endorsement"] = Value::Array(vec![one; credence_core::endorsement::MAX_ENDORSEMENTS + 1]);
    let many = report(&doc);
    let refused = named(&many, "endorsements");
    assert_eq!(refused.status, CheckStatus::Failed);
    assert!(many.checks.iter().all(|c| !c.check.starts_with("endorsement[")));
    // Not an endorsement at all.
    doc["endorsement"] = json!(["a string", {"type": ["VerifiableCredential"]}]);
    let odd = report(&doc);
    assert_eq!(named(&odd, "endorsement[0]").status, CheckStatus::Failed);
    assert_eq!(named(&odd, "endorsement[1]").status, CheckStatus::Failed);
}
