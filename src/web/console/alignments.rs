//! A micro-credential's competency alignments in the console, without JavaScript:
//! the alignments it has, each with a "remove" button; a search box (a GET) over the
//! competencies of the frameworks registered here (the platform's and the organization's
//! own) and of those that ship with Credence (Skills for Success), registered when first
//! picked, each result with an "add" button; and forms for a NOC 2021 unit group or an ESCO concept by code and
//! title. Every change is validated as the API's edit is (codes, titles, frameworks)
//! and saved as an edit of the micro-credential.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::achievements::{Draft, Kept, editable_achievement, field_errors, own_achievement, save_edit};
use super::{Can, Chrome, Section, Staff, field, see_other};
use crate::app::AppState;
use crate::domain::achievement::{Achievement, AlignmentInput};
use crate::domain::framework::{self, MAX_SEARCH_CHARS};
use crate::domain::validation::FieldError;
use crate::error::AppError;
use crate::web::lang::query_param;
use crate::web::{PageContext, private, render};

/// Search results shown at most.
const MAX_HITS: usize = 25;

/// The words of the alignments page.
#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub back: &'static str,
    pub current: &'static str,
    pub none: &'static str,
    pub remove: &'static str,
    pub search: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search_button: &'static str,
    pub results: &'static str,
    pub no_results: &'static str,
    pub add: &'static str,
    pub noc: &'static str,
    pub noc_code: &'static str,
    pub noc_title: &'static str,
    pub esco: &'static str,
    pub esco_uri: &'static str,
    pub esco_title: &'static str,
    pub errors_title: &'static str,
}

pub const EN: Words = Words {
    title: "Competency alignments",
    lead: "What this micro-credential shows a learner can do, in the terms of a framework employers know.",
    back: "Back to the micro-credential",
    current: "Aligned to",
    none: "No alignment yet.",
    remove: "Remove",
    search: "Find a competency",
    search_label: "Code or name of a competency",
    search_hint: "Searches the frameworks registered on this service, such as Skills for Success. At least two characters.",
    search_button: "Search",
    results: "Competencies found",
    no_results: "No competency matches.",
    add: "Add",
    noc: "A NOC 2021 occupation",
    noc_code: "Unit group code (five digits)",
    noc_title: "Occupation title",
    esco: "An ESCO skill or occupation",
    esco_uri: "ESCO URI",
    esco_title: "Title",
    errors_title: "The alignment was not added",
};

pub const FR: Words = Words {
    title: "Arrimage aux compétences",
    lead: "Ce que cette microcertification montre qu’une personne sait faire, dans les termes d’un référentiel connu des employeurs.",
    back: "Retour à la microcertification",
    current: "Arrimée à",
    none: "Aucun arrimage pour l’instant.",
    remove: "Retirer",
    search: "Trouver une compétence",
    search_label: "Code ou nom d’une compétence",
    search_hint: "Cherche dans les référentiels enregistrés sur ce service, comme Compétences pour réussir. Au moins deux caractères.",
    search_button: "Chercher",
    results: "Compétences trouvées",
    no_results: "Aucune compétence ne correspond.",
    add: "Ajouter",
    noc: "Une profession de la CNP 2021",
    noc_code: "Code du groupe de base (cinq chiffres)",
    noc_title: "Titre de la profession",
    esco: "Une compétence ou profession ESCO",
    esco_uri: "URI ESCO",
    esco_title: "Titre",
    errors_title: "L’arrimage n’a pas été ajouté",
};

/// One alignment the micro-credential has.
struct Aligned {
    name: String,
    framework: String,
    code: String,
}

/// One competency found.
struct Hit {
    framework: String,
    framework_name: String,
    version: i64,
    code: String,
    name: String,
    domain: String,
}

#[derive(Template)]
#[template(path = "console_achievement_alignments.html", config = "src/web/askama.toml")]
struct AlignmentsPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    id: String,
    name: String,
    editable: bool,
    aligned: Vec<Aligned>,
    query: String,
    searched: bool,
    hits: Vec<Hit>,
    errors: Vec<String>,
    noc_code: String,
    noc_title: String,
    esco_uri: String,
    esco_title: String,
}

/// What was typed in the NOC and ESCO forms, shown again with the errors.
#[derive(Default)]
struct Typed {
    noc_code: String,
    noc_title: String,
    esco_uri: String,
    esco_title: String,
}

/// The competencies of the frameworks the organization may align to whose code or
/// name holds `query`: the platform's and its own, at most [`MAX_HITS`].
/// A reference framework that ships with Credence but is not registered yet is
/// searched too, as its version 1: picking one of its competencies registers it.
async fn search(state: &AppState, staff: &Staff, query: &str) -> Result<Vec<Hit>, AppError> {
    let registered = state.store.latest_frameworks().await?;
    let mut unregistered = framework::reference_framework_documents()?;
    unregistered.retain(|doc| !registered.iter().any(|fv| fv.slug == doc.slug));
    let frameworks = registered
        .into_iter()
        .filter(|fv| fv.owner.as_ref().is_none_or(|owner| *owner == staff.organization.slug))
        .map(|fv| (fv.version, fv.document))
        .chain(unregistered.into_iter().map(|doc| (1, doc)));
    let mut hits = Vec::new();
    for (version, document) in frameworks {
        for found in document.search(query, MAX_HITS - hits.len()) {
            hits.push(Hit {
                framework: document.slug.clone(),
                framework_name: document.name.clone(),
                version,
                code: found.competency.code.clone(),
                name: found.competency.name.clone(),
                domain: found.domain.map(|d| d.name.clone()).unwrap_or_default(),
            });
        }
        if hits.len() >= MAX_HITS {
            break;
        }
    }
    Ok(hits)
}

