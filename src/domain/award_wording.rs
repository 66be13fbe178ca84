//! "What it takes to earn it": an award rule in plain language, in English or French,
//! for the people who define a micro-credential and, later, for the public pages.
//! Pure: the words depend only on the rule and the language.

use super::achievement::format_number;
use super::award_rule::{AwardRule, ComponentRequirement, SignoffKind};

/// The language a rule is worded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    English,
    French,
}

/// The words the sentences are made of, in one language.
struct Words {
    score: fn(&str, &str) -> String,
    pass: fn(&str) -> String,
    complete: fn(&str) -> String,
    one_attempt: &'static str,
    attempts: fn(u32) -> String,
    employer: fn(&str) -> String,
    expert: fn(&str) -> String,
    without_waiting: &'static str,
    and: &'static str,
    one_of: &'static str,
    at_least: fn(usize) -> String,
    also: &'static str,
    or: &'static str,
    nothing: &'static str,
}

const EN: Words = Words {
    score: |min, name| format!("score at least {min}% on {name}"),
    pass: |name| format!("pass {name}"),
    complete: |name| format!("complete {name}"),
    one_attempt: "in one attempt",
    attempts: |n| format!("in at most {n} attempts"),
    employer: |name| format!("an employer confirms {name}"),
    expert: |name| format!("an expert confirms {name}"),
    without_waiting: "(the badge is issued without waiting)",
    and: " and ",
    one_of: "one of these: ",
    at_least: |n| format!("at least {n} of these: "),
    also: "also, ",
    or: "or ",
    nothing: "No requirement yet.",
};

const FR: Words = Words {
    score: |min, name| format!("obtenir au moins {min}\u{a0}% à {name}"),
    pass: |name| format!("réussir {name}"),
    complete: |name| format!("terminer {name}"),
    one_attempt: "en une seule tentative",
    attempts: |n| format!("en au plus {n} tentatives"),
    employer: |name| format!("un employeur confirme {name}"),
    expert: |name| format!("un·e expert·e confirme {name}"),
    without_waiting: "(le badge est délivré sans attendre)",
    and: " et ",
    one_of: "l’une de ces exigences\u{a0}: ",
    at_least: |n| format!("au moins {n} de ces exigences\u{a0}: "),
    also: "de plus, ",
    or: "ou ",
    nothing: "Aucune exigence pour l’instant.",
};

impl Wording {
    fn words(self) -> &'static Words {
        match self {
            Wording::English => &EN,
            Wording::French => &FR,
        }
    }
}

/// What one component asks of a learner, as clauses without a capital or a full stop
/// (e.g. "score at least 70% on Final exam, in at most 3 attempts").
pub fn component_clauses(c: &ComponentRequirement, wording: Wording) -> Vec<String> {
    let w = wording.words();
    let name = c.display_name();
    let attempts = c.max_attempts.map(|n| if n == 1 { w.one_attempt.to_string() } else { (w.attempts)(n) });
    let with_attempts = |clause: String| match &attempts {
        Some(a) => format!("{clause}, {a}"),
        None => clause,
    };
    let mut clauses = Vec::new();
    match (c.min_score, c.passed == Some(true)) {
        (Some(min), true) => {
            clauses.push(with_attempts(format!("{}, {}", (w.pass)(&name), (w.score)(&format_number(min), &name))))
        }
        (Some(min), false) => clauses.push(with_attempts((w.score)(&format_number(min), &name))),
        (None, true) => clauses.push(with_attempts((w.pass)(&name))),
        (None, false) => {}
    }
    if c.completed == Some(true) {
        clauses.push((w.complete)(&name));
    }
    if let Some(kind) = c.requires_signoff {
        let who = match kind {
            SignoffKind::Employer => (w.employer)(&name),
            SignoffKind::Expert => (w.expert)(&name),
        };
        clauses.push(if c.signoff_blocking == Some(false) { format!("{who} {}", w.without_waiting) } else { who });
    }
    clauses
}

