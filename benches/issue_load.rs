//! Issuance throughput through the HTTP API, end to end: starts the release
//! `credence serve` on 127.0.0.1 with a fresh database, creates an organization,
//! an issuer key and an achievement whose rule is one `completed` component, then
//! N concurrent keep-alive clients POST one result each for distinct learners, so
//! every request issues (and signs, and stores) one credential.
//!
//!     cargo bench --bench issue_load                        # SQLite, 20,000, 32 clients
//!     LOAD_COUNT=100000 cargo bench --bench issue_load
//!     LOAD_DATABASE=postgres cargo bench --bench issue_load # fresh DB on 127.0.0.1:5432
//!
//!     LOAD_MODE=csv LOAD_COUNT=100000 cargo bench --bench issue_load   # one CSV file as a bulk job
//!
//!     LOAD_DATABASE=postgres LOAD_INSTANCES=3 cargo bench --bench issue_load  # 3 servers, one database
//!
//! Environment: LOAD_IDEMPOTENCY=1 (each request sends its own Idempotency-Key),
//! LOAD_INSTANCES (1: servers started on the one database, clients spread over them),
//! LOAD_COUNT (20000), LOAD_CLIENTS (32), LOAD_MAX_SECS (900: the run
//! stops there whatever the count), LOAD_DATABASE (`sqlite` or `postgres`),
//! LOAD_PG_URL (postgres://postgres@127.0.0.1:5432/postgres: where to create, and
//! afterwards drop, the run's database), LOAD_RSS_AT (10000,100000), LOAD_BIN (another
//! `credence` binary to measure, e.g. a copy of an older build).
//!
//! After the run the server is killed with SIGKILL and the credentials are counted
//! in the database: what was answered as issued must be there.
//! Loopback only; the request loop is bounded in count and time.

