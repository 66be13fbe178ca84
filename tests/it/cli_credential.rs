//! `credence credential sign|verify` and `credence keys list|rotate`, run as a user would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_credence");
const VECTOR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/ob3-eddsa-rdfc-2022");

fn run(args: &[&str], stdin: Option<&str>, dir: &std::path::Path) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("CREDENCE_MASTER_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run credence");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn vector() -> (Value, Value) {
    let signed: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{VECTOR}/signed.json")).unwrap()).unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{VECTOR}/expected.json")).unwrap()).unwrap();
    (signed, expected)
}

fn profile_document(expected: &Value) -> Value {
    let vm = expected["verificationMethod"].as_str().unwrap();
    serde_json::json!({
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "verificationMethod": [{"id": vm, "type": "Multikey", "controller": "https://example.edu/issuers/565049",
            "publicKeyMultibase": expected["publicKeyMultibase"]}],
        "assertionMethod": [vm]
    })
}

#[test]
fn sign_reproduces_the_1edtech_vector_and_verify_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let (signed, expected) = vector();
    let mut unsigned = signed.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let out = run(
        &[
            "credential",
            "sign",
            "--seed-hex",
            expected["secretSeedHex"].as_str().unwrap(),
            "--verification-method",
            expected["verificationMethod"].as_str().unwrap(),
            "--created",
            "2010-01-01T19:23:24Z",
            "-",
        ],
        Some(&unsigned.to_string()),
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ours["proof"]["proofValue"], expected["proofValue"]);
    assert_eq!(ours, signed);

    let credential = dir.path().join("signed.json");
    std::fs::write(&credential, serde_json::to_string_pretty(&ours).unwrap()).unwrap();
    let profile = dir.path().join("profile.json");
    std::fs::write(&profile, profile_document(&expected).to_string()).unwrap();
    let mapping = format!("https://example.edu/issuers/565049={}", profile.display());
    let out = run(&["credential", "verify", "--resolve", &mapping, credential.to_str().unwrap()], None, dir.path());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success(), "{report}");
    assert_eq!(report["verified"], true);

    // Tampered: exit 1 and the failing check is named.
    let mut tampered = ours.clone();
    tampered["name"] = Value::from("Teamwork Badge (gold)");
    let out = run(&["credential", "verify", "--resolve", &mapping, "-"], Some(&tampered.to_string()), dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verified"], false);
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "failed")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["proof[0]"]);

    // Without the key's document, nothing is fetched and the proof cannot verify.
    let out = run(&["credential", "verify", credential.to_str().unwrap()], None, dir.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &["credential", "sign", "--seed-hex", "abc", "--verification-method", "did:key:z", "-"],
        Some("{}"),
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("seed-hex"));
    let out = run(&["credential", "verify", "-"], Some("not json at all"), dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["checks"][0]["check"], "format");
    let out = run(&["credential", "verify", "--resolve", "no-equals-sign", "-"], Some("{}"), dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("URL=FILE"));
}

