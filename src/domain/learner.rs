//! Learners and what issuers send about them: assessment results, direct awards,
//! evidence, revocations. Input types with their validation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::organization::is_email;
use super::validation::{Reason, Violations};
use credence_core::did::Did;
use credence_core::model::{normalize_email, parse_date_time_z};

/// How the issuer identifies a learner: by email and/or its own learner id.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LearnerInput {
    /// Never put in a credential or on a public page; credentials carry its salted hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The learner's id in the issuer's LMS or student system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The learner's DID, to receive the credential in a wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
    /// Display name, shown on the badge page once the learner claims it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl LearnerInput {
    pub fn check(&self, v: &mut Violations, path: &str) {
        v.check(self.email.is_some() || self.external_id.is_some(), path.to_string(), Reason::IdentifyLearner);
        if let Some(email) = &self.email {
            v.check(is_email(email.trim()), format!("{path}.email"), Reason::Email);
        }
        if let Some(id) = &self.external_id {
            v.text(&format!("{path}.externalId"), id, 200);
        }
        if let Some(did) = &self.did {
            // It becomes the id of the credential's subject: read as the verifier reads DIDs.
            if let Err(e) = Did::parse(did) {
                v.add(format!("{path}.did"), Reason::Did { detail: e.to_string() });
            }
        }
        if let Some(name) = &self.name {
            v.text(&format!("{path}.name"), name, 200);
        }
    }

    /// The email as stored and hashed: trimmed and lower-cased.
    pub fn normalized_email(&self) -> Option<String> {
        self.email.as_deref().map(normalize_email)
    }
}

/// The employer or expert asked to sign off a component.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReviewerInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Evidence of the learner's work, shown to employers.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EvidenceInput {
    /// Where the evidence file or page is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Kind of evidence, e.g. "Assessment", "Portfolio", "Workplace project".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    /// SHA-256 of the file at `url` (64 hex digits), so employers can check it was not altered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl EvidenceInput {
    pub fn check(&self, v: &mut Violations, path: &str) {
        v.optional_http_url(&format!("{path}.url"), self.url.as_deref());
        v.text(&format!("{path}.name"), &self.name, 300);
        v.optional_text(&format!("{path}.narrative"), self.narrative.as_deref(), 8000);
        v.optional_text(&format!("{path}.description"), self.description.as_deref(), 4000);
        v.optional_text(&format!("{path}.genre"), self.genre.as_deref(), 100);
        if self.sha256.is_some() {
            v.check(self.digest().is_some(), format!("{path}.sha256"), Reason::DigestHex);
            v.check(self.url.is_some(), format!("{path}.sha256"), Reason::DigestNeedsUrl);
        }
    }

    pub fn digest(&self) -> Option<[u8; 32]> {
        let bytes = hex::decode(self.sha256.as_deref()?.trim()).ok()?;
        bytes.try_into().ok()
    }
}

/// One assessment outcome for one component of an achievement's rule.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResultInput {
    /// The achievement's id or slug.
    pub achievement: String,
    /// The rule component, e.g. `post-assessment`.
    pub component: String,
    pub learner: LearnerInput,
    /// Score in percent, 0 to 100 (scored components).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Attempt number, from 1. An attempt beyond the rule's limit is recorded but does not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// The learner submitted this component for employer or expert sign-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_for_signoff: Option<bool>,
    /// Who should sign off, when this result submits for sign-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<ReviewerInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceInput>,
    /// Where the result comes from, e.g. `lms:moodle` (default `api`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When the outcome happened (RFC 3339); default now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
}

impl ResultInput {
    /// Checks the fields that do not depend on the achievement's rule.
    pub fn check(&self, v: &mut Violations) {
        v.text("achievement", &self.achievement, 200);
        v.text("component", &self.component, 100);
        self.learner.check(v, "learner");
        if let Some(score) = self.score {
            v.check(score.is_finite() && (0.0..=100.0).contains(&score), "score", Reason::Percentage);
        }
        if let Some(attempt) = self.attempt {
            v.check((1..=1000).contains(&attempt), "attempt", Reason::AttemptRange);
        }
        let says_something = self.score.is_some()
            || self.completed.is_some()
            || self.passed.is_some()
            || self.submitted_for_signoff.is_some();
        v.check(says_something, "score", Reason::ResultSaysNothing);
        if let Some(r) = &self.reviewer {
            v.optional_text("reviewer.name", r.name.as_deref(), 200);
            if let Some(e) = &r.email {
                v.check(is_email(e), "reviewer.email", Reason::Email);
            }
        }
        v.check(self.evidence.len() <= 20, "evidence", Reason::TooManyEvidence);
        for (i, e) in self.evidence.iter().enumerate() {
            e.check(v, &format!("evidence[{i}]"));
        }
        v.optional_text("source", self.source.as_deref(), 100);
        if let Some(t) = &self.recorded_at {
            v.check(parse_date_time_z(t).is_some(), "recordedAt", Reason::DateTimeWithZone);
        }
    }
}

/// Recognition of prior learning: a credential awarded without results.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DirectAwardInput {
    pub achievement: String,
    pub learner: LearnerInput,
    /// Why the credential is awarded without the assessment. Required; shown on the credential.
    pub narrative: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceInput>,
}

impl DirectAwardInput {
    pub fn check(&self, v: &mut Violations) {
        v.text("achievement", &self.achievement, 200);
        self.learner.check(v, "learner");
        v.text("narrative", &self.narrative, 8000);
        for (i, e) in self.evidence.iter().enumerate() {
            e.check(v, &format!("evidence[{i}]"));
        }
    }
}

/// Why a credential is revoked (permanent).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RevokeInput {
    /// The organization's reason: kept in its records and audit log, never shown
    /// outside it.
    pub reason: String,
    /// What the badge page says of the revocation; by default it says nothing more
    /// than that the credential is revoked.
    #[serde(default)]
    pub public_reason: Option<String>,
}

/// Why a credential is suspended (until the suspension is lifted). Both optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SuspendInput {
    /// The organization's reason, never shown outside it.
    #[serde(default)]
    pub reason: Option<String>,
    /// What the badge page says of the suspension; by default nothing more than that
    /// the credential is suspended.
    #[serde(default)]
    pub public_reason: Option<String>,
}

/// Longest reason, private or public, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

impl RevokeInput {
    pub fn check(&self) -> Result<(), crate::error::AppError> {
        let mut v = super::validation::Violations::new();
        v.text("reason", &self.reason, MAX_REASON_CHARS);
        v.optional_text("publicReason", self.public_reason.as_deref(), MAX_REASON_CHARS);
        v.into_result()
    }
}

impl SuspendInput {
    pub fn check(&self) -> Result<(), crate::error::AppError> {
        let mut v = super::validation::Violations::new();
        v.optional_text("reason", self.reason.as_deref(), MAX_REASON_CHARS);
        v.optional_text("publicReason", self.public_reason.as_deref(), MAX_REASON_CHARS);
        v.into_result()
    }
}

/// A reviewer's decision on a sign-off link.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignoffDecisionInput {
    pub approve: bool,
    #[serde(default)]
    pub comment: Option<String>,
    /// The reviewer's name, as they confirm it (recorded with the decision).
    #[serde(default)]
    pub reviewer_name: Option<String>,
    /// The reviewer's role or title, e.g. "Site supervisor, Acme Manufacturing".
    #[serde(default)]
    pub reviewer_role: Option<String>,
}
