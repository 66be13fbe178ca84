//! Assessment-gated issuance: records results, evaluates the award rule, asks for
//! sign-offs, and issues exactly one signed credential per learner and achievement.
//! Storage and signing are called from here; HTTP knows nothing of these steps.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::achievement::{Achievement, parse_iso_duration};
use crate::domain::audit::{Action, Actor, Change};
use crate::domain::award_evaluation::{self, ComponentEvaluation, Evaluation, LearnerState, RecordedResult};
use crate::domain::award_rule::SignoffKind;
use crate::domain::credential::{self, AwardedResult, CredentialDraft, EvidenceItem, Recipient};
use crate::domain::email::{BadgeEarned, SignoffAsked};
use crate::domain::learner::{DirectAwardInput, EvidenceInput, LearnerInput, ResultInput, SignoffDecisionInput};
use crate::domain::organization::Organization;
use crate::domain::signoff::Approval;
use crate::domain::validation::{Reason, Violations};
use crate::error::{AppError, AppResult};
use crate::keyring;
use crate::store::{
    Issuing, Learner, MergedRecords, NewResult, NewSignoff, ResultInsert, Signed, SignoffRequest, Store,
    StoredCredential, Tx,
};
use credence_core::data_integrity::{self, Cryptosuite, ProofOptions};
use credence_core::jwt::JwtVerificationKey;
use credence_core::model::CredentialStatus;
use credence_core::sealed_key::MasterKey;

/// How long a sign-off link stays usable.
pub const SIGNOFF_LINK_VALIDITY_DAYS: i64 = 30;

/// Where a learner stands on an achievement, as the API answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LearnerStatus {
    pub learner_id: String,
    pub achievement_id: String,
    pub achievement_version: i64,
    /// `in_progress`, `awaiting_signoff`, `locked_out`, `issued`, `revoked` or `suspended`.
    pub state: String,
    pub components: Vec<ComponentEvaluation>,
    pub signoffs: Vec<SignoffRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialRef>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRef {
    pub id: String,
    /// The credential's public page and JSON.
    pub url: String,
    pub issued_at: String,
    pub award_kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    pub suspended: bool,
    /// The learner's private claim link. Only in the answer that issued the
    /// credential; a lost link is replaced with `POST .../credentials/{id}/claim-link`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_url: Option<String>,
}

impl CredentialRef {
    pub fn of(store: &Store, c: &StoredCredential) -> Self {
        CredentialRef {
            url: store.credential_url(&c.id),
            id: c.id.clone(),
            issued_at: c.issued_at.clone(),
            award_kind: c.award_kind.clone(),
            revoked_at: c.revoked_at.clone(),
            suspended: c.suspended,
            claim_url: None,
        }
    }

    pub fn state(&self) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.suspended {
            "suspended"
        } else {
            "issued"
        }
    }
}

fn state_name(state: LearnerState) -> &'static str {
    match state {
        LearnerState::InProgress => "in_progress",
        LearnerState::AwaitingSignoff => "awaiting_signoff",
        LearnerState::LockedOut => "locked_out",
        LearnerState::Eligible => "eligible",
    }
}

/// Finds an organization's achievement by id or slug (latest version).
pub async fn find_achievement(store: &Store, org: &Organization, key: &str) -> AppResult<Achievement> {
    let none = || {
        AppError::invalid(
            "achievement",
            Reason::NoAchievement { organization: org.slug.clone(), achievement: key.to_string() },
        )
    };
    // Ids and slugs hold no control character (and PostgreSQL cannot look up a U+0000).
    if key.chars().any(char::is_control) {
        return Err(none());
    }
    // The slug column is the definition's slug (it cannot change), unique per organization.
    store.organization_achievement_by_id_or_slug(&org.id, key).await?.ok_or_else(none)
}

/// Finds an achievement results are recorded for: as [`find_achievement`], refused
/// when it is retired (no credential is issued for it any more).
pub async fn find_offered_achievement(store: &Store, org: &Organization, key: &str) -> AppResult<Achievement> {
    let achievement = find_achievement(store, org, key).await?;
    if achievement.retired_at.is_some() {
        return Err(AppError::invalid("achievement", Reason::AchievementRetired { achievement: key.to_string() }));
    }
    Ok(achievement)
}

/// Checks a result against the achievement's rule.
pub(crate) fn check_against_rule(input: &ResultInput, achievement: &Achievement) -> AppResult<()> {
    let mut v = Violations::new();
    input.check(&mut v);
    match achievement.definition.rule.component(&input.component) {
        None => {
            let known: Vec<&str> = achievement.definition.rule.components().map(|c| c.component.as_str()).collect();
            v.add(
                "component",
                Reason::NotAComponentOf { component: input.component.clone(), components: known.join(", ") },
            );
        }
        Some(req) => {
            if input.score.is_some() && req.min_score.is_none() {
                v.add("score", Reason::NotScored { component: input.component.clone() });
            }
            if input.submitted_for_signoff == Some(true) && req.requires_signoff.is_none() {
                v.add("submittedForSignoff", Reason::NeedsNoSignoff { component: input.component.clone() });
            }
        }
    }
    v.into_result()
}

