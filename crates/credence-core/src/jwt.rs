//! VC-JWT: the Open Badges 3.0 "JSON Web Token Proof Format".
//!
//! OB 3.0 (on VC Data Model 2.0) makes the JWT payload *the credential itself*
//! with the registered claims added beside its properties: `iss` = `issuer.id`,
//! `jti` = `id`, `sub` = `credentialSubject.id`, `nbf` = `validFrom`, `exp` =
//! `validUntil` (required when the credential has one). Credentials on VC 1.1
//! instead travel in a `vc` claim, with `nbf`/`exp` from `issuanceDate`/
//! `expirationDate`; both forms are issued (chosen by the credential's first
//! `@context`) and read. No `iat` is added: OB 3.0 does not define it.
//!
//! The JOSE header holds only `alg`, `typ` ("JWT"), and `kid` or `jwk` (OB 3.0
//! allows no other header). This module verifies
//! EdDSA and RS256 (the algorithm OB 3.0 requires implementations to support),
//! and signs with either: an RS256 issuer's key is an [`crate::sealed_key::RsaIssuerKey`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Map, Value};
use thiserror::Error;
use time::OffsetDateTime;

use super::model::{VC_V1_CONTEXT, parse_date_time_z};
use super::multibase;

/// Registered JWT claim names (RFC 7519 §4.1); stripped when the payload is the credential.
const REGISTERED_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];
const ALLOWED_HEADERS: [&str; 4] = ["alg", "typ", "kid", "jwk"];
/// Smallest RSA modulus accepted (RFC 7518 §3.3).
pub const MIN_RSA_BITS: usize = 2048;

