//! Credence: Open Badges 3.0 issuance and verification.
//!
//! `core` is the pure standards library (data model, JSON-LD, canonicalization,
//! proofs, keys). Everything else is the service around it and is compiled only
//! with the `server` feature.

pub mod core;
