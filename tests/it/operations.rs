//! Operations, through the real binary (`credence serve`): `/metrics`, `/readyz`, request
//! ids, graceful shutdown on SIGTERM, and backup and restore (`credence admin backup` on
//! SQLite; `pg_dump -Fc` / `pg_restore` on PostgreSQL).
//!
//! Each test runs on SQLite in a temporary folder, or on a fresh PostgreSQL database
//! when `CREDENCE_TEST_DATABASE_URL` names one.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http1::{Conn, Reply, Server};

const BIN: &str = env!("CARGO_BIN_EXE_credence");
const PUBLIC_URL: &str = "https://badges.example.ca";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

async fn admin_sql(base: &str, sql: String) {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(base).await.expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.expect("admin statement");
}

fn loud_skip(what: &str) {
    // Written to the stderr handle, not through eprintln!, so the harness does not hide it.
    let line = "!".repeat(78);
    let _ = writeln!(std::io::stderr(), "\n{line}\n!! SKIPPED {what}\n{line}");
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A fresh PostgreSQL database beside `base`, dropped (forcibly) when dropped.
struct PgDatabase {
    base: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create(base: &str) -> PgDatabase {
        let stem = base.rsplit('/').next().unwrap_or("credence").split('?').next().unwrap_or("credence");
        let name = format!("{stem}_ops{}", uuid::Uuid::new_v4().simple());
        runtime().block_on(admin_sql(base, format!("CREATE DATABASE \"{name}\"")));
        let prefix = &base[..base.rfind('/').expect("database URL has a path")];
        PgDatabase { base: base.to_string(), url: format!("{prefix}/{name}"), name }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        runtime().block_on(admin_sql(&self.base, format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)));
    }
}

/// The test's database: a PostgreSQL one when the suite runs on PostgreSQL, else a SQLite file.
enum TestDb {
    Sqlite(String),
    Postgres(PgDatabase),
}

impl TestDb {
    fn new(dir: &Path) -> TestDb {
        match std::env::var("CREDENCE_TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => TestDb::Postgres(PgDatabase::create(&base)),
            _ => TestDb::Sqlite(format!("sqlite://{}/credence.db", dir.display())),
        }
    }

    fn url(&self) -> &str {
        match self {
            TestDb::Sqlite(url) => url,
            TestDb::Postgres(db) => &db.url,
        }
    }
}

/// One query's single integer answer, on a connection of its own.
fn scalar(url: &str, sql: &str) -> i64 {
    runtime().block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.expect("connect");
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut conn).await.expect(sql)
    })
}

/// What every server of a test shares: keys, the admin key, the public URL.
struct Env {
    admin: String,
    master: String,
    keys_dir: String,
}

impl Env {
    fn new(dir: &Path) -> Env {
        Env {
            admin: crate::http1::random_admin_key(),
            master: crate::http1::random_master_key_hex(),
            keys_dir: dir.join("keys").to_string_lossy().into_owned(),
        }
    }

    fn start(&self, dir: &Path, name: &str, database_url: &str, extra: &[(&str, &str)]) -> Server {
        let mut env = vec![
            ("DATABASE_URL", database_url),
            ("CREDENCE_ADMIN_KEY", self.admin.as_str()),
            ("CREDENCE_MASTER_KEY", self.master.as_str()),
            ("CREDENCE_KEYS_DIR", self.keys_dir.as_str()),
            ("CREDENCE_PUBLIC_URL", PUBLIC_URL),
            ("RUST_LOG", "info,sqlx=warn"),
        ];
        env.extend_from_slice(extra);
        Server::start(BIN, dir, name, &env)
    }
}

/// An organization `ops` with a one-part achievement `attend`; its issuer key.
fn organization(conn: &mut Conn, admin: &str) -> String {
    let r = conn.post(
        "/api/v1/organizations",
        admin,
        &json!({"slug": "ops", "name": "Ops College", "kind": "college"}),
        &[],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r =
        conn.post("/api/v1/organizations/ops/api-keys", admin, &json!({"name": "ops", "role": "issuer-admin"}), &[]);
    assert_eq!(r.status, 201, "{}", r.body);
    let key = r.json()["key"].as_str().expect("key").to_string();
    let achievement = json!({
        "slug": "attend", "name": "Attendance", "description": "Came to the session.",
        "criteria": {"narrative": "Attend."}, "achievementType": "Badge", "tier": "badge",
        "language": "en", "rule": {"allOf": [{"component": "session", "completed": true}]}
    });
    let r = conn.post("/api/v1/organizations/ops/achievements", &key, &achievement, &[]);
    assert_eq!(r.status, 201, "{}", r.body);
    key
}

/// Issues `attend` to `email`; the credential's id.
fn issue(conn: &mut Conn, key: &str, email: &str, extra: &[(&str, &str)]) -> String {
    let body = json!({"achievement": "attend", "component": "session", "completed": true, "learner": {"email": email}});
    let r = conn.post("/api/v1/organizations/ops/results", key, &body, extra);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["state"], "issued", "{}", r.body);
    r.json()["credential"]["id"].as_str().expect("credential id").to_string()
}

