//! The service's integration tests, one binary: each module is one area of behaviour, and
//! `common`, `api_support` and `http1` are the helpers they share.

mod api_support;
mod common;
mod console_support;
mod http1;

mod adversarial;
mod api_achievements;
mod api_bad_input;
mod api_demo;
mod api_frameworks;
mod api_keys;
mod api_organizations;
mod api_public;
mod api_smoke;
mod badge_files;
mod browser;
mod bulk_import;
mod claim;
mod cli_credential;
mod cli_serve;
mod console;
mod console_achievements;
mod interop_npm;
mod interop_ob2;
mod issuance_catalog;
mod jwt_rs256;
mod learner_identity;
mod listings;
mod multi_instance;
mod openapi;
mod operations;
mod rich_credential;
mod signable_input;
mod signing_keys;
mod signoff_page;
mod status_rollover;
mod unit_of_work;
mod verify_api;
mod verify_clr;
mod verify_fetch;
mod verify_ob2;
mod web_pages;
