//! Staff sign-in for the console: invitations, argon2id passwords, sessions, and
//! the throttling of failed sign-ins. The pages are in `web::console`.
//!
//! Password hashing is deliberately slow (argon2id, 19 MiB, 2 passes: OWASP's
//! minimum), so it runs on blocking threads, [`HASHING_AT_ONCE`] at a time: a flood
//! of sign-ins waits its turn instead of taking every core.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::domain::audit::Actor;
use crate::domain::staff::{self, StaffRole};
use crate::error::{AppError, AppResult};
use crate::store::{Invitation, StaffAccount, StaffSession, Store, stamp_after};

/// The tag of invitation tokens, and of session tokens.
pub const INVITATION_TAG: &str = "inv_";
pub const SESSION_TAG: &str = "ses_";
/// How long an invitation link stays open.
pub const INVITATION_VALID_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long a session lasts from sign-in.
pub const SESSION_VALID_FOR: Duration = Duration::from_secs(12 * 3600);
/// Failed sign-ins counted for throttling over this window.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures of one email address in the window before its sign-ins are refused.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures from one client address in the window before its sign-ins are refused.
pub const MAX_FAILURES_PER_CLIENT: i64 = 20;
/// Password hashes computed at once.
const HASHING_AT_ONCE: usize = 2;

fn hashing_permits() -> &'static Arc<Semaphore> {
    static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    PERMITS.get_or_init(|| Arc::new(Semaphore::new(HASHING_AT_ONCE)))
}

fn argon2id() -> Argon2<'static> {
    // 19 MiB, 2 passes, 1 lane: OWASP's recommended minimum for argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Runs `work` on a blocking thread once a hashing permit is free.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _permit = hashing_permits()
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| AppError::Internal("password hashing is shut down".into()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// The PHC string of a new password.
pub async fn hash_password(password: String) -> AppResult<String> {
    hashing(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2id().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// Whether `password` matches the PHC string `stored`; with no stored hash (no such
/// account) the same work is done against a hash of nothing, so that the answer's
/// timing does not tell which email addresses have accounts.
async fn password_matches(password: String, stored: Option<String>) -> AppResult<bool> {
    static DECOY: OnceLock<String> = OnceLock::new();
    let decoy = match DECOY.get() {
        Some(d) => d.clone(),
        None => {
            let made = hash_password(String::from("no account has this password")).await?;
            DECOY.get_or_init(|| made).clone()
        }
    };
    let real = stored.is_some();
    let stored = stored.unwrap_or(decoy);
    hashing(move || {
        PasswordHash::new(&stored).is_ok_and(|h| argon2id().verify_password(password.as_bytes(), &h).is_ok()) && real
    })
    .await
}

/// Invites `email` to the organization with `role`; the link's token, shown once.
pub async fn invite(
    store: &Store,
    organization_id: &str,
    email: &str,
    role: StaffRole,
    invited_by: &Actor,
) -> AppResult<(String, Invitation)> {
    let email = staff::normalize_email(email).ok_or_else(|| AppError::invalid("email", "not an email address"))?;
    let (token, hash) = staff::new_token(INVITATION_TAG);
    let invitation = Invitation {
        organization_id: organization_id.to_string(),
        email,
        role,
        expires_at: stamp_after(INVITATION_VALID_FOR),
    };
    store.create_invitation(&hash, &invitation, invited_by).await?;
    Ok((token, invitation))
}

/// The page of an invitation link.
pub fn invitation_url(store: &Store, token: &str) -> String {
    format!("{}/console/invitations/{token}", store.public_url)
}

/// A new session for `account`: its cookie token and its CSRF token.
pub async fn open_session(store: &Store, account: &StaffAccount) -> AppResult<(String, String)> {
    let (token, hash) = staff::new_token(SESSION_TAG);
    let (csrf, _) = staff::new_token("csrf_");
    store.create_session(&hash, &account.id, &csrf, SESSION_VALID_FOR).await?;
    Ok((token, csrf))
}

/// The session of a cookie's token, if it is live.
pub async fn session(store: &Store, token: &str) -> AppResult<Option<StaffSession>> {
    match staff::token_hash(SESSION_TAG, token) {
        Some(hash) => store.session(&hash).await,
        None => Ok(None),
    }
}

/// Why a sign-in did not open a session.
#[derive(Debug)]
pub enum SignInRefusal {
    /// Wrong email or password (never which).
    Wrong,
    /// Too many failures lately, for this email address or from this client.
    Throttled,
}

/// Checks an email and password; the account, or why not. Failures are counted per
/// email address and per client; past the limits the password is not even checked.
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: &str,
    client: &str,
) -> AppResult<Result<StaffAccount, SignInRefusal>> {
    let Some(email) = staff::normalize_email(email) else { return Ok(Err(SignInRefusal::Wrong)) };
    let (by_email, by_client) = store.recent_sign_in_failures(&email, client, FAILURE_WINDOW).await?;
    if by_email >= MAX_FAILURES_PER_EMAIL || by_client >= MAX_FAILURES_PER_CLIENT {
        return Ok(Err(SignInRefusal::Throttled));
    }
    if password.len() > staff::MAX_PASSWORD_BYTES {
        store.record_sign_in_failure(&email, client).await?;
        return Ok(Err(SignInRefusal::Wrong));
    }
    let found = store.account_for_sign_in(&email).await?;
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    if password_matches(password.to_string(), stored).await? {
        store.clear_sign_in_failures(&email).await?;
        if let Some((account, _)) = found {
            return Ok(Ok(account));
        }
    }
    store.record_sign_in_failure(&email, client).await?;
    Ok(Err(SignInRefusal::Wrong))
}
