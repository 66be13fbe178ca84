//! Runs the offline verification pipeline on arbitrary bytes: unbaking (PNG and
//! SVG), then JSON or VC-JWT parsing, structure, JSON-LD, canonicalization,
//! proofs, issuer, validity, status and endorsement checks; and the same bytes as
//! a fetched status list credential or 1EdTech revocation list (what verification
//! reads from other hosts). It must never panic or hang, whatever the input.
#![no_main]

use credence_core::baking;
use credence_core::remote_status;
use credence_core::verify::{OfflineResolver, StatusAnswer, StatusLookup, VerifyOptions, verify_text_with};
use libfuzzer_sys::fuzz_target;

struct EveryListClear;

impl StatusLookup for EveryListClear {
    fn lookup(&self, _issuer: &str, _list: &str, _purpose: &str, _index: u64) -> StatusAnswer {
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
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) {
            let url = doc.get("id").and_then(|v| v.as_str()).unwrap_or("https://lists.example/1").to_string();
            if let Ok(list) = remote_status::verify_status_list_credential(&doc, &url, &resolver, options.now) {
                let _ = list.answer("did:key:z6Mk", "revocation", 7);
            }
            if let Ok(list) = remote_status::read_revocation_list(&doc, &url) {
                let _ = list.answer("did:key:z6Mk", "urn:uuid:1");
            }
        }
    }
});
