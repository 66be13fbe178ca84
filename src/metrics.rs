//! The process's Prometheus metrics: a small registry of atomic counters and
//! histograms, written as the text exposition format 0.0.4 by `GET /metrics`
//! (`api::operations`).
//!
//! Every label value is chosen by the service, never taken from a request: routes are
//! axum's route templates (`/credentials/{id}`, or `unmatched` for any path no route
//! matches), methods are the standard ones (others are `other`), statuses are the ones
//! the service answers with, and the outcomes are fixed lists. So no client can grow
//! the number of series, and no series names a learner, a credential or a secret.
//!
//! One registry per process ([`global`]): the counting points (the HTTP layer,
//! `store::unit` after a commit, the verifier, the fetcher) are far apart, and a
//! process has one `/metrics`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

/// The route label of a request that no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Upper bounds of the request latency buckets, in seconds.
pub const LATENCY_BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// What one verification came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationOutcome {
    Valid,
    Invalid,
    Indeterminate,
    /// The request was refused (not a credential, too large, bad field ...).
    Refused,
    /// The service failed (database, internal error).
    Error,
}

impl VerificationOutcome {
    const ALL: [VerificationOutcome; 5] = [
        VerificationOutcome::Valid,
        VerificationOutcome::Invalid,
        VerificationOutcome::Indeterminate,
        VerificationOutcome::Refused,
        VerificationOutcome::Error,
    ];

    fn label(self) -> &'static str {
        match self {
            VerificationOutcome::Valid => "valid",
            VerificationOutcome::Invalid => "invalid",
            VerificationOutcome::Indeterminate => "indeterminate",
            VerificationOutcome::Refused => "refused",
            VerificationOutcome::Error => "error",
        }
    }
}

/// What one outbound fetch (`fetch.rs`) came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchOutcome {
    Ok,
    /// Refused before connecting: not https, a loopback name, a private or reserved address.
    Refused,
    Timeout,
    /// The answer was larger than the limit.
    TooLarge,
    /// The server answered with a redirect or an error status.
    HttpStatus,
    /// Resolution, connection, TLS or the exchange failed, or the answer was unreadable.
    Error,
}

impl FetchOutcome {
    const ALL: [FetchOutcome; 6] = [
        FetchOutcome::Ok,
        FetchOutcome::Refused,
        FetchOutcome::Timeout,
        FetchOutcome::TooLarge,
        FetchOutcome::HttpStatus,
        FetchOutcome::Error,
    ];

    fn label(self) -> &'static str {
        match self {
            FetchOutcome::Ok => "ok",
            FetchOutcome::Refused => "refused",
            FetchOutcome::Timeout => "timeout",
            FetchOutcome::TooLarge => "too_large",
            FetchOutcome::HttpStatus => "http_status",
            FetchOutcome::Error => "error",
        }
    }
}

