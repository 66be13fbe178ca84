//! The demo catalog (tests/fixtures/catalog.json, drawn from the Canadian
//! micro-credential pilots) loaded through the same store calls the API uses.
//! Loading is idempotent: what already exists is left alone. The catalog's
//! learners are then played through issuance as an LMS and reviewers would
//! (results, sign-offs, a revocation), again idempotently.

use serde::Deserialize;
use serde_json::Value;

use crate::domain::achievement::{
    AchievementInput, AlignmentInput, CriteriaInput, DeliveryMode, LanguageEdition, Tier,
};
use crate::domain::audit::Actor;
use crate::domain::award_rule::{AwardRule, ComponentRequirement, SignoffKind};
use crate::domain::framework::{self, Competency, Domain, FrameworkDocument};
use crate::domain::learner::{LearnerInput, ResultInput, SignoffDecisionInput};
use crate::domain::organization::{NewOrganization, OrganizationKind};
use crate::domain::validation::slugify;
use crate::error::{AppError, AppResult};
use crate::issuance::{self, CredentialRef, LearnerStatus};
use crate::store::{StatusChange, Store};
use credence_core::sealed_key::MasterKey;

pub const CATALOG: &str = include_str!("../tests/fixtures/catalog.json");

#[derive(Debug, Deserialize)]
pub struct Catalog {
    pub organizations: Vec<CatalogOrganization>,
    pub frameworks: Vec<CatalogFramework>,
    pub achievements: Vec<CatalogAchievement>,
    #[serde(default)]
    pub learners: Vec<Value>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogOrganization {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogFramework {
    pub slug: String,
    pub name: String,
    pub publisher: Option<String>,
    pub publisher_org: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub competencies: Vec<CatalogCompetency>,
    #[serde(default)]
    pub domains: Vec<CatalogDomain>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogCompetency {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct CatalogDomain {
    pub code: String,
    pub name: String,
    pub competencies: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogAchievement {
    pub slug: String,
    pub issuer: String,
    pub name: String,
    pub tier: String,
    #[serde(rename = "achievementType")]
    pub achievement_type: String,
    pub hours: Option<f64>,
    pub duration: Option<String>,
    pub delivery: Option<String>,
    pub language: String,
    pub description: Option<String>,
    /// The micro-credential in its other language (English or French).
    #[serde(default)]
    pub edition: Option<CatalogEdition>,
    #[serde(default)]
    pub alignments: Vec<CatalogAlignment>,
    pub rule: CatalogRule,
}

#[derive(Debug, Deserialize)]
pub struct CatalogEdition {
    pub language: String,
    pub name: String,
    pub description: String,
    pub duration: Option<String>,
    pub delivery: Option<String>,
    /// Result names in this language, by rule component.
    #[serde(default, rename = "resultNames")]
    pub result_names: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogAlignment {
    pub framework: Option<String>,
    pub competency: Option<String>,
    pub noc2021: Option<String>,
    pub esco: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogRule {
    pub all_of: Vec<CatalogComponent>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogComponent {
    pub component: String,
    pub min_score: Option<f64>,
    pub max_attempts: Option<u32>,
    pub completed: Option<bool>,
    pub passed: Option<bool>,
    pub requires_signoff: Option<SignoffKind>,
}

/// A demo learner and what happened on each achievement, as the catalog tells it.
#[derive(Debug, Deserialize)]
pub struct CatalogLearner {
    pub name: String,
    pub email: String,
    pub outcomes: Vec<CatalogOutcome>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogOutcome {
    pub achievement: String,
    pub results: Vec<CatalogResult>,
    /// `issued`, `issued_then_revoked`, `awaiting_signoff`, `locked_out` or `not_yet`.
    pub expect: String,
    pub revocation_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogResult {
    pub component: String,
    pub score: Option<f64>,
    pub attempt: Option<u32>,
    pub completed: Option<bool>,
    pub passed: Option<bool>,
    /// Submitted for sign-off, with no decision yet.
    pub submitted: Option<bool>,
    /// Submitted for this kind of sign-off (`employer` or `expert`)...
    pub signoff: Option<String>,
    /// ...and approved by the reviewer.
    pub approved: Option<bool>,
}

impl CatalogResult {
    fn submitted_for_signoff(&self) -> bool {
        self.submitted == Some(true) || self.signoff.is_some()
    }
}

pub fn catalog() -> AppResult<Catalog> {
    serde_json::from_str(CATALOG).map_err(|e| AppError::Internal(format!("demo catalog is unreadable: {e}")))
}

/// What loading the demo did.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub organizations_created: usize,
    pub frameworks_created: usize,
    pub achievements_created: usize,
}

pub async fn load(store: &Store) -> AppResult<DemoReport> {
    let catalog = catalog()?;
    let mut report = DemoReport::default();
    for o in &catalog.organizations {
        if store.organization_by_slug(&o.slug).await?.is_none() {
            let new = organization(o)?;
            new.validate()?;
            store.create_organization(&new, &Actor::Service).await?;
            report.organizations_created += 1;
        }
    }
    for f in &catalog.frameworks {
        if store.framework_version(&f.slug, None).await?.is_none() {
            let doc = framework_document(f)?;
            doc.validate()?;
            let owner = match &f.publisher_org {
                Some(slug) => store.organization_by_slug(slug).await?.map(|o| o.id),
                None => None,
            };
            store.create_framework(&doc, owner.as_deref()).await?;
            report.frameworks_created += 1;
        }
    }
    for a in &catalog.achievements {
        let org = store.organization_by_slug(&a.issuer).await?.ok_or_else(|| {
            AppError::Internal(format!("demo achievement {} names unknown issuer {}", a.slug, a.issuer))
        })?;
        let exists = store.list_achievements(&org.id).await?.iter().any(|x| x.definition.slug == a.slug);
        if !exists {
            let def = store.resolve_achievement(achievement_input(a)?).await?;
            store.create_achievement(&org.id, &def).await?;
            report.achievements_created += 1;
        }
    }
    Ok(report)
}

/// Where one demo learner stands on one achievement after [`play_learners`].
#[derive(Debug, Clone)]
pub struct LearnerOutcome {
    pub learner: String,
    pub organization: String,
    pub achievement: String,
    pub achievement_name: String,
    /// The catalog's expectation.
    pub expect: String,
    /// The state issuance answered: `issued`, `revoked`, `awaiting_signoff`, ...
    pub state: String,
    pub credential: Option<CredentialRef>,
}

impl LearnerOutcome {
    /// One line for the demo's start-up message: the badge page and its state,
    /// or why there is no page.
    pub fn describe(&self) -> String {
        let who = format!("{}, {}", self.learner, self.achievement_name);
        match &self.credential {
            Some(c) => format!("{}  ({}: {who})", c.url, c.state()),
            None => {
                let why = match self.state.as_str() {
                    "awaiting_signoff" => "awaiting sign-off",
                    "locked_out" => "locked out",
                    "in_progress" => "not yet earned",
                    other => other,
                };
                format!("no badge page ({why}: {who})")
            }
        }
    }

    /// The learner's private claim link, when the credential was issued by this run
    /// (the link is shown once, as in the issuing answer).
    pub fn claim_url(&self) -> Option<&str> {
        self.credential.as_ref().and_then(|c| c.claim_url.as_deref())
    }
}

const DEMO_SOURCE: &str = "demo";
const DEMO_APPROVAL: &str = "Approved for the demo: the work meets the standard.";

/// Plays the catalog's learners through issuance as the API would: records each
/// result, approves the sign-offs the catalog approves through the reviewer's link,
/// and revokes what the catalog revokes. Each result carries a fingerprint of its
/// place in the catalog, so a second run records nothing new and issues nothing twice.
pub async fn play_learners(store: &Store, master: &MasterKey) -> AppResult<Vec<LearnerOutcome>> {
    let catalog = catalog()?;
    let learners: Vec<CatalogLearner> = catalog
        .learners
        .iter()
        .map(|l| serde_json::from_value(l.clone()))
        .collect::<Result<_, _>>()
        .map_err(|e| AppError::Internal(format!("demo learners are unreadable: {e}")))?;
    let mut outcomes = Vec::new();
    for learner in &learners {
        for outcome in &learner.outcomes {
            outcomes.push(play_outcome(store, master, &catalog, learner, outcome).await?);
        }
    }
    Ok(outcomes)
}

async fn play_outcome(
    store: &Store,
    master: &MasterKey,
    catalog: &Catalog,
    learner: &CatalogLearner,
    outcome: &CatalogOutcome,
) -> AppResult<LearnerOutcome> {
    let definition = catalog.achievements.iter().find(|a| a.slug == outcome.achievement).ok_or_else(|| {
        AppError::Internal(format!("demo learner {} names unknown achievement {}", learner.name, outcome.achievement))
    })?;
    let org = store
        .organization_by_slug(&definition.issuer)
        .await?
        .ok_or_else(|| AppError::Internal(format!("demo organization {} is missing", definition.issuer)))?;
    let mut status = None;
    for (n, r) in outcome.results.iter().enumerate() {
        let input = ResultInput {
            achievement: outcome.achievement.clone(),
            component: r.component.clone(),
            learner: LearnerInput {
                email: Some(learner.email.clone()),
                name: Some(learner.name.clone()),
                ..Default::default()
            },
            score: r.score,
            attempt: r.attempt,
            completed: r.completed,
            passed: r.passed,
            submitted_for_signoff: r.submitted_for_signoff().then_some(true),
            reviewer: None,
            evidence: Vec::new(),
            source: Some(DEMO_SOURCE.into()),
            recorded_at: None,
        };
        let fingerprint = format!("demo:{}:{}:{n}", learner.email, outcome.achievement);
        let mut now =
            match issuance::record_result_once(store, master, &org, input, Some((&fingerprint, &fingerprint))).await? {
                issuance::Recorded::Status(s) => *s,
                issuance::Recorded::Duplicate { of } => {
                    return Err(AppError::Internal(format!("demo result {fingerprint} clashes with {of:?}")));
                }
            };
        if r.approved == Some(true)
            && let Some(decided) = approve_signoff(store, master, &org.id, &now, &r.component).await?
        {
            now = decided;
        }
        status = Some(now);
    }
    let mut status =
        status.ok_or_else(|| AppError::Internal(format!("demo outcome {} has no results", outcome.achievement)))?;
    if let (Some(reason), Some(c)) = (&outcome.revocation_reason, &status.credential)
        && c.revoked_at.is_none()
    {
        // The catalog's reason is written for anyone to read, so the badge page shows it.
        let change = StatusChange::Revoke { reason, public_reason: Some(reason) };
        let revoked = store.change_credential_status(&org.id, &c.id, change, &Actor::Service).await?;
        status.credential = Some(CredentialRef::of(store, &revoked));
        status.state = "revoked".into();
    }
    Ok(LearnerOutcome {
        learner: learner.name.clone(),
        organization: org.slug.clone(),
        achievement: outcome.achievement.clone(),
        achievement_name: definition.name.clone(),
        expect: outcome.expect.clone(),
        state: status.state,
        credential: status.credential,
    })
}

/// Approves a component's sign-off request as its reviewer would, through the
/// link's token (a new link when the first one was not kept, as after a crash).
/// `None` when it was decided in an earlier run.
async fn approve_signoff(
    store: &Store,
    master: &MasterKey,
    organization_id: &str,
    status: &LearnerStatus,
    component: &str,
) -> AppResult<Option<LearnerStatus>> {
    let request = status
        .signoffs
        .iter()
        .find(|s| s.component == component)
        .ok_or_else(|| AppError::Internal(format!("no sign-off request for demo component {component}")))?;
    if !matches!(request.status.as_str(), "pending" | "expired") {
        return Ok(None);
    }
    let link = match &request.link {
        Some(link) => Some(link.clone()),
        None => store
            .reissue_signoff_link(
                organization_id,
                &request.id,
                time::Duration::days(issuance::SIGNOFF_LINK_VALIDITY_DAYS),
                &Actor::Service,
            )
            .await?
            .and_then(|r| r.link),
    };
    let token = link
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .ok_or_else(|| AppError::Internal(format!("no sign-off link for demo component {component}")))?;
    let decision = SignoffDecisionInput {
        approve: true,
        comment: Some(DEMO_APPROVAL.into()),
        reviewer_name: None,
        reviewer_role: None,
    };
    issuance::decide_signoff(store, master, token, &decision).await.map(Some)
}

fn organization(o: &CatalogOrganization) -> AppResult<NewOrganization> {
    Ok(NewOrganization {
        slug: o.slug.clone(),
        name: o.name.clone(),
        kind: OrganizationKind::parse(&o.kind)
            .ok_or_else(|| AppError::Internal(format!("demo organization {} has unknown kind {}", o.slug, o.kind)))?,
        url: o.url.clone(),
        email: o.email.clone(),
        description: o.description.clone(),
        logo: None,
        language: Some("en".into()),
        cryptosuite: None,
        issue_jwt: None,
        jwt_algorithm: None,
    })
}

fn framework_document(f: &CatalogFramework) -> AppResult<FrameworkDocument> {
    // A reference framework that ships with Credence is loaded from its bundled file.
    if let Some(doc) = framework::reference_framework(&f.slug)? {
        return Ok(doc);
    }
    Ok(FrameworkDocument {
        slug: f.slug.clone(),
        name: f.name.clone(),
        description: None,
        publisher: f.publisher.clone(),
        url: f.url.clone(),
        language: Some("en".into()),
        domains: f
            .domains
            .iter()
            .map(|d| Domain {
                code: d.code.clone(),
                name: d.name.clone(),
                description: None,
                url: None,
                competencies: d
                    .competencies
                    .iter()
                    .map(|name| Competency { code: slugify(name), name: name.clone(), description: None, url: None })
                    .collect(),
            })
            .collect(),
        competencies: f
            .competencies
            .iter()
            .map(|c| Competency { code: c.code.clone(), name: c.name.clone(), description: None, url: None })
            .collect(),
    })
}

fn achievement_input(a: &CatalogAchievement) -> AppResult<AchievementInput> {
    let tier = match a.tier.as_str() {
        "badge" => Tier::Badge,
        "micro-credential" => Tier::MicroCredential,
        "certificate" => Tier::Certificate,
        other => return Err(AppError::Internal(format!("demo achievement {} has unknown tier {other}", a.slug))),
    };
    let rule = AwardRule::all_of(
        a.rule
            .all_of
            .iter()
            .map(|c| ComponentRequirement {
                component: c.component.clone(),
                name: None,
                min_score: c.min_score,
                max_attempts: c.max_attempts,
                completed: c.completed,
                passed: c.passed,
                requires_signoff: c.requires_signoff,
                signoff_blocking: None,
            })
            .collect(),
    );
    let french = a.language.starts_with("fr");
    Ok(AchievementInput {
        slug: a.slug.clone(),
        name: a.name.clone(),
        description: a.description.clone().unwrap_or_else(|| a.name.clone()),
        criteria: CriteriaInput { narrative: criteria_narrative(&rule, french), url: None },
        image: None,
        achievement_type: a.achievement_type.clone(),
        tier,
        hours: a.hours,
        duration: a.duration.clone(),
        delivery_mode: a.delivery.as_deref().and_then(delivery_mode),
        delivery: a.delivery.clone(),
        language: a.language.clone(),
        edition: a.edition.as_ref().map(|e| LanguageEdition {
            language: e.language.clone(),
            name: e.name.clone(),
            description: e.description.clone(),
            criteria: CriteriaInput { narrative: criteria_narrative(&rule, e.language.starts_with("fr")), url: None },
            duration: e.duration.clone(),
            delivery: e.delivery.clone(),
            image_caption: None,
            tags: Vec::new(),
            result_names: e.result_names.clone(),
        }),
        human_code: None,
        tags: Vec::new(),
        alignments: a
            .alignments
            .iter()
            .map(|al| AlignmentInput {
                framework: al.framework.clone(),
                competency: al.competency.clone(),
                noc2021: al.noc2021.clone(),
                esco: al.esco.clone(),
                target_name: if al.framework.is_some() { None } else { al.name.clone() },
                ..Default::default()
            })
            .collect(),
        result_descriptions: Vec::new(),
        // The catalog gives no validity; micro-credentials here stay valid three years.
        validity_period: (tier == Tier::MicroCredential).then(|| "P3Y".to_string()),
        rule,
    })
}

fn delivery_mode(text: &str) -> Option<DeliveryMode> {
    let t = text.to_lowercase();
    if t.contains("hybrid") {
        Some(DeliveryMode::Hybrid)
    } else if t.contains("self-paced") {
        Some(DeliveryMode::OnlineSelfPaced)
    } else if t.contains("live online") || t.contains("en ligne") {
        Some(DeliveryMode::OnlineLive)
    } else {
        None
    }
}

/// States the award rule in words, in the achievement's language.
pub fn criteria_narrative(rule: &AwardRule, french: bool) -> String {
    let parts: Vec<String> = rule
        .all_of
        .iter()
        .map(|c| {
            let name = c.display_name();
            let mut bits = Vec::new();
            if c.completed == Some(true) {
                bits.push(if french { format!("terminer : {name}") } else { format!("complete the {name}") });
            }
            if c.passed == Some(true) {
                bits.push(if french { format!("réussir : {name}") } else { format!("pass the {name}") });
            }
            if let Some(min) = c.min_score {
                let min = crate::domain::achievement::format_number(min);
                let attempts = match (c.max_attempts, french) {
                    (Some(n), false) => format!(" in at most {n} attempt{}", if n == 1 { "" } else { "s" }),
                    (Some(n), true) => format!(" en {n} tentative{} au plus", if n == 1 { "" } else { "s" }),
                    (None, _) => String::new(),
                };
                bits.push(if french {
                    format!("obtenir au moins {min} % à : {name}{attempts}")
                } else {
                    format!("score at least {min}% on the {name}{attempts}")
                });
            }
            if let Some(kind) = c.requires_signoff {
                let who = match (kind, french) {
                    (SignoffKind::Employer, false) => "an employer",
                    (SignoffKind::Expert, false) => "a sector expert",
                    (SignoffKind::Employer, true) => "un employeur",
                    (SignoffKind::Expert, true) => "un expert du secteur",
                };
                bits.push(if french {
                    format!("faire approuver : {name} par {who}")
                } else {
                    format!("have the {name} approved by {who}")
                });
            }
            bits.join(if french { " et " } else { " and " })
        })
        .collect();
    let lead = if french { "Pour obtenir ce titre : " } else { "To earn this credential: " };
    let mut text = format!("{lead}{}.", parts.join("; "));
    if let Some(first) = text.get(lead.len()..lead.len() + 1) {
        let upper = first.to_uppercase();
        text.replace_range(lead.len()..lead.len() + 1, &upper);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_achievement_maps_to_valid_input() {
        let c = catalog().unwrap();
        assert_eq!(c.organizations.len(), 6);
        for a in &c.achievements {
            let input = achievement_input(a).unwrap();
            let mut v = crate::domain::validation::Violations::new();
            input.rule.check(&mut v, "rule");
            v.into_result().unwrap();
        }
        for f in &c.frameworks {
            framework_document(f).unwrap().validate().unwrap();
        }
    }

    #[test]
    fn narrative_states_the_rule() {
        let c = catalog().unwrap();
        let ams = c.achievements.iter().find(|a| a.slug == "emc-ams-time-management").unwrap();
        let text = achievement_input(ams).unwrap().criteria.narrative;
        assert_eq!(
            text,
            "To earn this credential: Complete the pre-assessment; score at least 70% on the post-assessment in at most 2 attempts; have the workplace-project approved by an employer."
        );
    }
}
