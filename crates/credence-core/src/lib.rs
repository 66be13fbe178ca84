//! The pure core: everything about credentials that knows nothing of HTTP or SQL.

pub mod baking;
pub mod canon;
pub mod data_integrity;
pub mod did;
pub mod iri;
pub mod jsonld;
pub mod jwt;
pub mod model;
pub mod multibase;
pub mod remote_status;
pub mod sealed_key;
pub mod status_list;
pub mod verify;
