//! Bulk issuance from CSV files: through the API with an in-process worker,
//! through `credence bulk import`, and through the real server killed with
//! SIGKILL in the middle of a job.
//!
//! Uses SQLite in a temporary folder, or fresh PostgreSQL databases when
//! `CREDENCE_TEST_DATABASE_URL` names one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, StatusCode};
use credence::bulk::{WorkerOptions, run_pending};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_credence");

pub(crate) async fn upload(
    app: &crate::common::TestApp,
    org: &str,
    key: &str,
    csv: impl Into<Vec<u8>>,
) -> crate::common::Response {
    upload_as(app, org, key, csv, "text/csv").await
}

async fn upload_as(
    app: &crate::common::TestApp,
    org: &str,
    key: &str,
    csv: impl Into<Vec<u8>>,
    content_type: &str,
) -> crate::common::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/organizations/{org}/bulk-jobs"),
        Some(key),
        Some(Body::from(csv.into())),
        Some(content_type),
    )
    .await
}

pub(crate) async fn process(app: &crate::common::TestApp) -> usize {
    run_pending(&app.store, &app.master_key, &WorkerOptions::default()).await.expect("worker runs")
}

pub(crate) fn job_path(org: &str, job: &Value) -> String {
    format!("/api/v1/organizations/{org}/bulk-jobs/{}", job["id"].as_str().expect("job id"))
}

async fn count(app: &crate::common::TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&app.store.pool).await.expect("count")
}

/// ICTC learners of the demo catalog, plus a learner with a French name, evidence
/// whose name holds a quoted newline, and two bad rows.
const ICTC_CSV: &str = "achievement,component,email,learner_name,score,attempt,passed,evidence_name,evidence_url\r\n\
ictc-big-data,workshop,lucas.tremblay@example.com,Lucas Tremblay,,,yes,,\r\n\
ictc-big-data,timed-test,lucas.tremblay@example.com,Lucas Tremblay,62,1,,,\r\n\
ictc-big-data,timed-test,lucas.tremblay@example.com,Lucas Tremblay,66,2,,,\r\n\
ictc-cloud-computing,workshop,sarah.whitehorse@example.com,Sarah Whitehorse,,,oui,,\r\n\
ictc-cloud-computing,timed-test,sarah.whitehorse@example.com,Sarah Whitehorse,58,1,,,\r\n\
ictc-big-data,workshop,zoe.belanger@example.ca,\"Zoé Bélanger-Côté\",,,true,\"Atelier « données »\r\nrapport final\",https://lms.example.ca/zoe/rapport\r\n\
ictc-big-data,timed-test,zoe.belanger@example.ca,\"Zoé Bélanger-Côté\",\"88,5\",1,,,\r\n\
ictc-big-data,timed-test,françois@example.ca,François Lévesque,beaucoup,1,,,\r\n\
ictc-nope,workshop,hélène@example.ca,Hélène Dubé,,,yes,,\r\n";

