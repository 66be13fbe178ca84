//! The console's micro-credentials: the list, and the editor that defines one,
//! edits it (a new version once credentials were issued against it, as the API's
//! edit does) and retires it. The editor is one form whose field names are the
//! API's field paths (`criteria.narrative`, `rule.allOf[0].minScore`, …), so every
//! error of [`AchievementInput::into_definition`](crate::domain::achievement::AchievementInput::into_definition)
//! is shown beside the field it names. The award rule is built without JavaScript:
//! one fieldset per component, and "add a component" / "remove" buttons that send
//! the form back to be shown again with one row more or less.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Can, Chrome, Section, Staff, field, see_other, with_form_cap};
use crate::app::AppState;
use crate::domain::achievement::{
    ACHIEVEMENT_TYPES, Achievement, AchievementDefinition, AchievementInput, AlignmentInput, CriteriaInput,
    DeliveryMode, ImageInput, LanguageEdition, ResultDescriptionInput, Tier, derived_result_descriptions,
    format_number,
};
use crate::domain::award_rule::{
    AwardRule, ComponentGroup, ComponentRequirement, MAX_COMPONENTS, MAX_GROUPS, SignoffKind,
};
use crate::domain::award_wording::{Wording, describe_rule};
use crate::domain::validation::FieldError;
use crate::error::AppError;
use crate::web::lang::Lang;
use crate::web::{PageContext, not_found, private, render};

/// Largest editor form accepted, in bytes: room for the longest description and
/// criteria (8,000 characters each, percent-encoded) and a rule of many components.
pub const MAX_EDITOR_BYTES: usize = 128 * 1024;

/// The micro-credential pages, with the editor's body cap.
pub fn routes() -> Router<AppState> {
    with_form_cap(
        Router::new()
            .route("/console/achievements", get(list))
            .route("/console/achievements/new", get(new_form).post(create))
            .route("/console/achievements/{id}", get(edit_form).post(update))
            .route("/console/achievements/{id}/retire", post(retire))
            .route(
                "/console/achievements/{id}/alignments",
                get(super::alignments::alignments).post(super::alignments::change_alignments),
            ),
        MAX_EDITOR_BYTES,
    )
    .merge(super::artwork::routes())
}

