//! The reviewer's page, `/signoff/{token}`: the employer or expert whose sign-off a
//! micro-credential needs opens the link they were sent (no account: the link is the
//! credential), sees who the learner is, the criteria and the evidence, and approves
//! or declines in the page, confirming their name and role. The decision is recorded
//! as `POST /signoff/{token}` of the API records it (`issuance::decide_signoff`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::lang::form_pairs;
use super::{FormRefusal, MessagePage, PageContext, not_found, private, render};
use crate::app::AppState;
use crate::domain::learner::SignoffDecisionInput;
use crate::error::AppError;
use crate::issuance::{self, SignoffView};

/// Largest decision form accepted, in bytes.
pub const MAX_FORM_BYTES: usize = 16 * 1024;
/// Longest comment, in characters (as the API).
const MAX_COMMENT_CHARS: usize = 4000;
/// Longest name or role, in characters (as the API).
const MAX_NAME_CHARS: usize = 100;

/// The words of the reviewer's page.
#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub asks: &'static str,
    pub to_confirm: &'static str,
    pub as_kind_employer: &'static str,
    pub as_kind_expert: &'static str,
    pub learner: &'static str,
    pub achievement: &'static str,
    pub part: &'static str,
    pub criteria: &'static str,
    pub evidence: &'static str,
    pub no_evidence: &'static str,
    pub digest: &'static str,
    pub open_until: &'static str,
    pub decision: &'static str,
    pub approve: &'static str,
    pub decline: &'static str,
    pub comment_label: &'static str,
    pub comment_hint: &'static str,
    pub name_label: &'static str,
    pub role_label: &'static str,
    pub role_hint: &'static str,
    pub submit: &'static str,
    pub errors_intro: &'static str,
    pub decision_missing: &'static str,
    pub comment_needed: &'static str,
    pub comment_too_long: &'static str,
    pub name_needed: &'static str,
    pub role_too_long: &'static str,
    pub approved_title: &'static str,
    pub approved_body: &'static str,
    pub declined_title: &'static str,
    pub declined_body: &'static str,
    pub used_title: &'static str,
    pub used_body: &'static str,
    pub expired_title: &'static str,
    pub expired_body: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
}

pub const EN: Words = Words {
    title: "Sign-off requested",
    asks: "asks you to confirm, as",
    to_confirm: "that this learner has met the part of the micro-credential below.",
    as_kind_employer: "employer",
    as_kind_expert: "expert",
    learner: "Learner",
    achievement: "Micro-credential",
    part: "Part to confirm",
    criteria: "What it takes",
    evidence: "Evidence submitted",
    no_evidence: "No evidence was submitted with this request.",
    digest: "SHA-256",
    open_until: "This link works once, until",
    decision: "Your decision",
    approve: "I confirm the learner has met it",
    decline: "I cannot confirm it",
    comment_label: "Comment",
    comment_hint: "Required when you cannot confirm: say why, so the learner can act on it; only the organization sees it. When you confirm, your name, role, the date and your comment are written into the learner's badge, which employers see.",
    name_label: "Your name",
    role_label: "Your role or title (optional)",
    role_hint: "For example: Site supervisor, Acme Manufacturing.",
    submit: "Record my decision",
    errors_intro: "Please correct the fields marked below.",
    decision_missing: "Choose whether you confirm it.",
    comment_needed: "Say why you cannot confirm it.",
    comment_too_long: "Use at most 4,000 characters.",
    name_needed: "Enter your name (1 to 100 characters).",
    role_too_long: "Use at most 100 characters.",
    approved_title: "Thank you: your confirmation is recorded",
    approved_body: "The organization has your confirmation, with your name and the time; it will show on the learner's badge. There is nothing more to do; this link no longer works.",
    declined_title: "Thank you: your decision is recorded",
    declined_body: "The organization has your decision and your comment. There is nothing more to do; this link no longer works.",
    used_title: "This request has been answered",
    used_body: "A decision was already recorded through this link, which works once. If this is a mistake, contact the organization that sent it.",
    expired_title: "This link has expired",
    expired_body: "The time to answer this request has passed. Ask the organization that sent it for a new link.",
    forbidden_title: "This form cannot be accepted",
    forbidden_body: "It was sent from another site. Open the link you received again and send the form from there.",
};