#[tokio::test]
async fn catalog_learners_from_a_csv_reach_their_states_and_a_rerun_issues_nothing_twice() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("ictc", "issuer").await;

    let created = upload(&app, "ictc", &key, ICTC_CSV).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.text);
    assert_eq!(created.body["status"], "queued");
    assert_eq!(created.body["totalRows"], 9);
    // A row that cannot be read is rejected at upload; the others wait for the worker.
    assert_eq!(created.body["counts"]["rejected"], 1, "{}", created.text);
    assert_eq!(created.body["counts"]["pending"], 8);
    let path = job_path("ictc", &created.body);
    assert_eq!(created.body["pollUrl"], format!("{}{path}", crate::common::PUBLIC_URL));

    assert!(process(&app).await >= 8);
    let job = app.get(&path, Some(&key)).await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.text);
    assert_eq!(job.body["status"], "completed", "{}", job.text);
    assert_eq!(job.body["processedRows"], 9);
    let counts = &job.body["counts"];
    assert_eq!(
        (counts["issued"].as_i64(), counts["rejected"].as_i64(), counts["pending"].as_i64()),
        (Some(1), Some(2), Some(0)),
        "{}",
        job.text
    );

    let rows = app.get(&format!("{path}/rows?limit=100"), Some(&key)).await;
    assert_eq!(rows.status, StatusCode::OK, "{}", rows.text);
    let rows = rows.body.as_array().unwrap().clone();
    let status = |n: usize| rows[n - 1]["status"].as_str().unwrap().to_string();
    assert_eq!(status(3), "locked_out", "Lucas: {rows:?}");
    assert_eq!(status(5), "in_progress", "Sarah: {rows:?}");
    assert_eq!(status(7), "issued", "Zoé: {rows:?}");
    // Lines count the quoted newline: Zoé's second row starts on line 9.
    assert_eq!((rows[6]["row"].as_i64(), rows[6]["line"].as_i64()), (Some(7), Some(9)));
    let credential_id = rows[6]["credentialId"].as_str().expect("credential id").to_string();

    let rejected = app.get(&format!("{path}/rows?status=rejected"), Some(&key)).await;
    let rejected = rejected.body.as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["row"], 8);
    assert_eq!(rejected[0]["errors"][0]["field"], "score", "{rejected:?}");
    assert!(rejected[0]["errors"][0]["reason"].as_str().unwrap().contains("beaucoup"));
    assert_eq!(rejected[1]["row"], 9);
    assert_eq!(rejected[1]["errors"][0]["field"], "achievement", "{rejected:?}");

    // The credential carries the French name's evidence, newline and all.
    let doc = app.get(&format!("/credentials/{credential_id}"), None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.text.contains("Atelier « données »\\r\\nrapport final"), "{}", doc.text);

    // Sign-off: an EMC learner submitting the workplace project waits for the employer.
    let emc = app.key_for("emc", "issuer").await;
    let emc_csv = "Achievement;Component;Email;Learner Name;Score;Attempt;Completed;Submitted_For_Signoff;Reviewer_Name;Reviewer_Email\n\
        emc-ams-time-management;pre-assessment;amina.okafor@example.com;Amina Okafor;;;oui;;;\n\
        emc-ams-time-management;post-assessment;amina.okafor@example.com;Amina Okafor;84;1;;;;\n\
        emc-ams-time-management;workplace-project;amina.okafor@example.com;Amina Okafor;;;;oui;Jordan Gagné;jordan@example.org\n";
    let emc_job = upload(&app, "emc", &emc, emc_csv).await;
    assert_eq!(emc_job.status, StatusCode::ACCEPTED, "{}", emc_job.text);
    process(&app).await;
    let emc_rows = app.get(&format!("{}/rows", job_path("emc", &emc_job.body)), Some(&emc)).await;
    assert_eq!(emc_rows.body[2]["status"], "awaiting_signoff", "{}", emc_rows.text);

    // The same file again: every recorded row is a duplicate, nothing is recorded or issued twice.
    let results_before = count(&app, "SELECT COUNT(*) FROM assessment_results").await;
    let credentials_before = count(&app, "SELECT COUNT(*) FROM credentials").await;
    let again = upload(&app, "ictc", &key, ICTC_CSV).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    process(&app).await;
    let again = app.get(&job_path("ictc", &again.body), Some(&key)).await;
    assert_eq!(again.body["status"], "completed");
    assert_eq!(again.body["counts"]["duplicate"], 7, "{}", again.text);
    assert_eq!(again.body["counts"]["rejected"], 2, "{}", again.text);
    assert_eq!(again.body["counts"]["issued"], 0, "{}", again.text);
    let dup = app.get(&format!("{}/rows?status=duplicate&limit=1", job_path("ictc", &again.body)), Some(&key)).await;
    assert!(dup.body[0]["errors"][0]["reason"].as_str().unwrap().contains("already recorded"), "{}", dup.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, results_before);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM credentials").await, credentials_before);

    // Jobs are listed newest first.
    let list = app.get("/api/v1/organizations/ictc/bulk-jobs", Some(&key)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 2, "{}", list.text);
    assert_eq!(list.body[0]["id"], again.body["id"]);
    app.get(&format!("{path}/rows?status=lost"), Some(&key)).await.assert_problem(422, Some("status"));
    app.get(&format!("{path}/rows?limit=0"), Some(&key)).await.assert_problem(422, Some("limit"));
}

