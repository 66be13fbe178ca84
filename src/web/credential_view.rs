//! What a page shows of an Open Badges 3.0 credential, read from the credential
//! document itself (what was signed), never from the issuer's current records.
//! Anything missing or of an unexpected shape is simply not shown.

use credence_core::model::{Achievement, AchievementResult, Alignment, Issuer, OpenBadgeCredential};
use serde::Deserialize;
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
    /// What follows `#result-` in its result description's id: the rule component it reports,
    /// by which another language edition's name for it is found.
    pub component: Option<String>,
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
    /// When the achievement text shown is another language edition than the signed one:
    /// the signed achievement's language (pages say the signed credential is in it).
    pub signed_language: Option<String>,
    /// The criteria narrative as HTML, from its Markdown (`web::markdown`); empty when none.
    pub criteria: String,
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

/// Text worth showing: not missing, not blank.
fn shown(text: Option<&String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty()).cloned()
}

/// Only links a reader can follow safely: http(s), never `javascript:` or `data:`.
fn link(url: Option<&String>) -> Option<String> {
    shown(url).filter(|u| u.starts_with("https://") || u.starts_with("http://"))
}

/// A criteria narrative as a page shows it: its Markdown as safe HTML, or nothing.
pub fn criteria_html(narrative: Option<&str>) -> String {
    narrative.filter(|n| !n.trim().is_empty()).map(super::markdown::to_html).unwrap_or_default()
}

/// The issuer as a page names it: id, name, web site and logo.
struct IssuerParts {
    id: Option<String>,
    name: String,
    url: Option<String>,
    logo: Option<String>,
}

fn issuer_parts(issuer: &Issuer) -> IssuerParts {
    match issuer {
        Issuer::Id(id) => IssuerParts { id: Some(id.clone()), name: id.clone(), url: None, logo: None },
        Issuer::Profile(p) => IssuerParts {
            id: Some(p.id.clone()),
            name: shown(p.name.as_ref()).unwrap_or_else(|| p.id.clone()),
            url: link(p.url.as_ref()),
            logo: p.image.as_ref().map(|i| i.id.clone()).filter(|u| {
                u.starts_with("https://") || u.starts_with("data:image/png") || u.starts_with("data:image/svg")
            }),
        },
    }
}

/// An embedded endorsement is kept as the JSON it was signed as (the model has no type for
/// it): only its issuer's name, comment and date are read.
fn endorsement_item(e: &Value) -> EndorsementItem {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).filter(|t| !t.trim().is_empty()).map(String::from);
    let issuer_name = match e.get("issuer") {
        Some(Value::String(id)) => id.clone(),
        Some(profile) => text(profile.get("name")).or_else(|| text(profile.get("id"))).unwrap_or_default(),
        None => String::new(),
    };
    EndorsementItem {
        issuer_name,
        comment: text(e.get("credentialSubject").and_then(|s| s.get("endorsementComment"))),
        date: text(e.get("validFrom")).or_else(|| text(e.get("issuanceDate"))),
    }
}

/// Evidence as the verifier reports it (JSON objects: 2.0 evidence, read from three documents,
/// has no model type), shown the way 3.0 evidence is: name, narrative, description, genre and
/// an http(s) link.
pub fn evidence_items(evidence: &[Value]) -> Vec<EvidenceItem> {
    let text =
        |e: &Value, key: &str| e.get(key).and_then(Value::as_str).filter(|t| !t.trim().is_empty()).map(String::from);
    evidence
        .iter()
        .enumerate()
        .map(|(index, e)| EvidenceItem {
            index,
            name: text(e, "name").unwrap_or_default(),
            narrative: text(e, "narrative"),
            description: text(e, "description"),
            genre: text(e, "genre"),
            url: link(text(e, "id").as_ref()),
            digest: None,
        })
        .collect()
}

fn alignment_groups(alignments: &[Alignment]) -> Vec<AlignmentGroup> {
    let mut groups: Vec<AlignmentGroup> = Vec::new();
    for a in alignments {
        let Some(name) = shown(Some(&a.target_name)) else { continue };
        let framework = shown(a.target_framework.as_ref())
            .or_else(|| a.target_type.as_ref().map(|t| t.as_str().to_string()))
            .unwrap_or_default();
        let item = AlignmentItem {
            name,
            code: shown(a.target_code.as_ref()),
            url: link(Some(&a.target_url)),
            description: shown(a.target_description.as_ref()),
        };
        match groups.iter_mut().find(|g| g.framework == framework) {
            Some(g) => g.items.push(item),
            None => groups.push(AlignmentGroup { framework, items: vec![item] }),
        }
    }
    groups
}

