//! Key material: the master key that seals organizations' signing keys, and the
//! signing keys themselves (sealed in the database, opened only to sign).
//!
//! The master key comes from `CREDENCE_MASTER_KEY` (hex or base64) or from
//! `keys/master.key`, which is created with mode 0600 (in a `keys/` folder created
//! 0700) on first start.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use credence_core::did;
use credence_core::jwt::JwtVerificationKey;
use credence_core::sealed_key::{IssuerKey, MasterKey, RsaIssuerKey};

pub const MASTER_KEY_FILE: &str = "master.key";

/// Loads the master key from the environment value, or from `dir/master.key`,
/// creating that file (0600) with a new random key when it does not exist.
pub fn load_master_key(dir: &Path, from_env: Option<&str>) -> AppResult<MasterKey> {
    if let Some(text) = from_env.map(str::trim).filter(|t| !t.is_empty()) {
        return parse_master_key(text).map_err(|reason| AppError::invalid("CREDENCE_MASTER_KEY", reason));
    }
    let path = dir.join(MASTER_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            parse_master_key(text.trim()).map_err(|reason| AppError::Internal(format!("{}: {reason}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_master_key_file(dir, &path),
        Err(e) => Err(AppError::Internal(format!("cannot read {}: {e}", path.display()))),
    }
}

fn parse_master_key(text: &str) -> Result<MasterKey, String> {
    MasterKey::from_hex(text)
        .or_else(|_| MasterKey::from_base64(text))
        .map_err(|_| "the master key must be 32 bytes as 64 hex digits or base64".to_string())
}

/// Creates `dir` and its missing parents, readable by this user only (0700 on Unix), for key
/// material and the database. A folder that exists already is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn create_master_key_file(dir: &Path, path: &Path) -> AppResult<MasterKey> {
    create_private_dir(dir).map_err(|e| AppError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    let key = MasterKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(format!("{}\n", key.to_hex().as_str()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| AppError::Internal(format!("cannot write {}: {e}", path.display())))?;
            tracing::info!(path = %path.display(), "created a new master key");
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_master_key(dir, None),
        Err(e) => Err(AppError::Internal(format!("cannot create {}: {e}", path.display()))),
    }
}

/// Associated data binding a sealed seed to its row.
pub fn seal_binding(organization_id: &str, key_id: &str) -> Vec<u8> {
    format!("credence signing key|{organization_id}|{key_id}").into_bytes()
}

/// A signing key as listed: public parts only.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SigningKeyInfo {
    pub id: String,
    /// `current` signs new credentials; `retired` keys only verify old ones.
    pub status: String,
    pub public_key_multibase: String,
    pub created_at: String,
    pub retired_at: Option<String>,
}

/// A current key opened for signing, with the identifiers it signs under.
pub struct OpenedKey {
    pub info: SigningKeyInfo,
    pub key: IssuerKey,
}

/// An RSA key (RS256 VC-JWTs) as listed: public parts only.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RsaKeyInfo {
    pub id: String,
    /// `current` signs new VC-JWTs; `retired` keys only verify old ones.
    pub status: String,
    /// The public key as a JWK (`kty` RSA, `n`, `e`).
    #[schema(value_type = Object)]
    pub public_key_jwk: serde_json::Value,
    pub created_at: String,
    pub retired_at: Option<String>,
}

impl RsaKeyInfo {
    /// The public key, read from its stored JWK.
    pub fn public_key(&self) -> AppResult<JwtVerificationKey> {
        JwtVerificationKey::from_jwk(&self.public_key_jwk)
            .map_err(|e| AppError::Internal(format!("stored RSA key {} is unreadable: {e}", self.id)))
    }
}

/// A current RSA key opened for signing.
pub struct OpenedRsaKey {
    pub info: RsaKeyInfo,
    pub key: RsaIssuerKey,
}

/// The `kid` of the VC-JWTs a key signs for an issuer: the id of the key's JsonWebKey
/// verification method in the issuer's documents, `<issuer>#<JWK thumbprint>`.
pub fn jwt_kid(issuer: &str, key: &JwtVerificationKey) -> String {
    did::jwk_method_id(issuer, key)
}

/// The `did:web` of an organization under the public base URL:
/// `https://host:port/issuers/slug` -> `did:web:host%3Aport:issuers:slug`.
/// `None` when the public URL is not https (did:web is https only).
pub fn organization_did(public_url: &str, slug: &str) -> Option<String> {
    did::url_to_did_web(&format!("{public_url}/issuers/{slug}")).ok()
}

/// The public keys of an organization: its Ed25519 keys, current first, then retired
/// ones, then its RSA keys in the same order.
pub async fn public_keys(store: &crate::store::Store, organization_id: &str) -> AppResult<Vec<JwtVerificationKey>> {
    let keys = store.signing_keys(organization_id).await?;
    let mut public = keys
        .iter()
        .map(|k| {
            credence_core::multibase::decode_ed25519_public(&k.public_key_multibase)
                .map(JwtVerificationKey::Ed25519)
                .map_err(|e| AppError::Internal(format!("stored public key {} is unreadable: {e}", k.id)))
        })
        .collect::<AppResult<Vec<_>>>()?;
    for rsa in store.rsa_signing_keys(organization_id).await? {
        public.push(rsa.public_key()?);
    }
    Ok(public)
}

/// The organization's Profile listing its keys as verification methods
/// (`<profile URL>#<multikey>` and `<profile URL>#<JWK thumbprint>`); the plain Profile
/// while it has no key.
pub fn profile_document(
    org: &crate::domain::organization::Organization,
    keys: &[JwtVerificationKey],
) -> AppResult<serde_json::Value> {
    if keys.is_empty() {
        return Ok(org.profile_document());
    }
    did::profile_controller_document(&org.profile(), keys)
        .map_err(|e| AppError::Internal(format!("profile of {}: {e}", org.slug)))
}

/// The organization's did:web document, when the public URL allows a did:web.
pub fn did_document(
    public_url: &str,
    org: &crate::domain::organization::Organization,
    keys: &[JwtVerificationKey],
) -> Option<(String, serde_json::Value)> {
    let did = organization_did(public_url, &org.slug)?;
    let doc = did::did_web_document(&did, keys);
    Some((did, doc))
}