#[tokio::test]
async fn files_that_cannot_be_read_are_refused_with_the_cause_and_nothing_stored() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("ictc", "issuer").await;
    let row = "\nictc-big-data,workshop,a@example.com\n";

    let missing = upload(&app, "ictc", &key, "achievement,email\nictc-big-data,a@example.com\n").await;
    missing.assert_problem(422, Some("component"));
    upload(&app, "ictc", &key, "achievement,component,learner_name\nictc-big-data,workshop,A\n")
        .await
        .assert_problem(422, Some("email"));
    let unknown = upload(&app, "ictc", &key, format!("achievement,component,email,scroe{row}")).await;
    unknown.assert_problem(422, Some("scroe"));
    assert!(unknown.text.contains("column 4"), "{}", unknown.text);
    upload(&app, "ictc", &key, format!("achievement,component,email,email{row}"))
        .await
        .assert_problem(422, Some("email"));

    // Latin-1 "é" in a name: the byte and the line are named.
    let mut latin1 = b"achievement,component,email,learner_name\nictc-big-data,workshop,a@example.com,Ren".to_vec();
    latin1.extend_from_slice(&[0xE9, b'\n']);
    let r = upload(&app, "ictc", &key, latin1).await;
    r.assert_problem(400, Some("file"));
    assert!(r.text.contains("0xE9") && r.text.contains("line 2"), "{}", r.text);
    upload(&app, "ictc", &key, vec![0xFF, 0xFE, b'a', 0]).await.assert_problem(400, Some("file"));

    upload(&app, "ictc", &key, "").await.assert_problem(422, Some("file"));
    upload(&app, "ictc", &key, "\r\n  \n").await.assert_problem(422, Some("file"));
    upload(&app, "ictc", &key, "achievement,component,email\n").await.assert_problem(422, Some("file"));
    upload_as(&app, "ictc", &key, format!("achievement,component,email{row}"), "application/json")
        .await
        .assert_problem(415, None);
    upload_as(&app, "ictc", &key, format!("achievement,component,email{row}"), "text/csv; charset=windows-1252")
        .await
        .assert_problem(415, None);
    app.send(
        Method::POST,
        "/api/v1/organizations/ictc/bulk-jobs?bogus=1",
        Some(&key),
        Some(Body::from("x")),
        Some("text/csv"),
    )
    .await
    .assert_problem(400, Some("query"));

    assert_eq!(count(&app, "SELECT COUNT(*) FROM bulk_jobs").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bulk_job_rows").await, 0);
    let list = app.get("/api/v1/organizations/ictc/bulk-jobs", Some(&key)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 0, "{}", list.text);
}

