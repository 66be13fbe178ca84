//! Credentials whose subject links blank-node graphs built to make RDFC-1.0 expensive: rings,
//! chains, cliques, trees and disjoint copies of small cliques, up to the 1 MiB body cap, with a
//! random signature. Verification must answer (the signature is wrong, or canonicalization gave
//! up with a clear error) without crashing, and in bounded time.
//!
//! The rings of 2,000 and 5,000 nodes used to overflow the stack in Hash N-Degree Quads (one
//! recursion per node along the ring) and abort the process; they run here on a thread with the
//! 2 MiB stack that tokio's blocking threads and spawned threads get by default.

use std::time::{Duration, Instant};

use crate::hostile_support::{
    Shape, hostile_credential, key, many_proofs_credential, scoped_types_credential, term_chain_credential,
};
use credence_core::canon::{self, CanonError, CanonLimits};
use credence_core::data_integrity::{
    self, Cryptosuite, DidKeyResolver, ProofError, verify_proofs, verify_proofs_with_limits,
};
use credence_core::verify::{CheckStatus, OfflineResolver, VerificationReport, verify_text};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The body cap of `POST /api/v1/verify`.
const BODY_CAP: usize = 1 << 20;
/// The stack of a thread spawned without `stack_size` (and of tokio's blocking threads).
const DEFAULT_STACK: usize = 2 << 20;
/// A generous bound for one verification in a debug build on a shared machine (the release
/// build's worst case is in docs/BENCHMARKS.md).
const DEBUG_BOUND: Duration = Duration::from_secs(2);

fn report_of(text: &str) -> VerificationReport {
    let resolver = OfflineResolver::new();
    verify_text(text, &resolver, time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000))
}

/// Verifies `doc` both ways (the report and the bare proof check) and returns the first proof's
/// error and the longer of the two times.
fn verify_both(doc: &Value) -> (ProofError, Duration) {
    let text = doc.to_string();
    let started = Instant::now();
    let report = report_of(&text);
    let report_time = started.elapsed();
    assert!(!report.verified, "a random signature verified");
    let proof =
        report.checks.iter().find(|c| c.check == "proof[0]").unwrap_or_else(|| panic!("no proof check: {report:?}"));
    assert_eq!(proof.status, CheckStatus::Failed, "{proof:?}");
    assert!(!proof.message.is_empty());

    let started = Instant::now();
    let outcomes = verify_proofs(doc, &DidKeyResolver);
    let proofs_time = started.elapsed();
    assert!(outcomes.iter().all(|o| o.result.is_err()), "a random signature verified");
    let error = outcomes[0].result.clone().expect_err("a random signature verified");
    (error, report_time.max(proofs_time))
}

/// Runs `f` on a thread with the default 2 MiB stack: a stack overflow there aborts the test
/// binary, which is what the ring regression guards against.
fn on_default_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("default-stack".into())
        // Spelled out so that RUST_MIN_STACK in the environment cannot make the test pass.
        .stack_size(DEFAULT_STACK)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the verification thread panicked")
}

fn regression_ring(n: usize) {
    let (error, elapsed) = on_default_stack(move || {
        let doc = hostile_credential(Shape::Ring(n), Cryptosuite::EddsaRdfc2022, &[0x5a; 64]);
        assert!(doc.to_string().len() < BODY_CAP);
        verify_both(&doc)
    });
    assert!(
        matches!(
            error,
            ProofError::Canonicalization(
                CanonError::WorkLimitExceeded { .. }
                    | CanonError::TimeLimitExceeded { .. }
                    | CanonError::TooDeep { .. }
            )
        ),
        "ring of {n}: {error}"
    );
    assert!(elapsed < DEBUG_BOUND, "ring of {n}: {elapsed:?}");
}

#[test]
fn a_ring_of_500_blank_nodes_ends_with_an_error() {
    regression_ring(500);
}

#[test]
fn a_ring_of_1000_blank_nodes_ends_with_an_error() {
    regression_ring(1000);
}

#[test]
fn a_ring_of_2000_blank_nodes_ends_with_an_error_not_a_stack_overflow() {
    regression_ring(2000);
}

