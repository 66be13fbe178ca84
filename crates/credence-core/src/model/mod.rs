//! The Open Badges 3.0 data model: serde types, vocabularies, structural
//! validation and recipient identity hashing.

mod enums;
mod identity;
mod one_or_many;
mod types;
mod validate;

#[cfg(test)]
mod tests;

pub use enums::{AchievementType, AlignmentTargetType, IdentifierType, ResultStatus, ResultType, is_extension_term};
pub use identity::{
    IDENTITY_OBJECT_TYPE, hashed_email_identity, identity_hash, identity_matches, normalize_email, random_salt,
};
pub use one_or_many::OneOrMany;
pub use types::*;
pub use validate::{ValidationError, is_uri, parse_date_time_z, validate_credential};

/// The VC Data Model 2.0 context URL.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The VC Data Model 1.1 context URL (accepted on input).
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// Prefix shared by the Open Badges 3.0 context URLs (`context-3.0.3.json`, ...).
pub const OB_V3_CONTEXT_PREFIX: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context";
/// The Open Badges 3.0.3 context URL this service issues with.
pub const OB_V3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
