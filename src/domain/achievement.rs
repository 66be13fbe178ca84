//! Achievements: micro-credential definitions following the Open Badges 3.0
//! `Achievement` model, with Credence's award rule and metadata.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::award_rule::AwardRule;
use super::framework::{self, FrameworkVersion};
use super::validation::{Reason, Violations, is_http_url, is_supported_language};
use crate::error::AppResult;
use credence_core::iri::check_iri;
use credence_core::model::{self, OneOrMany};

/// Achievement types defined by Open Badges 3.0 (`ext:` values are also accepted).
pub const ACHIEVEMENT_TYPES: &[&str] = &[
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// Result types defined by Open Badges 3.0.
pub const RESULT_TYPES: &[&str] = &[
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    Badge,
    MicroCredential,
    Certificate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryMode {
    OnlineSelfPaced,
    OnlineLive,
    InPerson,
    Hybrid,
    Workplace,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CriteriaInput {
    /// What a learner must do, in plain language (Markdown allowed).
    pub narrative: String,
    /// A page describing the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageInput {
    /// An https URL or a data: URI of a PNG or SVG image.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// One alignment as given: to a framework competency registered here, to a NOC 2021
/// occupation, to an ESCO concept, or to any external target.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AlignmentInput {
    /// Slug of a framework registered on this service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// Code (or exact name) of a competency of that framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competency: Option<String>,
    /// Framework version; the latest when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_version: Option<i64>,
    /// A NOC 2021 unit group code (five digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noc2021: Option<String>,
    /// An ESCO skill or occupation URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esco: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
}

/// An alignment resolved to the Open Badges 3.0 `Alignment` fields.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    pub target_name: String,
    pub target_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// The framework registered here that this alignment points into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<FrameworkRef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkRef {
    pub slug: String,
    pub version: i64,
    pub competency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResultDescriptionInput {
    /// The award-rule component this result reports, e.g. `post-assessment`.
    pub component: String,
    pub name: String,
    /// An Open Badges 3.0 result type, e.g. `Percent`.
    pub result_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_min: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<String>,
}

/// The achievement's text in its second language: an Open Badges 3.0 language edition,
/// published as an `Achievement` of its own (its own id) that each edition names in `related`.
/// Everything else (type, rule, alignments, hours, image) is shared with the first edition.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LanguageEdition {
    /// `en`, `fr`, `en-CA` or `fr-CA`: the other language than the achievement's `language`.
    pub language: String,
    pub name: String,
    pub description: String,
    pub criteria: CriteriaInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    /// The image's caption in this language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_caption: Option<String>,
    /// Tags in this language (the first edition's when absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The names of the results a credential reports, in this language, by rule component
    /// (e.g. `{"post-assessment": "Note de l’évaluation finale"}`); the first edition's otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub result_names: BTreeMap<String, String>,
}

/// The fields of an achievement as written by an issuer.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AchievementInput {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub criteria: CriteriaInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInput>,
    /// An Open Badges 3.0 achievement type, e.g. `MicroCredential`, `Badge`, `Certificate`.
    pub achievement_type: String,
    pub tier: Tier,
    /// Learning hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    /// How long it takes, in words, e.g. "4 weeks".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_mode: Option<DeliveryMode>,
    /// Delivery in words, e.g. "live online, facilitated".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    /// `en`, `fr`, `en-CA` or `fr-CA`: the language the text is written in.
    pub language: String,
    /// The same text in the other language (English or French), published as a second
    /// language edition of the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<LanguageEdition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alignments: Vec<AlignmentInput>,
    /// Results a credential reports; derived from the scored components when absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub result_descriptions: Vec<ResultDescriptionInput>,
    /// How long an issued credential stays valid, as an ISO 8601 duration (e.g. `P3Y`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_period: Option<String>,
    pub rule: AwardRule,
}

/// A validated definition, as stored for one version: the input with alignments resolved.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AchievementDefinition {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub criteria: CriteriaInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInput>,
    pub achievement_type: String,
    pub tier: Tier,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_mode: Option<DeliveryMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    pub language: String,
    /// The second language edition, when the issuer wrote one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<LanguageEdition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_code: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub alignments: Vec<Alignment>,
    #[serde(default)]
    pub result_descriptions: Vec<ResultDescriptionInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_period: Option<String>,
    pub rule: AwardRule,
}

