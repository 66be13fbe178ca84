use serde_json::json;

use super::*;

const SEED_HEX: &str = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4";
const ISSUER: &str = "https://example.edu/issuers/565049";
const KID: &str = "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";

fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&hex::decode(SEED_HEX).unwrap().try_into().unwrap())
}

fn ed_key() -> JwtVerificationKey {
    JwtVerificationKey::Ed25519(signing_key().verifying_key().to_bytes())
}

fn credential() -> Value {
    let mut credential: Value =
        serde_json::from_str(include_str!("../../../../tests/vectors/ob3-eddsa-rdfc-2022/signed.json")).unwrap();
    credential.as_object_mut().unwrap().remove("proof");
    credential["validUntil"] = json!("2099-01-01T00:00:00Z");
    credential
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A token with any header and payload, signed by the test Ed25519 key.
fn ed_token(header: &Value, payload: &Value) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = signing_key().sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

fn payload() -> Value {
    Value::Object(build_payload(&credential()).unwrap())
}

#[test]
fn issues_the_ob3_payload_shape() {
    let token = sign_vc_jwt(&credential(), &signing_key(), KID).unwrap();
    let decoded = decode_vc_jwt(&token).unwrap();
    assert_eq!(Value::Object(decoded.header.clone()), json!({"alg": "EdDSA", "typ": "JWT", "kid": KID}));
    assert_eq!(decoded.claims["iss"], ISSUER);
    assert_eq!(decoded.claims["jti"], "http://example.com/credentials/3527");
    assert_eq!(decoded.claims["sub"], "did:example:ebfeb1f712ebc6f1c276e12ec21");
    assert_eq!(decoded.claims["nbf"], 1262304000);
    assert_eq!(decoded.claims["exp"], 4070908800i64);
    assert_eq!(decoded.claims["name"], "Teamwork Badge");
    assert!(!decoded.claims.contains_key("vc") && !decoded.claims.contains_key("iat"));
    assert_eq!(decoded.credential, credential());
    assert_eq!(verify_vc_jwt(&token, &ed_key()).unwrap(), credential());
}

#[test]
fn vc1_credentials_travel_in_the_vc_claim() {
    let mut vc1 = credential();
    let obj = vc1.as_object_mut().unwrap();
    obj.insert("@context".into(), json!([VC_V1_CONTEXT, "https://purl.imsglobal.org/spec/ob/v3p0/context.json"]));
    obj.remove("validFrom");
    obj.remove("validUntil");
    obj.insert("issuanceDate".into(), json!("2010-01-01T00:00:00Z"));
    let token = sign_vc_jwt(&vc1, &signing_key(), KID).unwrap();
    let decoded = decode_vc_jwt(&token).unwrap();
    assert_eq!(decoded.claims["vc"], vc1);
    assert_eq!(decoded.claims["nbf"], 1262304000);
    assert_eq!(verify_vc_jwt(&token, &ed_key()).unwrap(), vc1);
}

#[test]
fn verifies_rs256_with_a_jwk() {
    use rsa::signature::{SignatureEncoding, Signer as _};
    use rsa::traits::PublicKeyParts;
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let public = private.to_public_key();
    let jwk = json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be())});
    let key = JwtVerificationKey::from_jwk(&jwk).unwrap();
    let header = json!({"alg": "RS256", "typ": "JWT", "jwk": jwk});
    let input = format!("{}.{}", b64(&header), b64(&payload()));
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private);
    let signature = signer.sign(input.as_bytes()).to_vec();
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(&signature));
    assert_eq!(verify_vc_jwt(&token, &key).unwrap(), credential());

    let mut tampered_signature = signature.clone();
    tampered_signature[10] ^= 1;
    let bad = format!("{input}.{}", URL_SAFE_NO_PAD.encode(&tampered_signature));
    assert_eq!(verify_vc_jwt(&bad, &key), Err(JwtError::BadSignature));
    assert!(matches!(verify_vc_jwt(&token, &ed_key()), Err(JwtError::JwkMismatch)));
    let kid_header = json!({"alg": "RS256", "kid": KID});
    let kid_input = format!("{}.{}", b64(&kid_header), b64(&payload()));
    let kid_token = format!("{kid_input}.{}", URL_SAFE_NO_PAD.encode(signer.sign(kid_input.as_bytes()).to_vec()));
    assert!(matches!(verify_vc_jwt(&kid_token, &ed_key()), Err(JwtError::KeyAlgorithmMismatch { .. })));
    assert!(verify_vc_jwt(&kid_token, &key).is_ok());
}

