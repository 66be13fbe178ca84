//! Organization staff who work in the console: their roles, what a password and an
//! email address must be, and the tokens of invitations and sessions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::api_key;

/// What a staff member may do in their organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StaffRole {
    /// Manages the organization: its profile, staff, keys, frameworks and achievements.
    IssuerAdmin,
    /// Records results and issues credentials.
    Issuer,
    /// Reads everything of the organization and changes nothing.
    Viewer,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::IssuerAdmin => "issuer-admin",
            StaffRole::Issuer => "issuer",
            StaffRole::Viewer => "viewer",
        }
    }

    pub fn parse(value: &str) -> Option<StaffRole> {
        match value {
            "issuer-admin" => Some(StaffRole::IssuerAdmin),
            "issuer" => Some(StaffRole::Issuer),
            "viewer" => Some(StaffRole::Viewer),
            _ => None,
        }
    }
}

/// Shortest password accepted, in characters (NIST SP 800-63B asks for at least 8
/// and a length limit of at least 64; a passphrase is the point).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in bytes: hashing cost must not grow with the input.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// Why a new password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordFault {
    TooShort,
    TooLong,
    Mismatch,
}

/// A new password and its confirmation.
pub fn check_new_password(password: &str, confirmation: &str) -> Result<(), PasswordFault> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordFault::TooLong);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordFault::TooShort);
    }
    if password != confirmation {
        return Err(PasswordFault::Mismatch);
    }
    Ok(())
}

/// An email address as accounts are keyed by it: trimmed and lower-cased, one `@`
/// with something on both sides, no spaces or control characters, at most 254 bytes.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let well_formed = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    well_formed.then_some(email)
}

/// A new secret token (for an invitation link or a session cookie) with `tag`, and
/// the SHA-256 it is stored as.
pub fn new_token(tag: &str) -> (String, String) {
    let token = api_key::generate().token.replacen("crd_", tag, 1);
    let hash = api_key::hash(&token);
    (token, hash)
}

/// The SHA-256 a presented token is looked up by; `None` for a value that cannot be
/// one of ours (wrong tag, length or characters), so it is never looked up.
pub fn token_hash(tag: &str, presented: &str) -> Option<String> {
    let body = presented.strip_prefix(tag)?;
    let ours = (32..=64).contains(&body.len()) && body.chars().all(|c| c.is_ascii_alphanumeric());
    ours.then(|| api_key::hash(presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_enough_bounded_and_confirmed() {
        assert_eq!(check_new_password("short", "short"), Err(PasswordFault::TooShort));
        assert_eq!(check_new_password(&"x".repeat(300), &"x".repeat(300)), Err(PasswordFault::TooLong));
        assert_eq!(check_new_password("a long passphrase", "a long passphrase!"), Err(PasswordFault::Mismatch));
        assert_eq!(check_new_password("a long passphrase", "a long passphrase"), Ok(()));
        // Characters, not bytes: twelve accented letters are enough.
        assert_eq!(check_new_password("éééééééééééé", "éééééééééééé"), Ok(()));
    }

    #[test]
    fn emails_are_keyed_lower_case_and_checked() {
        assert_eq!(normalize_email("  Ana@College.CA "), Some("ana@college.ca".into()));
        for bad in ["", "ana", "@college.ca", "ana@", "ana@college", "a na@college.ca", "ana@@college.ca"] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn tokens_have_one_shape() {
        let (token, hash) = new_token("ses_");
        assert_eq!(token_hash("ses_", &token), Some(hash));
        assert_eq!(token_hash("inv_", &token), None);
        assert_eq!(token_hash("ses_", "ses_short"), None);
        assert_eq!(token_hash("ses_", &format!("{token}'")), None);
    }
}
