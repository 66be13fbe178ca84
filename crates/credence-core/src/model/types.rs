//! Serde types for the Open Badges 3.0 objects this service issues and reads.
//!
//! Field names and shapes follow the 1EdTech OB 3.0 data model and JSON schema.
//! `None` fields are skipped on output; properties the model does not name are
//! kept in each object's `extra` map where the schema allows additional
//! properties, so parsing and re-serializing a document reproduces it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::enums::{AchievementType, AlignmentTargetType, IdentifierType, ResultStatus, ResultType};
use super::one_or_many::OneOrMany;

/// Extension properties of an object, in document order.
pub type Extra = Map<String, Value>;

/// One `@context` entry: a URL or an inline context object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Context {
    /// A context URL.
    Uri(String),
    /// An inline (embedded) context definition.
    Inline(Map<String, Value>),
}

impl Context {
    /// The URL, when this entry is one.
    pub fn as_uri(&self) -> Option<&str> {
        match self {
            Context::Uri(uri) => Some(uri),
            Context::Inline(_) => None,
        }
    }
}

/// An `OpenBadgeCredential` (alias `AchievementCredential`), VC 2.0 or VC 1.1 form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenBadgeCredential {
    #[serde(rename = "@context")]
    pub context: OneOrMany<Context>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    pub issuer: Issuer,
    /// VC 2.0 start of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// VC 2.0 end of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// VC 1.1 issuance date (accepted on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// VC 1.1 expiration date (accepted on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    pub credential_subject: AchievementSubject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<OneOrMany<Evidence>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<OneOrMany<CredentialStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_schema: Option<OneOrMany<CredentialSchema>>,
    /// Embedded `EndorsementCredential`s, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    /// Passed through unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_use: Option<Value>,
    /// Passed through unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_service: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<OneOrMany<Proof>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl OpenBadgeCredential {
    /// The issuer's id, whether the issuer is a string or a Profile.
    pub fn issuer_id(&self) -> &str {
        self.issuer.id()
    }

    /// `validFrom`, or `issuanceDate` for VC 1.1 credentials.
    pub fn start_date(&self) -> Option<&str> {
        self.valid_from.as_deref().or(self.issuance_date.as_deref())
    }

    /// `validUntil`, or `expirationDate` for VC 1.1 credentials.
    pub fn end_date(&self) -> Option<&str> {
        self.valid_until.as_deref().or(self.expiration_date.as_deref())
    }

    /// True when the first `@context` entry is the VC 1.1 context.
    pub fn is_vc1(&self) -> bool {
        self.context.first().and_then(Context::as_uri) == Some(super::VC_V1_CONTEXT)
    }
}

/// `issuer`: a bare URI or an embedded Profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Issuer {
    /// The issuer's id only.
    Id(String),
    /// An embedded Profile.
    Profile(Box<Profile>),
}

impl Issuer {
    /// The issuer's id.
    pub fn id(&self) -> &str {
        match self {
            Issuer::Id(id) => id,
            Issuer::Profile(profile) => &profile.id,
        }
    }
}

/// A Profile: the issuer, a creator, an endorser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `Address` object, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_identifier: Option<Vec<IdentifierEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_org: Option<Box<Profile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Profile {
    /// A Profile with `type: ["Profile"]` and the given id; other fields empty.
    pub fn new(id: impl Into<String>) -> Self {
        Profile {
            id: id.into(),
            types: OneOrMany::strings(&["Profile"]),
            name: None,
            url: None,
            phone: None,
            description: None,
            image: None,
            email: None,
            address: None,
            other_identifier: None,
            official: None,
            parent_org: None,
            family_name: None,
            given_name: None,
            additional_name: None,
            patronymic_name: None,
            honorific_prefix: None,
            honorific_suffix: None,
            family_name_prefix: None,
            date_of_birth: None,
            endorsement: None,
            endorsement_jwt: None,
            extra: Extra::new(),
        }
    }
}

/// The recipient and what they achieved (`credentialSubject`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Vec<IdentityObject>>,
    pub achievement: Achievement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Vec<AchievementResult>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_earned: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Box<Profile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A recipient identifier, plain or salted-hashed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// Always `"IdentityObject"`.
    #[serde(rename = "type")]
    pub kind: String,
    pub hashed: bool,
    /// `sha256$<hex>` when hashed, else the plaintext identifier.
    pub identity_hash: String,
    pub identity_type: IdentifierType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

