//! The audit log's model: who changed what in an organization's records.
//!
//! Every change an adapter makes on someone's behalf (a staff member in the console,
//! an API key, a reviewer through their link, the service's own workers) is written
//! as one [`Change`], in the same transaction as the change where there is one.

use serde::Serialize;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", rename_all_fields = "camelCase")]
pub enum Actor {
    /// A staff member signed in to the console.
    Staff { account_id: String, name: String },
    /// A caller with an API key (by the key's id, never its secret).
    ApiKey { key_id: String },
    /// A reviewer who decided through their sign-off link, as they named themselves.
    Reviewer { name: String },
    /// The service itself (a bulk worker, the demo loader, a scheduled job).
    Service,
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Staff { .. } => "staff",
            Actor::ApiKey { .. } => "api-key",
            Actor::Reviewer { .. } => "reviewer",
            Actor::Service => "service",
        }
    }

    /// The stored id of the staff account or API key.
    pub fn id(&self) -> Option<&str> {
        match self {
            Actor::Staff { account_id, .. } => Some(account_id),
            Actor::ApiKey { key_id } => Some(key_id),
            Actor::Reviewer { .. } | Actor::Service => None,
        }
    }

    /// The name the actor goes by, when it has one.
    pub fn name(&self) -> Option<&str> {
        match self {
            Actor::Staff { name, .. } | Actor::Reviewer { name } => Some(name),
            Actor::ApiKey { .. } | Actor::Service => None,
        }
    }

    /// Reads back a stored actor.
    pub fn from_stored(kind: &str, id: Option<String>, name: Option<String>) -> Actor {
        match (kind, id, name) {
            ("staff", Some(account_id), name) => Actor::Staff { account_id, name: name.unwrap_or_default() },
            ("api-key", Some(key_id), _) => Actor::ApiKey { key_id },
            ("reviewer", _, name) => Actor::Reviewer { name: name.unwrap_or_default() },
            _ => Actor::Service,
        }
    }
}

/// What kind of change was made. Stored by [`Action::as_str`]; add a variant for a new
/// kind of change rather than reusing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    AchievementCreated,
    AchievementEdited,
    AchievementRetired,
    ResultRecorded,
    CredentialIssued,
    CredentialRevoked,
    CredentialSuspended,
    CredentialReinstated,
    ClaimLinkReplaced,
    SignoffDecided,
    SignoffLinkReplaced,
    LearnerMerged,
    BulkImportStarted,
    StaffInvited,
    TwoFactorEnabled,
    TwoFactorDisabled,
    ApiKeyCreated,
    ApiKeyRevoked,
    OrganizationEdited,
    OrganizationCreated,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::AchievementCreated,
        Action::AchievementEdited,
        Action::AchievementRetired,
        Action::ResultRecorded,
        Action::CredentialIssued,
        Action::CredentialRevoked,
        Action::CredentialSuspended,
        Action::CredentialReinstated,
        Action::ClaimLinkReplaced,
        Action::SignoffDecided,
        Action::SignoffLinkReplaced,
        Action::LearnerMerged,
        Action::BulkImportStarted,
        Action::StaffInvited,
        Action::TwoFactorEnabled,
        Action::TwoFactorDisabled,
        Action::ApiKeyCreated,
        Action::ApiKeyRevoked,
        Action::OrganizationEdited,
        Action::OrganizationCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::AchievementCreated => "achievement.created",
            Action::AchievementEdited => "achievement.edited",
            Action::AchievementRetired => "achievement.retired",
            Action::ResultRecorded => "result.recorded",
            Action::CredentialIssued => "credential.issued",
            Action::CredentialRevoked => "credential.revoked",
            Action::CredentialSuspended => "credential.suspended",
            Action::CredentialReinstated => "credential.reinstated",
            Action::ClaimLinkReplaced => "claim-link.replaced",
            Action::SignoffDecided => "signoff.decided",
            Action::SignoffLinkReplaced => "signoff-link.replaced",
            Action::LearnerMerged => "learner.merged",
            Action::BulkImportStarted => "bulk-import.started",
            Action::StaffInvited => "staff.invited",
            Action::TwoFactorEnabled => "staff.two-factor-on",
            Action::TwoFactorDisabled => "staff.two-factor-off",
            Action::ApiKeyCreated => "api-key.created",
            Action::ApiKeyRevoked => "api-key.revoked",
            Action::OrganizationEdited => "organization.edited",
            Action::OrganizationCreated => "organization.created",
        }
    }

    pub fn parse(value: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.as_str() == value)
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub organization_id: &'a str,
    pub actor: &'a Actor,
    pub action: Action,
    /// What was changed: its kind (`achievement`, `credential`, `learner`, …) and id.
    pub subject_kind: &'a str,
    pub subject_id: &'a str,
    /// One line a person reads: what changed, never a secret (no tokens, no passwords).
    pub summary: String,
}

/// A recorded change, as the log shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordedChange {
    pub id: String,
    pub at: String,
    pub actor: Actor,
    /// What kind of change: `credential.issued`, `credential.revoked`, `signoff.decided`, …
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub summary: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(*action));
        }
        let names: std::collections::HashSet<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), Action::ALL.len(), "two actions share a name");
    }

    #[test]
    fn actors_read_back_as_stored() {
        let staff = Actor::Staff { account_id: "a1".into(), name: "Ana".into() };
        assert_eq!(
            Actor::from_stored(staff.kind(), staff.id().map(String::from), staff.name().map(String::from)),
            staff
        );
        let key = Actor::ApiKey { key_id: "k1".into() };
        assert_eq!(Actor::from_stored(key.kind(), key.id().map(String::from), None), key);
        assert_eq!(Actor::from_stored("unknown", None, None), Actor::Service);
    }
}
