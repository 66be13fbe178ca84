//! Hostile credentials shared by tests/hostile_graphs.rs and benches/hostile_canon.rs: an Open
//! Badges credential whose subject links a blank-node graph of a chosen shape through terms of an
//! inline `@context`, with a proof whose signature is whatever the caller gives.
#![allow(dead_code)]

use credence_core::data_integrity::Cryptosuite;
use credence_core::multibase;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

/// The shapes of blank-node graph under the credential's subject.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `n` nodes, each linked to the next, the last to the first.
    Ring(usize),
    /// `n` nodes, each linked to the next.
    Chain(usize),
    /// `n` nodes, each linked to every other.
    Clique(usize),
    /// A complete binary tree of `n` nodes, each linked to its children.
    Tree(usize),
    /// `copies` disjoint cliques of `n` nodes each.
    Copies { copies: usize, n: usize },
}

impl Shape {
    /// The nodes and, for each, the nodes it links to.
    pub fn edges(self) -> Vec<Vec<usize>> {
        match self {
            Shape::Ring(n) => (0..n).map(|k| vec![(k + 1) % n]).collect(),
            Shape::Chain(n) => (0..n).map(|k| if k + 1 < n { vec![k + 1] } else { Vec::new() }).collect(),
            Shape::Clique(n) => (0..n).map(|k| (0..n).filter(|&j| j != k).collect()).collect(),
            Shape::Tree(n) => (0..n).map(|k| [2 * k + 1, 2 * k + 2].into_iter().filter(|&c| c < n).collect()).collect(),
            Shape::Copies { copies, n } => (0..copies * n)
                .map(|k| {
                    let base = k / n * n;
                    (base..base + n).filter(|&j| j != k).collect()
                })
                .collect(),
        }
    }
}

pub fn key() -> (SigningKey, String) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let mk = multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    (key, format!("did:key:{mk}#{mk}"))
}

/// An Open Badges credential whose subject links the graph `shape` through terms of an inline
/// `@context`, with a proof of `suite` whose `proofValue` is `signature` (not a real signature).
pub fn hostile_credential(shape: Shape, suite: Cryptosuite, signature: &[u8; 64]) -> Value {
    let (_, vm) = key();
    let issuer = vm.split('#').next().unwrap_or_default().to_owned();
    let nodes: Vec<Value> = shape
        .edges()
        .into_iter()
        .enumerate()
        .map(|(k, links)| {
            let links: Vec<Value> = links.into_iter().map(|j| json!({"@id": format!("_:n{j}")})).collect();
            json!({"@id": format!("_:n{k}"), "next": links})
        })
        .collect();
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            {"next": {"@id": "https://hostile.example/next", "@type": "@id"}, "graph": "https://hostile.example/graph"}
        ],
        "id": "urn:uuid:0b9a3e4c-6a4e-4c55-9e3f-2f3c1a6d7e01",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Hostile issuer"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Hostile credential",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": "did:example:learner",
            "achievement": {
                "id": "https://hostile.example/achievements/1",
                "type": ["Achievement"],
                "name": "Hostile achievement",
                "description": "A graph built to make canonicalization expensive.",
                "criteria": {"narrative": "None."}
            },
            "graph": nodes
        },
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": suite.as_str(),
            "created": "2024-01-01T00:00:00Z",
            "verificationMethod": vm,
            "proofPurpose": "assertionMethod",
            "proofValue": multibase::encode_base58btc(signature)
        }
    })
}

/// The credential of `hostile_credential` (a one-node graph) with `extra` added to its inline
/// `@context` and `subject` merged into its subject.
pub fn with_context(extra: serde_json::Map<String, Value>, subject: serde_json::Map<String, Value>) -> Value {
    let mut doc = hostile_credential(Shape::Chain(1), Cryptosuite::EddsaRdfc2022, &[9; 64]);
    if let Some(Value::Object(ctx)) = doc["@context"].get_mut(2) {
        ctx.extend(extra);
    }
    if let Value::Object(s) = &mut doc["credentialSubject"] {
        s.extend(subject);
    }
    doc
}

/// An inline `@context` of `n` terms, each a compact IRI through the next (`t0` needs `t1`, which
/// needs `t2`, ...): creating `t0` nests `n` term definitions.
pub fn term_chain_credential(n: usize) -> Value {
    let mut ctx = serde_json::Map::new();
    for i in 0..n {
        let def = if i + 1 == n { json!("https://hostile.example/chain/") } else { json!(format!("t{}:x", i + 1)) };
        ctx.insert(format!("t{i}"), def);
    }
    let mut subject = serde_json::Map::new();
    subject.insert("t0".into(), json!("value"));
    with_context(ctx, subject)
}

/// An inline `@context` of `types` type terms, each with a scoped context (`null` when `nulls`,
/// else one more term), and `nodes` nodes of the subject, each of every type.
pub fn scoped_types_credential(types: usize, nodes: usize, nulls: bool) -> Value {
    let mut ctx = serde_json::Map::new();
    for i in 0..types {
        let scoped =
            if nulls { Value::Null } else { json!({format!("s{i}"): format!("https://hostile.example/s{i}")}) };
        ctx.insert(format!("T{i}"), json!({"@id": format!("https://hostile.example/T{i}"), "@context": scoped}));
    }
    let all_types: Vec<Value> = (0..types).map(|i| json!(format!("T{i}"))).collect();
    let nodes: Vec<Value> = (0..nodes).map(|k| json!({"@type": all_types, "graph": format!("n{k}")})).collect();
    let mut subject = serde_json::Map::new();
    subject.insert("graph".into(), Value::Array(nodes));
    with_context(ctx, subject)
}

/// An inline `@context` of `terms` plain terms (processed again for every proof configuration
/// that copies it) and `proofs` `eddsa-rdfc-2022` proofs without their own `@context`.
pub fn many_proofs_credential(terms: usize, proofs: usize) -> Value {
    let mut ctx = serde_json::Map::new();
    for i in 0..terms {
        ctx.insert(format!("x{i}"), json!(format!("https://hostile.example/x{i}")));
    }
    let mut doc = with_context(ctx, serde_json::Map::new());
    let proof = doc["proof"].clone();
    doc["proof"] = Value::Array(vec![proof; proofs]);
    doc
}

/// A credential (one blank node) endorsed `endorsements` times, each endorsement a credential of
/// `shape` with its own proof: verification checks every endorsement's proof on its own.
pub fn endorsed_credential(shape: Shape, endorsements: usize) -> Value {
    let mut doc = hostile_credential(Shape::Chain(1), Cryptosuite::EddsaRdfc2022, &[3; 64]);
    let mut endorsement = hostile_credential(shape, Cryptosuite::EddsaRdfc2022, &[4; 64]);
    endorsement["type"] = json!(["VerifiableCredential", "EndorsementCredential"]);
    doc["endorsement"] = Value::Array(vec![endorsement; endorsements]);
    doc
}
