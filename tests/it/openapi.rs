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

#[test]
fn every_parameter_is_where_the_request_carries_it() {
    let doc = serde_json::to_value(credence::api::openapi()).expect("the document as JSON");
    let mut wrong = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            for p in operation["parameters"].as_array().into_iter().flatten() {
                let (name, place) = (p["name"].as_str().unwrap_or(""), p["in"].as_str().unwrap_or(""));
                let templated = path.contains(&format!("{{{name}}}"));
                if (place == "path") != templated {
                    wrong.push(format!("{method} {path}: {name} in {place}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "parameters documented in the wrong place: {wrong:#?}");
}
