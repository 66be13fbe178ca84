//! Issuer private keys at rest: Ed25519 seeds sealed with XChaCha20-Poly1305
//! under a 32-byte master key.
//!
//! Sealed layout: `version (1 byte) || nonce (24 bytes) || ciphertext+tag (48 bytes)`.
//! The authenticated data is the version byte followed by the caller's
//! associated data (e.g. organization slug and key id), which binds a sealed
//! key to its database row: moving it to another row makes opening fail.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::RngCore;
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use super::multibase;

/// Current sealed-key format version.
pub const SEAL_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Length of a sealed seed in bytes.
pub const SEALED_LEN: usize = 1 + NONCE_LEN + 32 + TAG_LEN;

/// Errors from parsing master keys and opening sealed keys. Never carry key bytes.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SealError {
    #[error("master key must be 32 bytes, got {0}")]
    MasterKeyLength(usize),
    #[error("master key is not valid {0}")]
    MasterKeyEncoding(&'static str),
    #[error("sealed key must be {SEALED_LEN} bytes, got {0}")]
    SealedLength(usize),
    #[error("unsupported sealed key version {0}")]
    UnsupportedVersion(u8),
    #[error("cannot open sealed key: wrong master key, wrong associated data, or tampered ciphertext")]
    Decrypt,
}

/// The 32-byte key that seals issuer keys. Zeroed on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// From raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MasterKey(bytes)
    }

    /// From a byte slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, SealError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| SealError::MasterKeyLength(bytes.len()))?;
        Ok(MasterKey(array))
    }

    /// From 64 hex characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, SealError> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| SealError::MasterKeyEncoding("hex"))?);
        Self::from_slice(&bytes)
    }

    /// From standard or URL-safe base64, padded or not.
    pub fn from_base64(text: &str) -> Result<Self, SealError> {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        let text = text.trim();
        let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .ok_or(SealError::MasterKeyEncoding("base64"))?;
        Self::from_slice(&Zeroizing::new(decoded))
    }

    /// A fresh random master key from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        MasterKey(bytes)
    }

    /// Hex form, for writing a newly generated key to a secrets file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

fn aad(associated_data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + associated_data.len());
    out.push(SEAL_VERSION);
    out.extend_from_slice(associated_data);
    out
}

/// Seals a 32-byte seed under `master`, bound to `associated_data`.
pub fn seal(master: &MasterKey, seed: &[u8; 32], associated_data: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let aad = aad(associated_data);
    // Not input-dependent: XChaCha20-Poly1305 only fails for messages beyond
    // its length limit, and the message here is always 32 bytes.
    #[allow(clippy::expect_used)]
    let ciphertext = master
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: seed, aad: &aad })
        .expect("XChaCha20-Poly1305 encryption of a 32-byte seed cannot fail");
    let mut out = Vec::with_capacity(SEALED_LEN);
    out.push(SEAL_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Opens a sealed seed; fails unless master key, associated data and bytes all match.
pub fn open(master: &MasterKey, sealed: &[u8], associated_data: &[u8]) -> Result<Zeroizing<[u8; 32]>, SealError> {
    let (&version, rest) = sealed.split_first().ok_or(SealError::SealedLength(0))?;
    if version != SEAL_VERSION {
        return Err(SealError::UnsupportedVersion(version));
    }
    if sealed.len() != SEALED_LEN {
        return Err(SealError::SealedLength(sealed.len()));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let aad = aad(associated_data);
    let plain = Zeroizing::new(
        master
            .cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| SealError::Decrypt)?,
    );
    let mut seed = Zeroizing::new([0u8; 32]);
    if plain.len() != 32 {
        return Err(SealError::Decrypt);
    }
    seed.copy_from_slice(&plain);
    Ok(seed)
}

/// Version byte of a sealed message (any length), distinct from sealed keys.
pub const MESSAGE_SEAL_VERSION: u8 = 2;

/// Version byte of a sealed RSA private key (PKCS#8 DER), distinct from seeds and messages.
pub const RSA_SEAL_VERSION: u8 = 3;

/// Seals a message of any length under `master`, bound to `associated_data`: for
/// stored answers that hold secrets (claim and sign-off links). `None` only for a
/// message beyond the cipher's limit (256 GiB).
pub fn seal_message(master: &MasterKey, message: &[u8], associated_data: &[u8]) -> Option<Vec<u8>> {
    seal_versioned(MESSAGE_SEAL_VERSION, master, message, associated_data)
}

/// Opens a message sealed by [`seal_message`].
pub fn open_message(
    master: &MasterKey,
    sealed: &[u8],
    associated_data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    open_versioned(MESSAGE_SEAL_VERSION, master, sealed, associated_data)
}

/// `version || nonce || ciphertext+tag`, the version byte authenticated before the data.
fn seal_versioned(version: u8, master: &MasterKey, message: &[u8], associated_data: &[u8]) -> Option<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut aad_bytes = vec![version];
    aad_bytes.extend_from_slice(associated_data);
    let ciphertext =
        master.cipher().encrypt(XNonce::from_slice(&nonce), Payload { msg: message, aad: &aad_bytes }).ok()?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(version);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Some(out)
}