/// Errors from issuing, decoding and verifying VC-JWTs.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("a compact JWS has 3 segments, this token has {0}")]
    SegmentCount(usize),
    #[error("{0} segment is not valid unpadded base64url")]
    Base64(&'static str),
    #[error("{segment} segment is not a JSON object: {message}")]
    Json { segment: &'static str, message: String },
    #[error("alg 'none' is not accepted")]
    AlgNone,
    #[error("header.alg is missing or not a string")]
    MissingAlg,
    #[error("unsupported alg '{0}' (supported: EdDSA, RS256)")]
    UnsupportedAlg(String),
    #[error("header.typ must be 'JWT', got {0}")]
    BadTyp(String),
    #[error("header.{0} is not allowed in an Open Badges VC-JWT")]
    UnexpectedHeader(String),
    #[error("header must have 'kid' or 'jwk'")]
    MissingKeyReference,
    #[error("header.kid must be a string")]
    BadKid,
    #[error("header.jwk contains private key material ('d')")]
    PrivateKeyInHeader,
    #[error("invalid JWK: {0}")]
    Jwk(String),
    #[error("header.jwk does not match the verification key")]
    JwkMismatch,
    #[error("alg {alg} cannot be verified with {key} key")]
    KeyAlgorithmMismatch { alg: String, key: &'static str },
    #[error("invalid RSA public key: {0}")]
    InvalidRsaKey(String),
    #[error("RSA key of {0} bits is too small (minimum {MIN_RSA_BITS})")]
    RsaKeyTooSmall(usize),
    #[error("invalid Ed25519 public key")]
    InvalidEd25519Key,
    #[error("signature does not verify")]
    BadSignature,
    #[error("header.kid '{kid}' is not a verification method of the issuer '{issuer}'")]
    KidNotIssuer { kid: String, issuer: String },
    #[error("header.kid '{0}' names a different did:key than the verification key")]
    KidKeyMismatch(String),
    #[error("claim '{0}' is required")]
    MissingClaim(&'static str),
    #[error("claim '{claim}' does not match the credential's {path}")]
    ClaimMismatch { claim: &'static str, path: &'static str },
    #[error("credential {path}: {message}")]
    Credential { path: &'static str, message: String },
    #[error("the credential payload already has the registered claim '{0}'")]
    ClaimCollision(String),
    #[error("the RS256 signature could not be made")]
    SigningFailed,
    #[error("credential is not yet valid (nbf)")]
    NotYetValid,
    #[error("credential has expired (exp)")]
    Expired,
}

/// A public key to verify a VC-JWT with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtVerificationKey {
    /// An Ed25519 public key (alg EdDSA).
    Ed25519([u8; 32]),
    /// An RSA public key (alg RS256): big-endian modulus and exponent.
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

impl JwtVerificationKey {
    /// Reads a public JWK: `{kty: "OKP", crv: "Ed25519", x}` or `{kty: "RSA", n, e}`.
    /// A JWK carrying `d` (a private key) is refused.
    pub fn from_jwk(jwk: &Value) -> Result<Self, JwtError> {
        let obj = jwk.as_object().ok_or_else(|| JwtError::Jwk("not an object".into()))?;
        if obj.contains_key("d") {
            return Err(JwtError::PrivateKeyInHeader);
        }
        let member = |name: &str| -> Result<Vec<u8>, JwtError> {
            let text =
                obj.get(name).and_then(Value::as_str).ok_or_else(|| JwtError::Jwk(format!("'{name}' missing")))?;
            URL_SAFE_NO_PAD.decode(text).map_err(|_| JwtError::Jwk(format!("'{name}' is not base64url")))
        };
        match obj.get("kty").and_then(Value::as_str) {
            Some("OKP") if obj.get("crv").and_then(Value::as_str) == Some("Ed25519") => {
                let x = member("x")?;
                let key: [u8; 32] = x.try_into().map_err(|_| JwtError::Jwk("'x' must be 32 bytes".into()))?;
                Ok(JwtVerificationKey::Ed25519(key))
            }
            Some("RSA") => Ok(JwtVerificationKey::Rsa { n: member("n")?, e: member("e")? }),
            _ => Err(JwtError::Jwk("unsupported kty/crv (expected OKP Ed25519 or RSA)".into())),
        }
    }

    /// The public JWK: `{kty: "OKP", crv: "Ed25519", x}` or `{kty: "RSA", n, e}`.
    pub fn to_jwk(&self) -> Value {
        match self {
            JwtVerificationKey::Ed25519(public) => ed25519_jwk(public),
            JwtVerificationKey::Rsa { n, e } => serde_json::json!({
                "kty": "RSA",
                "n": URL_SAFE_NO_PAD.encode(strip_leading_zeros(n)),
                "e": URL_SAFE_NO_PAD.encode(strip_leading_zeros(e)),
            }),
        }
    }

    /// The JWK thumbprint (RFC 7638, SHA-256, base64url): the SHA-256 of the required
    /// members in lexicographic order with no whitespace. Verification method ids of
    /// the JsonWebKey form end in it, so a key's id follows from the key.
    pub fn jwk_thumbprint(&self) -> String {
        use sha2::Digest;
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(strip_leading_zeros(bytes));
        // Every member is base64url or a fixed word: nothing to escape.
        let members = match self {
            JwtVerificationKey::Ed25519(public) => {
                format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, URL_SAFE_NO_PAD.encode(public))
            }
            JwtVerificationKey::Rsa { n, e } => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, b64(e), b64(n)),
        };
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(members.as_bytes()))
    }

    /// The JWS algorithm this key verifies.
    pub fn algorithm(&self) -> JwtAlgorithm {
        match self {
            JwtVerificationKey::Ed25519(_) => JwtAlgorithm::EdDsa,
            JwtVerificationKey::Rsa { .. } => JwtAlgorithm::Rs256,
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            JwtVerificationKey::Ed25519(_) => "an Ed25519",
            JwtVerificationKey::Rsa { .. } => "an RSA",
        }
    }
}

/// An RSA integer as JWK writes it (RFC 7518 §6.3.1: no leading zero octets).
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len().saturating_sub(1));
    &bytes[start..]
}

