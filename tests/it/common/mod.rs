//! Test harness: the real router over a fresh database.
//!
//! With `CREDENCE_TEST_DATABASE_URL=postgres://.../NAME` every test gets its own
//! PostgreSQL database `NAME_t<random>` (`.ci/run` drops them afterwards);
//! otherwise every test gets its own SQLite file in a temporary folder.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use credence::app::AppState;
use credence::server::router;
use credence::store::Store;

pub const PUBLIC_URL: &str = "https://badges.example.ca";

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub master_key: std::sync::Arc<credence_core::sealed_key::MasterKey>,
    pub admin_key: String,
    _dir: Option<tempfile::TempDir>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub content_type: String,
    pub body: Value,
    pub text: String,
}

pub fn backend_name() -> &'static str {
    match std::env::var("CREDENCE_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => "postgres",
        _ => "sqlite",
    }
}

async fn fresh_database_url() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("CREDENCE_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            sqlx::any::install_default_drivers();
            let name = format!(
                "{}_t{}",
                base.rsplit('/').next().unwrap_or("credence").split('?').next().unwrap_or("credence"),
                uuid::Uuid::new_v4().simple()
            );
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
                .await
                .expect("connect to CREDENCE_TEST_DATABASE_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let prefix = &base[..base.rfind('/').expect("database URL has a path")];
            (format!("{prefix}/{name}"), None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/credence.db", dir.path().display());
            (url, Some(dir))
        }
    }
}

pub async fn app() -> TestApp {
    app_with(|state| state).await
}

/// A test app whose state is adjusted by `configure` (e.g. a rate limit).
pub async fn app_with(configure: impl FnOnce(AppState) -> AppState) -> TestApp {
    // RUST_LOG=error shows what went wrong behind a 500.
    if std::env::var("RUST_LOG").is_ok() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
    let (url, dir) = fresh_database_url().await;
    let store = Store::connect(&url, PUBLIC_URL).await.expect("connect");
    store.migrate().await.expect("migrate");
    let admin =
        store.ensure_bootstrap_admin_key().await.expect("admin key").expect("first start creates the admin key");
    let state = configure(AppState::new(store.clone(), credence_core::sealed_key::MasterKey::generate(), None));
    let master_key = state.master_key.clone();
    let store = state.store.clone();
    TestApp { router: router(state), store, master_key, admin_key: admin.key, _dir: dir }
}

impl TestApp {
    /// Sends a request through the real router.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Body>,
        content_type: Option<&str>,
    ) -> Response {
        // An API client names the JSON it wants: without an Accept header, pages answer
        // (as link preview crawlers need).
        let mut builder = Request::builder().method(method).uri(path).header(header::ACCEPT, "application/json");
        if let Some(k) = key {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        self.send_request(builder.body(body.unwrap_or_else(Body::empty)).expect("request")).await
    }

    /// Sends a request built by the caller (extra headers and all).
    /// The client is 127.0.0.1 unless the request carries its own `ConnectInfo`.
    pub async fn send_request(&self, mut request: Request<Body>) -> Response {
        if request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().is_none() {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))));
        }
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response { status, headers, content_type, body, text }
    }

    /// POSTs JSON as the client at `client`.
    pub async fn post_from(&self, client: [u8; 4], path: &str, body: &Value) -> Response {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((client, 40000))));
        self.send_request(request).await
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> Response {
        self.send(Method::GET, path, key, None, None).await
    }

    pub async fn json(&self, method: Method, path: &str, key: Option<&str>, body: &Value) -> Response {
        self.send(method, path, key, Some(Body::from(body.to_string())), Some("application/json")).await
    }

    pub async fn post(&self, path: &str, key: Option<&str>, body: &Value) -> Response {
        self.json(Method::POST, path, key, body).await
    }

    /// The VC-JWT form of the credential `id` (`Accept: application/vc+jwt`).
    pub async fn credential_jwt(&self, id: &str) -> Response {
        let request = Request::builder()
            .uri(format!("/credentials/{id}"))
            .header("accept", "application/vc+jwt")
            .body(Body::empty())
            .expect("request");
        self.send_request(request).await
    }

    /// Creates an organization and an issuer-admin key for it; returns the key.
    pub async fn org_with_key(&self, slug: &str) -> String {
        let r = self
            .post(
                "/api/v1/organizations",
                Some(&self.admin_key),
                &serde_json::json!({"slug": slug, "name": format!("Org {slug}"), "kind": "college"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        self.key_for(slug, "issuer-admin").await
    }

    pub async fn key_for(&self, slug: &str, role: &str) -> String {
        let r = self
            .post(
                &format!("/api/v1/organizations/{slug}/api-keys"),
                Some(&self.admin_key),
                &serde_json::json!({"name": "test", "role": role}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["key"].as_str().expect("key").to_string()
    }
}

impl Response {
    /// Asserts a problem+json answer with `status` that names `field` among its errors.
    pub fn assert_problem(&self, status: u16, field: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "content type {}: {}",
            self.content_type,
            self.text
        );
        assert_eq!(self.body["status"].as_u64(), Some(status as u64), "{}", self.text);
        if let Some(f) = field {
            let named =
                self.body["errors"].as_array().map(|errs| errs.iter().any(|e| e["field"] == f)).unwrap_or(false);
            assert!(named, "expected field '{f}' in errors: {}", self.text);
        }
    }
}

/// The check named `name` of a verification report (panics, showing the report, when absent).
pub fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["check"] == name))
        .unwrap_or_else(|| panic!("no {name} check: {report:#}"))
}

