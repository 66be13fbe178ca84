//! The OpenAPI document checked into spec/ must be the one the code generates.
//! Regenerate with: UPDATE_OPENAPI=1 cargo test --test it openapi

#[test]
fn checked_in_openapi_matches_the_code() {
    let generated = credence::api::openapi().to_pretty_json().expect("serialize OpenAPI");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, format!("{generated}\n")).expect("write spec/openapi.json");
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in.trim_end() == generated.trim_end(),
        "spec/openapi.json differs from the generated document; run UPDATE_OPENAPI=1 cargo test --test it openapi and commit it"
    );
    let doc: serde_json::Value = serde_json::from_str(&generated).expect("valid JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "OpenAPI 3.1");
}