/// The words of the micro-credential pages.
#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub new_title: &'static str,
    pub create_link: &'static str,
    pub none_yet: &'static str,
    pub col_name: &'static str,
    pub col_version: &'static str,
    pub col_status: &'static str,
    pub col_issued: &'static str,
    pub col_public: &'static str,
    pub offered: &'static str,
    pub retired: &'static str,
    pub public_page: &'static str,
    pub version: &'static str,
    pub issued_note: &'static str,
    pub retired_note: &'static str,
    pub general: &'static str,
    pub slug: &'static str,
    pub slug_hint: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub narrative: &'static str,
    pub narrative_hint: &'static str,
    pub edition_legend: &'static str,
    pub edition_hint: &'static str,
    pub in_french: &'static str,
    pub in_english: &'static str,
    pub criteria_url: &'static str,
    pub achievement_type: &'static str,
    pub tier: &'static str,
    pub tiers: [&'static str; 3],
    pub hours: &'static str,
    pub duration: &'static str,
    pub duration_hint: &'static str,
    pub delivery_mode: &'static str,
    pub delivery_modes: [&'static str; 5],
    pub not_said: &'static str,
    pub delivery: &'static str,
    pub language: &'static str,
    pub human_code: &'static str,
    pub tags: &'static str,
    pub tags_hint: &'static str,
    pub validity: &'static str,
    pub validity_hint: &'static str,
    pub rule: &'static str,
    pub rule_hint: &'static str,
    pub required_part: &'static str,
    pub group: &'static str,
    pub group_hint: &'static str,
    pub at_least: &'static str,
    pub at_least_hint: &'static str,
    pub add_group: &'static str,
    pub add_to_group: &'static str,
    pub remove_group: &'static str,
    pub component: &'static str,
    pub component_id: &'static str,
    pub component_id_hint: &'static str,
    pub component_name: &'static str,
    pub min_score: &'static str,
    pub max_attempts: &'static str,
    pub max_attempts_hint: &'static str,
    pub completed: &'static str,
    pub passed: &'static str,
    pub signoff: &'static str,
    pub signoff_none: &'static str,
    pub signoff_employer: &'static str,
    pub signoff_expert: &'static str,
    pub blocking: &'static str,
    pub add_component: &'static str,
    pub remove_component: &'static str,
    pub preview: &'static str,
    pub create: &'static str,
    pub save: &'static str,
    pub retire: &'static str,
    pub retire_hint: &'static str,
    pub errors_title: &'static str,
    pub not_a_number: &'static str,
    pub not_a_whole_number: &'static str,
    pub not_a_choice: &'static str,
    pub kept: &'static str,
    pub back: &'static str,
    pub alignments: &'static str,
    pub artwork: &'static str,
    pub artwork_alt: &'static str,
    pub artwork_supplied: &'static str,
    pub artwork_generated: &'static str,
    pub upload_label: &'static str,
    pub upload_hint: &'static str,
    pub upload: &'static str,
    pub use_generated: &'static str,
}

pub const EN: Words = Words {
    title: "Micro-credentials",
    new_title: "New micro-credential",
    create_link: "Define a micro-credential",
    none_yet: "No micro-credentials yet.",
    col_name: "Name",
    col_version: "Version",
    col_status: "Status",
    col_issued: "Issued",
    col_public: "Public page",
    offered: "Offered",
    retired: "Retired",
    public_page: "Public page",
    version: "Version",
    issued_note: "Credentials were issued against this version: saving makes a new version, and the issued ones keep theirs.",
    retired_note: "This micro-credential is retired: no credential is issued for it any more. Credentials already issued stay valid.",
    general: "The micro-credential",
    slug: "Identifier",
    slug_hint: "Lowercase letters, digits and hyphens, e.g. workplace-safety. It cannot change later.",
    name: "Name",
    description: "Description",
    narrative: "Criteria",
    narrative_hint: "What a learner must do, in plain language (Markdown allowed).",
    edition_legend: "The other language",
    edition_hint: "The same text in the other official language, so badge pages, artwork and certificates follow the reader's language. Leave empty for one language only; duration and delivery are needed here when given above.",
    in_french: "In French",
    in_english: "In English",
    criteria_url: "Page describing the criteria (optional)",
    achievement_type: "Open Badges type",
    tier: "Tier",
    tiers: ["Badge", "Micro-credential", "Certificate"],
    hours: "Learning hours (optional)",
    duration: "Duration (optional)",
    duration_hint: "In words, e.g. 4 weeks.",
    delivery_mode: "Delivery mode (optional)",
    delivery_modes: ["Online, self-paced", "Online, live", "In person", "Hybrid", "In the workplace"],
    not_said: "Not said",
    delivery: "Delivery in words (optional)",
    language: "Language of the text",
    human_code: "Course code (optional)",
    tags: "Tags (optional)",
    tags_hint: "One per line.",
    validity: "Validity period (optional)",
    validity_hint: "How long an issued credential stays valid, as an ISO 8601 duration, e.g. P3Y for three years.",
    rule: "Award rule",
    rule_hint: "Each component needs at least one requirement: a minimum score, completed, passed or a sign-off.",
    required_part: "Every one of these components must be met",
    group: "Alternatives",
    group_hint: "Besides the components above, this many of the group's components must be met.",
    at_least: "How many must be met",
    at_least_hint: "1 means any one of them.",
    add_group: "Add a group of alternatives",
    add_to_group: "Add a component to alternatives",
    remove_group: "Remove alternatives",
    component: "Component",
    component_id: "Component identifier",
    component_id_hint: "As results name it, e.g. final-exam.",
    component_name: "Component name (optional)",
    min_score: "Minimum score, in percent (optional)",
    max_attempts: "Attempts allowed (optional)",
    max_attempts_hint: "Empty for unlimited; applies to a scored or pass/fail component.",
    completed: "Must be completed",
    passed: "Must be passed",
    signoff: "Sign-off",
    signoff_none: "None",
    signoff_employer: "An employer confirms it",
    signoff_expert: "An expert confirms it",
    blocking: "The badge waits for the sign-off",
    add_component: "Add a component",
    remove_component: "Remove component",
    preview: "What it takes to earn it",
    create: "Create the micro-credential",
    save: "Save",
    retire: "Retire this micro-credential",
    retire_hint: "No credential will be issued for it any more; those already issued stay valid.",
    errors_title: "Some fields need attention",
    not_a_number: "must be a number, e.g. 70",
    not_a_whole_number: "must be a whole number, e.g. 3",
    not_a_choice: "must be one of the choices offered",
    kept: "Result descriptions kept as defined through the API",
    back: "All micro-credentials",
    alignments: "Competency alignments",
    artwork: "Artwork",
    artwork_alt: "The badge's artwork",
    artwork_supplied: "Its own image.",
    artwork_generated: "The generated design, in the organization's colours.",
    upload_label: "A PNG or SVG image",
    upload_hint: "At most 512 KB. It is cleaned: an SVG keeps only what it draws.",
    upload: "Upload the artwork",
    use_generated: "Use the generated design",
};

pub const FR: Words = Words {
    title: "Microcertifications",
    new_title: "Nouvelle microcertification",
    create_link: "Définir une microcertification",
    none_yet: "Aucune microcertification pour l’instant.",
    col_name: "Nom",
    col_version: "Version",
    col_status: "État",
    col_issued: "Délivrés",
    col_public: "Page publique",
    offered: "Offerte",
    retired: "Retirée",
    public_page: "Page publique",
    version: "Version",
    issued_note: "Des titres ont été délivrés selon cette version : enregistrer crée une nouvelle version, et les titres délivrés gardent la leur.",
    retired_note: "Cette microcertification est retirée : plus aucun titre n’est délivré. Les titres déjà délivrés restent valides.",
    general: "La microcertification",
    slug: "Identifiant",
    slug_hint: "Lettres minuscules, chiffres et traits d’union, p. ex. sante-securite. Il ne pourra plus changer.",
    name: "Nom",
    description: "Description",
    narrative: "Critères",
    narrative_hint: "Ce que la personne apprenante doit faire, en langage clair (Markdown permis).",
    edition_legend: "L’autre langue",
    edition_hint: "Le même texte dans l’autre langue officielle, pour que les pages, les images et les certificats suivent la langue du lecteur. Laissez vide pour une seule langue; la durée et le mode de prestation sont requis ici s’ils sont donnés plus haut.",
    in_french: "En français",
    in_english: "En anglais",
    criteria_url: "Page décrivant les critères (facultatif)",
    achievement_type: "Type Open Badges",
    tier: "Niveau",
    tiers: ["Badge", "Microcertification", "Certificat"],
    hours: "Heures d’apprentissage (facultatif)",
    duration: "Durée (facultatif)",
    duration_hint: "En mots, p. ex. 4 semaines.",
    delivery_mode: "Mode de prestation (facultatif)",
    delivery_modes: ["En ligne, à son rythme", "En ligne, en direct", "En personne", "Hybride", "En milieu de travail"],
    not_said: "Non précisé",
    delivery: "Prestation en mots (facultatif)",
    language: "Langue du texte",
    human_code: "Code du cours (facultatif)",
    tags: "Mots-clés (facultatif)",
    tags_hint: "Un par ligne.",
    validity: "Durée de validité (facultatif)",
    validity_hint: "Combien de temps un titre délivré reste valide, en durée ISO 8601, p. ex. P3Y pour trois ans.",
    rule: "Règle d’attribution",
    rule_hint: "Chaque composante demande au moins une exigence : une note minimale, terminée, réussie ou une confirmation.",
    required_part: "Chacune de ces composantes doit être satisfaite",
    group: "Choix",
    group_hint: "En plus des composantes ci-dessus, ce nombre de composantes du groupe doit être satisfait.",
    at_least: "Combien doivent être satisfaites",
    at_least_hint: "1 signifie n’importe laquelle.",
    add_group: "Ajouter un groupe de choix",
    add_to_group: "Ajouter une composante au choix",
    remove_group: "Retirer le choix",
    component: "Composante",
    component_id: "Identifiant de la composante",
    component_id_hint: "Tel que les résultats le nomment, p. ex. examen-final.",
    component_name: "Nom de la composante (facultatif)",
    min_score: "Note minimale, en pourcentage (facultatif)",
    max_attempts: "Tentatives permises (facultatif)",
    max_attempts_hint: "Vide pour illimité; s’applique à une composante notée ou réussite/échec.",
    completed: "Doit être terminée",
    passed: "Doit être réussie",
    signoff: "Confirmation",
    signoff_none: "Aucune",
    signoff_employer: "Un employeur la confirme",
    signoff_expert: "Un·e expert·e la confirme",
    blocking: "Le badge attend la confirmation",
    add_component: "Ajouter une composante",
    remove_component: "Retirer la composante",
    preview: "Ce qu’il faut pour l’obtenir",
    create: "Créer la microcertification",
    save: "Enregistrer",
    retire: "Retirer cette microcertification",
    retire_hint: "Plus aucun titre ne sera délivré; ceux déjà délivrés restent valides.",
    errors_title: "Certains champs sont à corriger",
    not_a_number: "doit être un nombre, p. ex. 70",
    not_a_whole_number: "doit être un nombre entier, p. ex. 3",
    not_a_choice: "doit être l’un des choix offerts",
    kept: "Descriptions de résultats conservées telles que définies par l’API",
    back: "Toutes les microcertifications",
    alignments: "Arrimage aux compétences",
    artwork: "Illustration",
    artwork_alt: "L’illustration du badge",
    artwork_supplied: "Son image propre.",
    artwork_generated: "Le motif généré, aux couleurs de l’organisation.",
    upload_label: "Une image PNG ou SVG",
    upload_hint: "Au plus 512 Ko. Elle est nettoyée : un SVG ne garde que ce qu’il dessine.",
    upload: "Téléverser l’illustration",
    use_generated: "Utiliser le motif généré",
};

const TIERS: [&str; 3] = ["badge", "micro-credential", "certificate"];
const DELIVERY_MODES: [&str; 5] = ["online-self-paced", "online-live", "in-person", "hybrid", "workplace"];
const LANGUAGES: [&str; 4] = ["en", "en-CA", "fr", "fr-CA"];

fn wording(page: &PageContext) -> Wording {
    match page.lang {
        Lang::En => Wording::English,
        Lang::Fr => Wording::French,
    }
}

// ---------------------------------------------------------------- the list

struct Line {
    id: String,
    name: String,
    version: i64,
    retired: bool,
    issued: i64,
    url: String,
}

#[derive(Template)]
#[template(path = "console_achievements.html", config = "src/web/askama.toml")]
struct ListPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    can_manage: bool,
    lines: Vec<Line>,
}

