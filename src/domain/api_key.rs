//! API keys: high-entropy bearer tokens, stored as a lookup prefix and a SHA-256 hash.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The platform operator: creates organizations, sees everything.
    Admin,
    /// Manages one organization: its profile, keys, frameworks and achievements.
    IssuerAdmin,
    /// Works within one organization: records results and issues credentials.
    Issuer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::IssuerAdmin => "issuer-admin",
            Role::Issuer => "issuer",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "admin" => Some(Role::Admin),
            "issuer-admin" => Some(Role::IssuerAdmin),
            "issuer" => Some(Role::Issuer),
            _ => None,
        }
    }
}

const TOKEN_TAG: &str = "crd_";
/// Characters of the token used to find its row (after the tag).
pub const PREFIX_LEN: usize = 12;

/// A freshly generated key: the secret is shown once, then only the hash is kept.
pub struct GeneratedKey {
    pub token: String,
    pub prefix: String,
    pub hash: String,
}

pub fn generate() -> GeneratedKey {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("{TOKEN_TAG}{}", bs58::encode(bytes).into_string());
    from_token(&token).unwrap_or_else(|| GeneratedKey {
        // bs58 of 32 random bytes is always at least 32 characters long.
        prefix: String::new(),
        hash: hash(&token),
        token: token.clone(),
    })
}

/// Splits a presented token into its lookup prefix and hash, if it has our shape.
pub fn from_token(token: &str) -> Option<GeneratedKey> {
    let body = token.strip_prefix(TOKEN_TAG)?;
    if body.len() < PREFIX_LEN + 8 || body.len() > 64 || !body.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(GeneratedKey { token: token.to_string(), prefix: body[..PREFIX_LEN].to_string(), hash: hash(token) })
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two hex hashes in constant time.
pub fn hashes_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A key as listed: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// The answer to creating a key: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    /// The secret key. It is shown once and cannot be recovered.
    pub key: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewApiKey {
    pub name: String,
    /// `issuer-admin` or `issuer` (default).
    pub role: Option<Role>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_back_to_the_same_hash() {
        let k = generate();
        assert!(k.token.starts_with("crd_"));
        let parsed = from_token(&k.token).unwrap();
        assert_eq!(parsed.prefix, k.prefix);
        assert!(hashes_match(&parsed.hash, &k.hash));
        assert!(from_token("Bearer x").is_none());
        assert!(from_token("crd_short").is_none());
    }
}
