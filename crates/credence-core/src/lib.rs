//! Open Badges 3.0 on Verifiable Credentials 2.0, as a library with no async, HTTP or SQL
//! dependency: the typed data model ([`model`]), JSON-LD 1.1 ([`jsonld`]), RDF Dataset
//! Canonicalization ([`canon`]), Data Integrity `eddsa-rdfc-2022` and `eddsa-jcs-2022`
//! ([`data_integrity`]), VC-JWT ([`jwt`]), `did:key` and `did:web` ([`did`]), Bitstring Status
//! Lists ([`status_list`]), badge baking in PNG and SVG ([`baking`]) and offline verification
//! with one report of named checks ([`verify`]).
//!
//! Every input is treated as hostile: canonicalization and JSON-LD processing run under
//! work, time and depth limits, only bundled contexts are loaded (nothing is fetched), and a
//! key is trusted only when it resolves from the issuer's own identifier. Fetching keys or
//! status lists over the network is the caller's: [`verify::KeyResolver`] is the seam.
//!
//! ```
//! use credence_core::verify::{OfflineResolver, verify_text};
//!
//! let report = verify_text("{}", &OfflineResolver::new(), time::OffsetDateTime::now_utc());
//! assert!(!report.verified);
//! ```
//!
//! `examples/sign_and_verify.rs` signs a credential with a fresh `did:key` and verifies it.

pub mod baking;
pub mod canon;
pub mod clr;
pub mod data_integrity;
pub mod did;
pub mod endorsement;
pub mod format;
pub mod iri;
pub mod jsonld;
pub mod jwt;
pub mod model;
pub mod multibase;
pub mod ob2;
pub mod remote_status;
pub mod sealed_key;
pub mod status_list;
pub mod verify;
