//! Open Badges 2.0 verification over the fixtures in tests/fixtures/ob2 (made by
//! make_fixtures.py: hosted and signed assertions, a real RSA key, tampered variants).
//! Each case of cases.json names its input, the documents served at each URL, and the
//! verdict; tests/it/interop_ob2.rs runs 1EdTech's validator over the same cases.

use std::path::PathBuf;

use credence_core::ob2::{self, Documents, Kind, Options, Presented};
use credence_core::verify::CheckStatus;
use serde_json::Value;

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ob2")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(folder().join(name)).unwrap()
}

fn cases() -> Vec<Value> {
    serde_json::from_str(&read("cases.json")).unwrap()
}

fn case(name: &str) -> Value {
    cases().into_iter().find(|c| c["name"] == name).unwrap()
}

fn documents(case: &Value) -> Documents {
    let mut docs = Documents::new();
    for (url, file) in case["documents"].as_object().unwrap() {
        docs.add_document(url.clone(), serde_json::from_str::<Value>(&read(file.as_str().unwrap())).unwrap());
    }
    docs
}

/// The case's input, as a verifier is given it: the JSON or JWS, or what was fetched from its URL.
fn presented(case: &Value, docs: &Documents) -> Presented {
    match case["url"].as_str() {
        Some(url) => {
            let file = case["documents"][url].as_str().unwrap();
            ob2::Presented::from_text(&read(file), Some(url)).unwrap()
        }
        None => ob2::Presented::from_text(&read(case["input"].as_str().unwrap()), None).unwrap(),
    }
    .tap(|p| assert!(ob2::wanted(p, docs).is_empty(), "every document of {} is served", case["name"]))
}

trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&Self)) -> Self {
        f(&self);
        self
    }
}
impl<T> Tap for T {}

fn run(case: &Value) -> ob2::Ob2Report {
    let docs = documents(case);
    let presented = presented(case, &docs);
    let options = Options { now: time::OffsetDateTime::now_utc(), recipient_email: case["email"].as_str() };
    ob2::verify(&presented, &docs, &options)
}

#[test]
fn every_case_has_its_verdict() {
    for case in cases() {
        let report = run(&case);
        let name = case["name"].as_str().unwrap();
        let checks: Vec<String> =
            report.report.checks.iter().map(|c| format!("{} {:?}: {}", c.check, c.status, c.message)).collect();
        assert_eq!(report.report.verified, case["expect"] == "valid", "{name}: {checks:#?}");
        if let Some(failed) = case["failed"].as_str() {
            let failures: Vec<_> = report.report.checks.iter().filter(|c| c.status == CheckStatus::Failed).collect();
            assert!(failures.iter().any(|c| c.check == failed), "{name} fails {failed}: {checks:#?}");
        }
        if let Some(reason) = case["reason"].as_str() {
            assert!(checks.iter().any(|c| c.starts_with("status Failed") && c.contains(reason)), "{name}: {checks:#?}");
        }
        if case["expect"] == "valid" {
            assert!(report.authentic, "{name}");
        }
    }
}

#[test]
fn hosted_assertion_report_names_the_format_and_its_documents() {
    let report = run(&case("hosted-email-match"));
    assert_eq!(report.kind, Some(Kind::Hosted));
    assert_eq!(Kind::Hosted.format_name(), "Open Badges 2.0 (hosted)");
    assert_eq!(report.badge_class.unwrap()["name"], "Time Management");
    assert_eq!(report.issuer.unwrap()["name"], "Example College");
    let names: Vec<&str> = report.report.checks.iter().map(|c| c.check.as_str()).collect();
    assert_eq!(
        names,
        ["format", "hosting", "assertion", "badgeClass", "issuerProfile", "issuer", "validity", "status", "recipient"]
    );
    assert!(report.report.checks.iter().all(|c| c.status == CheckStatus::Passed));
}

#[test]
fn signed_assertion_is_checked_with_the_issuers_key() {
    let report = run(&case("signed-email-match"));
    assert_eq!(report.kind, Some(Kind::Signed));
    let proof = report.report.checks.iter().find(|c| c.check == "proof").unwrap();
    assert_eq!(proof.status, CheckStatus::Passed, "{}", proof.message);
    assert!(report.report.verified);
}

#[test]
fn documents_are_asked_for_in_rounds() {
    let c = case("hosted-valid");
    let presented = Presented::from_text(&read("assertion-1001.json"), None).unwrap();
    let mut docs = Documents::new();
    let mut rounds = Vec::new();
    loop {
        let want = ob2::wanted(&presented, &docs);
        if want.is_empty() {
            break;
        }
        for url in &want {
            let file = c["documents"][url].as_str().unwrap();
            docs.add_document(url.clone(), serde_json::from_str::<Value>(&read(file)).unwrap());
        }
        rounds.push(want);
        assert!(rounds.len() <= 4);
    }
    assert_eq!(rounds[0], ["https://badges.example.org/assertions/1001.json"]);
    assert_eq!(rounds[1], ["https://badges.example.org/badgeclass.json"]);
    assert_eq!(rounds[2], ["https://badges.example.org/issuer.json"]);
    assert_eq!(rounds[3], ["https://badges.example.org/revocations.json"]);
}

#[test]
fn a_document_that_could_not_be_fetched_makes_the_check_an_error() {
    let c = case("hosted-valid");
    let mut all = Documents::new();
    for (url, file) in c["documents"].as_object().unwrap() {
        if !url.ends_with("revocations.json") {
            all.add_document(url.clone(), serde_json::from_str::<Value>(&read(file.as_str().unwrap())).unwrap());
        }
    }
    all.add_unavailable("https://badges.example.org/revocations.json", "could not be fetched: timed out");
    let presented = Presented::from_text(&read("assertion-1001.json"), None).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let report = ob2::verify(&presented, &all, &Options { now, recipient_email: None });
    let status = report.report.checks.iter().find(|c| c.check == "status").unwrap();
    assert_eq!(status.status, CheckStatus::Error, "{}", status.message);
    assert!(!report.report.verified);
}

#[test]
fn three_dot_json_and_vc_documents_are_not_2_0() {
    assert!(
        Presented::from_text(
            r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"]}"#,
            None
        )
        .is_none()
    );
    assert!(Presented::from_text("not json", None).is_none());
    assert!(ob2::is_ob2(&serde_json::json!({"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"})));
    // The JWS of a 2.0 assertion is recognised by its payload.
    assert!(matches!(Presented::from_text(&read("signed.jws"), None), Some(Presented::Jws(_))));
}

#[test]
fn a_signed_assertion_as_bare_json_carries_no_signature() {
    let payload = ob2::jws_payload(read("signed.jws").trim()).unwrap();
    let presented = Presented::Json { assertion: payload, fetched_from: None };
    let report = ob2::verify(
        &presented,
        &Documents::new(),
        &Options { now: time::OffsetDateTime::now_utc(), recipient_email: None },
    );
    assert!(!report.report.verified);
    assert_eq!(report.report.checks[0].check, "format");
    assert_eq!(report.report.checks[0].status, CheckStatus::Failed);
}

#[test]
fn dates_in_the_forms_2_0_issuers_write() {
    for d in [
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00+00:00",
        "2024-05-01T12:00:00+0100",
        "2024-05-01T12:00:00",
        "2024-05-01T12:00:00.123Z",
    ] {
        assert!(ob2::parse_date(d).is_some(), "{d}");
    }
    for d in ["2024-05-01", "yesterday", "é2024-05-01T12:00:00+01000"] {
        assert!(ob2::parse_date(d).is_none(), "{d}");
    }
}
