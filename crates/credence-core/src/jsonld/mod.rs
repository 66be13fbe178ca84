//! JSON-LD 1.1 expansion and conversion to RDF, offline, with cached processed contexts.
//!
//! `oxjsonld` 0.2.7 keeps its context processor private and processes every context (and every
//! type-scoped context) again on each parse, which costs milliseconds per credential. This module
//! implements the JSON-LD 1.1 Context Processing, Expansion and Deserialize-to-RDF algorithms on
//! `serde_json` values and memoizes processed contexts for the life of the process
//! (the `context` module), so that converting a credential costs tens of microseconds.
//!
//! Remote contexts come only from the bundled allow-list ([`loader`]); any other URL is refused
//! with [`JsonLdError::ContextNotAllowed`]. There is never any network access.
//!
//! Conversion runs in "safe mode" (as the Digital Bazaar stack does for Data Integrity): a
//! property that does not expand to an absolute IRI, or a relative `@id`/`@type`, is an error
//! instead of being silently dropped, because dropped data would not be signed.

mod context;
mod expand;
pub mod loader;
mod to_rdf;

use oxrdf::Quad;
use serde_json::Value;
use thiserror::Error;

use crate::canon::Rendered;

pub(crate) use context::ContextBudget;
pub use context::cached_context_count;

/// Maximum JSON nesting depth accepted (objects and arrays).
pub const MAX_DEPTH: usize = 64;

/// Errors of JSON-LD processing. Codes follow the JSON-LD 1.1 API error codes where one exists.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum JsonLdError {
    /// A context URL outside the bundled allow-list (no network access is ever made).
    #[error("context {0} is not one of the bundled contexts; remote contexts are never fetched")]
    ContextNotAllowed(String),
    /// A context tried to change a protected term.
    #[error("protected term redefinition: {0}")]
    ProtectedTermRedefinition(String),
    /// A context tried to nullify a context holding protected terms.
    #[error("invalid context nullification: the active context has protected terms")]
    InvalidContextNullification,
    /// Too many nested remote/scoped contexts.
    #[error("context overflow: more than {0} nested contexts")]
    ContextOverflow(usize),
    /// Context processing would copy or create more term definitions than the document's budget
    /// (thousands of scoped contexts applied to a large context: a hostile document).
    #[error(
        "JSON-LD context processing needs more than {0} term definitions (too many scoped contexts or terms: possible hostile document)"
    )]
    ContextTooExpensive(u64),
    /// The document is nested deeper than [`MAX_DEPTH`].
    #[error("JSON nesting deeper than {0} levels")]
    TooDeep(usize),
    /// Safe mode: a property does not map to an absolute IRI and would be dropped unsigned.
    #[error("property \"{0}\" is not defined by the context (it would be dropped)")]
    UndefinedTerm(String),
    /// Safe mode: a relative IRI reference with no base to resolve it.
    #[error("relative IRI reference \"{0}\" in {1} (no base IRI)")]
    RelativeIri(String, &'static str),
    /// Any other JSON-LD syntax or processing error.
    #[error("{code}: {message}")]
    Invalid {
        /// JSON-LD error code, e.g. "invalid term definition".
        code: &'static str,
        /// Details, naming the offending term or value.
        message: String,
    },
}

impl JsonLdError {
    pub(crate) fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        JsonLdError::Invalid { code, message: message.into() }
    }
}

/// Converts a JSON-LD document to an RDF dataset (quads), using only bundled contexts.
///
/// Blank node labels are arbitrary; canonicalize with [`crate::canon`].
pub fn to_rdf_dataset(doc: &Value) -> Result<Vec<Quad>, JsonLdError> {
    check_depth(doc, MAX_DEPTH)?;
    let expanded = expand::expand_document(doc, &ContextBudget::new())?;
    Ok(to_rdf::expanded_to_statements(&expanded)?.into_quads())
}