/// The method label: the standard methods by name, anything else as `other`.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method as M;
    match *method {
        M::GET => "GET",
        M::HEAD => "HEAD",
        M::POST => "POST",
        M::PUT => "PUT",
        M::PATCH => "PATCH",
        M::DELETE => "DELETE",
        M::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The requests of one method and route.
#[derive(Default)]
struct RouteSeries {
    /// Requests by status code.
    statuses: Mutex<BTreeMap<u16, u64>>,
    /// Requests at or under each bucket's bound (not cumulative here; summed when written).
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    /// Requests over the last bound.
    over: AtomicU64,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

/// What is read from the database and the pool when `/metrics` is asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Bulk rows still to process, in queued or running jobs.
    pub bulk_rows_pending: i64,
    /// Bulk jobs queued or running.
    pub bulk_jobs_active: i64,
    /// Connections the pool holds now.
    pub pool_connections: u32,
    /// Of those, idle.
    pub pool_idle: u32,
    /// The most the pool opens.
    pub pool_max: u32,
}

/// The registry.
#[derive(Default)]
pub struct Metrics {
    routes: RwLock<HashMap<(&'static str, String), Arc<RouteSeries>>>,
    credentials_issued: AtomicU64,
    verifications: [AtomicU64; VerificationOutcome::ALL.len()],
    fetches: [AtomicU64; FetchOutcome::ALL.len()],
}

/// The process's registry.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

impl Metrics {
    /// Counts one answered request. `route` is a route template (or [`UNMATCHED_ROUTE`]).
    pub fn request(&self, method: &'static str, route: &str, status: u16, took: Duration) {
        let series = self.series(method, route);
        if let Ok(mut statuses) = series.statuses.lock() {
            *statuses.entry(status).or_default() += 1;
        }
        let seconds = took.as_secs_f64();
        match LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound) {
            Some(i) => series.buckets[i].fetch_add(1, Ordering::Relaxed),
            None => series.over.fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        series.sum_micros.fetch_add(micros, Ordering::Relaxed);
        series.count.fetch_add(1, Ordering::Relaxed);
    }

    fn series(&self, method: &'static str, route: &str) -> Arc<RouteSeries> {
        let key = (method, route.to_string());
        if let Some(series) = self.routes.read().ok().and_then(|m| m.get(&key).cloned()) {
            return series;
        }
        match self.routes.write() {
            Ok(mut m) => m.entry(key).or_default().clone(),
            Err(_) => Arc::default(),
        }
    }

    /// Counts credentials written by a committed unit of work.
    pub fn credentials_issued(&self, n: u64) {
        self.credentials_issued.fetch_add(n, Ordering::Relaxed);
    }

    pub fn verification(&self, outcome: VerificationOutcome) {
        if let Some(i) = VerificationOutcome::ALL.iter().position(|o| *o == outcome) {
            self.verifications[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn fetch(&self, outcome: FetchOutcome) {
        if let Some(i) = FetchOutcome::ALL.iter().position(|o| *o == outcome) {
            self.fetches[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The text exposition format (version 0.0.4) of every metric, with `gauges`.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(8192);
        self.render_requests(&mut out);
        let _ = writeln!(out, "# HELP credence_credentials_issued_total Credentials issued (committed).");
        let _ = writeln!(out, "# TYPE credence_credentials_issued_total counter");
        let _ = writeln!(out, "credence_credentials_issued_total {}", self.credentials_issued.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP credence_verifications_total Verifications by result.");
        let _ = writeln!(out, "# TYPE credence_verifications_total counter");
        for (outcome, n) in VerificationOutcome::ALL.iter().zip(&self.verifications) {
            let _ = writeln!(
                out,
                "credence_verifications_total{{result=\"{}\"}} {}",
                outcome.label(),
                n.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(out, "# HELP credence_outbound_fetches_total Outbound fetches of verification by outcome.");
        let _ = writeln!(out, "# TYPE credence_outbound_fetches_total counter");
        for (outcome, n) in FetchOutcome::ALL.iter().zip(&self.fetches) {
            let _ = writeln!(
                out,
                "credence_outbound_fetches_total{{outcome=\"{}\"}} {}",
                outcome.label(),
                n.load(Ordering::Relaxed)
            );
        }
        let gauge = |out: &mut String, name: &str, help: &str, value: i64| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        };
        gauge(
            &mut out,
            "credence_bulk_rows_pending",
            "Bulk rows waiting to be processed in queued or running jobs.",
            gauges.bulk_rows_pending,
        );
        gauge(&mut out, "credence_bulk_jobs_active", "Bulk jobs queued or running.", gauges.bulk_jobs_active);
        let _ = writeln!(out, "# HELP credence_db_pool_connections Database pool connections by state.");
        let _ = writeln!(out, "# TYPE credence_db_pool_connections gauge");
        let in_use = gauges.pool_connections.saturating_sub(gauges.pool_idle);
        let _ = writeln!(out, "credence_db_pool_connections{{state=\"idle\"}} {}", gauges.pool_idle);
        let _ = writeln!(out, "credence_db_pool_connections{{state=\"in_use\"}} {in_use}");
        gauge(
            &mut out,
            "credence_db_pool_max_connections",
            "The most connections the database pool opens.",
            i64::from(gauges.pool_max),
        );
        out
    }

    fn render_requests(&self, out: &mut String) {
        let mut routes: Vec<((&'static str, String), Arc<RouteSeries>)> = match self.routes.read() {
            Ok(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Err(_) => Vec::new(),
        };
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        let _ =
            writeln!(out, "# HELP credence_http_requests_total HTTP requests by method, route template and status.");
        let _ = writeln!(out, "# TYPE credence_http_requests_total counter");
        for ((method, route), series) in &routes {
            let statuses = series.statuses.lock().map(|s| s.clone()).unwrap_or_default();
            for (status, n) in statuses {
                let _ = writeln!(
                    out,
                    "credence_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        let name = "credence_http_request_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time to answer an HTTP request (to its headers), by method and route.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for ((method, route), series) in &routes {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut cumulative = 0u64;
            for (bound, n) in LATENCY_BUCKETS.iter().zip(&series.buckets) {
                cumulative += n.load(Ordering::Relaxed);
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            cumulative += series.over.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {cumulative}");
            let sum = series.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
            let _ = writeln!(out, "{name}_count{{{labels}}} {cumulative}");
        }
    }
}

/// A label value as the text format writes it: backslash, double quote and line feed escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_counters_and_cumulative_buckets_in_the_text_format() {
        let m = Metrics::default();
        m.request("GET", "/credentials/{id}", 200, Duration::from_millis(3));
        m.request("GET", "/credentials/{id}", 404, Duration::from_secs(20));
        m.credentials_issued(2);
        m.verification(VerificationOutcome::Invalid);
        m.fetch(FetchOutcome::Refused);
        let text = m.render(&Gauges { pool_connections: 3, pool_idle: 1, pool_max: 8, ..Gauges::default() });
        assert!(
            text.contains("credence_http_requests_total{method=\"GET\",route=\"/credentials/{id}\",status=\"404\"} 1")
        );
        let labels = "method=\"GET\",route=\"/credentials/{id}\"";
        assert!(text.contains(&format!("credence_http_request_duration_seconds_bucket{{{labels},le=\"0.001\"}} 0")));
        assert!(text.contains(&format!("credence_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1")));
        assert!(text.contains(&format!("credence_http_request_duration_seconds_bucket{{{labels},le=\"10\"}} 1")));
        assert!(text.contains(&format!("credence_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 2")));
        assert!(text.contains(&format!("credence_http_request_duration_seconds_count{{{labels}}} 2")));
        assert!(text.contains("credence_credentials_issued_total 2"));
        assert!(text.contains("credence_verifications_total{result=\"invalid\"} 1"));
        assert!(text.contains("credence_outbound_fetches_total{outcome=\"refused\"} 1"));
        assert!(text.contains("credence_db_pool_connections{state=\"in_use\"} 2"));
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