/// A stored achievement version as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    pub id: String,
    pub organization: String,
    pub version: i64,
    pub latest_version: i64,
    /// Credentials issued against this version; a version with any is immutable.
    /// Counted by the issuer's reads of the API (0 where the count is not shown).
    pub issued_count: i64,
    /// How many times this version was edited in place (issuance checks it).
    #[serde(skip)]
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    /// When it was retired: no credential is issued for it any more (issued ones stay valid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
    /// The public URL of this version: the `id` of the Open Badges `Achievement`.
    pub url: String,
    #[serde(flatten)]
    pub definition: AchievementDefinition,
}

impl Alignment {
    /// The input that resolves to this alignment again: a framework competency by its
    /// code and version, a NOC 2021 or ESCO entry, or the target as it is.
    pub fn to_input(&self) -> AlignmentInput {
        let named = AlignmentInput {
            target_name: Some(self.target_name.clone()),
            target_description: self.target_description.clone(),
            ..AlignmentInput::default()
        };
        if let Some(f) = &self.framework {
            return AlignmentInput {
                framework: Some(f.slug.clone()),
                competency: Some(f.competency.clone()),
                framework_version: Some(f.version),
                ..named
            };
        }
        match self.target_framework.as_deref() {
            Some(NOC_2021) if self.target_code.is_some() => {
                AlignmentInput { noc2021: self.target_code.clone(), ..named }
            }
            Some(ESCO) => AlignmentInput { esco: Some(self.target_url.clone()), ..named },
            _ => AlignmentInput {
                target_url: Some(self.target_url.clone()),
                target_framework: self.target_framework.clone(),
                target_code: self.target_code.clone(),
                target_type: self.target_type.clone(),
                ..named
            },
        }
    }
}

const NOC_2021: &str = "National Occupational Classification 2021";
const ESCO: &str = "ESCO";

/// Looks up a framework version: `(slug, version or latest)`.
pub trait FrameworkLookup {
    fn framework(&self, slug: &str, version: Option<i64>) -> Option<&FrameworkVersion>;
}

