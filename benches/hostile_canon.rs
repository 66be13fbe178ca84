//! The worst hostile credentials found for canonicalization and JSON-LD processing, each timed
//! through the whole offline verification (`core::verify::verify_text`: parse, structure,
//! contexts, expansion, RDFC-1.0, proof) with the default limits.
//! Run: `cargo bench --bench hostile_canon`
//! (`HOSTILE_ONLY=ring` runs the cases whose name contains "ring".)

#[path = "../crates/credence-core/tests/it/hostile_support/mod.rs"]
mod hostile_support;

use std::time::{Duration, Instant};

use credence_core::data_integrity::Cryptosuite;
use credence_core::verify::{OfflineResolver, verify_text};
use hostile_support::{
    Shape, endorsed_credential, hostile_credential, many_proofs_credential, scoped_types_credential,
    term_chain_credential,
};
use serde_json::Value;

const BODY_CAP: usize = 1 << 20;

/// CPU time consumed by the calling thread (not the time it waits for the CPU on a shared
/// machine).
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is supported on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn cases() -> Vec<(String, Value)> {
    let rdfc = Cryptosuite::EddsaRdfc2022;
    let sig = [0x5a; 64];
    let mut cases: Vec<(String, Value)> = Vec::new();
    let mut shape = |name: String, s: Shape| cases.push((name, hostile_credential(s, rdfc, &sig)));
    for n in [8, 16, 32, 64, 100, 127, 129, 200, 500, 1_000, 2_000, 5_000, 9_900, 10_000, 20_000] {
        shape(format!("ring {n}"), Shape::Ring(n));
        shape(format!("chain {n}"), Shape::Chain(n));
        shape(format!("tree {n}"), Shape::Tree(n));
    }
    for n in [3, 4, 5, 6, 7, 8, 10, 20, 50, 100, 200, 240] {
        shape(format!("clique {n}"), Shape::Clique(n));
    }
    for n in [2, 3, 4, 5, 6, 7] {
        for copies in [10, 100, 1_000, 3_000, 9_900 / n, 10_000] {
            shape(format!("copies {copies}x{n}"), Shape::Copies { copies, n });
        }
    }
    for n in [10, 64, 65, 1_000, 20_000] {
        cases.push((format!("term chain {n}"), term_chain_credential(n)));
    }
    for (types, nodes) in [(4, 1), (32, 1), (1_000, 1), (5_000, 1), (100, 100), (1_000, 50), (10_000, 4)] {
        cases.push((format!("scoped types {types}x{nodes} (term)"), scoped_types_credential(types, nodes, false)));
        cases.push((format!("scoped types {types}x{nodes} (null)"), scoped_types_credential(types, nodes, true)));
    }
    for (copies, n) in [(10, 5), (10, 6), (10, 7), (60, 7), (100, 5)] {
        cases.push((
            format!("16 endorsements of copies {copies}x{n}"),
            endorsed_credential(Shape::Copies { copies, n }, 16),
        ));
    }
    for n in [64, 100, 127] {
        cases.push((format!("16 endorsements of ring {n}"), endorsed_credential(Shape::Ring(n), 16)));
    }
    for (terms, proofs) in [(1_000, 16), (10_000, 16), (20_000, 16)] {
        cases.push((format!("context {terms} terms, {proofs} proofs"), many_proofs_credential(terms, proofs)));
    }
    cases
}

/// CPU time of each phase of verification for `text` (with `HOSTILE_PHASES=1`).
fn phases(text: &str) -> String {
    use credence_core::{data_integrity, jsonld, model};
    let mut out = Vec::new();
    let mut time = |name: &str, f: &mut dyn FnMut()| {
        let cpu = thread_cpu_time();
        f();
        out.push(format!("{name} {:.1}", (thread_cpu_time() - cpu).as_secs_f64() * 1e3));
    };
    let mut doc = Value::Null;
    time("parse", &mut || doc = serde_json::from_str(text).unwrap_or(Value::Null));
    time("validate", &mut || drop(model::validate_credential(&doc)));
    if let Some(map) = doc.as_object_mut() {
        map.remove("proof");
    }
    time("expand", &mut || drop(jsonld::expand(&doc)));
    time("to_rdf", &mut || drop(jsonld::to_rdf_dataset(&doc)));
    time("canonicalize", &mut || drop(data_integrity::canonicalize(&doc, Cryptosuite::EddsaRdfc2022)));
    out.join(", ")
}

fn main() {
    let show_phases = std::env::var("HOSTILE_PHASES").is_ok();
    let only = std::env::var("HOSTILE_ONLY").ok();
    let resolver = OfflineResolver::new();
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let mut worst = (Duration::ZERO, String::new());
    println!("median of 5 runs of verify_text each; CPU = thread CPU time");
    println!("{:<34} {:>9} {:>10} {:>10}  outcome", "case", "bytes", "cpu ms", "wall ms");
    for (name, doc) in cases() {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let text = doc.to_string();
        if text.len() > BODY_CAP {
            println!("{name:<34} {:>9}  (over the 1 MiB body cap, skipped)", text.len());
            continue;
        }
        // The median of five runs (the machine is shared: single runs swing by tens of percent).
        let mut runs = Vec::new();
        let mut outcome = String::new();
        for _ in 0..5 {
            let wall = Instant::now();
            let cpu = thread_cpu_time();
            let report = verify_text(&text, &resolver, now);
            runs.push((thread_cpu_time() - cpu, wall.elapsed()));
            let wanted = if name.contains("endorsements") { "endorsement[15]" } else { "proof[0]" };
            let proof = report.checks.iter().find(|c| c.check == wanted).map(|c| c.message.clone());
            outcome = proof.unwrap_or_else(|| report.first_failure().map(|c| c.message.clone()).unwrap_or_default());
        }
        runs.sort();
        let slowest = runs[runs.len() / 2];
        outcome.truncate(110);
        println!(
            "{name:<34} {:>9} {:>10.1} {:>10.1}  {outcome}",
            text.len(),
            slowest.0.as_secs_f64() * 1e3,
            slowest.1.as_secs_f64() * 1e3
        );
        if show_phases {
            println!("    phases (ms CPU): {}", phases(&text));
        }
        worst = worst.max((slowest.0, name));
    }
    println!("worst: {} at {:.1} ms CPU", worst.1, worst.0.as_secs_f64() * 1e3);
}
