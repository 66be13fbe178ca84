//! Reproduces the published Data Integrity test vectors byte for byte and verifies the signed
//! documents. Vectors are copies in tests/vectors (see its README).

use credence_core::data_integrity::{
    Cryptosuite, DidKeyResolver, MapResolver, ProofError, ProofOptions, all_verified, create_proof, verify_proofs,
};
use credence_core::jsonld::JsonLdError;
use credence_core::multibase;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../tests/vectors/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

fn without_proof(doc: &Value) -> Value {
    let mut doc = doc.clone();
    doc.as_object_mut().unwrap().remove("proof");
    doc
}

/// Proof options taken from a proof (or proof configuration) object.
fn options_from(proof: &Value) -> ProofOptions {
    let field = |k: &str| proof[k].as_str().unwrap().to_owned();
    ProofOptions {
        created: proof.get("created").and_then(Value::as_str).map(str::to_owned),
        proof_purpose: field("proofPurpose"),
        ..ProofOptions::new(field("cryptosuite").parse().unwrap(), field("verificationMethod"))
    }
}

fn w3c_key() -> SigningKey {
    let pair = json("w3c-vc-di-eddsa/keyPair.json");
    let seed = multibase::decode_ed25519_secret(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
    let key = SigningKey::from_bytes(&seed);
    let public = multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    assert_eq!(public, pair["publicKeyMultibase"].as_str().unwrap());
    key
}

#[test]
fn ob3_eddsa_rdfc_2022_vector_is_reproduced_exactly() {
    let expected = json("ob3-eddsa-rdfc-2022/expected.json");
    let signed = json("ob3-eddsa-rdfc-2022/signed.json");
    let seed: [u8; 32] = hex::decode(expected["secretSeedHex"].as_str().unwrap()).unwrap().try_into().unwrap();
    let key = SigningKey::from_bytes(&seed);
    assert_eq!(hex::encode(key.verifying_key().to_bytes()), expected["publicKeyHex"].as_str().unwrap());

    let (proof, input) = create_proof(&without_proof(&signed), &key, &options_from(&signed["proof"])).unwrap();
    assert_eq!(input.canonical_document, read("ob3-eddsa-rdfc-2022/document-canon.nq"));
    assert_eq!(input.canonical_proof_config, read("ob3-eddsa-rdfc-2022/proof-canon.nq"));
    assert_eq!(hex::encode(input.document_hash), expected["documentHashHex"].as_str().unwrap());
    assert_eq!(hex::encode(input.proof_config_hash), expected["proofHashHex"].as_str().unwrap());
    let signature = key.sign(&input.data_to_sign());
    assert_eq!(hex::encode(signature.to_bytes()), expected["signatureHex"].as_str().unwrap());
    assert_eq!(proof["proofValue"], expected["proofValue"]);

    let mut resolver = MapResolver::new();
    resolver
        .insert_multikey(
            expected["verificationMethod"].as_str().unwrap(),
            expected["publicKeyMultibase"].as_str().unwrap(),
        )
        .unwrap();
    let outcomes = verify_proofs(&signed, &resolver);
    assert!(all_verified(&outcomes), "{outcomes:?}");
    // Without the mapping the https verification method is not resolvable.
    let outcomes = verify_proofs(&signed, &DidKeyResolver);
    assert!(matches!(outcomes[0].result, Err(ProofError::KeyNotResolvable(_))));
}

struct W3cFiles {
    dir: &'static str,
    suffix: &'static str,
    ext_canon: &'static str,
}

fn check_w3c(files: W3cFiles, unsigned: &Value) {
    let W3cFiles { dir, suffix, ext_canon } = files;
    let key = w3c_key();
    let config = json(&format!("{dir}/proofConfig{suffix}.json"));
    let (proof, input) = create_proof(unsigned, &key, &options_from(&config)).unwrap();
    assert_eq!(input.canonical_document, read(&format!("{dir}/canonDoc{suffix}.{ext_canon}")));
    assert_eq!(input.canonical_proof_config, read(&format!("{dir}/proofCanon{suffix}.{ext_canon}")));
    assert_eq!(hex::encode(input.document_hash), read(&format!("{dir}/docHash{suffix}.txt")).trim());
    assert_eq!(hex::encode(input.proof_config_hash), read(&format!("{dir}/proofHash{suffix}.txt")).trim());
    assert_eq!(hex::encode(input.data_to_sign()), read(&format!("{dir}/combinedHash{suffix}.txt")).trim());
    let signature = key.sign(&input.data_to_sign());
    assert_eq!(hex::encode(signature.to_bytes()), read(&format!("{dir}/sigHex{suffix}.txt")).trim());
    assert_eq!(proof["proofValue"].as_str().unwrap(), read(&format!("{dir}/sigBTC58{suffix}.txt")).trim());

    let signed = json(&format!("{dir}/signed{suffix}.json"));
    assert_eq!(signed["proof"], proof, "signed proof object differs");
    let outcomes = verify_proofs(&signed, &DidKeyResolver);
    assert!(all_verified(&outcomes), "{outcomes:?}");
}

#[test]
fn w3c_eddsa_rdfc_2022_vector_is_reproduced_and_verifies() {
    let unsigned = json("w3c-vc-di-eddsa/unsigned.json");
    check_w3c(W3cFiles { dir: "w3c-vc-di-eddsa/eddsa-rdfc-2022", suffix: "DataInt", ext_canon: "txt" }, &unsigned);
}

#[test]
fn w3c_eddsa_jcs_2022_vector_is_reproduced_and_verifies() {
    let unsigned = json("w3c-vc-di-eddsa/unsigned.json");
    check_w3c(W3cFiles { dir: "w3c-vc-di-eddsa/eddsa-jcs-2022", suffix: "JCS", ext_canon: "txt" }, &unsigned);
}

/// The `employ` vector uses https://w3id.org/citizenship/v4rc1, which is not a bundled context:
/// the hash and signature steps are reproduced from the published canonical forms, and the
/// JSON-LD path must refuse the unknown context by name (never fetching it).
#[test]
fn w3c_employ_vector_signature_chain_and_refused_context() {
    let dir = "w3c-vc-di-eddsa/eddsa-rdfc-2022/employ";
    let key = w3c_key();
    let doc_hash = Sha256::digest(read(&format!("{dir}/canonDocDataInt.txt")).as_bytes());
    let proof_hash = Sha256::digest(read(&format!("{dir}/proofCanonDataInt.txt")).as_bytes());
    assert_eq!(hex::encode(doc_hash), read(&format!("{dir}/docHashDataInt.txt")).trim());
    assert_eq!(hex::encode(proof_hash), read(&format!("{dir}/proofHashDataInt.txt")).trim());
    let combined = [proof_hash.as_slice(), doc_hash.as_slice()].concat();
    assert_eq!(hex::encode(&combined), read(&format!("{dir}/combinedHashDataInt.txt")).trim());
    let signature = key.sign(&combined);
    assert_eq!(hex::encode(signature.to_bytes()), read(&format!("{dir}/sigHexDataInt.txt")).trim());
    assert_eq!(multibase::encode_base58btc(&signature.to_bytes()), read(&format!("{dir}/sigBTC58DataInt.txt")).trim());

    let signed = json(&format!("{dir}/signedDataInt.json"));
    assert_eq!(signed["proof"]["proofValue"].as_str().unwrap(), read(&format!("{dir}/sigBTC58DataInt.txt")).trim());
    let outcomes = verify_proofs(&signed, &DidKeyResolver);
    assert_eq!(
        outcomes[0].result,
        Err(ProofError::JsonLd(JsonLdError::ContextNotAllowed("https://w3id.org/citizenship/v4rc1".into())))
    );
    // The same holds for the employmentAuth.json input document.
    let unsigned = json("w3c-vc-di-eddsa/employmentAuth.json");
    let opts = ProofOptions::new(Cryptosuite::EddsaRdfc2022, "did:key:x");
    assert!(matches!(create_proof(&unsigned, &key, &opts), Err(ProofError::JsonLd(JsonLdError::ContextNotAllowed(_)))));
}