pub const FR: Words = Words {
    title: "Approbation demandée",
    asks: "vous demande de confirmer, à titre",
    to_confirm: "que cette personne a satisfait à la partie de la microcertification ci-dessous.",
    as_kind_employer: "d’employeur",
    as_kind_expert: "d’expert·e",
    learner: "Apprenant·e",
    achievement: "Microcertification",
    part: "Partie à confirmer",
    criteria: "Ce qu’il faut pour l’obtenir",
    evidence: "Preuves soumises",
    no_evidence: "Aucune preuve n’a été soumise avec cette demande.",
    digest: "SHA-256",
    open_until: "Ce lien fonctionne une fois, jusqu’au",
    decision: "Votre décision",
    approve: "Je confirme que la personne y a satisfait",
    decline: "Je ne peux pas le confirmer",
    comment_label: "Commentaire",
    comment_hint: "Obligatoire si vous ne pouvez pas confirmer : dites pourquoi, pour que la personne puisse y donner suite; seul l’organisme le voit. Si vous confirmez, votre nom, votre rôle, la date et votre commentaire sont inscrits dans le badge de la personne, que les employeurs consultent.",
    name_label: "Votre nom",
    role_label: "Votre rôle ou titre (facultatif)",
    role_hint: "Par exemple : superviseure de site, Fabrication Acme.",
    submit: "Enregistrer ma décision",
    errors_intro: "Veuillez corriger les champs indiqués ci-dessous.",
    decision_missing: "Indiquez si vous confirmez.",
    comment_needed: "Dites pourquoi vous ne pouvez pas confirmer.",
    comment_too_long: "Utilisez au plus 4 000 caractères.",
    name_needed: "Entrez votre nom (1 à 100 caractères).",
    role_too_long: "Utilisez au plus 100 caractères.",
    approved_title: "Merci : votre confirmation est enregistrée",
    approved_body: "L’organisme a reçu votre confirmation, avec votre nom et l’heure; elle figurera sur le badge de la personne. Vous n’avez rien d’autre à faire; ce lien ne fonctionne plus.",
    declined_title: "Merci : votre décision est enregistrée",
    declined_body: "L’organisme a reçu votre décision et votre commentaire. Vous n’avez rien d’autre à faire; ce lien ne fonctionne plus.",
    used_title: "Cette demande a reçu une réponse",
    used_body: "Une décision a déjà été enregistrée par ce lien, qui ne fonctionne qu’une fois. S’il s’agit d’une erreur, communiquez avec l’organisme qui l’a envoyé.",
    expired_title: "Ce lien a expiré",
    expired_body: "Le délai pour répondre à cette demande est passé. Demandez un nouveau lien à l’organisme qui l’a envoyé.",
    forbidden_title: "Ce formulaire ne peut pas être accepté",
    forbidden_body: "Il a été envoyé d’un autre site. Ouvrez de nouveau le lien reçu et envoyez le formulaire de là.",
};

/// The form as sent, kept to show it again, with what is wrong with it.
#[derive(Debug, Default)]
struct DecisionForm {
    decision: String,
    comment: String,
    name: String,
    role: String,
    decision_error: Option<&'static str>,
    comment_error: Option<&'static str>,
    name_error: Option<&'static str>,
    role_error: Option<&'static str>,
}

impl DecisionForm {
    fn read(body: &str, w: &'static Words) -> DecisionForm {
        let mut form = DecisionForm::default();
        for (key, value) in form_pairs(body) {
            match key.as_str() {
                "decision" => form.decision = value,
                "comment" => form.comment = value,
                "name" => form.name = value,
                "role" => form.role = value,
                _ => {}
            }
        }
        let (comment, name, role) = (form.comment.trim(), form.name.trim(), form.role.trim());
        form.decision_error = (!matches!(form.decision.as_str(), "approve" | "decline")).then_some(w.decision_missing);
        form.comment_error = if comment.chars().count() > MAX_COMMENT_CHARS {
            Some(w.comment_too_long)
        } else if form.decision == "decline" && comment.is_empty() {
            Some(w.comment_needed)
        } else {
            None
        };
        let name_ok = !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name.chars().any(char::is_control);
        form.name_error = (!name_ok).then_some(w.name_needed);
        form.role_error =
            (role.chars().count() > MAX_NAME_CHARS || role.chars().any(char::is_control)).then_some(w.role_too_long);
        form
    }

