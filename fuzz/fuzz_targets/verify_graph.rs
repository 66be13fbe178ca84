//! Structure-aware: builds credential-shaped JSON-LD documents from the fuzzer's bytes (terms of
//! an inline `@context` with containers, types, reverse and scoped contexts; blank nodes linked
//! in arbitrary graphs and in generated rings, chains, cliques, trees and disjoint copies (up to
//! 2,048 nodes);
//! nested objects, arrays, lists and literals; a proof of either suite with any 64-byte
//! signature) and feeds them to verification and to canonicalization.
//!
//! Besides "no panic, no overflow, no hang", it checks two properties of RDFC-1.0 whenever
//! canonicalization succeeds: the direct JSON-LD path and the `oxrdf` quads path agree, and the
//! same document with its blank nodes renamed and listed in the reverse order has the same
//! canonical N-Quads.
#![no_main]

use arbitrary::Arbitrary;
use credence_core::canon::{self, CanonLimits};
use credence_core::data_integrity::{self, Cryptosuite, DidKeyResolver};
use credence_core::jsonld;
use credence_core::verify::{OfflineResolver, VerifyOptions, verify_text_with};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

const VM: &str =
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
/// Nesting of generated objects, well under the 64 levels verification accepts.
const MAX_NESTING: usize = 6;

#[derive(Debug, Arbitrary)]
enum TermKind {
    Plain,
    Id,
    Vocab,
    List,
    Set,
    Language,
    Index,
    Reverse,
    Json,
    Typed,
    /// A compact IRI through another term (a prefix chain).
    Prefixed(u8),
    /// A scoped context defining another term.
    Scoped(u8),
    /// Protected, to collide with later definitions.
    Protected,
    Null,
}

#[derive(Debug, Arbitrary)]
enum Val {
    /// A link to blank node `n`.
    Link(u16),
    Text(String),
    Number(i32),
    Float(f64),
    Bool(bool),
    Object(Vec<(u8, Val)>),
    Array(Vec<Val>),
    /// A value object with a language.
    Tagged(String, String),
    /// A node with an IRI.
    Named(u8),
}

#[derive(Debug, Arbitrary)]
enum ShapeKind {
    Ring,
    Chain,
    Clique,
    Tree,
    Copies(u8),
}

#[derive(Debug, Arbitrary)]
struct Node {
    /// Blank nodes without a label are anonymous (a fresh one each time).
    labeled: bool,
    types: Vec<u8>,
    props: Vec<(u8, Val)>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    terms: Vec<TermKind>,
    nodes: Vec<Node>,
    subject: Vec<(u8, Val)>,
    /// A generated graph: its kind, its size, and a scale (255: 8 times as many nodes).
    shape: Option<(ShapeKind, u8, u8)>,
    jcs: bool,
    proof_context: u8,
    ob_context: bool,
    signature: Vec<u8>,
    /// Extra properties of the proof object (its configuration is canonicalized too).
    proof_extra: Vec<(u8, Val)>,
    /// Renaming of blank node labels for the invariance check.
    rename_salt: u16,
}

struct Builder<'a> {
    input: &'a Input,
    term_count: usize,
    node_count: usize,
    /// Prefix of blank node labels.
    prefix: String,
    /// List the nodes in the reverse order.
    reversed: bool,
}