/// The evidence file behind the issued credential.
pub const EVIDENCE: &[u8] = b"Post-assessment report: 88% on the numeracy test.";

/// A demo credential issued through the API (CCAA numeracy, with evidence).
pub struct Issued {
    pub app: TestApp,
    pub key: String,
    pub id: String,
    pub doc: Value,
}

pub async fn issued() -> Issued {
    let app = app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("ccaa", "issuer-admin").await;
    let path = "/api/v1/organizations/ccaa/results";
    let learner = serde_json::json!({"email": "nadia@example.com", "name": "Nadia"});
    app.post(path, Some(&key), &serde_json::json!({"achievement": "ccaa-numeracy", "component": "pre-assessment", "completed": true, "learner": learner})).await;
    let r = app
        .post(path, Some(&key), &serde_json::json!({"achievement": "ccaa-numeracy", "component": "post-assessment", "score": 88, "attempt": 1, "learner": learner,
            "evidence": [{"name": "Post-assessment report", "url": "https://lms.example.ca/reports/88.pdf", "sha256": hex::encode(<sha2::Sha256 as sha2::Digest>::digest(EVIDENCE)), "genre": "Assessment"}]}))
        .await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let id = r.body["credential"]["id"].as_str().unwrap().to_string();
    let doc = app.get(&format!("/credentials/{id}"), None).await.body;
    Issued { app, key, id, doc }
}

/// A 1x1 PNG with correct CRCs.
pub fn tiny_png() -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc32fast::hash(&crc_input).to_be_bytes());
        out
    }
    let mut png = credence_core::baking::PNG_SIGNATURE.to_vec();
    png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    // zlib stream of one scanline: filter byte 0, one grey pixel 0.
    png.extend(chunk(b"IDAT", &[0x78, 0x01, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]));
    png.extend(chunk(b"IEND", &[]));
    png
}

// ---------------------------------------------------------------- VC-JWTs made by hand

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The credential's claims as a VC-JWT payload (VC 2.0: the credential itself, with `iss`,
/// `jti`, `nbf`), its achievement renamed: what an attacker sends.
pub fn forged_payload(doc: &Value) -> Value {
    let mut claims = doc.clone();
    claims.as_object_mut().unwrap().remove("proof");
    claims["credentialSubject"]["achievement"]["name"] = serde_json::json!("Master Electrician (forged)");
    Value::Object(credence_core::jwt::build_payload(&claims).unwrap())
}

/// A compact JWS of `payload` under `header`, signed with an Ed25519 key.
pub fn ed25519_jws(header: &Value, payload: &Value, key: &ed25519_dalek::SigningKey) -> String {
    use ed25519_dalek::Signer;
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(payload.to_string().as_bytes()));
    format!("{input}.{}", b64(&key.sign(input.as_bytes()).to_bytes()))
}

pub fn ed25519_jwk(key: &ed25519_dalek::SigningKey) -> Value {
    credence_core::jwt::ed25519_jwk(&key.verifying_key().to_bytes())
}

/// The forgery outside testing found: the credential renamed, signed as a VC-JWT by a fresh
/// key carried in the header (`jwk`, no `kid`).
pub fn forged_jwk_token(doc: &Value) -> String {
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[91u8; 32]);
    let header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "jwk": ed25519_jwk(&stranger)});
    ed25519_jws(&header, &forged_payload(doc), &stranger)
}

// ---------------------------------------------------------------- hostile graphs

/// The credential with a ring of `n` blank nodes under its subject (the linking term defined
/// in an inline `@context`) and a proofValue of 64 arbitrary bytes: what outside testing sent
/// to crash the server (2,000–5,000 nodes) or to hold a core for seconds (500–1,000).
pub fn ring_credential(doc: &Value, n: usize) -> Value {
    let mut d = doc.clone();
    d["@context"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"link": {"@id": "https://example.com/link", "@type": "@id"}}));
    let ring: Vec<Value> =
        (0..n).map(|i| serde_json::json!({"@id": format!("_:r{i}"), "link": format!("_:r{}", (i + 1) % n)})).collect();
    d["credentialSubject"]["link"] = Value::Array(ring);
    let signature = [7u8; 64];
    d["proof"]["proofValue"] = Value::String(credence_core::multibase::encode_base58btc(&signature));
    d
}