/// The verification result (`valid`, `invalid`, ...) of the credential `id` on the server at `conn`.
fn verify_by_id(conn: &mut Conn, id: &str) -> Value {
    let r = conn.request("POST", "/api/v1/verify", &[], Some(&json!({"id": id}).to_string())).expect("verify");
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// The value of the sample `series` (name and labels, exactly) in a metrics text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[test]
fn metrics_count_requests_issuance_verifications_and_fetches_with_bounded_labels() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let env = Env::new(dir.path());
    let server = env.start(dir.path(), "metrics", db.url(), &[]);
    let mut conn = Conn::new(&server.addr);
    let key = organization(&mut conn, &env.admin);
    let ids: Vec<String> = (0..3).map(|i| issue(&mut conn, &key, &format!("learner{i}@example.ca"), &[])).collect();
    assert_eq!(verify_by_id(&mut conn, &ids[0])["result"], "valid");
    // A fetch the SSRF rules refuse (a loopback address), counted as such.
    let r = conn
        .request("POST", "/api/v1/verify", &[], Some(&json!({"url": "https://127.0.0.1/badge.json"}).to_string()))
        .expect("verify by URL");
    assert!(r.status < 500, "{} {}", r.status, r.body);

    // Many random paths: one `unmatched` series; random ids under a route: its template.
    let mut secrets = Vec::new();
    for _ in 0..150 {
        let random = uuid::Uuid::new_v4().simple().to_string();
        assert_eq!(conn.get(&format!("/no-such/{random}"), None).status, 404);
        assert_eq!(conn.get(&format!("/credentials/{random}"), None).status, 404);
        secrets.push(random);
    }
    let r = conn.request("BREW", "/coffee", &[], None).expect("odd method");
    assert!(r.status >= 400, "{}", r.status);

    let r = conn.get("/metrics", None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let text = r.body;
    let get = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("no {series} in:\n{text}"));
    assert_eq!(get("credence_credentials_issued_total"), 3.0);
    assert_eq!(get("credence_verifications_total{result=\"valid\"}"), 1.0);
    assert!(get("credence_outbound_fetches_total{outcome=\"refused\"}") >= 1.0, "{text}");
    assert_eq!(get("credence_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"), 150.0);
    assert_eq!(get("credence_http_requests_total{method=\"GET\",route=\"/credentials/{id}\",status=\"404\"}"), 150.0);
    assert_eq!(
        get(
            "credence_http_requests_total{method=\"POST\",route=\"/api/v1/organizations/{org}/results\",status=\"200\"}"
        ),
        3.0
    );
    assert_eq!(get("credence_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"}"), 1.0);
    let histogram = "credence_http_request_duration_seconds_count{method=\"GET\",route=\"unmatched\"}";
    assert_eq!(get(histogram), 150.0);
    assert_eq!(
        get("credence_http_request_duration_seconds_bucket{method=\"GET\",route=\"unmatched\",le=\"+Inf\"}"),
        150.0
    );
    assert_eq!(get("credence_bulk_rows_pending"), 0.0);
    assert_eq!(get("credence_bulk_jobs_active"), 0.0);
    assert!(get("credence_db_pool_max_connections") >= 1.0);
    assert!(sample(&text, "credence_db_pool_connections{state=\"idle\"}").is_some(), "{text}");
    // Label values are the service's own: routes from the router, nothing a client sent.
    let routes: std::collections::BTreeSet<&str> =
        text.lines().filter_map(|l| l.split("route=\"").nth(1)?.split('"').next()).collect();
    assert!(routes.len() <= 10, "{routes:#?}");
    for secret in secrets.iter().chain([&env.admin, &key, &env.master]).chain(&ids) {
        assert!(!text.contains(secret.as_str()), "{secret} in the metrics");
    }
    assert!(!text.contains("example.ca"), "a learner in the metrics");
    // Every line is a comment or `name{labels} value`.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (_, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {line}"));
        assert!(value.parse::<f64>().is_ok(), "bad value in {line}");
    }
    drop(server);

    // With a metrics token: asked for, and nothing shown without it.
    let server = env.start(dir.path(), "metrics-token", db.url(), &[("CREDENCE_METRICS_TOKEN", "scrape-me-0123")]);
    let mut conn = Conn::new(&server.addr);
    let refused = conn.get("/metrics", None);
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.json()["type"], "urn:credence:problem:unauthorized");
    assert_eq!(conn.get("/metrics", Some("not-the-token")).status, 401);
    let r = conn.get("/metrics", Some("scrape-me-0123"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("credence_credentials_issued_total 0"), "{}", r.body);
}