#[test]
fn a_ring_of_5000_blank_nodes_ends_with_an_error_not_a_stack_overflow() {
    regression_ring(5000);
}

/// A chain as long as the recursion bound allows still canonicalizes, one past it stops with
/// `TooDeep`, on the default stack.
#[test]
fn hash_n_degree_recursion_is_bounded_on_the_default_stack() {
    let depth = canon::MAX_N_DEGREE_DEPTH;
    // A ring of look-alike nodes: from any node, Hash N-Degree Quads walks the whole ring.
    let ring = |n: usize| -> Vec<oxrdf::Quad> {
        (0..n)
            .map(|k| {
                let s = oxrdf::BlankNode::new_unchecked(format!("r{k}"));
                let o = oxrdf::BlankNode::new_unchecked(format!("r{}", (k + 1) % n));
                oxrdf::Quad::new(
                    s,
                    oxrdf::NamedNode::new_unchecked("https://hostile.example/next"),
                    o,
                    oxrdf::GraphName::DefaultGraph,
                )
            })
            .collect()
    };
    let limits = CanonLimits { max_work: u64::MAX, max_time: None, ..CanonLimits::default() };
    let (small, large) = on_default_stack(move || {
        (canon::canonicalize_with(&ring(depth / 2), &limits), canon::canonicalize_with(&ring(depth + 2), &limits))
    });
    assert!(small.is_ok(), "{small:?}");
    assert_eq!(large.unwrap_err(), CanonError::TooDeep { limit: depth });
}

/// The time limit ends canonicalization near its bound even when the work budget would allow
/// much more, and says so.
#[test]
fn the_time_limit_stops_canonicalization() {
    let doc = hostile_credential(Shape::Copies { copies: 400, n: 5 }, Cryptosuite::EddsaRdfc2022, &[1; 64]);
    let limits =
        CanonLimits { max_work: u64::MAX, max_time: Some(Duration::from_millis(20)), ..CanonLimits::default() };
    let started = Instant::now();
    let outcomes = verify_proofs_with_limits(&doc, &DidKeyResolver, &limits);
    let elapsed = started.elapsed();
    let error = outcomes[0].result.clone().unwrap_err();
    assert_eq!(error, ProofError::Canonicalization(CanonError::TimeLimitExceeded { limit_ms: 20 }));
    assert!(error.is_over_budget() && outcomes[0].is_over_budget());
    assert!(
        error
            .to_string()
            .contains("time limit of 20 ms exceeded (blank node structure too symmetric: possible poison graph)"),
        "{error}"
    );
    assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
    let canonical = data_integrity::canonicalize_with_limits(&doc, Cryptosuite::EddsaRdfc2022, &limits);
    assert!(canonical.is_err_and(|e| e.is_over_budget()));
}

/// A deadline shared by several verifications: once it has passed, the next one stops at once.
#[test]
fn a_shared_deadline_covers_several_verifications() {
    let limits =
        CanonLimits { max_time: Some(Duration::from_millis(30)), max_work: u64::MAX, ..CanonLimits::default() }
            .with_deadline_from_now();
    let doc = hostile_credential(Shape::Copies { copies: 400, n: 5 }, Cryptosuite::EddsaRdfc2022, &[2; 64]);
    let first = verify_proofs_with_limits(&doc, &DidKeyResolver, &limits);
    assert!(first[0].is_over_budget(), "{first:?}");
    let started = Instant::now();
    let second = verify_proofs_with_limits(&doc, &DidKeyResolver, &limits);
    assert!(second[0].is_over_budget(), "{second:?}");
    // Only the JSON-LD expansion runs before the first clock check.
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
}

/// An honest credential still verifies with a small time budget, and its proof is not "over
/// budget" when it fails for another reason.
#[test]
fn honest_credentials_are_within_a_small_budget() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/rich-credential.json"))
            .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let (k, vm) = key();
    let opts = data_integrity::ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm).with_created("2024-01-01T00:00:00Z");
    let signed = data_integrity::add_proof(&doc, &k, &opts).unwrap();
    let limits = CanonLimits { max_time: Some(Duration::from_millis(200)), ..CanonLimits::default() };
    assert!(data_integrity::all_verified(&verify_proofs_with_limits(&signed, &DidKeyResolver, &limits)));
    let mut tampered = signed.clone();
    tampered["name"] = json!("Other");
    let outcomes = verify_proofs_with_limits(&tampered, &DidKeyResolver, &limits);
    assert_eq!(outcomes[0].result, Err(ProofError::SignatureInvalid));
    assert!(!outcomes[0].is_over_budget());
}

