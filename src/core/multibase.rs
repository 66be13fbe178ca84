//! Multibase and Multikey encodings of Ed25519 keys.
//!
//! A Multikey public key is `z` + base58btc(0xed 0x01 || key); a secret key is
//! `z` + base58btc(0x80 0x26 || seed). `did:key` uses the public form.

use thiserror::Error;

const ED25519_PUB_PREFIX: [u8; 2] = [0xed, 0x01];
const ED25519_SECRET_PREFIX: [u8; 2] = [0x80, 0x26];

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MultibaseError {
    #[error("multibase value is empty")]
    Empty,
    #[error("unsupported multibase prefix '{0}' (expected 'z' for base58btc or 'u' for base64url)")]
    UnsupportedPrefix(char),
    #[error("invalid base58btc encoding")]
    InvalidBase58,
    #[error("invalid base64url encoding")]
    InvalidBase64,
    #[error("not an Ed25519 {0} Multikey (wrong multicodec prefix)")]
    WrongCodec(&'static str),
    #[error("Ed25519 key must be 32 bytes, got {0}")]
    WrongLength(usize),
}

/// Encodes bytes as base58btc multibase (`z...`).
pub fn encode_base58btc(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 138 / 100 + 2);
    out.push('z');
    out.push_str(&bs58::encode(bytes).into_string());
    out
}

/// Encodes bytes as base64url (no padding) multibase (`u...`).
pub fn encode_base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    let mut out = String::from("u");
    out.push_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    out
}

/// Decodes a multibase string in base58btc (`z`) or base64url (`u`).
pub fn decode(value: &str) -> Result<Vec<u8>, MultibaseError> {
    use base64::Engine;
    let mut chars = value.chars();
    match chars.next() {
        None => Err(MultibaseError::Empty),
        Some('z') => bs58::decode(chars.as_str())
            .into_vec()
            .map_err(|_| MultibaseError::InvalidBase58),
        Some('u') => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(chars.as_str())
            .map_err(|_| MultibaseError::InvalidBase64),
        Some(other) => Err(MultibaseError::UnsupportedPrefix(other)),
    }
}

/// Multikey form of an Ed25519 public key.
pub fn encode_ed25519_public(key: &[u8; 32]) -> String {
    let mut buf = Vec::with_capacity(34);
    buf.extend_from_slice(&ED25519_PUB_PREFIX);
    buf.extend_from_slice(key);
    encode_base58btc(&buf)
}

/// Multikey form of an Ed25519 secret seed.
pub fn encode_ed25519_secret(seed: &[u8; 32]) -> String {
    let mut buf = Vec::with_capacity(34);
    buf.extend_from_slice(&ED25519_SECRET_PREFIX);
    buf.extend_from_slice(seed);
    encode_base58btc(&buf)
}

fn decode_prefixed(
    value: &str,
    prefix: [u8; 2],
    what: &'static str,
) -> Result<[u8; 32], MultibaseError> {
    let bytes = decode(value)?;
    let rest = bytes
        .strip_prefix(&prefix)
        .ok_or(MultibaseError::WrongCodec(what))?;
    rest.try_into()
        .map_err(|_| MultibaseError::WrongLength(rest.len()))
}

/// Decodes an Ed25519 public key from its Multikey form.
pub fn decode_ed25519_public(value: &str) -> Result<[u8; 32], MultibaseError> {
    decode_prefixed(value, ED25519_PUB_PREFIX, "public")
}

/// Decodes an Ed25519 secret seed from its Multikey form.
pub fn decode_ed25519_secret(value: &str) -> Result<[u8; 32], MultibaseError> {
    decode_prefixed(value, ED25519_SECRET_PREFIX, "secret")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_round_trips_and_matches_the_1edtech_vector() {
        let key: [u8; 32] =
            hex::decode("4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5")
                .unwrap()
                .try_into()
                .unwrap();
        let encoded = encode_ed25519_public(&key);
        assert_eq!(encoded, "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi");
        assert_eq!(decode_ed25519_public(&encoded).unwrap(), key);
    }

    #[test]
    fn rejects_wrong_codec_length_and_prefix() {
        let secret = encode_ed25519_secret(&[7u8; 32]);
        assert_eq!(
            decode_ed25519_public(&secret),
            Err(MultibaseError::WrongCodec("public"))
        );
        let short = encode_base58btc(&[0xed, 0x01, 1, 2, 3]);
        assert_eq!(decode_ed25519_public(&short), Err(MultibaseError::WrongLength(3)));
        assert_eq!(decode("m123"), Err(MultibaseError::UnsupportedPrefix('m')));
        assert_eq!(decode("z0OIl"), Err(MultibaseError::InvalidBase58));
        assert_eq!(decode(""), Err(MultibaseError::Empty));
    }
}
