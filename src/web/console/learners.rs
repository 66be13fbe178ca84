//! Learners in the console, `/console/learners`: a search by name, email (exactly,
//! normalized as the issuing path stores it) or external id; without a search, the
//! learners' states per micro-credential, most recently changed first, paged by
//! keyset as the API's learner listing; and a learner's page with, per
//! micro-credential, where they stand (the application's [`learner_status`]), the
//! evidence with its digests, the sign-offs and the credential, with a direct award
//! (recognition of prior learning) for issuer-admins.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::results::{self, Outcome, component_status};
use super::{Can, Chrome, Section, Staff, field};
use crate::app::AppState;
use crate::domain::achievement::Achievement;
use crate::domain::learner::{DirectAwardInput, EvidenceInput, LearnerInput};
use crate::error::AppError;
use crate::issuance::{self, IssuingCall};
use crate::store::{
    Cursor, Learner, ProgressFilter, learner_search_cursor, learner_search_row_cursor, progress_cursor,
    progress_row_cursor,
};
use crate::web::{PageContext, not_found, private, render};

/// Learners on one page of a search.
const SEARCH_PAGE: i64 = 25;
/// Rows on one page of the listing.
const LISTING_PAGE: i64 = 50;
/// Micro-credentials shown per learner (search results and the learner's page).
const PER_LEARNER: i64 = 100;
/// Longest narrative of a direct award, in characters (as the API).
const MAX_NARRATIVE_CHARS: usize = 8000;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/console/learners", get(list))
        .route("/console/learners/{id}", get(learner_page))
        .route("/console/learners/{id}/award", post(award))
        .route("/console/learners/{id}/merge", post(merge))
}

/// The words of the learner pages.
#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search: &'static str,
    pub found: &'static str,
    pub nothing_found: &'static str,
    pub recent: &'static str,
    pub nothing_yet: &'static str,
    pub learner: &'static str,
    pub achievement: &'static str,
    pub state: &'static str,
    pub updated: &'static str,
    pub next_page: &'static str,
    pub no_name: &'static str,
    pub email: &'static str,
    pub external_id: &'static str,
    pub did: &'static str,
    pub no_achievement_yet: &'static str,
    pub components: &'static str,
    pub best_score: &'static str,
    pub attempts: &'static str,
    pub evidence: &'static str,
    pub digest: &'static str,
    pub signoffs: &'static str,
    pub reviewer_employer: &'static str,
    pub reviewer_expert: &'static str,
    pub decided_by: &'static str,
    pub credential: &'static str,
    pub open_credential: &'static str,
    pub issued_on: &'static str,
    pub award_title: &'static str,
    pub award_lead: &'static str,
    pub award_achievement: &'static str,
    pub narrative_label: &'static str,
    pub narrative_hint: &'static str,
    pub narrative_invalid: &'static str,
    pub award_email_needed: &'static str,
    pub award_submit: &'static str,
    pub awarded_title: &'static str,
    pub back_to_learner: &'static str,
    pub in_progress: &'static str,
    pub awaiting_signoff: &'static str,
    pub locked_out: &'static str,
    pub issued: &'static str,
    pub revoked: &'static str,
    pub suspended: &'static str,
    pub pending: &'static str,
    pub approved: &'static str,
    pub declined: &'static str,
    pub expired: &'static str,
    pub merge_title: &'static str,
    pub merge_lead: &'static str,
    pub merge_other_label: &'static str,
    pub merge_other_hint: &'static str,
    pub merge_submit: &'static str,
    pub merge_not_found: &'static str,
    pub merge_self: &'static str,
    pub merge_both_hold: &'static str,
    pub merged: &'static str,
}