/// Registers the reference framework a competency was picked from, when it ships
/// with Credence and is not registered yet (as the platform's, as an import would).
async fn register_when_bundled(state: &AppState, fields: &[(String, String)]) -> Result<(), AppError> {
    if field(fields, "action") != "add-competency" {
        return Ok(());
    }
    let slug = field(fields, "framework").trim();
    if state.store.framework_version(slug, None).await?.is_some() {
        return Ok(());
    }
    let Some(doc) = framework::reference_framework(slug)? else { return Ok(()) };
    match state.store.create_framework(&doc, None).await {
        // Another request registered it first.
        Ok(_) | Err(AppError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    current: &Achievement,
    query: &str,
    status: StatusCode,
    errors: Vec<FieldError>,
    typed: Typed,
) -> Response {
    let query: String = query.trim().chars().take(MAX_SEARCH_CHARS).collect();
    let hits = match search(state, staff, &query).await {
        Ok(hits) => hits,
        Err(e) => return e.into_response(),
    };
    let w = staff.page.pick(&EN, &FR);
    let template = AlignmentsPage {
        page: &staff.page,
        chrome: staff.chrome(Section::Achievements),
        w,
        id: current.id.clone(),
        name: current.definition.name.clone(),
        editable: staff.can(Can::Manage) && current.retired_at.is_none(),
        aligned: current
            .definition
            .alignments
            .iter()
            .map(|a| Aligned {
                name: a.target_name.clone(),
                framework: a.target_framework.clone().unwrap_or_default(),
                code: a.target_code.clone().unwrap_or_default(),
            })
            .collect(),
        searched: !query.is_empty(),
        query,
        hits,
        errors: errors.iter().map(|e| format!("{}: {}", e.field, staff.page.lang.reason(&e.reason))).collect(),
        noc_code: typed.noc_code,
        noc_title: typed.noc_title,
        esco_uri: typed.esco_uri,
        esco_title: typed.esco_title,
    };
    private(render(&staff.page, status, &template))
}

/// `GET /console/achievements/{id}/alignments[?q=…]`: every role reads and searches.
pub async fn alignments(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let current = match own_achievement(&state, &staff, &id).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let q = query.as_deref().and_then(|q| query_param(q, "q")).unwrap_or_default();
    page(&state, &staff, &current, &q, StatusCode::OK, Vec::new(), Typed::default()).await
}

/// What an alignment form asks for.
fn change(fields: &[(String, String)], alignments: &mut Vec<AlignmentInput>) -> Option<Typed> {
    let text = |name: &str| Some(field(fields, name).trim().to_string()).filter(|v| !v.is_empty());
    match field(fields, "action") {
        "add-competency" => alignments.push(AlignmentInput {
            framework: text("framework"),
            competency: text("competency"),
            framework_version: field(fields, "version").parse().ok(),
            ..AlignmentInput::default()
        }),
        "add-noc" => alignments.push(AlignmentInput {
            noc2021: text("noc2021"),
            target_name: text("nocTitle"),
            ..AlignmentInput::default()
        }),
        "add-esco" => alignments.push(AlignmentInput {
            esco: text("esco"),
            target_name: text("escoTitle"),
            ..AlignmentInput::default()
        }),
        other => {
            let i: usize = other.strip_prefix("remove-")?.parse().ok()?;
            if i >= alignments.len() {
                return None;
            }
            alignments.remove(i);
        }
    }
    Some(Typed {
        noc_code: field(fields, "noc2021").to_string(),
        noc_title: field(fields, "nocTitle").to_string(),
        esco_uri: field(fields, "esco").to_string(),
        esco_title: field(fields, "escoTitle").to_string(),
    })
}

/// `POST /console/achievements/{id}/alignments`: issuer-admins add or remove an
/// alignment; saved as an edit (a new version once credentials were issued).
pub async fn change_alignments(
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
    let back = format!("/console/achievements/{}/alignments", current.id);
    if let Err(e) = register_when_bundled(&state, &fields).await {
        return e.into_response();
    }
    let mut kept = Kept::of(&current);
    let Some(typed) = change(&fields, &mut kept.alignments) else { return see_other(&back) };
    let query = field(&fields, "q").to_string();
    let (input, _, read) =
        Draft::of(&current).input(&kept, staff.page.pick(&super::achievements::EN, &super::achievements::FR));
    let refused = |errors| page(&state, &staff, &current, &query, StatusCode::UNPROCESSABLE_ENTITY, errors, typed);
    let def = match state.store.resolve_achievement(input).await {
        Ok(def) if read.is_empty() => def,
        Ok(_) => return refused(read).await,
        Err(e) => match field_errors(e) {
            Ok(errors) => return refused(errors).await,
            Err(r) => return *r,
        },
    };
    match save_edit(&state, &current, &def).await {
        Ok(_) => see_other(&back),
        Err(r) => *r,
    }
}
