//! Runs every test of the W3C rdf-canon suite (tests/vectors/w3c-rdf-canon/manifest.csv).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use credence_core::canon::{CanonError, CanonLimits, HashAlgorithm, canonicalize_with};
use oxrdf::Quad;

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/w3c-rdf-canon")
}

fn parse_nquads(text: &str) -> Vec<Quad> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| Quad::from_str(l).unwrap_or_else(|e| panic!("bad N-Quads line {l:?}: {e}")))
        .collect()
}

/// Splits one CSV line honouring double quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn every_rdfc10_test_in_the_manifest() {
    let manifest = std::fs::read_to_string(suite_dir().join("manifest.csv")).unwrap();
    let mut lines = manifest.lines();
    let header = csv_fields(lines.next().unwrap());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id_col, hash_col, rdfc_col) = (col("test"), col("hashAlgorithm"), col("rdfc10"));
    let (mut positive, mut negative) = (0, 0);
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let fields = csv_fields(line);
        let id = &fields[id_col];
        let kind = fields[rdfc_col].as_str();
        let mut limits = CanonLimits::default();
        if fields[hash_col] == "SHA384" {
            limits.hash = HashAlgorithm::Sha384;
        }
        let input = std::fs::read_to_string(suite_dir().join(format!("rdfc10/{id}-in.nq"))).unwrap();
        let quads = parse_nquads(&input);
        let start = Instant::now();
        let result = canonicalize_with(&quads, &limits);
        let elapsed = start.elapsed();
        match kind {
            "TRUE" => {
                let expected = std::fs::read_to_string(suite_dir().join(format!("rdfc10/{id}-rdfc10.nq"))).unwrap();
                let got = result.unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(got.nquads, expected, "{id}: canonical N-Quads differ");
                positive += 1;
            }
            "RDFC10NegativeEvalTest" => {
                assert!(
                    matches!(result, Err(CanonError::WorkLimitExceeded { .. })),
                    "{id}: expected the work-limit error, got {result:?}"
                );
                assert!(elapsed < Duration::from_secs(2), "{id}: took {elapsed:?}");
                negative += 1;
            }
            other => panic!("{id}: unknown rdfc10 column value {other:?}"),
        }
    }
    assert_eq!((positive, negative), (64, 1));
}

#[test]
fn issued_identifier_maps_match() {
    let manifest = std::fs::read_to_string(suite_dir().join("manifest.csv")).unwrap();
    let mut checked = 0;
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields = csv_fields(line);
        if fields.last().map(String::as_str) != Some("TRUE") {
            continue;
        }
        let id = &fields[0];
        let mut limits = CanonLimits::default();
        if fields[5] == "SHA384" {
            limits.hash = HashAlgorithm::Sha384;
        }
        let input = std::fs::read_to_string(suite_dir().join(format!("rdfc10/{id}-in.nq"))).unwrap();
        let got = canonicalize_with(&parse_nquads(&input), &limits).unwrap();
        let expected: std::collections::HashMap<String, String> = serde_json::from_str(
            &std::fs::read_to_string(suite_dir().join(format!("rdfc10/{id}-rdfc10map.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(got.issued, expected, "{id}: issued identifiers differ");
        checked += 1;
    }
    assert!(checked > 20);
}

#[test]
fn work_needed_by_the_evil_tests_is_reported() {
    for id in ["test044", "test045", "test046"] {
        let input = std::fs::read_to_string(suite_dir().join(format!("rdfc10/{id}-in.nq"))).unwrap();
        let got = canonicalize_with(&parse_nquads(&input), &CanonLimits::default()).unwrap();
        eprintln!("{id}: {} work units, recursion {} deep", got.work, got.depth);
    }
}

/// Hash N-Degree Quads recursion is bounded (`canon::MAX_N_DEGREE_DEPTH`); the suite's positive
/// tests stay far below the bound.
#[test]
fn the_suite_recurses_far_less_than_the_bound() {
    let manifest = std::fs::read_to_string(suite_dir().join("manifest.csv")).unwrap();
    let mut lines = manifest.lines();
    let header = csv_fields(lines.next().unwrap());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id_col, hash_col, rdfc_col) = (col("test"), col("hashAlgorithm"), col("rdfc10"));
    let mut deepest = (0, String::new());
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let fields = csv_fields(line);
        if fields[rdfc_col] != "TRUE" {
            continue;
        }
        let id = &fields[id_col];
        let mut limits = CanonLimits { max_time: None, ..CanonLimits::default() };
        if fields[hash_col] == "SHA384" {
            limits.hash = HashAlgorithm::Sha384;
        }
        let input = std::fs::read_to_string(suite_dir().join(format!("rdfc10/{id}-in.nq"))).unwrap();
        let got = canonicalize_with(&parse_nquads(&input), &limits).unwrap();
        deepest = deepest.max((got.depth, id.clone()));
    }
    eprintln!("deepest recursion: {} levels ({})", deepest.0, deepest.1);
    assert!(deepest.0 * 4 <= credence_core::canon::MAX_N_DEGREE_DEPTH, "{deepest:?}");
}
