//! The command line: `serve`, `migrate`, `admin create-key`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::app::AppState;
use crate::config::{FileSettings, Overrides, Settings};
use crate::domain::api_key::{self, Role};
use crate::domain::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::keyring;
use crate::store::Store;
use credence_core::data_integrity::{self, Cryptosuite, ProofOptions};
use credence_core::sealed_key::MasterKey;
use credence_core::verify::OfflineResolver;

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
    /// Organizations' signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Sign and verify credentials offline.
    #[command(subcommand)]
    Credential(CredentialCommand),
    /// Bulk issuance from CSV files.
    #[command(subcommand)]
    Bulk(BulkCommand),
}

#[derive(Debug, Subcommand)]
pub enum BulkCommand {
    /// Import a CSV file of results as a bulk job and process it here, with a
    /// progress bar on standard error; exits 0 once the job completes (even with
    /// rejected rows), non-zero when the file itself is refused.
    #[command(after_help = crate::bulk::FORMAT_DESCRIPTION)]
    Import(BulkImportArgs),
}

#[derive(Debug, Args)]
pub struct BulkImportArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// The organization's slug.
    #[arg(long)]
    pub org: String,
    /// How many rejected rows to list in the summary.
    #[arg(long, default_value_t = 20)]
    pub show_rejected: i64,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List an organization's signing keys (public parts only).
    List(OrgArgs),
    /// Retire the current key and make a new one; old credentials keep verifying.
    Rotate(OrgArgs),
}

