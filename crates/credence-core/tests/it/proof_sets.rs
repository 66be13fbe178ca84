//! Proof sets and chains (Data Integrity 1.0, "Verify Proof Sets and Chains"): a proof that
//! names others in `previousProof` covers the document with them; another party may add its
//! own proof beside or before the issuer's (a co-signer), and speaks only for itself.

use credence_core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
use credence_core::multibase;
use credence_core::verify::{CheckStatus, OfflineResolver, VerificationReport, issuer_proven, verify_credential};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use time::macros::datetime;

/// A did:key party from a seed: its key and verification method.
fn party(seed: u8) -> (SigningKey, String, String) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let mk = multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    let did = format!("did:key:{mk}");
    let method = format!("{did}#{mk}");
    (key, did, method)
}

fn credential() -> Value {
    let (_, issuer, _) = party(7);
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:0b8e5a9e-4f6c-4a8e-9d43-2a1c7b5e6f01",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    })
}

fn sign(doc: &Value, seed: u8, suite: Cryptosuite, id: Option<&str>, previous: &[&str]) -> Value {
    let (key, _, method) = party(seed);
    let mut options = ProofOptions::new(suite, method).with_created("2024-03-01T09:00:00Z");
    options.id = id.map(str::to_string);
    options.previous_proof = previous.iter().map(|p| p.to_string()).collect();
    add_proof(doc, &key, &options).unwrap()
}

fn verify(doc: &Value) -> VerificationReport {
    verify_credential(doc, &OfflineResolver::new(), datetime!(2026-06-01 00:00 UTC))
}

fn status(report: &VerificationReport, name: &str) -> Option<CheckStatus> {
    report.checks.iter().find(|c| c.check == name).map(|c| c.status)
}

const WITNESS: &str = "urn:uuid:6a1f0c1e-96b4-4bd1-8d1e-5f3f2f5d1a10";

#[test]
fn a_chain_covers_the_proofs_it_names_and_a_witness_signs_only_for_itself() {
    for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
        // A witness signs first; the issuer's proof names the witness's in previousProof.
        let witnessed = sign(&credential(), 9, suite, Some(WITNESS), &[]);
        let chained = sign(&witnessed, 7, suite, None, &[WITNESS]);
        assert_eq!(chained["proof"][1]["previousProof"], WITNESS);
        let report = verify(&chained);
        assert!(report.verified, "{suite:?}: {:?}", report.checks);
        assert_eq!(status(&report, "proof[0]"), Some(CheckStatus::Passed));
        assert_eq!(status(&report, "proof[1]"), Some(CheckStatus::Passed));
        assert_eq!(status(&report, "issuer[1]"), Some(CheckStatus::Passed));
        assert_eq!(status(&report, "cosigner[0]"), Some(CheckStatus::Passed), "{:?}", report.checks);
        assert!(issuer_proven(&report.checks));

        // The issuer's proof covers the witness's: replacing the witness's proof with another
        // valid one (another witness, same id) breaks the issuer's.
        let mut swapped = chained.clone();
        swapped["proof"][0] = sign(&credential(), 10, suite, Some(WITNESS), &[])["proof"].clone();
        let report = verify(&swapped);
        assert!(!report.verified);
        assert_eq!(status(&report, "proof[0]"), Some(CheckStatus::Passed), "{:?}", report.checks);
        assert_eq!(status(&report, "proof[1]"), Some(CheckStatus::Failed), "{:?}", report.checks);

        // A chain that names a proof the document does not have.
        let mut dangling = chained.clone();
        dangling["proof"][0]["id"] = json!("urn:uuid:00000000-0000-0000-0000-000000000000");
        let report = verify(&dangling);
        assert!(!report.verified);
        let message = &report.checks.iter().find(|c| c.check == "proof[1]").unwrap().message;
        assert!(message.contains("previousProof"), "{message}");

        // Without the chain, the issuer's proof does not verify (it was made over the
        // witness's proof).
        let mut unchained = chained.clone();
        unchained["proof"][1].as_object_mut().unwrap().remove("previousProof");
        assert_eq!(status(&verify(&unchained), "proof[1]"), Some(CheckStatus::Failed));
    }
}

#[test]
fn a_list_of_previous_proofs_is_read_in_order() {
    let first = sign(&credential(), 9, Cryptosuite::EddsaRdfc2022, Some(WITNESS), &[]);
    let second = "urn:uuid:6a1f0c1e-96b4-4bd1-8d1e-5f3f2f5d1a11";
    let both = sign(&first, 11, Cryptosuite::EddsaRdfc2022, Some(second), &[]);
    let chained = sign(&both, 7, Cryptosuite::EddsaRdfc2022, None, &[WITNESS, second]);
    assert_eq!(chained["proof"][2]["previousProof"], json!([WITNESS, second]));
    let report = verify(&chained);
    assert!(report.verified, "{:?}", report.checks);
    assert!(issuer_proven(&report.checks));
}

#[test]
fn a_set_signed_only_by_others_is_not_the_issuers() {
    // Two proofs, neither by the issuer: both verify, yet nobody shows the issuer signed.
    let doc =
        sign(&sign(&credential(), 9, Cryptosuite::EddsaRdfc2022, None, &[]), 11, Cryptosuite::EddsaRdfc2022, None, &[]);
    let report = verify(&doc);
    assert!(!report.verified);
    assert_eq!(status(&report, "issuer[0]"), Some(CheckStatus::Failed));
    assert_eq!(status(&report, "issuer[1]"), Some(CheckStatus::Failed));
    assert!(!report.checks.iter().any(|c| c.check.starts_with("cosigner")));
    assert!(!issuer_proven(&report.checks));

    // With the issuer's proof added to the set, the others become co-signers.
    let with_issuer = sign(&doc, 7, Cryptosuite::EddsaRdfc2022, None, &[]);
    let report = verify(&with_issuer);
    assert!(report.verified, "{:?}", report.checks);
    assert_eq!(status(&report, "cosigner[0]"), Some(CheckStatus::Passed));
    assert_eq!(status(&report, "cosigner[1]"), Some(CheckStatus::Passed));
    assert_eq!(status(&report, "issuer[2]"), Some(CheckStatus::Passed));
}
