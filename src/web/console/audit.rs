//! The console's audit log, for issuer-admins: every change to the organization's
//! records, newest first, with who made it and when.

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Can, Chrome, Section, Staff, field};
use crate::app::AppState;
use crate::domain::audit::{Action, Actor, RecordedChange};
use crate::store::audit_cursor;
use crate::web::lang::form_pairs;
use crate::web::{PageContext, not_found, private, render};

/// Changes on one page.
const PAGE_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/audit", get(log))
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub details: &'static str,
    pub none: &'static str,
    pub next: &'static str,
    pub api_key: &'static str,
    pub reviewer: &'static str,
    pub service: &'static str,
    pub actions: fn(Action) -> &'static str,
}

fn action_en(a: Action) -> &'static str {
    match a {
        Action::AchievementCreated => "Micro-credential created",
        Action::AchievementEdited => "Micro-credential edited",
        Action::AchievementRetired => "Micro-credential retired",
        Action::ResultRecorded => "Result recorded",
        Action::CredentialIssued => "Credential issued",
        Action::CredentialRevoked => "Credential revoked",
        Action::CredentialSuspended => "Credential suspended",
        Action::CredentialReinstated => "Suspension lifted",
        Action::ClaimLinkReplaced => "Claim link replaced",
        Action::SignoffDecided => "Sign-off decided",
        Action::SignoffLinkReplaced => "Sign-off link replaced",
        Action::LearnerMerged => "Learners merged",
        Action::BulkImportStarted => "CSV import started",
        Action::StaffInvited => "Staff member invited",
        Action::TwoFactorEnabled => "Two-factor sign-in turned on",
        Action::TwoFactorDisabled => "Two-factor sign-in turned off",
        Action::ApiKeyCreated => "API key created",
        Action::ApiKeyRevoked => "API key revoked",
        Action::OrganizationEdited => "Organization edited",
        Action::OrganizationCreated => "Organization created",
    }
}

fn action_fr(a: Action) -> &'static str {
    match a {
        Action::AchievementCreated => "Microcertification créée",
        Action::AchievementEdited => "Microcertification modifiée",
        Action::AchievementRetired => "Microcertification retirée",
        Action::ResultRecorded => "Résultat enregistré",
        Action::CredentialIssued => "Badge délivré",
        Action::CredentialRevoked => "Badge révoqué",
        Action::CredentialSuspended => "Badge suspendu",
        Action::CredentialReinstated => "Suspension levée",
        Action::ClaimLinkReplaced => "Lien de réclamation remplacé",
        Action::SignoffDecided => "Approbation décidée",
        Action::SignoffLinkReplaced => "Lien d’approbation remplacé",
        Action::LearnerMerged => "Apprenant·es fusionné·es",
        Action::BulkImportStarted => "Import CSV lancé",
        Action::StaffInvited => "Membre du personnel invité",
        Action::TwoFactorEnabled => "Connexion à deux facteurs activée",
        Action::TwoFactorDisabled => "Connexion à deux facteurs désactivée",
        Action::ApiKeyCreated => "Clé d’API créée",
        Action::ApiKeyRevoked => "Clé d’API révoquée",
        Action::OrganizationEdited => "Organisation modifiée",
        Action::OrganizationCreated => "Organisation créée",
    }
}

pub const EN: Words = Words {
    title: "Audit log",
    lead: "Every change to your organization's records: who made it and when. Details are written in English.",
    when: "When (UTC)",
    who: "Who",
    what: "What",
    details: "Details",
    none: "No changes recorded yet.",
    next: "Older changes",
    api_key: "API key",
    reviewer: "Reviewer",
    service: "Credence",
    actions: action_en,
};

pub const FR: Words = Words {
    title: "Journal d’audit",
    lead: "Chaque modification des dossiers de votre organisation : qui l’a faite et quand. Les détails sont rédigés en anglais.",
    when: "Quand (UTC)",
    who: "Qui",
    what: "Quoi",
    details: "Détails",
    none: "Aucune modification enregistrée pour l’instant.",
    next: "Modifications plus anciennes",
    api_key: "Clé d’API",
    reviewer: "Évaluateur·rice",
    service: "Credence",
    actions: action_fr,
};

/// One change as the page shows it.
struct Line {
    when: String,
    who: String,
    what: String,
    /// The console's page of the subject, when it has one.
    link: Option<String>,
    summary: String,
}

fn line(w: &'static Words, c: RecordedChange) -> Line {
    let who = match &c.actor {
        Actor::Staff { name, .. } => name.clone(),
        Actor::ApiKey { key_id } => format!("{} {key_id}", w.api_key),
        Actor::Reviewer { name } if name.is_empty() => w.reviewer.to_string(),
        Actor::Reviewer { name } => format!("{name} ({})", w.reviewer),
        Actor::Service => w.service.to_string(),
    };
    let what = Action::parse(&c.action).map_or_else(|| c.action.clone(), |a| (w.actions)(a).to_string());
    let link = (c.subject_kind == "credential").then(|| format!("/console/credentials/{}", c.subject_id));
    // `2026-12-03T16:39:33.123Z` as `2026-12-03 16:39:33`.
    let when = c.at.get(..19).map_or_else(|| c.at.clone(), |t| t.replacen('T', " ", 1));
    Line { when, who, what, link, summary: c.summary }
}

#[derive(Template)]
#[template(path = "console_audit.html", config = "src/web/askama.toml")]
struct LogPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    lines: Vec<Line>,
    next: Option<String>,
}

/// `GET /console/audit` (issuer-admins), a page at a time.
pub async fn log(State(state): State<AppState>, staff: Staff, RawQuery(query): RawQuery) -> Response {
    if let Err(r) = staff.require(Can::Manage) {
        return *r;
    }
    let query = form_pairs(query.as_deref().unwrap_or(""));
    let after = match Some(field(&query, "cursor")).filter(|c| !c.is_empty()).map(audit_cursor).transpose() {
        Ok(after) => after,
        Err(_) => return private(not_found(&staff.page)),
    };
    let (changes, next) = match state.store.changes(&staff.organization.id, after.as_ref(), PAGE_SIZE).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let w = staff.page.pick(&EN, &FR);
    let template = LogPage {
        page: &staff.page,
        chrome: staff.chrome(Section::Audit),
        w,
        lines: changes.into_iter().map(|c| line(w, c)).collect(),
        next: next.map(|c| format!("/console/audit?cursor={}", c.encode())),
    };
    private(render(&staff.page, StatusCode::OK, &template))
}