/// The JWS algorithms VC-JWTs are signed with here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwtAlgorithm {
    /// `EdDSA` with Ed25519.
    EdDsa,
    /// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256, the algorithm Open Badges 3.0 requires.
    Rs256,
}

impl JwtAlgorithm {
    /// The JOSE `alg` value.
    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::EdDsa => "EdDSA",
            JwtAlgorithm::Rs256 => "RS256",
        }
    }

    /// Reads a JOSE `alg` value (exact spelling).
    pub fn parse(alg: &str) -> Option<Self> {
        match alg {
            "EdDSA" => Some(JwtAlgorithm::EdDsa),
            "RS256" => Some(JwtAlgorithm::Rs256),
            _ => None,
        }
    }
}

/// The public JWK of an Ed25519 key: `{kty: "OKP", crv: "Ed25519", x}`.
pub fn ed25519_jwk(public_key: &[u8; 32]) -> Value {
    serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(public_key)})
}

/// A decoded (not yet verified) VC-JWT.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The whole JWT payload.
    pub claims: Map<String, Value>,
    /// The credential: the `vc` claim (VC 1.1) or the payload without registered claims.
    pub credential: Value,
    /// `base64url(header) "." base64url(payload)`: the signed bytes.
    pub signing_input: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

impl DecodedJwt {
    /// `alg` from the header.
    pub fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or_default()
    }

    /// `kid` from the header, if any.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// `jwk` from the header, if any.
    pub fn jwk(&self) -> Option<&Value> {
        self.header.get("jwk")
    }
}

/// Options for [`verify_vc_jwt_with`].
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Require `kid` (when present) to be `<issuer id>#...` or the issuer id itself.
    pub require_kid_under_issuer: bool,
    /// Check `nbf`/`exp` against this time; `None` skips the time checks.
    pub now: Option<OffsetDateTime>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { require_kid_under_issuer: true, now: Some(OffsetDateTime::now_utc()) }
    }
}

/// Signs `credential` as an EdDSA VC-JWT with `kid` as the header key reference.
pub fn sign_vc_jwt(credential: &Value, key: &SigningKey, kid: &str) -> Result<String, JwtError> {
    let signing_input = signing_input(credential, JwtAlgorithm::EdDsa, kid)?;
    let signature = key.sign(signing_input.as_bytes());
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes())))
}