#[tokio::test]
async fn ten_thousand_rows_of_garbage_are_each_rejected_and_change_nothing_else() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("ictc", "issuer").await;
    let mut csv = String::from("achievement,component,email,external_id,score,attempt,passed,recorded_at\n");
    for i in 0..10_000 {
        let line = match i % 8 {
            0 => format!("ictc-big-data,timed-test,x{i}@example.com,,{i}abc,1,,\n"),
            1 => "ictc-big-data,timed-test,,,80,1,,\n".to_string(),
            2 => format!("ictc-big-data,timed-test,not-an-email-{i},,80,1,,\n"),
            3 => format!("ictc-big-data,workshop,y{i}@example.com,,,,peut-être,\n"),
            4 => format!("ictc-big-data,timed-test,z{i}@example.com,,80,-{i},,\n"),
            5 => format!("only,three,fields-{i}\n"),
            6 => format!("ictc-big-data,timed-test,w{i}@example.com,,80,1,,yesterday-{i}\n"),
            // Well-formed, but the achievement does not exist: rejected by the worker.
            _ => format!("no-such-achievement-{i},workshop,v{i}@example.com,E-{i},,,yes,\n"),
        };
        csv.push_str(&line);
        // Some padding cells make the file larger than the JSON body limit.
        if i % 100 == 0 {
            csv.push_str(&format!("\"{}\",,,,,,,\n", "?".repeat(6000)));
        }
    }
    assert!(csv.len() > credence::http::MAX_BODY_BYTES, "{}", csv.len());
    let learners_before = count(&app, "SELECT COUNT(*) FROM learners").await;
    let started = Instant::now();
    let created = upload(&app, "ictc", &key, csv).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.text);
    let total = created.body["totalRows"].as_i64().unwrap();
    assert_eq!(total, 10_100);
    process(&app).await;
    let job = app.get(&job_path("ictc", &created.body), Some(&key)).await;
    assert_eq!(job.body["status"], "completed", "{}", job.text);
    assert_eq!(job.body["counts"]["rejected"].as_i64(), Some(total), "{}", job.text);
    eprintln!("10,000 garbage rows in {:?}", started.elapsed());

    // Every rejected row names its column.
    let path = format!("{}/rows?status=rejected&limit=8", job_path("ictc", &created.body));
    let rows = app.get(&path, Some(&key)).await;
    let fields: Vec<String> =
        rows.body.as_array().unwrap().iter().map(|r| r["errors"][0]["field"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        fields,
        ["score", "achievement", "email", "email", "passed", "attempt", "row", "recorded_at"],
        "{}",
        rows.text
    );

    assert_eq!(count(&app, "SELECT COUNT(*) FROM learners").await, learners_before);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM credentials").await, 0);

    // A good file right after is not held up.
    let good =
        upload(&app, "ictc", &key, "achievement,component,email,passed\nictc-big-data,workshop,ok@example.com,yes\n")
            .await;
    process(&app).await;
    let good = app.get(&job_path("ictc", &good.body), Some(&key)).await;
    assert_eq!(good.body["counts"]["inProgress"], 1, "{}", good.text);
}

#[tokio::test]
async fn another_organization_cannot_see_a_job() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let ictc = app.key_for("ictc", "issuer").await;
    let emc = app.key_for("emc", "issuer-admin").await;
    let created =
        upload(&app, "ictc", &ictc, "achievement,component,email,passed\nictc-big-data,workshop,a@example.com,yes\n")
            .await;
    assert_eq!(created.status, StatusCode::ACCEPTED);
    let id = created.body["id"].as_str().unwrap();
    app.get(&format!("/api/v1/organizations/ictc/bulk-jobs/{id}"), Some(&emc)).await.assert_problem(404, None);
    app.get(&format!("/api/v1/organizations/emc/bulk-jobs/{id}"), Some(&emc)).await.assert_problem(404, None);
    app.get(&format!("/api/v1/organizations/emc/bulk-jobs/{id}/rows"), Some(&emc)).await.assert_problem(404, None);
    app.get(&format!("/api/v1/organizations/emc/bulk-jobs/{id}"), Some(&app.admin_key)).await.assert_problem(404, None);
    upload(&app, "ictc", &emc, "achievement,component,email\nx,y,a@example.com\n").await.assert_problem(404, None);
    assert_eq!(
        app.get(&format!("/api/v1/organizations/ictc/bulk-jobs/{id}"), Some(&app.admin_key)).await.status,
        StatusCode::OK
    );
    app.get(&format!("/api/v1/organizations/ictc/bulk-jobs/{id}"), None).await.assert_problem(401, None);
}

// ---------------------------------------------------------------------------
// Through the binary.

/// Kills the child when the test ends, whether it passes or panics.
struct ChildGuard {
    child: Child,
    stderr_log: std::path::PathBuf,
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking()
            && let Ok(log) = std::fs::read_to_string(&self.stderr_log)
        {
            let tail: String = log.chars().rev().take(6000).collect::<Vec<_>>().into_iter().rev().collect();
            eprintln!("--- server stderr (tail) ---\n{tail}");
        }
    }
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

fn command(dir: &Path, database_url: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("CREDENCE_KEYS_DIR", dir.join("keys"))
        .env("CREDENCE_BULK_LEASE_SECS", "2")
        .env_remove("CREDENCE_ADMIN_KEY")
        .env_remove("CREDENCE_CONFIG")
        .env_remove("CREDENCE_PUBLIC_URL")
        .env_remove("CREDENCE_BIND")
        .env_remove("CREDENCE_MASTER_KEY")
        .env("RUST_LOG", "warn");
    cmd
}

