//! Evaluating an [`AwardRule`] against a learner's recorded results and sign-off
//! decisions. Pure: no storage, no clock.
//!
//! Semantics, per component requirement:
//! - **Attempts** are the results carrying a `score` or a `passed` value. Each has an
//!   attempt number: its own `attempt`, or (when absent) one more than the highest
//!   number seen before it in recording order. Two results with the same number
//!   are one attempt, and the one recorded last (by `recorded_at`, then input
//!   order) is that attempt's result: a later recording corrects an earlier one.
//!   Attempt 0 is read as attempt 1.
//! - An attempt **counts** if its number is within `maxAttempts` (always, when
//!   unlimited). Attempts beyond the limit are recorded but never meet the
//!   requirement nor give the best score.
//! - An attempt **succeeds** if its score is at least `minScore` (when required)
//!   and it is recorded as `passed: true` (when required). Scores are percentages;
//!   a score that is not a finite number from 0 to 100 is ignored.
//! - A component whose attempts are exhausted (an attempt numbered at or beyond
//!   the limit has been recorded) without a counting success is **locked out**.
//!   A success always wins over a lock-out.
//! - `completed: true` is met by any result recorded as completed.
//! - `requiresSignoff` is met by an approved decision. The latest decision
//!   counts; a decline leaves the component declined until the learner submits
//!   again after it, when it awaits sign-off again.
//! - A non-blocking sign-off (`signoffBlocking: false`) never holds back
//!   eligibility: its state is still reported, and pending ones are listed.
//!
//! A group (`anyOf`, `atLeast`) counts once as many of its components as it requires
//! are met; it is locked out when fewer than that can still be met, and awaits
//! sign-off when enough are met or only await a submitted blocking sign-off.
//!
//! The learner is `LockedOut` if any component of `allOf` or any group is locked
//! out, else `Eligible` if every component of `allOf` and every group is met
//! (non-blocking sign-offs aside), else `AwaitingSignoff` if everything left is a
//! submitted blocking sign-off, else `InProgress`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::award_rule::{AwardRule, ComponentRequirement, SignoffKind};
use super::validation::{Reason, Violations, is_slug};
use credence_core::model::parse_date_time_z;

/// One result recorded for a learner on one component.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordedResult {
    /// The component's identifier, as in the award rule.
    pub component: String,
    /// Score in percent, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Attempt number, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// The learner submitted the component for sign-off.
    #[serde(default)]
    pub submitted_for_signoff: bool,
    /// When the result was recorded (RFC 3339).
    pub recorded_at: String,
}

/// An employer's or expert's decision on a component submitted for sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignoffDecision {
    pub component: String,
    pub approved: bool,
    /// When the decision was made (RFC 3339).
    pub decided_at: String,
}

/// Where a learner stands on an achievement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LearnerState {
    /// Something is still to be done by the learner.
    InProgress,
    /// Only blocking sign-offs that were submitted are missing.
    AwaitingSignoff,
    /// A component's attempts are exhausted without success.
    LockedOut,
    /// Every requirement is met: the credential can be issued.
    Eligible,
}

/// The state of one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Met,
    NotMet,
    /// Attempts exhausted without reaching the requirement.
    LockedOut,
    /// Everything else is met; the submitted sign-off awaits a decision.
    AwaitingSignoff,
    /// The sign-off was declined (and not resubmitted since).
    Declined,
}

/// Where a component's sign-off stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignoffState {
    NotSubmitted,
    Pending,
    Approved,
    Declined,
}

/// The evaluation of one component requirement.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentEvaluation {
    pub component: String,
    pub status: ComponentStatus,
    /// Best score among the attempts that count (scored components only).
    pub best_score: Option<f64>,
    /// Highest attempt number recorded, counting or not (0 when none).
    pub attempts_used: u32,
    /// The rule's limit; `None` is unlimited.
    pub max_attempts: Option<u32>,
    /// Sign-off state, for components that require one.
    pub signoff: Option<SignoffState>,
    /// Every requirement other than the sign-off is met.
    pub work_complete: bool,
}

/// A sign-off submitted and not yet decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingSignoff {
    pub component: String,
    pub kind: SignoffKind,
    /// False when the credential is issued without waiting for it.
    pub blocking: bool,
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub state: LearnerState,
    /// One entry per component of the rule, in rule order (`allOf`, then each group's).
    pub components: Vec<ComponentEvaluation>,
    pub pending_signoffs: Vec<PendingSignoff>,
}