/// From the `verify_graph` fuzz target (docs/FUZZING.md, 2026-12-02): chains of 1,536 and 5,952
/// blank nodes reported as 10-12 s timeouts. Alone they take 0.7 s and 1.5 s of CPU under the
/// sanitizer for all of the target's checks (a release build verifies a 5,000-node chain in
/// about 50 ms); the fuzzer, at nice 15, was starved by builds. Kept as bounds on the chain.
#[test]
fn fuzz_timeouts_chains_of_1536_and_5952_blank_nodes() {
    for n in [1536, 5952] {
        let doc = hostile_credential(Shape::Chain(n), Cryptosuite::EddsaRdfc2022, &[0; 64]);
        let (error, elapsed) = on_default_stack(move || verify_both(&doc));
        assert!(
            error.is_over_budget() || error == ProofError::Canonicalization(CanonError::TooDeep { limit: 128 }),
            "{n}: {error}"
        );
        assert!(elapsed < DEBUG_BOUND, "{n}: {elapsed:?}");
    }
}

/// Hostile inline contexts end with a JSON-LD error, on the default stack and quickly: terms
/// that need one another 20,000 deep (used to overflow the stack), thousands of type-scoped
/// contexts over thousands of terms (used to take 11 s in a release build), and sixteen proofs
/// whose configurations each copy a 20,000-term context.
#[test]
fn hostile_contexts_end_with_an_error() {
    let cases = [
        ("term chain", term_chain_credential(20_000)),
        ("scoped types", scoped_types_credential(5_000, 1, false)),
        ("scoped nulls", scoped_types_credential(10_000, 4, true)),
        ("sixteen proofs", many_proofs_credential(20_000, 16)),
    ];
    for (name, doc) in cases {
        assert!(doc.to_string().len() < BODY_CAP, "{name}");
        let (error, elapsed) = on_default_stack(move || verify_both(&doc));
        assert!(matches!(error, ProofError::JsonLd(_)), "{name}: {error}");
        assert!(elapsed < DEBUG_BOUND, "{name}: {elapsed:?}");
    }
}

/// Shapes as large as the body cap allows (the node count is capped so the body stays under it).
fn shape_strategy() -> impl Strategy<Value = Shape> {
    // About 50 bytes of JSON per node and 18 per link.
    prop_oneof![
        (1usize..=20_000).prop_map(Shape::Ring),
        (1usize..=20_000).prop_map(Shape::Chain),
        (2usize..=200).prop_map(Shape::Clique),
        (1usize..=20_000).prop_map(Shape::Tree),
        (2usize..=8)
            .prop_flat_map(|n| (1usize..=1_000_000 / (n * (n - 1) * 18 + n * 50))
                .prop_map(move |copies| Shape::Copies { copies, n })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the shape and size, verification answers (never a panic or an abort) and does so
    /// in bounded time.
    #[test]
    fn hostile_graphs_end_in_bounded_time(
        shape in shape_strategy(),
        jcs in proptest::bool::weighted(0.15),
        signature in proptest::collection::vec(any::<u8>(), 64),
    ) {
        let signature: [u8; 64] = signature.try_into().unwrap_or([0; 64]);
        let suite = if jcs { Cryptosuite::EddsaJcs2022 } else { Cryptosuite::EddsaRdfc2022 };
        let doc = hostile_credential(shape, suite, &signature);
        prop_assume!(doc.to_string().len() <= BODY_CAP);
        let (error, elapsed) = on_default_stack(move || verify_both(&doc));
        prop_assert!(!error.to_string().is_empty());
        prop_assert!(elapsed < DEBUG_BOUND, "{shape:?}: {elapsed:?} ({error})");
    }
}