/// Signs `credential` as an RS256 VC-JWT (RSASSA-PKCS1-v1_5, SHA-256) with `kid` as
/// the header key reference.
pub fn sign_vc_jwt_rs256(
    credential: &Value,
    key: &crate::sealed_key::RsaIssuerKey,
    kid: &str,
) -> Result<String, JwtError> {
    let signing_input = signing_input(credential, JwtAlgorithm::Rs256, kid)?;
    let signature = key.sign_rs256(signing_input.as_bytes()).map_err(|_| JwtError::SigningFailed)?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// `base64url(header) "." base64url(payload)` for a credential signed with `alg` under `kid`.
fn signing_input(credential: &Value, alg: JwtAlgorithm, kid: &str) -> Result<String, JwtError> {
    let header = serde_json::json!({"alg": alg.as_str(), "typ": "JWT", "kid": kid});
    let payload = build_payload(credential)?;
    Ok(format!("{}.{}", encode_json(&header), encode_json(&Value::Object(payload))))
}

/// The JWT claims for a credential (see the module documentation).
pub fn build_payload(credential: &Value) -> Result<Map<String, Value>, JwtError> {
    let fields =
        credential.as_object().ok_or(JwtError::Credential { path: "", message: "must be a JSON object".into() })?;
    let facts = CredentialFacts::read(credential)?;
    let mut payload = Map::new();
    if facts.vc1 {
        payload.insert("vc".into(), credential.clone());
    } else {
        if let Some(claim) = REGISTERED_CLAIMS.iter().find(|c| fields.contains_key(**c)) {
            return Err(JwtError::ClaimCollision((*claim).to_owned()));
        }
        payload.extend(fields.clone());
    }
    payload.insert("iss".into(), facts.issuer.into());
    payload.insert("jti".into(), facts.id.into());
    if let Some(subject) = facts.subject {
        payload.insert("sub".into(), subject.into());
    }
    payload.insert("nbf".into(), facts.start.into());
    if let Some(end) = facts.end {
        payload.insert("exp".into(), end.into());
    }
    Ok(payload)
}

/// Splits and decodes a compact JWS carrying a credential, checking the header's
/// form (alg not `none` and supported, `typ`, allowed headers, `kid`/`jwk`).
/// Does not verify the signature.
pub fn decode_vc_jwt(token: &str) -> Result<DecodedJwt, JwtError> {
    let segments: Vec<&str> = token.trim().split('.').collect();
    let [header_b64, payload_b64, signature_b64] = segments[..] else {
        return Err(JwtError::SegmentCount(segments.len()));
    };
    let header = decode_object(header_b64, "header")?;
    check_header(&header)?;
    let claims = decode_object(payload_b64, "payload")?;
    let signature = URL_SAFE_NO_PAD.decode(signature_b64).map_err(|_| JwtError::Base64("signature"))?;
    let credential = match claims.get("vc") {
        Some(vc) if vc.is_object() => vc.clone(),
        Some(_) => {
            return Err(JwtError::Json { segment: "payload", message: "'vc' must be an object".into() });
        }
        None => {
            let mut credential = claims.clone();
            credential.retain(|name, _| !REGISTERED_CLAIMS.contains(&name.as_str()));
            Value::Object(credential)
        }
    };
    Ok(DecodedJwt { header, claims, credential, signing_input: format!("{header_b64}.{payload_b64}"), signature })
}

/// Verifies a VC-JWT with `key` and the default options (kid under the issuer,
/// time checks against now), returning the credential.
pub fn verify_vc_jwt(token: &str, key: &JwtVerificationKey) -> Result<Value, JwtError> {
    verify_vc_jwt_with(token, key, &VerifyOptions::default())
}

/// Verifies a VC-JWT: signature, header key reference, and the registered
/// claims against the embedded credential (OB 3.0 "Verify a Credential").
pub fn verify_vc_jwt_with(token: &str, key: &JwtVerificationKey, options: &VerifyOptions) -> Result<Value, JwtError> {
    let decoded = decode_vc_jwt(token)?;
    if let Some(jwk) = decoded.jwk()
        && JwtVerificationKey::from_jwk(jwk)? != *key
    {
        return Err(JwtError::JwkMismatch);
    }
    verify_signature(&decoded, key)?;
    let facts = CredentialFacts::read(&decoded.credential)?;
    if let Some(kid) = decoded.kid() {
        check_kid(kid, key, &facts.issuer, options.require_kid_under_issuer)?;
    }
    check_claims(&decoded.claims, &facts)?;
    if let Some(now) = options.now {
        check_time(&decoded.claims, now)?;
    }
    Ok(decoded.credential)
}

fn encode_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn decode_object(segment: &str, name: &'static str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).map_err(|_| JwtError::Base64(name))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(JwtError::Json { segment: name, message: "not an object".into() }),
        Err(err) => Err(JwtError::Json { segment: name, message: err.to_string() }),
    }
}

fn check_header(header: &Map<String, Value>) -> Result<(), JwtError> {
    match header.get("alg").and_then(Value::as_str) {
        None => return Err(JwtError::MissingAlg),
        Some(alg) if alg.eq_ignore_ascii_case("none") => return Err(JwtError::AlgNone),
        Some("EdDSA" | "RS256") => {}
        Some(other) => return Err(JwtError::UnsupportedAlg(other.to_owned())),
    }
    if let Some(name) = header.keys().find(|name| !ALLOWED_HEADERS.contains(&name.as_str())) {
        return Err(JwtError::UnexpectedHeader(name.clone()));
    }
    if let Some(typ) = header.get("typ")
        && typ.as_str() != Some("JWT")
    {
        return Err(JwtError::BadTyp(typ.to_string()));
    }
    match (header.get("kid"), header.get("jwk")) {
        (None, None) => Err(JwtError::MissingKeyReference),
        (Some(kid), _) if !kid.is_string() => Err(JwtError::BadKid),
        (_, Some(jwk)) if jwk.get("d").is_some() => Err(JwtError::PrivateKeyInHeader),
        _ => Ok(()),
    }
}