impl Evaluation {
    /// True when the credential can be issued.
    pub fn is_eligible(&self) -> bool {
        self.state == LearnerState::Eligible
    }

    /// Best score per scored component, for the credential's `result`.
    pub fn best_scores(&self) -> BTreeMap<&str, f64> {
        self.components.iter().filter_map(|c| c.best_score.map(|s| (c.component.as_str(), s))).collect()
    }

    /// The blocking sign-offs still awaited.
    pub fn blocking_signoffs(&self) -> impl Iterator<Item = &PendingSignoff> {
        self.pending_signoffs.iter().filter(|p| p.blocking)
    }

    /// The non-blocking sign-offs still awaited.
    pub fn non_blocking_signoffs(&self) -> impl Iterator<Item = &PendingSignoff> {
        self.pending_signoffs.iter().filter(|p| !p.blocking)
    }
}

impl RecordedResult {
    /// Checks a result submitted through the API; problems go to `v` under `path`.
    pub fn check(&self, v: &mut Violations, path: &str) {
        v.check(is_slug(&self.component), format!("{path}.component"), Reason::ComponentSlug);
        if let Some(score) = self.score {
            v.check(valid_score(score), format!("{path}.score"), Reason::Percentage);
        }
        if let Some(attempt) = self.attempt {
            v.check(attempt >= 1, format!("{path}.attempt"), Reason::AttemptFromOne);
        }
        v.check(parse_date_time_z(&self.recorded_at).is_some(), format!("{path}.recordedAt"), Reason::DateTime);
    }
}

fn valid_score(score: f64) -> bool {
    score.is_finite() && (0.0..=100.0).contains(&score)
}

/// Evaluates `rule` against a learner's `results` and the `signoffs` decided on them.
/// Results and decisions for components outside the rule are ignored.
pub fn evaluate(rule: &AwardRule, results: &[RecordedResult], signoffs: &[SignoffDecision]) -> Evaluation {
    let mut components = Vec::new();
    let mut pending_signoffs = Vec::new();
    let mut award_blockers = Vec::new();
    let mut evaluate_all = |requirements: &[ComponentRequirement]| -> Vec<Option<ComponentStatus>> {
        let mut blockers = Vec::with_capacity(requirements.len());
        for requirement in requirements {
            let own_results: Vec<&RecordedResult> =
                results.iter().filter(|r| r.component == requirement.component).collect();
            let own_decisions: Vec<&SignoffDecision> =
                signoffs.iter().filter(|d| d.component == requirement.component).collect();
            let evaluation = evaluate_component(requirement, &own_results, &own_decisions);
            if let (Some(kind), Some(SignoffState::Pending)) = (requirement.requires_signoff, evaluation.signoff) {
                pending_signoffs.push(PendingSignoff {
                    component: requirement.component.clone(),
                    kind,
                    blocking: is_blocking(requirement),
                });
            }
            blockers.push(award_blocker(requirement, &evaluation));
            components.push(evaluation);
        }
        blockers
    };
    award_blockers.extend(evaluate_all(&rule.all_of).into_iter().flatten());
    for group in &rule.groups {
        let blockers = evaluate_all(&group.any_of);
        award_blockers.extend(group_blocker(group.required(), &blockers));
    }
    Evaluation { state: learner_state(&award_blockers), components, pending_signoffs }
}

/// What keeps a group from counting towards the award, given what keeps each of its
/// components from counting: nothing once `required` of them count; locked out when
/// too few can still count; awaiting sign-off when enough only await one.
fn group_blocker(required: usize, blockers: &[Option<ComponentStatus>]) -> Option<ComponentStatus> {
    let count = |f: fn(&Option<ComponentStatus>) -> bool| blockers.iter().filter(|b| f(b)).count();
    let met = count(|b| b.is_none());
    if met >= required {
        None
    } else if count(|b| *b != Some(ComponentStatus::LockedOut)) < required {
        Some(ComponentStatus::LockedOut)
    } else if met + count(|b| *b == Some(ComponentStatus::AwaitingSignoff)) >= required {
        Some(ComponentStatus::AwaitingSignoff)
    } else {
        Some(ComponentStatus::NotMet)
    }
}

fn is_blocking(requirement: &ComponentRequirement) -> bool {
    requirement.signoff_blocking != Some(false)
}