impl AchievementInput {
    /// Validates every field and resolves alignments against the registered frameworks.
    pub fn into_definition(
        self,
        public_url: &str,
        frameworks: &dyn FrameworkLookup,
    ) -> AppResult<AchievementDefinition> {
        let mut v = Violations::new();
        v.slug("slug", &self.slug);
        v.text("name", &self.name, 200);
        v.text("description", &self.description, 8000);
        v.text("criteria.narrative", &self.criteria.narrative, 8000);
        v.optional_http_url("criteria.url", self.criteria.url.as_deref());
        if let Some(img) = &self.image {
            // It becomes the id of the credential's Image: it must be an IRI, or signing fails.
            v.url_iri("image.url", &img.url, img.url.starts_with("data:image/"), Reason::ImageUrl);
            v.optional_text("image.caption", img.caption.as_deref(), 500);
        }
        v.check(
            ACHIEVEMENT_TYPES.contains(&self.achievement_type.as_str()) || is_extension(&self.achievement_type),
            "achievementType",
            Reason::AchievementType,
        );
        if let Some(h) = self.hours {
            v.check(h.is_finite() && h > 0.0 && h <= 10_000.0, "hours", Reason::Hours);
        }
        v.optional_text("duration", self.duration.as_deref(), 200);
        v.optional_text("delivery", self.delivery.as_deref(), 500);
        v.language("language", &self.language);
        if let Some(e) = &self.edition {
            e.check(&mut v, &self);
        }
        v.optional_text("humanCode", self.human_code.as_deref(), 100);
        v.check(self.tags.len() <= 50, "tags", Reason::TooManyTags);
        for (i, t) in self.tags.iter().enumerate() {
            v.text(&format!("tags[{i}]"), t, 100);
        }
        if let Some(p) = &self.validity_period {
            // The credential's validUntil is this far after its issuance: a date that can be written.
            let within_a_century =
                parse_iso_duration(p).is_some_and(|(y, m, d)| u64::from(y) * 12 + u64::from(m) <= 1200 && d <= 36_525);
            v.check(within_a_century, "validityPeriod", Reason::ValidityPeriod);
        }
        self.rule.check(&mut v, "rule");
        let result_descriptions = self.checked_result_descriptions(&mut v);
        v.check(self.alignments.len() <= 100, "alignments", Reason::TooManyAlignments);
        let alignments: Vec<Alignment> = self
            .alignments
            .iter()
            .enumerate()
            .filter_map(|(i, a)| resolve_alignment(&mut v, &format!("alignments[{i}]"), a, public_url, frameworks))
            .collect();
        v.into_result()?;
        Ok(AchievementDefinition {
            slug: self.slug,
            name: self.name,
            description: self.description,
            criteria: self.criteria,
            image: self.image,
            achievement_type: self.achievement_type,
            tier: self.tier,
            hours: self.hours,
            duration: self.duration,
            delivery_mode: self.delivery_mode,
            delivery: self.delivery,
            language: self.language,
            edition: self.edition,
            human_code: self.human_code,
            tags: self.tags,
            alignments,
            result_descriptions,
            validity_period: self.validity_period,
            rule: self.rule,
        })
    }

    fn checked_result_descriptions(&self, v: &mut Violations) -> Vec<ResultDescriptionInput> {
        let mut seen = HashSet::new();
        for (i, rd) in self.result_descriptions.iter().enumerate() {
            let p = format!("resultDescriptions[{i}]");
            if self.rule.component(&rd.component).is_none() {
                v.add(format!("{p}.component"), Reason::NotAComponentOfTheRule { component: rd.component.clone() });
            } else if !seen.insert(rd.component.as_str()) {
                v.add(format!("{p}.component"), Reason::OneResultDescription);
            }
            v.text(&format!("{p}.name"), &rd.name, 200);
            v.check(
                RESULT_TYPES.contains(&rd.result_type.as_str()) || is_extension(&rd.result_type),
                format!("{p}.resultType"),
                Reason::ResultType,
            );
        }
        if !self.result_descriptions.is_empty() {
            return self.result_descriptions.clone();
        }
        derived_result_descriptions(&self.rule)
    }
}

impl LanguageEdition {
    /// Checks the edition beside the first one (written in `first_language`), with paths
    /// under `edition`.
    fn check(&self, v: &mut Violations, first: &AchievementInput) {
        v.language("edition.language", &self.language);
        if is_supported_language(&self.language) && language_base(&self.language) == language_base(&first.language) {
            v.add("edition.language", Reason::OtherLanguage);
        }
        v.text("edition.name", &self.name, 200);
        v.text("edition.description", &self.description, 8000);
        v.text("edition.criteria.narrative", &self.criteria.narrative, 8000);
        v.optional_http_url("edition.criteria.url", self.criteria.url.as_deref());
        v.optional_text("edition.duration", self.duration.as_deref(), 200);
        v.optional_text("edition.delivery", self.delivery.as_deref(), 500);
        v.optional_text("edition.imageCaption", self.image_caption.as_deref(), 500);
        // What the first edition says in words, the second says too: no English line in a French page.
        v.check(first.duration.is_none() || self.duration.is_some(), "edition.duration", Reason::RequiredWithDuration);
        v.check(first.delivery.is_none() || self.delivery.is_some(), "edition.delivery", Reason::RequiredWithDelivery);
        v.check(self.image_caption.is_none() || first.image.is_some(), "edition.imageCaption", Reason::NeedsImage);
        v.check(self.tags.len() <= 50, "edition.tags", Reason::TooManyTags);
        for (i, t) in self.tags.iter().enumerate() {
            v.text(&format!("edition.tags[{i}]"), t, 100);
        }
        v.check(self.result_names.len() <= 100, "edition.resultNames", Reason::TooManyResultNames);
        for (component, name) in self.result_names.iter().take(100) {
            let path = format!("edition.resultNames.{component}");
            if first.rule.component(component).is_none() {
                v.add(path, Reason::NotInTheRule);
            } else {
                v.text(&path, name, 200);
            }
        }
    }
}

