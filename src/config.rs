//! Settings, from flags, then environment (`CREDENCE_*`, `DATABASE_URL`), then an
//! optional TOML file, then defaults: the first that gives a value wins.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{AppError, AppResult};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/credence.db";
pub const DEFAULT_CONFIG_FILE: &str = "credence.toml";
/// Public verification and sign-off requests allowed per second per client address.
pub const DEFAULT_RATE_LIMIT: u32 = 20;
/// The longest `fetch-timeout` accepted, in seconds.
pub const MAX_FETCH_TIMEOUT_SECS: u64 = 60;
/// How long a shutdown waits for requests in flight and the bulk worker's batch, in seconds.
pub const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 25;
/// The longest `shutdown-grace` accepted, in seconds.
pub const MAX_SHUTDOWN_GRACE_SECS: u64 = 600;

/// Values from flags and environment; `None` where neither gave one.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub rate_limit: Option<u32>,
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub keys_dir: Option<PathBuf>,
    /// Seconds one outbound fetch of verification may take.
    pub fetch_timeout_secs: Option<u64>,
    /// Indexes handed out per status list.
    pub status_list_length: Option<u64>,
    /// Seconds a shutdown waits for requests in flight.
    pub shutdown_grace_secs: Option<u64>,
    /// The token `/metrics` asks for (from the environment only: it is a secret).
    pub metrics_token: Option<String>,
}

/// The optional TOML file. Secrets (the admin key, the master key) are not read
/// from it: they come from the environment or `keys/`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileSettings {
    pub rate_limit: Option<u32>,
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub keys_dir: Option<PathBuf>,
    /// Seconds one outbound fetch of verification may take.
    #[serde(rename = "fetch-timeout")]
    pub fetch_timeout_secs: Option<u64>,
    /// Indexes handed out per status list before the next list is opened.
    pub status_list_length: Option<u64>,
    /// Seconds a shutdown waits for requests in flight.
    #[serde(rename = "shutdown-grace")]
    pub shutdown_grace_secs: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Requests per second per client on the public verification and sign-off endpoints (0: no limit).
    pub rate_limit: u32,
    pub bind: SocketAddr,
    pub database_url: String,
    /// Base of every public URL the service puts in documents, without a trailing slash.
    pub public_url: String,
    pub keys_dir: PathBuf,
    /// How long one outbound fetch of verification (key document, status list, evidence) may take.
    pub fetch_timeout: std::time::Duration,
    /// A platform admin key given by environment (`CREDENCE_ADMIN_KEY`).
    pub admin_key: Option<String>,
    /// Indexes handed out per status list before the next list is opened.
    pub status_list_length: u64,
    /// How long a shutdown waits for requests in flight and the bulk worker's batch.
    pub shutdown_grace: std::time::Duration,
    /// The token `/metrics` asks for (`CREDENCE_METRICS_TOKEN`); `None`: open.
    pub metrics_token: Option<String>,
}

impl FileSettings {
    pub fn load(path: Option<&Path>) -> AppResult<FileSettings> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|e| AppError::invalid("config", format!("{}: {e}", path.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(FileSettings::default()),
            Err(e) => Err(AppError::invalid("config", format!("cannot read {}: {e}", path.display()))),
        }
    }
}