pub const EN: Words = Words {
    title: "Learners",
    search_label: "Find a learner by name, email address or external id",
    search_hint: "An email address or an external id must be whole; a name may be part of it.",
    search: "Search",
    found: "Learners found",
    nothing_found: "No learner matches that search.",
    recent: "Latest changes",
    nothing_yet: "No learner has a result yet.",
    learner: "Learner",
    achievement: "Micro-credential",
    state: "State",
    updated: "Last change",
    next_page: "Next page",
    no_name: "(no name)",
    email: "Email address",
    external_id: "External id",
    did: "DID",
    no_achievement_yet: "Nothing recorded for this learner yet.",
    components: "Components",
    best_score: "best score",
    attempts: "attempts",
    evidence: "Evidence",
    digest: "SHA-256",
    signoffs: "Sign-offs",
    reviewer_employer: "employer",
    reviewer_expert: "expert",
    decided_by: "decided by",
    credential: "Credential",
    open_credential: "Open the credential",
    issued_on: "issued",
    award_title: "Award directly",
    award_lead: "Recognition of prior learning: the credential is issued without results, with your narrative saying why. It is shown on the credential.",
    award_achievement: "Micro-credential",
    narrative_label: "Why it is awarded",
    narrative_hint: "Shown on the credential. At most 8000 characters.",
    narrative_invalid: "Say why, in at most 8000 characters.",
    award_email_needed: "A credential needs the learner’s email address, and this learner has none: record a result with it first.",
    award_submit: "Award the credential",
    awarded_title: "Credential awarded",
    back_to_learner: "Back to the learner",
    in_progress: "in progress",
    awaiting_signoff: "awaiting sign-off",
    locked_out: "locked out",
    issued: "issued",
    revoked: "revoked",
    suspended: "suspended",
    pending: "pending",
    approved: "approved",
    declined: "declined",
    expired: "expired",
    merge_title: "Merge another record into this learner",
    merge_lead: "When two records are the same person (matched wrongly, for instance by an old email address), the other record’s results, sign-offs, progress and credentials move to this learner, who takes the identifiers it lacks from it; the other record is deleted. It cannot be undone.",
    merge_other_label: "The other record: its email address, external id or learner id",
    merge_other_hint: "Refused when both records hold a credential for the same micro-credential.",
    merge_submit: "Merge into this learner",
    merge_not_found: "No other learner of your organization has that email address, external id or learner id.",
    merge_self: "That is this learner: name the other record.",
    merge_both_hold: "Not merged: both records hold a credential for the same micro-credential. Revoke one of the two credentials first if they are the same person.",
    merged: "The records are merged: everything the other record held is now this learner’s.",
};