/// `GET /console/achievements`: every role.
async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    let achievements = match state.store.list_achievements_counted(&staff.organization.id).await {
        Ok(list) => list,
        Err(e) => return e.into_response(),
    };
    let lines = achievements
        .into_iter()
        .map(|a| Line {
            url: state.store.public_url.clone() + "/achievements/" + &a.id,
            retired: a.retired_at.is_some(),
            name: a.definition.name,
            version: a.version,
            issued: a.issued_count,
            id: a.id,
        })
        .collect();
    let w = staff.page.pick(&EN, &FR);
    let chrome = staff.chrome(Section::Achievements);
    let page = ListPage { page: &staff.page, chrome, w, can_manage: staff.can(Can::Manage), lines };
    private(render(&staff.page, StatusCode::OK, &page))
}

// ---------------------------------------------------------------- the draft

/// One component row of the form, as typed.
#[derive(Debug, Clone, Default)]
struct ComponentDraft {
    component: String,
    name: String,
    min_score: String,
    max_attempts: String,
    completed: bool,
    passed: bool,
    signoff: String,
    blocking: bool,
}

impl ComponentDraft {
    fn empty() -> Self {
        ComponentDraft { blocking: true, ..ComponentDraft::default() }
    }

    fn is_blank(&self) -> bool {
        [&self.component, &self.name, &self.min_score, &self.max_attempts, &self.signoff]
            .iter()
            .all(|v| v.trim().is_empty())
            && !self.completed
            && !self.passed
    }

    fn from_requirement(c: &ComponentRequirement) -> Self {
        ComponentDraft {
            component: c.component.clone(),
            name: c.name.clone().unwrap_or_default(),
            min_score: c.min_score.map(format_number).unwrap_or_default(),
            max_attempts: c.max_attempts.map(|n| n.to_string()).unwrap_or_default(),
            completed: c.completed == Some(true),
            passed: c.passed == Some(true),
            signoff: match c.requires_signoff {
                Some(SignoffKind::Employer) => "employer".into(),
                Some(SignoffKind::Expert) => "expert".into(),
                None => String::new(),
            },
            blocking: c.signoff_blocking != Some(false),
        }
    }

    /// The requirement this row asks for; what cannot be read goes to `errors` under `path`.
    fn requirement(&self, path: &str, w: &Words, errors: &mut Vec<FieldError>) -> ComponentRequirement {
        let signoff = match self.signoff.as_str() {
            "employer" => Some(SignoffKind::Employer),
            "expert" => Some(SignoffKind::Expert),
            "" => None,
            _ => {
                errors.push(FieldError::new(format!("{path}.requiresSignoff"), w.not_a_choice));
                None
            }
        };
        ComponentRequirement {
            component: self.component.trim().to_string(),
            name: optional(&self.name),
            min_score: number(&self.min_score, &format!("{path}.minScore"), w, errors),
            max_attempts: whole_number(&self.max_attempts, &format!("{path}.maxAttempts"), w, errors),
            completed: self.completed.then_some(true),
            passed: self.passed.then_some(true),
            requires_signoff: signoff,
            signoff_blocking: (signoff.is_some() && !self.blocking).then_some(false),
        }
    }
}

/// The editor's form, as typed: what is shown again when it comes back.
#[derive(Debug, Clone, Default)]
pub(super) struct Draft {
    slug: String,
    name: String,
    description: String,
    narrative: String,
    criteria_url: String,
    achievement_type: String,
    tier: String,
    hours: String,
    duration: String,
    delivery_mode: String,
    delivery: String,
    language: String,
    human_code: String,
    tags: String,
    validity_period: String,
    /// The second language edition's text (`edition.*`), all empty for none.
    edition: EditionDraft,
    /// The rows of `allOf`.
    components: Vec<ComponentDraft>,
    groups: Vec<GroupDraft>,
}

/// The second language edition as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct EditionDraft {
    name: String,
    description: String,
    narrative: String,
    duration: String,
    delivery: String,
}

impl EditionDraft {
    fn is_empty(&self) -> bool {
        [&self.name, &self.description, &self.narrative, &self.duration, &self.delivery]
            .iter()
            .all(|t| t.trim().is_empty())
    }
}

/// The other of the two languages: `fr` beside English, `en` beside French.
fn other_language(language: &str) -> &'static str {
    if language.trim().to_ascii_lowercase().starts_with("fr") { "en" } else { "fr" }
}

/// A group of the rule as typed: how many of its rows must be met, and its rows.
#[derive(Debug, Clone, Default)]
struct GroupDraft {
    at_least: String,
    components: Vec<ComponentDraft>,
}

impl GroupDraft {
    fn empty() -> Self {
        GroupDraft { at_least: "1".into(), components: vec![ComponentDraft::empty()] }
    }
}

/// Where a row of the rule sits: in `allOf` (`group` is `None`) or in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    group: Option<usize>,
    row: usize,
}

impl Slot {
    /// The row's field path: `rule.allOf[1]`, `rule.groups[0].anyOf[2]`.
    fn path(self) -> String {
        match self.group {
            None => format!("rule.allOf[{}]", self.row),
            Some(g) => format!("rule.groups[{g}].anyOf[{}]", self.row),
        }
    }
}

/// `[i]` at the start of `rest` with `i` below `limit`: `i` and what follows the bracket.
fn index_then(rest: &str, limit: usize) -> Option<(usize, &str)> {
    let (index, after) = rest.split_once(']')?;
    let index: usize = index.parse().ok()?;
    (index < limit).then_some((index, after))
}

/// The row and property (`""` for the row itself) a rule field path names:
/// `rule.allOf[i].prop` or `rule.groups[j].anyOf[i].prop`, within the rule's bounds.
fn rule_field(path: &str) -> Option<(Slot, &str)> {
    let (group, rest) = match path.strip_prefix("rule.allOf[") {
        Some(rest) => (None, rest),
        None => {
            let (g, after) = group_field(path)?;
            (Some(g), after.strip_prefix(".anyOf[")?)
        }
    };
    let (row, after) = index_then(rest, MAX_COMPONENTS)?;
    let prop = if after.is_empty() { "" } else { after.strip_prefix('.')? };
    Some((Slot { group, row }, prop))
}