/// The primary language subtag, lowercase: `fr` for `fr-CA`.
pub fn language_base(tag: &str) -> String {
    tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase()
}

/// Whether text for `tag` is written in French (`fr`, `fr-CA`, ...); English otherwise.
pub fn is_french(tag: &str) -> bool {
    language_base(tag) == "fr"
}

/// The id of a second language edition: under its version's URL, named by its language.
pub fn edition_url(version_url: &str, language: &str) -> String {
    format!("{version_url}/editions/{}", language_base(language))
}

fn related(id: String, language: &str) -> model::Related {
    model::Related {
        id,
        types: OneOrMany::strings(&["Related"]),
        in_language: Some(language.to_string()),
        version: None,
        extra: Default::default(),
    }
}

/// The results a credential reports when its definition lists none: one `Percent` per
/// scored component, its minimum being the required value.
pub fn derived_result_descriptions(rule: &AwardRule) -> Vec<ResultDescriptionInput> {
    rule.components()
        .filter_map(|c| {
            let min = c.min_score?;
            Some(ResultDescriptionInput {
                component: c.component.clone(),
                name: format!("{} score", c.display_name()),
                result_type: "Percent".into(),
                required_value: Some(format_number(min)),
                value_min: Some("0".into()),
                value_max: Some("100".into()),
            })
        })
        .collect()
}

fn is_extension(value: &str) -> bool {
    value.len() > 4 && value.starts_with("ext:") && !value.contains(char::is_whitespace)
}

/// Formats 70.0 as "70" and 72.5 as "72.5".
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

