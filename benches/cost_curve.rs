//! The cost curve: what one organization's requests cost as its stored credentials
//! grow. At each size the database is filled to that many credentials, the release
//! `credence serve` is started on it (caches cold), and this is measured through HTTP:
//!
//! - issuance: `CURVE_ISSUE` results (2,000) from 32 clients, each issuing to a new learner;
//! - verification by id: each credential just issued verified once, from 16 clients;
//! - a status list: the first GET of a full list (131,072 entries, 1% set) since the
//!   server started (the list is built and signed), then 200 conditional GETs (304);
//! - listings: 200 first pages of 100 credentials, then 50 pages one after the other
//!   (each through the `Link: rel="next"` of the one before), and a streamed CSV export
//!   of 20,000 rows;
//! - storage: the database's size divided by its credentials.
//!
//! Commands:
//!
//!     cargo bench --bench cost_curve                                   # SQLite: 10k, 100k
//!     CURVE_SIZES=10000,100000,1000000 cargo bench --bench cost_curve
//!     CURVE_DATABASE=postgres cargo bench --bench cost_curve          # fresh DB on 127.0.0.1:5432
//!
//! The credentials that fill the database are copies of one credential issued through
//! the API, with their own ids, learners, results, progress, claims and status entries
//! (1% revoked), written by the database itself (one `INSERT … SELECT` per table and
//! batch) so that reaching ten million takes minutes, not hours. Loopback only.

#[path = "../tests/it/http1/mod.rs"]
mod http1;
mod support;

use std::time::Instant;

use sqlx::Row;

const BIN: &str = env!("CARGO_BIN_EXE_credence");
/// Rows written per statement while filling.
const FILL_BATCH: i64 = 50_000;
/// Indexes per status list (the service's default).
const LIST_LENGTH: i64 = 131_072;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One size's figures.
struct Point {
    size: i64,
    issue_rate: f64,
    issue_p99: f64,
    verify_rate: f64,
    verify_p99: f64,
    list_first_ms: f64,
    list_cached_p99: f64,
    page_first_p99: f64,
    page_next_p99: f64,
    export_rows_per_s: f64,
    bytes_per_credential: f64,
}

