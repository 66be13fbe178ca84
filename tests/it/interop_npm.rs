//! Interoperability with the Digital Bazaar npm stack (offline), through tests/interop/di.mjs, and
//! with `jose` (VC-JWTs), through tests/interop/jwt.mjs.
//! Needs `npm ci` in tests/interop; without node_modules the test is skipped loudly, or fails
//! when CI=true.

use std::path::PathBuf;
use std::process::Command;

use credence_core::data_integrity::{
    Cryptosuite, DidKeyResolver, ProofOptions, add_proof, all_verified, now_utc, verify_proofs,
};
use credence_core::multibase;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// False (after a loud message) when the npm stack is not installed; panics under CI.
fn npm_stack_available() -> bool {
    let installed = interop_dir().join("node_modules/@digitalbazaar/vc").is_dir()
        && Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !installed {
        let message = "\n!!!!! interop_npm SKIPPED: run `npm ci` in tests/interop (needs node 20) !!!!!\n";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{message} (CI=true: failing instead of skipping)");
        }
        eprintln!("{message}");
    }
    installed
}

fn vector(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc.as_object_mut().unwrap().remove("proof");
    doc
}

fn did_key(seed: u8) -> (SigningKey, String, String) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let mk = multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    let did = format!("did:key:{mk}");
    let vm = format!("{did}#{mk}");
    (key, did, vm)
}

/// The npm verifier requires the issuer to be the key's controller.
fn with_issuer(mut doc: Value, did: &str) -> Value {
    match &mut doc["issuer"] {
        Value::Object(issuer) => {
            issuer.insert("id".into(), json!(did));
        }
        other => *other = json!(did),
    }
    doc
}

fn french_variant() -> Value {
    let mut doc = vector("rich-credential.json");
    doc["name"] = json!("Gestion du temps AMS");
    doc["credentialSubject"]["achievement"]["name"] = json!("Gestion du temps — AMS");
    doc["credentialSubject"]["achievement"]["description"] =
        json!("Planifie, priorise et suit le travail dans le module « planification » d’AMS. Ça marche ; déjà vu !");
    doc["credentialSubject"]["achievement"]["criteria"]["narrative"] =
        json!("A réussi les quatre modules et une évaluation pratique supervisée.\nÉvaluée par l'équipe.");
    doc
}

fn run_node(args: &[&str]) -> String {
    let output = Command::new("node").arg(interop_dir().join("di.mjs")).args(args).output().unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn npm_verifies_credentials_we_sign() {
    if !npm_stack_available() {
        return;
    }
    let (key, did, vm) = did_key(9);
    let dir = tempfile::tempdir().unwrap();
    for (name, doc) in [
        ("1edtech", vector("ob3-eddsa-rdfc-2022/signed.json")),
        ("rich", vector("rich-credential.json")),
        ("french", french_variant()),
    ] {
        let opts = ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm.clone()).with_created(now_utc());
        let signed = add_proof(&with_issuer(doc, &did), &key, &opts).unwrap();
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_vec_pretty(&signed).unwrap()).unwrap();
        let out = run_node(&["verify", file.to_str().unwrap()]);
        let result: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{name}: {e}: {out}"));
        assert_eq!(result["verified"], json!(true), "{name}: {result}");
    }
}

#[test]
fn we_verify_a_credential_the_npm_stack_signs() {
    if !npm_stack_available() {
        return;
    }
    let (_, did, _) = did_key(5);
    let dir = tempfile::tempdir().unwrap();
    for (name, doc) in [("rich", vector("rich-credential.json")), ("french", french_variant())] {
        let file = dir.path().join(format!("{name}-unsigned.json"));
        std::fs::write(&file, serde_json::to_vec(&with_issuer(doc, &did)).unwrap()).unwrap();
        let seed_hex = hex::encode([5u8; 32]);
        let out = run_node(&["sign", &seed_hex, file.to_str().unwrap()]);
        let signed: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{name}: {e}: {out}"));
        let outcomes = verify_proofs(&signed, &DidKeyResolver);
        assert!(all_verified(&outcomes), "{name}: {outcomes:?}");
        // And a tampered copy fails.
        let mut tampered = signed.clone();
        tampered["name"] = json!("Something else");
        assert!(!all_verified(&verify_proofs(&tampered, &DidKeyResolver)));
    }
}