/// A credential names its learner by the salted hash of an email. When this request
/// would issue (a direct award, or a result that completes the rule) for a learner
/// whose email is unknown, it is refused before anything is written.
fn refuse_issuing_without_email(
    tx: &mut Tx<'_>,
    org: &Organization,
    achievement: &Achievement,
    learner: &LearnerInput,
    new_result: Option<&RecordedResult>,
) -> AppResult<()> {
    if learner.email.is_some() {
        return Ok(());
    }
    let known = tx.find_learner(&org.id, learner)?;
    if known.as_ref().is_some_and(|l| l.email.is_some()) {
        return Ok(());
    }
    let would_issue = match (new_result, &known) {
        (None, _) => true,
        (Some(result), known) => {
            let (mut results, decisions) = match known {
                Some(l) if tx.credential_for(&l.id, &achievement.id)?.is_some() => return Ok(()),
                Some(l) => {
                    (tx.results_with_evidence(&l.id, &achievement.id)?.0, tx.signoff_decisions(&l.id, &achievement.id)?)
                }
                None => (Vec::new(), Vec::new()),
            };
            results.push(result.clone());
            award_evaluation::evaluate(&achievement.definition.rule, &results, &decisions).is_eligible()
        }
    };
    if would_issue {
        return Err(AppError::invalid("learner.email", Reason::EmailToComplete));
    }
    Ok(())
}

/// Records one result, re-evaluates the rule, and issues when it is met.
pub async fn record_result(
    store: &Store,
    master: &MasterKey,
    org: &Organization,
    input: ResultInput,
) -> AppResult<LearnerStatus> {
    IssuingCall::result(store, org, input, None).await?.run(store, master, org).await?.status()
}

/// One call that may issue, checked and with its achievement found, ready to run
/// as one unit of work: [`IssuingCall::run`] hands it to [`Store::issuing`], and the
/// HTTP layer runs [`IssuingCall::run_in`] inside [`Store::issuing_once`] when an
/// `Idempotency-Key` must be stored in the same transaction as what the call wrote.
pub enum IssuingCall {
    /// A result; with `dedup = Some((fingerprint, row))` recorded at most once per
    /// fingerprint (see [`record_result_once`]).
    Result {
        achievement: Achievement,
        input: ResultInput,
        dedup: Option<(String, String)>,
    },
    Award {
        achievement: Achievement,
        input: DirectAwardInput,
    },
    /// A reviewer's decision on a sign-off request of `learner_id`.
    Decision {
        achievement: Achievement,
        request_id: String,
        learner_id: String,
        input: SignoffDecisionInput,
    },
}

impl IssuingCall {
    /// A result for the organization's achievement, checked against its rule.
    pub async fn result(
        store: &Store,
        org: &Organization,
        input: ResultInput,
        dedup: Option<(&str, &str)>,
    ) -> AppResult<IssuingCall> {
        let achievement = find_offered_achievement(store, org, &input.achievement).await?;
        check_against_rule(&input, &achievement)?;
        let dedup = dedup.map(|(key, row)| (key.to_string(), row.to_string()));
        Ok(IssuingCall::Result { achievement, input, dedup })
    }

    /// A direct award of the organization's achievement, checked.
    pub async fn award(store: &Store, org: &Organization, input: DirectAwardInput) -> AppResult<IssuingCall> {
        let mut v = Violations::new();
        input.check(&mut v);
        v.into_result()?;
        let achievement = find_offered_achievement(store, org, &input.achievement).await?;
        Ok(IssuingCall::Award { achievement, input })
    }

