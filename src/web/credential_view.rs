//! What a page shows of an Open Badges 3.0 credential, read from the credential
//! document itself (what was signed), never from the issuer's current records.
//! Anything missing or of an unexpected shape is simply not shown.

use serde_json::Value;

/// One competency, occupation or standard the achievement aligns to.
#[derive(Debug, Clone)]
pub struct AlignmentItem {
    pub name: String,
    pub code: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
}

/// Alignments sharing a framework.
#[derive(Debug, Clone)]
pub struct AlignmentGroup {
    pub framework: String,
    pub items: Vec<AlignmentItem>,
}

#[derive(Debug, Clone)]
pub struct ResultItem {
    pub name: String,
    pub value: String,
    /// e.g. "70" for a required score, or the allowed range.
    pub required: Option<String>,
}

#[derive(Debug, Clone)]
pub struct EvidenceItem {
    /// Position in the credential's `evidence` list (what the learner's choices refer to).
    pub index: usize,
    pub name: String,
    pub narrative: Option<String>,
    pub description: Option<String>,
    pub genre: Option<String>,
    pub url: Option<String>,
    pub digest: Option<String>,
}

#[derive(Debug, Clone)]
pub struct EndorsementItem {
    pub issuer_name: String,
    pub comment: Option<String>,
    pub date: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CredentialView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub achievement_type: Option<String>,
    pub achievement_id: Option<String>,
    pub human_code: Option<String>,
    /// BCP 47 tag the achievement text is written in.
    pub language: Option<String>,
    /// Criteria as paragraphs, each a list of lines.
    pub criteria: Vec<Vec<String>>,
    pub criteria_url: Option<String>,
    pub issuer_id: Option<String>,
    pub issuer_name: String,
    pub issuer_url: Option<String>,
    pub issuer_logo: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub alignment_groups: Vec<AlignmentGroup>,
    pub results: Vec<ResultItem>,
    pub evidence: Vec<EvidenceItem>,
    pub endorsements: Vec<EndorsementItem>,
    /// The issuer's reason for a direct award (recognition of prior learning).
    pub award_narrative: Option<String>,
    pub tags: Vec<String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Only links a reader can follow safely: http(s), never `javascript:` or `data:`.
fn link(v: &Value, key: &str) -> Option<String> {
    text(v, key).filter(|u| u.starts_with("https://") || u.starts_with("http://"))
}

fn list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    }
}

