//! What the HTTP benchmarks share (through `#[path]`): a fresh database for one run,
//! the organization, key and achievement they issue, latency percentiles, and a pool
//! of keep-alive clients sending numbered requests.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::http1;

/// The database of one run: a SQLite file in a temporary folder, or a PostgreSQL
/// database created next to `LOAD_PG_URL` and dropped (forcibly) when this is dropped.
pub struct RunDatabase {
    pub url: String,
    pub backend: String,
    pg: Option<(String, String)>,
}

impl RunDatabase {
    /// `backend` is `sqlite` or `postgres`; `dir` holds the SQLite file.
    pub fn fresh(backend: &str, dir: &std::path::Path) -> RunDatabase {
        match backend {
            "postgres" => {
                let base = std::env::var("LOAD_PG_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("credence_load_{}", uuid::Uuid::new_v4().simple());
                block_on(admin_sql(&base, &format!("CREATE DATABASE \"{name}\"")));
                let url = format!("{}/{name}", &base[..base.rfind('/').expect("URL has a path")]);
                RunDatabase { url, backend: backend.into(), pg: Some((base, name)) }
            }
            "sqlite" => RunDatabase {
                url: format!("sqlite://{}/credence.db", dir.display()),
                backend: backend.into(),
                pg: None,
            },
            other => panic!("the database must be sqlite or postgres, not {other}"),
        }
    }
}

impl Drop for RunDatabase {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg {
            block_on(admin_sql(base, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")));
        }
    }
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

pub async fn admin_sql(base: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(base).await.expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.expect(sql);
}

/// Creates organization `load`, an issuer key (returned) and achievement `attend`,
/// whose rule is one completed component `session`.
pub fn organization_with_achievement(addr: &str, admin: &str) -> String {
    let mut c = http1::Conn::new(addr);
    let r = c.post(
        "/api/v1/organizations",
        admin,
        &json!({"slug": "load", "name": "Load College", "kind": "college"}),
        &[],
    );
    assert_eq!(r.status, 201, "create organization: {}", r.body);
    let r = c.post("/api/v1/organizations/load/api-keys", admin, &json!({"name": "load", "role": "issuer"}), &[]);
    assert_eq!(r.status, 201, "create key: {}", r.body);
    let key = r.json()["key"].as_str().expect("key").to_string();
    let achievement = json!({
        "slug": "attend", "name": "Attendance", "description": "Attended the session.",
        "criteria": {"narrative": "Attend the session."}, "achievementType": "Badge", "tier": "badge",
        "language": "en", "rule": {"allOf": [{"component": "session", "completed": true}]}
    });
    let r = c.post("/api/v1/organizations/load/achievements", admin, &achievement, &[]);
    assert_eq!(r.status, 201, "create achievement: {}", r.body);
    key
}

/// The body of a result that completes `attend` for learner `i` (a new learner each `i`).
pub fn completing_result(i: u64) -> String {
    format!(
        r#"{{"achievement":"attend","component":"session","completed":true,"learner":{{"email":"learner{i}@example.org","name":"Learner {i}"}}}}"#
    )
}

/// The `p` quantile (0 to 1) of latencies in microseconds, sorted, in milliseconds.
pub fn percentile_ms(sorted_micros: &[u32], p: f64) -> f64 {
    if sorted_micros.is_empty() {
        return 0.0;
    }
    let i = ((sorted_micros.len() as f64 * p).ceil() as usize).clamp(1, sorted_micros.len()) - 1;
    f64::from(sorted_micros[i]) / 1000.0
}

/// What a run of [`drive`] measured.
pub struct Driven {
    pub elapsed: Duration,
    /// Sorted, in microseconds.
    pub latencies: Vec<u32>,
    pub ok: u64,
    pub failed: u64,
    /// What `request` returned for each successful reply, by request number.
    pub kept: Vec<(u64, String)>,
}

impl Driven {
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// A request of [`drive`]: method, path, headers and body.
pub type Request = (&'static str, String, Vec<(&'static str, String)>, Option<String>);

/// Sends requests 0..count from `clients` keep-alive connections; `request(i)` makes
/// request i, `ok(reply)` says whether it succeeded and what to keep of it.
pub fn drive(
    addr: &str,
    clients: usize,
    count: u64,
    request: impl Fn(u64) -> Request + Send + Sync + 'static,
    ok: impl Fn(&http1::Reply) -> Option<String> + Send + Sync + 'static,
) -> Driven {
    let next = Arc::new(AtomicU64::new(0));
    let (request, ok) = (Arc::new(request), Arc::new(ok));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (next, addr, request, ok) = (next.clone(), addr.to_string(), request.clone(), ok.clone());
            std::thread::spawn(move || {
                let mut conn = http1::Conn::new(&addr);
                let (mut latencies, mut kept, mut failed) = (Vec::new(), Vec::new(), 0u64);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let (method, path, headers, body) = request(i);
                    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let t = Instant::now();
                    let reply = conn.request(method, &path, &headers, body.as_deref());
                    latencies.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    match reply.as_ref().ok().and_then(|r| ok(r)) {
                        Some(k) => kept.push((i, k)),
                        None => {
                            failed += 1;
                            if failed <= 3 {
                                match &reply {
                                    Ok(r) => eprintln!("{method} {path}: {} {:.300}", r.status, r.body),
                                    Err(e) => eprintln!("{method} {path}: {e}"),
                                }
                            }
                        }
                    }
                }
                (latencies, kept, failed)
            })
        })
        .collect();
    let (mut latencies, mut kept, mut failed) = (Vec::new(), Vec::new(), 0);
    for w in workers {
        let (l, k, f) = w.join().expect("client");
        latencies.extend(l);
        kept.extend(k);
        failed += f;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    kept.sort();
    Driven { elapsed, ok: kept.len() as u64, latencies, failed, kept }
}