    /// Runs the call's storage steps on `tx`.
    pub fn run_in(self, tx: &mut Tx<'_>, master: &MasterKey, org: &Organization) -> AppResult<Recorded> {
        let status = match self {
            IssuingCall::Result { achievement, input, dedup } => {
                let dedup = dedup.as_ref().map(|(key, row)| (key.as_str(), row.as_str()));
                return record_in(tx, master, org, &achievement, input, dedup);
            }
            IssuingCall::Award { achievement, input } => direct_award_in(tx, master, org, &achievement, input)?,
            IssuingCall::Decision { achievement, request_id, learner_id, input } => {
                if !tx.decide_signoff(&request_id, &input)? {
                    return Err(AppError::conflict("token", "this sign-off link has expired or was just used"));
                }
                let decided_by = match (&input.reviewer_name, &input.reviewer_role) {
                    (Some(name), Some(role)) => format!(" by {name} ({role})"),
                    (Some(name), None) => format!(" by {name}"),
                    _ => String::new(),
                };
                let verdict = if input.approve { "approved" } else { "declined" };
                let actor = tx.actor().clone();
                tx.record_change(&Change {
                    organization_id: &org.id,
                    actor: &actor,
                    action: Action::SignoffDecided,
                    subject_kind: "signoff",
                    subject_id: &request_id,
                    summary: format!("{verdict}{decided_by}: {} for learner {learner_id}", achievement.definition.name),
                })?;
                let learner = tx.learner(&org.id, &learner_id)?.ok_or(AppError::NotFound("learner"))?;
                // An approval of a credential already issued cannot be part of it: it gets a signed record of its own.
                let issued_before = tx.credential_for(&learner.id, &achievement.id)?;
                if let Some(credential) = issued_before.filter(|_| input.approve) {
                    record_late_approval(tx, master, org, &achievement, &credential, &request_id)?;
                }
                settle(tx, master, org, &achievement, &learner, Vec::new())?
            }
        };
        Ok(Recorded::Status(Box::new(status)))
    }

    /// Runs the call as one unit of work ([`Store::issuing`]): all it writes is
    /// committed together or not at all.
    pub async fn run(self, store: &Store, master: &MasterKey, org: &Organization) -> AppResult<Recorded> {
        prepare_keys(store, master, org).await?;
        let (master, org) = (master.clone(), org.clone());
        store.issuing(move |tx| self.run_in(tx, &master, &org)).await
    }
}

/// Merges learner `gone` into learner `keep`, two records of one person matched
/// wrongly: their results, sign-offs, progress, credentials and claims move to `keep`
/// in one unit of work, which also settles `keep`'s standing again where both had one
/// (the merged history may meet a rule neither met alone) and writes the audit log's
/// line in the name of whoever acts in the request. Refused when both hold a credential for the same achievement.
pub async fn merge_learners(
    store: &Store,
    master: &MasterKey,
    org: &Organization,
    keep: &str,
    gone: &str,
) -> AppResult<(Learner, MergedRecords)> {
    prepare_keys(store, master, org).await?;
    let achievements = store.list_achievements(&org.id).await?;
    let (master, org) = (master.clone(), org.clone());
    let (keep, gone) = (keep.to_string(), gone.to_string());
    store
        .issuing(move |tx| {
            let (kept, moved) = tx.merge_learners(&org.id, &keep, &gone)?;
            let summary = format!(
                "Learner {gone} merged into learner {keep}: {} results, {} sign-offs and {} credentials moved",
                moved.results, moved.signoffs, moved.credentials
            );
            let actor = tx.actor().clone();
            let change = Change {
                organization_id: &org.id,
                actor: &actor,
                action: Action::LearnerMerged,
                subject_kind: "learner",
                subject_id: &keep,
                summary,
            };
            tx.record_change(&change)?;
            // A credential the merged history earns is issued, and recorded as such, here.
            for achievement in achievements.iter().filter(|a| moved.resettle.contains(&a.id)) {
                settle(tx, &master, &org, achievement, &kept, Vec::new())?;
            }
            Ok((kept, moved))
        })
        .await
}

/// Makes the keys an issuance of `org` may sign with that take long to make: its RSA
/// key when it signs VC-JWTs with RS256. Run before a unit of work that may issue,
/// which only reads keys (an RSA key is not generated on the writer's thread).
pub async fn prepare_keys(store: &Store, master: &MasterKey, org: &Organization) -> AppResult<()> {
    if org.signs_rs256() {
        store.ensure_rsa_key(&org.id, master).await?;
    }
    Ok(())
}

/// What [`record_result_once`] did.
#[derive(Debug)]
pub enum Recorded {
    /// The result is recorded (now, or by an earlier run of the same row) and the
    /// learner's standing settled.
    Status(Box<LearnerStatus>),
    /// Another row with the same fingerprint recorded this result already; `of`
    /// names that row (`job:row`).
    Duplicate { of: Option<String> },
}

impl Recorded {
    /// The standing, for calls that carry no fingerprint (so cannot be duplicates).
    pub fn status(self) -> AppResult<LearnerStatus> {
        match self {
            Recorded::Status(status) => Ok(*status),
            Recorded::Duplicate { .. } => {
                Err(AppError::Internal("a result without a fingerprint was reported as a duplicate".into()))
            }
        }
    }
}

/// Like [`record_result`], but with `dedup = Some((fingerprint, row))` the result is
/// recorded at most once per fingerprint in the organization: running the same row
/// again (after a crash) settles without recording anything new, and another row
/// with the same fingerprint is a [`Recorded::Duplicate`].
pub async fn record_result_once(
    store: &Store,
    master: &MasterKey,
    org: &Organization,
    input: ResultInput,
    dedup: Option<(&str, &str)>,
) -> AppResult<Recorded> {
    IssuingCall::result(store, org, input, dedup).await?.run(store, master, org).await
}