/// Converts a JSON-LD document to RDF and hands the quads, as N-Quads pieces borrowed from the
/// expanded document, to `f` (for canonicalization without building `oxrdf` terms in between).
///
/// The quads are the ones [`to_rdf_dataset`] returns, with the same blank node labels.
/// Context processing spends from `budget`, which several documents may share (the proof
/// configurations of one verification).
pub(crate) fn with_rendered_dataset<T>(
    doc: &Value,
    budget: &ContextBudget,
    f: impl FnOnce(Vec<Rendered<'_>>) -> T,
) -> Result<T, JsonLdError> {
    check_depth(doc, MAX_DEPTH)?;
    let expanded = expand::expand_document(doc, budget)?;
    let statements = to_rdf::expanded_to_statements(&expanded)?;
    let labels = statements.labels();
    Ok(f(statements.rendered(&labels)))
}

/// Expands a JSON-LD document (JSON-LD 1.1 Expansion Algorithm) using only bundled contexts.
pub fn expand(doc: &Value) -> Result<Value, JsonLdError> {
    check_depth(doc, MAX_DEPTH)?;
    expand::expand_document(doc, &ContextBudget::new()).map(Value::Array)
}

/// Fails with [`JsonLdError::TooDeep`] if `value` nests arrays/objects deeper than `max`.
pub fn check_depth(value: &Value, max: usize) -> Result<(), JsonLdError> {
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        match v {
            Value::Array(_) | Value::Object(_) if depth > max => return Err(JsonLdError::TooDeep(max)),
            Value::Array(items) => stack.extend(items.iter().map(|c| (c, depth + 1))),
            Value::Object(map) => stack.extend(map.values().map(|c| (c, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

/// True for a JSON-LD keyword.
pub(crate) fn is_keyword(value: &str) -> bool {
    // Most strings tested are terms and IRIs: one byte rules them out.
    value.starts_with('@')
        && matches!(
            value,
            "@base"
                | "@container"
                | "@context"
                | "@direction"
                | "@graph"
                | "@id"
                | "@import"
                | "@included"
                | "@index"
                | "@json"
                | "@language"
                | "@list"
                | "@nest"
                | "@none"
                | "@prefix"
                | "@propagate"
                | "@protected"
                | "@reverse"
                | "@set"
                | "@type"
                | "@value"
                | "@version"
                | "@vocab"
        )
}

/// True for `@` followed by one or more ALPHA: reserved for future keywords, ignored.
pub(crate) fn has_keyword_form(value: &str) -> bool {
    value.len() > 1 && value.starts_with('@') && value[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

pub(crate) use crate::iri::is_absolute_iri;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_check_rejects_deep_nesting() {
        let mut v = json!(1);
        for _ in 0..100 {
            v = json!([v]);
        }
        assert_eq!(check_depth(&v, 64), Err(JsonLdError::TooDeep(64)));
        assert!(check_depth(&json!({"a": [1, {"b": 2}]}), 64).is_ok());
    }

    #[test]
    fn a_context_object_wrapped_in_an_at_context_entry_is_read_as_the_object_it_wraps() {
        use crate::canon;
        let terms = json!({"alumniOf": "https://ex.test/alumniOf"});
        let doc = |context: Value| json!({"@context": context, "@id": "https://ex.test/s", "alumniOf": "School"});
        let plain = canon::canonicalize(&to_rdf_dataset(&doc(terms.clone())).unwrap()).unwrap();
        assert!(plain.contains("<https://ex.test/alumniOf>"), "{plain}");
        let wrapped =
            canon::canonicalize(&to_rdf_dataset(&doc(json!([{"@context": terms.clone()}]))).unwrap()).unwrap();
        assert_eq!(wrapped, plain);
        // One level only, and the wrapped value must be an object.
        assert!(to_rdf_dataset(&doc(json!({"@context": "https://ex.test/ctx"}))).is_err());
        assert!(to_rdf_dataset(&doc(json!({"@context": {"@context": terms}}))).is_err());
    }

    #[test]
    fn rendered_dataset_canonicalizes_like_the_oxrdf_quads() {
        use crate::canon::{self, CanonLimits};
        let doc = json!({
            "@context": {
                "@vocab": "https://ex.test/",
                "list": {"@container": "@list"},
                "tagged": {"@language": "EN-gb"},
                "date": {"@type": "https://ex.test/Date"}
            },
            "@id": "https://ex.test/s",
            "name": "quote \" and\nnewline",
            "tagged": "colour",
            "n": [1, 2.5, true],
            "date": "2024-01-01",
            "dup": ["v", "v"],
            "list": [{"p": "a"}, {"p": "a"}, "x"],
            "same": [{"p": "b"}, {"p": "b"}],
            "@graph": [{"@id": "_:g", "p": "in graph"}]
        });
        let expected = canon::canonicalize(&to_rdf_dataset(&doc).unwrap()).unwrap();
        let direct = with_rendered_dataset(&doc, &ContextBudget::new(), |quads| {
            canon::canonicalize_rendered(quads, &CanonLimits::default())
        })
        .unwrap()
        .unwrap();
        assert_eq!(direct.nquads, expected);
        assert!(expected.contains("@en-gb"), "{expected}");
        assert!(expected.contains("\\n"), "{expected}");
    }

    /// Runs `f` on a thread with the default 2 MiB stack (where a deep recursion would abort).
    fn on_default_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap()
    }

    fn chained_terms(n: usize) -> Value {
        let mut ctx = serde_json::Map::new();
        for i in 0..n {
            let def = if i + 1 == n { json!("https://ex.test/chain/") } else { json!(format!("t{}:x", i + 1)) };
            ctx.insert(format!("t{i}"), def);
        }
        json!({"@context": ctx, "@id": "https://ex.test/s", "t0": "v"})
    }

    #[test]
    fn terms_that_need_one_another_are_bounded() {
        assert!(to_rdf_dataset(&chained_terms(40)).is_ok());
        let err = on_default_stack(|| to_rdf_dataset(&chained_terms(20_000))).unwrap_err();
        assert!(err.to_string().contains("more than 64 levels deep"), "{err}");
    }

    /// Types whose scoped contexts are `null` (not propagated) each keep the context they replace.
    #[test]
    fn non_propagated_nulls_do_not_chain_without_bound() {
        let mut ctx = serde_json::Map::new();
        ctx.insert("@vocab".into(), json!("https://ex.test/"));
        let mut types = Vec::new();
        for i in 0..200 {
            ctx.insert(format!("T{i}"), json!({"@id": format!("https://ex.test/T{i}"), "@context": null}));
            types.push(json!(format!("T{i}")));
        }
        let doc = json!({"@context": ctx, "@id": "https://ex.test/s", "@type": types});
        let err = on_default_stack(move || to_rdf_dataset(&doc)).unwrap_err();
        assert_eq!(err, JsonLdError::ContextOverflow(32));
        let mut few = serde_json::Map::new();
        few.insert("@vocab".into(), json!("https://ex.test/"));
        few.insert("T".into(), json!({"@id": "https://ex.test/T", "@context": null}));
        assert!(to_rdf_dataset(&json!({"@context": few, "@id": "https://ex.test/s", "@type": "T"})).is_ok());
    }

    /// Thousands of type-scoped contexts over a context of thousands of terms used to cost
    /// seconds (each application copies the active context).
    #[test]
    fn context_processing_has_a_budget() {
        let mut ctx = serde_json::Map::new();
        ctx.insert("@vocab".into(), json!("https://ex.test/"));
        let mut types = Vec::new();
        for i in 0..3_000 {
            ctx.insert(
                format!("T{i}"),
                json!({"@id": format!("https://ex.test/T{i}"), "@context": {format!("s{i}"): "https://ex.test/s"}}),
            );
            types.push(json!(format!("T{i}")));
        }
        let doc = json!({"@context": ctx, "@id": "https://ex.test/s", "@type": types});
        let started = std::time::Instant::now();
        assert_eq!(to_rdf_dataset(&doc).unwrap_err(), JsonLdError::ContextTooExpensive(context::MAX_CONTEXT_WORK));
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }
}