#[test]
fn rejects_small_rsa_keys_and_private_jwks() {
    let small = JwtVerificationKey::Rsa { n: vec![0xc5; 64], e: vec![1, 0, 1] };
    let header = json!({"alg": "RS256", "kid": KID});
    let token = format!("{}.{}.{}", b64(&header), b64(&payload()), URL_SAFE_NO_PAD.encode([1u8; 64]));
    assert_eq!(verify_vc_jwt(&token, &small), Err(JwtError::RsaKeyTooSmall(512)));
    let private_jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"});
    assert_eq!(JwtVerificationKey::from_jwk(&private_jwk), Err(JwtError::PrivateKeyInHeader));
    let header = json!({"alg": "EdDSA", "jwk": private_jwk});
    assert_eq!(decode_vc_jwt(&ed_token(&header, &payload())).unwrap_err(), JwtError::PrivateKeyInHeader);
}

#[test]
fn ed25519_jwk_header_verifies() {
    let jwk = ed25519_jwk(&signing_key().verifying_key().to_bytes());
    assert_eq!(JwtVerificationKey::from_jwk(&jwk).unwrap(), ed_key());
    let token = ed_token(&json!({"alg": "EdDSA", "typ": "JWT", "jwk": jwk}), &payload());
    assert!(verify_vc_jwt(&token, &ed_key()).is_ok());
}

#[test]
fn rejects_alg_none_and_unsupported_headers() {
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&payload()));
    assert_eq!(decode_vc_jwt(&none).unwrap_err(), JwtError::AlgNone);
    let none_upper = format!("{}.{}.", b64(&json!({"alg": "None", "kid": KID})), b64(&payload()));
    assert_eq!(decode_vc_jwt(&none_upper).unwrap_err(), JwtError::AlgNone);
    let cases = [
        (json!({"alg": "HS256", "kid": KID}), JwtError::UnsupportedAlg("HS256".into())),
        (json!({"typ": "JWT", "kid": KID}), JwtError::MissingAlg),
        (json!({"alg": "EdDSA"}), JwtError::MissingKeyReference),
        (json!({"alg": "EdDSA", "kid": KID, "crit": ["b64"]}), JwtError::UnexpectedHeader("crit".into())),
        (json!({"alg": "EdDSA", "kid": KID, "typ": "vc+jwt"}), JwtError::BadTyp("\"vc+jwt\"".into())),
        (json!({"alg": "EdDSA", "kid": 7}), JwtError::BadKid),
    ];
    for (header, expected) in cases {
        assert_eq!(decode_vc_jwt(&ed_token(&header, &payload())).unwrap_err(), expected);
    }
}

#[test]
fn rejects_malformed_tokens() {
    let token = sign_vc_jwt(&credential(), &signing_key(), KID).unwrap();
    assert_eq!(decode_vc_jwt("a.b").unwrap_err(), JwtError::SegmentCount(2));
    assert_eq!(decode_vc_jwt(&format!("{token}.x")).unwrap_err(), JwtError::SegmentCount(4));
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(
        decode_vc_jwt(&format!("{}=.{}.{}", parts[0], parts[1], parts[2])).unwrap_err(),
        JwtError::Base64("header")
    );
    assert_eq!(
        decode_vc_jwt(&format!("{}.{}+.{}", parts[0], parts[1], parts[2])).unwrap_err(),
        JwtError::Base64("payload")
    );
    assert_eq!(decode_vc_jwt(&format!("{}.{}.*", parts[0], parts[1])).unwrap_err(), JwtError::Base64("signature"));
    let not_json = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode("[1]"), parts[2]);
    assert!(matches!(decode_vc_jwt(&not_json), Err(JwtError::Json { segment: "payload", .. })));
}

#[test]
fn rejects_tampering_and_wrong_keys() {
    let token = sign_vc_jwt(&credential(), &signing_key(), KID).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = payload();
    claims["name"] = json!("Forged Badge");
    let forged = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    assert_eq!(verify_vc_jwt(&forged, &ed_key()), Err(JwtError::BadSignature));
    let short_signature = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode([0u8; 10]));
    assert_eq!(verify_vc_jwt(&short_signature, &ed_key()), Err(JwtError::BadSignature));
    let other = JwtVerificationKey::Ed25519(SigningKey::from_bytes(&[3u8; 32]).verifying_key().to_bytes());
    assert_eq!(verify_vc_jwt(&token, &other), Err(JwtError::BadSignature));
}

