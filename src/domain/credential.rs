//! Builds the Open Badges 3.0 credential for a learner who earned an achievement:
//! the hashed email identifier, the embedded achievement version, results matching
//! its result descriptions, evidence with SHA-256 digests, validity and status.
//! Pure: signing and storing are the caller's.

use time::{Date, Month, OffsetDateTime};

use super::achievement::ResultDescriptionInput;
use credence_core::model::{self, OB_V3_CONTEXT, OneOrMany, VC_V2_CONTEXT, hashed_email_identity};
use credence_core::multibase;

/// Who receives the credential. The email is only ever stored hashed with the salt.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub salt: String,
    /// The learner's DID, when they gave one (a wallet).
    pub did: Option<String>,
}

/// A result to report, for one component of the award rule.
#[derive(Debug, Clone)]
pub struct AwardedResult {
    pub component: String,
    /// The value as the result type writes it, e.g. "84" for a percent.
    pub value: String,
}

/// Evidence of the assessment. A file or page named by `id` carries its SHA-256
/// digest, so an employer can check it was not altered.
#[derive(Debug, Clone, Default)]
pub struct EvidenceItem {
    pub id: Option<String>,
    pub name: String,
    pub narrative: Option<String>,
    pub description: Option<String>,
    pub genre: Option<String>,
    pub sha256: Option<[u8; 32]>,
}

#[derive(Debug, Clone)]
pub struct CredentialDraft {
    /// The credential's id (its public URL or a `urn:uuid:`).
    pub id: String,
    /// The issuer's Profile.
    pub issuer: model::Profile,
    /// The Open Badges `Achievement` of the version earned.
    pub achievement: model::Achievement,
    pub result_descriptions: Vec<ResultDescriptionInput>,
    pub recipient: Recipient,
    pub results: Vec<AwardedResult>,
    pub evidence: Vec<EvidenceItem>,
    pub valid_from: OffsetDateTime,
    /// (years, months, days) after `valid_from`; `None` never expires.
    pub validity: Option<(u32, u32, u32)>,
    /// `credentialStatus` entries (e.g. BitstringStatusListEntry for revocation and suspension).
    pub credential_status: Vec<model::CredentialStatus>,
    /// Why the credential was awarded, when it is not from the rule (recognition of prior learning).
    pub award_narrative: Option<String>,
}

/// RFC 3339 with whole seconds and `Z`, as credentials write times.
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Adds a calendar period; a day past the end of the month falls back to its last day.
pub fn add_period(t: OffsetDateTime, (years, months, days): (u32, u32, u32)) -> OffsetDateTime {
    let total_months = t.year() as i64 * 12 + (u8::from(t.month()) as i64 - 1) + years as i64 * 12 + months as i64;
    let year = (total_months.div_euclid(12)) as i32;
    let month = Month::try_from((total_months.rem_euclid(12) + 1) as u8).unwrap_or(Month::December);
    let mut day = t.day();
    let date = loop {
        match Date::from_calendar_date(year, month, day) {
            Ok(d) => break d,
            Err(_) if day > 28 => day -= 1,
            Err(_) => break t.date(),
        }
    };
    let t = t.replace_date(date);
    // Past the last writable date (only a period stored before periods were bounded): the days are dropped.
    t.checked_add(time::Duration::days(days as i64)).unwrap_or(t)
}

fn result_entry(achievement_id: &str, rd: &ResultDescriptionInput, value: &str) -> model::AchievementResult {
    model::AchievementResult {
        types: OneOrMany::strings(&["Result"]),
        result_description: Some(format!("{achievement_id}#result-{}", rd.component)),
        value: Some(value.to_string()),
        status: None,
        achieved_level: None,
        alignment: None,
        extra: Default::default(),
    }
}

fn evidence_entry(e: &EvidenceItem) -> model::Evidence {
    model::Evidence {
        id: e.id.clone(),
        types: OneOrMany::strings(&["Evidence"]),
        narrative: e.narrative.clone(),
        name: Some(e.name.clone()),
        description: e.description.clone(),
        genre: e.genre.clone(),
        audience: None,
        // Multibase of the multihash (0x12 = sha2-256, 0x20 = 32 bytes), as VC 2.0's digestMultibase.
        digest_multibase: e.sha256.map(|d| {
            let mut multihash = vec![0x12, 0x20];
            multihash.extend_from_slice(&d);
            multibase::encode_base58btc(&multihash)
        }),
        extra: Default::default(),
    }
}

/// The unsigned credential.
pub fn build_credential(d: &CredentialDraft) -> model::OpenBadgeCredential {
    let achievement_id = d.achievement.id.clone();
    let results: Vec<model::AchievementResult> = d
        .results
        .iter()
        .filter_map(|r| {
            let rd = d.result_descriptions.iter().find(|rd| rd.component == r.component)?;
            Some(result_entry(&achievement_id, rd, &r.value))
        })
        .collect();
    let subject = model::AchievementSubject {
        id: d.recipient.did.clone(),
        types: OneOrMany::strings(&["AchievementSubject"]),
        identifier: Some(vec![hashed_email_identity(&d.recipient.email, &d.recipient.salt)]),
        achievement: d.achievement.clone(),
        result: (!results.is_empty()).then_some(results),
        credits_earned: None,
        activity_start_date: None,
        activity_end_date: None,
        narrative: d.award_narrative.clone(),
        image: None,
        license_number: None,
        role: None,
        source: None,
        term: None,
        extra: Default::default(),
    };
    model::OpenBadgeCredential {
        context: OneOrMany::Many(vec![
            model::Context::Uri(VC_V2_CONTEXT.into()),
            model::Context::Uri(OB_V3_CONTEXT.into()),
        ]),
        id: Some(d.id.clone()),
        types: OneOrMany::strings(&["VerifiableCredential", "OpenBadgeCredential"]),
        issuer: model::Issuer::Profile(Box::new(d.issuer.clone())),
        valid_from: Some(format_time(d.valid_from)),
        valid_until: d.validity.map(|period| format_time(add_period(d.valid_from, period))),
        issuance_date: None,
        expiration_date: None,
        awarded_date: None,
        name: Some(d.achievement.name.clone()),
        description: None,
        image: None,
        credential_subject: subject,
        evidence: (!d.evidence.is_empty()).then(|| OneOrMany::Many(d.evidence.iter().map(evidence_entry).collect())),
        credential_status: match d.credential_status.as_slice() {
            [] => None,
            [one] => Some(OneOrMany::One(one.clone())),
            many => Some(OneOrMany::Many(many.to_vec())),
        },
        credential_schema: None,
        endorsement: None,
        endorsement_jwt: None,
        terms_of_use: None,
        refresh_service: None,
        proof: None,
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn periods_follow_the_calendar() {
        assert_eq!(format_time(add_period(datetime!(2026-01-31 10:00 UTC), (0, 1, 0))), "2026-02-28T10:00:00Z");
        assert_eq!(format_time(add_period(datetime!(2024-02-29 00:00 UTC), (3, 0, 0))), "2027-02-28T00:00:00Z");
        assert_eq!(format_time(add_period(datetime!(2026-11-26 08:30:15 UTC), (0, 18, 10))), "2028-06-05T08:30:15Z");
        // A period stored before periods were bounded does not panic.
        assert_eq!(
            format_time(add_period(datetime!(2026-11-26 08:30:15 UTC), (0, 0, u32::MAX))),
            "2026-11-26T08:30:15Z"
        );
    }
}