fn open_versioned(
    version: u8,
    master: &MasterKey,
    sealed: &[u8],
    associated_data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let (&found, rest) = sealed.split_first().ok_or(SealError::SealedLength(0))?;
    if found != version {
        return Err(SealError::UnsupportedVersion(found));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(SealError::SealedLength(sealed.len()));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let mut aad_bytes = vec![version];
    aad_bytes.extend_from_slice(associated_data);
    master
        .cipher()
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad_bytes })
        .map(Zeroizing::new)
        .map_err(|_| SealError::Decrypt)
}

/// Size of the RSA keys this service makes for RS256 (never less than
/// [`crate::jwt::MIN_RSA_BITS`]).
pub const RSA_KEY_BITS: usize = 2048;

/// Errors from making, reading and using an RSA signing key. Never carry key bytes.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RsaKeyError {
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("the RSA key could not be made")]
    Generate,
    #[error("the sealed RSA key is not a PKCS#8 RSA private key")]
    Pkcs8,
    #[error("an RSA key of {0} bits is too small (minimum {min})", min = crate::jwt::MIN_RSA_BITS)]
    TooSmall(usize),
    #[error("RS256 signing failed")]
    Sign,
}

/// An issuer's RSA key pair, for RS256 VC-JWTs (Open Badges 3.0 names RS256 as the
/// algorithm every implementation supports). At rest it is its PKCS#8 DER, sealed as
/// the Ed25519 seeds are (XChaCha20-Poly1305 under the master key, bound to the row)
/// with its own version byte. `Debug` shows only the public key's thumbprint.
#[derive(Clone)]
pub struct RsaIssuerKey {
    private: rsa::RsaPrivateKey,
}

impl RsaIssuerKey {
    /// A new random key of [`RSA_KEY_BITS`] bits. Slow (tens to hundreds of
    /// milliseconds): callers on an async runtime run it on a blocking thread.
    pub fn generate() -> Result<Self, RsaKeyError> {
        let private =
            rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_KEY_BITS).map_err(|_| RsaKeyError::Generate)?;
        Ok(RsaIssuerKey { private })
    }

    /// Reads a PKCS#8 DER RSA private key; one under [`crate::jwt::MIN_RSA_BITS`] is refused.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, RsaKeyError> {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::traits::PublicKeyParts;
        let private = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|_| RsaKeyError::Pkcs8)?;
        let bits = private.n().bits();
        if bits < crate::jwt::MIN_RSA_BITS {
            return Err(RsaKeyError::TooSmall(bits));
        }
        Ok(RsaIssuerKey { private })
    }

    /// The PKCS#8 DER of the private key (secret); zeroed when dropped.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, RsaKeyError> {
        use rsa::pkcs8::EncodePrivateKey;
        let document = self.private.to_pkcs8_der().map_err(|_| RsaKeyError::Pkcs8)?;
        Ok(Zeroizing::new(document.as_bytes().to_vec()))
    }

    /// The public key, as VC-JWT verification reads it.
    pub fn public(&self) -> crate::jwt::JwtVerificationKey {
        use rsa::traits::PublicKeyParts;
        crate::jwt::JwtVerificationKey::Rsa { n: self.private.n().to_bytes_be(), e: self.private.e().to_bytes_be() }
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 and SHA-256 (JWS `RS256`), blinded.
    pub fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, RsaKeyError> {
        use rsa::signature::{RandomizedSigner, SignatureEncoding};
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(self.private.clone());
        let signature = signer.try_sign_with_rng(&mut rand::rngs::OsRng, message).map_err(|_| RsaKeyError::Sign)?;
        Ok(signature.to_vec())
    }

    /// Seals the PKCS#8 DER under `master`, bound to `associated_data`.
    pub fn seal(&self, master: &MasterKey, associated_data: &[u8]) -> Result<Vec<u8>, RsaKeyError> {
        let der = self.to_pkcs8_der()?;
        seal_versioned(RSA_SEAL_VERSION, master, &der, associated_data).ok_or(RsaKeyError::Pkcs8)
    }

    /// Opens a key sealed by [`RsaIssuerKey::seal`].
    pub fn open(master: &MasterKey, sealed: &[u8], associated_data: &[u8]) -> Result<Self, RsaKeyError> {
        let der = open_versioned(RSA_SEAL_VERSION, master, sealed, associated_data)?;
        Self::from_pkcs8_der(&der)
    }
}

