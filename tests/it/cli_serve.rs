//! End to end through the binary: `credence serve --demo`, `credence migrate`,
//! `credence admin create-key`, spoken to over a plain TCP socket.
//!
//! Uses SQLite in a temporary folder, or a fresh PostgreSQL database when
//! `CREDENCE_TEST_DATABASE_URL` names one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_credence");

/// Kills the server when the test ends, whether it passes or panics.
struct ServerGuard {
    child: Child,
    stderr_log: std::path::PathBuf,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking()
            && let Ok(log) = std::fs::read_to_string(&self.stderr_log)
        {
            eprintln!("--- server stderr ---\n{log}");
        }
    }
}

struct Server {
    _guard: ServerGuard,
    addr: String,
    stdout: Vec<String>,
}

fn base_command(dir: &Path, database_url: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("CREDENCE_KEYS_DIR", dir.join("keys"))
        .env_remove("CREDENCE_ADMIN_KEY")
        .env_remove("CREDENCE_CONFIG")
        .env_remove("CREDENCE_PUBLIC_URL")
        .env_remove("CREDENCE_BIND")
        .env("RUST_LOG", "info,sqlx=warn");
    cmd
}

/// Starts `credence serve` on a free port and waits for it to say where it listens.
fn start_server(dir: &Path, database_url: &str, demo: bool, log_name: &str) -> Server {
    let stderr_log = dir.join(log_name);
    let mut cmd = base_command(dir, database_url);
    cmd.args(["serve", "--bind", "127.0.0.1:0"]);
    if demo {
        cmd.arg("--demo");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&stderr_log).expect("stderr log")));
    let mut child = cmd.spawn().expect("start credence serve");
    let stdout = child.stdout.take().expect("stdout");
    let guard = ServerGuard { child, stderr_log };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let addr = line
                    .strip_prefix("Credence listening on http://")
                    .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string());
                lines.push(line);
                if let Some(addr) = addr {
                    assert!(!addr.ends_with(":0"), "printed the requested port, not the bound one: {addr}");
                    return Server { _guard: guard, addr, stdout: lines };
                }
            }
            Err(e) => panic!("server did not report its address ({e}); stdout so far: {lines:#?}"),
        }
    }
}

struct HttpResponse {
    status: u16,
    headers: String,
    body: String,
}

/// One HTTP/1.1 request over a plain socket.
fn http_get(addr: &str, path: &str, key: Option<&str>) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).expect("connect to server");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = key.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Accept: application/json\r\nConnection: close\r\n\r\n"
    )
    .expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body separator");
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status code");
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    HttpResponse { status, headers: head.to_string(), body }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

fn json(r: &HttpResponse) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

/// SQLite in `dir`, or a fresh database next to CREDENCE_TEST_DATABASE_URL.
fn database_url(dir: &Path) -> String {
    match std::env::var("CREDENCE_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let name = format!(
                "{}_t{}",
                base.rsplit('/').next().unwrap().split('?').next().unwrap(),
                uuid::Uuid::new_v4().simple()
            );
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&base).await.expect("connect");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
            });
            format!("{}/{name}", &base[..base.rfind('/').unwrap()])
        }
        _ => format!("sqlite://{}/data/credence.db", dir.display()),
    }
}

fn printed_value(lines: &[String], prefix: &str) -> Option<String> {
    lines.iter().find_map(|l| l.strip_prefix(prefix).map(|k| k.trim().to_string()))
}