fn main() {
    let sizes: Vec<i64> = std::env::var("CURVE_SIZES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let issue_count: u64 = env_or("CURVE_ISSUE", 2_000);
    let backend = std::env::var("CURVE_DATABASE").unwrap_or_else(|_| "sqlite".into());
    let bin = std::env::var("LOAD_BIN").unwrap_or_else(|_| BIN.to_string());
    let dir = tempfile::tempdir().expect("temp dir");
    let database = support::RunDatabase::fresh(&backend, dir.path());
    let admin = http1::random_admin_key();
    let master = http1::random_master_key_hex();
    let keys_dir = dir.path().join("keys").to_string_lossy().into_owned();
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("CREDENCE_ADMIN_KEY", admin.as_str()),
        ("CREDENCE_MASTER_KEY", master.as_str()),
        ("CREDENCE_KEYS_DIR", keys_dir.as_str()),
        // One client address sends everything: the public endpoints' limit is not measured.
        ("CREDENCE_RATE_LIMIT", "0"),
        ("RUST_LOG", "warn"),
    ];
    println!("cost_curve: {backend}, sizes {sizes:?}, {issue_count} issued per size, binary {bin}");

    // The credential every filler copies, issued through the API.
    let server = http1::Server::start(&bin, dir.path(), "setup", &env);
    let key = support::organization_with_achievement(&server.addr, &admin);
    let mut c = http1::Conn::new(&server.addr);
    let r = c.post("/api/v1/organizations/load/results", &key, &serde_json::json!({"achievement": "attend", "component": "session", "completed": true, "learner": {"email": "seed@example.org"}}), &[]);
    assert_eq!(r.status, 200, "seed credential: {}", r.body);
    let seed = r.json()["credential"]["id"].as_str().expect("credential id").to_string();
    drop(c);
    drop(server);

    let mut points = Vec::new();
    let mut issued_before = 0u64;
    // A full list the fills made (list 0 until the first fill).
    let mut full_list = 0;
    for &size in &sizes {
        let stored = support::block_on(count(&database.url));
        if stored < size {
            let t = Instant::now();
            full_list = support::block_on(fill(&database.url, &backend, &seed, stored, size));
            println!("  filled {stored} → {size} credentials in {:.0} s", t.elapsed().as_secs_f64());
        }
        let server = http1::Server::start(&bin, dir.path(), &format!("at-{size}"), &env);
        let point =
            measure(&server.addr, &key, &admin, full_list, size, issued_before, issue_count, &database.url, &backend);
        issued_before += issue_count;
        drop(server);
        println!(
            "  {size}: issue {:.0}/s (p99 {:.1} ms), verify {:.0}/s (p99 {:.1} ms), list first {:.1} ms / cached p99 {:.1} ms, \
             page first p99 {:.1} ms / next p99 {:.1} ms, export {:.0} rows/s, {:.0} bytes per credential",
            point.issue_rate,
            point.issue_p99,
            point.verify_rate,
            point.verify_p99,
            point.list_first_ms,
            point.list_cached_p99,
            point.page_first_p99,
            point.page_next_p99,
            point.export_rows_per_s,
            point.bytes_per_credential
        );
        points.push(point);
    }

    println!(
        "\n| {backend} stored | issued/s | issue p99 ms | verified/s | verify p99 ms | list built ms | list 304 p99 ms | first page p99 ms | next page p99 ms | export rows/s | bytes/credential |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for p in &points {
        println!(
            "| {} | {:.0} | {:.1} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} |",
            p.size,
            p.issue_rate,
            p.issue_p99,
            p.verify_rate,
            p.verify_p99,
            p.list_first_ms,
            p.list_cached_p99,
            p.page_first_p99,
            p.page_next_p99,
            p.export_rows_per_s,
            p.bytes_per_credential
        );
    }
    if let Some(base) = points.first() {
        println!("\nAgainst {} stored (same run; rates: higher is better, times: lower is better):", base.size);
        for p in &points[1..] {
            println!(
                "  {}: issue ×{:.2}, verify ×{:.2}, list built ×{:.2}, first page ×{:.2}, next page ×{:.2}, export ×{:.2}",
                p.size,
                p.issue_rate / base.issue_rate,
                p.verify_rate / base.verify_rate,
                p.list_first_ms / base.list_first_ms,
                p.page_first_p99 / base.page_first_p99,
                p.page_next_p99 / base.page_next_p99,
                p.export_rows_per_s / base.export_rows_per_s
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn measure(
    addr: &str,
    key: &str,
    admin: &str,
    full_list: i64,
    size: i64,
    issued_before: u64,
    to_issue: u64,
    url: &str,
    backend: &str,
) -> Point {
    let auth = format!("Bearer {key}");
    // Issuance, to learners never seen before.
    let a = auth.clone();
    let issued = support::drive(
        addr,
        32,
        to_issue,
        move |i| {
            let body = support::completing_result(issued_before + i);
            ("POST", "/api/v1/organizations/load/results".into(), vec![("Authorization", a.clone())], Some(body))
        },
        |r| {
            let id = r.json()["credential"]["id"].as_str().map(str::to_string);
            id.filter(|_| r.status == 200)
        },
    );
    assert_eq!(issued.failed, 0, "issuing failed");
    let ids: Vec<String> = issued.kept.iter().map(|(_, id)| id.clone()).collect();

    // Verification of each, by id.
    let by_id = ids.clone();
    let verified = support::drive(
        addr,
        16,
        by_id.len() as u64,
        move |i| {
            let body = serde_json::json!({"id": by_id[i as usize]}).to_string();
            ("POST", "/api/v1/verify".into(), vec![("Content-Type", "application/json".into())], Some(body))
        },
        |r| (r.status == 200 && r.json()["result"] == "valid").then(String::new),
    );
    assert_eq!(verified.failed, 0, "verifications failed or were not valid");

    // A revocation (it changes its own list), then the first GET of a full list of
    // 131,072 entries (1% set) since the server started: built from the database and
    // signed. Then conditional GETs, answered from the signed copy.
    let mut c = http1::Conn::new(addr);
    let r = c.post(
        &format!("/api/v1/organizations/load/credentials/{}/revoke", ids[0]),
        admin,
        &serde_json::json!({"reason": "cost curve"}),
        &[],
    );
    assert_eq!(r.status, 200, "revoke: {}", r.body);
    let list_path = match full_list {
        0 => "/status/load/revocation".to_string(),
        n => format!("/status/load/revocation/{n}"),
    };
    let t = Instant::now();
    let r = c.get(&list_path, None);
    let list_first_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(r.status, 200, "status list: {}", r.body);
    let etag = r.header("etag").expect("an ETag").to_string();
    let cached = support::drive(
        addr,
        8,
        200,
        move |_| ("GET", list_path.clone(), vec![("If-None-Match", etag.clone())], None),
        |r| (r.status == 304).then(String::new),
    );
    assert_eq!(cached.failed, 0, "conditional GETs of the status list");

    // Listings: the first page, and pages in the middle.
    let a = auth.clone();
    let first = support::drive(
        addr,
        8,
        200,
        move |_| {
            ("GET", "/api/v1/organizations/load/credentials?limit=100".into(), vec![("Authorization", a.clone())], None)
        },
        |r| (r.status == 200).then(String::new),
    );
    assert_eq!(first.failed, 0, "first pages");
    // 50 pages one after the other, each through the `Link: <…>; rel="next"` of the one
    // before (keyset: a page costs the same however deep it is).
    let mut next_pages = Vec::new();
    let mut path = "/api/v1/organizations/load/credentials?limit=100".to_string();
    for _ in 0..50 {
        let t = Instant::now();
        let r = c.get(&path, Some(key));
        next_pages.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
        assert_eq!(r.status, 200, "listing page: {}", r.body);
        let Some(next) = next_link(&r) else { break };
        path = next;
    }
    next_pages.sort_unstable();

    // A CSV export, streamed: rows per second.
    let t = Instant::now();
    let r = c.get("/api/v1/organizations/load/credentials?format=csv&limit=20000", Some(key));
    assert_eq!(r.status, 200, "export: {}", r.body);
    let exported = r.body.lines().count().saturating_sub(1);
    let export_rows_per_s = exported as f64 / t.elapsed().as_secs_f64();

    let stored = support::block_on(count(url));
    let bytes = support::block_on(database_bytes(url, backend));
    Point {
        size,
        issue_rate: issued.rate(),
        issue_p99: support::percentile_ms(&issued.latencies, 0.99),
        verify_rate: verified.rate(),
        verify_p99: support::percentile_ms(&verified.latencies, 0.99),
        list_first_ms,
        list_cached_p99: support::percentile_ms(&cached.latencies, 0.99),
        page_first_p99: support::percentile_ms(&first.latencies, 0.99),
        page_next_p99: support::percentile_ms(&next_pages, 0.99),
        export_rows_per_s,
        bytes_per_credential: bytes as f64 / stored.max(1) as f64,
    }
}

/// The path of a listing's next page, from its `Link: <URL>; rel="next"` header.
fn next_link(r: &http1::Reply) -> Option<String> {
    let link = r.header("link")?;
    let url = link.split(';').next()?.trim().trim_start_matches('<').trim_end_matches('>');
    let path = url.find("/api/").map(|i| &url[i..])?;
    link.contains("rel=\"next\"").then(|| path.to_string())
}

async fn connect(url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.expect("open the database")
}

async fn count(url: &str) -> i64 {
    let mut conn = connect(url).await;
    sqlx::query("SELECT COUNT(*) AS n FROM credentials").fetch_one(&mut conn).await.expect("count").get("n")
}

/// The size of the database: SQLite's pages after a checkpoint, PostgreSQL's database.
async fn database_bytes(url: &str, backend: &str) -> i64 {
    let mut conn = connect(url).await;
    if backend == "postgres" {
        return sqlx::query("SELECT pg_database_size(current_database()) AS n")
            .fetch_one(&mut conn)
            .await
            .expect("database size")
            .get("n");
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.expect("checkpoint");
    sqlx::query("SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()")
        .fetch_one(&mut conn)
        .await
        .expect("page count")
        .get("n")
}

/// A table to fill: its name, the column naming the seed's rows, the seed's value in
/// it, and the columns each copy changes with their SQL expressions.
type Filled<'a> = (&'a str, &'a str, &'a str, Vec<(&'a str, String)>);

/// The columns of `table`, in order.
async fn columns(conn: &mut sqlx::AnyConnection, backend: &str, table: &str) -> Vec<String> {
    let sql = match backend {
        "postgres" => format!(
            "SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position"
        ),
        _ => format!("SELECT name FROM pragma_table_info('{table}')"),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .expect("columns")
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

/// Fills the database from `from` to `to` credentials: the seed credential's rows in
/// every table copied with new ids (`n.i` numbers each copy). Returns the number of the
/// first (full) status list it made.
async fn fill(url: &str, backend: &str, seed: &str, from: i64, to: i64) -> i64 {
    let mut conn = connect(url).await;
    let base: i64 = sqlx::query("SELECT COALESCE(MAX(list_number), 0) + 1 AS n FROM status_entries")
        .fetch_one(&mut conn)
        .await
        .expect("newest list")
        .get("n");
    let learner: String = sqlx::query("SELECT learner_id FROM credentials WHERE id = $1")
        .bind(seed)
        .fetch_one(&mut conn)
        .await
        .expect("the seed credential")
        .get("learner_id");
    let learner_of = "'fill-l' || n.i";
    let credential_of = "'fill-c' || n.i";
    // Each table, the column naming the seed's rows, and the columns each copy changes.
    let tables: [Filled; 6] = [
        (
            "learners",
            "id",
            &learner,
            vec![
                ("id", learner_of.into()),
                ("email", "'fill' || n.i || '@example.org'".into()),
                ("external_id", "NULL".into()),
            ],
        ),
        (
            "assessment_results",
            "learner_id",
            &learner,
            vec![("id", "'fill-r' || n.i".into()), ("learner_id", learner_of.into()), ("dedup_key", "NULL".into())],
        ),
        ("learner_progress", "learner_id", &learner, vec![("learner_id", learner_of.into())]),
        (
            "credentials",
            "id",
            seed,
            vec![
                ("id", credential_of.into()),
                ("learner_id", learner_of.into()),
                // 1% revoked: what a status list is built from.
                ("revoked_at", "CASE WHEN n.i % 100 = 0 THEN '2026-01-01T00:00:00.000Z' ELSE NULL END".into()),
            ],
        ),
        (
            "status_entries",
            "credential_id",
            seed,
            vec![
                ("credential_id", credential_of.into()),
                // Whole lists after every list there is: issuance goes on in the last one
                // or after it, and the next fill starts after that.
                ("list_number", format!("{base} + (n.i - {from}) / {LIST_LENGTH}")),
                ("list_index", format!("(n.i - {from}) % {LIST_LENGTH}")),
                ("is_set", "CASE WHEN s.purpose = 'revocation' AND n.i % 100 = 0 THEN 1 ELSE 0 END".into()),
            ],
        ),
        (
            "credential_claims",
            "credential_id",
            seed,
            vec![("credential_id", credential_of.into()), ("token_hash", "'fill-t' || n.i".into())],
        ),
    ];
    let mut statements = Vec::new();
    for (table, key, _, changes) in &tables {
        let cols = columns(&mut conn, backend, table).await;
        assert!(!cols.is_empty(), "table {table} has no columns");
        for (changed, _) in changes {
            assert!(cols.iter().any(|c| c == changed), "{table} has no column {changed}");
        }
        let values: Vec<String> = cols
            .iter()
            .map(|c| changes.iter().find(|(name, _)| name == c).map_or(format!("s.{c}"), |(_, e)| e.clone()))
            .collect();
        statements.push(format!(
            "WITH RECURSIVE n(i) AS (SELECT CAST($1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2) \
             INSERT INTO {table} ({}) SELECT {} FROM n CROSS JOIN {table} s WHERE s.{key} = $3",
            cols.join(", "),
            values.join(", ")
        ));
    }
    let mut start = from;
    while start < to {
        let end = (start + FILL_BATCH).min(to);
        let mut tx = <sqlx::AnyConnection as sqlx::Connection>::begin(&mut conn).await.expect("begin");
        for (sql, (_, _, seed_key, _)) in statements.iter().zip(&tables) {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(start)
                .bind(end)
                .bind(*seed_key)
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        tx.commit().await.expect("commit");
        start = end;
    }
    if backend == "postgres" {
        sqlx::query("ANALYZE").execute(&mut conn).await.expect("analyze");
    }
    base
}
