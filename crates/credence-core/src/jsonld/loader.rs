//! The allow-list document loader: serves only the JSON-LD contexts bundled in `contexts/`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::JsonLdError;

/// Canonical URL and bundled text of every context this service accepts.
pub const BUNDLED_CONTEXTS: &[(&str, &str)] = &[
    ("https://www.w3.org/ns/credentials/v2", include_str!("../../../../contexts/credentials-v2.jsonld")),
    ("https://www.w3.org/2018/credentials/v1", include_str!("../../../../contexts/credentials-v1.jsonld")),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        include_str!("../../../../contexts/credentials-examples-v2.jsonld"),
    ),
    ("https://w3id.org/security/data-integrity/v2", include_str!("../../../../contexts/data-integrity-v2.jsonld")),
    ("https://w3id.org/security/multikey/v1", include_str!("../../../../contexts/multikey-v1.jsonld")),
    ("https://www.w3.org/ns/did/v1", include_str!("../../../../contexts/did-v1.jsonld")),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        include_str!("../../../../contexts/bitstring-status-list-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        include_str!("../../../../contexts/ed25519-signature-2020-v1.jsonld"),
    ),
    (
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        include_str!("../../../../contexts/clr-v2p0-context-2.0.1.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        include_str!("../../../../contexts/ob-v3p0-context-3.0.3.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        include_str!("../../../../contexts/ob-v3p0-context-3.0.2.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        include_str!("../../../../contexts/ob-v3p0-context-3.0.1.json"),
    ),
];

fn parsed_contexts() -> &'static HashMap<&'static str, Result<Value, String>> {
    static PARSED: OnceLock<HashMap<&'static str, Result<Value, String>>> = OnceLock::new();
    PARSED.get_or_init(|| {
        BUNDLED_CONTEXTS
            .iter()
            .map(|(url, text)| (*url, serde_json::from_str(text).map_err(|e| e.to_string())))
            .collect()
    })
}

/// The bundled JSON document for `url`, or [`JsonLdError::ContextNotAllowed`].
pub fn load_context_document(url: &str) -> Result<&'static Value, JsonLdError> {
    match parsed_contexts().get(url) {
        Some(Ok(doc)) => Ok(doc),
        Some(Err(e)) => Err(JsonLdError::invalid("loading document failed", format!("{url}: {e}"))),
        None => Err(JsonLdError::ContextNotAllowed(url.to_owned())),
    }
}

/// True if `url` is one of the bundled contexts.
pub fn is_bundled(url: &str) -> bool {
    BUNDLED_CONTEXTS.iter().any(|(u, _)| *u == url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_parses_and_has_a_context_entry() {
        for (url, _) in BUNDLED_CONTEXTS {
            let doc = load_context_document(url).unwrap();
            assert!(doc.get("@context").is_some(), "{url}");
        }
    }

    #[test]
    fn other_urls_are_refused_by_name() {
        let err = load_context_document("https://evil.example/ctx").unwrap_err();
        assert!(err.to_string().contains("https://evil.example/ctx"));
    }
}