#[path = "../tests/it/http1/mod.rs"]
mod http1;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_credence");

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let count: u64 = env_or("LOAD_COUNT", 20_000);
    let clients: usize = env_or("LOAD_CLIENTS", 32);
    let max_secs: u64 = env_or("LOAD_MAX_SECS", 900);
    let backend = std::env::var("LOAD_DATABASE").unwrap_or_else(|_| "sqlite".into());
    let rss_at: Vec<u64> = std::env::var("LOAD_RSS_AT")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();

    let dir = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    // Whatever happens below, a PostgreSQL database goes away at the end.
    let database = support::RunDatabase::fresh(&backend, dir.path());
    let database_url = database.url.clone();

    let admin = http1::random_admin_key();
    let master = http1::random_master_key_hex();
    let keys_dir = dir.path().join("keys");
    let keys_dir = keys_dir.to_string_lossy();
    let bin = std::env::var("LOAD_BIN").unwrap_or_else(|_| BIN.to_string());
    let mut server = http1::Server::start(
        &bin,
        dir.path(),
        "credence",
        &[
            ("DATABASE_URL", database_url.as_str()),
            ("CREDENCE_ADMIN_KEY", admin.as_str()),
            ("CREDENCE_MASTER_KEY", master.as_str()),
            ("CREDENCE_KEYS_DIR", &keys_dir),
        ],
    );
    let addr = server.addr.clone();
    let (rss_start, _) = server.rss_kib();
    // More instances on the same database (PostgreSQL), each client bound to one.
    let instances: usize = env_or("LOAD_INSTANCES", 1);
    let mut others: Vec<http1::Server> = (1..instances.max(1))
        .map(|n| {
            http1::Server::start(
                &bin,
                dir.path(),
                &format!("credence-{n}"),
                &[
                    ("DATABASE_URL", database_url.as_str()),
                    ("CREDENCE_ADMIN_KEY", admin.as_str()),
                    ("CREDENCE_MASTER_KEY", master.as_str()),
                    ("CREDENCE_KEYS_DIR", &keys_dir),
                ],
            )
        })
        .collect();
    let addrs: Vec<String> = std::iter::once(addr.clone()).chain(others.iter().map(|s| s.addr.clone())).collect();

    let key = support::organization_with_achievement(&addr, &admin);

    if std::env::var("LOAD_MODE").as_deref() == Ok("csv") {
        return csv_import(&rt, &mut server, &addr, &key, &database_url, &backend, count, max_secs, &bin);
    }

    println!(
        "issue_load: {backend}, {count} results from {clients} clients (limit {max_secs} s), {} instance(s), \
         server pid {}, binary {bin}",
        addrs.len(),
        server.pid()
    );
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(max_secs);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let addr = addrs[c % addrs.len()].clone();
            let (next, done, failed, stop, key) =
                (next.clone(), done.clone(), failed.clone(), stop.clone(), key.clone());
            std::thread::spawn(move || {
                let mut conn = http1::Conn::new(&addr);
                let mut latencies: Vec<u32> = Vec::with_capacity((count as usize / clients.max(1)) + 16);
                let auth = format!("Bearer {key}");
                let keyed = std::env::var("LOAD_IDEMPOTENCY").is_ok_and(|v| v == "1");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
                        break;
                    }
                    let body = support::completing_result(i);
                    let t = Instant::now();
                    let idempotency_key = format!("load-{i}");
                    let mut headers = vec![("Authorization", auth.as_str())];
                    if keyed {
                        headers.push(("Idempotency-Key", idempotency_key.as_str()));
                    }
                    let reply = conn.request("POST", "/api/v1/organizations/load/results", &headers, Some(&body));
                    latencies.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    match reply {
                        Ok(r) if r.status == 200 && r.body.contains(r#""state":"issued""#) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => {
                            if failed.fetch_add(1, Ordering::Relaxed) < 5 {
                                eprintln!("request {i}: {} {}", r.status, r.body.chars().take(300).collect::<String>());
                            }
                        }
                        Err(e) => {
                            if failed.fetch_add(1, Ordering::Relaxed) < 5 {
                                eprintln!("request {i}: {e}");
                            }
                        }
                    }
                }
                latencies
            })
        })
        .collect();

    // Memory as the number of issued credentials grows, and progress.
    let mut rss_marks: Vec<(u64, u64)> = Vec::new();
    let mut pending: Vec<u64> = rss_at.clone();
    let mut last_report = Instant::now();
    while workers.iter().any(|w| !w.is_finished()) {
        std::thread::sleep(Duration::from_millis(50));
        let n = done.load(Ordering::Relaxed);
        while let Some(&mark) = pending.first() {
            if n < mark {
                break;
            }
            rss_marks.push((n, server.rss_kib().0));
            pending.remove(0);
        }
        if last_report.elapsed() >= Duration::from_secs(10) {
            last_report = Instant::now();
            let s = started.elapsed().as_secs_f64();
            eprintln!("  {n} issued in {s:.0} s ({:.0}/s), RSS {} MiB", n as f64 / s, server.rss_kib().0 / 1024);
        }
        if failed.load(Ordering::Relaxed) > 100 {
            stop.store(true, Ordering::Relaxed);
        }
    }
    let elapsed = started.elapsed();
    let mut latencies: Vec<u32> = workers.into_iter().flat_map(|w| w.join().expect("worker")).collect();
    let (rss_end, rss_peak) = server.rss_kib();
    let issued = done.load(Ordering::Relaxed);
    let failures = failed.load(Ordering::Relaxed);

    // Durably stored: kill the servers (no shutdown), then count in the database.
    server.kill();
    for other in &mut others {
        other.kill();
    }
    let (stored, duplicate_indexes) = rt.block_on(count_stored(&database_url));

    latencies.sort_unstable();
    let pct = |p: f64| support::percentile_ms(&latencies, p);
    let rate = issued as f64 / elapsed.as_secs_f64();
    println!("issued {issued} (failed {failures}) in {:.2} s: {rate:.0} credentials/s", elapsed.as_secs_f64());
    println!("latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}", pct(0.50), pct(0.90), pct(0.99), pct(1.0));
    println!(
        "server RSS: start {:.1} MiB, end {:.1} MiB, peak {:.1} MiB",
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        rss_peak as f64 / 1024.0
    );
    for (n, kib) in &rss_marks {
        println!("server RSS at {n} issued: {:.1} MiB", *kib as f64 / 1024.0);
    }
    println!(
        "credentials in the database after SIGKILL: {stored}; status indexes handed out twice: {duplicate_indexes}"
    );
    println!(
        "| {backend} ×{} | {clients} | {issued} | {:.1} | {rate:.0} | {:.1} | {:.1} | {} |",
        addrs.len(),
        elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        rss_marks
            .iter()
            .map(|(n, k)| format!("{:.0} MiB @{}k", *k as f64 / 1024.0, n / 1000))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(failures, 0, "some requests failed");
    assert_eq!(stored as u64, issued, "every credential answered as issued is in the database");
    assert_eq!(duplicate_indexes, 0, "no status list index is handed out twice");
}

