//! The core's integration tests, one binary: published vectors, the W3C rdf-canon suite,
//! tampering, a differential check of JSON-LD against oxjsonld, and generated hostile graphs.

mod hostile_support;

mod core_tamper;
mod core_vectors;
mod generic_vc;
mod hostile_graphs;
mod jsonld_differential;
mod legacy_proofs;
mod ob2;
mod proof_sets;
mod rdf_canon;