impl std::fmt::Debug for RsaIssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaIssuerKey").field("thumbprint", &self.public().jwk_thumbprint()).finish_non_exhaustive()
    }
}

/// An issuer's Ed25519 key pair. `Debug` and `Display` show only the public key.
#[derive(Clone)]
pub struct IssuerKey {
    signing: SigningKey,
}

/// Alias: the same wrapper under its generic name.
pub type KeyPair = IssuerKey;

impl IssuerKey {
    /// A new random key.
    pub fn generate() -> Self {
        IssuerKey { signing: SigningKey::generate(&mut rand::rngs::OsRng) }
    }

    /// The key for a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        IssuerKey { signing: SigningKey::from_bytes(seed) }
    }

    /// The seed (secret); zeroed when dropped.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The underlying signing key, for signature code.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The 32 public key bytes.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// Multikey form of the public key (`z6Mk...`).
    pub fn public_multibase(&self) -> String {
        multibase::encode_ed25519_public(&self.public_key_bytes())
    }

    /// Signs `message` (Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.signing.sign(message)
    }

    /// Seals this key's seed under `master`, bound to `associated_data`.
    pub fn seal(&self, master: &MasterKey, associated_data: &[u8]) -> Vec<u8> {
        seal(master, &self.seed(), associated_data)
    }

    /// Opens a sealed seed back into a key.
    pub fn open(master: &MasterKey, sealed: &[u8], associated_data: &[u8]) -> Result<Self, SealError> {
        open(master, sealed, associated_data).map(|seed| Self::from_seed(&seed))
    }
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey").field("public", &self.public_multibase()).finish_non_exhaustive()
    }
}

