//! Embedded Open Badges 3.0 endorsements: the `EndorsementCredential`s a credential carries in
//! its own `endorsement` (JSON objects) and `endorsementJwt` (compact VC-JWTs), in its issuer
//! Profile's, and in those of the achievement (or, for a CLR subject, the achievements) it is
//! about, and of that achievement's creator Profile.
//!
//! Each one is verified as a credential in its own right: its structure, every proof, that each
//! key is its own issuer's (the endorser's, by [`verify::issuer_key`]), its validity window and its
//! status entries. Each is reported as a summary check named after where it was found
//! (`endorsement[0]`, `issuer.endorsement[0]`, `achievement.endorsement[0]`) followed by its own
//! checks under that prefix (`endorsement[0].proof[0]`, `endorsement[0].validity`, ...), as a
//! CLR reports the credentials it holds.
//!
//! Bounded: at most [`MAX_ENDORSEMENTS`] per credential, one level deep (the endorsements an
//! endorsement carries are never looked at, so no input decides how deep the verifier goes), all
//! within the caller's canonicalization deadline.

use serde_json::Value;

use super::model;
use super::verify::{self, Check, CheckStatus, VerifyOptions};

/// The type every embedded endorsement must have.
pub const ENDORSEMENT_CREDENTIAL: &str = "EndorsementCredential";
/// Most endorsements verified for one credential (all places together).
pub const MAX_ENDORSEMENTS: usize = 16;

/// Where endorsements may be, and the name each is reported under, for one credential.
/// At most `MAX_ENDORSEMENTS + 1` are returned (enough to tell that there are too many).
pub fn embedded(doc: &Value) -> Vec<(String, &Value)> {
    let mut found = Vec::new();
    add_from(&mut found, "", Some(doc));
    add_from(&mut found, "issuer.", doc.get("issuer").filter(|i| i.is_object()));
    match doc.get("credentialSubject").and_then(|s| s.get("achievement")) {
        Some(Value::Array(achievements)) => {
            for (k, a) in achievements.iter().take(MAX_ENDORSEMENTS + 1).enumerate() {
                add_from(&mut found, &format!("achievement[{k}]."), Some(a));
                add_from(&mut found, &format!("achievement[{k}].creator."), a.get("creator").filter(|c| c.is_object()));
            }
        }
        Some(a @ Value::Object(_)) => {
            add_from(&mut found, "achievement.", Some(a));
            add_from(&mut found, "achievement.creator.", a.get("creator").filter(|c| c.is_object()));
        }
        _ => {}
    }
    found
}

/// Adds the `endorsement` of `holder`, named under `prefix`, while fewer than the bound are found.
/// Both `endorsement` (objects) and `endorsementJwt` (compact VC-JWTs) are read.
fn add_from<'a>(found: &mut Vec<(String, &'a Value)>, prefix: &str, holder: Option<&'a Value>) {
    for property in ["endorsement", "endorsementJwt"] {
        let items: Vec<&Value> = match holder.and_then(|h| h.get(property)) {
            Some(Value::Array(items)) => items.iter().take(MAX_ENDORSEMENTS + 1).collect(),
            Some(single) => vec![single],
            None => Vec::new(),
        };
        for (i, e) in items.into_iter().enumerate() {
            if found.len() > MAX_ENDORSEMENTS {
                return;
            }
            found.push((format!("{prefix}{property}[{i}]"), e));
        }
    }
}

fn check(name: impl Into<String>, status: CheckStatus, message: impl Into<String>) -> Check {
    Check { check: name.into(), status, message: message.into() }
}

/// Verifies every endorsement `doc` carries ([`embedded`]); also says whether one ran out of the
/// canonicalization budget. The recipient is never checked: an endorsement names none.
pub fn endorsement_checks(doc: &Value, options: &VerifyOptions<'_>) -> (Vec<Check>, bool) {
    let found = embedded(doc);
    if found.is_empty() {
        return (Vec::new(), false);
    }
    let mut checks = Vec::new();
    if found.len() > MAX_ENDORSEMENTS {
        checks.push(check(
            "endorsements",
            CheckStatus::Failed,
            format!("the credential carries more than the {MAX_ENDORSEMENTS} endorsements this verifier checks"),
        ));
        return (checks, false);
    }
    // One time budget for all of them (an earlier deadline of the caller's stays).
    let options = VerifyOptions { recipient_email: None, canon: options.canon.with_deadline_from_now(), ..*options };
    let mut over_budget = false;
    let not_one = || format!("not an {ENDORSEMENT_CREDENTIAL}");
    for (name, e) in found {
        let jwt = name.contains("endorsementJwt[");
        let report = match e {
            Value::String(token) if jwt && verify::looks_like_jwt(token) => {
                let report = verify::verify_endorsement_jwt(token.trim(), &options);
                if report.credential.as_ref().is_some_and(|c| !model::has_type(c, &[ENDORSEMENT_CREDENTIAL])) {
                    checks.push(check(name, CheckStatus::Failed, not_one()));
                    continue;
                }
                report
            }
            Value::Object(_) if !jwt && model::has_type(e, &[ENDORSEMENT_CREDENTIAL]) => {
                verify::verify_endorsement(e, &options)
            }
            Value::Object(_) if !jwt => {
                checks.push(check(name, CheckStatus::Failed, not_one()));
                continue;
            }
            _ => {
                checks.push(check(
                    name,
                    CheckStatus::Failed,
                    "not an endorsement: `endorsement` holds JSON objects, `endorsementJwt` compact VC-JWTs",
                ));
                continue;
            }
        };
        let endorsement = report.credential.as_ref().unwrap_or(e);
        over_budget |= report.over_budget;
        let what = describe(endorsement);
        checks.push(report.summary(&name, &what));
        checks.extend(report.checks.into_iter().map(|c| Check { check: format!("{name}.{}", c.check), ..c }));
    }
    (checks, over_budget)
}

/// "the endorsement urn:… by did:…", from what the document says.
fn describe(e: &Value) -> String {
    let mut what = String::from("the endorsement");
    if let Some(id) = e.get("id").and_then(Value::as_str) {
        what.push(' ');
        what.push_str(id);
    }
    if let Some(issuer) = model::issuer_id_of(e) {
        what.push_str(&format!(" by {issuer}"));
    }
    what
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endorsements_are_found_where_open_badges_puts_them_and_bounded() {
        let e = json!({"type": ["EndorsementCredential"]});
        let doc = json!({
            "endorsement": [e, e],
            "endorsementJwt": ["eyJ.eyJ.sig"],
            "issuer": {"id": "did:example:1", "endorsement": [e]},
            "credentialSubject": {"achievement": {"endorsement": [e], "creator": {"endorsement": [e]}}}
        });
        let names: Vec<String> = embedded(&doc).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "endorsement[0]",
                "endorsement[1]",
                "endorsementJwt[0]",
                "issuer.endorsement[0]",
                "achievement.endorsement[0]",
                "achievement.creator.endorsement[0]"
            ]
        );
        let clr = json!({"credentialSubject": {"achievement": [{"endorsement": [e]}, {"endorsement": [e]}]}});
        let names: Vec<String> = embedded(&clr).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["achievement[0].endorsement[0]", "achievement[1].endorsement[0]"]);
        let many = json!({"endorsement": vec![e.clone(); 1000], "issuer": {"endorsement": vec![e; 1000]}});
        assert_eq!(embedded(&many).len(), MAX_ENDORSEMENTS + 1);
    }
}
