//! Tampering and hostile input: every change must fail verification with the failing check
//! named, and bad input must give a clear error quickly, never a panic or a hang.

use std::time::{Duration, Instant};

use credence_core::data_integrity::{
    Cryptosuite, DidKeyResolver, MAX_PROOFS, MapResolver, ProofError, ProofOptions, add_proof, all_verified,
    verify_proofs,
};
use credence_core::jsonld::{self, JsonLdError};
use credence_core::multibase;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

fn rich() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/rich-credential.json"))
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn key(seed: u8) -> (SigningKey, String) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let mk = multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    (key, format!("did:key:{mk}#{mk}"))
}

fn signed(suite: Cryptosuite) -> Value {
    let (k, vm) = key(1);
    add_proof(&rich(), &k, &ProofOptions::new(suite, vm).with_created("2024-03-01T09:00:00Z")).unwrap()
}

fn first_error(doc: &Value) -> ProofError {
    try_first_error(doc).expect("verification should fail")
}

fn try_first_error(doc: &Value) -> Option<ProofError> {
    verify_proofs(doc, &DidKeyResolver).into_iter().find_map(|o| o.result.err())
}

#[test]
fn untouched_documents_verify_with_both_suites() {
    for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
        assert!(all_verified(&verify_proofs(&signed(suite), &DidKeyResolver)));
    }
}

/// A change made to a signed document.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn changing_any_signed_field_breaks_the_signature() {
    for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
        let edits: Vec<(&str, Edit)> = vec![
            ("name", Box::new(|d| d["name"] = json!("Other"))),
            ("issuer.id", Box::new(|d| d["issuer"]["id"] = json!("https://evil.example/issuer"))),
            ("validUntil", Box::new(|d| d["validUntil"] = json!("2099-01-01T00:00:00Z"))),
            (
                "alignment",
                Box::new(|d| d["credentialSubject"]["achievement"]["alignment"][2]["targetName"] = json!("x")),
            ),
            (
                "identityHash",
                Box::new(|d| d["credentialSubject"]["identifier"][0]["identityHash"] = json!("sha256$00")),
            ),
            (
                "evidence removed",
                Box::new(|d| {
                    d.as_object_mut().unwrap().remove("evidence");
                }),
            ),
            ("proof created", Box::new(|d| d["proof"]["created"] = json!("2024-03-02T09:00:00Z"))),
            ("proof purpose", Box::new(|d| d["proof"]["proofPurpose"] = json!("authentication"))),
            ("context list", Box::new(|d| d["@context"][1] = json!("https://www.w3.org/ns/credentials/examples/v2"))),
            (
                "context removed",
                Box::new(|d| {
                    d["@context"].as_array_mut().unwrap().pop();
                }),
            ),
        ];
        for (what, edit) in edits {
            let mut doc = signed(suite);
            edit(&mut doc);
            let err = try_first_error(&doc).unwrap_or_else(|| panic!("{suite} {what}: still verifies"));
            assert!(
                matches!(err, ProofError::SignatureInvalid | ProofError::ContextMismatch | ProofError::JsonLd(_)),
                "{suite} {what}: {err}"
            );
        }
    }
}

#[test]
fn changing_the_verification_method_or_key_is_detected() {
    let (_, other_vm) = key(2);
    let mut doc = signed(Cryptosuite::EddsaRdfc2022);
    doc["proof"]["verificationMethod"] = json!(other_vm);
    assert_eq!(first_error(&doc), ProofError::SignatureInvalid);

    let doc = signed(Cryptosuite::EddsaRdfc2022);
    let vm = doc["proof"]["verificationMethod"].as_str().unwrap().to_owned();
    let mut resolver = MapResolver::new();
    resolver.insert(vm, SigningKey::from_bytes(&[3; 32]).verifying_key().to_bytes());
    let outcome = &verify_proofs(&doc, &resolver)[0];
    assert_eq!(outcome.result, Err(ProofError::SignatureInvalid));
    assert_eq!(outcome.cryptosuite.as_deref(), Some("eddsa-rdfc-2022"));
}

#[test]
fn changing_the_cryptosuite_is_detected() {
    let mut doc = signed(Cryptosuite::EddsaRdfc2022);
    doc["proof"]["cryptosuite"] = json!("eddsa-jcs-2022");
    assert_eq!(first_error(&doc), ProofError::SignatureInvalid);
    doc["proof"]["cryptosuite"] = json!("ecdsa-rdfc-2019");
    assert_eq!(first_error(&doc), ProofError::UnknownCryptosuite("ecdsa-rdfc-2019".into()));
}

