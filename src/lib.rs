//! Credence: Open Badges 3.0 issuance and verification.
//!
//! `core` is the pure standards library (data model, JSON-LD, canonicalization,
//! proofs, keys). Everything else is the service around it and is compiled only
//! with the `server` feature.

pub mod core;

#[cfg(feature = "server")]
pub mod bulk;
#[cfg(feature = "server")]
pub mod cli;
#[cfg(feature = "server")]
pub mod config;
#[cfg(feature = "server")]
pub mod demo;
#[cfg(feature = "server")]
pub mod domain;
#[cfg(feature = "server")]
pub mod error;
#[cfg(feature = "server")]
pub mod fetch;
#[cfg(feature = "server")]
pub mod http;
#[cfg(feature = "server")]
pub mod images;
#[cfg(feature = "server")]
pub mod issuance;
#[cfg(feature = "server")]
pub mod keyring;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod verification;
#[cfg(feature = "server")]
pub mod web;