/// The group a `rule.groups[j]…` path names, and the rest of the path.
fn group_field(path: &str) -> Option<(usize, &str)> {
    index_then(path.strip_prefix("rule.groups[")?, MAX_GROUPS)
}

/// Which form row each component of the input came from (blank rows are left out).
#[derive(Debug, Default)]
pub(super) struct RowMap {
    all_of: Vec<usize>,
    groups: Vec<Vec<usize>>,
}

impl RowMap {
    /// An input's field path as the form names it.
    fn form_path(&self, path: &str) -> String {
        let Some((slot, prop)) = rule_field(path) else { return path.to_string() };
        let rows = match slot.group {
            None => Some(&self.all_of),
            Some(g) => self.groups.get(g),
        };
        let row = rows.and_then(|r| r.get(slot.row)).copied().unwrap_or(slot.row);
        let base = Slot { row, ..slot }.path();
        if prop.is_empty() { base } else { format!("{base}.{prop}") }
    }
}

/// What the editor does not show yet and keeps as it is: the image, the alignments
/// and result descriptions given explicitly through the API.
#[derive(Debug, Clone, Default)]
pub(super) struct Kept {
    pub(super) image: Option<ImageInput>,
    pub(super) alignments: Vec<AlignmentInput>,
    result_descriptions: Vec<ResultDescriptionInput>,
    /// The second edition's image caption, tags and result names (given through the API).
    edition: Option<LanguageEdition>,
}

impl Kept {
    pub(super) fn of(a: &Achievement) -> Kept {
        let d = &a.definition;
        // Result descriptions equal to those the rule gives are derived again from the new rule.
        let explicit = d.result_descriptions != derived_result_descriptions(&d.rule);
        Kept {
            image: d.image.clone(),
            alignments: d.alignments.iter().map(|al| al.to_input()).collect(),
            result_descriptions: if explicit { d.result_descriptions.clone() } else { Vec::new() },
            edition: d.edition.clone(),
        }
    }
}

fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

fn number(value: &str, path: &str, w: &Words, errors: &mut Vec<FieldError>) -> Option<f64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    // "72,5" as French writes it.
    match v.replace(',', ".").parse::<f64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(path, w.not_a_number));
            None
        }
    }
}

fn whole_number(value: &str, path: &str, w: &Words, errors: &mut Vec<FieldError>) -> Option<u32> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(path, w.not_a_whole_number));
            None
        }
    }
}

/// A vocabulary value (`tier`, `deliveryMode`) read through its serde names.
fn choice<T: serde::de::DeserializeOwned>(
    value: &str,
    path: &str,
    w: &Words,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match serde_json::from_value(serde_json::Value::String(value.to_string())) {
        Ok(t) => Some(t),
        Err(_) => {
            errors.push(FieldError::new(path, w.not_a_choice));
            None
        }
    }
}

/// The requirements of the rows of `allOf` or of a group, blank rows left out; the
/// index of each one's row goes to `from`.
fn requirements(
    group: Option<usize>,
    rows: &[ComponentDraft],
    w: &Words,
    errors: &mut Vec<FieldError>,
    from: &mut Vec<usize>,
) -> Vec<ComponentRequirement> {
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        out.push(row.requirement(&Slot { group, row: out.len() }.path(), w, errors));
        from.push(i);
    }
    out
}

/// Group `g` of the draft, made (empty) if the form had none so far.
fn group_at(groups: &mut Vec<GroupDraft>, g: usize) -> &mut GroupDraft {
    if groups.len() <= g {
        groups.resize_with(g + 1, GroupDraft::default);
    }
    &mut groups[g]
}

impl Draft {
    fn new() -> Draft {
        Draft {
            achievement_type: "MicroCredential".into(),
            tier: "micro-credential".into(),
            language: "en".into(),
            components: vec![ComponentDraft::empty()],
            ..Draft::default()
        }
    }

    pub(super) fn of(a: &Achievement) -> Draft {
        let d = &a.definition;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let vocabulary = |v: serde_json::Result<serde_json::Value>| {
            v.ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
        };
        Draft {
            slug: d.slug.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            narrative: d.criteria.narrative.clone(),
            criteria_url: text(&d.criteria.url),
            achievement_type: d.achievement_type.clone(),
            tier: vocabulary(serde_json::to_value(d.tier)),
            hours: d.hours.map(format_number).unwrap_or_default(),
            duration: text(&d.duration),
            delivery_mode: d.delivery_mode.map(|m| vocabulary(serde_json::to_value(m))).unwrap_or_default(),
            delivery: text(&d.delivery),
            language: d.language.clone(),
            human_code: text(&d.human_code),
            tags: d.tags.join("\n"),
            validity_period: text(&d.validity_period),
            edition: d
                .edition
                .as_ref()
                .map(|e| EditionDraft {
                    name: e.name.clone(),
                    description: e.description.clone(),
                    narrative: e.criteria.narrative.clone(),
                    duration: text(&e.duration),
                    delivery: text(&e.delivery),
                })
                .unwrap_or_default(),
            components: d.rule.all_of.iter().map(ComponentDraft::from_requirement).collect(),
            groups: d
                .rule
                .groups
                .iter()
                .map(|g| GroupDraft {
                    at_least: g.required().to_string(),
                    components: g.any_of.iter().map(ComponentDraft::from_requirement).collect(),
                })
                .collect(),
        }
    }

    /// The form's fields. Rows are read for indexes below [`MAX_COMPONENTS`] and
    /// groups below [`MAX_GROUPS`] only, so a form cannot make this allocate more.
    fn from_fields(fields: &[(String, String)]) -> Draft {
        let get = |name: &str| field(fields, name).to_string();
        let mut components: Vec<ComponentDraft> = Vec::new();
        let mut groups: Vec<GroupDraft> = Vec::new();
        for (name, value) in fields {
            if let Some((g, ".atLeast")) = group_field(name) {
                group_at(&mut groups, g).at_least = value.clone();
                continue;
            }
            let Some((slot, prop)) = rule_field(name) else { continue };
            let rows = match slot.group {
                None => &mut components,
                Some(g) => &mut group_at(&mut groups, g).components,
            };
            if rows.len() <= slot.row {
                rows.resize_with(slot.row + 1, ComponentDraft::default);
            }
            let row = &mut rows[slot.row];
            match prop {
                "component" => row.component = value.clone(),
                "name" => row.name = value.clone(),
                "minScore" => row.min_score = value.clone(),
                "maxAttempts" => row.max_attempts = value.clone(),
                "completed" => row.completed = true,
                "passed" => row.passed = true,
                "requiresSignoff" => row.signoff = value.clone(),
                "signoffBlocking" => row.blocking = true,
                _ => {}
            }
        }
        Draft {
            slug: get("slug"),
            name: get("name"),
            description: get("description"),
            narrative: get("criteria.narrative"),
            criteria_url: get("criteria.url"),
            achievement_type: get("achievementType"),
            tier: get("tier"),
            hours: get("hours"),
            duration: get("duration"),
            delivery_mode: get("deliveryMode"),
            delivery: get("delivery"),
            language: get("language"),
            human_code: get("humanCode"),
            tags: get("tags"),
            validity_period: get("validityPeriod"),
            edition: EditionDraft {
                name: get("edition.name"),
                description: get("edition.description"),
                narrative: get("edition.criteria.narrative"),
                duration: get("edition.duration"),
                delivery: get("edition.delivery"),
            },
            components,
            groups,
        }
    }

