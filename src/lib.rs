//! Credence: Open Badges 3.0 issuance and verification.
//!
//! The service around `credence_core` (the standards: data model, JSON-LD,
//! canonicalization, proofs, keys): storage, HTTP API, web pages, images and the CLI.

pub mod api;
pub mod app;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod fetch;
pub mod html_escape;
pub mod http;
pub mod images;
pub mod issuance;
pub mod keyring;
pub mod mailer;
pub mod metrics;
pub mod server;
pub mod store;
pub mod vc_issuer;
pub mod verification;
pub mod web;