#[test]
fn rejects_kids_that_do_not_belong_to_the_issuer_or_key() {
    let token = sign_vc_jwt(&credential(), &signing_key(), "https://evil.example/keys#1").unwrap();
    assert!(matches!(verify_vc_jwt(&token, &ed_key()), Err(JwtError::KidNotIssuer { .. })));
    let relaxed = VerifyOptions { require_kid_under_issuer: false, now: None };
    assert!(verify_vc_jwt_with(&token, &ed_key(), &relaxed).is_ok());

    let other_did_key = crate::did::DidKey::from_public_key(&[9u8; 32]);
    let mut did_issued = credential();
    did_issued["issuer"]["id"] = json!(other_did_key.did);
    let token = sign_vc_jwt(&did_issued, &signing_key(), &other_did_key.verification_method_id()).unwrap();
    assert!(matches!(verify_vc_jwt(&token, &ed_key()), Err(JwtError::KidKeyMismatch(_))));
    let own = crate::did::DidKey::from_public_key(&signing_key().verifying_key().to_bytes());
    did_issued["issuer"]["id"] = json!(own.did);
    let token = sign_vc_jwt(&did_issued, &signing_key(), &own.verification_method_id()).unwrap();
    assert!(verify_vc_jwt(&token, &did_key_from_kid(&own.verification_method_id()).unwrap()).is_ok());
}

#[test]
fn rejects_claims_inconsistent_with_the_credential() {
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": KID});
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut claims = payload();
        f(&mut claims);
        verify_vc_jwt(&ed_token(&header, &claims), &ed_key()).unwrap_err()
    };
    assert_eq!(
        mutate(&|c| c["iss"] = json!("https://other.example")),
        JwtError::ClaimMismatch { claim: "iss", path: "issuer.id" }
    );
    assert_eq!(mutate(&|c| c["jti"] = json!("urn:uuid:other")), JwtError::ClaimMismatch { claim: "jti", path: "id" });
    assert_eq!(
        mutate(&|c| c["sub"] = json!("did:example:other")),
        JwtError::ClaimMismatch { claim: "sub", path: "credentialSubject.id" }
    );
    assert_eq!(mutate(&|c| c["nbf"] = json!(1)), JwtError::ClaimMismatch { claim: "nbf", path: "validFrom" });
    assert_eq!(mutate(&|c| c["exp"] = json!(5)), JwtError::ClaimMismatch { claim: "exp", path: "validUntil" });
    assert_eq!(
        mutate(&|c| {
            c.as_object_mut().unwrap().remove("iss");
        }),
        JwtError::MissingClaim("iss")
    );
    assert_eq!(
        mutate(&|c| {
            c.as_object_mut().unwrap().remove("nbf");
        }),
        JwtError::MissingClaim("nbf")
    );
    assert_eq!(
        mutate(&|c| {
            c.as_object_mut().unwrap().remove("exp");
        }),
        JwtError::MissingClaim("exp")
    );
    assert_eq!(
        mutate(&|c| {
            c.as_object_mut().unwrap().remove("id");
        }),
        JwtError::Credential { path: "id", message: "is required".into() }
    );
}

#[test]
fn time_checks() {
    let token = sign_vc_jwt(&credential(), &signing_key(), KID).unwrap();
    let before =
        VerifyOptions { require_kid_under_issuer: true, now: Some(time::macros::datetime!(2009-12-31 23:59 UTC)) };
    assert_eq!(verify_vc_jwt_with(&token, &ed_key(), &before), Err(JwtError::NotYetValid));
    let after =
        VerifyOptions { require_kid_under_issuer: true, now: Some(time::macros::datetime!(2099-01-01 00:00 UTC)) };
    assert_eq!(verify_vc_jwt_with(&token, &ed_key(), &after), Err(JwtError::Expired));
}

#[test]
fn signing_rejects_incomplete_credentials() {
    let mut no_start = credential();
    no_start.as_object_mut().unwrap().remove("validFrom");
    assert_eq!(
        sign_vc_jwt(&no_start, &signing_key(), KID).unwrap_err(),
        JwtError::Credential { path: "validFrom", message: "is required".into() }
    );
    let mut bad_date = credential();
    bad_date["validFrom"] = json!("yesterday");
    assert!(matches!(sign_vc_jwt(&bad_date, &signing_key(), KID), Err(JwtError::Credential { path: "validFrom", .. })));
    let mut collision = credential();
    collision["iss"] = json!("x");
    assert_eq!(sign_vc_jwt(&collision, &signing_key(), KID).unwrap_err(), JwtError::ClaimCollision("iss".into()));
    assert!(sign_vc_jwt(&json!("x"), &signing_key(), KID).is_err());
}