pub const FR: Words = Words {
    title: "Apprenant·es",
    search_label: "Trouver un·e apprenant·e par nom, adresse courriel ou identifiant externe",
    search_hint: "Une adresse courriel ou un identifiant externe doit être complet; un nom peut être partiel.",
    search: "Chercher",
    found: "Apprenant·es trouvé·es",
    nothing_found: "Aucun·e apprenant·e ne correspond à cette recherche.",
    recent: "Derniers changements",
    nothing_yet: "Aucun·e apprenant·e n’a encore de résultat.",
    learner: "Apprenant·e",
    achievement: "Microcertification",
    state: "État",
    updated: "Dernier changement",
    next_page: "Page suivante",
    no_name: "(sans nom)",
    email: "Adresse courriel",
    external_id: "Identifiant externe",
    did: "DID",
    no_achievement_yet: "Rien n’est encore inscrit pour cet·te apprenant·e.",
    components: "Composantes",
    best_score: "meilleure note",
    attempts: "tentatives",
    evidence: "Preuves",
    digest: "SHA-256",
    signoffs: "Approbations",
    reviewer_employer: "employeur",
    reviewer_expert: "expert",
    decided_by: "décidé par",
    credential: "Titre",
    open_credential: "Ouvrir le titre",
    issued_on: "délivré",
    award_title: "Attribuer directement",
    award_lead: "Reconnaissance des acquis : le titre est délivré sans résultats, avec votre justification. Elle figure sur le titre.",
    award_achievement: "Microcertification",
    narrative_label: "Pourquoi il est attribué",
    narrative_hint: "Figure sur le titre. Au plus 8000 caractères.",
    narrative_invalid: "Dites pourquoi, en au plus 8000 caractères.",
    award_email_needed: "Un titre exige l’adresse courriel de l’apprenant·e, et ce dossier n’en a pas : inscrivez d’abord un résultat avec elle.",
    award_submit: "Attribuer le titre",
    awarded_title: "Titre attribué",
    back_to_learner: "Retour à l’apprenant·e",
    in_progress: "en cours",
    awaiting_signoff: "en attente d’approbation",
    locked_out: "bloqué",
    issued: "délivré",
    revoked: "révoqué",
    suspended: "suspendu",
    pending: "en attente",
    approved: "approuvée",
    declined: "refusée",
    expired: "expirée",
    merge_title: "Fusionner un autre dossier avec cet·te apprenant·e",
    merge_lead: "Quand deux dossiers sont la même personne (associés à tort, par exemple par une ancienne adresse courriel), les résultats, approbations, progrès et titres de l’autre dossier passent à cet·te apprenant·e, qui en reprend les identifiants qui lui manquent; l’autre dossier est supprimé. C’est irréversible.",
    merge_other_label: "L’autre dossier : son adresse courriel, son identifiant externe ou son identifiant d’apprenant·e",
    merge_other_hint: "Refusé quand les deux dossiers détiennent un titre pour la même microcertification.",
    merge_submit: "Fusionner avec cet·te apprenant·e",
    merge_not_found: "Aucun·e autre apprenant·e de votre organisation n’a cette adresse courriel, cet identifiant externe ou cet identifiant.",
    merge_self: "C’est cet·te apprenant·e : nommez l’autre dossier.",
    merge_both_hold: "Pas de fusion : les deux dossiers détiennent un titre pour la même microcertification. Révoquez d’abord l’un des deux titres s’il s’agit de la même personne.",
    merged: "Les dossiers sont fusionnés : tout ce que détenait l’autre dossier appartient maintenant à cet·te apprenant·e.",
};

fn state_name(w: &'static Words, state: &str) -> &'static str {
    match state {
        "awaiting_signoff" => w.awaiting_signoff,
        "locked_out" => w.locked_out,
        "issued" => w.issued,
        "revoked" => w.revoked,
        "suspended" => w.suspended,
        _ => w.in_progress,
    }
}

fn signoff_status(w: &'static Words, status: &str) -> &'static str {
    match status {
        "approved" => w.approved,
        "declined" => w.declined,
        "expired" => w.expired,
        _ => w.pending,
    }
}

/// How a learner is named in lists: their name, or their external id or email.
fn label(w: &'static Words, l: &Learner) -> String {
    l.display_name.clone().or_else(|| l.external_id.clone()).or_else(|| l.email.clone()).unwrap_or(w.no_name.into())
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
}

/// One line of the listing or of a learner's states.
struct StateLine {
    learner_href: String,
    learner: String,
    achievement: String,
    state: &'static str,
    updated: String,
}

/// A learner found by a search, with their states per micro-credential.
struct Found {
    href: String,
    label: String,
    email: Option<String>,
    external_id: Option<String>,
    states: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "console_learners.html", config = "src/web/askama.toml")]
struct ListPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    q: String,
    found: Option<Vec<Found>>,
    lines: Vec<StateLine>,
    next: Option<String>,
}

fn names(achievements: &[Achievement]) -> HashMap<String, String> {
    achievements.iter().map(|a| (a.id.clone(), a.definition.name.clone())).collect()
}

