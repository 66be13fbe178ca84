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
    push_base58(&mut out, bytes);
    out
}

/// The Bitcoin base58 alphabet.
const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// Digits per limb of the base-conversion accumulator: 58^9 * 256 still fits in a u64.
const LIMB_DIGITS: usize = 9;
const LIMB: u64 = 58u64.pow(LIMB_DIGITS as u32);

/// Appends base58btc of `bytes` (the same text as `bs58::encode`). The number is converted in
/// limbs of nine base-58 digits, about nine times fewer divisions than digit by digit.
fn push_base58(out: &mut String, bytes: &[u8]) {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    // Little-endian limbs, each below LIMB.
    let mut limbs: Vec<u64> = Vec::with_capacity(bytes.len() / 6 + 1);
    for &byte in &bytes[zeros..] {
        let mut carry = u64::from(byte);
        for limb in limbs.iter_mut() {
            let x = *limb * 256 + carry;
            *limb = x % LIMB;
            carry = x / LIMB;
        }
        while carry > 0 {
            limbs.push(carry % LIMB);
            carry /= LIMB;
        }
    }
    out.extend(std::iter::repeat_n('1', zeros));
    for (i, &limb) in limbs.iter().rev().enumerate() {
        let mut digits = [0u8; LIMB_DIGITS];
        let mut value = limb;
        for digit in digits.iter_mut().rev() {
            *digit = (value % 58) as u8;
            value /= 58;
        }
        // The most significant limb is written without its leading zero digits.
        let start = if i == 0 { digits.iter().position(|&d| d != 0).unwrap_or(LIMB_DIGITS) } else { 0 };
        out.extend(digits[start..].iter().map(|&d| char::from(BASE58_ALPHABET[usize::from(d)])));
    }
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
        Some('z') => bs58::decode(chars.as_str()).into_vec().map_err(|_| MultibaseError::InvalidBase58),
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

fn decode_prefixed(value: &str, prefix: [u8; 2], what: &'static str) -> Result<[u8; 32], MultibaseError> {
    let bytes = decode(value)?;
    let rest = bytes.strip_prefix(&prefix).ok_or(MultibaseError::WrongCodec(what))?;
    rest.try_into().map_err(|_| MultibaseError::WrongLength(rest.len()))
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
    fn base58_matches_bs58() {
        let mut inputs: Vec<Vec<u8>> = vec![vec![], vec![0], vec![0, 0, 1], vec![255; 64], vec![0, 0, 0]];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..80 {
            let bytes = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 24) as u8
                })
                .collect::<Vec<u8>>();
            inputs.push([&[0u8][..], &bytes].concat());
            inputs.push(bytes);
        }
        for input in inputs {
            let mut ours = String::new();
            push_base58(&mut ours, &input);
            assert_eq!(ours, bs58::encode(&input).into_string(), "{input:?}");
        }
    }

    #[test]
    fn public_key_round_trips_and_matches_the_1edtech_vector() {
        let key: [u8; 32] = hex::decode("4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5")
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
        assert_eq!(decode_ed25519_public(&secret), Err(MultibaseError::WrongCodec("public")));
        let short = encode_base58btc(&[0xed, 0x01, 1, 2, 3]);
        assert_eq!(decode_ed25519_public(&short), Err(MultibaseError::WrongLength(3)));
        assert_eq!(decode("m123"), Err(MultibaseError::UnsupportedPrefix('m')));
        assert_eq!(decode("z0OIl"), Err(MultibaseError::InvalidBase58));
        assert_eq!(decode(""), Err(MultibaseError::Empty));
    }
}