    /// The rule the rows ask for, blank rows left out; which row each of its
    /// components came from; and what could not be read.
    fn rule(&self, w: &Words, errors: &mut Vec<FieldError>) -> (AwardRule, RowMap) {
        let mut map = RowMap::default();
        let all_of = requirements(None, &self.components, w, errors, &mut map.all_of);
        let mut groups = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            let mut from = Vec::new();
            let any_of = requirements(Some(g), &group.components, w, errors, &mut from);
            map.groups.push(from);
            // One (any of them) is the default, written by leaving `atLeast` out.
            let at_least = whole_number(&group.at_least, &format!("rule.groups[{g}].atLeast"), w, errors);
            groups.push(ComponentGroup { at_least: at_least.filter(|n| *n != 1), any_of });
        }
        (AwardRule { all_of, groups }, map)
    }

    /// The API's input this form stands for, and what in the form could not be read.
    pub(super) fn input(&self, kept: &Kept, w: &Words) -> (AchievementInput, RowMap, Vec<FieldError>) {
        let mut errors = Vec::new();
        let (rule, rows) = self.rule(w, &mut errors);
        let tier = choice::<Tier>(&self.tier, "tier", w, &mut errors).unwrap_or(Tier::MicroCredential);
        let delivery_mode = match self.delivery_mode.as_str() {
            "" => None,
            mode => choice::<DeliveryMode>(mode, "deliveryMode", w, &mut errors),
        };
        let input = AchievementInput {
            slug: self.slug.trim().to_string(),
            name: self.name.clone(),
            description: self.description.clone(),
            criteria: CriteriaInput { narrative: self.narrative.clone(), url: optional(&self.criteria_url) },
            image: kept.image.clone(),
            achievement_type: self.achievement_type.trim().to_string(),
            tier,
            hours: number(&self.hours, "hours", w, &mut errors),
            duration: optional(&self.duration),
            delivery_mode,
            delivery: optional(&self.delivery),
            language: self.language.trim().to_string(),
            human_code: optional(&self.human_code),
            tags: self.tags.lines().filter_map(optional).collect(),
            alignments: kept.alignments.clone(),
            result_descriptions: kept.result_descriptions.clone(),
            validity_period: optional(&self.validity_period),
            edition: (!self.edition.is_empty()).then(|| {
                let kept = kept.edition.clone().unwrap_or_else(|| LanguageEdition {
                    language: String::new(),
                    name: String::new(),
                    description: String::new(),
                    criteria: CriteriaInput { narrative: String::new(), url: None },
                    duration: None,
                    delivery: None,
                    image_caption: None,
                    tags: Vec::new(),
                    result_names: Default::default(),
                });
                LanguageEdition {
                    language: other_language(&self.language).to_string(),
                    name: self.edition.name.clone(),
                    description: self.edition.description.clone(),
                    criteria: CriteriaInput { narrative: self.edition.narrative.clone(), url: kept.criteria.url },
                    duration: optional(&self.edition.duration),
                    delivery: optional(&self.edition.delivery),
                    ..kept
                }
            }),
            rule,
        };
        (input, rows, errors)
    }
}

// ---------------------------------------------------------------- the editor page

/// One text input or text area of the editor.
struct Input {
    name: String,
    id: String,
    value: String,
    error: Option<String>,
}

struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// One component's fieldset.
struct Row {
    /// The fieldset's id and the prefix of its fields' names.
    id: String,
    path: String,
    number: usize,
    /// The value of its "remove" button.
    remove: String,
    error: Option<String>,
    component: Input,
    name: Input,
    min_score: Input,
    max_attempts: Input,
    completed: bool,
    passed: bool,
    signoff: Vec<Choice>,
    signoff_id: String,
    signoff_name: String,
    signoff_error: Option<String>,
    blocking: bool,
}

/// One group's fieldset.
struct GroupView {
    id: String,
    number: usize,
    at_least: Input,
    error: Option<String>,
    rows: Vec<Row>,
    /// The values of its "add a component" and "remove the group" buttons.
    add: String,
    remove: String,
}

struct ErrorLine {
    href: String,
    label: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "console_achievement_form.html", config = "src/web/askama.toml")]
struct EditorPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    heading: String,
    action: String,
    /// `None` when creating; the achievement when editing.
    current: Option<Current>,
    editable: bool,
    creating: bool,
    errors: Vec<ErrorLine>,
    slug: Input,
    name: Input,
    description: Input,
    narrative: Input,
    criteria_url: Input,
    achievement_type: Input,
    types: &'static [&'static str],
    tiers: Vec<Choice>,
    tier_error: Option<String>,
    hours: Input,
    duration: Input,
    delivery_modes: Vec<Choice>,
    delivery_mode_error: Option<String>,
    delivery: Input,
    languages: Vec<Choice>,
    language_error: Option<String>,
    human_code: Input,
    tags: Input,
    validity_period: Input,
    edition_language: &'static str,
    edition_name: Input,
    edition_description: Input,
    edition_narrative: Input,
    edition_duration: Input,
    edition_delivery: Input,
    rule_error: Option<String>,
    rows: Vec<Row>,
    groups: Vec<GroupView>,
    can_add: bool,
    can_add_group: bool,
    preview: String,
    has_kept: bool,
    kept: Vec<String>,
    /// The artwork's preview (a data URI), when editing.
    artwork: Option<String>,
    supplied_image: bool,
    image_error: Option<String>,
}

struct Current {
    id: String,
    version: i64,
    issued: bool,
    retired: bool,
    url: String,
}

/// An HTML id for a field path: `rule.allOf[0].minScore` → `f-rule-allOf-0-minScore`.
fn dom_id(path: &str) -> String {
    let mut id = String::from("f-");
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_string()
}

/// The editor's errors by field path, each shown once: beside its field, or (for
/// what the form does not show) in the summary only; in the page's language.
struct Errors {
    found: Vec<FieldError>,
    lang: Lang,
}

impl Errors {
    /// The reasons given for `path` (and for its elements, `path[i]`), joined.
    fn take(&self, path: &str) -> Option<String> {
        let reasons: Vec<String> = self
            .found
            .iter()
            .filter(|e| e.field == path || e.field.strip_prefix(path).is_some_and(|rest| rest.starts_with('[')))
            .map(|e| self.lang.reason(&e.reason))
            .collect();
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }

    /// The reason given for exactly `path`.
    fn at(&self, path: &str) -> Option<String> {
        self.found.iter().find(|e| e.field == path).map(|e| self.lang.reason(&e.reason))
    }
}