/// An achievement (what the badge recognises).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    pub id: String,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_type: Option<AchievementType>,
    pub name: String,
    pub description: String,
    pub criteria: Criteria,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<Vec<ResultDescription>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<Box<Profile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Vec<String>>,
    /// BCP 47 language (OB 3.0.3 `inLanguage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_available: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_of_study: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Vec<Related>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_identifier: Option<Vec<IdentifierEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a recipient must do to earn an achievement.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Criteria {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An alignment to a node in an educational framework.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    pub target_name: String,
    pub target_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<AlignmentTargetType>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A result the recipient achieved (`credentialSubject.result[]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementResult {
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    /// The `id` of the ResultDescription this result answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResultStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A possible result of an achievement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultDescription {
    pub id: String,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    pub name: String,
    pub result_type: ResultType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_min: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_value: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rubric_criterion_level: Option<Vec<RubricCriterionLevel>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A level of a rubric criterion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RubricCriterionLevel {
    pub id: String,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A related achievement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Related {
    pub id: String,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Another identifier of a Profile or Achievement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub identifier: String,
    pub identifier_type: IdentifierType,
}

/// Evidence supporting the award.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// VC 2.0 `digestMultibase`: the multibase multihash of the resource `id` names.
    #[serde(rename = "digestMultibase", default, skip_serializing_if = "Option::is_none")]
    pub digest_multibase: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An image (`type: "Image"`), with URL or data URI as `id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub id: String,
    /// Always `"Image"`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

impl Image {
    /// An Image for a URL or data URI.
    pub fn new(id: impl Into<String>) -> Self {
        Image { id: id.into(), kind: "Image".into(), caption: None }
    }
}

/// `statusListIndex`: the Bitstring Status List spec writes it as a string of
/// digits; some published examples use a JSON number. Both are accepted and kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusListIndex {
    /// The specified form, e.g. `"94567"`.
    Text(String),
    /// A JSON number, as in some examples.
    Number(u64),
}

impl StatusListIndex {
    /// The index as a number, if it is a valid non-negative integer.
    pub fn value(&self) -> Option<u64> {
        match self {
            StatusListIndex::Text(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                text.parse().ok()
            }
            StatusListIndex::Text(_) => None,
            StatusListIndex::Number(n) => Some(*n),
        }
    }
}

/// A `credentialStatus` entry: `BitstringStatusListEntry`, `1EdTechRevocationList`,
/// or another status method (its properties land in `extra`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_list_index: Option<StatusListIndex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_list_credential: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Type name of a Bitstring Status List entry.
pub const BITSTRING_STATUS_LIST_ENTRY: &str = "BitstringStatusListEntry";
/// Type name of the 1EdTech revocation list status method.
pub const ONE_ED_TECH_REVOCATION_LIST: &str = "1EdTechRevocationList";

impl CredentialStatus {
    /// A `BitstringStatusListEntry`; `id` is conventionally `<list>#<index>`.
    pub fn bitstring(status_list_credential: &str, purpose: &str, index: u64) -> Self {
        CredentialStatus {
            id: Some(format!("{status_list_credential}#{index}")),
            kind: BITSTRING_STATUS_LIST_ENTRY.into(),
            status_purpose: Some(purpose.into()),
            status_list_index: Some(StatusListIndex::Text(index.to_string())),
            status_list_credential: Some(status_list_credential.into()),
            extra: Extra::new(),
        }
    }

    /// A `1EdTechRevocationList` entry pointing at the issuer's revocation list.
    pub fn revocation_list(list_url: &str) -> Self {
        CredentialStatus {
            id: Some(list_url.into()),
            kind: ONE_ED_TECH_REVOCATION_LIST.into(),
            status_purpose: None,
            status_list_index: None,
            status_list_credential: None,
            extra: Extra::new(),
        }
    }
}

/// A `credentialSchema` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialSchema {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An embedded proof (Data Integrity). Verified elsewhere; modelled here so a
/// credential round-trips.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proof {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryptosuite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
