//! Cross-checks our JSON-LD toRDF against oxjsonld 0.2.7 (slow but independent): both
//! canonicalized datasets must be identical for every credential we ship as a vector.

use credence_core::jsonld::loader::load_context_document;
use credence_core::{canon, jsonld};
use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use serde_json::Value;

fn oxjsonld_quads(text: &str) -> Vec<oxrdf::Quad> {
    JsonLdParser::new()
        .for_slice(text.as_bytes())
        .with_load_document_callback(|url, _| {
            let doc =
                load_context_document(url).map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(JsonLdRemoteDocument { document: serde_json::to_vec(doc)?, document_url: url.to_owned() })
        })
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

fn check(path: &str) {
    let text = std::fs::read_to_string(format!("{}/../../tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let ours = canon::canonicalize(&jsonld::to_rdf_dataset(&doc).unwrap()).unwrap();
    let theirs = canon::canonicalize(&oxjsonld_quads(&text)).unwrap();
    assert_eq!(ours, theirs, "{path}");
}

#[test]
fn agrees_with_oxjsonld_on_the_vectors() {
    for path in [
        "rich-credential.json",
        "ob3-eddsa-rdfc-2022/signed.json",
        "w3c-vc-di-eddsa/unsigned.json",
        "w3c-vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json",
        "w3c-vc-di-eddsa/eddsa-jcs-2022/signedJCS.json",
    ] {
        check(path);
    }
}

#[test]
fn agrees_with_oxjsonld_on_json_literals_numbers_languages_and_inline_contexts() {
    let doc = serde_json::json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"ex": "https://ex.example/", "label": {"@id": "ex:label", "@container": "@language"},
             "n": {"@id": "ex:n"}, "d": {"@id": "ex:d", "@type": "http://www.w3.org/2001/XMLSchema#double"},
             "data": {"@id": "ex:data", "@type": "@json"}, "items": {"@id": "ex:items", "@container": "@list"}}
        ],
        "id": "urn:x:1",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:s", "label": {"fr": "Gestion du temps", "EN": "Time management"},
            "n": [1, 2.5, 1e21, -3, true], "d": 5, "data": {"b": [1, {"z": null, "a": "é"}], "a": 1.0},
            "items": [[1, 2], "x"]},
        "description": {"@value": "Ceci est un badge", "@language": "fr"}
    });
    let text = serde_json::to_string(&doc).unwrap();
    let ours = canon::canonicalize(&jsonld::to_rdf_dataset(&doc).unwrap()).unwrap();
    let theirs = canon::canonicalize(&oxjsonld_quads(&text)).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn agrees_with_oxjsonld_on_explicitly_typed_values() {
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", {"ex": "https://ex.example/"}],
        "id": "urn:x:2",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "id": "did:example:s",
            "ex:date": {"@value": "2024-01-01", "@type": "http://www.w3.org/2001/XMLSchema#date"},
            "ex:listed": {"@value": "7", "@type": ["http://www.w3.org/2001/XMLSchema#integer"]},
            "ex:raw": {"@value": {"b": 1, "a": [true]}, "@type": "@json"}
        }
    });
    let text = serde_json::to_string(&doc).unwrap();
    let ours = canon::canonicalize(&jsonld::to_rdf_dataset(&doc).unwrap()).unwrap();
    let theirs = canon::canonicalize(&oxjsonld_quads(&text)).unwrap();
    assert_eq!(ours, theirs);
    assert!(ours.contains("\"2024-01-01\"^^<http://www.w3.org/2001/XMLSchema#date>"), "{ours}");
    // Two datatypes for one value is an error, not a guess.
    let mut two = doc.clone();
    two["credentialSubject"]["ex:date"]["@type"] =
        serde_json::json!(["http://www.w3.org/2001/XMLSchema#date", "http://www.w3.org/2001/XMLSchema#string"]);
    assert!(jsonld::to_rdf_dataset(&two).is_err());
}