struct Server {
    guard: ChildGuard,
    addr: String,
    stdout: Vec<String>,
}

fn start_server(dir: &Path, database_url: &str, demo: bool, log_name: &str) -> Server {
    let stderr_log = dir.join(log_name);
    let mut cmd = command(dir, database_url);
    cmd.args(["serve", "--bind", "127.0.0.1:0"]);
    if demo {
        cmd.arg("--demo");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&stderr_log).expect("stderr log")));
    let mut child = cmd.spawn().expect("start credence serve");
    let stdout = child.stdout.take().expect("stdout");
    let guard = ChildGuard { child, stderr_log };
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
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                let addr = line
                    .strip_prefix("Credence listening on http://")
                    .map(|r| r.split_whitespace().next().unwrap_or("").to_string());
                lines.push(line);
                if let Some(addr) = addr {
                    return Server { guard, addr, stdout: lines };
                }
            }
            Err(e) => panic!("server did not report its address ({e}); stdout so far: {lines:#?}"),
        }
    }
}

/// One HTTP/1.1 request over a plain socket: (status, body).
fn http(addr: &str, method: &str, path: &str, key: &str, body: Option<(&str, &[u8])>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to server");
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n");
    if let Some((content_type, bytes)) = body {
        request.push_str(&format!("Content-Type: {content_type}\r\nContent-Length: {}\r\n", bytes.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    if let Some((_, bytes)) = body {
        stream.write_all(bytes).expect("send body");
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body separator");
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status code");
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    (status, body)
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

fn get_json(addr: &str, path: &str, key: &str) -> Value {
    let (status, body) = http(addr, "GET", path, key, None);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Opens the database the binary used, after loading the demo catalog into it.
async fn open_demo_store(db: &str) -> credence::store::Store {
    let store = credence::store::Store::connect(db, "http://127.0.0.1").await.expect("connect");
    store.migrate().await.expect("migrate");
    credence::demo::load(&store).await.expect("demo");
    store
}

#[test]
fn cli_imports_a_file_with_a_progress_bar_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = rt.block_on(open_demo_store(&db));
    let file = dir.path().join("résultats.csv");
    std::fs::write(&file, ICTC_CSV).unwrap();

    let out = command(dir.path(), &db)
        .args(["bulk", "import"])
        .arg(&file)
        .args(["--org", "ictc"])
        .output()
        .expect("run bulk import");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\nstdout: {stdout}\nstderr: {stderr}", out.status);
    assert!(stderr.contains("[##############################] 9/9 rows, 2 rejected"), "{stderr}");
    assert!(stdout.contains("completed: 9 rows: 1 issued"), "{stdout}");
    assert!(stdout.contains("2 rejected"), "{stdout}");
    assert!(stdout.contains("row 8 (line 10): score: 'beaucoup' is not a number"), "{stdout}");
    let name: Option<String> = rt.block_on(async {
        sqlx::query_scalar("SELECT file_name FROM bulk_jobs").fetch_one(&store.pool).await.unwrap()
    });
    assert_eq!(name.as_deref(), Some("résultats.csv"));

    // Again: all duplicates, still exit 0.
    let out = command(dir.path(), &db).args(["bulk", "import"]).arg(&file).args(["--org", "ictc"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 issued"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("7 duplicate"), "{}", String::from_utf8_lossy(&out.stdout));

    // A file-level fault: non-zero, the column named, nothing stored.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "achievement,email\nictc-big-data,a@example.com\n").unwrap();
    let out = command(dir.path(), &db).args(["bulk", "import"]).arg(&bad).args(["--org", "ictc"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("component: this required column is missing"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let jobs: i64 = rt
        .block_on(async { sqlx::query_scalar("SELECT COUNT(*) FROM bulk_jobs").fetch_one(&store.pool).await.unwrap() });
    assert_eq!(jobs, 2);
}

#[test]
fn a_server_killed_mid_job_loses_nothing_duplicates_nothing_and_finishes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path());
    let server = start_server(dir.path(), &db, true, "serve1.log");
    let key = server
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix("Issuer-admin key for emc: ").map(str::to_string))
        .unwrap_or_else(|| panic!("no emc key printed: {:#?}", server.stdout));

    // 2400 learners; every fourth completes the workshop (and qualifies), the others
    // have a pre-assessment of another achievement (recorded, nothing to issue).
    const ROWS: i64 = 2400;
    let mut csv = String::from("achievement,component,email,learner_name,completed\n");
    let mut qualifying = 0;
    for i in 0..ROWS {
        if i % 4 == 0 {
            qualifying += 1;
            csv.push_str(&format!("emc-workshop-time-management,attendance,l{i}@example.ca,Apprenant·e n° {i},oui\n"));
        } else {
            csv.push_str(&format!("emc-mec-green,pre-assessment,l{i}@example.ca,Apprenant·e n° {i},non\n"));
        }
    }
    let (status, body) = http(
        &server.addr,
        "POST",
        "/api/v1/organizations/emc/bulk-jobs?name=kill.csv",
        &key,
        Some(("text/csv", csv.as_bytes())),
    );
    assert_eq!(status, 202, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    let path = format!("/api/v1/organizations/emc/bulk-jobs/{}", job["id"].as_str().unwrap());

    // Wait until some, but not all, rows are done; note the credentials acknowledged so far; kill.
    let deadline = Instant::now() + Duration::from_secs(300);
    let (processed_before, acknowledged) = loop {
        let j = get_json(&server.addr, &path, &key);
        let processed = j["processedRows"].as_i64().unwrap();
        if j["counts"]["issued"].as_i64().unwrap() >= 20 {
            assert!(processed < ROWS, "the job finished before the kill; make it longer: {j}");
            let mut ids = Vec::new();
            let rows = get_json(&server.addr, &format!("{path}/rows?status=issued&limit=1000"), &key);
            for r in rows.as_array().unwrap() {
                ids.push(r["credentialId"].as_str().unwrap().to_string());
            }
            break (processed, ids);
        }
        assert!(Instant::now() < deadline, "the job did not start: {j}");
        std::thread::sleep(Duration::from_millis(25));
    };
    let mut guard = server.guard;
    guard.child.kill().expect("SIGKILL");
    guard.child.wait().unwrap();
    assert!(!acknowledged.is_empty());

    // Restart on the same database: the job finishes.
    let server = start_server(dir.path(), &db, false, "serve2.log");
    let deadline = Instant::now() + Duration::from_secs(600);
    let finished = loop {
        let j = get_json(&server.addr, &path, &key);
        if j["status"] == "completed" {
            break j;
        }
        assert!(Instant::now() < deadline, "the job did not finish after the restart: {j}");
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!("killed after {processed_before} rows; finished: {}", finished["counts"]);
    let counts = &finished["counts"];
    assert_eq!(finished["processedRows"].as_i64(), Some(ROWS), "{finished}");
    assert_eq!(counts["issued"].as_i64(), Some(qualifying), "{finished}");
    assert_eq!(counts["inProgress"].as_i64(), Some(ROWS - qualifying), "{finished}");
    assert_eq!(counts["rejected"].as_i64(), Some(0), "{finished}");
    assert_eq!(counts["duplicate"].as_i64(), Some(0), "{finished}");

    // In the database: one result per row, one credential per qualifying learner,
    // and every credential acknowledged before the kill is still there.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = credence::store::Store::connect(&db, "http://127.0.0.1").await.unwrap();
        let scalar = |sql: &'static str| {
            let pool = store.pool.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
        };
        assert_eq!(scalar("SELECT COUNT(*) FROM assessment_results WHERE source = 'bulk-csv'").await, ROWS);
        // (serve --demo issued its own learners' credentials too: count the file's learners')
        assert_eq!(
            scalar("SELECT COUNT(*) FROM credentials WHERE learner_id IN (SELECT learner_id FROM assessment_results WHERE source = 'bulk-csv')").await,
            qualifying
        );
        assert_eq!(
            scalar("SELECT COUNT(*) FROM (SELECT learner_id, achievement_id FROM credentials GROUP BY learner_id, achievement_id HAVING COUNT(*) > 1) d").await,
            0
        );
        assert_eq!(scalar("SELECT COUNT(*) FROM bulk_job_rows WHERE status = 'pending'").await, 0);
        eprintln!("rows claimed again after the kill: {}", scalar("SELECT COUNT(*) FROM bulk_job_rows WHERE attempts > 1").await);
        assert_eq!(scalar("SELECT COUNT(*) FROM bulk_job_rows WHERE status = 'issued' AND credential_id IS NULL").await, 0);
        for id in &acknowledged {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE id = $1").bind(id).fetch_one(&store.pool).await.unwrap();
            assert_eq!(n, 1, "acknowledged credential {id} is gone");
        }
    });
    drop(server);
}

#[tokio::test]
async fn rows_signing_would_refuse_are_rejected_at_once_with_the_reason_not_retried() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("cahrc", "issuer").await;
    let csv = "achievement,component,email,completed,did,evidence_name,evidence_url\n\
        cahrc-foundational-supervision,modules,a@example.com,yes,,Report,\"https://lms.example.ca/report\"\"1\"\".pdf\"\n\
        cahrc-foundational-supervision,modules,b@example.com,yes,,Report,https://lms.example.ca/<b>\n\
        cahrc-foundational-supervision,modules,c@example.com,yes,did:web:exa mple.com,,\n\
        cahrc-foundational-supervision,modules,d@example.com,yes,did:example:123,,\n\
        cahrc-foundational-supervision,modules,e@example.com,yes,,Report,https://lms.example.ca/e.pdf\n";
    let created = upload(&app, "cahrc", &key, csv).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.text);
    // Refused when the file is read: stored rejected, never claimed by a worker.
    let rows = app.get(&format!("{}/rows?status=rejected", job_path("cahrc", &created.body)), Some(&key)).await;
    let rejected: Vec<(i64, String, String)> = rows
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["errors"][0]["field"].as_str().unwrap().to_string(),
                r["errors"][0]["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let fields: Vec<(i64, &str)> = rejected.iter().map(|(row, field, _)| (*row, field.as_str())).collect();
    assert_eq!(fields, [(1, "evidence_url"), (2, "evidence_url"), (3, "did"), (4, "did")], "{}", rows.text);
    assert!(rejected[0].2.contains("IRI") && rejected[0].2.contains("%22"), "{}", rows.text);
    assert!(rejected[2].2.contains("did:web"), "{}", rows.text);
    process(&app).await;
    let job = app.get(&job_path("cahrc", &created.body), Some(&key)).await;
    assert_eq!(job.body["status"], "completed", "{}", job.text);
    assert_eq!(job.body["counts"]["rejected"], 4, "{}", job.text);
    assert_eq!(job.body["counts"]["issued"], 1, "{}", job.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bulk_job_rows WHERE status = 'rejected' AND attempts > 0").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM credentials").await, 1);

    // A row stored before its value was checked is rejected at its first attempt, with the
    // reason, instead of failing to sign five times.
    let later = upload(
        &app,
        "cahrc",
        &key,
        "achievement,component,email,completed,evidence_name,evidence_url\n\
        cahrc-foundational-supervision,modules,f@example.com,yes,Report,https://lms.example.ca/f.pdf\n",
    )
    .await;
    sqlx::query("UPDATE bulk_job_rows SET input = REPLACE(input, 'f.pdf', 'f final.pdf') WHERE status = 'pending'")
        .execute(&app.store.pool)
        .await
        .unwrap();
    process(&app).await;
    let rows = app.get(&format!("{}/rows", job_path("cahrc", &later.body)), Some(&key)).await;
    assert_eq!(rows.body[0]["status"], "rejected", "{}", rows.text);
    assert_eq!(rows.body[0]["errors"][0]["field"], "evidence_url", "{}", rows.text);
    assert_eq!(count(&app, "SELECT MAX(attempts) FROM bulk_job_rows").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM credentials").await, 1);
}

#[tokio::test]
async fn a_row_whose_worker_died_after_recording_is_finished_without_recording_twice() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("cahrc", "issuer").await;
    let created = upload(
        &app,
        "cahrc",
        &key,
        "achievement,component,email,completed\ncahrc-foundational-supervision,modules,crash@example.com,yes\n",
    )
    .await;
    let job_id = created.body["id"].as_str().unwrap().to_string();
    // A worker claims the row, records the result and issues, then dies before
    // writing the row's outcome.
    let lease = credence::store::stamp_after(Duration::from_millis(300));
    let claimed = app.store.claim_bulk_rows(&job_id, "dead-worker", &lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let row = &claimed[0];
    let input: credence::domain::learner::ResultInput = serde_json::from_str(row.input.as_deref().unwrap()).unwrap();
    let org = app.store.organization_by_slug("cahrc").await.unwrap().unwrap();
    let source = format!("{job_id}:{}", row.row_number);
    let first = credence::issuance::record_result_once(
        &app.store,
        &app.master_key,
        &org,
        input,
        Some((row.fingerprint.as_deref().unwrap(), &source)),
    )
    .await
    .unwrap();
    let credential = match first {
        credence::issuance::Recorded::Status(s) => s.credential.expect("issued").id,
        other => panic!("{other:?}"),
    };
    // While the lease holds, nobody else takes the row.
    assert_eq!(process(&app).await, 0);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(process(&app).await, 1);
    let rows = app.get(&format!("{}/rows", job_path("cahrc", &created.body)), Some(&key)).await;
    assert_eq!(rows.body[0]["status"], "issued", "{}", rows.text);
    assert_eq!(rows.body[0]["credentialId"], credential.as_str());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM credentials").await, 1);
    assert_eq!(count(&app, "SELECT attempts FROM bulk_job_rows").await, 2);
    // The dead worker's late write is refused: the row is no longer its own.
    let late = credence::store::RowOutcome {
        status: "rejected".into(),
        errors: vec![],
        learner_id: None,
        credential_id: None,
    };
    assert!(!app.store.finish_bulk_row(row, "dead-worker", &late).await.unwrap());
    let job = app.get(&job_path("cahrc", &created.body), Some(&key)).await;
    assert_eq!(job.body["status"], "completed", "{}", job.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn concurrent_workers_claim_each_row_once() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("cahrc", "issuer").await;
    let mut csv = String::from("achievement,component,email,completed\n");
    for i in 0..300 {
        let done = if i % 6 == 0 { "yes" } else { "no" };
        csv.push_str(&format!("cahrc-foundational-supervision,modules,c{i}@example.com,{done}\n"));
    }
    // The first 30 rows again, at the end: duplicates, whichever worker meets them.
    for i in 0..30 {
        let done = if i % 6 == 0 { "yes" } else { "no" };
        csv.push_str(&format!("cahrc-foundational-supervision,modules,c{i}@example.com,{done}\n"));
    }
    let created = upload(&app, "cahrc", &key, csv).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.text);
    let opts = WorkerOptions { batch: 7, ..WorkerOptions::default() };
    let work = |n: u8| {
        let (store, master, opts) = (app.store.clone(), app.master_key.clone(), opts.clone());
        tokio::spawn(async move { (n, run_pending(&store, &master, &opts).await.expect("worker")) })
    };
    let (a, b, c) = tokio::join!(work(1), work(2), work(3));
    let claimed = a.unwrap().1 + b.unwrap().1 + c.unwrap().1;
    assert_eq!(claimed, 330, "every row claimed exactly once");
    process(&app).await;
    let job = app.get(&job_path("cahrc", &created.body), Some(&key)).await;
    assert_eq!(job.body["status"], "completed", "{}", job.text);
    assert_eq!(job.body["counts"]["issued"], 50, "{}", job.text);
    assert_eq!(job.body["counts"]["inProgress"], 250, "{}", job.text);
    assert_eq!(job.body["counts"]["duplicate"], 30, "{}", job.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, 300);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM credentials").await, 50);
    assert_eq!(count(&app, "SELECT CAST(SUM(attempts) AS BIGINT) FROM bulk_job_rows").await, 330);
}