fn rsa_key() -> &'static crate::sealed_key::RsaIssuerKey {
    static KEY: std::sync::OnceLock<crate::sealed_key::RsaIssuerKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| crate::sealed_key::RsaIssuerKey::generate().unwrap())
}

#[test]
fn signs_rs256_under_the_kid_it_is_given() {
    let key = rsa_key();
    let kid = format!("{ISSUER}#{}", key.public().jwk_thumbprint());
    let token = sign_vc_jwt_rs256(&credential(), key, &kid).unwrap();
    let decoded = decode_vc_jwt(&token).unwrap();
    assert_eq!(Value::Object(decoded.header.clone()), json!({"alg": "RS256", "typ": "JWT", "kid": kid}));
    // 2048-bit modulus: 256-byte signature.
    assert_eq!(decoded.signature.len(), 256);
    assert_eq!(decoded.claims["iss"], ISSUER);
    assert_eq!(decoded.claims["sub"], "did:example:ebfeb1f712ebc6f1c276e12ec21");
    assert_eq!(verify_vc_jwt(&token, &key.public()).unwrap(), credential());
    // The public JWK round-trips to the same key.
    assert_eq!(JwtVerificationKey::from_jwk(&key.public().to_jwk()).unwrap(), key.public());

    // Another RSA key, an Ed25519 key, a changed payload: refused.
    let other = crate::sealed_key::RsaIssuerKey::generate().unwrap();
    assert_eq!(verify_vc_jwt(&token, &other.public()), Err(JwtError::BadSignature));
    assert!(matches!(verify_vc_jwt(&token, &ed_key()), Err(JwtError::KeyAlgorithmMismatch { .. })));
    let segments: Vec<&str> = token.split('.').collect();
    let mut changed = payload();
    changed["name"] = json!("Forged Badge");
    let forged = format!("{}.{}.{}", segments[0], b64(&changed), segments[2]);
    assert_eq!(verify_vc_jwt(&forged, &key.public()), Err(JwtError::BadSignature));
    // An EdDSA header over an RS256 signature does not verify with the RSA key.
    let swapped =
        format!("{}.{}.{}", b64(&json!({"alg": "EdDSA", "typ": "JWT", "kid": kid})), segments[1], segments[2]);
    assert!(matches!(verify_vc_jwt(&swapped, &key.public()), Err(JwtError::KeyAlgorithmMismatch { .. })));
}

#[test]
fn sub_is_the_subject_id_and_absent_without_one() {
    let token = sign_vc_jwt_rs256(&credential(), rsa_key(), KID).unwrap();
    assert_eq!(decode_vc_jwt(&token).unwrap().claims["sub"], credential()["credentialSubject"]["id"]);
    let mut anonymous = credential();
    anonymous["credentialSubject"].as_object_mut().unwrap().remove("id");
    let token = sign_vc_jwt_rs256(&anonymous, rsa_key(), KID).unwrap();
    assert!(!decode_vc_jwt(&token).unwrap().claims.contains_key("sub"));
    assert!(verify_vc_jwt(&token, &rsa_key().public()).is_ok());
}

#[test]
fn jwk_thumbprints_follow_rfc_7638() {
    // RFC 8037 appendix A.3: the thumbprint of the RFC 8032 test 1 public key.
    let public: [u8; 32] =
        hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").unwrap().try_into().unwrap();
    let key = JwtVerificationKey::Ed25519(public);
    assert_eq!(key.to_jwk()["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    assert_eq!(key.jwk_thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    // RSA members are written without leading zero octets, whatever the input.
    let padded = JwtVerificationKey::Rsa { n: [&[0u8, 0][..], &[0xc5; 256]].concat(), e: vec![0, 1, 0, 1] };
    let bare = JwtVerificationKey::Rsa { n: vec![0xc5; 256], e: vec![1, 0, 1] };
    assert_eq!(padded.to_jwk(), bare.to_jwk());
    assert_eq!(padded.jwk_thumbprint(), bare.jwk_thumbprint());
    assert_eq!(bare.to_jwk()["e"], "AQAB");
    assert_ne!(bare.jwk_thumbprint(), key.jwk_thumbprint());
    assert_eq!(JwtAlgorithm::parse("RS256"), Some(JwtAlgorithm::Rs256));
    assert_eq!(JwtAlgorithm::parse("rs256"), None);
    assert_eq!(bare.algorithm().as_str(), "RS256");
}