/// One raw HTTP/1.1 exchange (for headers a well-behaved client would not send).
fn raw_exchange(addr: &str, request: &[u8]) -> (String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    stream.write_all(request).expect("send");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_ascii_lowercase(), body.to_string())
}

fn header_of(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(|v| v.trim().to_string()))
}

#[test]
fn request_ids_are_kept_when_safe_replaced_when_hostile_and_logged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let env = Env::new(dir.path());
    let server = env.start(dir.path(), "request-ids", db.url(), &[]);
    let mut conn = Conn::new(&server.addr);

    // A safe id is kept: in the header and the problem's body.
    let r = conn.request("GET", "/no-such-page", &[("X-Request-Id", "client-7.abc_DEF")], None).expect("GET");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-request-id"), Some("client-7.abc_DEF"));
    let body: Value = r.json();
    assert_eq!(body["requestId"], "client-7.abc_DEF", "{}", r.body);

    // Without one, a new UUID v7, the same in header and body.
    let r = conn.get("/api/v1/organizations", None);
    assert_eq!(r.status, 401);
    let id = r.json()["requestId"].as_str().expect("requestId").to_string();
    assert_eq!(uuid::Uuid::parse_str(&id).expect("a UUID").get_version_num(), 7);
    assert_eq!(r.header("x-request-id"), Some(id.as_str()));
    // A successful answer carries one too.
    let ok = conn.get("/healthz", None);
    assert!(ok.header("x-request-id").is_some_and(|v| uuid::Uuid::parse_str(v).is_ok()), "{}", ok.headers);

    // Hostile ids: too long, non-ASCII, spaces and quotes, an encoded CRLF, a header
    // injection attempt; each replaced by a fresh UUID v7, never echoed.
    let long = "a".repeat(65);
    let hostile: [&[u8]; 5] =
        [long.as_bytes(), "réq-ünïcode".as_bytes(), b"a b\"c", b"x%0d%0aSet-Cookie:%20a=b", b"ok\tinjected: yes"];
    for value in hostile {
        let mut request =
            b"GET /no-such-page HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nX-Request-Id: ".to_vec();
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
        let (head, body) = raw_exchange(&server.addr, &request);
        assert!(head.starts_with("http/1.1 404"), "{head}");
        let given = header_of(&head, "x-request-id").unwrap_or_else(|| panic!("no request id: {head}"));
        assert_eq!(uuid::Uuid::parse_str(&given).expect("a UUID").get_version_num(), 7, "{given}");
        let body: Value = serde_json::from_str(&body).expect("problem+json");
        assert_eq!(body["requestId"], given);
        assert!(!head.contains("injected") && !head.contains("set-cookie"), "{head}");
    }

    // The request's log lines carry its id (issuance logs "credential issued").
    let key = organization(&mut conn, &env.admin);
    issue(&mut conn, &key, "logged@example.ca", &[("X-Request-Id", "trace-me-4242")]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(&server.stderr_log).unwrap_or_default();
        if log.lines().any(|l| l.contains("credential issued") && l.contains("trace-me-4242")) {
            break;
        }
        assert!(Instant::now() < deadline, "no log line of the request with its id:\n{log}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A tmpfs mounted on a folder; unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).expect("mount point");
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .ok()?;
        out.status.success().then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system holding `path` with `path` until it refuses to take more.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("filler");
    let chunk = vec![0u8; 64 * 1024];
    loop {
        if file.write_all(&chunk).is_err() {
            break;
        }
    }
    // Whatever is left, byte by byte.
    let _ = file.write_all(&[0u8; 4096]);
    let _ = file.sync_all();
}

fn wait_for_status(conn: &mut Conn, path: &str, status: u16, why: &str) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = conn.get(path, None);
        if r.status == status {
            return r;
        }
        assert!(Instant::now() < deadline, "{path} never answered {status} ({why}); last {}: {}", r.status, r.body);
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn readiness_fails_while_the_database_cannot_be_written_and_recovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path());
    if let Ok(base) = std::env::var("CREDENCE_TEST_DATABASE_URL")
        && base.starts_with("postgres")
    {
        // PostgreSQL: the database made read-only for new sessions, and the server's
        // sessions ended so that its pool opens new ones.
        let db = PgDatabase::create(&base);
        let server = env.start(dir.path(), "readyz-pg", &db.url, &[]);
        let mut conn = Conn::new(&server.addr);
        assert_eq!(conn.get("/readyz", None).status, 200);
        let terminate = format!(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            db.name
        );
        runtime().block_on(admin_sql(
            &base,
            format!("ALTER DATABASE \"{}\" SET default_transaction_read_only = on", db.name),
        ));
        runtime().block_on(admin_sql(&base, terminate.clone()));
        let r = wait_for_status(&mut conn, "/readyz", 503, "read-only database");
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        assert_eq!(r.json()["type"], "urn:credence:problem:not-ready");
        assert_eq!(wait_for_status(&mut conn, "/healthz", 200, "liveness").status, 200);
        runtime()
            .block_on(admin_sql(&base, format!("ALTER DATABASE \"{}\" RESET default_transaction_read_only", db.name)));
        runtime().block_on(admin_sql(&base, terminate));
        wait_for_status(&mut conn, "/readyz", 200, "writable again");
        drop(server);
        return;
    }
    // SQLite: the database on a small tmpfs that is then filled.
    let Some(mount) = Tmpfs::mount(&dir.path().join("disk"), "16m") else {
        assert!(!under_ci(), "mounting a tmpfs failed under CI (the tests run as root there)");
        loud_skip("readiness on a full disk: cannot mount a tmpfs here (not root?)");
        return;
    };
    let url = format!("sqlite://{}/credence.db", mount.0.display());
    let server = env.start(dir.path(), "readyz", &url, &[]);
    let mut conn = Conn::new(&server.addr);
    let r = conn.get("/readyz", None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "ready");
    let key = organization(&mut conn, &env.admin);

    let filler = mount.0.join("filler");
    fill(&filler);
    let r = wait_for_status(&mut conn, "/readyz", 503, "full disk");
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let problem = r.json();
    assert_eq!(problem["type"], "urn:credence:problem:not-ready");
    assert_eq!(problem["status"], 503);
    assert_eq!(problem["detail"], "the database does not take writes now");
    // Liveness is another question: the process and its database still answer.
    assert_eq!(conn.get("/healthz", None).status, 200);
    // Issuance fails cleanly meanwhile.
    let body = json!({"achievement": "attend", "component": "session", "completed": true, "learner": {"email": "full@example.ca"}});
    let r = conn.post("/api/v1/organizations/ops/results", &key, &body, &[]);
    assert_eq!(r.status, 500, "{}", r.body);

    std::fs::remove_file(&filler).expect("remove filler");
    wait_for_status(&mut conn, "/readyz", 200, "space again");
    issue(&mut conn, &key, "space@example.ca", &[]);
    drop(server);
    drop(mount);
}