/// A credential for `achievement` as issuance builds it: hashed email, results for
/// every result description, evidence with a digest, validity and status entries.
fn demo_credential(
    achievement: &credence::domain::achievement::Achievement,
    profile: &credence_core::model::Profile,
    n: usize,
) -> Value {
    use credence::domain::credential::{AwardedResult, CredentialDraft, EvidenceItem, Recipient, build_credential};
    use credence_core::model::CredentialStatus;
    let def = &achievement.definition;
    let ob_achievement = def.to_open_badges(&achievement.url, Some(profile));
    let draft = CredentialDraft {
        id: format!("{}/credentials/demo-{n}", crate::common::PUBLIC_URL),
        issuer: profile.clone(),
        achievement: ob_achievement,
        result_descriptions: def.result_descriptions.clone(),
        recipient: Recipient { email: format!("learner{n}@example.com"), salt: format!("salt-{n}"), did: None },
        results: def
            .result_descriptions
            .iter()
            .map(|rd| AwardedResult { component: rd.component.clone(), value: "84".into() })
            .collect(),
        evidence: vec![EvidenceItem {
            id: Some(format!("{}/evidence/{n}/project.pdf", crate::common::PUBLIC_URL)),
            name: "Workplace project".into(),
            narrative: Some("Évaluation pratique supervisée; « projet » validé.".into()),
            description: None,
            genre: Some("Assessment".into()),
            sha256: Some([7u8; 32]),
        }],
        valid_from: time::macros::datetime!(2026-11-26 12:00 UTC),
        validity: def.validity_period.as_deref().and_then(credence::domain::achievement::parse_iso_duration),
        credential_status: vec![
            CredentialStatus::bitstring(
                &format!("{}/status/emc/revocation", crate::common::PUBLIC_URL),
                "revocation",
                1000 + n as u64,
            ),
            CredentialStatus::bitstring(
                &format!("{}/status/emc/suspension", crate::common::PUBLIC_URL),
                "suspension",
                2000 + n as u64,
            ),
        ],
        award_narrative: None,
    };
    serde_json::to_value(build_credential(&draft)).unwrap()
}

#[tokio::test]
async fn every_demo_achievement_credential_verifies_with_both_stacks() {
    if !npm_stack_available() {
        return;
    }
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let (key, did, vm) = did_key(11);
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    for org in app.store.list_organizations().await.unwrap() {
        // The npm verifier wants the issuer to be the key's controller: use the did:key as issuer id.
        let mut profile = org.profile();
        profile.id = did.clone();
        for achievement in app.store.list_achievements(&org.id).await.unwrap() {
            count += 1;
            let doc = demo_credential(&achievement, &profile, count);
            let opts = ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm.clone()).with_created(now_utc());
            let signed =
                add_proof(&doc, &key, &opts).unwrap_or_else(|e| panic!("{}: {e}", achievement.definition.slug));
            let report = credence_core::verify::verify_credential(
                &signed,
                &credence_core::verify::OfflineResolver::new(),
                time::OffsetDateTime::now_utc(),
            );
            assert!(
                report.checks.iter().all(|c| c.status != credence_core::verify::CheckStatus::Failed),
                "{}: {report:?}",
                achievement.definition.slug
            );
            let file = dir.path().join(format!("{}.json", achievement.definition.slug));
            std::fs::write(&file, serde_json::to_vec_pretty(&signed).unwrap()).unwrap();
            let out = run_node(&["verify", file.to_str().unwrap()]);
            let result: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
            assert_eq!(result["verified"], json!(true), "{}: {result}", achievement.definition.slug);
        }
    }
    assert_eq!(count, 12, "every demo achievement");
}

#[tokio::test]
async fn the_verify_endpoint_accepts_an_npm_issued_credential_and_says_its_issuer_is_not_registered() {
    if !npm_stack_available() {
        return;
    }
    let app = crate::common::app().await;
    let (_, did, _) = did_key(6);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("unsigned.json");
    std::fs::write(&file, serde_json::to_vec(&with_issuer(vector("rich-credential.json"), &did)).unwrap()).unwrap();
    let out = run_node(&["sign", &hex::encode([6u8; 32]), file.to_str().unwrap()]);
    let signed: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let r = app.post("/api/v1/verify", None, &json!({"credential": signed})).await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.text);
    let checks = r.body["checks"].as_array().unwrap();
    let proof = checks.iter().find(|c| c["check"] == "proof[0]").unwrap();
    assert_eq!(proof["status"], "passed", "{}", r.text);
    let issuer = checks.iter().find(|c| c["check"] == "issuer[0]").unwrap();
    assert_eq!(issuer["status"], "passed", "{}", r.text);
    let registry = checks.iter().find(|c| c["check"] == "registry").unwrap();
    assert_eq!(registry["status"], "skipped");
    assert!(registry["message"].as_str().unwrap().contains("not registered"), "{}", r.text);
    // Its status list lives elsewhere and is not fetched: indeterminate, never valid.
    if signed.get("credentialStatus").is_some() {
        assert_eq!(r.body["result"], "indeterminate", "{}", r.text);
    } else {
        assert_eq!(r.body["result"], "valid", "{}", r.text);
    }
}