fn resolve_alignment(
    v: &mut Violations,
    path: &str,
    a: &AlignmentInput,
    public_url: &str,
    frameworks: &dyn FrameworkLookup,
) -> Option<Alignment> {
    let kinds = [
        a.framework.is_some() || a.competency.is_some(),
        a.noc2021.is_some(),
        a.esco.is_some(),
        a.target_url.is_some(),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    if kinds != 1 {
        v.add(path.to_string(), Reason::OneAlignmentKind);
        return None;
    }
    if let Some(name) = &a.target_name {
        v.text(&format!("{path}.targetName"), name, 300);
    }
    if a.framework.is_some() || a.competency.is_some() {
        return resolve_framework_alignment(v, path, a, public_url, frameworks);
    }
    if let Some(code) = &a.noc2021 {
        let ok = code.len() == 5 && code.chars().all(|c| c.is_ascii_digit());
        v.check(ok, format!("{path}.noc2021"), Reason::Noc2021);
        let name = required_name(v, path, a)?;
        return ok.then(|| Alignment {
            target_name: name,
            target_url: format!("https://noc.esdc.gc.ca/Structure/NocProfile?code={code}&version=2021.0"),
            target_description: a.target_description.clone(),
            target_framework: Some(NOC_2021.into()),
            target_code: Some(code.clone()),
            target_type: Some("ext:Occupation".into()),
            framework: None,
        });
    }
    if let Some(uri) = &a.esco {
        let is_esco = uri.starts_with("http://data.europa.eu/esco/");
        if is_esco {
            v.http_url(&format!("{path}.esco"), uri);
        } else {
            v.add(format!("{path}.esco"), Reason::Esco);
        }
        let ok = is_esco && is_http_url(uri) && check_iri(uri).is_ok();
        let name = required_name(v, path, a)?;
        let is_occupation = uri.contains("/occupation/");
        return ok.then(|| Alignment {
            target_name: name,
            target_url: uri.clone(),
            target_description: a.target_description.clone(),
            target_framework: Some(ESCO.into()),
            target_code: uri.rsplit('/').next().map(str::to_string),
            target_type: Some(if is_occupation { "ext:Occupation" } else { "ceasn:Competency" }.into()),
            framework: None,
        });
    }
    let url = a.target_url.clone()?;
    // An IRI-typed value of the credential (xsd:anyURI): held to the rule of the credential's IRIs.
    v.iri(&format!("{path}.targetUrl"), &url);
    let name = required_name(v, path, a)?;
    if let Some(t) = &a.target_type {
        const TYPES: &[&str] = &[
            "ceasn:Competency",
            "ceterms:Credential",
            "CFItem",
            "CFRubric",
            "CFRubricCriterion",
            "CFRubricCriterionLevel",
            "CTDL",
        ];
        v.check(
            TYPES.contains(&t.as_str()) || is_extension(t),
            format!("{path}.targetType"),
            Reason::AlignmentTargetType,
        );
    }
    Some(Alignment {
        target_name: name,
        target_url: url,
        target_description: a.target_description.clone(),
        target_framework: a.target_framework.clone(),
        target_code: a.target_code.clone(),
        target_type: a.target_type.clone(),
        framework: None,
    })
}

fn required_name(v: &mut Violations, path: &str, a: &AlignmentInput) -> Option<String> {
    match &a.target_name {
        Some(n) => Some(n.clone()),
        None => {
            v.add(format!("{path}.targetName"), Reason::NameRequired);
            None
        }
    }
}

fn resolve_framework_alignment(
    v: &mut Violations,
    path: &str,
    a: &AlignmentInput,
    public_url: &str,
    frameworks: &dyn FrameworkLookup,
) -> Option<Alignment> {
    let (Some(slug), Some(key)) = (&a.framework, &a.competency) else {
        v.add(path.to_string(), Reason::FrameworkAndCompetency);
        return None;
    };
    let Some(fw) = frameworks.framework(slug, a.framework_version) else {
        let what = match a.framework_version {
            Some(version) => Reason::NoFrameworkVersion { framework: slug.clone(), version },
            None => Reason::NoFramework { framework: slug.clone() },
        };
        v.add(format!("{path}.framework"), what);
        return None;
    };
    let Some(found) = fw.document.find_competency(key) else {
        v.add(
            format!("{path}.competency"),
            Reason::NoCompetency { framework: slug.clone(), version: fw.version, competency: key.clone() },
        );
        return None;
    };
    let c = found.competency;
    Some(Alignment {
        target_name: a.target_name.clone().unwrap_or_else(|| c.name.clone()),
        target_url: c.url.clone().unwrap_or_else(|| framework::competency_url(public_url, slug, fw.version, &c.code)),
        target_description: a.target_description.clone().or_else(|| c.description.clone()),
        target_framework: Some(fw.document.name.clone()),
        target_code: Some(c.code.clone()),
        target_type: Some("ceasn:Competency".into()),
        framework: Some(FrameworkRef {
            slug: slug.clone(),
            version: fw.version,
            competency: c.code.clone(),
            domain: found.domain.map(|d| d.code.clone()),
        }),
    })
}

/// Parses `PnYnMnWnD` into (years, months, days). Time parts are not accepted.
pub fn parse_iso_duration(value: &str) -> Option<(u32, u32, u32)> {
    let body = value.strip_prefix('P')?;
    if body.is_empty() {
        return None;
    }
    let (mut y, mut m, mut d) = (0u32, 0u32, 0u32);
    let mut number = String::new();
    let mut last_rank = 0;
    for ch in body.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let n: u32 = number.parse().ok()?;
        number.clear();
        let rank = match ch {
            'Y' => {
                y = n;
                1
            }
            'M' => {
                m = n;
                2
            }
            'W' => {
                d = d.checked_add(n.checked_mul(7)?)?;
                3
            }
            'D' => {
                d = d.checked_add(n)?;
                4
            }
            _ => return None,
        };
        if rank <= last_rank {
            return None;
        }
        last_rank = rank;
    }
    if !number.is_empty() || (y == 0 && m == 0 && d == 0) || y > 100 {
        return None;
    }
    Some((y, m, d))
}