impl Builder<'_> {
    fn term(&self, k: u8) -> String {
        format!("t{}", usize::from(k) % self.term_count.max(1))
    }

    fn context(&self) -> Value {
        let mut ctx = Map::new();
        ctx.insert("@vocab".into(), json!("https://fuzz.example/vocab#"));
        ctx.insert("ex".into(), json!("https://fuzz.example/ns#"));
        for (i, kind) in self.input.terms.iter().enumerate().take(self.term_count) {
            let iri = format!("https://fuzz.example/t{i}");
            let def = match kind {
                TermKind::Plain => json!(iri),
                TermKind::Id => json!({"@id": iri, "@type": "@id"}),
                TermKind::Vocab => json!({"@id": iri, "@type": "@vocab"}),
                TermKind::List => json!({"@id": iri, "@container": "@list"}),
                TermKind::Set => json!({"@id": iri, "@container": "@set"}),
                TermKind::Language => json!({"@id": iri, "@container": "@language"}),
                TermKind::Index => json!({"@id": iri, "@container": "@index"}),
                TermKind::Reverse => json!({"@reverse": iri}),
                TermKind::Json => json!({"@id": iri, "@type": "@json"}),
                TermKind::Typed => json!({"@id": iri, "@type": "http://www.w3.org/2001/XMLSchema#date"}),
                TermKind::Prefixed(k) => json!(format!("{}:x{i}", self.term(*k))),
                TermKind::Scoped(k) => {
                    json!({"@id": iri, "@context": {self.term(*k): {"@id": format!("{iri}/scoped")}}})
                }
                TermKind::Protected => json!({"@id": iri, "@protected": true}),
                TermKind::Null => Value::Null,
            };
            ctx.insert(format!("t{i}"), def);
        }
        Value::Object(ctx)
    }

    fn label(&self, n: usize) -> String {
        format!("_:{}n{}", self.prefix, n % self.node_count.max(1))
    }

    /// The JSON of `v`; `literal` where a blank node label could end up as text (a `@json`
    /// value, the values of an index or language map), so it must not change with the labels.
    fn value(&self, v: &Val, depth: usize, literal: bool) -> Value {
        if depth > MAX_NESTING {
            return json!("deep");
        }
        // Text never looks like a blank node label, so that every label is one of ours.
        let text = |s: &str| if s.starts_with("_:") { json!(format!("x{s}")) } else { json!(s) };
        match v {
            Val::Link(_) if literal => json!({"@id": "link"}),
            Val::Link(n) => json!({"@id": self.label(usize::from(*n))}),
            Val::Text(s) => text(s),
            Val::Number(n) => json!(n),
            Val::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
            Val::Bool(b) => json!(b),
            Val::Object(props) => Value::Object(self.props_in(props, depth + 1, literal)),
            Val::Array(items) => {
                Value::Array(items.iter().take(16).map(|i| self.value(i, depth + 1, literal)).collect())
            }
            Val::Tagged(s, language) => json!({"@value": text(s), "@language": language}),
            Val::Named(k) => json!({"@id": format!("https://fuzz.example/node/{k}"), "ex:p": k}),
        }
    }

    fn props(&self, props: &[(u8, Val)], depth: usize) -> Map<String, Value> {
        self.props_in(props, depth, false)
    }

    fn props_in(&self, props: &[(u8, Val)], depth: usize, literal: bool) -> Map<String, Value> {
        props
            .iter()
            .take(16)
            .map(|(k, v)| {
                let literal_term = self.term_count > 0
                    && matches!(
                        self.input.terms.get(usize::from(*k) % self.term_count),
                        Some(TermKind::Json | TermKind::Index | TermKind::Language)
                    );
                (self.term(*k), self.value(v, depth, literal || literal_term))
            })
            .collect()
    }

    fn nodes(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self
            .input
            .nodes
            .iter()
            .take(self.node_count)
            .enumerate()
            .map(|(i, node)| {
                let mut map = self.props(&node.props, 1);
                if node.labeled {
                    map.insert("@id".into(), json!(self.label(i)));
                }
                if !node.types.is_empty() {
                    let types: Vec<Value> = node.types.iter().take(4).map(|k| json!(self.term(*k))).collect();
                    map.insert("@type".into(), Value::Array(types));
                }
                Value::Object(map)
            })
            .collect();
        if let Some((kind, size, scale)) = &self.input.shape {
            // Mostly small, so that the fuzzer stays fast; now and then up to 2,048 nodes (past
            // the 2,000-node ring that overflowed the stack; larger ones take seconds under the
            // sanitizer and only repeat what tests/hostile_graphs.rs checks up to 20,000).
            let factor = if *scale == u8::MAX { 8 } else { 1 };
            out.extend(shape(kind, (usize::from(*size) + 1) * factor, &self.prefix));
        }
        if self.reversed {
            out.reverse();
        }
        out
    }
}

/// A generated graph of `size` nodes linked by `ex:next`, labelled `_:{prefix}g0`, ...
fn shape(kind: &ShapeKind, size: usize, prefix: &str) -> Vec<Value> {
    let links = |k: usize| -> Vec<usize> {
        match kind {
            ShapeKind::Ring => vec![(k + 1) % size],
            ShapeKind::Chain => {
                if k + 1 < size {
                    vec![k + 1]
                } else {
                    Vec::new()
                }
            }
            ShapeKind::Clique => {
                if size <= 40 {
                    (0..size).filter(|&j| j != k).collect()
                } else {
                    vec![(k + 1) % size]
                }
            }
            ShapeKind::Tree => [2 * k + 1, 2 * k + 2].into_iter().filter(|&c| c < size).collect(),
            ShapeKind::Copies(n) => {
                let n = usize::from(*n) % 7 + 2;
                let base = k / n * n;
                (base..(base + n).min(size)).filter(|&j| j != k).collect()
            }
        }
    };
    (0..size)
        .map(|k| {
            let next: Vec<Value> = links(k).into_iter().map(|j| json!({"@id": format!("_:{prefix}g{j}")})).collect();
            json!({"@id": format!("_:{prefix}g{k}"), "ex:next": next})
        })
        .collect()
}