impl Settings {
    pub fn resolve(overrides: Overrides, file: FileSettings, admin_key: Option<String>) -> AppResult<Settings> {
        let bind_text = overrides.bind.or(file.bind).unwrap_or_else(|| DEFAULT_BIND.to_string());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            AppError::invalid("bind", format!("'{bind_text}' is not an address such as 127.0.0.1:8080"))
        })?;
        let database_url =
            overrides.database_url.or(file.database_url).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        crate::store::backend_of(&database_url)?;
        let public_url = overrides
            .public_url
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        if !crate::domain::validation::is_http_url(&public_url) {
            return Err(AppError::invalid("public-url", "must be an absolute http(s) URL"));
        }
        // Every id of every credential starts with it.
        credence_core::iri::check_iri(&public_url).map_err(|e| AppError::invalid("public-url", e.to_string()))?;
        let fetch_timeout = match overrides.fetch_timeout_secs.or(file.fetch_timeout_secs) {
            None => crate::fetch::DEFAULT_TIMEOUT,
            Some(secs) if (1..=MAX_FETCH_TIMEOUT_SECS).contains(&secs) => std::time::Duration::from_secs(secs),
            Some(_) => {
                return Err(AppError::invalid(
                    "fetch-timeout",
                    format!("must be 1 to {MAX_FETCH_TIMEOUT_SECS} seconds"),
                ));
            }
        };
        let status_list_length = overrides
            .status_list_length
            .or(file.status_list_length)
            .unwrap_or(crate::store::DEFAULT_STATUS_LIST_LENGTH);
        if !(1..=crate::store::MAX_STATUS_LIST_LENGTH).contains(&status_list_length) {
            return Err(AppError::invalid(
                "status-list-length",
                format!("must be 1 to {}", crate::store::MAX_STATUS_LIST_LENGTH),
            ));
        }
        let shutdown_grace = match overrides.shutdown_grace_secs.or(file.shutdown_grace_secs) {
            None => std::time::Duration::from_secs(DEFAULT_SHUTDOWN_GRACE_SECS),
            Some(secs) if secs <= MAX_SHUTDOWN_GRACE_SECS => std::time::Duration::from_secs(secs),
            Some(_) => {
                return Err(AppError::invalid(
                    "shutdown-grace",
                    format!("must be 0 to {MAX_SHUTDOWN_GRACE_SECS} seconds"),
                ));
            }
        };
        Ok(Settings {
            shutdown_grace,
            metrics_token: overrides.metrics_token.filter(|t| !t.trim().is_empty()),
            rate_limit: overrides.rate_limit.or(file.rate_limit).unwrap_or(DEFAULT_RATE_LIMIT),
            bind,
            database_url,
            public_url,
            keys_dir: overrides.keys_dir.or(file.keys_dir).unwrap_or_else(|| PathBuf::from("keys")),
            fetch_timeout,
            admin_key: admin_key.filter(|k| !k.trim().is_empty()),
            status_list_length,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_environment_win_over_the_file_which_wins_over_defaults() {
        let file = FileSettings {
            rate_limit: Some(5),
            bind: Some("127.0.0.1:9000".into()),
            database_url: Some("postgres://db/x".into()),
            public_url: None,
            keys_dir: None,
            fetch_timeout_secs: Some(9),
            status_list_length: Some(64),
            shutdown_grace_secs: Some(3),
        };
        let s = Settings::resolve(
            Overrides { database_url: Some("sqlite://a.db".into()), ..Default::default() },
            file,
            None,
        )
        .unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:9000");
        assert_eq!(s.database_url, "sqlite://a.db");
        assert_eq!(s.public_url, "http://127.0.0.1:9000");
        assert_eq!(s.rate_limit, 5);
        assert_eq!(s.fetch_timeout, std::time::Duration::from_secs(9));
        assert_eq!(s.status_list_length, 64);
        assert_eq!(s.shutdown_grace, std::time::Duration::from_secs(3));

        let d = Settings::resolve(Overrides::default(), FileSettings::default(), None).unwrap();
        assert_eq!(d.bind.to_string(), DEFAULT_BIND);
        assert_eq!(d.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(d.fetch_timeout, crate::fetch::DEFAULT_TIMEOUT);
    }

    #[test]
    fn rejects_bad_values() {
        let bad = |o: Overrides| Settings::resolve(o, FileSettings::default(), None).is_err();
        assert!(bad(Overrides { bind: Some("nonsense".into()), ..Default::default() }));
        assert!(bad(Overrides { database_url: Some("mysql://x".into()), ..Default::default() }));
        assert!(bad(Overrides { public_url: Some("example.org".into()), ..Default::default() }));
        assert!(bad(Overrides { fetch_timeout_secs: Some(0), ..Default::default() }));
        assert!(bad(Overrides { fetch_timeout_secs: Some(61), ..Default::default() }));
        assert!(bad(Overrides { status_list_length: Some(0), ..Default::default() }));
        assert!(bad(Overrides { status_list_length: Some(1 << 30), ..Default::default() }));
        assert!(bad(Overrides { shutdown_grace_secs: Some(601), ..Default::default() }));
        assert!(toml::from_str::<FileSettings>("metrics-token = 'x'").is_err());
        assert!(toml::from_str::<FileSettings>("admin-key = 'x'").is_err());
    }
}