/// What keeps a component from counting towards the award, if anything.
fn award_blocker(requirement: &ComponentRequirement, evaluation: &ComponentEvaluation) -> Option<ComponentStatus> {
    match evaluation.status {
        ComponentStatus::Met => None,
        ComponentStatus::LockedOut => Some(ComponentStatus::LockedOut),
        _ if !is_blocking(requirement) && evaluation.work_complete => None,
        other => Some(other),
    }
}

fn learner_state(blockers: &[ComponentStatus]) -> LearnerState {
    if blockers.contains(&ComponentStatus::LockedOut) {
        LearnerState::LockedOut
    } else if blockers.is_empty() {
        LearnerState::Eligible
    } else if blockers.iter().all(|b| *b == ComponentStatus::AwaitingSignoff) {
        LearnerState::AwaitingSignoff
    } else {
        LearnerState::InProgress
    }
}

/// How the attempt-limited part of a requirement (score, pass/fail) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AttemptFacet {
    NotRequired,
    Met,
    NotMet,
    LockedOut,
}

/// One attempt after numbering and de-duplication.
struct Attempt<'a> {
    number: u32,
    result: &'a RecordedResult,
}

/// Evaluates one requirement against the results and decisions on its component.
fn evaluate_component(
    requirement: &ComponentRequirement,
    results: &[&RecordedResult],
    decisions: &[&SignoffDecision],
) -> ComponentEvaluation {
    let attempts = numbered_attempts(results);
    let attempt_facet = attempt_facet(requirement, &attempts);
    let completed_ok = requirement.completed != Some(true) || results.iter().any(|r| r.completed == Some(true));
    let work_complete = matches!(attempt_facet, AttemptFacet::NotRequired | AttemptFacet::Met) && completed_ok;
    let signoff = requirement.requires_signoff.map(|_| signoff_state(results, decisions));
    let status = component_status(attempt_facet, work_complete, signoff);
    ComponentEvaluation {
        component: requirement.component.clone(),
        status,
        best_score: requirement.min_score.and_then(|_| best_counting_score(requirement, &attempts)),
        attempts_used: attempts.last().map_or(0, |a| a.number),
        max_attempts: requirement.max_attempts,
        signoff,
        work_complete,
    }
}

fn component_status(attempt: AttemptFacet, work_complete: bool, signoff: Option<SignoffState>) -> ComponentStatus {
    if attempt == AttemptFacet::LockedOut {
        return ComponentStatus::LockedOut;
    }
    if !work_complete {
        return ComponentStatus::NotMet;
    }
    match signoff {
        None | Some(SignoffState::Approved) => ComponentStatus::Met,
        Some(SignoffState::Pending) => ComponentStatus::AwaitingSignoff,
        Some(SignoffState::Declined) => ComponentStatus::Declined,
        Some(SignoffState::NotSubmitted) => ComponentStatus::NotMet,
    }
}

/// Sort key for RFC 3339 times: parsed instants order correctly across offsets;
/// unparseable values sort first, by their text.
fn time_key(value: &str) -> (Option<OffsetDateTime>, &str) {
    (parse_date_time_z(value), value)
}

/// A result is an attempt if it carries a valid score or a pass/fail outcome.
fn is_attempt(result: &RecordedResult) -> bool {
    result.score.is_some_and(valid_score) || result.passed.is_some()
}

/// Attempts in number order; for a repeated number, the last recorded result wins.
fn numbered_attempts<'a>(results: &[&'a RecordedResult]) -> Vec<Attempt<'a>> {
    let mut recorded: Vec<&RecordedResult> = results.iter().copied().filter(|r| is_attempt(r)).collect();
    recorded.sort_by(|a, b| time_key(&a.recorded_at).cmp(&time_key(&b.recorded_at)));
    let mut highest = 0u32;
    let mut by_number: BTreeMap<u32, &RecordedResult> = BTreeMap::new();
    for result in recorded {
        let number = match result.attempt {
            Some(n) => n.max(1),
            None => highest.saturating_add(1),
        };
        highest = highest.max(number);
        by_number.insert(number, result);
    }
    by_number.into_iter().map(|(number, result)| Attempt { number, result }).collect()
}

fn counts(requirement: &ComponentRequirement, attempt: &Attempt<'_>) -> bool {
    requirement.max_attempts.is_none_or(|max| attempt.number <= max)
}

fn succeeds(requirement: &ComponentRequirement, result: &RecordedResult) -> bool {
    let score_ok = match requirement.min_score {
        None => true,
        Some(min) => result.score.is_some_and(|s| valid_score(s) && s >= min),
    };
    let passed_ok = requirement.passed != Some(true) || result.passed == Some(true);
    score_ok && passed_ok
}

