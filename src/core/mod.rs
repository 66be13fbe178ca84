//! The pure core: everything about credentials that knows nothing of HTTP or SQL.

pub mod multibase;
pub mod canon;
pub mod jsonld;
pub mod data_integrity;