fn next_href(q: Option<&str>, cursor: Option<Cursor>) -> Option<String> {
    let cursor = cursor?.encode();
    Some(match q {
        Some(q) => format!("/console/learners?q={}&cursor={cursor}", urlencoding(q)),
        None => format!("/console/learners?cursor={cursor}"),
    })
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `GET /console/learners`: the search, or the latest changes.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return AppError::bad_request(Some("query"), "unknown parameters").into_response();
    };
    match list_page(&state, &staff, query).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn list_page(state: &AppState, staff: &Staff, query: ListQuery) -> Result<Response, AppError> {
    let w = staff.page.pick(&EN, &FR);
    let org = &staff.organization.id;
    let achievements = names(&state.store.list_achievements(org).await?);
    let name_of = |id: &str| achievements.get(id).cloned().unwrap_or_else(|| id.to_string());
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let (mut found, mut lines, mut next) = (None, Vec::new(), None);
    if let Some(q) = q {
        let after = query.cursor.as_deref().map(learner_search_cursor).transpose()?;
        let learners = state.store.search_learners(org, q, after.as_ref(), SEARCH_PAGE).await?;
        let mut out = Vec::with_capacity(learners.len());
        for l in &learners {
            let states = state.store.progress_of_learner(org, &l.id, PER_LEARNER).await?;
            out.push(Found {
                href: format!("/console/learners/{}", l.id),
                label: label(w, l),
                email: l.email.clone(),
                external_id: l.external_id.clone(),
                states: states.iter().map(|p| (name_of(&p.achievement_id), state_name(w, &p.state))).collect(),
            });
        }
        if learners.len() as i64 == SEARCH_PAGE {
            next = next_href(Some(q), learners.last().map(learner_search_row_cursor));
        }
        found = Some(out);
    } else {
        let after = query.cursor.as_deref().map(progress_cursor).transpose()?;
        let filter = ProgressFilter { limit: LISTING_PAGE, after, ..ProgressFilter::default() };
        let rows = state.store.list_progress(org, &filter).await?;
        if rows.len() as i64 == LISTING_PAGE {
            next = next_href(None, rows.last().map(progress_row_cursor));
        }
        lines = rows
            .iter()
            .map(|p| StateLine {
                learner_href: format!("/console/learners/{}", p.learner_id),
                learner: p.display_name.clone().or_else(|| p.external_id.clone()).unwrap_or(w.no_name.into()),
                achievement: name_of(&p.achievement_id),
                state: state_name(w, &p.state),
                updated: staff.page.date(&p.updated_at),
            })
            .collect();
    }
    let chrome = staff.chrome(Section::Learners);
    let template = ListPage { page: &staff.page, chrome, w, q: q.unwrap_or_default().to_string(), found, lines, next };
    Ok(private(render(&staff.page, StatusCode::OK, &template)))
}

/// Where the learner stands on one micro-credential, for their page.
struct Standing {
    achievement: String,
    state: &'static str,
    components: Vec<ComponentLine>,
    evidence: Vec<EvidenceInput>,
    signoffs: Vec<SignoffLine>,
    credential: Option<(String, String)>,
}

struct ComponentLine {
    component: String,
    status: &'static str,
    best_score: Option<String>,
    attempts: u32,
}

struct SignoffLine {
    component: String,
    kind: &'static str,
    status: &'static str,
    decided_by: Option<String>,
    comment: Option<String>,
}

/// The direct award form, as typed, and what is wrong with it.
#[derive(Default)]
struct AwardForm {
    achievement: String,
    narrative: String,
    achievement_error: Option<&'static str>,
    narrative_error: Option<&'static str>,
    email_error: Option<&'static str>,
    merge_other: String,
    merge_error: Option<&'static str>,
    /// The page follows a merge.
    merged: bool,
}

#[derive(Template)]
#[template(path = "console_learner.html", config = "src/web/askama.toml")]
struct LearnerPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    rw: &'static results::Words,
    id: String,
    name: String,
    learner: Learner,
    standings: Vec<Standing>,
    can_manage: bool,
    achievements: Vec<(String, String)>,
    award: AwardForm,
    merged: bool,
}

/// The organization's learner `id`, or `None` (an id that cannot be one finds nothing).
async fn find_learner(state: &AppState, staff: &Staff, id: &str) -> Result<Option<Learner>, AppError> {
    if id.is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
        return Ok(None);
    }
    state.store.learner(&staff.organization.id, id).await
}