#[derive(Debug, Args)]
pub struct OrgArgs {
    /// The organization's slug.
    #[arg(long)]
    pub org: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum CredentialCommand {
    /// Add a Data Integrity proof to a credential and print the signed credential.
    Sign(SignArgs),
    /// Verify a credential (JSON, VC-JWT, or a baked PNG/SVG) and print a JSON report; exits 0 only when it verifies.
    Verify(VerifyArgs),
    /// Print the credential baked into an Open Badges PNG or SVG.
    Unbake(UnbakeArgs),
}

#[derive(Debug, Args)]
pub struct UnbakeArgs {
    /// The baked image (PNG or SVG).
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The Ed25519 secret seed, 64 hex digits.
    #[arg(long)]
    pub seed_hex: String,
    /// The verification method URL the proof names.
    #[arg(long)]
    pub verification_method: String,
    /// The proof's created time (RFC 3339) [default: now]
    #[arg(long)]
    pub created: Option<String>,
    #[arg(long, default_value = "eddsa-rdfc-2022", value_parser = ["eddsa-rdfc-2022", "eddsa-jcs-2022"])]
    pub cryptosuite: String,
    /// The unsigned credential: a file, or - for standard input.
    #[arg(default_value = "-")]
    pub file: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Resolve a verification method or controller document URL from a local file
    /// (a DID document or a Profile listing its keys): URL=FILE. Repeatable.
    #[arg(long, value_name = "URL=FILE")]
    pub resolve: Vec<String>,
    /// Check the validity window at this time (RFC 3339) instead of now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Also resolve the keys of issuers this service hosts, from its database
    /// (give the service's --public-url too when it is not the default).
    #[arg(long)]
    pub hosted: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The credential: a file, or - for standard input.
    #[arg(default_value = "-")]
    pub file: String,
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
    /// Indexes handed out per status list before the next list is opened; below
    /// 131072 (the specification's minimum) only for tests [default: 131072]
    #[arg(long, env = "CREDENCE_STATUS_LIST_LENGTH")]
    pub status_list_length: Option<u64>,
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
    /// Public verification and sign-off requests per second per client address; 0 for no limit [default: 20]
    #[arg(long, env = "CREDENCE_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Seconds one outbound fetch of verification (key document, status list, evidence) may take, 1 to 60 [default: 5]
    #[arg(long, env = "CREDENCE_FETCH_TIMEOUT")]
    pub fetch_timeout: Option<u64>,
    /// Seconds a shutdown (SIGTERM, SIGINT) waits for requests in flight and the bulk worker's batch, 0 to 600 [default: 25]
    #[arg(long, env = "CREDENCE_SHUTDOWN_GRACE")]
    pub shutdown_grace: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an API key for an organization and print it (once).
    CreateKey(CreateKeyArgs),
    /// Invite a staff member to an organization's issuer console; prints the link (once).
    Invite(InviteArgs),
    /// Copy the SQLite database to a new file, safely while the service runs.
    /// (PostgreSQL: pg_dump -Fc, see docs/OPERATIONS.md.) The master key is not in
    /// the database: keep a copy of it too.
    Backup(BackupArgs),
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The organization's slug.
    #[arg(long)]
    pub org: String,
    /// The staff member's email address.
    #[arg(long)]
    pub email: String,
    /// issuer-admin, issuer or viewer.
    #[arg(long, default_value = "issuer-admin", value_parser = ["issuer-admin", "issuer", "viewer"])]
    pub role: String,
    /// The account is also a platform admin: it creates and edits every organization
    /// in the console (/console/platform/organizations) and may invite other platform admins.
    #[arg(long)]
    pub platform_admin: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file to write.
    pub dest: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
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
    settings_with(config, Overrides { bind, ..Overrides::default() }, db)
}

/// Settings from `overrides` (flags beyond the database ones), the database flags, the file and the environment.
fn settings_with(config: Option<&PathBuf>, overrides: Overrides, db: &DatabaseArgs) -> AppResult<Settings> {
    let file = FileSettings::load(config.map(|p| p.as_path()))?;
    let overrides = Overrides {
        database_url: db.database_url.clone(),
        public_url: db.public_url.clone(),
        keys_dir: db.keys_dir.clone(),
        status_list_length: db.status_list_length,
        ..overrides
    };
    Settings::resolve(overrides, file, std::env::var("CREDENCE_ADMIN_KEY").ok())
}

/// The organization an `--org SLUG` argument names.
async fn organization_arg(store: &Store, slug: &str) -> AppResult<crate::domain::organization::Organization> {
    store.organization_by_slug(slug).await?.ok_or_else(|| AppError::invalid("org", format!("no organization '{slug}'")))
}

async fn open_store(settings: &Settings) -> AppResult<Store> {
    let store = Store::connect(&settings.database_url, &settings.public_url)
        .await?
        .with_status_list_length(settings.status_list_length);
    if settings.status_list_length < credence_core::status_list::MIN_BITS {
        tracing::warn!(
            length = settings.status_list_length,
            "status lists hand out fewer indexes than the specification's minimum list size: for tests only"
        );
    }
    store.migrate().await?;
    Ok(store)
}

pub async fn run(cli: Cli) -> AppResult<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(cli.config.as_ref(), args).await.map(|()| ExitCode::SUCCESS),
        Command::Keys(command) => keys(cli.config.as_ref(), command).await.map(|()| ExitCode::SUCCESS),
        Command::Credential(CredentialCommand::Sign(args)) => sign(&args).map(|()| ExitCode::SUCCESS),
        Command::Credential(CredentialCommand::Verify(args)) => verify(cli.config.as_ref(), &args).await,
        Command::Credential(CredentialCommand::Unbake(args)) => {
            let bytes = std::fs::read(&args.file)
                .map_err(|e| AppError::invalid("FILE", format!("cannot read {}: {e}", args.file.display())))?;
            println!("{}", pretty(&unbake(&bytes)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Bulk(BulkCommand::Import(args)) => bulk_import(cli.config.as_ref(), &args).await,
        Command::Migrate(db) => {
            let s = settings(cli.config.as_ref(), None, &db)?;
            open_store(&s).await?;
            println!("migrations applied to {}", redact(&s.database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(AdminCommand::Backup(args)) => {
            let s = settings(cli.config.as_ref(), None, &args.database)?;
            let store = Store::connect(&s.database_url, &s.public_url).await?;
            store.backup_to(&args.dest).await?;
            println!("backed up {} to {}", redact(&s.database_url), args.dest.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(AdminCommand::CreateKey(args)) => {
            let s = settings(cli.config.as_ref(), None, &args.database)?;
            let store = open_store(&s).await?;
            let org = organization_arg(&store, &args.org).await?;
            let role = Role::parse(&args.role).unwrap_or(Role::Issuer);
            let created = store.create_api_key(Some(&org.id), &args.name, role, &Actor::Service).await?;
            println!("{}", created.key);
            eprintln!("API key {} ({}) for {}: shown once, keep it safe.", created.info.id, role.as_str(), org.slug);
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(AdminCommand::Invite(args)) => {
            let s = settings(cli.config.as_ref(), None, &args.database)?;
            let store = open_store(&s).await?;
            let org = organization_arg(&store, &args.org).await?;
            let role = crate::domain::staff::StaffRole::parse(&args.role)
                .ok_or_else(|| AppError::invalid("role", "must be issuer-admin, issuer or viewer"))?;
            let (token, invitation) = crate::app::staff::invite_with(
                &store,
                &org.id,
                &args.email,
                role,
                args.platform_admin,
                &Actor::Service,
            )
            .await?;
            println!("{}", crate::app::staff::invitation_url(&store, &token));
            eprintln!(
                "Invitation of {} ({}{}) to {}, open until {}: send them the link; it is shown once.",
                invitation.email,
                role.as_str(),
                if invitation.platform_admin { ", platform admin" } else { "" },
                org.slug,
                invitation.expires_at
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(config: Option<&PathBuf>, args: ServeArgs) -> AppResult<()> {
    let overrides = Overrides {
        bind: args.bind.clone(),
        rate_limit: args.rate_limit,
        fetch_timeout_secs: args.fetch_timeout,
        shutdown_grace_secs: args.shutdown_grace,
        metrics_token: std::env::var("CREDENCE_METRICS_TOKEN").ok(),
        ..Overrides::default()
    };
    let s = settings_with(config, overrides, &args.database)?;
    let store = open_store(&s).await?;
    if s.admin_key.is_none()
        && let Some(created) = store.ensure_bootstrap_admin_key().await?
    {
        println!("Platform admin key (shown once, keep it safe): {}", created.key);
    }
    let master = master_key(&s)?;
    if args.demo {
        let report = crate::demo::load(&store).await?;
        let learners = crate::demo::play_learners(&store, &master).await?;
        let emc = store
            .organization_by_slug("emc")
            .await?
            .ok_or_else(|| AppError::Internal("demo organization emc is missing".into()))?;
        let key = store.create_api_key(Some(&emc.id), "demo key", Role::IssuerAdmin, &Actor::Service).await?;
        println!(
            "Demo data loaded ({} organizations, {} frameworks, {} achievements new).",
            report.organizations_created, report.frameworks_created, report.achievements_created
        );
        println!("Issuer-admin key for emc: {}", key.key);
        println!("Try:");
        println!(
            "  curl -H 'Authorization: Bearer {}' {}/api/v1/organizations/emc/achievements",
            key.key, s.public_url
        );
        println!("  curl {}/issuers/emc", s.public_url);
        println!("  curl {}/api/v1/frameworks/emc-supervisor", s.public_url);
        println!("Demo learners' badge pages (open them in a browser):");
        for outcome in &learners {
            println!("  {}", outcome.describe());
            if let Some(claim) = outcome.claim_url() {
                println!("    claim link for {} (private; shown on this first start only): {claim}", outcome.learner);
            }
        }
    }
    let state = AppState::new(store, master, s.admin_key.as_deref().map(api_key::hash))
        .with_rate_limit(s.rate_limit)
        .with_fetch_policy(crate::fetch::FetchPolicy::default().with_timeout(s.fetch_timeout))
        .with_metrics_token(s.metrics_token.as_deref());
    // Turns true when a shutdown signal arrives: the server stops accepting, the worker
    // stops claiming.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker_claim = crate::store::new_id();
    let mut worker = tokio::spawn(crate::bulk::run_worker(
        state.store.clone(),
        state.master_key.clone(),
        crate::bulk::WorkerOptions::from_env(),
        worker_claim.clone(),
        stopping.clone(),
    ));
    match crate::mailer::SmtpSettings::from_env()? {
        Some(smtp) => {
            tokio::spawn(crate::mailer::run(
                state.store.clone(),
                smtp,
                crate::mailer::Pacing::default(),
                stopping.clone(),
            ));
        }
        None => {
            println!("No SMTP server configured (CREDENCE_SMTP_URL): emails stay in the outbox, shown in the console.")
        }
    }
    let counts = state.store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            if let Err(e) = counts.flush_counts().await {
                tracing::warn!(error = %e, "counts could not be written; kept for the next try");
            }
        }
    });
    let store = state.store.clone();
    let operations = state.operations.clone();
    let app = crate::server::router(state);
    let listener = tokio::net::TcpListener::bind(s.bind)
        .await
        .map_err(|e| AppError::invalid("bind", format!("cannot listen on {}: {e}", s.bind)))?;
    let local = listener.local_addr().map_err(|e| AppError::Internal(e.to_string()))?;
    println!(
        "Credence listening on http://{local} (public URL {}, database {})",
        s.public_url,
        redact(&s.database_url)
    );
    println!("API docs: http://{local}/docs");
    tracing::info!(%local, "listening");
    let grace = s.shutdown_grace;
    let signal_at = std::sync::Arc::new(std::sync::OnceLock::new());
    let signalled = {
        let signal_at = signal_at.clone();
        async move {
            shutdown_signal().await;
            let _ = signal_at.set(tokio::time::Instant::now());
            tracing::info!(grace_secs = grace.as_secs(), "shutting down: draining requests in flight");
            operations.start_draining();
            let _ = stop.send(true);
        }
    };
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(signalled);
    // Requests in flight get the grace period to finish, counted from the signal.
    let mut signal_seen = stopping.clone();
    let grace_over = async move {
        let _ = signal_seen.wait_for(|s| *s).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server.into_future() => {
            served.map_err(|e| AppError::Internal(format!("server stopped: {e}")))?;
        }
        () = grace_over => tracing::warn!("grace period over: requests still in flight are dropped"),
    }
    // The worker finishes its batch within what is left of the grace period.
    let left = signal_at.get().map_or(grace, |at: &tokio::time::Instant| grace.saturating_sub(at.elapsed()));
    if tokio::time::timeout(left.max(std::time::Duration::from_millis(100)), &mut worker).await.is_err() {
        tracing::warn!("the bulk worker did not finish its batch in time; releasing its rows");
        worker.abort();
        let _ = worker.await;
    }
    match store.release_bulk_claims(&worker_claim).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "bulk rows released for another instance"),
        Err(e) => tracing::warn!(error = %e, "bulk rows could not be released; their lease will run out"),
    }
    store.flush_counts().await?;
    tracing::info!("stopped");
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

fn master_key(s: &Settings) -> AppResult<MasterKey> {
    keyring::load_master_key(&s.keys_dir, std::env::var("CREDENCE_MASTER_KEY").ok().as_deref())
}

async fn keys(config: Option<&PathBuf>, command: KeysCommand) -> AppResult<()> {
    let (args, rotate) = match command {
        KeysCommand::List(a) => (a, false),
        KeysCommand::Rotate(a) => (a, true),
    };
    let s = settings(config, None, &args.database)?;
    let store = open_store(&s).await?;
    let master = master_key(&s)?;
    let org = organization_arg(&store, &args.org).await?;
    if rotate {
        let new = store.rotate_signing_key(&org.id, &master).await?;
        println!("new current key {} ({})", new.id, new.public_key_multibase);
    } else {
        store.current_signing_key(&org.id, &master).await?;
    }
    let profile = store.profile_url(&org.slug);
    let did = keyring::organization_did(&s.public_url, &org.slug);
    for k in store.signing_keys(&org.id).await? {
        println!(
            "{}\t{}\tcreated {}\t{}\t{profile}#{}{}",
            k.id,
            k.status,
            k.created_at,
            k.retired_at.as_deref().map(|r| format!("retired {r}")).unwrap_or_default(),
            k.public_key_multibase,
            did.as_deref().map(|d| format!("\t{d}#{}", k.public_key_multibase)).unwrap_or_default(),
        );
    }
    // RSA keys (RS256 VC-JWTs) under their JsonWebKey ids.
    for k in store.rsa_signing_keys(&org.id).await? {
        let public = k.public_key()?;
        println!(
            "{}	{}	created {}	{}	{}{}	RSA",
            k.id,
            k.status,
            k.created_at,
            k.retired_at.as_deref().map(|r| format!("retired {r}")).unwrap_or_default(),
            keyring::jwt_kid(&profile, &public),
            did.as_deref().map(|d| format!("\t{}", keyring::jwt_kid(d, &public))).unwrap_or_default(),
        );
    }
    Ok(())
}

/// The credential text inside a baked PNG or SVG.
fn unbake(bytes: &[u8]) -> AppResult<String> {
    use credence_core::baking;
    let baked = if bytes.starts_with(&baking::PNG_SIGNATURE) {
        baking::unbake_png(bytes)
    } else {
        let text = std::str::from_utf8(bytes).map_err(|_| AppError::invalid("FILE", "neither a PNG nor an SVG"))?;
        baking::unbake_svg(text)
    };
    baked
        .map(|b| b.as_str().to_string())
        .map_err(|e| AppError::invalid("FILE", format!("no Open Badges credential baked in: {e}")))
}

/// JSON pretty-printed; anything else (a compact JWS) as it is.
fn pretty(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string())
}

/// Reads a credential: a file (or - for standard input) holding JSON, a VC-JWT, or a baked image.
fn read_input(file: &str) -> AppResult<String> {
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| AppError::invalid("FILE", format!("cannot read standard input: {e}")))?;
    } else {
        bytes = std::fs::read(file).map_err(|e| AppError::invalid("FILE", format!("cannot read {file}: {e}")))?;
    }
    let looks_baked = bytes.starts_with(&credence_core::baking::PNG_SIGNATURE)
        || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    if looks_baked {
        return unbake(&bytes);
    }
    String::from_utf8(bytes).map_err(|_| AppError::invalid("FILE", "is not UTF-8 text, a PNG or an SVG"))
}

fn sign(args: &SignArgs) -> AppResult<()> {
    let seed: [u8; 32] = hex::decode(args.seed_hex.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::invalid("seed-hex", "must be 64 hex digits (a 32-byte Ed25519 seed)"))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let suite: Cryptosuite = args
        .cryptosuite
        .parse()
        .map_err(|e: data_integrity::ProofError| AppError::invalid("cryptosuite", e.to_string()))?;
    let mut options = ProofOptions::new(suite, args.verification_method.clone());
    if let Some(created) = &args.created {
        options = options.with_created(created.clone());
    }
    let doc: serde_json::Value = serde_json::from_str(&read_input(&args.file)?)
        .map_err(|e| AppError::invalid("FILE", format!("not a JSON document: {e}")))?;
    let signed =
        data_integrity::add_proof(&doc, &key, &options).map_err(|e| AppError::invalid("credential", e.to_string()))?;
    let text = serde_json::to_string_pretty(&signed).map_err(|e| AppError::Internal(e.to_string()))?;
    println!("{text}");
    Ok(())
}

async fn verify(config: Option<&PathBuf>, args: &VerifyArgs) -> AppResult<ExitCode> {
    let mut resolver = OfflineResolver::new();
    let input = read_input(&args.file)?;
    if args.hosted {
        let s = settings(config, None, &args.database)?;
        let store = open_store(&s).await?;
        crate::verification::add_hosted_documents(&store, &input, &mut resolver).await?;
    }
    for mapping in &args.resolve {
        let (url, file) = mapping
            .split_once('=')
            .ok_or_else(|| AppError::invalid("resolve", format!("'{mapping}' is not URL=FILE")))?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| AppError::invalid("resolve", format!("cannot read {file}: {e}")))?;
        let doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| AppError::invalid("resolve", format!("{file} is not JSON: {e}")))?;
        resolver.add_document(url, doc);
    }
    let now = match &args.as_of {
        Some(t) => credence_core::model::parse_date_time_z(t)
            .ok_or_else(|| AppError::invalid("as-of", "must be an RFC 3339 date-time with a time zone"))?,
        None => time::OffsetDateTime::now_utc(),
    };
    let mut report = credence_core::verify::verify_text(&input, &resolver, now);
    report.credential = None;
    let text = serde_json::to_string_pretty(&report).map_err(|e| AppError::Internal(e.to_string()))?;
    println!("{text}");
    Ok(if report.verified { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One line of progress: `[#####.....] 5000/10000 rows, 12 rejected`.
pub fn progress_line(done: i64, total: i64, rejected: i64) -> String {
    const WIDTH: i64 = 30;
    let filled = if total > 0 { (done * WIDTH / total).clamp(0, WIDTH) } else { WIDTH };
    let bar: String = (0..WIDTH).map(|i| if i < filled { '#' } else { '.' }).collect();
    format!("[{bar}] {done}/{total} rows, {rejected} rejected")
}

async fn bulk_import(config: Option<&PathBuf>, args: &BulkImportArgs) -> AppResult<ExitCode> {
    use std::io::{IsTerminal, Write};
    let s = settings(config, None, &args.database)?;
    let path = args.file.display().to_string();
    let size =
        std::fs::metadata(&args.file).map_err(|e| AppError::invalid("FILE", format!("cannot read {path}: {e}")))?.len();
    if size > crate::bulk::MAX_FILE_BYTES as u64 {
        return Err(AppError::invalid(
            "FILE",
            format!("{path} is larger than the limit of {} bytes", crate::bulk::MAX_FILE_BYTES),
        ));
    }
    let bytes = std::fs::read(&args.file).map_err(|e| AppError::invalid("FILE", format!("cannot read {path}: {e}")))?;
    let store = open_store(&s).await?;
    let master = master_key(&s)?;
    let org = organization_arg(&store, &args.org).await?;
    let parsed = crate::bulk::parse_csv(&org.id, &bytes)?;
    let name = args.file.file_name().map(|n| n.to_string_lossy().to_string());
    let job = store.create_bulk_job(&org.id, name.as_deref(), &parsed.sha256, "cli", &parsed.rows).await?;
    eprintln!("bulk job {} created for {}: {} rows", job.id, org.slug, job.total_rows);
    let terminal = std::io::stderr().is_terminal();
    let mut last_tenth = -1;
    let mut progress = |j: &crate::store::BulkJob| {
        let line = progress_line(j.processed_rows, j.total_rows, j.counts.rejected);
        let mut err = std::io::stderr();
        if terminal {
            let _ = write!(err, "\r{line}");
        } else {
            // Not a terminal: a line at every tenth, so logs stay readable.
            let tenth = if j.total_rows > 0 { j.processed_rows * 10 / j.total_rows } else { 10 };
            if tenth != last_tenth {
                last_tenth = tenth;
                let _ = writeln!(err, "{line}");
            }
        }
        let _ = err.flush();
    };
    progress(&job);
    let job =
        crate::bulk::run_job(&store, &master, &org, &job.id, &crate::bulk::WorkerOptions::from_env(), &mut progress)
            .await?;
    if terminal {
        eprintln!();
    }
    let c = &job.counts;
    println!(
        "job {} {}: {} rows: {} issued, {} awaiting sign-off, {} in progress, {} locked out, {} revoked, {} suspended, {} duplicate, {} rejected",
        job.id,
        job.status,
        job.total_rows,
        c.issued,
        c.awaiting_signoff,
        c.in_progress,
        c.locked_out,
        c.revoked,
        c.suspended,
        c.duplicate,
        c.rejected
    );
    if c.rejected > 0 && args.show_rejected > 0 {
        println!("rejected rows:");
        for row in store.bulk_rows(&job.id, Some("rejected"), args.show_rejected, 0).await? {
            let why = row.errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
            println!("  row {} (line {}): {why}", row.row, row.line);
        }
        if c.rejected > args.show_rejected {
            println!(
                "  ... and {} more: GET /api/v1/organizations/{}/bulk-jobs/{}/rows?status=rejected",
                c.rejected - args.show_rejected,
                org.slug,
                job.id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
