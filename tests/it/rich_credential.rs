//! The rich OB3 credential used by the benchmark: converts, counts quads, signs and verifies.

use credence_core::data_integrity::{
    Cryptosuite, DidKeyResolver, ProofOptions, add_proof, all_verified, verify_proofs,
};
use credence_core::{canon, jsonld, multibase};
use ed25519_dalek::SigningKey;
use serde_json::Value;

#[test]
fn rich_credential_is_about_seventy_quads_and_round_trips() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/rich-credential.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let quads = jsonld::to_rdf_dataset(&doc).unwrap();
    let nquads = canon::canonicalize(&quads).unwrap();
    eprintln!("{nquads}");
    assert!((60..=85).contains(&quads.len()), "{} quads", quads.len());
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let mk = multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
        let opts = ProofOptions::new(suite, format!("did:key:{mk}#{mk}")).with_created("2024-03-01T09:00:00Z");
        let signed = add_proof(&doc, &key, &opts).unwrap();
        assert!(all_verified(&verify_proofs(&signed, &DidKeyResolver)));
    }
}