impl AchievementDefinition {
    /// The Open Badges 3.0 `Achievement` for this definition in its first language, with `id`
    /// its version URL, `creator` the issuer's profile and, when there is a second language
    /// edition, `related` naming it.
    pub fn to_open_badges(&self, version_url: &str, creator: Option<&model::Profile>) -> model::Achievement {
        let other = self.edition.as_ref().map(|e| related(edition_url(version_url, &e.language), &e.language));
        self.document(version_url, other, creator)
    }

    /// The language edition of this definition written in `language` (matched by its primary
    /// subtag), as an Open Badges 3.0 `Achievement`: the first edition, or the second at its
    /// own id with `related` naming the first. `None` when no edition is in that language.
    pub fn edition_to_open_badges(
        &self,
        version_url: &str,
        language: &str,
        creator: Option<&model::Profile>,
    ) -> Option<model::Achievement> {
        if language_base(&self.language) == language_base(language) {
            return Some(self.to_open_badges(version_url, creator));
        }
        let edition = self.in_language(language)?;
        let first = related(version_url.to_string(), &self.language);
        Some(edition.document(&edition_url(version_url, &edition.language), Some(first), creator))
    }

    /// The definition as written in `language` (matched by its primary subtag): itself, or
    /// the second edition's text over everything the editions share.
    pub fn in_language(&self, language: &str) -> Option<AchievementDefinition> {
        if language_base(&self.language) == language_base(language) {
            return Some(self.clone());
        }
        let e = self.edition.as_ref().filter(|e| language_base(&e.language) == language_base(language))?;
        Some(AchievementDefinition {
            name: e.name.clone(),
            description: e.description.clone(),
            criteria: e.criteria.clone(),
            image: self.image.as_ref().map(|img| ImageInput { url: img.url.clone(), caption: e.image_caption.clone() }),
            duration: e.duration.clone(),
            delivery: e.delivery.clone(),
            language: e.language.clone(),
            edition: None,
            tags: if e.tags.is_empty() { self.tags.clone() } else { e.tags.clone() },
            result_descriptions: self
                .result_descriptions
                .iter()
                .map(|rd| ResultDescriptionInput {
                    name: e.result_names.get(&rd.component).cloned().unwrap_or_else(|| rd.name.clone()),
                    ..rd.clone()
                })
                .collect(),
            ..self.clone()
        })
    }

    fn document(
        &self,
        id: &str,
        related: Option<model::Related>,
        creator: Option<&model::Profile>,
    ) -> model::Achievement {
        let mut a = model::Achievement {
            id: id.to_string(),
            types: OneOrMany::strings(&["Achievement"]),
            achievement_type: Some(vocabulary_term(
                &self.achievement_type,
                model::AchievementType::parse,
                model::AchievementType::Extension,
            )),
            name: self.name.clone(),
            description: self.description.clone(),
            criteria: model::Criteria {
                id: self.criteria.url.clone(),
                narrative: Some(self.criteria_narrative()),
                extra: Default::default(),
            },
            image: self.image.as_ref().map(|img| model::Image {
                id: img.url.clone(),
                kind: "Image".into(),
                caption: img.caption.clone(),
            }),
            alignment: None,
            result_description: None,
            creator: creator.cloned().map(Box::new),
            human_code: self.human_code.clone(),
            tag: (!self.tags.is_empty()).then(|| self.tags.clone()),
            in_language: Some(self.language.clone()),
            credits_available: None,
            field_of_study: None,
            specialization: None,
            version: None,
            related: related.map(|r| vec![r]),
            other_identifier: None,
            endorsement: None,
            endorsement_jwt: None,
            extra: Default::default(),
        };
        if !self.alignments.is_empty() {
            a.alignment = Some(self.alignments.iter().map(Alignment::to_open_badges).collect());
        }
        if !self.result_descriptions.is_empty() {
            a.result_description = Some(self.result_descriptions.iter().map(|rd| rd.to_open_badges(id)).collect());
        }
        a
    }