/// `LOAD_MODE=csv`: one CSV file of `count` rows (distinct learners, each row
/// completing the achievement) uploaded as a bulk job, polled until it completes.
/// The time runs from the start of the upload to the poll that sees the job done.
#[allow(clippy::too_many_arguments)]
fn csv_import(
    rt: &tokio::runtime::Runtime,
    server: &mut http1::Server,
    addr: &str,
    key: &str,
    database_url: &str,
    backend: &str,
    count: u64,
    max_secs: u64,
    bin: &str,
) {
    let mut csv = String::from("achievement,component,email,learner_name,completed\n");
    for i in 0..count {
        csv.push_str(&format!("attend,session,learner{i}@example.org,Apprenant·e {i},true\n"));
    }
    println!(
        "issue_load csv: {backend}, one file of {count} rows ({:.1} MiB), limit {max_secs} s, server pid {}, binary {bin}",
        csv.len() as f64 / 1048576.0,
        server.pid()
    );
    let auth = format!("Bearer {key}");
    let mut conn = http1::Conn::new(addr);
    let started = Instant::now();
    let r = conn
        .request(
            "POST",
            "/api/v1/organizations/load/bulk-jobs?name=load.csv",
            &[("Authorization", &auth), ("Content-Type", "text/csv; charset=utf-8")],
            Some(&csv),
        )
        .expect("upload answered");
    assert_eq!(r.status, 202, "upload: {}", r.body);
    let uploaded = started.elapsed();
    let job: serde_json::Value = r.json();
    let path = job["pollUrl"].as_str().and_then(|u| u.find("/api/").map(|i| u[i..].to_string())).expect("poll URL");
    let deadline = started + Duration::from_secs(max_secs);
    let mut peak_rss = 0;
    let mut rss_marks: Vec<(i64, u64)> = Vec::new();
    let final_view = loop {
        std::thread::sleep(Duration::from_millis(100));
        let view = conn.get(&path, Some(key)).json();
        let processed = view["processedRows"].as_i64().unwrap_or(0);
        let rss = server.rss_kib().0;
        peak_rss = peak_rss.max(rss);
        if rss_marks.last().is_none_or(|(n, _)| processed / 10_000 > n / 10_000) {
            rss_marks.push((processed, rss));
        }
        if view["status"] == "completed" || Instant::now() >= deadline {
            break view;
        }
    };
    let elapsed = started.elapsed();
    server.kill();
    let (stored, duplicate_indexes) = rt.block_on(count_stored(database_url));
    let issued = final_view["counts"]["issued"].as_i64().unwrap_or(0);
    let rate = issued as f64 / elapsed.as_secs_f64();
    println!("job {}: {}", final_view["status"], final_view["counts"]);
    println!(
        "upload answered in {:.2} s; {issued} rows issued in {:.2} s in all: {rate:.0} rows/s",
        uploaded.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    for (n, kib) in &rss_marks {
        println!("server RSS at {n} rows processed: {:.1} MiB", *kib as f64 / 1024.0);
    }
    println!(
        "credentials in the database after SIGKILL: {stored}; status indexes handed out twice: {duplicate_indexes}"
    );
    println!(
        "| {backend} | csv {count} rows | {issued} | {:.1} (upload {:.1}) | {rate:.0} | peak RSS {:.0} MiB |",
        elapsed.as_secs_f64(),
        uploaded.as_secs_f64(),
        peak_rss as f64 / 1024.0
    );
    assert_eq!(final_view["status"], "completed", "the job did not complete in {max_secs} s");
    assert_eq!(issued as u64, count, "every row issued");
    assert_eq!(stored, issued, "every credential the job reports is in the database");
    assert_eq!(duplicate_indexes, 0, "no status list index is handed out twice");
}

async fn count_stored(url: &str) -> (i64, i64) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.expect("open the database");
    let stored: i64 = sqlx::query("SELECT COUNT(*) AS n FROM credentials")
        .fetch_one(&mut conn)
        .await
        .expect("count")
        .try_get("n")
        .expect("n");
    let duplicates: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT organization_id, purpose, list_number, list_index FROM status_entries \
         GROUP BY organization_id, purpose, list_number, list_index HAVING COUNT(*) > 1) d",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count duplicates")
    .try_get("n")
    .expect("n");
    let _ = <sqlx::AnyConnection as sqlx::Connection>::close(conn).await;
    (stored, duplicates)
}