fn verify_signature(decoded: &DecodedJwt, key: &JwtVerificationKey) -> Result<(), JwtError> {
    let message = decoded.signing_input.as_bytes();
    match (decoded.alg(), key) {
        ("EdDSA", JwtVerificationKey::Ed25519(public)) => verify_ed25519(public, message, &decoded.signature),
        ("RS256", JwtVerificationKey::Rsa { n, e }) => verify_rs256(n, e, message, &decoded.signature),
        (alg, key) => Err(JwtError::KeyAlgorithmMismatch { alg: alg.to_owned(), key: key.describe() }),
    }
}

fn verify_ed25519(public: &[u8; 32], message: &[u8], signature: &[u8]) -> Result<(), JwtError> {
    let key = ed25519_dalek::VerifyingKey::from_bytes(public).map_err(|_| JwtError::InvalidEd25519Key)?;
    let signature = ed25519_dalek::Signature::from_slice(signature).map_err(|_| JwtError::BadSignature)?;
    key.verify_strict(message, &signature).map_err(|_| JwtError::BadSignature)
}

pub(crate) fn verify_rs256(n: &[u8], e: &[u8], message: &[u8], signature: &[u8]) -> Result<(), JwtError> {
    use rsa::signature::Verifier;
    use rsa::traits::PublicKeyParts;
    let public = rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(n), rsa::BigUint::from_bytes_be(e))
        .map_err(|err| JwtError::InvalidRsaKey(err.to_string()))?;
    let bits = public.n().bits();
    if bits < MIN_RSA_BITS {
        return Err(JwtError::RsaKeyTooSmall(bits));
    }
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    let signature = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| JwtError::BadSignature)?;
    verifier.verify(message, &signature).map_err(|_| JwtError::BadSignature)
}

fn check_kid(kid: &str, key: &JwtVerificationKey, issuer: &str, require_under_issuer: bool) -> Result<(), JwtError> {
    if kid.starts_with("did:key:") {
        let named = super::did::DidKey::parse(kid).map_err(|_| JwtError::KidKeyMismatch(kid.to_owned()))?;
        if *key != JwtVerificationKey::Ed25519(named.public_key) {
            return Err(JwtError::KidKeyMismatch(kid.to_owned()));
        }
    }
    let controller = kid.split('#').next().unwrap_or(kid);
    if require_under_issuer && controller != issuer {
        return Err(JwtError::KidNotIssuer { kid: kid.to_owned(), issuer: issuer.to_owned() });
    }
    Ok(())
}

fn check_claims(claims: &Map<String, Value>, facts: &CredentialFacts) -> Result<(), JwtError> {
    let string_claim = |name: &'static str| claims.get(name).and_then(Value::as_str);
    let number_claim = |name: &'static str| claims.get(name).and_then(Value::as_i64);
    let require = |claim: &'static str, present: bool, matches: bool, path: &'static str| match (present, matches) {
        (false, _) => Err(JwtError::MissingClaim(claim)),
        (true, false) => Err(JwtError::ClaimMismatch { claim, path }),
        (true, true) => Ok(()),
    };
    let iss = string_claim("iss");
    require("iss", iss.is_some(), iss == Some(facts.issuer.as_str()), "issuer.id")?;
    let jti = string_claim("jti");
    require("jti", jti.is_some(), jti == Some(facts.id.as_str()), "id")?;
    let sub = string_claim("sub");
    match &facts.subject {
        Some(subject) => require("sub", sub.is_some(), sub == Some(subject.as_str()), "credentialSubject.id")?,
        None if claims.contains_key("sub") => {
            return Err(JwtError::ClaimMismatch { claim: "sub", path: "credentialSubject.id" });
        }
        None => {}
    }
    let nbf = number_claim("nbf");
    require("nbf", claims.contains_key("nbf"), nbf == Some(facts.start), facts.start_path)?;
    match (claims.get("exp"), facts.end) {
        (None, Some(_)) => Err(JwtError::MissingClaim("exp")),
        (Some(_), Some(end)) if number_claim("exp") != Some(end) => {
            Err(JwtError::ClaimMismatch { claim: "exp", path: facts.end_path })
        }
        (Some(exp), None) if !exp.is_i64() => Err(JwtError::ClaimMismatch { claim: "exp", path: facts.end_path }),
        _ => Ok(()),
    }
}