#[test]
fn readiness_writes_at_most_once_a_second_however_often_it_is_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let env = Env::new(dir.path());
    let server = env.start(dir.path(), "readyz-cost", db.url(), &[]);
    let started = Instant::now();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let mut conn = Conn::new(&addr);
                for _ in 0..100 {
                    assert_eq!(conn.get("/readyz", None).status, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("client");
    }
    let elapsed = started.elapsed().as_secs();
    let writes = scalar(db.url(), "SELECT writes FROM readiness_probes WHERE name = 'readyz'");
    assert!(writes >= 1, "no probe was written");
    // One write per second at most (plus the first), not one per request (400).
    assert!(writes <= i64::try_from(elapsed).unwrap() + 2, "{writes} writes in {elapsed} s for 400 requests");
}

/// Sends SIGTERM to the server process.
fn terminate(server: &Server) {
    let pid = i32::try_from(server.pid()).expect("pid");
    // SAFETY: kill(2) with a pid this test started; no memory is involved.
    let done = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(done, 0, "kill failed");
}

/// Waits (at most 30 s) for the server to exit.
fn wait_for_exit(server: &mut Server) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not stop within its grace period");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A job's pending rows, and how many of those a worker holds (claimed or leased).
fn bulk_rows_left(url: &str, job: &str) -> (i64, i64) {
    let pending =
        scalar(url, &format!("SELECT COUNT(*) FROM bulk_job_rows WHERE job_id = '{job}' AND status = 'pending'"));
    let held = scalar(
        url,
        &format!(
            "SELECT COUNT(*) FROM bulk_job_rows WHERE job_id = '{job}' AND status = 'pending' \
             AND (claimed_by IS NOT NULL OR lease_until IS NOT NULL)"
        ),
    );
    (pending, held)
}