#[test]
fn keys_list_and_rotate_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/k.db", dir.path().display());
    let keys_dir = dir.path().join("keys");
    let common = ["--database-url", db.as_str(), "--keys-dir", keys_dir.to_str().unwrap()];
    let out = run(&[&["migrate"][..], &common[..2]].concat(), None, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Create the organization through the library, as the API would.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = credence::store::Store::connect(&db, "https://badges.example.ca").await.unwrap();
        let org: credence::domain::organization::NewOrganization =
            serde_json::from_value(serde_json::json!({"slug": "acme", "name": "Acme", "kind": "employer"})).unwrap();
        store.create_organization(&org, &credence::domain::audit::Actor::Service).await.unwrap();
    });
    let out = run(&[&["keys", "list", "--org", "acme"][..], &common[..]].concat(), None, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(listing.lines().count(), 1, "{listing}");
    assert!(listing.contains("current"));
    assert!(keys_dir.join("master.key").exists());

    let out = run(&[&["keys", "rotate", "--org", "acme"][..], &common[..]].concat(), None, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listing.contains("retired"), "{listing}");
    assert_eq!(listing.lines().filter(|l| l.contains("\tcurrent\t")).count(), 1, "{listing}");
    assert_eq!(listing.lines().filter(|l| l.contains("\tretired\t")).count(), 1, "{listing}");

    let out = run(&[&["keys", "list", "--org", "nobody"][..], &common[..]].concat(), None, dir.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unbake_prints_the_credential_and_verify_reads_baked_images() {
    use credence_core::baking::{BakedCredential, bake_svg};
    let dir = tempfile::tempdir().unwrap();
    let (signed, expected) = vector();
    let svg =
        bake_svg("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", &BakedCredential::Json(signed.to_string())).unwrap();
    let file = dir.path().join("badge.svg");
    std::fs::write(&file, svg).unwrap();
    let out = run(&["credential", "unbake", file.to_str().unwrap()], None, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let unbaked: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(unbaked, signed);
    let profile = dir.path().join("profile.json");
    std::fs::write(&profile, profile_document(&expected).to_string()).unwrap();
    let mapping = format!("https://example.edu/issuers/565049={}", profile.display());
    let out = run(&["credential", "verify", "--resolve", &mapping, file.to_str().unwrap()], None, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let plain = dir.path().join("plain.svg");
    std::fs::write(&plain, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let out = run(&["credential", "unbake", plain.to_str().unwrap()], None, dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Open Badges credential"));
}

#[test]
fn verify_resolves_keys_the_service_hosts_with_hosted() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/h.db", dir.path().display());
    let keys_dir = dir.path().join("keys");
    let public = "https://badges.example.ca";
    let rt = tokio::runtime::Runtime::new().unwrap();
    let credential = rt.block_on(async {
        let store = credence::store::Store::connect(&db, public).await.unwrap();
        store.migrate().await.unwrap();
        credence::demo::load(&store).await.unwrap();
        let master = credence::keyring::load_master_key(&keys_dir, None).unwrap();
        let org = store.organization_by_slug("cahrc").await.unwrap().unwrap();
        let input: credence::domain::learner::ResultInput = serde_json::from_value(serde_json::json!({
            "achievement": "cahrc-foundational-supervision", "component": "modules", "completed": true,
            "learner": {"email": "sam@example.com"}}))
        .unwrap();
        let status = credence::issuance::record_result(&store, &master, &org, input).await.unwrap();
        let id = status.credential.unwrap().id;
        store.credential(&id).await.unwrap().unwrap().document
    });
    let file = dir.path().join("credential.json");
    std::fs::write(&file, credential.to_string()).unwrap();
    let hosted = [
        "credential",
        "verify",
        "--hosted",
        "--database-url",
        db.as_str(),
        "--public-url",
        public,
        "--keys-dir",
        keys_dir.to_str().unwrap(),
        file.to_str().unwrap(),
    ];
    let out = run(&hosted, None, dir.path());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success(), "{report}");
    let out = run(&["credential", "verify", file.to_str().unwrap()], None, dir.path());
    assert_eq!(out.status.code(), Some(1), "without --hosted nothing resolves the https key");

    // The same credential forged as a VC-JWT whose header carries the forger's key: exit 1,
    // with the issuer check saying the key is not the issuer's.
    let forged = dir.path().join("forged.jwt");
    std::fs::write(&forged, crate::common::forged_jwk_token(&credential)).unwrap();
    let mut args = hosted.to_vec();
    *args.last_mut().unwrap() = forged.to_str().unwrap();
    let out = run(&args, None, dir.path());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert_eq!(report["verified"], false);
    let issuer = report["checks"].as_array().unwrap().iter().find(|c| c["check"] == "issuer[0]").unwrap();
    assert_eq!(issuer["status"], "failed", "{report}");
    assert!(issuer["message"].as_str().unwrap().contains("is not one of the keys"), "{report}");
}