fn check_time(claims: &Map<String, Value>, now: OffsetDateTime) -> Result<(), JwtError> {
    let now = now.unix_timestamp();
    if claims.get("nbf").and_then(Value::as_i64).is_some_and(|nbf| nbf > now) {
        return Err(JwtError::NotYetValid);
    }
    if claims.get("exp").and_then(Value::as_i64).is_some_and(|exp| exp <= now) {
        return Err(JwtError::Expired);
    }
    Ok(())
}

/// What the registered claims are derived from.
struct CredentialFacts {
    vc1: bool,
    issuer: String,
    id: String,
    subject: Option<String>,
    start: i64,
    start_path: &'static str,
    end: Option<i64>,
    end_path: &'static str,
}

impl CredentialFacts {
    fn read(credential: &Value) -> Result<Self, JwtError> {
        let vc1 = match credential.get("@context") {
            Some(Value::Array(list)) => list.first().and_then(Value::as_str) == Some(VC_V1_CONTEXT),
            Some(Value::String(single)) => single == VC_V1_CONTEXT,
            _ => false,
        };
        let issuer = match credential.get("issuer") {
            Some(Value::String(id)) => Some(id.as_str()),
            Some(object) => object.get("id").and_then(Value::as_str),
            None => None,
        }
        .ok_or(missing("issuer.id"))?;
        let id = credential.get("id").and_then(Value::as_str).ok_or(missing("id"))?;
        let subject = match credential.get("credentialSubject") {
            Some(Value::Object(subject)) => subject.get("id").and_then(Value::as_str).map(str::to_owned),
            _ => return Err(missing("credentialSubject")),
        };
        let (start_path, end_path) = if vc1 { ("issuanceDate", "expirationDate") } else { ("validFrom", "validUntil") };
        let start = numeric_date(credential, start_path)?.ok_or(missing(start_path))?;
        let end = numeric_date(credential, end_path)?;
        Ok(CredentialFacts {
            vc1,
            issuer: issuer.to_owned(),
            id: id.to_owned(),
            subject,
            start,
            start_path,
            end,
            end_path,
        })
    }
}

fn missing(path: &'static str) -> JwtError {
    JwtError::Credential { path, message: "is required".into() }
}

/// A date-time property as a JWT NumericDate (whole seconds, fraction dropped).
fn numeric_date(credential: &Value, path: &'static str) -> Result<Option<i64>, JwtError> {
    let Some(value) = credential.get(path) else {
        return Ok(None);
    };
    value
        .as_str()
        .and_then(parse_date_time_z)
        .map(|date| Some(date.unix_timestamp()))
        .ok_or(JwtError::Credential { path, message: "is not an RFC 3339 date-time".into() })
}

/// Public Multikey of a did:key `kid`, if the kid is one (for callers resolving keys).
pub fn did_key_from_kid(kid: &str) -> Option<JwtVerificationKey> {
    let encoded = kid.strip_prefix("did:key:")?.split('#').next()?;
    multibase::decode_ed25519_public(encoded).ok().map(JwtVerificationKey::Ed25519)
}

#[cfg(test)]
mod tests;
