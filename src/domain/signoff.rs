//! What an employer or expert's approval of a component says to whoever checks the
//! credential, in the achievement's language. Pure: no storage, no clock.
//!
//! An approval that comes before issuance is part of the credential, as one of its
//! `evidence` entries. One that comes after (a non-blocking sign-off) cannot change a
//! signed credential: the issuer signs a record of it of its own, an Open Badges 3.0
//! `EndorsementCredential` whose subject is the credential, linked from the badge page.

use serde_json::{Value, json};

use super::achievement::is_french;
use super::credential::EvidenceItem;
use credence_core::model;

/// An approved sign-off, as the reviewer confirmed it.
#[derive(Debug, Clone, Copy)]
pub struct Approval<'a> {
    /// `employer` or `expert`.
    pub reviewer_kind: &'a str,
    /// The component's name, as the award rule gives it.
    pub component: &'a str,
    pub reviewer_name: Option<&'a str>,
    pub reviewer_role: Option<&'a str>,
    /// RFC 3339.
    pub decided_at: &'a str,
    pub comment: Option<&'a str>,
}

/// The `genre` of an approval's evidence entry.
pub const GENRE: &str = "Sign-off";

impl Approval<'_> {
    /// "Employer sign-off: Workplace practicum", in `language`.
    pub fn title(&self, language: &str) -> String {
        let who = match (is_french(language), self.reviewer_kind) {
            (true, "employer") => "Confirmation de l'employeur",
            (true, _) => "Confirmation d'un expert",
            (false, "employer") => "Employer sign-off",
            (false, _) => "Expert sign-off",
        };
        let colon = if is_french(language) { " :" } else { ":" };
        format!("{who}{colon} {}", self.component)
    }

    /// Who approved and when, then their comment: "Approved by Jane Roy (Site
    /// supervisor) on 2026-12-03.", in `language`.
    pub fn statement(&self, language: &str) -> String {
        let fr = is_french(language);
        let date = self.decided_at.get(..10).unwrap_or(self.decided_at);
        let by = match (self.reviewer_name, self.reviewer_role) {
            (Some(name), Some(role)) => format!("{name} ({role})"),
            (Some(name), None) => name.to_string(),
            (None, Some(role)) => role.to_string(),
            (None, None) if fr && self.reviewer_kind == "employer" => "l'employeur".to_string(),
            (None, None) if fr => "l'expert".to_string(),
            (None, None) if self.reviewer_kind == "employer" => "the employer".to_string(),
            (None, None) => "the expert".to_string(),
        };
        let mut text =
            if fr { format!("Approuvé par {by} le {date}.") } else { format!("Approved by {by} on {date}.") };
        if let Some(comment) = self.comment.filter(|c| !c.trim().is_empty()) {
            text.push_str(if fr { "\n\nCommentaire : " } else { "\n\nComment: " });
            text.push_str(comment.trim());
        }
        text
    }

    /// The approval as an `evidence` entry of the credential.
    pub fn evidence(&self, language: &str) -> EvidenceItem {
        EvidenceItem {
            id: None,
            name: self.title(language),
            narrative: Some(self.statement(language)),
            description: None,
            genre: Some(GENRE.to_string()),
            sha256: None,
        }
    }

    /// The unsigned record of an approval given after `credential_id` was issued: an
    /// `EndorsementCredential` of `issuer` about that credential, at `record_id`.
    pub fn record(
        &self,
        record_id: &str,
        credential_id: &str,
        issuer: &model::Profile,
        language: &str,
        valid_from: &str,
    ) -> Value {
        json!({
            "@context": [model::VC_V2_CONTEXT, model::OB_V3_CONTEXT],
            "id": record_id,
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": self.title(language),
            "issuer": issuer,
            "validFrom": valid_from,
            "credentialSubject": {
                "id": credential_id,
                "type": ["EndorsementSubject"],
                "endorsementComment": self.statement(language),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval() -> Approval<'static> {
        Approval {
            reviewer_kind: "employer",
            component: "Workplace practicum",
            reviewer_name: Some("Jane Roy"),
            reviewer_role: Some("Site supervisor"),
            decided_at: "2026-12-03T10:00:00Z",
            comment: Some("  Safe and careful work.  "),
        }
    }

    #[test]
    fn an_approval_names_who_when_and_why_in_english() {
        let a = approval();
        assert_eq!(a.title("en-CA"), "Employer sign-off: Workplace practicum");
        assert_eq!(
            a.statement("en"),
            "Approved by Jane Roy (Site supervisor) on 2026-12-03.\n\nComment: Safe and careful work."
        );
    }

    #[test]
    fn an_approval_speaks_french_for_a_french_achievement() {
        let a =
            Approval { reviewer_kind: "expert", reviewer_name: None, reviewer_role: None, comment: None, ..approval() };
        assert_eq!(a.title("fr-CA"), "Confirmation d'un expert : Workplace practicum");
        assert_eq!(a.statement("fr"), "Approuvé par l'expert le 2026-12-03.");
    }

    #[test]
    fn evidence_is_a_sign_off_without_a_link() {
        let e = approval().evidence("en");
        assert_eq!(e.genre.as_deref(), Some(GENRE));
        assert!(e.id.is_none() && e.sha256.is_none());
        assert!(e.narrative.unwrap_or_default().starts_with("Approved by Jane Roy"));
    }

    #[test]
    fn the_record_is_an_endorsement_of_the_credential() {
        let issuer: model::Profile =
            serde_json::from_value(json!({"id": "https://x/issuers/a", "type": ["Profile"], "name": "A"})).unwrap();
        let r = approval().record("https://x/r/1", "https://x/credentials/1", &issuer, "en", "2026-12-03T10:00:00Z");
        assert_eq!(r["type"][1], "EndorsementCredential");
        assert_eq!(r["credentialSubject"]["id"], "https://x/credentials/1");
        assert_eq!(r["credentialSubject"]["type"][0], "EndorsementSubject");
        assert_eq!(r["id"], "https://x/r/1");
    }
}
