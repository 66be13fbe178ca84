//! Runs the offline verification pipeline on arbitrary bytes: unbaking (PNG and
//! SVG), then JSON or VC-JWT parsing, structure, JSON-LD, canonicalization,
//! proofs, issuer, validity, status and endorsement checks. It must never panic
//! or hang, whatever the input.
#![no_main]

use credence::core::baking;
use credence::core::verify::{OfflineResolver, StatusAnswer, StatusLookup, VerifyOptions, verify_text_with};
use libfuzzer_sys::fuzz_target;

struct EveryListClear;

impl StatusLookup for EveryListClear {
    fn lookup(&self, _list: &str, _purpose: &str, _index: u64) -> StatusAnswer {
        StatusAnswer::Clear
    }
}

fuzz_target!(|data: &[u8]| {
    let resolver = OfflineResolver::new();
    let mut options = VerifyOptions::new(&resolver, time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    options.status = Some(&EveryListClear);
    options.recipient_email = Some("learner@example.com");
    if let Ok(baked) = baking::unbake_png(data) {
        let _ = verify_text_with(baked.as_str(), &options);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(baked) = baking::unbake_svg(text) {
            let _ = verify_text_with(baked.as_str(), &options);
        }
        let _ = verify_text_with(text, &options);
    }
});
