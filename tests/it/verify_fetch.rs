//! Verification of credentials whose issuer key documents, status lists,
//! revocation lists and evidence live on another host: fetched (from a small HTTP
//! server on 127.0.0.1, under the tests-only policy that permits http and
//! loopback), checked, and every failure reported as `indeterminate` with a
//! precise message. The default policy refuses local and private targets.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use credence::fetch::FetchPolicy;
use credence_core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
use credence_core::did::DidKey;
use credence_core::status_list::{Bitstring, StatusPurpose, status_list_credential};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

use crate::common::check;

/// What the test server answers on one path.
#[derive(Clone)]
enum Serve {
    Json(Value),
    Bytes(Vec<u8>),
    /// Sent in chunks, without a Content-Length.
    Chunked(Vec<u8>),
    Slow(Duration, Value),
    Redirect(String),
}

/// A small HTTP server on 127.0.0.1 that counts the requests to each path.
#[derive(Clone)]
struct Site {
    addr: SocketAddr,
    routes: Arc<Mutex<HashMap<String, Serve>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Site {
    async fn start() -> Site {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let site = Site { addr: listener.local_addr().unwrap(), routes: Arc::default(), hits: Arc::default() };
        let handler_site = site.clone();
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let site = handler_site.clone();
            async move { site.answer(uri.path()).await }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        site
    }

    async fn answer(&self, path: &str) -> Response {
        *self.hits.lock().unwrap().entry(path.to_string()).or_default() += 1;
        let serve = self.routes.lock().unwrap().get(path).cloned();
        let json = |v: Value| ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response();
        match serve {
            None => StatusCode::NOT_FOUND.into_response(),
            Some(Serve::Json(v)) => json(v),
            Some(Serve::Bytes(b)) => b.into_response(),
            Some(Serve::Chunked(b)) => {
                let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                    b.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
                axum::body::Body::from_stream(futures_util::stream::iter(chunks)).into_response()
            }
            Some(Serve::Slow(wait, v)) => {
                tokio::time::sleep(wait).await;
                json(v)
            }
            Some(Serve::Redirect(to)) => (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn serve(&self, path: &str, what: Serve) -> String {
        self.routes.lock().unwrap().insert(path.to_string(), what);
        self.url(path)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// The per-fetch time limit of the tests' policy.
pub(crate) const TEST_TIMEOUT: Duration = Duration::from_millis(800);

/// A test app that may fetch over http from 127.0.0.1, with a short timeout.
async fn app() -> crate::common::TestApp {
    crate::common::app_with(|s| {
        s.with_fetch_policy(FetchPolicy::default().allowing_local_http_for_tests().with_timeout(TEST_TIMEOUT))
    })
    .await
}

/// A test app like [`app`] that also trusts the test TLS root `cert`.
pub(crate) async fn app_trusting(cert: Vec<u8>) -> crate::common::TestApp {
    crate::common::app_with(|s| {
        s.with_fetch_policy(
            FetchPolicy::default()
                .allowing_local_http_for_tests()
                .trusting_root_for_tests(cert)
                .with_timeout(TEST_TIMEOUT),
        )
    })
    .await
}

/// An issuer with a did:key.
struct Issuer {
    key: SigningKey,
    id: String,
    vm: String,
}

fn did_key_issuer(seed: u8) -> Issuer {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let did = DidKey::from_public_key(&key.verifying_key().to_bytes());
    Issuer { vm: did.verification_method_id(), id: did.did, key }
}

impl Issuer {
    fn sign(&self, doc: &Value) -> Value {
        add_proof(doc, &self.key, &ProofOptions::new(Cryptosuite::EddsaRdfc2022, self.vm.clone())).unwrap()
    }

    /// A signed revocation `BitstringStatusListCredential` at `url` with `set` bits set.
    fn status_list(&self, url: &str, set: &[u64]) -> Value {
        let mut bits = Bitstring::new();
        for i in set {
            bits.set(*i, true).unwrap();
        }
        self.sign(&status_list_credential(url, &self.id, StatusPurpose::Revocation, &bits, "2026-01-01T00:00:00Z"))
    }

    /// A credential of this issuer (the rich test vector), with `status` entries.
    fn credential(&self, status: Option<Value>) -> Value {
        let mut doc: Value = serde_json::from_str(include_str!("../vectors/rich-credential.json")).unwrap();
        let obj = doc.as_object_mut().unwrap();
        obj.remove("proof");
        obj.remove("credentialStatus");
        obj.insert("validUntil".into(), json!("2099-01-01T00:00:00Z"));
        doc["issuer"] = json!({"id": self.id, "type": ["Profile"], "name": "Elsewhere College"});
        if let Some(s) = status {
            doc["credentialStatus"] = s;
        }
        doc
    }
}

fn bitstring_entry(list: &str, index: u64) -> Value {
    json!({"id": format!("{list}#{index}"), "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": index.to_string(), "statusListCredential": list})
}

async fn verify(app: &crate::common::TestApp, body: Value) -> Value {
    let r = app.post("/api/v1/verify", None, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// Asserts an `indeterminate` report whose check `name` is an `error` whose message holds every part of `wanted`.
fn assert_error(report: &Value, name: &str, wanted: &[&str]) {
    assert_eq!(report["result"], "indeterminate", "{report:#}");
    let c = check(report, name);
    assert_eq!(c["status"], "error", "{report:#}");
    let message = c["message"].as_str().unwrap();
    for part in wanted {
        assert!(message.contains(part), "'{part}' not in: {message}");
    }
}

#[tokio::test]
async fn a_foreign_status_list_is_fetched_its_proof_checked_and_its_bit_read() {
    let (app, site, issuer) = (app().await, Site::start().await, did_key_issuer(31));
    let clear = site.url("/status/clear");
    site.serve("/status/clear", Serve::Json(issuer.status_list(&clear, &[7])));
    let credential = issuer.sign(&issuer.credential(Some(bitstring_entry(&clear, 5))));
    let report = verify(&app, json!({"credential": credential})).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(check(&report, "status[0]")["message"], "not revoked");
    assert_eq!(check(&report, "issuer[0]")["status"], "passed");

    // Verified again: the list comes from the cache, not from the network.
    let again = verify(&app, json!({"credential": credential})).await;
    assert_eq!(again["result"], "valid");
    assert_eq!(site.hits("/status/clear"), 1);

    // The bit set: revoked.
    let revoked = issuer.sign(&issuer.credential(Some(bitstring_entry(&clear, 7))));
    let report = verify(&app, json!({"credential": revoked})).await;
    assert_eq!(report["result"], "invalid", "{report:#}");
    assert_eq!(check(&report, "status[0]")["status"], "failed");
    assert_eq!(check(&report, "status[0]")["message"], "revoked by the issuer");
}

#[tokio::test]
async fn lists_that_cannot_be_had_or_trusted_make_the_result_indeterminate() {
    let (app, site, issuer) = (app().await, Site::start().await, did_key_issuer(32));
    let status_of = |list: String| {
        let credential = issuer.sign(&issuer.credential(Some(bitstring_entry(&list, 5))));
        let app = &app;
        async move { verify(app, json!({"credential": credential})).await }
    };

    // Nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = format!("http://{closed}/status/1");
    assert_error(
        &status_of(unreachable.clone()).await,
        "status[0]",
        &[&format!("status list {unreachable} could not be fetched: could not connect")],
    );

    // Not found.
    let missing = site.url("/status/missing");
    assert_error(&status_of(missing.clone()).await, "status[0]", &[&missing, "HTTP 404"]);

    // Altered after signing.
    let altered_url = site.url("/status/altered");
    let mut altered = issuer.status_list(&altered_url, &[]);
    let mut bits = Bitstring::new();
    bits.set(5, true).unwrap();
    altered["credentialSubject"]["encodedList"] = json!(bits.encode());
    site.serve("/status/altered", Serve::Json(altered));
    assert_error(
        &status_of(altered_url.clone()).await,
        "status[0]",
        &[&format!("status list {altered_url} cannot be trusted: its proof does not verify")],
    );

    // Signed by someone other than the credential's issuer.
    let other_url = site.url("/status/other");
    site.serve("/status/other", Serve::Json(did_key_issuer(99).status_list(&other_url, &[])));
    assert_error(&status_of(other_url.clone()).await, "status[0]", &[&other_url, "not by the credential's issuer"]);

    // Over the size cap (1 MiB), refused while it streams in.
    let big_url = site.url("/status/big");
    let mut big = issuer.status_list(&big_url, &[]);
    big["padding"] = json!("x".repeat(credence::fetch::MAX_DOCUMENT_BYTES));
    site.serve("/status/big", Serve::Json(big));
    assert_error(&status_of(big_url.clone()).await, "status[0]", &[&big_url, "larger than the limit of 1048576 bytes"]);
    // The same without a Content-Length: counted as the chunks arrive.
    let chunked_url = site.url("/status/chunked");
    let mut big = issuer.status_list(&chunked_url, &[]);
    big["padding"] = json!("x".repeat(credence::fetch::MAX_DOCUMENT_BYTES));
    site.serve("/status/chunked", Serve::Chunked(big.to_string().into_bytes()));
    assert_error(
        &status_of(chunked_url.clone()).await,
        "status[0]",
        &[&chunked_url, "larger than the limit of 1048576 bytes"],
    );

    // Too slow.
    let slow_url = site.url("/status/slow");
    site.serve("/status/slow", Serve::Slow(TEST_TIMEOUT * 4, issuer.status_list(&slow_url, &[])));
    let started = std::time::Instant::now();
    assert_error(&status_of(slow_url.clone()).await, "status[0]", &[&slow_url, "no complete answer within 800 ms"]);
    assert!(started.elapsed() < TEST_TIMEOUT * 3, "the timeout cut the wait short: {:?}", started.elapsed());

    // A redirect is not followed.
    let moved_url = site.url("/status/moved");
    let target = site.serve("/status/target", Serve::Json(issuer.status_list(&site.url("/status/target"), &[])));
    site.serve("/status/moved", Serve::Redirect(target.clone()));
    assert_error(
        &status_of(moved_url.clone()).await,
        "status[0]",
        &[&moved_url, &format!("redirects (HTTP 302) to {target}")],
    );
    assert_eq!(site.hits("/status/target"), 0);

    // Not JSON.
    let junk_url = site.serve("/status/junk", Serve::Bytes(b"<html>hello</html>".to_vec()));
    assert_error(&status_of(junk_url.clone()).await, "status[0]", &[&junk_url, "not JSON"]);
}

#[tokio::test]
async fn one_ed_tech_revocation_lists_are_read_both_ways() {
    let (app, site, issuer) = (app().await, Site::start().await, did_key_issuer(33));
    let list_url = site.url("/revocations");
    // No bundled context defines 1EdTechRevocationList (it is in OB's extensions
    // context), so this credential is signed with eddsa-jcs-2022, which needs none.
    let unsigned = issuer.credential(Some(json!({"id": list_url, "type": "1EdTechRevocationList"})));
    let credential =
        add_proof(&unsigned, &issuer.key, &ProofOptions::new(Cryptosuite::EddsaJcs2022, issuer.vm.clone())).unwrap();
    let id = credential["id"].as_str().unwrap().to_string();

    site.serve(
        "/revocations",
        Serve::Json(
            json!({"id": list_url, "issuer": issuer.id, "revokedCredentials": [{"id": "urn:uuid:someone-else"}]}),
        ),
    );
    let report = verify(&app, json!({"credential": credential})).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(check(&report, "status[0]")["status"], "passed");

    // Listed: revoked. (A fresh app, so the list is not taken from the cache.)
    let app = self::app().await;
    site.serve(
        "/revocations",
        Serve::Json(json!({"id": list_url, "issuer": {"id": issuer.id},
        "revokedCredentials": [{"id": id, "revocationReason": "issued in error"}]})),
    );
    let report = verify(&app, json!({"credential": credential})).await;
    assert_eq!(report["result"], "invalid", "{report:#}");
    assert_eq!(check(&report, "status[0]")["status"], "failed");
    assert!(check(&report, "status[0]")["message"].as_str().unwrap().contains("revoked"));

    // A list published by someone else, or unreadable: indeterminate.
    let app = self::app().await;
    site.serve(
        "/revocations",
        Serve::Json(json!({"id": list_url, "issuer": "did:example:other", "revokedCredentials": []})),
    );
    assert_error(
        &verify(&app, json!({"credential": credential})).await,
        "status[0]",
        &["published by did:example:other"],
    );
    let app = self::app().await;
    site.serve("/revocations", Serve::Json(json!({"id": list_url, "issuer": issuer.id})));
    assert_error(
        &verify(&app, json!({"credential": credential})).await,
        "status[0]",
        &[&format!("revocation list {list_url} cannot be used"), "revokedCredentials"],
    );
}

fn digest_multibase(content: &[u8]) -> String {
    let mut multihash = vec![0x12, 0x20];
    multihash.extend_from_slice(&<sha2::Sha256 as sha2::Digest>::digest(content));
    credence_core::multibase::encode_base58btc(&multihash)
}

#[tokio::test]
async fn evidence_urls_with_digests_are_fetched_and_compared_when_asked() {
    let (app, site, issuer) = (app().await, Site::start().await, did_key_issuer(34));
    let same = site.serve("/evidence/report.pdf", Serve::Bytes(b"the assessed report".to_vec()));
    let changed = site.serve("/evidence/changed.pdf", Serve::Bytes(b"a report edited after issuance".to_vec()));
    let mut doc = issuer.credential(None);
    doc["evidence"] = json!([
        {"id": same, "type": ["Evidence"], "name": "Report", "digestMultibase": digest_multibase(b"the assessed report")},
        {"id": changed, "type": ["Evidence"], "name": "Other", "digestMultibase": digest_multibase(b"the original report")},
    ]);
    let credential = issuer.sign(&doc);

    // Not asked: nothing fetched, nothing compared.
    let report = verify(&app, json!({"credential": credential})).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(site.hits("/evidence/report.pdf"), 0);

    let report = verify(&app, json!({"credential": credential, "fetchEvidence": true})).await;
    assert_eq!(check(&report, "evidence[0]")["status"], "passed", "{report:#}");
    assert!(check(&report, "evidence[0]")["message"].as_str().unwrap().contains(&same));
    assert_eq!(check(&report, "evidence[1]")["status"], "failed");
    assert!(check(&report, "evidence[1]")["message"].as_str().unwrap().contains("changed since issuance"));
    assert_eq!(report["result"], "invalid");

    // An evidence file that cannot be fetched cannot be compared.
    let mut doc = issuer.credential(None);
    doc["evidence"] = json!([{"id": site.url("/evidence/gone.pdf"), "type": ["Evidence"], "name": "Gone", "digestMultibase": digest_multibase(b"x")}]);
    let report = verify(&app, json!({"credential": issuer.sign(&doc), "fetchEvidence": true})).await;
    assert_error(&report, "evidence[0]", &["/evidence/gone.pdf could not be fetched", "HTTP 404"]);
}

/// An issuer whose id is an http(s) Profile URL that lists its key.
fn profile_document(profile_url: &str, key: &SigningKey) -> (Value, String) {
    let mk = credence_core::multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
    let vm = format!("{profile_url}#{mk}");
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", "https://w3id.org/security/multikey/v1"],
        "id": profile_url, "type": ["Profile"], "name": "Profile College",
        "verificationMethod": [{"id": vm, "type": "Multikey", "controller": profile_url, "publicKeyMultibase": mk}],
        "assertionMethod": [vm],
    });
    (doc, vm)
}

#[tokio::test]
async fn an_issuer_profile_on_another_host_is_fetched_for_its_key() {
    let (app, site) = (app().await, Site::start().await);
    let key = SigningKey::from_bytes(&[35; 32]);
    let profile_url = site.url("/issuers/profile-college");
    let (profile, vm) = profile_document(&profile_url, &key);
    site.serve("/issuers/profile-college", Serve::Json(profile));
    let list_url = site.url("/status/profile-college");
    let mut bits = Bitstring::new();
    bits.set(9, true).unwrap();
    let list =
        status_list_credential(&list_url, &profile_url, StatusPurpose::Revocation, &bits, "2026-01-01T00:00:00Z");
    let options = ProofOptions::new(Cryptosuite::EddsaRdfc2022, vm.clone());
    site.serve("/status/profile-college", Serve::Json(add_proof(&list, &key, &options).unwrap()));
    let issuer = Issuer { key, id: profile_url.clone(), vm };
    let credential = issuer.sign(&issuer.credential(Some(bitstring_entry(&list_url, 3))));
    let report = verify(&app, json!({"credential": credential})).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(check(&report, "issuer[0]")["status"], "passed");
    assert_eq!(check(&report, "status[0]")["message"], "not revoked");
    // The Profile serves the credential's key and the list's: fetched once.
    assert_eq!(site.hits("/issuers/profile-college"), 1);

    // The Profile unreachable: the proof cannot be checked either way.
    let app = self::app().await;
    site.routes.lock().unwrap().remove("/issuers/profile-college");
    let report = verify(&app, json!({"credential": credential})).await;
    assert_error(
        &report,
        "proof[0]",
        &[&format!("the key document {profile_url} could not be fetched: the server answered HTTP 404")],
    );

    // A Profile that names another id is not believed.
    let app = self::app().await;
    let (mut elsewhere, _) = profile_document(&profile_url, &issuer.key);
    elsewhere["id"] = json!("https://impostor.example/issuer");
    site.serve("/issuers/profile-college", Serve::Json(elsewhere));
    assert_error(
        &verify(&app, json!({"credential": credential})).await,
        "proof[0]",
        &["says its id is https://impostor.example/issuer"],
    );
}

#[tokio::test]
async fn the_default_policy_refuses_local_and_private_targets_with_the_reason() {
    let app = crate::common::app().await;
    let issuer = did_key_issuer(36);
    let targets = [
        ("http://127.0.0.1/status/1", "only https URLs are fetched"),
        ("https://localhost/status/1", "the host localhost is a loopback name"),
        ("https://10.1.2.3/status/1", "address 10.1.2.3 is private"),
        ("https://[::1]/status/1", "address ::1 is loopback"),
        ("https://169.254.169.254/latest/meta-data", "address 169.254.169.254 is link-local"),
        ("https://192.168.0.10/status/1", "address 192.168.0.10 is private"),
        ("https://100.64.0.1/status/1", "address 100.64.0.1 is in the shared (CGNAT) range"),
        ("https://[fd00::1]/status/1", "address fd00::1 is unique-local"),
        ("https://[::ffff:10.0.0.5]/status/1", "address ::ffff:10.0.0.5 is private"),
        ("https://0.0.0.0/status/1", "address 0.0.0.0 is unspecified"),
    ];
    for chunk in targets.chunks(5) {
        let entries: Vec<Value> =
            chunk.iter().enumerate().map(|(i, (url, _))| bitstring_entry(url, i as u64)).collect();
        let credential = issuer.sign(&issuer.credential(Some(Value::Array(entries))));
        let report = verify(&app, json!({"credential": credential})).await;
        for (i, (url, reason)) in chunk.iter().enumerate() {
            assert_error(
                &report,
                &format!("status[{i}]"),
                &[&format!("status list {url} could not be fetched: {reason}")],
            );
        }
    }

    // At most 8 lists are fetched for one verification; the others are said to be left out.
    let entries: Vec<Value> = (0..10).map(|i| bitstring_entry(&format!("https://10.0.0.{i}/list"), i)).collect();
    let report =
        verify(&app, json!({"credential": issuer.sign(&issuer.credential(Some(Value::Array(entries))))})).await;
    assert_error(&report, "status[7]", &["address 10.0.0.7 is private"]);
    assert_error(
        &report,
        "status[9]",
        &["status list https://10.0.0.9/list was not fetched: one verification fetches at most 8"],
    );

    // Issuer key documents at private addresses: did:web and an https Profile.
    for (issuer_id, reason) in [
        ("did:web:10.9.8.7", "address 10.9.8.7 is private"),
        ("https://192.168.1.1/issuer", "address 192.168.1.1 is private"),
    ] {
        let key = SigningKey::from_bytes(&[37; 32]);
        let mk = credence_core::multibase::encode_ed25519_public(&key.verifying_key().to_bytes());
        let stranger = Issuer { key, id: issuer_id.to_string(), vm: format!("{issuer_id}#{mk}") };
        let report = verify(&app, json!({"credential": stranger.sign(&stranger.credential(None))})).await;
        assert_error(&report, "proof[0]", &["could not be fetched", reason]);
    }
}

/// A one-path-per-document https server on 127.0.0.1 with a certificate made for the
/// test (rustls, so the client's whole TLS path runs): answers each request with the
/// JSON stored for its path, or 404, then closes the connection.
pub(crate) async fn https_site(listener: tokio::net::TcpListener, routes: HashMap<String, Value>) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = made.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::try_from(made.key_pair.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![rustls::pki_types::CertificateDer::from(cert.clone())], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, routes) = (acceptor.clone(), routes.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&request).lines().next().unwrap_or("").to_string();
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let (status, body) = match routes.get(&path) {
                    Some(v) => ("200 OK", v.to_string()),
                    None => ("404 Not Found", String::new()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    cert
}

#[tokio::test]
async fn status_lists_are_fetched_over_https_and_untrusted_certificates_are_refused() {
    let issuer = did_key_issuer(47);
    // The lists carry their own URLs: bind first to know the port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let clear = format!("https://{addr}/lists/clear");
    let set = format!("https://{addr}/lists/set");
    let mut routes = HashMap::new();
    routes.insert("/lists/clear".to_string(), issuer.status_list(&clear, &[]));
    routes.insert("/lists/set".to_string(), issuer.status_list(&set, &[5]));
    let cert = https_site(listener, routes).await;
    let trusting = app_trusting(cert).await;
    let valid = issuer.sign(&issuer.credential(Some(bitstring_entry(&clear, 5))));
    let report = verify(&trusting, json!({"credential": valid})).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(check(&report, "status[0]")["message"], "not revoked");
    let revoked = issuer.sign(&issuer.credential(Some(bitstring_entry(&set, 5))));
    let report = verify(&trusting, json!({"credential": revoked})).await;
    assert_eq!(report["result"], "invalid", "{report:#}");
    assert_eq!(check(&report, "status[0]")["message"], "revoked by the issuer");

    // Without the certificate among the roots, the TLS handshake fails: indeterminate.
    let untrusting = app().await;
    let report = verify(&untrusting, json!({"credential": valid})).await;
    assert_error(&report, "status[0]", &[&clear]);
}

#[tokio::test]
async fn a_credential_url_of_another_host_is_fetched_and_verified_as_what_it_is() {
    let (app, site) = (app().await, Site::start().await);
    let issuer = did_key_issuer(41);
    // An Open Badge, served as JSON behind a redirect to its canonical address.
    let badge = issuer.sign(&issuer.credential(None));
    site.serve("/badges/1.json", Serve::Json(badge.clone()));
    let short = site.serve("/b/1", Serve::Redirect(site.url("/badges/1.json")));
    let report = verify(&app, json!({"url": short})).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(report["facts"]["format"]["standard"], "open-badges-3.0");
    assert_eq!(check(&report, "issuer[0]")["status"], "passed");
    // A generic credential.
    let generic = issuer.sign(&json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleMembershipCredential"],
        "issuer": issuer.id, "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:member", "memberOf": "Example Guild"}
    }));
    let url = site.serve("/vc/2", Serve::Json(generic));
    let report = verify(&app, json!({"url": url})).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(report["facts"]["format"]["standard"], "verifiable-credential");
    // Tampered on the host: invalid, not an error.
    let mut altered = badge.clone();
    altered["name"] = json!("Something else");
    let url = site.serve("/badges/altered.json", Serve::Json(altered));
    assert_eq!(verify(&app, json!({"url": url})).await["result"], "invalid");

    // A web page, a missing badge, too many redirects: a 422 that says why.
    let page = site.serve("/page", Serve::Bytes(b"<!doctype html><title>Badge</title>".to_vec()));
    let r = app.post("/api/v1/verify", None, &json!({"url": page})).await;
    r.assert_problem(422, Some("url"));
    assert!(r.text.contains("a web page"), "{}", r.text);
    let r = app.post("/api/v1/verify", None, &json!({"url": site.url("/missing")})).await;
    r.assert_problem(422, Some("url"));
    assert!(r.text.contains("HTTP 404"), "{}", r.text);
    for i in 0..5 {
        site.serve(&format!("/loop/{i}"), Serve::Redirect(site.url(&format!("/loop/{}", i + 1))));
    }
    let r = app.post("/api/v1/verify", None, &json!({"url": site.url("/loop/0")})).await;
    r.assert_problem(422, Some("url"));
    assert!(r.text.contains("redirects"), "{}", r.text);
}

#[tokio::test]
async fn the_default_policy_refuses_to_fetch_a_credential_url_on_a_private_address() {
    let app = crate::common::app().await;
    let site = Site::start().await;
    let url = site.serve("/badge.json", Serve::Json(json!({"id": "x"})));
    let r = app.post("/api/v1/verify", None, &json!({"url": url})).await;
    r.assert_problem(422, Some("url"));
    assert_eq!(site.hits("/badge.json"), 0, "nothing may be fetched from loopback");
}

#[tokio::test]
async fn a_clr_holding_another_issuers_revocable_credential_reads_that_issuers_list() {
    let (app, site) = (app().await, Site::start().await);
    let college = did_key_issuer(51);
    let council = did_key_issuer(52);
    let list = site.url("/council/status");
    site.serve("/council/status", Serve::Json(council.status_list(&list, &[4])));
    let nested = |index: u64| council.sign(&council.credential(Some(bitstring_entry(&list, index))));
    let clr = |held: Value| {
        college.sign(&json!({
            "@context": ["https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:6c0f3c1e-7a55-4d0a-9a43-1f2b8f3d9e10",
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": {"id": college.id, "type": ["Profile"], "name": "Example College"},
            "validFrom": "2026-01-15T12:00:00Z",
            "name": "Program Transcript",
            "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": [held]}
        }))
    };
    // The council's list, signed by the council, answers for the council's credential.
    let report = verify(&app, json!({"credential": clr(nested(3))})).await;
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(check(&report, "credential[0].status[0]")["message"], "not revoked");
    let report = verify(&app, json!({"credential": clr(nested(4))})).await;
    assert_eq!(report["result"], "invalid", "{report:#}");
    assert_eq!(check(&report, "credential[0].status[0]")["message"], "revoked by the issuer");
    assert_eq!(site.hits("/council/status"), 1, "fetched once, kept");

    // A credential of the college naming the council's list gets no answer from it.
    let borrowed = college.sign(&college.credential(Some(bitstring_entry(&list, 3))));
    assert_error(
        &verify(&app, json!({"credential": borrowed})).await,
        "status[0]",
        &["not by the credential's issuer"],
    );
}

#[tokio::test]
async fn a_foreign_credential_naming_one_of_our_lists_gets_no_answer_from_it() {
    let t = crate::common::issued().await;
    let stranger = did_key_issuer(53);
    let ours = t.doc["credentialStatus"][0].clone();
    let claimed = stranger.sign(&stranger.credential(Some(ours)));
    let report = verify(&t.app, json!({"credential": claimed})).await;
    assert_eq!(report["result"], "indeterminate", "{report:#}");
    let message = check(&report, "status[0]")["message"].as_str().unwrap();
    assert!(message.contains("not the credential's issuer"), "{message}");
}