fn choices(values: &'static [&'static str], labels: &[&'static str], current: &str) -> Vec<Choice> {
    values.iter().zip(labels).map(|(value, label)| Choice { value, label, selected: *value == current }).collect()
}

struct Editor<'a> {
    staff: &'a Staff,
    public_url: &'a str,
    current: Option<&'a Achievement>,
    kept: &'a Kept,
}

impl Editor<'_> {
    /// The editor page for `draft`, with the errors `errors` names (by the form's
    /// field paths).
    fn page(&self, status: StatusCode, draft: &Draft, errors: Vec<FieldError>) -> Response {
        let staff = self.staff;
        let w = staff.page.pick(&EN, &FR);
        let found = Errors { found: errors, lang: staff.page.lang };
        let input = |name: &str, value: &str| Input {
            name: name.to_string(),
            id: dom_id(name),
            value: value.to_string(),
            error: found.take(name),
        };
        let row = |slot: Slot, c: &ComponentDraft| {
            let p = slot.path();
            Row {
                id: dom_id(&p),
                number: slot.row + 1,
                remove: match slot.group {
                    None => format!("remove-{}", slot.row),
                    Some(g) => format!("remove-in-{g}-{}", slot.row),
                },
                error: found.at(&p),
                component: input(&format!("{p}.component"), &c.component),
                name: input(&format!("{p}.name"), &c.name),
                min_score: input(&format!("{p}.minScore"), &c.min_score),
                max_attempts: input(&format!("{p}.maxAttempts"), &c.max_attempts),
                completed: c.completed,
                passed: c.passed,
                signoff: choices(
                    &["", "employer", "expert"],
                    &[w.signoff_none, w.signoff_employer, w.signoff_expert],
                    &c.signoff,
                ),
                signoff_id: dom_id(&format!("{p}.requiresSignoff")),
                signoff_name: format!("{p}.requiresSignoff"),
                signoff_error: found.take(&format!("{p}.requiresSignoff")),
                blocking: c.blocking,
                path: p,
            }
        };
        let rows: Vec<Row> =
            draft.components.iter().enumerate().map(|(i, c)| row(Slot { group: None, row: i }, c)).collect();
        let groups: Vec<GroupView> = draft
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let p = format!("rule.groups[{g}]");
                GroupView {
                    id: dom_id(&p),
                    number: g + 1,
                    at_least: input(&format!("{p}.atLeast"), &group.at_least),
                    error: found.take(&format!("{p}.anyOf")),
                    rows: group
                        .components
                        .iter()
                        .enumerate()
                        .map(|(i, c)| row(Slot { group: Some(g), row: i }, c))
                        .collect(),
                    add: format!("add-in-{g}"),
                    remove: format!("remove-group-{g}"),
                }
            })
            .collect();
        let summary = found
            .found
            .iter()
            .map(|e| ErrorLine {
                href: format!("#{}", dom_id(&anchor(&e.field))),
                label: e.field.clone(),
                reason: found.lang.reason(&e.reason),
            })
            .collect();
        let mut lenient = Vec::new();
        let preview = describe_rule(&draft.rule(w, &mut lenient).0, wording(&staff.page));
        // The artwork and the alignments have their own sections; result descriptions
        // given through the API are kept as they are, and listed.
        let kept: Vec<String> = self.kept.result_descriptions.iter().map(|r| r.name.clone()).collect();
        let current = self.current.map(|a| Current {
            id: a.id.clone(),
            version: a.version,
            issued: a.issued_count > 0,
            retired: a.retired_at.is_some(),
            url: format!("{}/achievements/{}", self.public_url, a.id),
        });
        let editable = staff.can(Can::Manage) && !current.as_ref().is_some_and(|c| c.retired);
        let template = EditorPage {
            page: &staff.page,
            chrome: staff.chrome(Section::Achievements),
            w,
            heading: self.current.map_or_else(|| w.new_title.to_string(), |a| a.definition.name.clone()),
            action: self
                .current
                .map_or_else(|| "/console/achievements/new".to_string(), |a| format!("/console/achievements/{}", a.id)),
            creating: self.current.is_none(),
            editable,
            current,
            errors: summary,
            slug: input("slug", &draft.slug),
            name: input("name", &draft.name),
            description: input("description", &draft.description),
            narrative: input("criteria.narrative", &draft.narrative),
            criteria_url: input("criteria.url", &draft.criteria_url),
            achievement_type: input("achievementType", &draft.achievement_type),
            types: ACHIEVEMENT_TYPES,
            tiers: choices(&TIERS, &w.tiers, &draft.tier),
            tier_error: found.take("tier"),
            hours: input("hours", &draft.hours),
            duration: input("duration", &draft.duration),
            delivery_modes: std::iter::once(Choice {
                value: "",
                label: w.not_said,
                selected: draft.delivery_mode.is_empty(),
            })
            .chain(choices(&DELIVERY_MODES, &w.delivery_modes, &draft.delivery_mode))
            .collect(),
            delivery_mode_error: found.take("deliveryMode"),
            delivery: input("delivery", &draft.delivery),
            languages: choices(&LANGUAGES, &LANGUAGES, &draft.language),
            language_error: found.take("language"),
            human_code: input("humanCode", &draft.human_code),
            tags: input("tags", &draft.tags),
            validity_period: input("validityPeriod", &draft.validity_period),
            edition_language: if other_language(&draft.language) == "fr" { w.in_french } else { w.in_english },
            edition_name: input("edition.name", &draft.edition.name),
            edition_description: input("edition.description", &draft.edition.description),
            edition_narrative: input("edition.criteria.narrative", &draft.edition.narrative),
            edition_duration: input("edition.duration", &draft.edition.duration),
            edition_delivery: input("edition.delivery", &draft.edition.delivery),
            rule_error: found.take("rule.allOf").or_else(|| found.take("rule")).or_else(|| found.take("rule.groups")),
            can_add: draft.component_count() < MAX_COMPONENTS,
            can_add_group: draft.groups.len() < MAX_GROUPS && draft.component_count() < MAX_COMPONENTS,
            rows,
            groups,
            preview,
            has_kept: !kept.is_empty(),
            kept,
            artwork: self.current.and_then(|a| super::artwork::preview(staff, a)),
            supplied_image: self.kept.image.is_some(),
            image_error: found.take("image").or_else(|| found.take("image.url")),
        };
        private(render(&staff.page, status, &template))
    }
}

/// The form field an error path is shown beside (the summary links to it).
fn anchor(path: &str) -> String {
    if path.starts_with("tags") {
        return "tags".into();
    }
    if path == "rule" || path == "rule.allOf" || path == "rule.groups" {
        return "rule".into();
    }
    // A reason about a group's components is shown on the group.
    path.strip_suffix(".anyOf").unwrap_or(path).to_string()
}

// ---------------------------------------------------------------- the handlers