fn bulk_csv(rows: usize) -> String {
    let mut csv = String::from("achievement,component,email,completed\n");
    for i in 0..rows {
        csv.push_str(&format!("attend,session,bulk{i}@example.ca,true\n"));
    }
    csv
}

#[test]
fn sigterm_drains_a_request_in_flight_and_releases_the_bulk_workers_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let env = Env::new(dir.path());
    let mut server = env.start(dir.path(), "shutdown", db.url(), &[("CREDENCE_SHUTDOWN_GRACE", "20")]);
    let mut conn = Conn::new(&server.addr);
    let key = organization(&mut conn, &env.admin);

    // A bulk job large enough to be running when the signal comes.
    let total = 6000;
    let r = conn
        .request(
            "POST",
            "/api/v1/organizations/ops/bulk-jobs",
            &[("Authorization", &format!("Bearer {key}")), ("Content-Type", "text/csv")],
            Some(&bulk_csv(total)),
        )
        .expect("upload");
    assert_eq!(r.status, 202, "{}", r.body);
    let job = r.json()["id"].as_str().expect("job id").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = conn.get(&format!("/api/v1/organizations/ops/bulk-jobs/{job}"), Some(&key));
        if r.json()["processedRows"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the bulk job did not start: {}", r.body);
        std::thread::sleep(Duration::from_millis(50));
    }

    // A request in flight: headers and half of its body sent before the signal.
    let body = json!({"slug": "late", "name": "Late College", "kind": "college"}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(&server.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(
        stream,
        "POST /api/v1/organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
        env.admin,
        body.len()
    )
    .expect("send the first half");
    stream.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    terminate(&server);
    std::thread::sleep(Duration::from_millis(500));
    assert!(server.child.try_wait().expect("wait").is_none(), "the server exited with a request in flight");
    // No new connection is taken meanwhile.
    assert!(TcpStream::connect(&server.addr).is_err(), "a new connection was accepted while draining");
    stream.write_all(rest.as_bytes()).expect("send the rest");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let status = wait_for_exit(&mut server);
    assert!(status.success(), "exit status {status}");
    let log = std::fs::read_to_string(&server.stderr_log).unwrap_or_default();
    assert!(log.contains("shutting down") && log.contains("stopped"), "{log}");
    // The bulk job was cut short, and no row is left held by the stopped worker.
    let (pending, held) = bulk_rows_left(db.url(), &job);
    assert!(pending > 0, "the job finished before the signal: the test proves nothing (make it larger)");
    assert_eq!(held, 0, "rows still leased by the stopped worker");
    server.kill();

    // No grace at all: the worker is stopped in the middle of its batch, and what it
    // holds is released rather than left to its lease.
    let mut server = env.start(dir.path(), "no-grace", db.url(), &[("CREDENCE_SHUTDOWN_GRACE", "0")]);
    let mut conn = Conn::new(&server.addr);
    let deadline = Instant::now() + Duration::from_secs(60);
    while bulk_rows_left(db.url(), &job).0 > pending - 100 {
        assert!(Instant::now() < deadline, "the job did not resume");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(conn.get("/healthz", None).status, 200);
    terminate(&server);
    assert!(wait_for_exit(&mut server).success());
    let (pending, held) = bulk_rows_left(db.url(), &job);
    assert!(pending > 0, "the job finished before the signal: the test proves nothing (make it larger)");
    assert_eq!(held, 0, "rows still leased by the worker stopped without grace");
    server.kill();

    // Another instance takes the job up at once and finishes it.
    let server = env.start(dir.path(), "after-shutdown", db.url(), &[]);
    let mut conn = Conn::new(&server.addr);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let r = conn.get(&format!("/api/v1/organizations/ops/bulk-jobs/{job}"), Some(&key));
        if r.json()["status"] == "completed" {
            assert_eq!(r.json()["counts"]["issued"].as_i64(), Some(total as i64), "{}", r.body);
            break;
        }
        assert!(Instant::now() < deadline, "the job was not finished: {}", r.body);
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn run_cli(dir: &Path, env: &Env, database_url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("CREDENCE_MASTER_KEY", &env.master)
        .env("CREDENCE_KEYS_DIR", &env.keys_dir)
        .env("CREDENCE_PUBLIC_URL", PUBLIC_URL)
        .env_remove("CREDENCE_CONFIG")
        .output()
        .expect("run credence")
}

#[test]
fn admin_backup_copies_a_running_sqlite_database_that_a_new_server_serves() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let env = Env::new(dir.path());
    let copy = dir.path().join("backup").join("copy.db");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let copy_text = copy.to_str().unwrap();
    if let TestDb::Postgres(pg) = &db {
        let out = run_cli(dir.path(), &env, &pg.url, &["admin", "backup", copy_text]);
        assert!(!out.status.success(), "backup of PostgreSQL did not refuse");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("pg_dump -Fc") && stderr.contains("docs/OPERATIONS.md"), "{stderr}");
        assert!(!copy.exists());
        return;
    }
    let server = env.start(dir.path(), "original", db.url(), &[]);
    let mut conn = Conn::new(&server.addr);
    let key = organization(&mut conn, &env.admin);
    let id = issue(&mut conn, &key, "kept@example.ca", &[]);
    // Writes go on while the copy is taken.
    let writer = {
        let (addr, key) = (server.addr.clone(), key.clone());
        std::thread::spawn(move || {
            let mut conn = Conn::new(&addr);
            (0..30).map(|i| issue(&mut conn, &key, &format!("during{i}@example.ca"), &[])).count()
        })
    };
    let out = run_cli(dir.path(), &env, db.url(), &["admin", "backup", copy_text]);
    assert!(out.status.success(), "backup failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
    assert_eq!(writer.join().expect("writer"), 30);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A second backup to the same file is refused, and the copy is left alone.
    let size = std::fs::metadata(&copy).unwrap().len();
    let again = run_cli(dir.path(), &env, db.url(), &["admin", "backup", copy_text]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), size);
    let profile_before = conn.get("/issuers/ops", None).json();
    drop(server);

    // A new server on the copy (same master key) verifies the credential, with the same keys.
    let restored = env.start(dir.path(), "restored", &format!("sqlite://{copy_text}"), &[]);
    let mut conn = Conn::new(&restored.addr);
    let report = verify_by_id(&mut conn, &id);
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(conn.get("/issuers/ops", None).json(), profile_before);
    assert_eq!(conn.get(&format!("/credentials/{id}"), None).status, 200);
}

#[test]
fn pg_dump_and_pg_restore_carry_a_credential_to_a_fresh_database() {
    let base = match std::env::var("CREDENCE_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ if under_ci() => "postgres://postgres@127.0.0.1:5432/postgres".to_string(),
        _ => {
            loud_skip("pg_dump/pg_restore: needs PostgreSQL (set CREDENCE_TEST_DATABASE_URL, or CI=true)");
            return;
        }
    };
    let tool =
        |name: &str| std::process::Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
    if !tool("pg_dump") || !tool("pg_restore") {
        assert!(!under_ci(), "pg_dump and pg_restore are required under CI");
        loud_skip("pg_dump/pg_restore: the PostgreSQL client tools are not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path());
    let original = PgDatabase::create(&base);
    let server = env.start(dir.path(), "pg-original", &original.url, &[]);
    let mut conn = Conn::new(&server.addr);
    let key = organization(&mut conn, &env.admin);
    let id = issue(&mut conn, &key, "dumped@example.ca", &[]);
    let profile_before = conn.get("/issuers/ops", None).json();

    // The documented procedure (docs/OPERATIONS.md), while the server runs.
    let dump = dir.path().join("credence.dump");
    let out = std::process::Command::new("pg_dump")
        .args(["-Fc", "--no-owner", "-f"])
        .arg(&dump)
        .arg(&original.url)
        .output()
        .expect("pg_dump");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    drop(server);
    let restored = PgDatabase::create(&base);
    let out = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "-d", &restored.url])
        .arg(&dump)
        .output()
        .expect("pg_restore");
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));

    let server = env.start(dir.path(), "pg-restored", &restored.url, &[]);
    let mut conn = Conn::new(&server.addr);
    let report = verify_by_id(&mut conn, &id);
    assert_eq!(report["result"], "valid", "{report:#}");
    assert_eq!(conn.get("/issuers/ops", None).json(), profile_before);
    // The restored database takes new credentials.
    issue(&mut conn, &key, "after@example.ca", &[]);
    drop(server);
}