    /// The criteria narrative with the facts employers look for (hours, duration,
    /// delivery) appended, since Open Badges 3.0 has no fields of its own for them.
    pub fn criteria_narrative(&self) -> String {
        let fr = self.language.starts_with("fr");
        let mut facts = Vec::new();
        if let Some(h) = self.hours {
            facts.push(if fr {
                format!("Heures : {}", format_number(h))
            } else {
                format!("Hours: {}", format_number(h))
            });
        }
        if let Some(d) = &self.duration {
            facts.push(if fr { format!("Durée : {d}") } else { format!("Duration: {d}") });
        }
        if let Some(d) = &self.delivery {
            facts.push(if fr { format!("Prestation : {d}") } else { format!("Delivery: {d}") });
        }
        if facts.is_empty() {
            self.criteria.narrative.clone()
        } else {
            format!("{}\n\n{}", self.criteria.narrative, facts.join("\n"))
        }
    }
}

impl Alignment {
    pub fn to_open_badges(&self) -> model::Alignment {
        model::Alignment {
            types: OneOrMany::strings(&["Alignment"]),
            target_name: self.target_name.clone(),
            target_url: self.target_url.clone(),
            target_description: self.target_description.clone(),
            target_framework: self.target_framework.clone(),
            target_code: self.target_code.clone(),
            target_type: self
                .target_type
                .as_deref()
                .map(|t| vocabulary_term(t, model::AlignmentTargetType::parse, model::AlignmentTargetType::Extension)),
            extra: Default::default(),
        }
    }
}

impl ResultDescriptionInput {
    /// The `ResultDescription` with an id under the achievement's URL.
    pub fn to_open_badges(&self, achievement_id: &str) -> model::ResultDescription {
        model::ResultDescription {
            id: format!("{achievement_id}#result-{}", self.component),
            types: OneOrMany::strings(&["ResultDescription"]),
            name: self.name.clone(),
            result_type: vocabulary_term(&self.result_type, model::ResultType::parse, model::ResultType::Extension),
            required_value: self.required_value.clone(),
            required_level: None,
            value_min: self.value_min.clone(),
            value_max: self.value_max.clone(),
            allowed_value: None,
            rubric_criterion_level: None,
            alignment: None,
            extra: Default::default(),
        }
    }
}

