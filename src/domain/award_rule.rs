//! Award rules: what a learner must do to earn an achievement.
//!
//! A rule lists components that must all be met (`allOf`) and, optionally, groups of
//! components of which some must be met: any one of them (`anyOf`), or at least `n`
//! (`atLeast`). The shape is bounded: one level of groups, never nested, at most
//! [`MAX_GROUPS`] of them and [`MAX_COMPONENTS`] components in all. A rule of
//! `allOf` alone reads and writes exactly as before groups existed. The issuance
//! code evaluates it against a learner's recorded results.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::validation::{Reason, Violations, is_slug};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AwardRule {
    /// Every component listed must be satisfied.
    #[serde(default)]
    pub all_of: Vec<ComponentRequirement>,
    /// Groups of components of which some must be satisfied, besides `allOf`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ComponentGroup>,
}

/// Components of which at least `atLeast` (one, when absent) must be satisfied.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentGroup {
    /// How many of the components must be satisfied; one (any of them) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u32>,
    /// The group's components.
    pub any_of: Vec<ComponentRequirement>,
}

impl ComponentGroup {
    /// How many of its components must be satisfied.
    pub fn required(&self) -> usize {
        self.at_least.map_or(1, |n| n as usize)
    }
}

/// Who must sign off a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignoffKind {
    Employer,
    Expert,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentRequirement {
    /// The component's identifier, e.g. `post-assessment`.
    pub component: String,
    /// Human name of the component; defaults to the identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Minimum score, in percent (0 to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<f64>,
    /// Attempts allowed at a scored or pass/fail component; absent means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// The component must be recorded as completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    /// The component must be recorded as passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// The component must be approved by an employer or an expert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_signoff: Option<SignoffKind>,
    /// When false, the credential is issued without waiting for the sign-off,
    /// and the endorsement is recorded when it comes. Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signoff_blocking: Option<bool>,
}

/// Components a rule may list, in `allOf` and its groups together.
pub const MAX_COMPONENTS: usize = 50;
/// Groups a rule may have.
pub const MAX_GROUPS: usize = 10;
pub const MAX_ATTEMPTS_LIMIT: u32 = 100;

impl ComponentRequirement {
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.component.clone())
    }
}

impl AwardRule {
    /// A rule whose components must all be met.
    pub fn all_of(all_of: Vec<ComponentRequirement>) -> AwardRule {
        AwardRule { all_of, groups: Vec::new() }
    }

    /// Checks that the rule is well-formed and can be met; problems go to `v`
    /// under `path` (e.g. `rule`).
    pub fn check(&self, v: &mut Violations, path: &str) {
        let total = self.all_of.len() + self.groups.iter().map(|g| g.any_of.len()).sum::<usize>();
        if total == 0 {
            v.add(format!("{path}.allOf"), Reason::NoComponent);
        }
        v.check(
            total <= MAX_COMPONENTS,
            if self.groups.is_empty() { format!("{path}.allOf") } else { path.to_string() },
            Reason::TooManyComponents { max: MAX_COMPONENTS },
        );
        v.check(self.groups.len() <= MAX_GROUPS, format!("{path}.groups"), Reason::TooManyGroups { max: MAX_GROUPS });
        let mut seen = HashSet::new();
        let mut check_component = |v: &mut Violations, p: String, c: &ComponentRequirement| {
            if !is_slug(&c.component) {
                v.add(format!("{p}.component"), Reason::ComponentSlug);
            } else if !seen.insert(c.component.clone()) {
                v.add(format!("{p}.component"), Reason::ComponentTwice { component: c.component.clone() });
            }
            if let Some(name) = &c.name {
                v.text(&format!("{p}.name"), name, 200);
            }
            check_requirement(v, &p, c);
        };
        for (i, c) in self.all_of.iter().enumerate().take(MAX_COMPONENTS) {
            check_component(v, format!("{path}.allOf[{i}]"), c);
        }
        for (j, g) in self.groups.iter().enumerate().take(MAX_GROUPS) {
            let p = format!("{path}.groups[{j}]");
            v.check(!g.any_of.is_empty(), format!("{p}.anyOf"), Reason::NoComponent);
            if let Some(n) = g.at_least {
                v.check(
                    n >= 1 && (n as usize) <= g.any_of.len(),
                    format!("{p}.atLeast"),
                    Reason::AtLeastRange { count: g.any_of.len() },
                );
            }
            for (i, c) in g.any_of.iter().enumerate().take(MAX_COMPONENTS) {
                check_component(v, format!("{p}.anyOf[{i}]"), c);
            }
        }
    }

    /// Every component of the rule: those of `allOf`, then each group's.
    pub fn components(&self) -> impl Iterator<Item = &ComponentRequirement> {
        self.all_of.iter().chain(self.groups.iter().flat_map(|g| g.any_of.iter()))
    }

