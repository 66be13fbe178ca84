//! Runs the offline verification pipeline on arbitrary bytes: unbaking (PNG and
//! SVG), then JSON or VC-JWT parsing, structure, JSON-LD, canonicalization,
//! proofs, issuer, validity, status and endorsement checks; and the same bytes as
//! a fetched status list credential or 1EdTech revocation list (what verification
//! reads from other hosts); and as Open Badges 2.0: 2.0 unbaking, the assertion read
//! from the text, and the 2.0 checks with the same document standing for the hosted
//! copy, the BadgeClass, the issuer Profile, its key and its revocation list. It must
//! never panic or hang, whatever the input.
#![no_main]

use credence_core::baking;
use credence_core::ob2;
use credence_core::remote_status;
use credence_core::verify::{OfflineResolver, StatusAnswer, StatusLookup, VerifyOptions, verify_text_with};
use libfuzzer_sys::fuzz_target;

struct EveryListClear;

impl StatusLookup for EveryListClear {
    fn lookup(&self, _issuer: &str, _list: &str, _purpose: &str, _index: u64) -> StatusAnswer {
        StatusAnswer::Clear
    }
}

/// The 2.0 checks on `text`, every document the assertion points at answered with `doc`.
fn open_badges_2(text: &str, doc: Option<&serde_json::Value>, now: time::OffsetDateTime) {
    let Some(presented) = ob2::Presented::from_text(text, Some("https://issuer.example/a/1")) else { return };
    let options = ob2::Options { now, recipient_email: Some("learner@example.com") };
    let mut docs = ob2::Documents::new();
    let _ = ob2::verify(&presented, &docs, &options);
    // Each round asks for more documents; a few rounds, as the service runs them.
    for _ in 0..4 {
        let wanted = ob2::wanted(&presented, &docs);
        if wanted.is_empty() {
            break;
        }
        for url in wanted {
            match doc {
                Some(d) => docs.add_document(url, d.clone()),
                None => docs.add_unavailable(url, "not served"),
            };
        }
    }
    let _ = ob2::verify(&presented, &docs, &options);
}

fuzz_target!(|data: &[u8]| {
    let resolver = OfflineResolver::new();
    let mut options = VerifyOptions::new(&resolver, time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    options.status = Some(&EveryListClear);
    options.recipient_email = Some("learner@example.com");
    if let Ok(baked) = baking::unbake_png(data) {
        let _ = verify_text_with(baked.as_str(), &options);
    }
    if let Ok(baked) = baking::unbake_png_v2(data) {
        open_badges_2(baked.as_str(), None, options.now);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(baked) = baking::unbake_svg(text) {
            let _ = verify_text_with(baked.as_str(), &options);
        }
        if let Ok(baked) = baking::unbake_svg_v2(text) {
            open_badges_2(baked.as_str(), None, options.now);
        }
        let parsed = serde_json::from_str::<serde_json::Value>(text).ok();
        open_badges_2(text, parsed.as_ref(), options.now);
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
