use credence::core::{canon, jsonld};
use serde_json::Value;

fn read(p: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/vectors/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn ob3_document() {
    let mut doc: Value = serde_json::from_str(&read("ob3-eddsa-rdfc-2022/signed.json")).unwrap();
    doc.as_object_mut().unwrap().remove("proof");
    let quads = jsonld::to_rdf_dataset(&doc).unwrap();
    let got = canon::canonicalize(&quads).unwrap();
    assert_eq!(got, read("ob3-eddsa-rdfc-2022/document-canon.nq"));
}

#[test]
fn w3c_document() {
    let doc: Value = serde_json::from_str(&read("w3c-vc-di-eddsa/unsigned.json")).unwrap();
    let quads = jsonld::to_rdf_dataset(&doc).unwrap();
    let got = canon::canonicalize(&quads).unwrap();
    assert_eq!(got, read("w3c-vc-di-eddsa/eddsa-rdfc-2022/canonDocDataInt.txt"));
}
