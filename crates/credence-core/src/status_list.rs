//! W3C Bitstring Status List v1.0: the bitstring, its `encodedList` form, the
//! `BitstringStatusListCredential` that publishes it, and random index allocation.
//!
//! Bit order follows the specification: index 0 is the left-most bit of the
//! bitstring, i.e. the most significant bit of byte 0, and index `len - 1` is
//! the least significant bit of the last byte. `encodedList` is the multibase
//! base64url (no padding, prefix `u`) form of the GZIP-compressed bitstring, and
//! the uncompressed bitstring is at least 16 KiB (131,072 entries).

use std::io::{Read, Write};

use base64::Engine;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rand::Rng;
use serde_json::{Value, json};
use thiserror::Error;

use super::model::VC_V2_CONTEXT;
use super::multibase;

/// The smallest bitstring the specification allows, in bits (16 KiB).
pub const MIN_BITS: u64 = 131_072;
/// The smallest bitstring the specification allows, in bytes.
pub const MIN_BYTES: usize = 16 * 1024;
/// A sensible cap on the decompressed size of a list fetched from elsewhere (16 MiB).
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;
/// How many random probes [`random_free_index`] makes before it counts free indexes.
const RANDOM_PROBES: usize = 64;

/// Why a bitstring could not be built, read, written or decoded.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StatusListError {
    /// The index is not inside the bitstring.
    #[error("status list index {index} is out of range (the list has {len} entries)")]
    IndexOutOfRange { index: u64, len: u64 },
    /// The bitstring is shorter than the 16 KiB the specification requires.
    #[error("bitstring is {bits} bits long; the specification requires at least {min} bits")]
    TooShort { bits: u64, min: u64 },
    /// A bitstring length that is not a whole number of bytes.
    #[error("bitstring length {0} is not a multiple of 8 bits")]
    NotWholeBytes(u64),
    /// The length does not fit in memory on this platform.
    #[error("bitstring length {0} is too large")]
    LengthTooLarge(u64),
    /// `encodedList` does not start with the multibase base64url prefix `u`.
    #[error("encodedList must be multibase base64url (starting with 'u')")]
    NotBase64urlMultibase,
    /// `encodedList` is not valid base64url without padding.
    #[error("encodedList is not valid base64url (no padding)")]
    InvalidBase64,
    /// The decoded bytes are not a valid GZIP stream.
    #[error("encodedList is not valid GZIP data: {0}")]
    InvalidGzip(String),
    /// Decompression would exceed the caller's limit (a decompression bomb or a huge list).
    #[error("decompressed bitstring exceeds the limit of {limit} bytes")]
    DecompressedTooLarge { limit: usize },
}

/// A status list: a sequence of bits, index 0 first, at least [`MIN_BITS`] long.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Bitstring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bitstring").field("bits", &self.len()).field("set", &self.count_set()).finish()
    }
}

impl Default for Bitstring {
    fn default() -> Self {
        Bitstring::new()
    }
}

impl Bitstring {
    /// An all-zero bitstring of the minimum size, [`MIN_BITS`] entries.
    pub fn new() -> Self {
        Bitstring { bytes: vec![0; MIN_BYTES] }
    }

    /// An all-zero bitstring of `bits` entries: a multiple of 8, at least [`MIN_BITS`].
    pub fn with_len(bits: u64) -> Result<Self, StatusListError> {
        if !bits.is_multiple_of(8) {
            return Err(StatusListError::NotWholeBytes(bits));
        }
        if bits < MIN_BITS {
            return Err(StatusListError::TooShort { bits, min: MIN_BITS });
        }
        let bytes = usize::try_from(bits / 8).map_err(|_| StatusListError::LengthTooLarge(bits))?;
        Ok(Bitstring { bytes: vec![0; bytes] })
    }