/// What the npm stack says of `doc`, a credential the service issued, given its issuer's
/// https profile (where its verification method is).
async fn npm_verdict(app: &crate::common::TestApp, doc: &Value) -> Value {
    let profile_url = doc["issuer"]["id"].as_str().unwrap().to_string();
    let profile = app.get(profile_url.trim_start_matches(crate::common::PUBLIC_URL), None).await;
    assert_eq!(profile.status, axum::http::StatusCode::OK, "{}", profile.text);
    let dir = tempfile::tempdir().unwrap();
    let profile_file = dir.path().join("profile.json");
    std::fs::write(&profile_file, &profile.text).unwrap();
    let doc_arg = format!("{profile_url}={}", profile_file.to_str().unwrap());
    let file = dir.path().join("credential.json");
    std::fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let out = run_node(&["verify", "--doc", &doc_arg, file.to_str().unwrap()]);
    serde_json::from_str::<Value>(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test]
async fn npm_verifies_a_credential_the_service_issued_with_its_https_profile() {
    if !npm_stack_available() {
        return;
    }
    let crate::common::Issued { app, doc, .. } = crate::common::issued().await;
    let ok = npm_verdict(&app, &doc).await;
    assert_eq!(ok["verified"], true, "the npm stack refuses a credential the service issued: {ok}");
    let mut tampered = doc.clone();
    tampered["credentialSubject"]["achievement"]["name"] = json!("Something else");
    assert_eq!(npm_verdict(&app, &tampered).await["verified"], false);
}

/// A micro-credential with a French edition: the signed achievement's `related` and
/// `inLanguage` are read the same way by the npm stack's JSON-LD processing.
#[tokio::test]
async fn npm_verifies_a_credential_whose_achievement_names_its_other_language_edition() {
    if !npm_stack_available() {
        return;
    }
    let app = crate::common::app().await;
    let key = app.org_with_key("college").await;
    let path = "/api/v1/organizations/college/achievements";
    let created = app.post(path, Some(&key), &crate::bilingual_achievements::bilingual("tm")).await;
    assert_eq!(created.status, axum::http::StatusCode::CREATED, "{}", created.text);
    let id = crate::bilingual_achievements::issue(&app, "college", &key, "tm", "lea@example.com").await;
    let doc = app.get(&format!("/credentials/{id}"), None).await.body;
    let related = &doc["credentialSubject"]["achievement"]["related"][0];
    assert_eq!(related["inLanguage"], "fr-CA", "{doc}");
    let ok = npm_verdict(&app, &doc).await;
    assert_eq!(ok["verified"], true, "{ok}");
    let mut tampered = doc.clone();
    tampered["credentialSubject"]["achievement"]["related"][0]["inLanguage"] = json!("en");
    assert_eq!(npm_verdict(&app, &tampered).await["verified"], false, "related is signed");
}

/// What employers read of sign-offs, checked by the npm stack: a credential whose
/// evidence holds an approval given before issuance, and the signed record (an
/// EndorsementCredential) of an approval given after.
#[tokio::test]
async fn npm_verifies_approvals_in_the_credential_and_the_signed_record_of_a_late_one() {
    if !npm_stack_available() {
        return;
    }
    let app = crate::common::app().await;
    let (path, key, learner) = crate::signoff_page::pending_signoff(&app).await;
    let form = "decision=approve&name=Jordan&role=Site+supervisor&comment=Tidy.";
    assert_eq!(crate::signoff_page::decide(&app, &path, form, &[]).await.status, axum::http::StatusCode::OK);
    let status =
        app.get(&format!("/api/v1/organizations/college/learners/{learner}/achievements/welding"), Some(&key)).await;
    let doc = app.get(&format!("/credentials/{}", status.body["credential"]["id"].as_str().unwrap()), None).await.body;
    assert!(doc["evidence"].as_array().unwrap().iter().any(|e| e["genre"] == "Sign-off"), "{doc}");
    assert_eq!(npm_verdict(&app, &doc).await["verified"], true);

    let (path, id) = crate::signoff_records::issued_awaiting_validation(&app, "en").await;
    assert_eq!(crate::signoff_page::decide(&app, &path, form, &[]).await.status, axum::http::StatusCode::OK);
    let records = app.store.signoff_records(&id).await.unwrap();
    let record = &records[0].document;
    let ok = npm_verdict(&app, record).await;
    assert_eq!(ok["verified"], true, "the npm stack refuses the signed record: {ok}");
    let mut tampered = record.clone();
    tampered["credentialSubject"]["id"] = json!("https://elsewhere.example/credentials/1");
    assert_eq!(npm_verdict(&app, &tampered).await["verified"], false);
}

fn legacy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/legacy-ed25519-2020")
}