async fn standings(state: &AppState, staff: &Staff, learner: &Learner) -> Result<Vec<Standing>, AppError> {
    let w = staff.page.pick(&EN, &FR);
    let rw = staff.page.pick(&results::EN, &results::FR);
    let org = &staff.organization;
    let mut out = Vec::new();
    for p in state.store.progress_of_learner(&org.id, &learner.id, PER_LEARNER).await? {
        let Ok(achievement) = issuance::find_achievement(&state.store, org, &p.achievement_id).await else { continue };
        let status = issuance::learner_status(&state.store, org, &achievement, learner).await?;
        let evidence = state.store.result_evidence(&learner.id, &achievement.id).await?;
        out.push(Standing {
            achievement: achievement.definition.name.clone(),
            state: state_name(w, &status.state),
            components: status
                .components
                .iter()
                .map(|c| ComponentLine {
                    component: c.component.clone(),
                    status: component_status(rw, &c.status),
                    best_score: c.best_score.map(crate::domain::achievement::format_number),
                    attempts: c.attempts_used,
                })
                .collect(),
            evidence,
            signoffs: status
                .signoffs
                .iter()
                .map(|s| SignoffLine {
                    component: s.component.clone(),
                    kind: if s.reviewer_kind == "employer" { w.reviewer_employer } else { w.reviewer_expert },
                    status: signoff_status(w, &s.status),
                    decided_by: s.decided_by_name.clone().map(|n| match &s.decided_by_role {
                        Some(role) => format!("{n}, {role}"),
                        None => n,
                    }),
                    comment: s.comment.clone(),
                })
                .collect(),
            credential: status.credential.as_ref().map(|c| (c.url.clone(), staff.page.date(&c.issued_at))),
        });
    }
    Ok(out)
}

async fn render_learner(
    state: &AppState,
    staff: &Staff,
    learner: Learner,
    status: StatusCode,
    award: AwardForm,
) -> Result<Response, AppError> {
    let w = staff.page.pick(&EN, &FR);
    let standings = standings(state, staff, &learner).await?;
    let achievements = state
        .store
        .list_achievements(&staff.organization.id)
        .await?
        .into_iter()
        .map(|a| (a.id, a.definition.name))
        .collect();
    let template = LearnerPage {
        page: &staff.page,
        chrome: staff.chrome(Section::Learners),
        w,
        rw: staff.page.pick(&results::EN, &results::FR),
        id: learner.id.clone(),
        name: label(w, &learner),
        learner,
        standings,
        can_manage: staff.can(Can::Manage),
        achievements,
        merged: award.merged,
        award,
    };
    Ok(private(render(&staff.page, status, &template)))
}

#[derive(Debug, Deserialize)]
pub struct LearnerQuery {
    merged: Option<String>,
}

/// `GET /console/learners/{id}`: the learner's page (404 for another organization's).
pub async fn learner_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    query: Result<Query<LearnerQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let merged = query.is_ok_and(|Query(q)| q.merged.is_some());
    let run = async {
        match find_learner(&state, &staff, &id).await? {
            Some(learner) => {
                let form = AwardForm { merged, ..AwardForm::default() };
                render_learner(&state, &staff, learner, StatusCode::OK, form).await
            }
            None => Ok(private(not_found(&staff.page))),
        }
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "console_awarded.html", config = "src/web/askama.toml")]
struct AwardedPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static results::Words,
    lw: &'static Words,
    outcome: Outcome,
}