    /// A bitstring over raw bytes (bit 0 = most significant bit of byte 0).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, StatusListError> {
        let bits = bit_len(bytes.len());
        if bits < MIN_BITS {
            return Err(StatusListError::TooShort { bits, min: MIN_BITS });
        }
        Ok(Bitstring { bytes })
    }

    /// The number of entries (bits).
    pub fn len(&self) -> u64 {
        bit_len(self.bytes.len())
    }

    /// Never true: a bitstring has at least [`MIN_BITS`] entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The raw bytes, index 0 in the most significant bit of the first byte.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of bits set to 1.
    pub fn count_set(&self) -> u64 {
        self.bytes.iter().map(|b| u64::from(b.count_ones())).sum()
    }

    /// The bit at `index`.
    pub fn get(&self, index: u64) -> Result<bool, StatusListError> {
        let (byte, mask) = self.locate(index)?;
        Ok(self.bytes[byte] & mask != 0)
    }

    /// Sets the bit at `index` to `value`.
    pub fn set(&mut self, index: u64, value: bool) -> Result<(), StatusListError> {
        let (byte, mask) = self.locate(index)?;
        if value {
            self.bytes[byte] |= mask;
        } else {
            self.bytes[byte] &= !mask;
        }
        Ok(())
    }

    /// Byte position and bit mask of `index`; the left-most bit is the MSB.
    fn locate(&self, index: u64) -> Result<(usize, u8), StatusListError> {
        let out_of_range = || StatusListError::IndexOutOfRange { index, len: self.len() };
        if index >= self.len() {
            return Err(out_of_range());
        }
        let byte = usize::try_from(index / 8).map_err(|_| out_of_range())?;
        let mask = 0x80u8 >> (index % 8);
        Ok((byte, mask))
    }

    /// The `encodedList` form: `u` + base64url-no-pad(gzip(bytes)).
    pub fn encode(&self) -> String {
        multibase::encode_base64url(&gzip(&self.bytes))
    }

    /// Decodes an `encodedList`, refusing to decompress more than
    /// `max_decompressed_bytes` and refusing bitstrings shorter than 16 KiB.
    pub fn decode(encoded: &str, max_decompressed_bytes: usize) -> Result<Self, StatusListError> {
        let payload = encoded.strip_prefix('u').ok_or(StatusListError::NotBase64urlMultibase)?;
        let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| StatusListError::InvalidBase64)?;
        let bytes = gunzip_bounded(&compressed, max_decompressed_bytes)?;
        Bitstring::from_bytes(bytes)
    }
}

fn bit_len(bytes: usize) -> u64 {
    (bytes as u64).saturating_mul(8)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    // Writing to and finishing a Vec-backed encoder cannot fail for lack of space;
    // an error here would be a bug in the compressor, so fall back to no output.
    encoder.write_all(bytes).and_then(|()| encoder.finish()).unwrap_or_default()
}

/// Decompresses one GZIP member, reading at most `limit + 1` bytes of output so
/// that a small input cannot expand without bound.
fn gunzip_bounded(compressed: &[u8], limit: usize) -> Result<Vec<u8>, StatusListError> {
    let decoder = GzDecoder::new(compressed);
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    decoder.take(cap).read_to_end(&mut out).map_err(|e| StatusListError::InvalidGzip(e.to_string()))?;
    if out.len() > limit {
        return Err(StatusListError::DecompressedTooLarge { limit });
    }
    Ok(out)
}

/// What a status list records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPurpose {
    /// A set bit means the credential is revoked, permanently.
    Revocation,
    /// A set bit means the credential is suspended, possibly temporarily.
    Suspension,
}

impl StatusPurpose {
    /// The `statusPurpose` value, `revocation` or `suspension`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
        }
    }
}

impl std::fmt::Display for StatusPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `statusPurpose`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("unsupported status purpose {0} (expected revocation or suspension)")]
pub struct UnknownStatusPurpose(pub String);

impl std::str::FromStr for StatusPurpose {
    type Err = UnknownStatusPurpose;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "revocation" => Ok(StatusPurpose::Revocation),
            "suspension" => Ok(StatusPurpose::Suspension),
            other => Err(UnknownStatusPurpose(other.to_owned())),
        }
    }
}

/// Type of the status list credential.
pub const BITSTRING_STATUS_LIST_CREDENTIAL: &str = "BitstringStatusListCredential";
/// Type of the status list credential's subject.
pub const BITSTRING_STATUS_LIST: &str = "BitstringStatusList";

/// The unsigned `BitstringStatusListCredential` publishing `bitstring`, ready for
/// [`super::data_integrity::add_proof`].
///
/// `id` is the credential's URL (the `statusListCredential` of the entries),
/// `issuer` the issuer's id and `valid_from` an RFC 3339 date-time. The subject's
/// id is `id#list`.
pub fn status_list_credential(
    id: &str,
    issuer: &str,
    purpose: StatusPurpose,
    bitstring: &Bitstring,
    valid_from: &str,
) -> Value {
    json!({
        "@context": [VC_V2_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", BITSTRING_STATUS_LIST_CREDENTIAL],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": BITSTRING_STATUS_LIST,
            "statusPurpose": purpose.as_str(),
            "encodedList": bitstring.encode(),
        }
    })
}

/// A free index in `0..bitstring_len` chosen at random, so that a list reveals
/// nothing about the order of issuance; `None` when every index is taken.
///
/// It probes random indexes first; when the list is nearly full it counts the
/// free indexes and picks one of them uniformly, so it never loops forever.
/// `is_taken` may be called up to twice per index in that case.
pub fn random_free_index<R: Rng + ?Sized>(
    bitstring_len: u64,
    is_taken: impl Fn(u64) -> bool,
    rng: &mut R,
) -> Option<u64> {
    if bitstring_len == 0 {
        return None;
    }
    for _ in 0..RANDOM_PROBES {
        let candidate = rng.gen_range(0..bitstring_len);
        if !is_taken(candidate) {
            return Some(candidate);
        }
    }
    uniform_free_index(bitstring_len, &is_taken, rng)
}