/// What the editor's buttons ask for: a row added to `allOf` (`None`) or to a group,
/// a row removed, a group added or removed, or a save.
enum Step {
    Save,
    Add(Option<usize>),
    Remove(Option<usize>, usize),
    AddGroup,
    RemoveGroup(usize),
    /// A button this form does not have: the form is shown again as it is.
    Unknown,
}

fn step(fields: &[(String, String)]) -> Step {
    let action = field(fields, "action");
    let number = |s: &str| s.parse::<usize>().ok();
    let pair = |s: &str| s.split_once('-').and_then(|(a, b)| Some((number(a)?, number(b)?)));
    let parsed = match action {
        "" | "save" => Some(Step::Save),
        "add" => Some(Step::Add(None)),
        "add-group" => Some(Step::AddGroup),
        _ => None,
    };
    parsed
        .or_else(|| action.strip_prefix("add-in-").and_then(number).map(|g| Step::Add(Some(g))))
        .or_else(|| action.strip_prefix("remove-group-").and_then(number).map(Step::RemoveGroup))
        .or_else(|| action.strip_prefix("remove-in-").and_then(pair).map(|(g, i)| Step::Remove(Some(g), i)))
        .or_else(|| action.strip_prefix("remove-").and_then(number).map(|i| Step::Remove(None, i)))
        .unwrap_or(Step::Unknown)
}

impl Draft {
    /// Rows in `allOf` and every group.
    fn component_count(&self) -> usize {
        self.components.len() + self.groups.iter().map(|g| g.components.len()).sum::<usize>()
    }

    /// The rows of `allOf` (`None`) or of group `g`, if it exists.
    fn rows_mut(&mut self, group: Option<usize>) -> Option<&mut Vec<ComponentDraft>> {
        match group {
            None => Some(&mut self.components),
            Some(g) => self.groups.get_mut(g).map(|g| &mut g.components),
        }
    }

    /// Applies an "add" or "remove" step; false for "save". Adding stops at the
    /// rule's bounds; removing what is not there changes nothing.
    fn rearrange(&mut self, step: &Step) -> bool {
        let room = self.component_count() < MAX_COMPONENTS;
        match *step {
            Step::Save => return false,
            Step::Add(group) => {
                if let Some(rows) = self.rows_mut(group).filter(|_| room) {
                    rows.push(ComponentDraft::empty());
                }
            }
            Step::Remove(group, i) => {
                if let Some(rows) = self.rows_mut(group).filter(|rows| i < rows.len()) {
                    rows.remove(i);
                }
            }
            Step::AddGroup if room && self.groups.len() < MAX_GROUPS => self.groups.push(GroupDraft::empty()),
            Step::RemoveGroup(g) if g < self.groups.len() => {
                self.groups.remove(g);
            }
            Step::AddGroup | Step::RemoveGroup(_) | Step::Unknown => {}
        }
        true
    }
}

/// The staff member's organization's achievement `id`, or the 404 page.
pub(super) async fn own_achievement(state: &AppState, staff: &Staff, id: &str) -> Result<Achievement, Box<Response>> {
    match state.store.organization_achievement(&staff.organization.id, id).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(Box::new(private(not_found(&staff.page)))),
        Err(e) => Err(Box::new(e.into_response())),
    }
}

/// The organization's achievement `id` for an edit: 404 when it is not theirs, 409
/// when it is retired.
pub(super) async fn editable_achievement(
    state: &AppState,
    staff: &Staff,
    id: &str,
) -> Result<Achievement, Box<Response>> {
    let current = own_achievement(state, staff, id).await?;
    if current.retired_at.is_some() {
        let refusal = AppError::conflict("achievement", "it is retired; a retired micro-credential is not edited");
        return Err(Box::new(refusal.into_response()));
    }
    Ok(current)
}

/// The field errors of a refused input; any other error as its answer.
pub(super) fn field_errors(e: AppError) -> Result<Vec<FieldError>, Box<Response>> {
    match e {
        AppError::Validation(errors) => Ok(errors),
        AppError::Conflict { field, reason } => Ok(vec![FieldError::new(field, reason)]),
        other => Err(Box::new(other.into_response())),
    }
}

/// What a post of the editor comes to: the form shown again (after an "add" or
/// "remove", or with its errors: 422), or the definition to store.
async fn posted_definition(
    state: &AppState,
    editor: &Editor<'_>,
    fields: &[(String, String)],
    slug: Option<&str>,
) -> Result<AchievementDefinition, Box<Response>> {
    let mut draft = Draft::from_fields(fields);
    if let Some(slug) = slug {
        // The identifier cannot change: the stored one counts.
        draft.slug = slug.to_string();
    }
    if draft.rearrange(&step(fields)) {
        return Err(Box::new(editor.page(StatusCode::OK, &draft, Vec::new())));
    }
    let (input, rows, mut errors) = draft.input(editor.kept, editor.staff.page.pick(&EN, &FR));
    match state.store.resolve_achievement(input).await {
        Ok(def) if errors.is_empty() => return Ok(def),
        Ok(_) => {}
        Err(e) => errors.extend(field_errors(e)?),
    }
    let errors = errors.into_iter().map(|e| FieldError::new(rows.form_path(&e.field), e.reason)).collect();
    Err(Box::new(editor.page(StatusCode::UNPROCESSABLE_ENTITY, &draft, errors)))
}

/// The editor of `current` as stored, with `errors` (422): how an action on its
/// artwork or alignments that was refused is answered.
pub(super) fn editor_page(state: &AppState, staff: &Staff, current: &Achievement, errors: Vec<FieldError>) -> Response {
    let kept = Kept::of(current);
    Editor { staff, public_url: &state.store.public_url, current: Some(current), kept: &kept }.page(
        StatusCode::UNPROCESSABLE_ENTITY,
        &Draft::of(current),
        errors,
    )
}

/// `GET /console/achievements/new`: issuer-admins.
async fn new_form(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(Can::Manage) {
        return *r;
    }
    let kept = Kept::default();
    Editor { staff: &staff, public_url: &state.store.public_url, current: None, kept: &kept }.page(
        StatusCode::OK,
        &Draft::new(),
        Vec::new(),
    )
}

/// `POST /console/achievements/new`: issuer-admins. Saves (then on to the new
/// micro-credential's page), or shows the form again.
async fn create(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match staff.form_for(Can::Manage, &state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let kept = Kept::default();
    let editor = Editor { staff: &staff, public_url: &state.store.public_url, current: None, kept: &kept };
    let def = match posted_definition(&state, &editor, &fields, None).await {
        Ok(def) => def,
        Err(r) => return *r,
    };
    let created = match state.store.create_achievement(&staff.organization.id, &def).await {
        Ok(a) => a,
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let draft = Draft::from_fields(&fields);
                return editor.page(StatusCode::UNPROCESSABLE_ENTITY, &draft, errors);
            }
            Err(r) => return *r,
        },
    };
    see_other(&format!("/console/achievements/{}", created.id))
}

