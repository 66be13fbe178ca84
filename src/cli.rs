//! The command line: `serve`, `migrate`, `admin create-key`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{FileSettings, Overrides, Settings};
use crate::domain::api_key::{self, Role};
use crate::error::{AppError, AppResult};
use crate::http::{self, AppState};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(name = "credence", version, about = "Open Badges 3.0 issuance and verification service")]
pub struct Cli {
    /// TOML settings file (default: ./credence.toml when it exists).
    #[arg(long, global = true, env = "CREDENCE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (migrations run first).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Platform administration.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH or postgres://... [default: sqlite://data/credence.db]
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Public base URL put in documents [default: http://BIND]
    #[arg(long, env = "CREDENCE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Folder holding the master key [default: keys]
    #[arg(long, env = "CREDENCE_KEYS_DIR")]
    pub keys_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "CREDENCE_BIND")]
    pub bind: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Load the demo organizations, frameworks and achievements, and print a key to try them.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an API key for an organization and print it (once).
    CreateKey(CreateKeyArgs),
}

#[derive(Debug, Args)]
pub struct CreateKeyArgs {
    /// The organization's slug.
    #[arg(long)]
    pub org: String,
    /// The key's name, to recognise it in listings.
    #[arg(long, default_value = "created from the command line")]
    pub name: String,
    /// issuer-admin or issuer.
    #[arg(long, default_value = "issuer-admin", value_parser = ["issuer-admin", "issuer"])]
    pub role: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

fn settings(config: Option<&PathBuf>, bind: Option<String>, db: &DatabaseArgs) -> AppResult<Settings> {
    let file = FileSettings::load(config.map(|p| p.as_path()))?;
    let overrides = Overrides {
        bind,
        database_url: db.database_url.clone(),
        public_url: db.public_url.clone(),
        keys_dir: db.keys_dir.clone(),
    };
    Settings::resolve(overrides, file, std::env::var("CREDENCE_ADMIN_KEY").ok())
}

async fn open_store(settings: &Settings) -> AppResult<Store> {
    let store = Store::connect(&settings.database_url, &settings.public_url).await?;
    store.migrate().await?;
    Ok(store)
}

pub async fn run(cli: Cli) -> AppResult<()> {
    match cli.command {
        Command::Serve(args) => serve(cli.config.as_ref(), args).await,
        Command::Migrate(db) => {
            let s = settings(cli.config.as_ref(), None, &db)?;
            open_store(&s).await?;
            println!("migrations applied to {}", redact(&s.database_url));
            Ok(())
        }
        Command::Admin(AdminCommand::CreateKey(args)) => {
            let s = settings(cli.config.as_ref(), None, &args.database)?;
            let store = open_store(&s).await?;
            let org = store
                .organization_by_slug(&args.org)
                .await?
                .ok_or_else(|| AppError::invalid("org", format!("no organization '{}'", args.org)))?;
            let role = Role::parse(&args.role).unwrap_or(Role::Issuer);
            let created = store.create_api_key(Some(&org.id), &args.name, role).await?;
            println!("{}", created.key);
            eprintln!("API key {} ({}) for {}: shown once, keep it safe.", created.info.id, role.as_str(), org.slug);
            Ok(())
        }
    }
}

async fn serve(config: Option<&PathBuf>, args: ServeArgs) -> AppResult<()> {
    let s = settings(config, args.bind.clone(), &args.database)?;
    let store = open_store(&s).await?;
    if s.admin_key.is_none() {
        if let Some(created) = store.ensure_bootstrap_admin_key().await? {
            println!("Platform admin key (shown once, keep it safe): {}", created.key);
        }
    }
    if args.demo {
        let report = crate::demo::load(&store).await?;
        let emc = store
            .organization_by_slug("emc")
            .await?
            .ok_or_else(|| AppError::Internal("demo organization emc is missing".into()))?;
        let key = store.create_api_key(Some(&emc.id), "demo key", Role::IssuerAdmin).await?;
        println!(
            "Demo data loaded ({} organizations, {} frameworks, {} achievements new).",
            report.organizations_created, report.frameworks_created, report.achievements_created
        );
        println!("Issuer-admin key for emc: {}", key.key);
        println!("Try:");
        println!("  curl -H 'Authorization: Bearer {}' {}/api/v1/organizations/emc/achievements", key.key, s.public_url);
        println!("  curl {}/issuers/emc", s.public_url);
        println!("  curl {}/api/v1/frameworks/emc-supervisor", s.public_url);
    }
    let state = AppState {
        env_admin_key_hash: s.admin_key.as_deref().map(api_key::hash),
        store,
    };
    let app = http::router(state);
    let listener = tokio::net::TcpListener::bind(s.bind)
        .await
        .map_err(|e| AppError::invalid("bind", format!("cannot listen on {}: {e}", s.bind)))?;
    let local = listener.local_addr().map_err(|e| AppError::Internal(e.to_string()))?;
    println!("Credence listening on http://{local} (public URL {}, database {})", s.public_url, redact(&s.database_url));
    println!("API docs: http://{local}/docs");
    tracing::info!(%local, "listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| AppError::Internal(format!("server stopped: {e}")))?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Hides a password in a database URL before printing it.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
