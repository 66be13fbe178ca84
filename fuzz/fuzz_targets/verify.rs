//! Runs the offline verification pipeline (JSON or VC-JWT parsing, structure,
//! JSON-LD, canonicalization, proofs, issuer and validity checks) on arbitrary bytes.
//! It must never panic or hang, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let resolver = credence::core::verify::OfflineResolver::new();
        let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let _ = credence::core::verify::verify_text(text, &resolver, now);
    }
});
