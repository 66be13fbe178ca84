//! Signs a small Open Badges 3.0 credential with a fresh `did:key` and verifies it offline.
//!
//! Run: `cargo run -p credence-core --example sign_and_verify`

use credence_core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
use credence_core::model::{OB_V3_CONTEXT, VC_V2_CONTEXT, hashed_email_identity, random_salt};
use credence_core::multibase;
use credence_core::verify::{OfflineResolver, verify_text};
use ed25519_dalek::SigningKey;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A did:key names an Ed25519 public key directly, so no document has to be fetched.
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let multikey = multibase::encode_ed25519_public(key.verifying_key().as_bytes());
    let issuer = format!("did:key:{multikey}");

    let credential = json!({
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": "urn:uuid:6a0b6f0e-2c9a-4f43-9d38-1b1b5b8f7d21",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": { "id": issuer, "type": ["Profile"], "name": "Example College" },
        "validFrom": "2026-01-15T00:00:00Z",
        "name": "Workplace Safety Fundamentals",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [hashed_email_identity("learner@example.org", &random_salt())],
            "achievement": {
                "id": "https://example.org/achievements/safety",
                "type": ["Achievement"],
                "name": "Workplace Safety Fundamentals",
                "description": "Identifies hazards and applies the controls of a safe workplace.",
                "criteria": { "narrative": "Scored at least 80% on the final assessment." }
            }
        }
    });

    let options = ProofOptions::new(Cryptosuite::EddsaRdfc2022, format!("{issuer}#{multikey}"));
    let signed = add_proof(&credential, &key, &options)?;
    let text = serde_json::to_string_pretty(&signed)?;
    println!("{text}\n");

    // Verification names each check; `verified` is true only when none failed.
    let report = verify_text(&text, &OfflineResolver::new(), time::OffsetDateTime::now_utc());
    for check in &report.checks {
        println!("{:<14} {:?}: {}", check.check, check.status, check.message);
    }
    println!("\nverified: {}", report.verified);
    Ok(())
}