/// The committed legacy fixtures (Ed25519Signature2020, CLR 2.0) are what tests/interop/legacy.mjs
/// makes with the npm stack: running it again writes the same bytes.
#[test]
fn the_legacy_fixtures_are_what_the_npm_stack_makes() {
    if !npm_stack_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new("node").arg(interop_dir().join("legacy.mjs")).arg(dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for entry in std::fs::read_dir(legacy_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let made = std::fs::read(dir.path().join(&name)).unwrap();
        assert!(made == std::fs::read(&path).unwrap(), "{name:?} differs from what legacy.mjs makes");
    }
}

/// The npm verifier and ours agree on each legacy credential: a proof that verifies with a key
/// of the credential's own issuer (for a CLR, the CLR's own proof).
#[test]
fn npm_and_we_agree_on_ed25519_signature_2020_credentials() {
    if !npm_stack_available() {
        return;
    }
    let resolver = credence_core::verify::OfflineResolver::new();
    let now = time::macros::datetime!(2026-12-01 12:00 UTC);
    let mut compared = 0;
    for name in ["vc11-ob.json", "ob3.json", "ob3-other-key.json", "clr.json", "clr-altered-nested.json"] {
        let path = legacy_dir().join(name);
        let out = run_node(&["verify", path.to_str().unwrap()]);
        let npm: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{name}: {e}: {out}"));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let report = credence_core::verify::verify_credential(&doc, &resolver, now);
        let ours = credence_core::verify::issuer_proven(&report.checks);
        assert_eq!(npm["verified"].as_bool(), Some(ours), "{name}: npm {npm}, ours {report:#?}");
        compared += 1;
    }
    assert_eq!(compared, 5);
    // A tampered copy fails with both.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(legacy_dir().join("vc11-ob.json")).unwrap()).unwrap();
    doc["credentialSubject"]["achievement"]["name"] = json!("Something else");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tampered.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let npm: Value = serde_json::from_str(run_node(&["verify", file.to_str().unwrap()]).trim()).unwrap();
    assert_eq!(npm["verified"], json!(false), "{npm}");
    let report = credence_core::verify::verify_credential(&doc, &resolver, now);
    assert!(!credence_core::verify::issuer_proven(&report.checks));
}

/// `jose` (npm), an independent JOSE implementation, verifies the VC-JWTs the service issues
/// with RS256 and EdDSA, using only the JsonWebKey the `kid` names in the issuer's Profile as
/// the service serves it; its RFC 7638 thumbprint of that JWK is the kid's fragment. A changed
/// token, or a Profile listing another key under that id, is refused.
#[tokio::test]
async fn jose_verifies_our_vc_jwts_with_the_json_web_key_of_our_profile() {
    if !npm_stack_available() {
        return;
    }
    assert!(interop_dir().join("node_modules/jose").is_dir(), "run `npm ci` in tests/interop (jose)");
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let issuer = app.key_for("cahrc", "issuer").await;
    let dir = tempfile::tempdir().unwrap();
    let run = |profile: &Value, token: &str| {
        let (profile_file, token_file) = (dir.path().join("profile.json"), dir.path().join("token.jwt"));
        std::fs::write(&profile_file, profile.to_string()).unwrap();
        std::fs::write(&token_file, token).unwrap();
        let output = Command::new("node")
            .arg(interop_dir().join("jwt.mjs"))
            .args(["verify", profile_file.to_str().unwrap(), token_file.to_str().unwrap()])
            .output()
            .unwrap();
        let out = String::from_utf8(output.stdout).unwrap();
        serde_json::from_str::<Value>(out.trim())
            .unwrap_or_else(|e| panic!("{e}: {out} {}", String::from_utf8_lossy(&output.stderr)))
    };
    for (alg, email) in [("RS256", "ana@example.com"), ("EdDSA", "bo@example.com")] {
        let patch = json!({"issueJwt": true, "jwtAlgorithm": alg});
        let r = app.json(axum::http::Method::PATCH, "/api/v1/organizations/cahrc", Some(&app.admin_key), &patch).await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.text);
        let did = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
        let result = json!({"achievement": "cahrc-foundational-supervision", "component": "modules", "completed": true,
            "learner": {"email": email, "did": did}});
        let r = app.post("/api/v1/organizations/cahrc/results", Some(&issuer), &result).await;
        let id = r.body["credential"]["id"].as_str().unwrap_or_else(|| panic!("{}", r.text)).to_string();
        let token = app.credential_jwt(&id).await.text;
        let profile = app.get("/issuers/cahrc", None).await.body;

        let out = run(&profile, &token);
        assert_eq!(out["verified"], true, "jose refuses our {alg} VC-JWT: {out}");
        assert_eq!(out["alg"], alg);
        assert_eq!(out["sub"], did);
        let kid = out["kid"].as_str().unwrap();
        assert_eq!(kid.rsplit_once('#').unwrap().1, out["thumbprint"].as_str().unwrap(), "kid = RFC 7638 thumbprint");

        let (head, rest) = token.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let mut claims: Value = {
            use base64::Engine;
            serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
        };
        claims["name"] = json!("Something else");
        let tampered = format!("{head}.{}.{signature}", crate::common::b64(claims.to_string().as_bytes()));
        assert_eq!(run(&profile, &tampered)["verified"], false, "{alg}: a changed payload");

        // The same id with another key of the same type in the Profile: the signature fails.
        let mut swapped = profile.clone();
        let methods = swapped["verificationMethod"].as_array_mut().unwrap();
        let entry = methods.iter().position(|m| m["id"] == kid).unwrap();
        methods[entry]["publicKeyJwk"] = match alg {
            "RS256" => credence_core::sealed_key::RsaIssuerKey::generate().unwrap().public().to_jwk(),
            _ => credence_core::jwt::ed25519_jwk(&SigningKey::from_bytes(&[7u8; 32]).verifying_key().to_bytes()),
        };
        assert_eq!(run(&swapped, &token)["verified"], false, "{alg}: another key under the kid");
    }
}