/// `GET /console/achievements/{id}`: every role reads; issuer-admins may edit.
async fn edit_form(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let current = match own_achievement(&state, &staff, &id).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let kept = Kept::of(&current);
    Editor { staff: &staff, public_url: &state.store.public_url, current: Some(&current), kept: &kept }.page(
        StatusCode::OK,
        &Draft::of(&current),
        Vec::new(),
    )
}

/// `POST /console/achievements/{id}`: issuer-admins. Saves as the API's edit does (in
/// place while nothing was issued against the version, otherwise a new version).
async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match staff.form_for(Can::Manage, &state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let current = match editable_achievement(&state, &staff, &id).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let kept = Kept::of(&current);
    let editor = Editor { staff: &staff, public_url: &state.store.public_url, current: Some(&current), kept: &kept };
    let def = match posted_definition(&state, &editor, &fields, Some(&current.definition.slug)).await {
        Ok(def) => def,
        Err(r) => return *r,
    };
    match save_edit(&state, &current, &def).await {
        Ok(updated) => see_other(&format!("/console/achievements/{}", updated.id)),
        Err(r) => *r,
    }
}

/// Stores an edit of `current` as the API's edit does (in place while nothing was
/// issued against the version, otherwise a new version); the store records it.
pub(super) async fn save_edit(
    state: &AppState,
    current: &Achievement,
    def: &AchievementDefinition,
) -> Result<Achievement, Box<Response>> {
    let (updated, _) = state.store.update_achievement(current, def).await.map_err(|e| Box::new(e.into_response()))?;
    Ok(updated)
}

/// `POST /console/achievements/{id}/retire`: issuer-admins.
async fn retire(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = staff.require(Can::Manage) {
        return *r;
    }
    if let Err(r) = staff.form(&state, &headers, &body) {
        return *r;
    }
    let current = match own_achievement(&state, &staff, &id).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match state.store.retire_achievement(&staff.organization.id, &current.id).await {
        // Recorded in the audit log by the store; already retired: nothing changes.
        Ok(_) => {}
        Err(e) => return e.into_response(),
    }
    see_other("/console/achievements")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_component_rows_up_to_the_limit_only() {
        let draft = Draft::from_fields(&fields(&[
            ("rule.allOf[1].component", "exam"),
            ("rule.allOf[1].minScore", "70,5"),
            ("rule.allOf[1].signoffBlocking", "on"),
            ("rule.allOf[99999999999].component", "huge"),
            ("rule.allOf[50].component", "beyond"),
        ]));
        assert_eq!(draft.components.len(), 2);
        assert!(draft.components[0].is_blank());
        let mut errors = Vec::new();
        let (rule, rows) = draft.rule(&EN, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows.all_of, vec![1]);
        assert_eq!(rule.all_of[0].component, "exam");
        assert_eq!(rule.all_of[0].min_score, Some(70.5));
        assert_eq!(rule.all_of[0].signoff_blocking, None, "no sign-off, nothing to wait for");
    }

    #[test]
    fn what_cannot_be_read_is_named_by_its_path() {
        let draft = Draft::from_fields(&fields(&[
            ("tier", "gold"),
            ("hours", "many"),
            ("rule.allOf[0].component", "exam"),
            ("rule.allOf[0].maxAttempts", "-1"),
            ("rule.allOf[0].requiresSignoff", "boss"),
        ]));
        let (_, _, errors) = draft.input(&Kept::default(), &EN);
        let paths: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(paths, ["rule.allOf[0].requiresSignoff", "rule.allOf[0].maxAttempts", "tier", "hours"]);
    }

    #[test]
    fn a_non_blocking_signoff_round_trips() {
        let c = ComponentRequirement {
            component: "work".into(),
            name: None,
            min_score: None,
            max_attempts: None,
            completed: None,
            passed: None,
            requires_signoff: Some(SignoffKind::Employer),
            signoff_blocking: Some(false),
        };
        let mut errors = Vec::new();
        assert_eq!(ComponentDraft::from_requirement(&c).requirement("p", &EN, &mut errors), c);
        assert!(errors.is_empty());
    }

    #[test]
    fn groups_are_read_and_their_errors_find_their_rows() {
        let draft = Draft::from_fields(&fields(&[
            ("rule.allOf[0].component", "orientation"),
            ("rule.allOf[0].completed", "true"),
            ("rule.groups[1].atLeast", "2"),
            ("rule.groups[1].anyOf[0].component", ""),
            ("rule.groups[1].anyOf[1].component", "a"),
            ("rule.groups[1].anyOf[2].component", "b"),
            ("rule.groups[0].atLeast", "1"),
            ("rule.groups[0].anyOf[0].component", "c"),
            ("rule.groups[10].atLeast", "1"),
            ("rule.groups[0].anyOf[50].component", "beyond"),
        ]));
        assert_eq!(draft.groups.len(), 2, "groups at or beyond the limit are not read");
        assert_eq!(draft.groups[0].components.len(), 1);
        let mut errors = Vec::new();
        let (rule, rows) = draft.rule(&EN, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rule.groups[0].at_least, None, "one is any of them");
        assert_eq!(rule.groups[1].at_least, Some(2));
        assert_eq!(rule.groups[1].any_of.iter().map(|c| c.component.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(rows.form_path("rule.groups[1].anyOf[0].component"), "rule.groups[1].anyOf[1].component");
        assert_eq!(rows.form_path("rule.groups[1].anyOf[1]"), "rule.groups[1].anyOf[2]");
        assert_eq!(rows.form_path("rule.groups[1].atLeast"), "rule.groups[1].atLeast");
        assert_eq!(rows.form_path("name"), "name");
    }

    #[test]
    fn the_buttons_add_and_remove_rows_and_groups_within_bounds() {
        let mut draft = Draft::new();
        let press = |draft: &mut Draft, action: &str| draft.rearrange(&step(&fields(&[("action", action)])));
        assert!(!press(&mut draft, "save"));
        assert!(press(&mut draft, "add-group") && draft.groups.len() == 1);
        assert!(press(&mut draft, "add-in-0") && draft.groups[0].components.len() == 2);
        assert!(press(&mut draft, "remove-in-0-1") && draft.groups[0].components.len() == 1);
        assert!(press(&mut draft, "add-in-7") && draft.component_count() == 2, "no group 7: nothing");
        assert!(press(&mut draft, "remove-in-0-9") && draft.component_count() == 2);
        assert!(press(&mut draft, "remove-group-0") && draft.groups.is_empty());
        assert!(press(&mut draft, "remove-0") && draft.components.is_empty());
        assert!(press(&mut draft, "remove-99999999999999999999999") && press(&mut draft, "launch"));
        for _ in 0..MAX_COMPONENTS + 5 {
            press(&mut draft, "add");
        }
        assert_eq!(draft.component_count(), MAX_COMPONENTS);
        press(&mut draft, "add-group");
        assert!(draft.groups.is_empty(), "no room for a group's first component");
    }

    #[test]
    fn field_paths_become_ids() {
        assert_eq!(dom_id("rule.allOf[0].minScore"), "f-rule-allOf-0-minScore");
        assert_eq!(dom_id("criteria.narrative"), "f-criteria-narrative");
    }
}