    pub fn component(&self, name: &str) -> Option<&ComponentRequirement> {
        self.components().find(|c| c.component == name)
    }
}

fn check_requirement(v: &mut Violations, p: &str, c: &ComponentRequirement) {
    let has_requirement =
        c.min_score.is_some() || c.completed.is_some() || c.passed.is_some() || c.requires_signoff.is_some();
    v.check(has_requirement, p.to_string(), Reason::NoRequirement);
    if let Some(score) = c.min_score {
        v.check(
            score.is_finite() && (0.0..=100.0).contains(&score),
            format!("{p}.minScore"),
            Reason::ScoreNeverMet { score },
        );
    }
    if let Some(max) = c.max_attempts {
        v.check(
            (1..=MAX_ATTEMPTS_LIMIT).contains(&max),
            format!("{p}.maxAttempts"),
            Reason::MaxAttemptsRange { max: MAX_ATTEMPTS_LIMIT },
        );
        v.check(c.min_score.is_some() || c.passed.is_some(), format!("{p}.maxAttempts"), Reason::MaxAttemptsNeedsScore);
    }
    for (field, value) in [("completed", c.completed), ("passed", c.passed)] {
        v.check(value != Some(false), format!("{p}.{field}"), Reason::TrueWhenGiven);
    }
    v.check(
        c.signoff_blocking.is_none() || c.requires_signoff.is_some(),
        format!("{p}.signoffBlocking"),
        Reason::BlockingNeedsSignoff,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: serde_json::Value) -> AwardRule {
        serde_json::from_value(json).unwrap()
    }

    fn problems(r: &AwardRule) -> Vec<String> {
        let mut v = Violations::new();
        r.check(&mut v, "rule");
        match v.into_result() {
            Ok(()) => vec![],
            Err(crate::error::AppError::Validation(e)) => e.into_iter().map(|f| f.field).collect(),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn accepts_the_pilot_rules() {
        let r = rule(serde_json::json!({"allOf": [
            {"component": "pre-assessment", "completed": true},
            {"component": "post-assessment", "minScore": 70, "maxAttempts": 2},
            {"component": "workplace-project", "requiresSignoff": "employer", "signoffBlocking": false}
        ]}));
        assert!(problems(&r).is_empty());
    }

    #[test]
    fn rejects_rules_that_can_never_be_met() {
        let r = rule(serde_json::json!({"allOf": [
            {"component": "test", "minScore": 120},
            {"component": "test", "completed": false},
            {"component": "x", "maxAttempts": 0, "minScore": 50},
            {"component": "y"}
        ]}));
        assert_eq!(
            problems(&r),
            vec![
                "rule.allOf[0].minScore",
                "rule.allOf[1].component",
                "rule.allOf[1].completed",
                "rule.allOf[2].maxAttempts",
                "rule.allOf[3]"
            ]
        );
        assert_eq!(problems(&rule(serde_json::json!({"allOf": []}))), vec!["rule.allOf"]);
    }

    #[test]
    fn a_rule_of_all_of_alone_reads_and_writes_as_before() {
        let json = serde_json::json!({"allOf": [{"component": "session", "completed": true}]});
        let r = rule(json.clone());
        assert!(r.groups.is_empty());
        assert_eq!(serde_json::to_value(&r).unwrap(), json);
    }

    #[test]
    fn groups_are_checked_and_share_the_components_names() {
        let r = rule(serde_json::json!({
            "allOf": [{"component": "orientation", "completed": true}],
            "groups": [
                {"anyOf": [{"component": "exam", "minScore": 70}, {"component": "portfolio", "requiresSignoff": "expert"}]},
                {"atLeast": 2, "anyOf": [{"component": "a", "completed": true}, {"component": "b", "passed": true},
                                         {"component": "c", "completed": true}]}
            ]
        }));
        assert!(problems(&r).is_empty(), "{:?}", problems(&r));
        assert_eq!(serde_json::to_value(&r).unwrap()["groups"][1]["atLeast"], 2);
        assert_eq!(r.components().count(), 6);
        assert!(r.component("portfolio").is_some());
        let bad = rule(serde_json::json!({
            "groups": [
                {"atLeast": 3, "anyOf": [{"component": "a", "completed": true}, {"component": "orientation", "completed": true}]},
                {"anyOf": []},
                {"atLeast": 0, "anyOf": [{"component": "a", "completed": true}]}
            ]
        }));
        assert_eq!(
            problems(&bad),
            vec![
                "rule.groups[0].atLeast",
                "rule.groups[1].anyOf",
                "rule.groups[2].atLeast",
                "rule.groups[2].anyOf[0].component"
            ]
        );
        let nested = serde_json::from_value::<AwardRule>(serde_json::json!({"groups": [{"anyOf": [{"groups": []}]}]}));
        assert!(nested.is_err(), "groups do not nest");
    }
}