fn result_items(achievement: &Achievement, results: &[AchievementResult]) -> Vec<ResultItem> {
    let descriptions = achievement.result_description.as_deref().unwrap_or_default();
    results
        .iter()
        .filter_map(|r| {
            let value = shown(r.value.as_ref()).or_else(|| r.status.as_ref().map(|s| s.as_str().to_string()))?;
            let rd_id = r.result_description.as_ref();
            let rd = rd_id.and_then(|id| descriptions.iter().find(|d| &d.id == id));
            let name = rd.map(|d| d.name.clone()).unwrap_or_else(|| rd_id.cloned().unwrap_or_default());
            let required = rd.and_then(|d| {
                shown(d.required_value.as_ref()).or_else(|| match (&d.value_min, &d.value_max) {
                    (Some(lo), Some(hi)) => Some(format!("{lo}–{hi}")),
                    _ => None,
                })
            });
            Some(ResultItem { component: rd_id.and_then(|id| result_component(id)), name, value, required })
        })
        .collect()
}

/// The component a result description's id names (`…#result-{component}`).
fn result_component(id: &str) -> Option<String> {
    id.rsplit_once("#result-").map(|(_, c)| c.to_string())
}

impl CredentialView {
    /// Reads a credential document. One that does not fit the Open Badges 3.0 model shows
    /// nothing but its id: its verification checks say what is wrong with it.
    /// A CLR 2.0 shows its own name, issuer and dates (the credentials it holds are listed
    /// with their verdicts by the report).
    pub fn from_document(doc: &Value) -> CredentialView {
        if credence_core::clr::is_clr(doc) {
            return CredentialView::of_clr(doc);
        }
        match OpenBadgeCredential::deserialize(doc) {
            Ok(credential) => CredentialView::of_credential(&credential),
            Err(_) => CredentialView {
                id: doc.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                ..CredentialView::default()
            },
        }
    }

    /// What a page shows of a CLR 2.0 `ClrCredential`: its name, description, issuer and
    /// validity period, each only when it has the expected shape.
    fn of_clr(doc: &Value) -> CredentialView {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(String::from);
        let issuer = doc.get("issuer").and_then(|i| Issuer::deserialize(i).ok()).map(|i| issuer_parts(&i));
        let vc = credence_core::model::VerifiableCredential::deserialize(doc).ok();
        let (issuer_id, issuer_name, issuer_url, issuer_logo) = match issuer {
            Some(i) => (i.id, i.name, i.url, i.logo),
            None => (None, String::new(), None, None),
        };
        CredentialView {
            id: text(doc.get("id")).unwrap_or_default(),
            name: shown(text(doc.get("name")).as_ref()).unwrap_or_default(),
            description: shown(text(doc.get("description")).as_ref()),
            issuer_id,
            issuer_name,
            issuer_url,
            issuer_logo,
            valid_from: vc.as_ref().and_then(|c| c.start_date()).map(String::from),
            valid_until: vc.as_ref().and_then(|c| c.end_date()).map(String::from),
            ..CredentialView::default()
        }
    }

    /// What a page shows of a credential.
    pub fn of_credential(c: &OpenBadgeCredential) -> CredentialView {
        let subject = &c.credential_subject;
        let evidence = c
            .evidence
            .iter()
            .flat_map(|list| list.iter())
            .enumerate()
            .map(|(index, e)| EvidenceItem {
                index,
                name: e.name.clone().unwrap_or_default(),
                narrative: shown(e.narrative.as_ref()),
                description: shown(e.description.as_ref()),
                genre: shown(e.genre.as_ref()),
                url: link(e.id.as_ref()),
                digest: shown(e.digest_multibase.as_ref()),
            })
            .collect();
        CredentialView {
            id: c.id.clone().unwrap_or_default(),
            results: result_items(&subject.achievement, subject.result.as_deref().unwrap_or_default()),
            evidence,
            endorsements: c.endorsement.iter().flatten().map(endorsement_item).collect(),
            valid_from: c.start_date().map(String::from),
            valid_until: c.end_date().map(String::from),
            award_narrative: shown(subject.narrative.as_ref()),
            ..CredentialView::of_achievement(&c.issuer, &subject.achievement, c.name.as_ref())
        }
    }