/// `POST /console/learners/{id}/award`: a direct award with its narrative
/// (issuer-admins, as the API's `POST …/awards`).
pub async fn award(
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
    let run = async {
        let Some(learner) = find_learner(&state, &staff, &id).await? else {
            return Ok(private(not_found(&staff.page)));
        };
        let (w, rw) = (staff.page.pick(&EN, &FR), staff.page.pick(&results::EN, &results::FR));
        let mut form = AwardForm {
            achievement: field(&fields, "achievement").to_string(),
            narrative: field(&fields, "narrative").to_string(),
            ..AwardForm::default()
        };
        let narrative = form.narrative.trim();
        if narrative.is_empty() || narrative.chars().count() > MAX_NARRATIVE_CHARS {
            form.narrative_error = Some(w.narrative_invalid);
        }
        if form.achievement.is_empty() {
            form.achievement_error = Some(rw.target_invalid);
        }
        if learner.email.is_none() {
            form.email_error = Some(w.award_email_needed);
        }
        if form.narrative_error.is_some() || form.achievement_error.is_some() || form.email_error.is_some() {
            return render_learner(&state, &staff, learner, StatusCode::UNPROCESSABLE_ENTITY, form).await;
        }
        let input = DirectAwardInput {
            achievement: form.achievement.clone(),
            learner: LearnerInput {
                email: learner.email.clone(),
                external_id: learner.external_id.clone(),
                did: None,
                name: None,
            },
            narrative: narrative.to_string(),
            evidence: Vec::new(),
        };
        let org = &staff.organization;
        let called = async {
            let call = IssuingCall::award(&state.store, org, input).await?;
            let name = match &call {
                IssuingCall::Award { achievement, .. } => achievement.definition.name.clone(),
                _ => String::new(),
            };
            Ok::<_, AppError>((name, call.run(&state.store, &state.master_key, org).await?.status()?))
        };
        match called.await {
            Ok((name, status)) => {
                let template = AwardedPage {
                    page: &staff.page,
                    chrome: staff.chrome(Section::Learners),
                    w: rw,
                    lw: w,
                    outcome: results::outcome(rw, &staff, &name, status),
                };
                Ok(private(render(&staff.page, StatusCode::OK, &template)))
            }
            Err(AppError::Validation(faults)) => {
                for f in faults {
                    match f.field.as_str() {
                        "narrative" => form.narrative_error = Some(w.narrative_invalid),
                        "learner.email" => form.email_error = Some(w.award_email_needed),
                        _ => form.achievement_error = Some(rw.target_invalid),
                    }
                }
                render_learner(&state, &staff, learner, StatusCode::UNPROCESSABLE_ENTITY, form).await
            }
            Err(e) => Err(e),
        }
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /console/learners/{id}/merge`: merges the record the form names (by email,
/// external id or learner id) into this learner (issuer-admins), then shows this
/// learner's page; or the page again saying why not.
pub async fn merge(
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
    let run = async {
        let Some(learner) = find_learner(&state, &staff, &id).await? else {
            return Ok(private(not_found(&staff.page)));
        };
        let w = staff.page.pick(&EN, &FR);
        let other = field(&fields, "other").trim().to_string();
        let mut form = AwardForm { merge_other: other.clone(), ..AwardForm::default() };
        let gone = other_learner(&state, &staff, &other).await?;
        let gone = match gone {
            Some(g) if g.id != learner.id => g,
            other => {
                form.merge_error = Some(if other.is_some() { w.merge_self } else { w.merge_not_found });
                return render_learner(&state, &staff, learner, StatusCode::UNPROCESSABLE_ENTITY, form).await;
            }
        };
        let org = &staff.organization;
        match issuance::merge_learners(&state.store, &state.master_key, org, &learner.id, &gone.id).await {
            Ok(_) => Ok(super::see_other(&format!("/console/learners/{}?merged=1", learner.id))),
            Err(AppError::Conflict { .. }) => {
                form.merge_error = Some(w.merge_both_hold);
                render_learner(&state, &staff, learner, StatusCode::CONFLICT, form).await
            }
            Err(e) => Err(e),
        }
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// The learner of the organization that `text` names: by email, external id or id.
async fn other_learner(state: &AppState, staff: &Staff, text: &str) -> Result<Option<Learner>, AppError> {
    if text.is_empty() || text.chars().count() > crate::store::MAX_SEARCH_CHARS || text.chars().any(char::is_control) {
        return Ok(None);
    }
    let email = crate::domain::organization::is_email(text).then_some(text);
    let (by_email, by_external) = state.store.learner_by_identifier(&staff.organization.id, email, Some(text)).await?;
    match by_email.or(by_external) {
        Some(l) => Ok(Some(l)),
        None => find_learner(state, staff, text).await,
    }
}
