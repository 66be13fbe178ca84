//! Recipient identifiers: salted, hashed `IdentityObject`s.
//!
//! OB 3.0 `IdentityHash`: an algorithm name, `$`, and the hex digest of the
//! UTF-8 identifier with the salt *appended* (`sha256(identifier || salt)`).
//! The digest may be written in upper- or lowercase hex; this module writes
//! lowercase and compares case-insensitively. Only `sha256` is supported (the
//! specification also allows `md5`, which this service neither issues nor accepts).
//!
//! Email normalization (a documented choice, the specification does not fix
//! one): when issuing, the email is trimmed and lowercased before hashing. When
//! checking, a candidate matches if either its trimmed form or its trimmed
//! lowercased form hashes to the stored value, so badges from issuers that
//! hashed the address as typed still match.

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::enums::IdentifierType;
use super::types::IdentityObject;

/// The IRI every IdentityObject carries as its `type`.
pub const IDENTITY_OBJECT_TYPE: &str = "IdentityObject";
const SHA256_PREFIX: &str = "sha256$";

/// `sha256$` + lowercase hex of SHA-256(identifier || salt).
pub fn identity_hash(identifier: &str, salt: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(identifier.as_bytes());
    hasher.update(salt.as_bytes());
    format!("{SHA256_PREFIX}{}", hex::encode(hasher.finalize()))
}

/// Trims and lowercases an email address: the form this service hashes.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A random salt: 16 bytes as 32 lowercase hex characters.
pub fn random_salt() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A hashed `emailAddress` IdentityObject for `email` (normalized) and `salt`.
pub fn hashed_email_identity(email: &str, salt: &str) -> IdentityObject {
    IdentityObject {
        kind: IDENTITY_OBJECT_TYPE.into(),
        hashed: true,
        identity_hash: identity_hash(&normalize_email(email), salt),
        identity_type: IdentifierType::EmailAddress,
        salt: Some(salt.into()),
    }
}

/// Whether `candidate` is the identifier the IdentityObject stands for.
///
/// Plaintext identities compare trimmed (case-insensitively for email
/// addresses); hashed ones per the module rules. An unsupported hash algorithm
/// never matches.
pub fn identity_matches(identity: &IdentityObject, candidate: &str) -> bool {
    let trimmed = candidate.trim();
    let is_email = identity.identity_type == IdentifierType::EmailAddress;
    if !identity.hashed {
        let stored = identity.identity_hash.trim();
        return if is_email { stored.eq_ignore_ascii_case(trimmed) } else { stored == trimmed };
    }
    let Some(stored_hex) = strip_sha256_prefix(&identity.identity_hash) else {
        return false;
    };
    let salt = identity.salt.as_deref().unwrap_or("");
    let digest_matches = |form: &str| identity_hash(form, salt)[SHA256_PREFIX.len()..].eq_ignore_ascii_case(stored_hex);
    digest_matches(trimmed) || (is_email && digest_matches(&normalize_email(trimmed)))
}

fn strip_sha256_prefix(value: &str) -> Option<&str> {
    let (algorithm, digest) = value.split_once('$')?;
    algorithm.eq_ignore_ascii_case("sha256").then_some(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_specification_example() {
        // OB 3.0 IdentityHash: 'a@example.com' salted with 'Kosher'.
        assert_eq!(
            identity_hash("a@example.com", "Kosher"),
            "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
        );
    }

    #[test]
    fn hashed_email_round_trip_and_normalization() {
        let identity = hashed_email_identity("  Alice@Example.COM ", "pepper");
        assert_eq!(identity.identity_hash, identity_hash("alice@example.com", "pepper"));
        assert!(identity_matches(&identity, "alice@example.com"));
        assert!(identity_matches(&identity, " ALICE@example.com"));
        assert!(!identity_matches(&identity, "bob@example.com"));
        let json = serde_json::to_value(&identity).unwrap();
        assert_eq!(json["type"], "IdentityObject");
        assert_eq!(json["identityType"], "emailAddress");
        assert_eq!(json["hashed"], true);
    }

    #[test]
    fn accepts_uppercase_hex_and_as_typed_hashes() {
        let mut identity = hashed_email_identity("x", "s");
        identity.identity_hash = identity_hash("Bob@Example.com", "s").to_uppercase().replace("SHA256$", "sha256$");
        assert!(identity_matches(&identity, "Bob@Example.com"));
        identity.identity_hash = identity.identity_hash.replace("sha256$", "md5$");
        assert!(!identity_matches(&identity, "Bob@Example.com"));
    }

    #[test]
    fn plaintext_identities() {
        let identity = IdentityObject {
            kind: IDENTITY_OBJECT_TYPE.into(),
            hashed: false,
            identity_hash: "Ada Lovelace".into(),
            identity_type: IdentifierType::parse("ext:name").unwrap(),
            salt: None,
        };
        assert!(identity_matches(&identity, " Ada Lovelace "));
        assert!(!identity_matches(&identity, "ada lovelace"));
        assert_eq!(random_salt().len(), 32);
    }
}