    /// What a page shows of an achievement and its issuer, before anyone has earned it.
    pub fn of_achievement(issuer: &Issuer, a: &Achievement, credential_name: Option<&String>) -> CredentialView {
        let issuer = issuer_parts(issuer);
        CredentialView {
            name: shown(Some(&a.name)).or_else(|| shown(credential_name)).unwrap_or_default(),
            description: shown(Some(&a.description)),
            achievement_type: a.achievement_type.as_ref().map(|t| t.as_str().to_string()),
            achievement_id: Some(a.id.clone()),
            human_code: shown(a.human_code.as_ref()),
            language: shown(a.in_language.as_ref()),
            criteria: criteria_html(a.criteria.narrative.as_deref()),
            criteria_url: link(a.criteria.id.as_ref()),
            issuer_id: issuer.id,
            issuer_name: issuer.name,
            issuer_url: issuer.url,
            issuer_logo: issuer.logo,
            alignment_groups: alignment_groups(a.alignment.as_deref().unwrap_or_default()),
            tags: a.tag.clone().unwrap_or_default(),
            ..CredentialView::default()
        }
    }

    /// The view with the achievement text of another language edition of the same achievement
    /// (name, description, criteria, alignments, tags); what the credential says of its issuer,
    /// learner, results, evidence and dates stays as signed.
    pub fn in_edition(self, edition: &Achievement) -> CredentialView {
        let text = CredentialView::of_achievement(&Issuer::Id(String::new()), edition, None);
        CredentialView {
            name: text.name,
            description: text.description,
            human_code: text.human_code.or(self.human_code),
            signed_language: self.language,
            language: text.language,
            criteria: text.criteria,
            criteria_url: text.criteria_url,
            alignment_groups: text.alignment_groups,
            tags: text.tags,
            results: self
                .results
                .into_iter()
                .map(|r| {
                    let translated =
                        edition.result_description.iter().flatten().find(|d| {
                            r.component.is_some() && result_component(&d.id).as_ref() == r.component.as_ref()
                        });
                    ResultItem { name: translated.map_or(r.name, |d| d.name.clone()), ..r }
                })
                .collect(),
            ..self
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
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "https://x/credentials/1",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "https://x/issuers/emc", "type": ["Profile"], "name": "EMC", "url": "javascript:alert(1)"},
            "validFrom": "2026-01-02T00:00:00Z",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://x/a/1", "type": ["Achievement"], "name": "Time Management",
                    "description": "Plans work.", "inLanguage": "fr-CA",
                    "criteria": {"narrative": "Pass the test.\nOn time.\n\nHours: 7"},
                    "alignment": [
                        {"type": ["Alignment"], "targetName": "Planning", "targetFramework": "EMC", "targetUrl": "https://f/1"},
                        {"type": ["Alignment"], "targetName": "Numeracy", "targetFramework": "Skills for Success", "targetUrl": "https://f/2"},
                        {"type": ["Alignment"], "targetName": "Leadership", "targetFramework": "EMC", "targetCode": "COL", "targetUrl": "https://f/3"}
                    ],
                    "resultDescription": [{
                        "id": "https://x/a/1#result-test", "type": ["ResultDescription"], "name": "Post-assessment",
                        "resultType": "Percent", "valueMin": "0", "valueMax": "100"
                    }]
                },
                "result": [{"type": ["Result"], "resultDescription": "https://x/a/1#result-test", "value": "84"}],
                "narrative": "Prior learning"
            },
            "evidence": [
                {"id": "https://e/1", "type": ["Evidence"], "name": "Project"},
                {"name": "Quiz", "type": ["Evidence"], "id": "data:text/html,x"}
            ]
        });
        let v = CredentialView::from_document(&doc);
        assert_eq!(v.name, "Time Management");
        assert_eq!(v.text_lang(), "fr-CA");
        assert_eq!(v.criteria, "<p>Pass the test.<br>\nOn time.</p>\n<p>Hours: 7</p>\n");
        assert_eq!(v.issuer_url, None, "only http(s) links are shown");
        assert_eq!(v.alignment_groups.len(), 2);
        assert_eq!(v.alignment_groups[0].items.len(), 2);
        assert_eq!(v.results[0].name, "Post-assessment");
        assert_eq!(v.results[0].required.as_deref(), Some("0–100"));
        assert_eq!(v.evidence[1].url, None);
        assert_eq!(v.award_narrative.as_deref(), Some("Prior learning"));
    }

    #[test]
    fn documents_outside_the_model_show_only_their_id() {
        let v = CredentialView::from_document(
            &json!({"id": "urn:x", "credentialSubject": [1, 2], "issuer": 5, "evidence": "x", "name": "Forged"}),
        );
        assert!(v.name.is_empty() && v.evidence.is_empty() && v.issuer_name.is_empty());
        assert_eq!(v.id, "urn:x");
    }
}
