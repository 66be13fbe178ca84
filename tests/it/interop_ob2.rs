//! Open Badges 2.0 verdicts cross-checked with 1EdTech's own 2.0 validator (PyPI
//! `openbadges`, installed in target/ob2-venv by tests/ob2/install.sh, which .ci/run
//! runs). tests/ob2/validate.py runs it offline over the core's fixtures
//! (crates/credence-core/tests/fixtures/ob2/cases.json); each verdict must be the one
//! Credence gives, except where a case records the validator's other verdict and why.
//! Without the validator the test says so loudly, and fails when CI=true.

use std::path::PathBuf;
use std::process::Command;

use credence_core::ob2::{self, Documents, Options, Presented};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    root().join("crates/credence-core/tests/fixtures/ob2")
}

fn python() -> Option<PathBuf> {
    let python = root().join("target/ob2-venv/bin/python");
    let installed = python.is_file()
        && Command::new(&python).args(["-c", "import openbadges"]).output().is_ok_and(|o| o.status.success());
    if !installed {
        let message =
            "\n!!!!! interop_ob2 SKIPPED: run tests/ob2/install.sh (PyPI openbadges in target/ob2-venv) !!!!!\n";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{message} (CI=true: failing instead of skipping)");
        }
        eprintln!("{message}");
        return None;
    }
    Some(python)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

/// Credence's verdict on a case, by the core.
fn credence_verdict(case: &Value) -> bool {
    let mut docs = Documents::new();
    for (url, file) in case["documents"].as_object().unwrap() {
        docs.add_document(url.clone(), serde_json::from_str::<Value>(&read(file.as_str().unwrap())).unwrap());
    }
    let presented = match case["url"].as_str() {
        Some(url) => Presented::from_text(&read(case["documents"][url].as_str().unwrap()), Some(url)),
        None => Presented::from_text(&read(case["input"].as_str().unwrap()), None),
    }
    .unwrap();
    let options = Options { now: time::OffsetDateTime::now_utc(), recipient_email: case["email"].as_str() };
    ob2::verify(&presented, &docs, &options).report.verified
}

#[test]
fn the_1edtech_validator_agrees_with_credence_on_every_case() {
    let Some(python) = python() else { return };
    let output = Command::new(python).arg(root().join("tests/ob2/validate.py")).arg(fixtures()).output().unwrap();
    assert!(output.status.success(), "validate.py failed: {}", String::from_utf8_lossy(&output.stderr));
    let verdicts: Value = serde_json::from_slice(&output.stdout).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&read("cases.json")).unwrap();
    let mut agreed = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let ours = credence_verdict(case);
        assert_eq!(ours, case["expect"] == "valid", "{name}: Credence's verdict");
        let theirs = verdicts[name]["valid"].as_bool().unwrap_or_else(|| panic!("{name}: no verdict: {verdicts:#}"));
        match case["python"].as_str() {
            Some(expected) => {
                assert_eq!(theirs, expected == "valid", "{name}: the validator's recorded verdict ({})", case["why"]);
            }
            None => {
                assert_eq!(theirs, ours, "{name}: the validator says {}: {}", theirs, verdicts[name]["errors"]);
                agreed += 1;
            }
        }
    }
    assert!(agreed >= 10, "most cases are cross-checked, {agreed} were");
}