/// A term of an Open Badges vocabulary. Input validation accepts only defined and `ext:`
/// terms; a value stored before a check existed is carried through as it was written.
fn vocabulary_term<T>(value: &str, parse: fn(&str) -> Option<T>, as_written: fn(String) -> T) -> T {
    parse(value).unwrap_or_else(|| as_written(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use serde_json::json;

    struct NoFrameworks;
    impl FrameworkLookup for NoFrameworks {
        fn framework(&self, _: &str, _: Option<i64>) -> Option<&FrameworkVersion> {
            None
        }
    }

    fn bilingual() -> serde_json::Value {
        json!({
            "slug": "tm", "name": "Time Management", "description": "Plan a shift.",
            "criteria": {"narrative": "Attend."}, "achievementType": "MicroCredential",
            "tier": "micro-credential", "hours": 7, "duration": "4 weeks", "language": "en-CA",
            "image": {"url": "https://x.example/tm.png", "caption": "Badge"}, "tags": ["time"],
            "edition": {"language": "fr-CA", "name": "Gestion du temps", "description": "Planifier un quart.",
                "criteria": {"narrative": "Assister."}, "duration": "4 semaines", "imageCaption": "Insigne"},
            "rule": {"allOf": [{"component": "session", "completed": true}]}
        })
    }

    fn definition(input: serde_json::Value) -> AppResult<AchievementDefinition> {
        serde_json::from_value::<AchievementInput>(input).unwrap().into_definition("https://x.example", &NoFrameworks)
    }

    fn fields(r: AppResult<AchievementDefinition>) -> Vec<String> {
        match r {
            Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn editions_name_each_other_and_share_what_is_not_text() {
        let d = definition(bilingual()).unwrap();
        let url = "https://x.example/achievements/a1/versions/2";
        let first = d.to_open_badges(url, None);
        assert_eq!(first.id, url);
        assert_eq!(first.in_language.as_deref(), Some("en-CA"));
        let related = first.related.as_deref().unwrap();
        assert_eq!(related.len(), 1);
        assert_eq!(related[0].id, format!("{url}/editions/fr"));
        assert_eq!(related[0].in_language.as_deref(), Some("fr-CA"));
        assert_eq!(related[0].types, OneOrMany::strings(&["Related"]));

        let fr = d.edition_to_open_badges(url, "fr", None).unwrap();
        assert_eq!(fr.id, format!("{url}/editions/fr"));
        assert_eq!((fr.name.as_str(), fr.description.as_str()), ("Gestion du temps", "Planifier un quart."));
        assert_eq!(fr.in_language.as_deref(), Some("fr-CA"));
        assert_eq!(fr.criteria.narrative.as_deref(), Some("Assister.\n\nHeures : 7\nDurée : 4 semaines"));
        assert_eq!(fr.image.as_ref().unwrap().caption.as_deref(), Some("Insigne"));
        assert_eq!(fr.tag, first.tag, "tags fall back to the first edition's");
        assert_eq!(fr.achievement_type, first.achievement_type);
        let back = fr.related.as_deref().unwrap();
        assert_eq!((back[0].id.as_str(), back[0].in_language.as_deref()), (url, Some("en-CA")));
        assert_eq!(fr.result_description, None);

        assert_eq!(d.edition_to_open_badges(url, "en", None), Some(first), "the first edition by its language");
        assert_eq!(d.edition_to_open_badges(url, "de", None), None);
        let one = definition({
            let mut b = bilingual();
            b.as_object_mut().unwrap().remove("edition");
            b
        })
        .unwrap();
        assert_eq!(one.to_open_badges(url, None).related, None);
        assert_eq!(one.edition_to_open_badges(url, "fr", None), None);
    }

    #[test]
    fn an_edition_is_checked_field_by_field() {
        let mut b = bilingual();
        b["edition"]["language"] = json!("en");
        b["edition"]["name"] = json!("");
        b["edition"]["criteria"]["narrative"] = json!("x".repeat(8001));
        b["edition"]["criteria"]["url"] = json!("ftp://x");
        b["edition"].as_object_mut().unwrap().remove("duration");
        let f = fields(definition(b));
        for field in [
            "edition.language",
            "edition.name",
            "edition.criteria.narrative",
            "edition.criteria.url",
            "edition.duration",
        ] {
            assert!(f.contains(&field.to_string()), "{field} in {f:?}");
        }
        let mut b = bilingual();
        b.as_object_mut().unwrap().remove("image");
        assert_eq!(fields(definition(b)), vec!["edition.imageCaption".to_string()]);
        let mut b = bilingual();
        b["language"] = json!("fr");
        b["edition"]["language"] = json!("en");
        assert!(definition(b).is_ok(), "French first, English second");
    }

    #[test]
    fn iso_durations() {
        assert_eq!(parse_iso_duration("P3Y"), Some((3, 0, 0)));
        assert_eq!(parse_iso_duration("P1Y6M"), Some((1, 6, 0)));
        assert_eq!(parse_iso_duration("P2W3D"), Some((0, 0, 17)));
        assert_eq!(parse_iso_duration("P"), None);
        assert_eq!(parse_iso_duration("P6M1Y"), None);
        assert_eq!(parse_iso_duration("PT5H"), None);
        assert_eq!(parse_iso_duration("3Y"), None);
        assert_eq!(parse_iso_duration("P0D"), None);
    }
}