/// The storage part of [`record_result_once`], once the achievement is known and
/// the result checked against its rule.
pub fn record_in(
    tx: &mut Tx<'_>,
    master: &MasterKey,
    org: &Organization,
    achievement: &Achievement,
    input: ResultInput,
    dedup: Option<(&str, &str)>,
) -> AppResult<Recorded> {
    let recorded = RecordedResult {
        component: input.component.clone(),
        score: input.score,
        attempt: input.attempt,
        completed: input.completed,
        passed: input.passed,
        submitted_for_signoff: input.submitted_for_signoff == Some(true),
        recorded_at: input
            .recorded_at
            .clone()
            .unwrap_or_else(|| credential::format_time(time::OffsetDateTime::now_utc())),
    };
    refuse_issuing_without_email(tx, org, achievement, &input.learner, Some(&recorded))?;
    let (learner, created) = tx.find_or_create_learner(&org.id, &input.learner)?;
    let inserted = tx.insert_result(&NewResult {
        organization_id: &org.id,
        learner_id: &learner.id,
        achievement_id: &achievement.id,
        result: &recorded,
        evidence: &input.evidence,
        source: input.source.as_deref().unwrap_or("api"),
        dedup,
    })?;
    if inserted == ResultInsert::Inserted && dedup.is_none() {
        // A bulk row's result (`dedup`) is not logged one by one: its import is.
        let actor = tx.actor().clone();
        tx.record_change(&Change {
            organization_id: &org.id,
            actor: &actor,
            action: Action::ResultRecorded,
            subject_kind: "learner",
            subject_id: &learner.id,
            summary: format!("result for {} of {} recorded", input.component, achievement.definition.name),
        })?;
    }
    let replay = match inserted {
        ResultInsert::Inserted => false,
        ResultInsert::AlreadyRecorded { source } if source.as_deref() == dedup.map(|(_, row)| row) => true,
        ResultInsert::AlreadyRecorded { source } => return Ok(Recorded::Duplicate { of: source }),
    };
    let mut new_links = Vec::new();
    if recorded.submitted_for_signoff {
        // A replayed row asks for a sign-off only if its first run did not get that far.
        let asked = replay && tx.signoffs(&learner.id, &achievement.id)?.iter().any(|s| s.component == input.component);
        if let Some(req) = achievement.definition.rule.component(&input.component).filter(|_| !asked) {
            let kind = match req.requires_signoff {
                Some(SignoffKind::Employer) => "employer",
                Some(SignoffKind::Expert) => "expert",
                None => "",
            };
            let reviewer = input.reviewer.clone().unwrap_or_default();
            let request = tx.create_signoff(&NewSignoff {
                organization_id: &org.id,
                learner_id: &learner.id,
                achievement_id: &achievement.id,
                component: &input.component,
                reviewer_kind: kind,
                reviewer_name: reviewer.name.as_deref(),
                reviewer_email: reviewer.email.as_deref(),
                valid_for: time::Duration::days(SIGNOFF_LINK_VALIDITY_DAYS),
            })?;
            if let (Some(to), Some(link)) = (reviewer.email.as_deref(), request.link.as_deref()) {
                let asked = SignoffAsked {
                    reviewer_name: reviewer.name.as_deref(),
                    learner_name: input.learner.name.as_deref().or(learner.display_name.as_deref()).unwrap_or("—"),
                    achievement: &achievement.definition.name,
                    component: &req.display_name(),
                    issuer: &org.name,
                    link,
                    open_until: request.expires_at.get(..10).unwrap_or(&request.expires_at),
                };
                tx.enqueue_email(&org.id, &request.id, &asked.email(to, &achievement.definition.language))?;
            }
            new_links.push(request);
        }
    }
    // A learner created just now has only this result (and the sign-off just asked):
    // nothing to read back.
    let history = (created && !replay).then(|| Known { results: vec![recorded], evidence: input.evidence });
    settle_knowing(tx, master, org, achievement, &learner, new_links, history).map(|s| Recorded::Status(Box::new(s)))
}

/// A learner's history on the achievement that this transaction knows without
/// reading it: that of a learner it created, which holds only what it wrote.
struct Known {
    results: Vec<RecordedResult>,
    evidence: Vec<EvidenceInput>,
}

/// Evaluates the learner's standing and issues the credential when the rule is met.
pub fn settle(
    tx: &mut Tx<'_>,
    master: &MasterKey,
    org: &Organization,
    achievement: &Achievement,
    learner: &Learner,
    new_links: Vec<SignoffRequest>,
) -> AppResult<LearnerStatus> {
    settle_knowing(tx, master, org, achievement, learner, new_links, None)
}