/// The npm verifier, given each endorsement a CLR fixture embeds on its own, agrees with the
/// verdict our report gives that endorsement (its proof, the endorser's key, its validity).
#[test]
fn npm_and_we_agree_on_each_embedded_endorsement() {
    if !npm_stack_available() {
        return;
    }
    let resolver = credence_core::verify::OfflineResolver::new();
    let now = time::OffsetDateTime::now_utc();
    let dir = tempfile::tempdir().unwrap();
    let mut verdicts = Vec::new();
    for name in [
        "clr-endorsed.json",
        "clr-endorsement-altered.json",
        "clr-endorsement-expired.json",
        "clr-endorsement-other-key.json",
    ] {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(legacy_dir().join(name)).unwrap()).unwrap();
        let report = credence_core::verify::verify_credential(&doc, &resolver, now);
        let mut found: Vec<(String, Value)> = Vec::new();
        for (i, e) in doc["endorsement"].as_array().into_iter().flatten().enumerate() {
            found.push((format!("endorsement[{i}]"), e.clone()));
        }
        for (k, held) in doc["credentialSubject"]["verifiableCredential"].as_array().into_iter().flatten().enumerate() {
            let on_achievement = held["credentialSubject"]["achievement"]["endorsement"].as_array();
            for (i, e) in on_achievement.into_iter().flatten().enumerate() {
                found.push((format!("credential[{k}].achievement.endorsement[{i}]"), e.clone()));
            }
        }
        for (check, endorsement) in found {
            let file = dir.path().join(format!("{}.json", verdicts.len()));
            std::fs::write(&file, serde_json::to_vec(&endorsement).unwrap()).unwrap();
            let npm: Value = serde_json::from_str(run_node(&["verify", file.to_str().unwrap()]).trim()).unwrap();
            let ours = report.checks.iter().find(|c| c.check == check).unwrap_or_else(|| panic!("{name}: no {check}"));
            let ours = ours.status == credence_core::verify::CheckStatus::Passed;
            assert_eq!(npm["verified"].as_bool(), Some(ours), "{name} {check}: npm {npm}, ours {report:#?}");
            verdicts.push(ours);
        }
    }
    assert_eq!(verdicts, [true, true, false, false, false], "two sound endorsements, three broken ones");
}