#[test]
fn serve_demo_migrate_and_create_key_work_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database_url(dir.path());

    // 1. serve --demo: prints the admin key and an emc key, and serves them.
    let server = start_server(dir.path(), &db, true, "serve1.log");
    let admin_key = printed_value(&server.stdout, "Platform admin key (shown once, keep it safe): ")
        .unwrap_or_else(|| panic!("no admin key printed: {:#?}", server.stdout));
    let demo_key = printed_value(&server.stdout, "Issuer-admin key for emc: ")
        .unwrap_or_else(|| panic!("no demo key printed: {:#?}", server.stdout));
    assert!(demo_key.starts_with("crd_"), "{demo_key}");
    assert!(
        server
            .stdout
            .iter()
            .any(|l| l.starts_with("Demo data loaded (6 organizations, 2 frameworks, 12 achievements new)")),
        "{:#?}",
        server.stdout
    );

    // Each demo learner's badge page, with its state, or why there is none.
    let pages: Vec<&String> = server.stdout.iter().filter(|l| l.contains("/credentials/")).collect();
    assert_eq!(pages.len(), 4, "{:#?}", server.stdout);
    assert_eq!(pages.iter().filter(|l| l.contains("  (issued: ")).count(), 3, "{pages:#?}");
    assert!(pages.iter().any(|l| l.contains("  (revoked: Wei Chen, ")), "{pages:#?}");
    for why in ["awaiting sign-off: Priya Raman", "locked out: Lucas Tremblay", "not yet earned: Sarah Whitehorse"] {
        assert!(
            server.stdout.iter().any(|l| l.contains(&format!("no badge page ({why}, "))),
            "{why}: {:#?}",
            server.stdout
        );
    }
    let claims = server.stdout.iter().filter(|l| l.trim_start().starts_with("claim link for ")).count();
    assert_eq!(claims, 3, "a claim link per issued, unrevoked demo credential: {:#?}", server.stdout);
    let first = pages[0].split_whitespace().next().unwrap();
    let path = &first[first.find("/credentials/").unwrap()..];
    let doc = http_get(&server.addr, path, None);
    assert_eq!(doc.status, 200, "{}", doc.body);
    assert_eq!(json(&doc)["type"][0], "VerifiableCredential");

    let health = http_get(&server.addr, "/healthz", None);
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(json(&health)["database"], "ok");

    let list = http_get(&server.addr, "/api/v1/organizations/emc/achievements", Some(&demo_key));
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(json(&list).as_array().expect("list").len(), 6);

    let orgs = http_get(&server.addr, "/api/v1/organizations", Some(&admin_key));
    assert_eq!(orgs.status, 200, "{}", orgs.body);
    assert_eq!(json(&orgs).as_array().unwrap().len(), 6);

    let refused = http_get(&server.addr, "/api/v1/organizations/emc/achievements", None);
    assert_eq!(refused.status, 401);
    assert!(refused.headers.to_ascii_lowercase().contains("www-authenticate: bearer"), "{}", refused.headers);
    assert!(
        refused.headers.to_ascii_lowercase().contains("content-type: application/problem+json"),
        "{}",
        refused.headers
    );
    drop(server);

    // 2. migrate on the same database: nothing to do, says so.
    let out = base_command(dir.path(), &db).arg("migrate").output().expect("run migrate");
    assert!(out.status.success(), "migrate failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("migrations applied"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // 3. admin create-key prints a key (and only the key) on stdout.
    let out = base_command(dir.path(), &db)
        .args(["admin", "create-key", "--org", "emc", "--name", "from the CLI test"])
        .output()
        .expect("run create-key");
    assert!(out.status.success(), "create-key failed: {}", String::from_utf8_lossy(&out.stderr));
    let cli_key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(cli_key.starts_with("crd_") && !cli_key.contains(char::is_whitespace), "{cli_key}");

    let out = base_command(dir.path(), &db)
        .args(["admin", "create-key", "--org", "no-such-org"])
        .output()
        .expect("run create-key");
    assert!(!out.status.success(), "create-key for an unknown org succeeded");
    assert!(out.stdout.is_empty());

    // 4. serve again (no demo): the data and keys persist, the new key works,
    //    and no second admin key is printed.
    let server = start_server(dir.path(), &db, false, "serve2.log");
    assert!(
        printed_value(&server.stdout, "Platform admin key (shown once, keep it safe): ").is_none(),
        "admin key printed twice: {:#?}",
        server.stdout
    );
    let list = http_get(&server.addr, "/api/v1/organizations/emc/achievements", Some(&cli_key));
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(json(&list).as_array().unwrap().len(), 6);
    let keys = http_get(&server.addr, "/api/v1/organizations/emc/api-keys", Some(&cli_key));
    assert_eq!(keys.status, 200, "{}", keys.body);
    let keys = json(&keys);
    let entry = keys.as_array().unwrap().iter().find(|k| k["name"] == "from the CLI test").expect("listed");
    assert_eq!(entry["role"], "issuer-admin");
    assert!(entry["lastUsedAt"].is_string(), "{entry}");
    assert!(!keys.to_string().contains(&cli_key), "secret listed");
    assert_eq!(http_get(&server.addr, "/api/v1/organizations/emc", Some(&demo_key)).status, 200);
    assert_eq!(http_get(&server.addr, "/docs/", None).status, 200);
    drop(server);
}

/// What only this user may read: the database (and its -wal and -shm files) 0600, the
/// folders it and the master key are created in 0700, the master key 0600.
#[cfg(unix)]
#[test]
fn a_fresh_start_creates_the_database_and_the_keys_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path(), "sqlite://data/credence.db", false, "serve.log");
    assert_eq!(http_get(&server.addr, "/healthz", None).status, 200);
    let mode = |path: &str| {
        let meta = std::fs::metadata(dir.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        meta.permissions().mode() & 0o777
    };
    for file in ["data/credence.db", "data/credence.db-wal", "data/credence.db-shm", "keys/master.key"] {
        assert_eq!(mode(file), 0o600, "{file} is {:o}", mode(file));
    }
    for folder in ["data", "keys"] {
        assert_eq!(mode(folder), 0o700, "{folder} is {:o}", mode(folder));
    }
    drop(server);
}