/// [`settle`], reading the learner's history unless it is `known`.
fn settle_knowing(
    tx: &mut Tx<'_>,
    master: &MasterKey,
    org: &Organization,
    achievement: &Achievement,
    learner: &Learner,
    new_links: Vec<SignoffRequest>,
    known: Option<Known>,
) -> AppResult<LearnerStatus> {
    let fresh = known.is_some();
    let (results, evidence, decisions, mut credential) = match known {
        Some(k) => (k.results, k.evidence, Vec::new(), None),
        None => {
            // Results and their evidence in one read: the evidence is that of the results evaluated.
            let (results, evidence) = tx.results_with_evidence(&learner.id, &achievement.id)?;
            let decisions = tx.signoff_decisions(&learner.id, &achievement.id)?;
            (results, evidence, decisions, held(tx, learner, achievement)?)
        }
    };
    let evaluation = award_evaluation::evaluate(&achievement.definition.rule, &results, &decisions);
    if credential.is_none() && evaluation.is_eligible() {
        credential = Some(issue(tx, master, org, achievement, learner, &evaluation, &evidence, None)?);
    }
    let signoffs = if fresh { Signoffs::Just(new_links) } else { Signoffs::Read(new_links) };
    status(tx, &org.id, achievement, learner, evaluation, credential, signoffs)
}

/// The learner's sign-off requests for the answer.
enum Signoffs {
    /// Read from the store; those asked just now (with their links) among them.
    Read(Vec<SignoffRequest>),
    /// Exactly these (the learner was created by this call).
    Just(Vec<SignoffRequest>),
}

fn status(
    tx: &mut Tx<'_>,
    organization_id: &str,
    achievement: &Achievement,
    learner: &Learner,
    evaluation: Evaluation,
    credential: Option<Issued>,
    signoffs: Signoffs,
) -> AppResult<LearnerStatus> {
    let signoffs = match signoffs {
        Signoffs::Just(just) => just,
        Signoffs::Read(new_links) => {
            let mut signoffs = tx.signoffs(&learner.id, &achievement.id)?;
            for s in &mut signoffs {
                if let Some(created) = new_links.iter().find(|n| n.id == s.id) {
                    s.link = created.link.clone();
                }
            }
            signoffs
        }
    };
    let credential =
        credential.map(|i| CredentialRef { claim_url: i.claim_url, ..CredentialRef::of(tx.store(), &i.credential) });
    let state = match &credential {
        Some(c) => c.state(),
        None => state_name(evaluation.state),
    };
    tx.save_progress(organization_id, &learner.id, &achievement.id, state)?;
    Ok(LearnerStatus {
        learner_id: learner.id.clone(),
        achievement_id: achievement.id.clone(),
        achievement_version: achievement.version,
        state: state.to_string(),
        components: evaluation.components,
        signoffs,
        credential,
    })
}

/// A reviewer's decision through a sign-off link (the token is the key): recorded
/// once, before the link expires, and the learner's standing settled again, which
/// issues the credential when this approval completes the rule.
pub async fn decide_signoff(
    store: &Store,
    master: &MasterKey,
    token: &str,
    input: &SignoffDecisionInput,
) -> AppResult<LearnerStatus> {
    let mut v = Violations::new();
    v.optional_text("comment", input.comment.as_deref(), 4000);
    v.check(input.approve || input.comment.is_some(), "comment", Reason::SayWhyDeclining);
    v.optional_text("reviewerName", input.reviewer_name.as_deref(), 100);
    v.optional_text("reviewerRole", input.reviewer_role.as_deref(), 100);
    v.into_result()?;
    let ticket = store.signoff_by_token(token).await?.ok_or(AppError::NotFound("sign-off link"))?;
    // Whoever holds the link decides; in a request, the log names them as they named
    // themselves (outside one, the demo loader, the service acts).
    if input.reviewer_name.is_some() || crate::store::acting() == Actor::Service {
        crate::store::act_as(Actor::Reviewer { name: input.reviewer_name.clone().unwrap_or_default() });
    }
    if ticket.decided {
        return Err(AppError::conflict("token", "this sign-off link has already been used"));
    }
    let org = store.organization_by_id(&ticket.organization_id).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let achievement =
        store.achievement(&ticket.achievement_id, None).await?.ok_or(AppError::NotFound("achievement"))?;
    let call = IssuingCall::Decision {
        achievement,
        request_id: ticket.request.id,
        learner_id: ticket.learner_id,
        input: input.clone(),
    };
    call.run(store, master, &org).await?.status()
}