impl std::fmt::Display for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.public_multibase())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_of_any_length_seal_and_open_only_with_the_same_key_and_data() {
        let master = MasterKey::from_bytes([9u8; 32]);
        for message in [&b""[..], b"{\"claimUrl\":\"clm_x\"}", &[7u8; 5000]] {
            let sealed = super::seal_message(&master, message, b"org|key").unwrap();
            assert!(!sealed.windows(5).any(|w| w == b"clm_x"));
            assert_eq!(&*super::open_message(&master, &sealed, b"org|key").unwrap(), message);
            assert_eq!(super::open_message(&master, &sealed, b"org|other"), Err(SealError::Decrypt));
            assert_eq!(
                super::open_message(&MasterKey::from_bytes([8u8; 32]), &sealed, b"org|key"),
                Err(SealError::Decrypt)
            );
            let mut tampered = sealed.clone();
            let last = tampered.len() - 1;
            tampered[last] ^= 1;
            assert_eq!(super::open_message(&master, &tampered, b"org|key"), Err(SealError::Decrypt));
        }
        assert!(super::open_message(&master, &[2u8; 10], b"").is_err());
        assert!(super::open_message(&master, &[], b"").is_err());
    }

    use super::*;

    const SEED_HEX: &str = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4";

    fn seed() -> [u8; 32] {
        hex::decode(SEED_HEX).unwrap().try_into().unwrap()
    }

    #[test]
    fn round_trip() {
        let master = MasterKey::generate();
        let sealed = seal(&master, &seed(), b"acme/key-1");
        assert_eq!(sealed.len(), SEALED_LEN);
        assert_eq!(sealed[0], SEAL_VERSION);
        assert_eq!(*open(&master, &sealed, b"acme/key-1").unwrap(), seed());
        // Fresh nonce each time.
        assert_ne!(sealed, seal(&master, &seed(), b"acme/key-1"));
    }

    #[test]
    fn wrong_master_key_wrong_ad_and_tampering_fail() {
        let master = MasterKey::generate();
        let sealed = seal(&master, &seed(), b"acme/key-1");
        assert_eq!(open(&MasterKey::generate(), &sealed, b"acme/key-1").unwrap_err(), SealError::Decrypt);
        assert_eq!(open(&master, &sealed, b"acme/key-2").unwrap_err(), SealError::Decrypt);
        for position in [1, 30, SEALED_LEN - 1] {
            let mut tampered = sealed.clone();
            tampered[position] ^= 0x01;
            assert_eq!(open(&master, &tampered, b"acme/key-1").unwrap_err(), SealError::Decrypt);
        }
        let mut versioned = sealed.clone();
        versioned[0] = 9;
        assert_eq!(open(&master, &versioned, b"acme/key-1").unwrap_err(), SealError::UnsupportedVersion(9));
        assert_eq!(open(&master, &sealed[..40], b"acme/key-1").unwrap_err(), SealError::SealedLength(40));
        assert_eq!(open(&master, &[], b"").unwrap_err(), SealError::SealedLength(0));
        let message = SealError::Decrypt.to_string();
        assert!(!message.contains(SEED_HEX));
    }

    #[test]
    fn master_key_parsing() {
        let master = MasterKey::generate();
        let hex_form = master.to_hex();
        let again = MasterKey::from_hex(&hex_form).unwrap();
        let sealed = seal(&master, &seed(), b"x");
        assert!(open(&again, &sealed, b"x").is_ok());
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert!(MasterKey::from_base64(&b64).is_ok());
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfbu8; 32]);
        assert!(MasterKey::from_base64(&b64url).is_ok());
        assert_eq!(MasterKey::from_hex("abcd").unwrap_err(), SealError::MasterKeyLength(2));
        assert_eq!(MasterKey::from_hex("zz").unwrap_err(), SealError::MasterKeyEncoding("hex"));
        assert_eq!(MasterKey::from_base64("!!").unwrap_err(), SealError::MasterKeyEncoding("base64"));
    }

    #[test]
    fn debug_and_display_print_no_secret() {
        let master = MasterKey::from_bytes(seed());
        assert_eq!(format!("{master:?}"), "MasterKey(<redacted>)");
        let key = IssuerKey::from_seed(&seed());
        let shown = format!("{key:?} {key} {key:#?}");
        assert!(!shown.contains(SEED_HEX), "{shown}");
        assert!(!shown.to_lowercase().contains(&SEED_HEX[..16]));
        assert!(shown.contains("z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"));
    }

    #[test]
    fn issuer_key_matches_the_1edtech_vector_and_reopens() {
        let key = IssuerKey::from_seed(&seed());
        assert_eq!(
            hex::encode(key.public_key_bytes()),
            "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
        );
        let master = MasterKey::generate();
        let reopened = IssuerKey::open(&master, &key.seal(&master, b"org/1"), b"org/1").unwrap();
        assert_eq!(reopened.public_multibase(), key.public_multibase());
        let signature = key.sign(b"msg");
        assert!(key.verifying_key().verify_strict(b"msg", &signature).is_ok());
        assert_ne!(IssuerKey::generate().public_key_bytes(), key.public_key_bytes());
    }

    #[test]
    fn rsa_keys_seal_open_and_refuse_small_moduli() {
        let master = MasterKey::generate();
        let key = RsaIssuerKey::generate().unwrap();
        let crate::jwt::JwtVerificationKey::Rsa { n, .. } = key.public() else { panic!("not RSA") };
        assert_eq!(n.len() * 8, RSA_KEY_BITS);
        let sealed = key.seal(&master, b"org|key-1").unwrap();
        assert_eq!(sealed[0], RSA_SEAL_VERSION);
        let der = key.to_pkcs8_der().unwrap();
        assert!(!sealed.windows(32).any(|w| der.windows(32).any(|d| d == w)), "the DER is not in the clear");
        let reopened = RsaIssuerKey::open(&master, &sealed, b"org|key-1").unwrap();
        assert_eq!(reopened.public(), key.public());
        assert!(reopened.public().jwk_thumbprint().len() == 43);
        // Bound to its row and its master key; a sealed seed is not an RSA key.
        assert_eq!(
            RsaIssuerKey::open(&master, &sealed, b"org|key-2").unwrap_err(),
            RsaKeyError::Seal(SealError::Decrypt)
        );
        assert_eq!(
            RsaIssuerKey::open(&MasterKey::generate(), &sealed, b"org|key-1").unwrap_err(),
            RsaKeyError::Seal(SealError::Decrypt)
        );
        let seed_sealed = seal(&master, &seed(), b"org|key-1");
        assert_eq!(
            RsaIssuerKey::open(&master, &seed_sealed, b"org|key-1").unwrap_err(),
            RsaKeyError::Seal(SealError::UnsupportedVersion(SEAL_VERSION))
        );
        assert!(open(&master, &sealed, b"org|key-1").is_err());
        // A 1024-bit key is never used, even when it opens.
        let small = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        let small_der = {
            use rsa::pkcs8::EncodePrivateKey;
            small.to_pkcs8_der().unwrap().as_bytes().to_vec()
        };
        assert_eq!(RsaIssuerKey::from_pkcs8_der(&small_der).unwrap_err(), RsaKeyError::TooSmall(1024));
        assert_eq!(RsaIssuerKey::from_pkcs8_der(b"not der").unwrap_err(), RsaKeyError::Pkcs8);
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.public().jwk_thumbprint()) && !shown.contains("RsaPrivateKey"), "{shown}");
    }
}