/// The document of `input`; `relabelled`: the same with other blank node labels, nodes reversed.
fn document(input: &Input, relabelled: bool) -> Value {
    let builder = Builder {
        input,
        term_count: input.terms.len().min(64),
        node_count: input.nodes.len().min(256),
        prefix: if relabelled { format!("r{}", input.rename_salt) } else { String::new() },
        reversed: relabelled,
    };
    let mut contexts = vec![json!("https://www.w3.org/ns/credentials/v2")];
    if input.ob_context {
        contexts.push(json!("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"));
    }
    contexts.push(builder.context());
    let mut subject = builder.props(&input.subject, 2);
    subject.insert("type".into(), json!(["AchievementSubject"]));
    subject.insert("ex:graph".into(), Value::Array(builder.nodes()));
    let suite = if input.jcs { Cryptosuite::EddsaJcs2022 } else { Cryptosuite::EddsaRdfc2022 };
    let mut signature = input.signature.clone();
    signature.resize(64, 0);
    let mut proof = builder.props(&input.proof_extra, 2);
    proof.insert("type".into(), json!("DataIntegrityProof"));
    proof.insert("cryptosuite".into(), json!(suite.as_str()));
    proof.insert("created".into(), json!("2024-01-01T00:00:00Z"));
    proof.insert("verificationMethod".into(), json!(VM));
    proof.insert("proofPurpose".into(), json!("assertionMethod"));
    proof.insert("proofValue".into(), json!(credence_core::multibase::encode_base58btc(&signature)));
    match input.proof_context % 3 {
        0 => {}
        1 => {
            proof.insert("@context".into(), Value::Array(contexts.clone()));
        }
        _ => {
            proof.insert("@context".into(), Value::Array(contexts[..1].to_vec()));
        }
    }
    json!({
        "@context": contexts,
        "id": "urn:uuid:1f0e6c1a-3b2d-4c5e-8f70-0a1b2c3d4e5f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "type": ["Profile"], "name": "Fuzz"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Fuzzed",
        "credentialSubject": subject,
        "proof": proof,
    })
}

fuzz_target!(|input: Input| {
    let doc = document(&input, false);
    let text = doc.to_string();
    if text.len() > 1 << 20 {
        return;
    }

    // Verification as the service runs it, and the bare proof check with a small time budget.
    let resolver = OfflineResolver::new();
    let options = VerifyOptions::new(&resolver, time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    let report = verify_text_with(&text, &options);
    assert!(!report.verified, "a fuzzed signature verified");
    let small = CanonLimits { max_time: Some(std::time::Duration::from_millis(20)), ..CanonLimits::default() };
    for outcome in data_integrity::verify_proofs_with_limits(&doc, &DidKeyResolver, &small) {
        assert!(outcome.result.is_err());
    }

    // Canonicalization properties, under a deterministic budget (no time limit, little work),
    // on the smaller documents: they are where structure varies most, and the large generated
    // graphs would make each input take seconds under the sanitizer.
    if text.len() > 64 * 1024 {
        return;
    }
    let limits = CanonLimits { max_time: None, max_work: 2_000, ..CanonLimits::default() };
    let unsecured = |doc: &Value| {
        let mut doc = doc.clone();
        if let Some(map) = doc.as_object_mut() {
            map.remove("proof");
        }
        doc
    };
    let unsecured_doc = unsecured(&doc);
    let Ok(direct) = data_integrity::canonicalize_with_limits(&unsecured_doc, Cryptosuite::EddsaRdfc2022, &limits)
    else {
        return;
    };
    if let Ok(quads) = jsonld::to_rdf_dataset(&unsecured_doc) {
        let through_quads = canon::canonicalize_with(&quads, &limits).map(|c| c.nquads);
        assert_eq!(through_quads.as_ref(), Ok(&direct), "the two canonicalization paths differ");
    }
    let relabelled = unsecured(&document(&input, true));
    if let Ok(again) = data_integrity::canonicalize_with_limits(&relabelled, Cryptosuite::EddsaRdfc2022, &limits) {
        assert_eq!(again, direct, "renaming and reordering blank nodes changed the canonical form");
    }
});
