//! Storage: SQLite or PostgreSQL through `sqlx::Any`, with one migration folder
//! per backend. Each concept has its own file of queries on [`Store`].
//!
//! The service keeps no state outside the database and its key material, so
//! several instances may share one PostgreSQL database.

mod achievements;
mod analytics;
mod api_keys;
mod audit;
mod backup;
mod bulk_jobs;
mod claims;
mod credentials;
mod frameworks;
mod keyset;
mod learners;
mod organizations;
mod outbox;
mod probes;
mod results;
mod rows;
mod signing_keys;
mod signoff_records;
mod sqlite_writer;
mod staff;
mod status_lists;
pub(crate) mod unit;
mod vc_api_credentials;
mod visitors;

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::error::{AppError, AppResult};

pub use achievements::AchievementUpdate;
pub use analytics::FunnelRow;
pub use api_keys::Caller;
pub use audit::{act_as, acting, acting_scope, audit_cursor};
pub use bulk_jobs::{BulkCounts, BulkJob, BulkRow, ClaimedRow, NewBulkRow, RowOutcome, stamp_after};
pub use claims::{BulkClaimLink, Claim, ClaimChoices, CredentialEvent};
pub use credentials::{
    CredentialFilter, Issuing, Signed, StatusChange, StoredCredential, Written, credential_cursor, credentials_cursor,
};
pub use keyset::Cursor;
pub use learners::{
    Learner, LearnerProgress, MAX_SEARCH_CHARS, MergedRecords, ProgressFilter, learner_search_cursor,
    learner_search_row_cursor, progress_cursor, progress_row_cursor,
};
pub use outbox::{OutboxMessage, outbox_cursor, outbox_written};
pub use results::{
    NewResult, NewSignoff, QueuedSignoff, ResultInsert, SignoffQueue, SignoffRequest, SignoffTicket,
    signoff_queue_cursor,
};
pub use signoff_records::SignoffRecord;
pub use staff::{Invitation, StaffAccount, StaffSession, TwoFactor};
pub use status_lists::{DEFAULT_STATUS_LIST_LENGTH, MAX_STATUS_LIST_LENGTH, StatusListId};
pub use unit::{IdempotencyKey, Once, StoredAnswer, Tx};
pub use vc_api_credentials::VcApiStatusChange;
pub use visitors::visiting;

use sqlite_writer::SqliteWriter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The public base URL, used to build the resolvable URLs stored objects carry.
    pub public_url: String,
    /// Counts of public events not yet written (see `Store::count_later`).
    pub pending_counts: std::sync::Arc<claims::PendingCounts>,
    /// On a SQLite file: the connection that runs issuance in group commits. Only
    /// `store` knows whether there is one (see [`Store::issuing`]).
    writer: Option<std::sync::Arc<SqliteWriter>>,
    /// Indexes handed out per status list (see `store::status_lists`).
    status_list_length: u64,
    /// Where status-list allocation starts (a hint; see `store::status_lists`).
    newest_status_lists: std::sync::Arc<status_lists::NewestLists>,
}

impl Store {
    /// Connects to `database_url`, creating a SQLite file (and its folder) if needed.
    pub async fn connect(database_url: &str, public_url: &str) -> AppResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(database_url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(database_url)?,
            Backend::Postgres => database_url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        // CREDENCE_DB_POOL_SIZE overrides the default pool size (for tuning and load tests).
        let max = std::env::var("CREDENCE_DB_POOL_SIZE")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            });
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        // The writer opens the file the pool has just created; the pool's first
        // connection has set WAL mode, which the file keeps.
        // CREDENCE_SQLITE_GROUP_COMMIT=off keeps issuance on the pool (to compare, or
        // to rule the writer out when looking for a fault).
        let group_commit = std::env::var("CREDENCE_SQLITE_GROUP_COMMIT").map_or(true, |v| v != "off");
        let writer = match (backend, sqlite_writer::file_of(&url)) {
            (Backend::Sqlite, Some(path)) if group_commit => Some(std::sync::Arc::new(SqliteWriter::start(&path)?)),
            _ => None,
        };
        Ok(Store {
            pool,
            backend,
            public_url: public_url.trim_end_matches('/').to_string(),
            pending_counts: Default::default(),
            writer,
            status_list_length: DEFAULT_STATUS_LIST_LENGTH,
            newest_status_lists: Default::default(),
        })
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> AppResult<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// Whether issuing calls on this store run one after the other (SQLite: the
    /// group-commit writer, or pool transactions that take the write lock at once),
    /// so that a request with a used `Idempotency-Key` always waits for its answer
    /// rather than being told to retry.
    pub fn issuing_is_serial(&self) -> bool {
        self.backend == Backend::Sqlite
    }

    /// Answers whether the database takes a query.
    pub async fn ping(&self) -> AppResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

pub fn backend_of(url: &str) -> AppResult<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(AppError::invalid("database-url", "must start with sqlite:// or postgres://"))
    }
}

/// Makes sure the SQLite file's folder exists and the file is created on first use: both
/// private to this user (folder 0700, file 0600 on Unix; SQLite gives the -wal and -shm files
/// the mode of the database file). Existing ones are left as they are.
fn prepare_sqlite_url(url: &str) -> AppResult<String> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let creates = !query.contains("mode=") || query.contains("mode=rwc");
    if path != ":memory:" && !path.is_empty() && creates {
        if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::keyring::create_private_dir(parent)
                .map_err(|e| AppError::Internal(format!("cannot create {}: {e}", parent.display())))?;
        }
        create_private_file(Path::new(path)).map_err(|e| AppError::Internal(format!("cannot create {path}: {e}")))?;
    }
    let mode = if query.contains("mode=") { String::new() } else { "mode=rwc".to_string() };
    let query = [query, mode.as_str()].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join("&");
    Ok(format!("sqlite://{path}?{query}"))
}

/// Creates an empty file readable and writable by this user only (0600 on Unix), unless it exists.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Now, as RFC 3339 UTC text with millisecond precision (sorts as text).
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    let millis = t.millisecond();
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    match t.format(&fmt) {
        Ok(s) => format!("{s}.{millis:03}Z"),
        Err(_) => String::from("1970-01-01T00:00:00.000Z"),
    }
}

/// A moment `d` ago, written as [`now`] writes times.
pub fn stamp_before(d: std::time::Duration) -> String {
    let t = time::OffsetDateTime::now_utc() - d;
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    match t.format(&fmt) {
        Ok(s) => format!("{s}.{:03}Z", t.millisecond()),
        Err(_) => String::from("1970-01-01T00:00:00.000Z"),
    }
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