/// Paragraphs separated by blank lines, each kept as its lines.
pub fn paragraphs(s: &str) -> Vec<Vec<String>> {
    s.split("\n\n")
        .map(|p| p.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect()
}

fn issuer_parts(issuer: Option<&Value>) -> (Option<String>, String, Option<String>, Option<String>) {
    match issuer {
        Some(Value::String(id)) => (Some(id.clone()), id.clone(), None, None),
        Some(o @ Value::Object(_)) => {
            let id = text(o, "id");
            let name = text(o, "name").or_else(|| id.clone()).unwrap_or_default();
            let logo = o.get("image").and_then(|i| match i {
                Value::String(s) => Some(s.clone()),
                other => text(other, "id"),
            });
            let logo = logo.filter(|u| {
                u.starts_with("https://") || u.starts_with("data:image/png") || u.starts_with("data:image/svg")
            });
            (id, name, link(o, "url"), logo)
        }
        _ => (None, String::new(), None, None),
    }
}

impl CredentialView {
    /// Reads a credential document (the JSON of an OpenBadgeCredential).
    pub fn from_document(doc: &Value) -> CredentialView {
        let subject = list(doc.get("credentialSubject")).into_iter().next().cloned().unwrap_or(Value::Null);
        let achievement = subject.get("achievement").cloned().unwrap_or(Value::Null);
        let (issuer_id, issuer_name, issuer_url, issuer_logo) = issuer_parts(doc.get("issuer"));
        let criteria = achievement.get("criteria").cloned().unwrap_or(Value::Null);

        let mut alignment_groups: Vec<AlignmentGroup> = Vec::new();
        for a in list(achievement.get("alignment")) {
            let Some(name) = text(a, "targetName") else { continue };
            let framework = text(a, "targetFramework").or_else(|| text(a, "targetType")).unwrap_or_default();
            let item = AlignmentItem {
                name,
                code: text(a, "targetCode"),
                url: link(a, "targetUrl"),
                description: text(a, "targetDescription"),
            };
            match alignment_groups.iter_mut().find(|g| g.framework == framework) {
                Some(g) => g.items.push(item),
                None => alignment_groups.push(AlignmentGroup { framework, items: vec![item] }),
            }
        }

        let descriptions = list(achievement.get("resultDescription"));
        let results = list(subject.get("result"))
            .into_iter()
            .filter_map(|r| {
                let value = text(r, "value").or_else(|| text(r, "status"))?;
                let rd_id = text(r, "resultDescription");
                let rd = descriptions.iter().find(|d| rd_id.is_some() && text(d, "id") == rd_id);
                let name = rd.and_then(|d| text(d, "name")).unwrap_or_else(|| rd_id.clone().unwrap_or_default());
                let required = rd.and_then(|d| {
                    text(d, "requiredValue").or_else(|| match (text(d, "valueMin"), text(d, "valueMax")) {
                        (Some(lo), Some(hi)) => Some(format!("{lo}–{hi}")),
                        _ => None,
                    })
                });
                Some(ResultItem { name, value, required })
            })
            .collect();

        let evidence = list(doc.get("evidence"))
            .into_iter()
            .enumerate()
            .map(|(index, e)| EvidenceItem {
                index,
                name: text(e, "name").unwrap_or_default(),
                narrative: text(e, "narrative"),
                description: text(e, "description"),
                genre: text(e, "genre"),
                url: link(e, "id"),
                digest: text(e, "digestMultibase"),
            })
            .collect();

        let endorsements = list(doc.get("endorsement"))
            .into_iter()
            .map(|e| {
                let (_, issuer_name, _, _) = issuer_parts(e.get("issuer"));
                let comment = e.get("credentialSubject").and_then(|s| text(s, "endorsementComment"));
                EndorsementItem { issuer_name, comment, date: text(e, "validFrom").or_else(|| text(e, "issuanceDate")) }
            })
            .collect();

        let tags = list(achievement.get("tag")).into_iter().filter_map(|t| t.as_str().map(String::from)).collect();

        CredentialView {
            id: text(doc, "id").unwrap_or_default(),
            name: text(&achievement, "name").or_else(|| text(doc, "name")).unwrap_or_default(),
            description: text(&achievement, "description"),
            achievement_type: text(&achievement, "achievementType"),
            achievement_id: text(&achievement, "id"),
            human_code: text(&achievement, "humanCode"),
            language: text(&achievement, "inLanguage"),
            criteria: text(&criteria, "narrative").map(|n| paragraphs(&n)).unwrap_or_default(),
            criteria_url: link(&criteria, "id"),
            issuer_id,
            issuer_name,
            issuer_url,
            issuer_logo,
            valid_from: text(doc, "validFrom").or_else(|| text(doc, "issuanceDate")),
            valid_until: text(doc, "validUntil").or_else(|| text(doc, "expirationDate")),
            alignment_groups,
            results,
            evidence,
            endorsements,
            award_narrative: text(&subject, "narrative"),
            tags,
        }
    }

    /// The language attribute for achievement text (its own language, so screen
    /// readers pronounce French text as French on an English page).
    pub fn text_lang(&self) -> &str {
        self.language.as_deref().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_a_page_shows() {
        let doc = json!({
            "id": "https://x/credentials/1",
            "issuer": {"id": "https://x/issuers/emc", "name": "EMC", "url": "javascript:alert(1)"},
            "validFrom": "2026-01-02T00:00:00Z",
            "credentialSubject": {
                "achievement": {
                    "id": "https://x/a/1", "name": "Time Management", "inLanguage": "fr-CA",
                    "criteria": {"narrative": "Pass the test.\nOn time.\n\nHours: 7"},
                    "alignment": [
                        {"targetName": "Planning", "targetFramework": "EMC", "targetUrl": "https://f/1"},
                        {"targetName": "Numeracy", "targetFramework": "Skills for Success"},
                        {"targetName": "Leadership", "targetFramework": "EMC", "targetCode": "COL"}
                    ],
                    "resultDescription": [{"id": "https://x/a/1#result-test", "name": "Post-assessment", "valueMin": "0", "valueMax": "100"}]
                },
                "result": [{"resultDescription": "https://x/a/1#result-test", "value": "84"}],
                "narrative": "Prior learning"
            },
            "evidence": [{"id": "https://e/1", "name": "Project"}, {"name": "Quiz", "id": "data:text/html,x"}]
        });
        let v = CredentialView::from_document(&doc);
        assert_eq!(v.name, "Time Management");
        assert_eq!(v.text_lang(), "fr-CA");
        assert_eq!(
            v.criteria,
            vec![vec!["Pass the test.".to_string(), "On time.".into()], vec!["Hours: 7".to_string()]]
        );
        assert_eq!(v.issuer_url, None, "only http(s) links are shown");
        assert_eq!(v.alignment_groups.len(), 2);
        assert_eq!(v.alignment_groups[0].items.len(), 2);
        assert_eq!(v.results[0].name, "Post-assessment");
        assert_eq!(v.results[0].required.as_deref(), Some("0–100"));
        assert_eq!(v.evidence[1].url, None);
        assert_eq!(v.award_narrative.as_deref(), Some("Prior learning"));
    }

    #[test]
    fn odd_documents_show_what_they_can() {
        let v = CredentialView::from_document(&json!({"credentialSubject": [1, 2], "issuer": 5, "evidence": "x"}));
        assert!(v.name.is_empty() && v.evidence.is_empty() && v.issuer_name.is_empty());
    }
}