/// The whole rule in sentences: one for the components that must all be met (their
/// clauses joined by semicolons), then one per group ("Also, one of these: …; or …").
pub fn describe_rule(rule: &AwardRule, wording: Wording) -> String {
    let w = wording.words();
    let mut sentences = Vec::new();
    let required: Vec<String> = rule.all_of.iter().flat_map(|c| component_clauses(c, wording)).collect();
    if !required.is_empty() {
        sentences.push(sentence(&required.join("; ")));
    }
    for group in &rule.groups {
        let options: Vec<String> = group
            .any_of
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let clauses = component_clauses(c, wording).join(w.and);
                if i > 0 && group.required() == 1 { format!("{}{clauses}", w.or) } else { clauses }
            })
            .collect();
        let lead = if group.required() == 1 { w.one_of.to_string() } else { (w.at_least)(group.required()) };
        let also = if sentences.is_empty() { "" } else { w.also };
        sentences.push(sentence(&format!("{also}{lead}{}", options.join("; "))));
    }
    if sentences.is_empty() {
        return w.nothing.to_string();
    }
    sentences.join(" ")
}

/// `text` with its first letter in capitals and a full stop at its end.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: serde_json::Value) -> AwardRule {
        serde_json::from_value(json).unwrap()
    }

    fn pilot() -> AwardRule {
        rule(serde_json::json!({"allOf": [
            {"component": "final-exam", "name": "Final exam", "minScore": 70, "maxAttempts": 3},
            {"component": "workplace", "name": "Workplace practice", "requiresSignoff": "employer", "signoffBlocking": false}
        ]}))
    }

    #[test]
    fn words_a_rule_in_english() {
        assert_eq!(
            describe_rule(&pilot(), Wording::English),
            "Score at least 70% on Final exam, in at most 3 attempts; an employer confirms Workplace practice \
             (the badge is issued without waiting)."
        );
    }

    #[test]
    fn words_a_rule_in_french() {
        assert_eq!(
            describe_rule(&pilot(), Wording::French),
            "Obtenir au moins 70\u{a0}% à Final exam, en au plus 3 tentatives; un employeur confirme Workplace practice \
             (le badge est délivré sans attendre)."
        );
    }

    #[test]
    fn words_every_kind_of_requirement() {
        let r = rule(serde_json::json!({"allOf": [
            {"component": "orientation", "completed": true},
            {"component": "lab", "name": "Lab", "passed": true, "maxAttempts": 1},
            {"component": "quiz", "name": "Quiz", "passed": true, "minScore": 72.5},
            {"component": "portfolio", "name": "Portfolio", "completed": true, "requiresSignoff": "expert"}
        ]}));
        assert_eq!(
            describe_rule(&r, Wording::English),
            "Complete orientation; pass Lab, in one attempt; pass Quiz, score at least 72.5% on Quiz; \
             complete Portfolio; an expert confirms Portfolio."
        );
        assert_eq!(
            describe_rule(&r, Wording::French),
            "Terminer orientation; réussir Lab, en une seule tentative; réussir Quiz, obtenir au moins 72.5\u{a0}% à Quiz; \
             terminer Portfolio; un·e expert·e confirme Portfolio."
        );
        assert_eq!(describe_rule(&rule(serde_json::json!({"allOf": []})), Wording::English), "No requirement yet.");
    }

    #[test]
    fn words_groups_after_what_is_required() {
        let r = rule(serde_json::json!({
            "allOf": [{"component": "orientation", "name": "Orientation", "completed": true}],
            "groups": [
                {"anyOf": [{"component": "exam", "name": "Exam", "minScore": 70},
                           {"component": "portfolio", "name": "Portfolio", "completed": true, "requiresSignoff": "expert"}]},
                {"atLeast": 2, "anyOf": [{"component": "a", "name": "A", "completed": true},
                                         {"component": "b", "name": "B", "passed": true},
                                         {"component": "c", "name": "C", "completed": true}]}
            ]
        }));
        assert_eq!(
            describe_rule(&r, Wording::English),
            "Complete Orientation. Also, one of these: score at least 70% on Exam; or complete Portfolio and an \
             expert confirms Portfolio. Also, at least 2 of these: complete A; pass B; complete C."
        );
        assert_eq!(
            describe_rule(&r, Wording::French),
            "Terminer Orientation. De plus, l’une de ces exigences\u{a0}: obtenir au moins 70\u{a0}% à Exam; ou terminer \
             Portfolio et un·e expert·e confirme Portfolio. De plus, au moins 2 de ces exigences\u{a0}: terminer A; \
             réussir B; terminer C."
        );
        let only =
            rule(serde_json::json!({"groups": [{"anyOf": [{"component": "a", "name": "A", "completed": true}]}]}));
        assert_eq!(describe_rule(&only, Wording::English), "One of these: complete A.");
    }
}
