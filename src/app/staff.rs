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
use crate::domain::totp;
use crate::error::{AppError, AppResult};
use crate::store::{Invitation, StaffAccount, StaffSession, Store, stamp_after};
use credence_core::sealed_key::{self, MasterKey};

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
    invite_with(store, organization_id, email, role, false, invited_by).await
}

/// [`invite`], the account it opens being a platform admin's too when `platform_admin`.
/// Only the command line and platform admins' pages ask for one: callers decide
/// whether whoever asks may grant it.
pub async fn invite_with(
    store: &Store,
    organization_id: &str,
    email: &str,
    role: StaffRole,
    platform_admin: bool,
    invited_by: &Actor,
) -> AppResult<(String, Invitation)> {
    let email = staff::normalize_email(email).ok_or_else(|| AppError::invalid("email", "not an email address"))?;
    let (token, hash) = staff::new_token(INVITATION_TAG);
    let invitation = Invitation {
        organization_id: organization_id.to_string(),
        email,
        role,
        platform_admin,
        expires_at: stamp_after(INVITATION_VALID_FOR),
    };
    store.create_invitation(&hash, &invitation, invited_by).await?;
    Ok((token, invitation))
}

/// The associated data a staff member's two-factor secret is sealed with: it opens
/// for that account only.
fn two_factor_aad(account_id: &str) -> Vec<u8> {
    format!("credence staff totp:{account_id}").into_bytes()
}

/// A two-factor secret sealed for `account_id`, as stored (base64).
pub fn seal_two_factor(master: &MasterKey, account_id: &str, secret: &[u8]) -> AppResult<String> {
    use base64::Engine;
    sealed_key::seal_message(master, secret, &two_factor_aad(account_id))
        .map(|sealed| base64::engine::general_purpose::STANDARD.encode(sealed))
        .ok_or_else(|| AppError::Internal("the two-factor secret could not be sealed".into()))
}

/// Opens a secret sealed by [`seal_two_factor`].
pub fn open_two_factor(master: &MasterKey, account_id: &str, stored: &str) -> AppResult<Vec<u8>> {
    use base64::Engine;
    let unreadable = || AppError::Internal("a stored two-factor secret is unreadable".into());
    let sealed = base64::engine::general_purpose::STANDARD.decode(stored).map_err(|_| unreadable())?;
    let opened = sealed_key::open_message(master, &sealed, &two_factor_aad(account_id)).map_err(|_| unreadable())?;
    Ok(opened.to_vec())
}

/// The step `code` is accepted for, with `secret` and the last step used; the code is
/// then used (a second use of it, or of an earlier one, is refused).
pub async fn accept_code(
    store: &Store,
    account_id: &str,
    secret: &[u8],
    code: &str,
    last: Option<i64>,
) -> AppResult<Option<i64>> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let last = last.and_then(|l| u64::try_from(l).ok());
    let Some(step) = totp::accepted_step(secret, code, now, last).and_then(|s| i64::try_from(s).ok()) else {
        return Ok(None);
    };
    Ok(store.use_two_factor_step(account_id, step).await?.then_some(step))
}

/// The second factor of a sign-in whose password was right: nothing to do for an
/// account without one; otherwise the code must be one not used before.
async fn second_factor(
    store: &Store,
    master: &MasterKey,
    account: &StaffAccount,
    code: &str,
) -> AppResult<Result<(), SignInRefusal>> {
    let state = store.two_factor(&account.id).await?;
    let Some(stored) = state.secret else { return Ok(Ok(())) };
    if code.trim().is_empty() {
        return Ok(Err(SignInRefusal::CodeNeeded));
    }
    let secret = open_two_factor(master, &account.id, &stored)?;
    match accept_code(store, &account.id, &secret, code, state.last_step).await? {
        Some(_) => Ok(Ok(())),
        None => Ok(Err(SignInRefusal::WrongCode)),
    }
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
    /// The password is right and the account signs in with a code too: none was given.
    CodeNeeded,
    /// The password is right but the code is not (or was used already).
    WrongCode,
    /// Too many failures lately, for this email address or from this client.
    Throttled,
}

/// Checks an email and password; the account, or why not. Failures are counted per
/// email address and per client; past the limits the password is not even checked.
pub async fn sign_in(
    store: &Store,
    master: &MasterKey,
    email: &str,
    password: &str,
    code: &str,
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
    if password_matches(password.to_string(), stored).await?
        && let Some((account, _)) = found
    {
        match second_factor(store, master, &account, code).await? {
            Ok(()) => {
                store.clear_sign_in_failures(&email).await?;
                return Ok(Ok(account));
            }
            Err(SignInRefusal::CodeNeeded) => return Ok(Err(SignInRefusal::CodeNeeded)),
            Err(refusal) => {
                store.record_sign_in_failure(&email, client).await?;
                return Ok(Err(refusal));
            }
        }
    }
    store.record_sign_in_failure(&email, client).await?;
    Ok(Err(SignInRefusal::Wrong))
}