#[test]
fn proof_sets_verify_each_proof_and_name_the_failing_one() {
    let (k2, vm2) = key(2);
    let once = signed(Cryptosuite::EddsaRdfc2022);
    let twice = add_proof(&once, &k2, &ProofOptions::new(Cryptosuite::EddsaJcs2022, vm2)).unwrap();
    assert_eq!(twice["proof"].as_array().unwrap().len(), 2);
    let outcomes = verify_proofs(&twice, &DidKeyResolver);
    assert!(all_verified(&outcomes), "{outcomes:?}");
    assert_eq!(outcomes[1].cryptosuite.as_deref(), Some("eddsa-jcs-2022"));

    let mut broken = twice.clone();
    broken["proof"][1]["proofValue"] = broken["proof"][0]["proofValue"].clone();
    let outcomes = verify_proofs(&broken, &DidKeyResolver);
    assert!(outcomes[0].is_verified());
    assert_eq!(outcomes[1].result, Err(ProofError::SignatureInvalid));
}

#[test]
fn malformed_proofs_give_precise_errors() {
    let base = signed(Cryptosuite::EddsaRdfc2022);
    let cases: Vec<(Edit, ProofError)> = vec![
        (
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("proof");
            }),
            ProofError::NoProof,
        ),
        (Box::new(|d| d["proof"] = json!("x")), ProofError::ProofNotAnObject),
        (
            Box::new(|d| {
                d["proof"].as_object_mut().unwrap().remove("proofValue");
            }),
            ProofError::MissingField("proofValue"),
        ),
        (
            Box::new(|d| {
                d["proof"].as_object_mut().unwrap().remove("verificationMethod");
            }),
            ProofError::MissingField("verificationMethod"),
        ),
        (
            Box::new(|d| d["proof"]["type"] = json!("Ed25519Signature2018")),
            ProofError::UnsupportedProofType("Ed25519Signature2018".into()),
        ),
        (
            // The legacy suite is verified only with its context in the document's.
            Box::new(|d| d["proof"]["type"] = json!("Ed25519Signature2020")),
            ProofError::MissingSuiteContext {
                proof_type: "Ed25519Signature2020",
                context: "https://w3id.org/security/suites/ed25519-2020/v1",
            },
        ),
        (Box::new(|d| d["proof"]["created"] = json!("yesterday")), ProofError::InvalidCreated("yesterday".into())),
        (
            Box::new(|d| d["proof"]["proofValue"] = json!("mAAAA")),
            ProofError::MalformedProofValue("expected base58btc multibase ('z' prefix)".into()),
        ),
        (
            Box::new(|d| d["proof"]["proofValue"] = json!("z0OIl")),
            ProofError::MalformedProofValue("invalid base58btc encoding".into()),
        ),
        (
            Box::new(|d| d["proof"]["proofValue"] = json!("z3yMApqCuCjXDWPrbjfR5mjCPTHqFG8Pux1TxQrEM35jj")),
            ProofError::MalformedProofValue("signature must be 64 bytes, got 32".into()),
        ),
        (
            Box::new(|d| d["proof"]["proofPurpose"] = json!(7)),
            ProofError::InvalidField { field: "proofPurpose", reason: "expected a string, got 7".into() },
        ),
        (
            Box::new(|d| d["proof"] = json!(vec![json!({}); MAX_PROOFS + 1])),
            ProofError::TooManyProofs { found: MAX_PROOFS + 1, limit: MAX_PROOFS },
        ),
    ];
    for (edit, expected) in cases {
        let mut doc = base.clone();
        edit(&mut doc);
        assert_eq!(first_error(&doc), expected);
    }
    assert_eq!(first_error(&json!([1, 2])), ProofError::NotAnObject);
}

#[test]
fn bad_keys_are_reported() {
    let mut doc = signed(Cryptosuite::EddsaRdfc2022);
    let short = multibase::encode_base58btc(&[0xed, 0x01, 1, 2, 3]);
    doc["proof"]["verificationMethod"] = json!(format!("did:key:z6Mk{}", &short[1..]));
    assert!(matches!(first_error(&doc), ProofError::KeyNotResolvable(_) | ProofError::WrongKeyLength(_)));
    doc["proof"]["verificationMethod"] = json!(format!("did:key:{short}"));
    assert!(matches!(first_error(&doc), ProofError::KeyNotResolvable(_)));
    doc["proof"]["verificationMethod"] = json!("https://unknown.example/key");
    assert!(matches!(first_error(&doc), ProofError::KeyNotResolvable(_)));
    let vm = format!("did:key:{}", multibase::encode_base58btc(&[0xed, 0x01, 1, 2, 3]));
    let mut resolver = MapResolver::new();
    assert!(resolver.insert_multikey(vm, &short).is_err());
}