fn attempt_facet(requirement: &ComponentRequirement, attempts: &[Attempt<'_>]) -> AttemptFacet {
    if requirement.min_score.is_none() && requirement.passed != Some(true) {
        return AttemptFacet::NotRequired;
    }
    if attempts.iter().any(|a| counts(requirement, a) && succeeds(requirement, a.result)) {
        return AttemptFacet::Met;
    }
    let highest = attempts.last().map_or(0, |a| a.number);
    match requirement.max_attempts {
        Some(max) if !attempts.is_empty() && highest >= max => AttemptFacet::LockedOut,
        _ => AttemptFacet::NotMet,
    }
}

fn best_counting_score(requirement: &ComponentRequirement, attempts: &[Attempt<'_>]) -> Option<f64> {
    attempts
        .iter()
        .filter(|a| counts(requirement, a))
        .filter_map(|a| a.result.score.filter(|s| valid_score(*s)))
        .max_by(f64::total_cmp)
}

/// The latest decision counts; a submission after a decline reopens the sign-off.
fn signoff_state(results: &[&RecordedResult], decisions: &[&SignoffDecision]) -> SignoffState {
    let last_submission = results.iter().filter(|r| r.submitted_for_signoff).map(|r| time_key(&r.recorded_at)).max();
    let last_decision = decisions.iter().max_by(|a, b| time_key(&a.decided_at).cmp(&time_key(&b.decided_at))); // ties: the last one
    match (last_decision, last_submission) {
        (Some(d), _) if d.approved => SignoffState::Approved,
        (Some(d), Some(submitted)) if submitted > time_key(&d.decided_at) => SignoffState::Pending,
        (Some(_), _) => SignoffState::Declined,
        (None, Some(_)) => SignoffState::Pending,
        (None, None) => SignoffState::NotSubmitted,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::demo;

    fn rule(value: Value) -> AwardRule {
        serde_json::from_value(value).unwrap()
    }

    fn result(component: &str, at: &str) -> RecordedResult {
        RecordedResult {
            component: component.into(),
            score: None,
            attempt: None,
            completed: None,
            passed: None,
            submitted_for_signoff: false,
            recorded_at: at.into(),
        }
    }

    fn scored(component: &str, score: impl Into<f64>, attempt: Option<u32>, at: &str) -> RecordedResult {
        RecordedResult { score: Some(score.into()), attempt, ..result(component, at) }
    }

    fn completed(component: &str) -> RecordedResult {
        RecordedResult { completed: Some(true), ..result(component, "2026-01-01T00:00:00Z") }
    }

    fn submitted(component: &str, at: &str) -> RecordedResult {
        RecordedResult { submitted_for_signoff: true, ..result(component, at) }
    }

    fn decision(component: &str, approved: bool, at: &str) -> SignoffDecision {
        SignoffDecision { component: component.into(), approved, decided_at: at.into() }
    }

    fn status_of<'a>(e: &'a Evaluation, component: &str) -> &'a ComponentEvaluation {
        e.components.iter().find(|c| c.component == component).unwrap()
    }

    /// The award rule of a catalog achievement, built as the demo loader builds it.
    fn catalog_rule(slug: &str) -> AwardRule {
        let catalog = demo::catalog().unwrap();
        let achievement = catalog.achievements.iter().find(|a| a.slug == slug).unwrap();
        AwardRule::all_of(
            achievement
                .rule
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
        )
    }

    /// A catalog learner's results, as recorded results and sign-off decisions.
    fn catalog_results(results: &[Value]) -> (Vec<RecordedResult>, Vec<SignoffDecision>) {
        let mut recorded = Vec::new();
        let mut decisions = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let component = r["component"].as_str().unwrap();
            let at = format!("2026-03-0{}T10:00:00Z", i + 1);
            if let Some(approved) = r.get("approved").and_then(Value::as_bool) {
                decisions.push(decision(component, approved, &at));
                continue;
            }
            recorded.push(RecordedResult {
                score: r.get("score").and_then(Value::as_f64),
                attempt: r.get("attempt").and_then(Value::as_u64).map(|a| a as u32),
                completed: r.get("completed").and_then(Value::as_bool),
                passed: r.get("passed").and_then(Value::as_bool),
                submitted_for_signoff: r.get("submitted").and_then(Value::as_bool).unwrap_or(false),
                ..result(component, &at)
            });
        }
        (recorded, decisions)
    }

    fn expected_state(expect: &str) -> LearnerState {
        match expect {
            "issued" | "issued_then_revoked" => LearnerState::Eligible,
            "locked_out" => LearnerState::LockedOut,
            "awaiting_signoff" => LearnerState::AwaitingSignoff,
            "not_yet" => LearnerState::InProgress,
            other => panic!("unknown expectation {other}"),
        }
    }

    fn evaluate_catalog(slug: &str, results: &[Value]) -> Evaluation {
        let (recorded, decisions) = catalog_results(results);
        evaluate(&catalog_rule(slug), &recorded, &decisions)
    }

    #[test]
    fn every_catalog_learner_gets_the_expected_state() {
        let catalog = demo::catalog().unwrap();
        let mut checked = 0;
        for learner in &catalog.learners {
            for outcome in learner["outcomes"].as_array().unwrap() {
                let slug = outcome["achievement"].as_str().unwrap();
                let evaluation = evaluate_catalog(slug, outcome["results"].as_array().unwrap());
                let expected = expected_state(outcome["expect"].as_str().unwrap());
                assert_eq!(evaluation.state, expected, "{} on {slug}: {evaluation:#?}", learner["name"]);
                checked += 1;
            }
        }
        assert_eq!(checked, 7);
    }

    #[test]
    fn a_pass_with_employer_approval_is_eligible() {
        let e = evaluate_catalog(
            "emc-ams-time-management",
            &[
                json!({"component": "pre-assessment", "completed": true}),
                json!({"component": "post-assessment", "score": 84, "attempt": 1}),
                json!({"component": "workplace-project", "signoff": "employer", "approved": true}),
            ],
        );
        assert_eq!(e.state, LearnerState::Eligible);
        assert_eq!(e.best_scores().get("post-assessment"), Some(&84.0));
        assert_eq!(status_of(&e, "workplace-project").signoff, Some(SignoffState::Approved));
        assert!(e.pending_signoffs.is_empty());
    }

    #[test]
    fn two_failed_timed_tests_of_two_lock_out() {
        let e = evaluate_catalog(
            "ictc-big-data",
            &[
                json!({"component": "workshop", "passed": true}),
                json!({"component": "timed-test", "score": 62, "attempt": 1}),
                json!({"component": "timed-test", "score": 66, "attempt": 2}),
            ],
        );
        assert_eq!(e.state, LearnerState::LockedOut);
        let test = status_of(&e, "timed-test");
        assert_eq!(test.status, ComponentStatus::LockedOut);
        assert_eq!((test.attempts_used, test.max_attempts, test.best_score), (2, Some(2), Some(66.0)));
        assert_eq!(status_of(&e, "workshop").status, ComponentStatus::Met);
    }

    #[test]
    fn a_submitted_e_portfolio_awaits_expert_signoff() {
        let e = evaluate_catalog(
            "biotalent-bioready",
            &[
                json!({"component": "course-series", "completed": true}),
                json!({"component": "e-portfolio", "submitted": true}),
            ],
        );
        assert_eq!(e.state, LearnerState::AwaitingSignoff);
        assert_eq!(status_of(&e, "e-portfolio").status, ComponentStatus::AwaitingSignoff);
        let pending: Vec<_> = e.blocking_signoffs().collect();
        assert_eq!(
            pending,
            vec![&PendingSignoff { component: "e-portfolio".into(), kind: SignoffKind::Expert, blocking: true }]
        );
    }

    #[test]
    fn a_58_on_the_first_of_two_attempts_is_in_progress() {
        let e = evaluate_catalog(
            "ictc-cloud-computing",
            &[
                json!({"component": "workshop", "passed": true}),
                json!({"component": "timed-test", "score": 58, "attempt": 1}),
            ],
        );
        assert_eq!(e.state, LearnerState::InProgress);
        let test = status_of(&e, "timed-test");
        assert_eq!((test.status, test.attempts_used, test.best_score), (ComponentStatus::NotMet, 1, Some(58.0)));
    }

    #[test]
    fn unlimited_attempts_pass_on_attempt_four() {
        let e = evaluate_catalog(
            "emc-elearning-phs",
            &[json!({"component": "knowledge-check", "score": 88, "attempt": 4})],
        );
        assert_eq!(e.state, LearnerState::Eligible);
        assert_eq!(status_of(&e, "knowledge-check").max_attempts, None);
        assert_eq!(e.best_scores().get("knowledge-check"), Some(&88.0));
    }

    /// Orientation, then any one of an exam (two attempts) or an expert-approved portfolio.
    fn any_of_rule() -> AwardRule {
        rule(json!({
            "allOf": [{"component": "orientation", "completed": true}],
            "groups": [{"anyOf": [
                {"component": "exam", "minScore": 70, "maxAttempts": 2},
                {"component": "portfolio", "requiresSignoff": "expert"}
            ]}]
        }))
    }

    #[test]
    fn any_of_is_met_by_one_of_its_components() {
        let r = any_of_rule();
        assert_eq!(evaluate(&r, &[completed("orientation")], &[]).state, LearnerState::InProgress);
        let exam = scored("exam", 80, None, "2026-01-02T00:00:00Z");
        assert_eq!(
            evaluate(&r, std::slice::from_ref(&exam), &[]).state,
            LearnerState::InProgress,
            "orientation is still due"
        );
        let e = evaluate(&r, &[completed("orientation"), exam], &[]);
        assert_eq!(e.state, LearnerState::Eligible);
        assert_eq!(e.components.len(), 3, "every component is reported");
        assert_eq!(status_of(&e, "portfolio").status, ComponentStatus::NotMet);
    }

    #[test]
    fn a_group_locks_out_only_when_it_can_no_longer_be_met() {
        let r = any_of_rule();
        let failed = [
            completed("orientation"),
            scored("exam", 40, None, "2026-01-02T00:00:00Z"),
            scored("exam", 50, None, "2026-01-03T00:00:00Z"),
        ];
        let e = evaluate(&r, &failed, &[]);
        assert_eq!(status_of(&e, "exam").status, ComponentStatus::LockedOut);
        assert_eq!(e.state, LearnerState::InProgress, "the portfolio can still earn it");
        let mut submitted_portfolio = failed.to_vec();
        submitted_portfolio.push(submitted("portfolio", "2026-01-04T00:00:00Z"));
        assert_eq!(evaluate(&r, &submitted_portfolio, &[]).state, LearnerState::AwaitingSignoff);
        let approved = [decision("portfolio", true, "2026-01-05T00:00:00Z")];
        assert_eq!(evaluate(&r, &submitted_portfolio, &approved).state, LearnerState::Eligible);
        let two_of_two = rule(json!({"groups": [{"atLeast": 2, "anyOf": [
            {"component": "exam", "minScore": 70, "maxAttempts": 2},
            {"component": "orientation", "completed": true}
        ]}]}));
        assert_eq!(evaluate(&two_of_two, &failed, &[]).state, LearnerState::LockedOut);
    }

    #[test]
    fn at_least_n_counts_the_components_met() {
        let r = rule(json!({"groups": [{"atLeast": 2, "anyOf": [
            {"component": "a", "completed": true},
            {"component": "b", "completed": true},
            {"component": "c", "requiresSignoff": "employer"}
        ]}]}));
        assert_eq!(evaluate(&r, &[completed("a")], &[]).state, LearnerState::InProgress);
        let submitted_c = [completed("a"), submitted("c", "2026-01-02T00:00:00Z")];
        assert_eq!(evaluate(&r, &submitted_c, &[]).state, LearnerState::AwaitingSignoff);
        assert_eq!(evaluate(&r, &[completed("a"), completed("b")], &[]).state, LearnerState::Eligible);
    }

    fn scored_rule(max: u32) -> AwardRule {
        rule(json!({"allOf": [{"component": "exam", "minScore": 70, "maxAttempts": max}]}))
    }

    #[test]
    fn attempt_numbers_out_of_order_are_sorted() {
        let results = [
            scored("exam", 90, Some(3), "2026-01-03T00:00:00Z"),
            scored("exam", 40, Some(1), "2026-01-01T00:00:00Z"),
            scored("exam", 50, Some(2), "2026-01-02T00:00:00Z"),
        ];
        // Attempt 3 is beyond a limit of 2, wherever it appears in the list.
        let e = evaluate(&scored_rule(2), &results, &[]);
        assert_eq!(e.state, LearnerState::LockedOut);
        assert_eq!(status_of(&e, "exam").best_score, Some(50.0));
        assert_eq!(status_of(&e, "exam").attempts_used, 3);
        assert_eq!(evaluate(&scored_rule(3), &results, &[]).state, LearnerState::Eligible);
    }

    #[test]
    fn a_repeated_attempt_number_is_one_attempt_and_the_last_recording_wins() {
        let corrected =
            [scored("exam", 75, Some(1), "2026-01-01T10:00:00Z"), scored("exam", 65, Some(1), "2026-01-01T12:00:00Z")];
        let e = evaluate(&scored_rule(2), &corrected, &[]);
        assert_eq!(e.state, LearnerState::InProgress, "one attempt of two used, corrected to a fail");
        assert_eq!(status_of(&e, "exam").attempts_used, 1);
        // Listed in the other order, the recording times still decide.
        let reversed = [corrected[1].clone(), corrected[0].clone()];
        assert_eq!(evaluate(&scored_rule(2), &reversed, &[]).state, LearnerState::InProgress);
        let upgraded = [corrected[1].clone(), scored("exam", 80, Some(1), "2026-01-02T00:00:00Z")];
        assert_eq!(evaluate(&scored_rule(1), &upgraded, &[]).state, LearnerState::Eligible);
    }

    #[test]
    fn a_pass_on_the_last_allowed_attempt_counts() {
        let results = [
            scored("exam", 60, Some(1), "2026-01-01T00:00:00Z"),
            scored("exam", 69.5, Some(2), "2026-01-02T00:00:00Z"),
            scored("exam", 70, Some(3), "2026-01-03T00:00:00Z"),
        ];
        let e = evaluate(&scored_rule(3), &results, &[]);
        assert_eq!(e.state, LearnerState::Eligible);
        assert_eq!(status_of(&e, "exam").best_score, Some(70.0));
    }

    #[test]
    fn a_passed_component_is_not_locked_out_by_later_attempts() {
        let results = [
            scored("exam", 85, Some(1), "2026-01-01T00:00:00Z"),
            scored("exam", 30, Some(2), "2026-01-02T00:00:00Z"),
            scored("exam", 20, Some(3), "2026-01-03T00:00:00Z"),
        ];
        let e = evaluate(&scored_rule(2), &results, &[]);
        assert_eq!(e.state, LearnerState::Eligible);
        assert_eq!(status_of(&e, "exam").best_score, Some(85.0));
    }

    #[test]
    fn unnumbered_attempts_are_numbered_in_recording_order() {
        let results =
            [scored("exam", 50, None, "2026-01-02T00:00:00Z"), scored("exam", 40, None, "2026-01-01T00:00:00Z")];
        let e = evaluate(&scored_rule(2), &results, &[]);
        assert_eq!(e.state, LearnerState::LockedOut);
        assert_eq!(evaluate(&scored_rule(3), &results, &[]).state, LearnerState::InProgress);
    }

    #[test]
    fn lockout_wins_over_pending_work_elsewhere() {
        let r = rule(json!({"allOf": [
            {"component": "exam", "minScore": 70, "maxAttempts": 1},
            {"component": "project", "requiresSignoff": "employer"}
        ]}));
        let results =
            [scored("exam", 10, Some(1), "2026-01-01T00:00:00Z"), submitted("project", "2026-01-01T00:00:00Z")];
        let e = evaluate(&r, &results, &[]);
        assert_eq!(e.state, LearnerState::LockedOut);
        assert_eq!(e.pending_signoffs.len(), 1);
    }

    #[test]
    fn invalid_scores_are_ignored() {
        let results = [
            scored("exam", f64::NAN, Some(1), "2026-01-01T00:00:00Z"),
            scored("exam", 250.0, Some(2), "2026-01-01T00:00:00Z"),
        ];
        let e = evaluate(&scored_rule(2), &results, &[]);
        assert_eq!(e.state, LearnerState::InProgress);
        assert_eq!(status_of(&e, "exam").best_score, None);
        assert_eq!(status_of(&e, "exam").attempts_used, 0);
    }

    #[test]
    fn pass_fail_components_have_attempt_limits_too() {
        let r = rule(json!({"allOf": [{"component": "lab", "passed": true, "maxAttempts": 2}]}));
        let fail = |n, at: &str| RecordedResult { passed: Some(false), attempt: Some(n), ..result("lab", at) };
        let pass = RecordedResult { passed: Some(true), attempt: Some(2), ..result("lab", "2026-01-02T00:00:00Z") };
        assert_eq!(evaluate(&r, &[fail(1, "2026-01-01T00:00:00Z")], &[]).state, LearnerState::InProgress);
        assert_eq!(evaluate(&r, &[fail(1, "2026-01-01T00:00:00Z"), pass], &[]).state, LearnerState::Eligible);
        let two_fails = [fail(1, "2026-01-01T00:00:00Z"), fail(2, "2026-01-02T00:00:00Z")];
        assert_eq!(evaluate(&r, &two_fails, &[]).state, LearnerState::LockedOut);
    }

    #[test]
    fn completion_is_required_when_asked() {
        let r = catalog_rule("emc-mec-green");
        let pass = scored("post-assessment", 90, Some(1), "2026-01-01T00:00:00Z");
        assert_eq!(evaluate(&r, std::slice::from_ref(&pass), &[]).state, LearnerState::InProgress);
        let not_done = RecordedResult { completed: Some(false), ..result("pre-assessment", "2026-01-01T00:00:00Z") };
        assert_eq!(evaluate(&r, &[pass.clone(), not_done], &[]).state, LearnerState::InProgress);
        assert_eq!(evaluate(&r, &[pass, completed("pre-assessment")], &[]).state, LearnerState::Eligible);
    }

    #[test]
    fn a_declined_signoff_leaves_the_learner_in_progress_until_resubmitted() {
        let r = catalog_rule("biotalent-bioready");
        let first = submitted("e-portfolio", "2026-01-01T00:00:00Z");
        let declined = decision("e-portfolio", false, "2026-01-05T00:00:00Z");
        let e = evaluate(&r, &[completed("course-series"), first.clone()], std::slice::from_ref(&declined));
        assert_eq!(e.state, LearnerState::InProgress);
        assert_eq!(status_of(&e, "e-portfolio").status, ComponentStatus::Declined);
        assert_eq!(status_of(&e, "e-portfolio").signoff, Some(SignoffState::Declined));
        assert!(e.pending_signoffs.is_empty());
        let again = submitted("e-portfolio", "2026-01-06T00:00:00Z");
        let e = evaluate(&r, &[completed("course-series"), first, again], std::slice::from_ref(&declined));
        assert_eq!(e.state, LearnerState::AwaitingSignoff);
        let approved = decision("e-portfolio", true, "2026-01-07T00:00:00Z");
        let e = evaluate(&r, &[completed("course-series")], &[declined, approved]);
        assert_eq!(e.state, LearnerState::Eligible);
    }

    #[test]
    fn a_non_blocking_signoff_does_not_hold_back_eligibility() {
        let r = rule(json!({"allOf": [
            {"component": "post-assessment", "minScore": 70, "maxAttempts": 2},
            {"component": "workplace-project", "requiresSignoff": "employer", "signoffBlocking": false}
        ]}));
        let pass = scored("post-assessment", 71, Some(1), "2026-01-01T00:00:00Z");
        let not_submitted = evaluate(&r, std::slice::from_ref(&pass), &[]);
        assert_eq!(not_submitted.state, LearnerState::Eligible);
        assert_eq!(status_of(&not_submitted, "workplace-project").signoff, Some(SignoffState::NotSubmitted));
        let pending = evaluate(&r, &[pass.clone(), submitted("workplace-project", "2026-01-02T00:00:00Z")], &[]);
        assert_eq!(pending.state, LearnerState::Eligible);
        assert_eq!(status_of(&pending, "workplace-project").status, ComponentStatus::AwaitingSignoff);
        let listed: Vec<_> = pending.non_blocking_signoffs().map(|p| p.component.as_str()).collect();
        assert_eq!(listed, vec!["workplace-project"]);
        assert_eq!(pending.blocking_signoffs().count(), 0);
        // The assessment is still required.
        assert_eq!(evaluate(&r, &[], &[]).state, LearnerState::InProgress);
    }

    #[test]
    fn results_of_other_components_are_ignored() {
        let e = evaluate(&scored_rule(1), &[scored("other", 100, Some(1), "2026-01-01T00:00:00Z")], &[]);
        assert_eq!(e.state, LearnerState::InProgress);
        assert_eq!(e.components.len(), 1);
    }

    #[test]
    fn recorded_results_are_checked() {
        let mut v = Violations::new();
        let bad = RecordedResult { score: Some(101.0), attempt: Some(0), ..result("Not A Slug", "yesterday") };
        bad.check(&mut v, "result");
        let fields: Vec<String> = match v.into_result() {
            Err(crate::error::AppError::Validation(e)) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields, vec!["result.component", "result.score", "result.attempt", "result.recordedAt"]);
        let mut ok = Violations::new();
        scored("exam", 70, Some(1), "2026-01-01T00:00:00Z").check(&mut ok, "result");
        assert!(ok.into_result().is_ok());
    }
}
