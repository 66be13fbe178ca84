//! What operators ask of a running instance: whether it is ready to take traffic
//! (`/readyz`), its metrics (`/metrics`) and whether it is shutting down.
//!
//! Both answers are bounded in cost whatever the request rate: readiness is one small
//! write at most every [`READINESS_KEPT`] (callers meanwhile wait for the write in
//! progress and share its result), and the bulk backlog is counted at most every
//! [`BACKLOG_KEPT`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::metrics::Gauges;
use crate::store::Store;

/// How long a readiness write may take before the instance is not ready.
pub const READINESS_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a readiness result is given to later callers.
pub const READINESS_KEPT: Duration = Duration::from_secs(1);
/// How long the counted bulk backlog is given to later scrapes.
pub const BACKLOG_KEPT: Duration = Duration::from_secs(5);
/// The name of the probe row `/readyz` writes.
pub const PROBE_NAME: &str = "readyz";

/// Why the instance is not ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReady {
    /// The database refused the write (full disk, read-only, unreachable).
    NotWritable,
    /// The write did not finish within [`READINESS_TIMEOUT`].
    TimedOut,
    /// The instance is shutting down (draining its requests).
    ShuttingDown,
}

impl NotReady {
    pub fn detail(self) -> &'static str {
        match self {
            NotReady::NotWritable => "the database does not take writes now",
            NotReady::TimedOut => "a write to the database did not finish in time",
            NotReady::ShuttingDown => "the instance is shutting down",
        }
    }
}

/// The last readiness result, and a probe write still running (one that outlived its
/// timeout: the next caller waits for it rather than starting another).
#[derive(Default)]
struct ReadinessState {
    last: Option<(Instant, Result<(), NotReady>)>,
    running: Option<tokio::task::JoinHandle<crate::error::AppResult<()>>>,
}

#[derive(Default)]
pub struct Operations {
    readiness: Mutex<ReadinessState>,
    backlog: Mutex<Option<(Instant, (i64, i64))>>,
    /// SHA-256 of the token `/metrics` asks for, when one is set.
    metrics_token_hash: Option<[u8; 32]>,
    draining: AtomicBool,
}

impl Operations {
    /// `/metrics` asks for `Authorization: Bearer <token>` when `token` is given.
    pub fn with_metrics_token(token: Option<&str>) -> Self {
        let metrics_token_hash = token.filter(|t| !t.is_empty()).map(|t| Sha256::digest(t.as_bytes()).into());
        Operations { metrics_token_hash, ..Operations::default() }
    }

    /// Whether a request with `authorization` (the header's value) may read the metrics.
    pub fn may_read_metrics(&self, authorization: Option<&[u8]>) -> bool {
        let Some(expected) = &self.metrics_token_hash else { return true };
        let Some(token) = authorization.and_then(|v| v.strip_prefix(b"Bearer ")) else { return false };
        let given: [u8; 32] = Sha256::digest(token).into();
        // Compared in full whatever differs first.
        given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    /// From now on the instance is not ready (it is shutting down).
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Ready when not shutting down and the database takes a write now.
    pub async fn ready(&self, store: &Store) -> Result<(), NotReady> {
        if self.draining.load(Ordering::SeqCst) {
            return Err(NotReady::ShuttingDown);
        }
        let mut state = self.readiness.lock().await;
        if let Some((at, result)) = state.last
            && at.elapsed() < READINESS_KEPT
        {
            return result;
        }
        // At most one probe write at a time, even when the database hangs.
        let mut probe = match state.running.take() {
            Some(running) => running,
            None => {
                let store = store.clone();
                tokio::spawn(async move { store.probe_write(PROBE_NAME).await })
            }
        };
        let result = match tokio::time::timeout(READINESS_TIMEOUT, &mut probe).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => {
                tracing::warn!(error = %e, "not ready: the database does not take writes");
                Err(NotReady::NotWritable)
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "not ready: the probe write did not finish");
                Err(NotReady::NotWritable)
            }
            Err(_) => {
                tracing::warn!("not ready: a write to the database did not finish in time");
                state.running = Some(probe);
                Err(NotReady::TimedOut)
            }
        };
        state.last = Some((Instant::now(), result));
        result
    }

    /// The gauges of `/metrics`: the pool's now, the bulk backlog as last counted.
    pub async fn gauges(&self, store: &Store) -> Gauges {
        let (bulk_jobs_active, bulk_rows_pending) = {
            let mut last = self.backlog.lock().await;
            match *last {
                Some((at, counted)) if at.elapsed() < BACKLOG_KEPT => counted,
                kept => match tokio::time::timeout(READINESS_TIMEOUT, store.bulk_backlog()).await {
                    Ok(Ok(counted)) => {
                        *last = Some((Instant::now(), counted));
                        counted
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "the bulk backlog could not be counted");
                        kept.map(|(_, c)| c).unwrap_or((-1, -1))
                    }
                    Err(_) => {
                        tracing::warn!("the bulk backlog was not counted in time");
                        kept.map(|(_, c)| c).unwrap_or((-1, -1))
                    }
                },
            }
        };
        Gauges {
            bulk_rows_pending,
            bulk_jobs_active,
            pool_connections: store.pool.size(),
            pool_idle: u32::try_from(store.pool.num_idle()).unwrap_or(u32::MAX),
            pool_max: store.pool.options().get_max_connections(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_token_is_asked_for_only_when_set() {
        assert!(Operations::default().may_read_metrics(None));
        let ops = Operations::with_metrics_token(Some("s3cret"));
        assert!(ops.may_read_metrics(Some(b"Bearer s3cret")));
        assert!(!ops.may_read_metrics(Some(b"Bearer s3cre")));
        assert!(!ops.may_read_metrics(Some(b"s3cret")));
        assert!(!ops.may_read_metrics(None));
    }
}