/// What a sign-off link shows its reviewer: the request, the learner, the criteria
/// and the evidence submitted.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignoffView {
    pub organization: String,
    pub achievement: String,
    pub achievement_description: String,
    /// The language the achievement is written in.
    pub language: String,
    pub component: String,
    pub criteria: String,
    pub learner: String,
    pub reviewer_kind: String,
    /// The reviewer's name as the issuer gave it, to confirm.
    pub reviewer_name: Option<String>,
    /// `pending`, `approved`, `declined` or `expired`.
    pub status: String,
    pub expires_at: String,
    /// The evidence the learner submitted.
    pub evidence: Vec<crate::domain::learner::EvidenceInput>,
}

/// The view of a sign-off link; `NotFound` for a link that opens nothing.
pub async fn signoff_view(store: &Store, token: &str) -> AppResult<SignoffView> {
    let ticket = store.signoff_by_token(token).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let org = store.organization_by_id(&ticket.organization_id).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let achievement =
        store.achievement(&ticket.achievement_id, None).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let learner = store.learner(&org.id, &ticket.learner_id).await?.ok_or(AppError::NotFound("sign-off link"))?;
    let evidence = store.result_evidence(&learner.id, &achievement.id).await?;
    Ok(SignoffView {
        organization: org.name,
        achievement: achievement.definition.name.clone(),
        achievement_description: achievement.definition.description.clone(),
        language: achievement.definition.language.clone(),
        component: ticket.request.component.clone(),
        criteria: achievement.definition.criteria_narrative(),
        learner: learner.display_name.clone().unwrap_or_else(|| "the learner".into()),
        reviewer_kind: ticket.request.reviewer_kind.clone(),
        reviewer_name: ticket.request.reviewer_name.clone(),
        status: ticket.request.status.clone(),
        expires_at: ticket.request.expires_at.clone(),
        evidence,
    })
}

/// The current standing, without recording anything.
pub async fn learner_status(
    store: &Store,
    org: &Organization,
    achievement: &Achievement,
    learner: &Learner,
) -> AppResult<LearnerStatus> {
    let (organization_id, achievement, learner) = (org.id.clone(), achievement.clone(), learner.clone());
    store
        .issuing(move |tx| {
            let (results, _) = tx.results_with_evidence(&learner.id, &achievement.id)?;
            let decisions = tx.signoff_decisions(&learner.id, &achievement.id)?;
            let evaluation = award_evaluation::evaluate(&achievement.definition.rule, &results, &decisions);
            let credential = held(tx, &learner, &achievement)?;
            status(tx, &organization_id, &achievement, &learner, evaluation, credential, Signoffs::Read(Vec::new()))
        })
        .await
}

/// Recognition of prior learning: issues without results, with the narrative saying why.
pub async fn direct_award(
    store: &Store,
    master: &MasterKey,
    org: &Organization,
    input: DirectAwardInput,
) -> AppResult<LearnerStatus> {
    IssuingCall::award(store, org, input).await?.run(store, master, org).await?.status()
}

fn direct_award_in(
    tx: &mut Tx<'_>,
    master: &MasterKey,
    org: &Organization,
    achievement: &Achievement,
    input: DirectAwardInput,
) -> AppResult<LearnerStatus> {
    refuse_issuing_without_email(tx, org, achievement, &input.learner, None)?;
    let (learner, created) = tx.find_or_create_learner(&org.id, &input.learner)?;
    let evaluation = award_evaluation::evaluate(&achievement.definition.rule, &[], &[]);
    // A learner created just now holds nothing and was asked for no sign-off.
    let mut credential = if created { None } else { held(tx, &learner, achievement)? };
    if credential.is_none() {
        credential =
            Some(issue(tx, master, org, achievement, &learner, &evaluation, &input.evidence, Some(&input.narrative))?);
    }
    let signoffs = if created { Signoffs::Just(Vec::new()) } else { Signoffs::Read(Vec::new()) };
    status(tx, &org.id, achievement, &learner, evaluation, credential, signoffs)
}

fn evidence_items(evidence: &[EvidenceInput]) -> Vec<EvidenceItem> {
    evidence
        .iter()
        .map(|e| EvidenceItem {
            id: e.url.clone(),
            name: e.name.clone(),
            narrative: e.narrative.clone(),
            description: e.description.clone(),
            genre: e.genre.clone(),
            sha256: e.digest(),
        })
        .collect()
}