    fn has_errors(&self) -> bool {
        self.decision_error.is_some()
            || self.comment_error.is_some()
            || self.name_error.is_some()
            || self.role_error.is_some()
    }

    fn decision(&self) -> SignoffDecisionInput {
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        SignoffDecisionInput {
            approve: self.decision == "approve",
            comment: given(&self.comment),
            reviewer_name: given(&self.name),
            reviewer_role: given(&self.role),
        }
    }
}

#[derive(Template)]
#[template(path = "signoff.html", config = "src/web/askama.toml")]
struct SignoffPage<'a> {
    page: &'a PageContext,
    w: &'static Words,
    token: &'a str,
    view: &'a SignoffView,
    kind: &'static str,
    form: &'a DecisionForm,
    /// The criteria narrative's Markdown as HTML.
    criteria: String,
}

fn message(page: &PageContext, status: StatusCode, title: &str, body: &str) -> Response {
    private(render(page, status, &MessagePage { page, title, body }))
}

/// The page of a view: the form while the request is pending, otherwise what became of it.
fn show(page: &PageContext, status: StatusCode, token: &str, view: &SignoffView, form: &DecisionForm) -> Response {
    let w = page.pick(&EN, &FR);
    match view.status.as_str() {
        "pending" => {}
        "expired" => return message(page, StatusCode::GONE, w.expired_title, w.expired_body),
        _ => return message(page, StatusCode::CONFLICT, w.used_title, w.used_body),
    }
    let kind = if view.reviewer_kind == "employer" { w.as_kind_employer } else { w.as_kind_expert };
    let criteria = super::markdown::to_html(&view.criteria);
    private(render(page, status, &SignoffPage { page, w, token, view, kind, form, criteria }))
}

async fn view_of(state: &AppState, token: &str) -> Result<Option<SignoffView>, AppError> {
    match issuance::signoff_view(&state.store, token).await {
        Ok(view) => Ok(Some(view)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /signoff/{token}` for browsers: the request and the decision form.
pub async fn signoff_form(State(state): State<AppState>, page: PageContext, Path(token): Path<String>) -> Response {
    let view = match view_of(&state, &token).await {
        Ok(Some(v)) => v,
        Ok(None) => return private(not_found(&page)),
        Err(e) => return e.into_response(),
    };
    let form = DecisionForm { name: view.reviewer_name.clone().unwrap_or_default(), ..DecisionForm::default() };
    show(&page, StatusCode::OK, &token, &view, &form)
}

/// `POST /signoff/{token}/decision`: records the decision and thanks the reviewer, or
/// shows the form again with what to correct (422).
pub async fn decide(
    State(state): State<AppState>,
    page: PageContext,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let w = page.pick(&EN, &FR);
    let text = match super::form_text(&headers, &body, &state.store.public_url) {
        Ok(text) => text,
        Err(FormRefusal::CrossSite) => {
            return message(&page, StatusCode::FORBIDDEN, w.forbidden_title, w.forbidden_body);
        }
        Err(FormRefusal::NotAForm) => {
            return AppError::UnsupportedMediaType(
                "send the decision as an application/x-www-form-urlencoded form".into(),
            )
            .into_response();
        }
    };
    let view = match view_of(&state, &token).await {
        Ok(Some(v)) => v,
        Ok(None) => return private(not_found(&page)),
        Err(e) => return e.into_response(),
    };
    let form = DecisionForm::read(text, w);
    if form.has_errors() {
        return show(&page, StatusCode::UNPROCESSABLE_ENTITY, &token, &view, &form);
    }
    let decision = form.decision();
    match issuance::decide_signoff(&state.store, &state.master_key, &token, &decision).await {
        Ok(_) if decision.approve => message(&page, StatusCode::OK, w.approved_title, w.approved_body),
        Ok(_) => message(&page, StatusCode::OK, w.declined_title, w.declined_body),
        Err(AppError::Conflict { .. }) => message(&page, StatusCode::CONFLICT, w.used_title, w.used_body),
        Err(AppError::NotFound(_)) => private(not_found(&page)),
        Err(e) => e.into_response(),
    }
}
