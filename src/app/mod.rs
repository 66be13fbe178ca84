//! The application: its state and the use cases both adapters (`api` for JSON, `web` for
//! pages) call. Nothing here knows about routes or content types.

pub mod editions;
pub mod operations;
pub mod organizations;
pub mod staff;
pub mod status_lists;

use std::sync::Arc;

use crate::http::rate_limit;
use crate::store::Store;
use credence_core::sealed_key::MasterKey;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Seals and opens the organizations' signing keys.
    pub master_key: Arc<MasterKey>,
    /// SHA-256 of the admin key given by environment, if any.
    pub env_admin_key_hash: Option<String>,
    /// Signed status list credentials, by organization and purpose, with the list
    /// version they were built from (a cache: the database holds the truth).
    pub status_lists: Arc<status_lists::StatusLists>,
    /// Runs verifications off the async runtime, a bounded number at once.
    pub verifier: Arc<crate::verification::Verifier>,
    /// Limits public verification and sign-off requests per client address; `None`: no limit.
    pub rate_limiter: Option<Arc<rate_limit::RateLimiter>>,
    /// Readiness, metrics access and shutdown (`/readyz`, `/metrics`).
    pub operations: Arc<operations::Operations>,
}

impl AppState {
    pub fn new(store: Store, master_key: MasterKey, env_admin_key_hash: Option<String>) -> Self {
        AppState {
            store,
            master_key: Arc::new(master_key),
            env_admin_key_hash,
            status_lists: Arc::default(),
            verifier: Arc::new(crate::verification::Verifier::new(verifier_threads())),
            rate_limiter: None,
            operations: Arc::default(),
        }
    }

    /// `/metrics` asks for `Authorization: Bearer <token>` when `token` is given.
    pub fn with_metrics_token(mut self, token: Option<&str>) -> Self {
        self.operations = Arc::new(operations::Operations::with_metrics_token(token));
        self
    }

    /// Outbound fetches of verification (key documents, status lists, evidence) follow `policy`.
    pub fn with_fetch_policy(mut self, policy: crate::fetch::FetchPolicy) -> Self {
        self.verifier = Arc::new(crate::verification::Verifier::with_fetch_policy(verifier_threads(), policy));
        self
    }

    /// Limits public verification and sign-off requests to `per_second` per client (0: no limit).
    pub fn with_rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limiter = rate_limit::RateLimiter::new(per_second);
        self
    }
}

/// Verifications run at once on blocking threads: twice the cores.
fn verifier_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get() * 2).unwrap_or(4)
}