/// Picks uniformly among all free indexes by counting them, then walking to the chosen one.
fn uniform_free_index<R: Rng + ?Sized>(
    bitstring_len: u64,
    is_taken: &impl Fn(u64) -> bool,
    rng: &mut R,
) -> Option<u64> {
    let free = (0..bitstring_len).filter(|&i| !is_taken(i)).count() as u64;
    if free == 0 {
        return None;
    }
    let nth = rng.gen_range(0..free);
    (0..bitstring_len).filter(|&i| !is_taken(i)).nth(usize::try_from(nth).ok()?)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use ed25519_dalek::SigningKey;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::data_integrity::{Cryptosuite, DidKeyResolver, ProofOptions, add_proof, all_verified, verify_proofs};
    use crate::did::DidKey;

    /// The all-zero 16 KiB list of the specification's examples.
    const SPEC_EXAMPLE_LIST: &str = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";

    #[test]
    fn bit_zero_is_the_left_most_bit_of_the_first_byte() {
        let mut list = Bitstring::new();
        list.set(0, true).unwrap();
        assert_eq!(list.as_bytes()[0], 0b1000_0000);
        list.set(7, true).unwrap();
        assert_eq!(list.as_bytes()[0], 0b1000_0001);
        list.set(8, true).unwrap();
        assert_eq!(list.as_bytes()[1], 0b1000_0000);
        let last = list.len() - 1;
        list.set(last, true).unwrap();
        assert_eq!(*list.as_bytes().last().unwrap(), 0b0000_0001);
        assert!(list.get(0).unwrap() && list.get(7).unwrap() && list.get(last).unwrap());
        assert!(!list.get(1).unwrap());
        list.set(0, false).unwrap();
        assert_eq!(list.as_bytes()[0], 0b0000_0001);
        assert_eq!(list.count_set(), 3);
    }

    #[test]
    fn indexes_outside_the_list_are_refused() {
        let mut list = Bitstring::new();
        assert_eq!(list.len(), MIN_BITS);
        let err = StatusListError::IndexOutOfRange { index: MIN_BITS, len: MIN_BITS };
        assert_eq!(list.get(MIN_BITS), Err(err.clone()));
        assert_eq!(list.set(MIN_BITS, true), Err(err));
        assert!(list.get(u64::MAX).is_err());
    }

    #[test]
    fn sizes_below_16_kib_or_not_whole_bytes_are_refused() {
        assert!(matches!(Bitstring::with_len(MIN_BITS - 8), Err(StatusListError::TooShort { .. })));
        assert_eq!(Bitstring::with_len(MIN_BITS + 1), Err(StatusListError::NotWholeBytes(MIN_BITS + 1)));
        assert_eq!(Bitstring::with_len(MIN_BITS * 2).unwrap().len(), MIN_BITS * 2);
        assert!(matches!(Bitstring::from_bytes(vec![0; 100]), Err(StatusListError::TooShort { .. })));
    }

    #[test]
    fn encode_decode_round_trip() {
        let mut list = Bitstring::new();
        for i in [0, 1, 42, 9_999, 131_071] {
            list.set(i, true).unwrap();
        }
        let encoded = list.encode();
        assert!(encoded.starts_with('u'));
        assert!(!encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'));
        let decoded = Bitstring::decode(&encoded, DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap();
        assert_eq!(decoded, list);
    }

    #[test]
    fn an_empty_minimum_list_encodes_to_a_short_string() {
        let encoded = Bitstring::new().encode();
        assert!(encoded.len() < 100, "{} characters: {encoded}", encoded.len());
    }

    #[test]
    fn decodes_the_specification_example() {
        let list = Bitstring::decode(SPEC_EXAMPLE_LIST, DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap();
        assert_eq!(list.len(), MIN_BITS);
        assert_eq!(list.count_set(), 0);
    }

    #[test]
    fn a_decompression_bomb_is_refused() {
        // 64 MiB of zeros compress to about 64 KiB; the limit stops reading at 16 MiB + 1.
        let bomb = multibase::encode_base64url(&gzip(&vec![0u8; 64 * 1024 * 1024]));
        assert!(bomb.len() < 200_000);
        assert_eq!(
            Bitstring::decode(&bomb, DEFAULT_MAX_DECOMPRESSED_BYTES),
            Err(StatusListError::DecompressedTooLarge { limit: DEFAULT_MAX_DECOMPRESSED_BYTES })
        );
        // A legitimate list over a small limit is refused the same way.
        assert!(matches!(
            Bitstring::decode(&Bitstring::new().encode(), 1024),
            Err(StatusListError::DecompressedTooLarge { limit: 1024 })
        ));
    }

    #[test]
    fn malformed_encodings_are_refused() {
        let short = multibase::encode_base64url(&gzip(&[0u8; 1024]));
        assert!(matches!(
            Bitstring::decode(&short, DEFAULT_MAX_DECOMPRESSED_BYTES),
            Err(StatusListError::TooShort { .. })
        ));
        let no_prefix = &SPEC_EXAMPLE_LIST[1..];
        assert_eq!(Bitstring::decode(no_prefix, 1 << 20), Err(StatusListError::NotBase64urlMultibase));
        assert_eq!(Bitstring::decode("z3yQ", 1 << 20), Err(StatusListError::NotBase64urlMultibase));
        assert_eq!(Bitstring::decode("u!!!", 1 << 20), Err(StatusListError::InvalidBase64));
        assert!(matches!(Bitstring::decode("uAAAA", 1 << 20), Err(StatusListError::InvalidGzip(_))));
        let mut truncated = gzip(&[0u8; MIN_BYTES]);
        truncated.truncate(truncated.len() - 6);
        let truncated = multibase::encode_base64url(&truncated);
        assert!(matches!(Bitstring::decode(&truncated, 1 << 20), Err(StatusListError::InvalidGzip(_))));
    }

    #[test]
    fn status_purposes_parse_and_print() {
        for p in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
            assert_eq!(p.as_str().parse::<StatusPurpose>().unwrap(), p);
        }
        assert!("refresh".parse::<StatusPurpose>().is_err());
    }

    #[test]
    fn the_list_credential_has_the_specified_shape() {
        let mut list = Bitstring::new();
        list.set(94_567, true).unwrap();
        let vc = status_list_credential(
            "https://example.com/status/3",
            "did:example:12345",
            StatusPurpose::Suspension,
            &list,
            "2024-04-05T14:27:40Z",
        );
        assert_eq!(vc["@context"], json!(["https://www.w3.org/ns/credentials/v2"]));
        assert_eq!(vc["type"], json!(["VerifiableCredential", "BitstringStatusListCredential"]));
        let subject = &vc["credentialSubject"];
        assert_eq!(subject["id"], "https://example.com/status/3#list");
        assert_eq!(subject["type"], "BitstringStatusList");
        assert_eq!(subject["statusPurpose"], "suspension");
        let decoded = Bitstring::decode(subject["encodedList"].as_str().unwrap(), 1 << 20).unwrap();
        assert!(decoded.get(94_567).unwrap());
    }

    #[test]
    fn the_list_credential_signs_and_verifies() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let did = DidKey::from_public_key(&key.verifying_key().to_bytes());
        let mut list = Bitstring::new();
        list.set(12, true).unwrap();
        let vc = status_list_credential(
            "https://issuer.example/status/1",
            &did.did,
            StatusPurpose::Revocation,
            &list,
            "2026-01-01T00:00:00Z",
        );
        for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
            let opts = ProofOptions::new(suite, did.verification_method_id()).with_created("2026-01-01T00:00:00Z");
            let signed = add_proof(&vc, &key, &opts).unwrap();
            assert!(all_verified(&verify_proofs(&signed, &DidKeyResolver)), "{suite}");
            let mut tampered = signed.clone();
            tampered["credentialSubject"]["encodedList"] = json!(Bitstring::new().encode());
            assert!(!all_verified(&verify_proofs(&tampered, &DidKeyResolver)), "{suite}");
        }
    }

    #[test]
    fn free_indexes_are_random_and_never_taken() {
        let mut rng = StdRng::seed_from_u64(1);
        let taken: HashSet<u64> = (0..1000).collect();
        let picks: Vec<u64> =
            (0..20).map(|_| random_free_index(MIN_BITS, |i| taken.contains(&i), &mut rng).unwrap()).collect();
        assert!(picks.iter().all(|i| !taken.contains(i) && *i < MIN_BITS));
        // Not sequential: twenty picks from 130,072 free indexes are not consecutive.
        let mut sorted = picks.clone();
        sorted.sort_unstable();
        assert!(sorted.windows(2).any(|w| w[1] - w[0] > 1));
        assert_ne!(picks, sorted, "picks came out in increasing order");
    }

    #[test]
    fn a_nearly_full_list_still_finds_its_last_free_index() {
        let mut rng = StdRng::seed_from_u64(2);
        assert_eq!(random_free_index(MIN_BITS, |i| i != 77_777, &mut rng), Some(77_777));
        assert_eq!(random_free_index(MIN_BITS, |_| true, &mut rng), None);
        assert_eq!(random_free_index(0, |_| false, &mut rng), None);
    }
}