#[test]
fn remote_and_unknown_contexts_are_refused_without_network() {
    let (k, vm) = key(1);
    let opts = ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm);
    let mut doc = rich();
    doc["@context"] = json!(["https://www.w3.org/ns/credentials/v2", "https://evil.example/context.jsonld"]);
    let start = Instant::now();
    let err = add_proof(&doc, &k, &opts).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(err, ProofError::JsonLd(JsonLdError::ContextNotAllowed("https://evil.example/context.jsonld".into())));
    assert!(err.to_string().contains("https://evil.example/context.jsonld"));
}

#[test]
fn redefining_a_protected_term_is_an_error() {
    let mut doc = rich();
    doc["@context"] =
        json!(["https://www.w3.org/ns/credentials/v2", {"VerifiableCredential": "https://evil.example/VC"}]);
    assert_eq!(
        jsonld::to_rdf_dataset(&doc).unwrap_err(),
        JsonLdError::ProtectedTermRedefinition("VerifiableCredential".into())
    );
    // After the OB context, a redefinition of its protected Achievement term fails too.
    let mut doc = rich();
    doc["@context"].as_array_mut().unwrap().push(json!({"Achievement": {"@id": "https://evil.example/A"}}));
    assert_eq!(jsonld::to_rdf_dataset(&doc).unwrap_err(), JsonLdError::ProtectedTermRedefinition("Achievement".into()));
    // Redefining it identically is allowed by JSON-LD 1.1.
    let mut same = rich();
    same["@context"] = json!(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", {"@protected": true, "id": "@id"}]);
    assert!(jsonld::to_rdf_dataset(&same).is_ok());
    // A null context cannot wipe protected terms.
    let mut nulled = rich();
    nulled["credentialSubject"]["@context"] = Value::Null;
    assert_eq!(jsonld::to_rdf_dataset(&nulled).unwrap_err(), JsonLdError::InvalidContextNullification);
}

#[test]
fn undefined_terms_and_relative_ids_are_errors_in_safe_mode() {
    let doc = json!({"@context": {"name": "https://schema.org/name"}, "@id": "urn:x", "nme": "typo"});
    assert_eq!(jsonld::to_rdf_dataset(&doc).unwrap_err(), JsonLdError::UndefinedTerm("nme".into()));
    let doc = json!({"@context": {"name": "https://schema.org/name"}, "@id": "relative/path", "name": "x"});
    assert!(matches!(jsonld::to_rdf_dataset(&doc).unwrap_err(), JsonLdError::RelativeIri(_, "@id")));
}

#[test]
fn deeply_nested_and_malformed_documents_fail_cleanly() {
    let (k, vm) = key(1);
    let opts = ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm);
    let mut deep = json!("x");
    for _ in 0..200 {
        deep = json!({"a": [deep]});
    }
    let mut doc = rich();
    doc["credentialSubject"]["deep"] = deep;
    assert_eq!(add_proof(&doc, &k, &opts).unwrap_err(), ProofError::TooDeep(64));
    assert_eq!(first_error(&doc), ProofError::TooDeep(64));

    for bad in [
        json!({"@context": 5}),
        json!({"@context": {"@version": 1.0}}),
        json!({"@context": {"x": {"@id": 5}}}),
        json!({"@context": {"x": {"@container": "@bogus", "@id": "https://x/"}}}),
        json!({"@context": {"@vocab": "https://x/"}, "@id": "urn:a", "v": {"@value": {"a": 1}}}),
        json!({"@context": {"@vocab": "https://x/"}, "@id": "urn:a", "v": {"@value": "x", "@language": 5}}),
        json!({"@context": {"@vocab": "https://x/"}, "@id": 7}),
        json!({"@context": {"@vocab": "https://x/"}, "@id": "urn:a", "@type": [1]}),
        json!({"@context": {"a": "b:", "b": "a:"}, "@id": "urn:a", "a:x": 1}),
    ] {
        let err = jsonld::to_rdf_dataset(&bad).unwrap_err();
        assert!(!err.to_string().is_empty());
        assert!(add_proof(&bad, &k, &opts).is_err());
    }
}

/// JCS signs the JSON text, so any context reordering fails. RDFC signs the RDF meaning: swapping
/// two contexts that define the same terms yields the same dataset and still verifies (as with
/// the Digital Bazaar stack); a context change that changes meaning fails (see above).
#[test]
fn context_order_is_bound_by_jcs_and_by_meaning_for_rdfc() {
    let swap = |d: &mut Value| d["@context"].as_array_mut().unwrap().swap(0, 1);
    let mut jcs = signed(Cryptosuite::EddsaJcs2022);
    swap(&mut jcs);
    assert_eq!(first_error(&jcs), ProofError::ContextMismatch);
    let mut rdfc = signed(Cryptosuite::EddsaRdfc2022);
    swap(&mut rdfc);
    assert!(try_first_error(&rdfc).is_none());
}