/// The approved sign-offs of the learner's achievement, each as an evidence entry in
/// the achievement's language (the latest approval of each component; nothing is read
/// when the rule asks for no sign-off).
fn approvals_as_evidence(
    tx: &mut Tx<'_>,
    learner: &Learner,
    achievement: &Achievement,
) -> AppResult<Vec<EvidenceItem>> {
    let rule = &achievement.definition.rule;
    if !rule.components().any(|c| c.requires_signoff.is_some()) {
        return Ok(Vec::new());
    }
    let mut signoffs = tx.signoffs(&learner.id, &achievement.id)?;
    // Newest first: keep each component's latest approval, then tell them oldest first.
    let mut seen = std::collections::HashSet::new();
    signoffs.retain(|s| s.status == "approved" && seen.insert(s.component.clone()));
    signoffs.reverse();
    Ok(signoffs
        .iter()
        .map(|s| approval_words(achievement, s, |a| a.evidence(&achievement.definition.language)))
        .collect())
}

/// `words` of the approval `signoff`, named after its component as the rule names it.
fn approval_words<T>(achievement: &Achievement, signoff: &SignoffRequest, words: impl Fn(&Approval<'_>) -> T) -> T {
    let component = achievement
        .definition
        .rule
        .components()
        .find(|c| c.component == signoff.component)
        .map(|c| c.display_name())
        .unwrap_or_else(|| signoff.component.clone());
    words(&Approval {
        reviewer_kind: &signoff.reviewer_kind,
        component: &component,
        reviewer_name: signoff.decided_by_name.as_deref(),
        reviewer_role: signoff.decided_by_role.as_deref(),
        decided_at: signoff.decided_at.as_deref().unwrap_or_default(),
        comment: signoff.comment.as_deref(),
    })
}

/// Signs and stores the record of sign-off `request_id`, approved after `credential`
/// was issued: an `EndorsementCredential` of the organization about the credential,
/// signed as its credentials are (Data Integrity, the organization's cryptosuite).
fn record_late_approval(
    tx: &mut Tx<'_>,
    master: &MasterKey,
    org: &Organization,
    achievement: &Achievement,
    credential: &StoredCredential,
    request_id: &str,
) -> AppResult<()> {
    let signoff = tx
        .signoffs(&credential.learner_id, &achievement.id)?
        .into_iter()
        .find(|s| s.id == request_id)
        .ok_or_else(|| AppError::Internal("a decided sign-off vanished".into()))?;
    let key = tx.current_signing_key(&org.id, master)?;
    let store = tx.store();
    let record_id = crate::store::new_id();
    let unsigned = approval_words(achievement, &signoff, |a| {
        a.record(
            &store.signoff_record_url(&credential.id, &record_id),
            &store.credential_url(&credential.id),
            &org.profile(),
            &achievement.definition.language,
            &crate::domain::credential::format_time(time::OffsetDateTime::now_utc()),
        )
    });
    let suite: Cryptosuite = org.cryptosuite.parse().unwrap_or(Cryptosuite::EddsaRdfc2022);
    let options = ProofOptions::new(suite, format!("{}#{}", org.profile_url, key.info.public_key_multibase));
    let document = data_integrity::add_proof(&unsigned, key.key.signing_key(), &options).map_err(signing_failed)?;
    tx.insert_signoff_record(&record_id, request_id, &credential.id, &document)
}

fn format_score(score: f64) -> String {
    crate::domain::achievement::format_number(score)
}

/// A credential held by the learner, with its claim link when it was issued just now.
struct Issued {
    credential: StoredCredential,
    claim_url: Option<String>,
}

/// The credential the learner already holds, if any.
fn held(tx: &mut Tx<'_>, learner: &Learner, achievement: &Achievement) -> AppResult<Option<Issued>> {
    Ok(tx.credential_for(&learner.id, &achievement.id)?.map(|credential| Issued { credential, claim_url: None }))
}

/// A credential that cannot be signed. Input validation refuses what signing would refuse,
/// naming the field, but data stored before those checks can still fail here. Retrying will
/// not help, so it is a 422, not a 500 (and a bulk row is rejected at once, not retried).
fn signing_failed(e: data_integrity::ProofError) -> AppError {
    match e {
        data_integrity::ProofError::JsonLd(_) => {
            tracing::warn!(error = %e, "a credential could not be signed");
            AppError::invalid("credential", format!("the credential cannot be signed: {e}"))
        }
        e => AppError::Internal(format!("signing failed: {e}")),
    }
}

/// Builds, signs and stores the credential and its claim in one transaction, with a
/// random index in each status list. If a concurrent request issued first, returns
/// that one (without a claim link: that request's answer has it).
#[allow(clippy::too_many_arguments)]
fn issue(
    tx: &mut Tx<'_>,
    master: &MasterKey,
    org: &Organization,
    achievement: &Achievement,
    learner: &Learner,
    evaluation: &Evaluation,
    evidence: &[EvidenceInput],
    award_narrative: Option<&str>,
) -> AppResult<Issued> {
    let email = learner.email.clone().ok_or_else(|| AppError::invalid("learner.email", Reason::EmailForCredential))?;
    let key = tx.current_signing_key(&org.id, master)?;
    let rsa_key = if org.signs_rs256() {
        let opened = tx
            .current_rsa_key(&org.id, master)?
            .ok_or_else(|| AppError::Internal(format!("{} signs with RS256 but has no RSA key yet", org.slug)))?;
        Some(opened)
    } else {
        None
    };
    let approvals = approvals_as_evidence(tx, learner, achievement)?;
    let credential_id = crate::store::new_id();
    let store = tx.store();
    let profile = org.profile();
    let verification_method = format!("{}#{}", org.profile_url, key.info.public_key_multibase);
    let issuing = Issuing {
        id: &credential_id,
        organization_id: &org.id,
        organization_slug: &org.slug,
        learner_id: &learner.id,
        achievement_id: &achievement.id,
        achievement_version: achievement.version,
        achievement_revision: achievement.revision,
        award_kind: if award_narrative.is_some() { "direct" } else { "rule" },
        award_narrative,
    };
    let sign = |credential_status: Vec<CredentialStatus>| -> AppResult<Signed> {
        let draft = CredentialDraft {
            id: store.credential_url(&credential_id),
            issuer: profile.clone(),
            achievement: achievement.definition.to_open_badges(&achievement.url, Some(&profile)),
            result_descriptions: achievement.definition.result_descriptions.clone(),
            recipient: Recipient { email, salt: learner.salt.clone(), did: learner.did.clone() },
            results: evaluation
                .best_scores()
                .iter()
                .map(|(component, score)| AwardedResult {
                    component: component.to_string(),
                    value: format_score(*score),
                })
                .collect(),
            evidence: evidence_items(evidence).into_iter().chain(approvals.iter().cloned()).collect(),
            valid_from: time::OffsetDateTime::now_utc(),
            validity: achievement.definition.validity_period.as_deref().and_then(parse_iso_duration),
            credential_status,
            award_narrative: award_narrative.map(str::to_string),
        };
        let credential = credential::build_credential(&draft);
        let valid_until = credential.valid_until.clone();
        let unsigned = serde_json::to_value(credential)
            .map_err(|e| AppError::Internal(format!("the credential cannot be written as JSON: {e}")))?;
        let suite: Cryptosuite = org.cryptosuite.parse().unwrap_or(Cryptosuite::EddsaRdfc2022);
        let options = ProofOptions::new(suite, verification_method.clone());
        let document = data_integrity::add_proof(&unsigned, key.key.signing_key(), &options).map_err(signing_failed)?;
        // The kid names the key's JsonWebKey verification method in the Profile.
        let jwt = match (&rsa_key, org.issue_jwt) {
            (_, false) => None,
            (Some(rsa), true) => {
                let kid = keyring::jwt_kid(&org.profile_url, &rsa.key.public());
                Some(credence_core::jwt::sign_vc_jwt_rs256(&unsigned, &rsa.key, &kid))
            }
            (None, true) => {
                let kid = keyring::jwt_kid(&org.profile_url, &JwtVerificationKey::Ed25519(key.key.public_key_bytes()));
                Some(credence_core::jwt::sign_vc_jwt(&unsigned, key.key.signing_key(), &kid))
            }
        }
        .transpose()
        .map_err(|e| AppError::Internal(format!("signing the VC-JWT failed: {e}")))?;
        Ok(Signed { document, jwt, valid_until })
    };
    let Some(written) = tx.write_credential(&issuing, sign)? else {
        // The learner already holds it (a concurrent request issued first).
        let credential = tx
            .credential_for(&learner.id, &achievement.id)?
            .ok_or_else(|| AppError::Internal("issued credential vanished".into()))?;
        return Ok(Issued { credential, claim_url: None });
    };
    tracing::info!(organization = %org.slug, credential = %credential_id, achievement = %achievement.id, "credential issued");
    tx.note_issued();
    let actor = tx.actor().clone();
    tx.record_change(&Change {
        organization_id: &org.id,
        actor: &actor,
        action: Action::CredentialIssued,
        subject_kind: "credential",
        subject_id: &credential_id,
        summary: format!(
            "{} {} (version {}) to learner {}",
            if issuing.award_kind == "direct" { "awarded directly" } else { "issued" },
            achievement.definition.name,
            achievement.version,
            learner.id
        ),
    })?;
    let (credential, claim_url) = written.into_stored(&issuing);
    let earned = BadgeEarned {
        learner_name: learner.display_name.as_deref(),
        achievement: &achievement.definition.name,
        issuer: &org.name,
        claim_url: &claim_url,
        image_url: &format!("{}/image.png", store.credential_url(&credential_id)),
    };
    let to = learner.email.as_deref().unwrap_or_default();
    tx.enqueue_email(&org.id, &credential_id, &earned.email(to, &achievement.definition.language))?;
    Ok(Issued { credential, claim_url: Some(claim_url) })
}
