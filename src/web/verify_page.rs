//! `/verify`: the page an employer uses. Paste a badge URL, JSON or VC-JWT, or
//! drop a baked PNG/SVG, optionally with the candidate's email; the report of the
//! verification API comes back in plain language, with the facts to read.
//! `GET /verify?url=...` verifies at once (the badge page's "verify" link).

use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::badge_page::{self, Words as BadgeWords};
use super::credential_view::CredentialView;
use super::lang::query_param;
use super::report::{PresentationView, ReportView};
use super::{PageContext, render};
use credence_core::format::Standard;
use std::net::IpAddr;

use crate::app::AppState;
use crate::error::AppError;
use crate::http::client::ClientAddr;
use crate::verification::presentation::{self, PresentationOptions};
use crate::verification::{self, Presented, VerifyRequest};

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub credential_label: &'static str,
    pub credential_hint: &'static str,
    pub file_label: &'static str,
    pub file_hint: &'static str,
    pub email_label: &'static str,
    pub email_hint: &'static str,
    pub submit: &'static str,
    pub result_heading: &'static str,
    pub unreadable: &'static str,
    pub nothing_given: &'static str,
    pub recipient_match: &'static str,
    pub recipient_mismatch: &'static str,
    pub open_badge_page: &'static str,
    pub learner: &'static str,
    /// "Issued by", for a document whose issuer is not proven.
    pub claimed_issuer: &'static str,
}

pub const EN: Words = Words {
    title: "Verify a badge",
    lead: "Check that an Open Badges credential (3.0 or 2.0) is authentic, who issued it, whether it is still valid, and whether it belongs to your candidate.",
    credential_label: "Badge link, JSON or VC-JWT",
    credential_hint: "Paste the badge page address, or the credential itself (or a presentation holding several).",
    file_label: "Or a badge image file",
    file_hint: "A baked PNG or SVG badge, or a JSON credential file. You can drop the file here.",
    email_label: "Candidate’s email (optional)",
    email_hint: "Compared with the credential’s hashed recipient; the email is not stored.",
    submit: "Verify",
    result_heading: "Result",
    unreadable: "This could not be read as a badge.",
    nothing_given: "Paste a badge link or credential, or choose a file.",
    recipient_match: "The email matches the person this badge was issued to.",
    recipient_mismatch: "The email does not match the person this badge was issued to.",
    open_badge_page: "Open the badge page",
    learner: "Learner",
    claimed_issuer: "Claims to be issued by",
};

pub const FR: Words = Words {
    title: "Vérifier un badge",
    lead: "Vérifiez qu’un titre Open Badges (3.0 ou 2.0) est authentique, qui l’a délivré, s’il est toujours valide et s’il appartient bien à votre candidate ou candidat.",
    credential_label: "Lien du badge, JSON ou VC-JWT",
    credential_hint: "Collez l’adresse de la page du badge, ou le titre lui-même (ou une présentation qui en contient plusieurs).",
    file_label: "Ou un fichier image du badge",
    file_hint: "Un badge PNG ou SVG contenant le titre, ou un fichier JSON. Vous pouvez déposer le fichier ici.",
    email_label: "Courriel de la personne candidate (facultatif)",
    email_hint: "Comparé à l’identifiant haché du destinataire; le courriel n’est pas conservé.",
    submit: "Vérifier",
    result_heading: "Résultat",
    unreadable: "Ce contenu n’a pas pu être lu comme un badge.",
    nothing_given: "Collez un lien de badge ou un titre, ou choisissez un fichier.",
    recipient_match: "Le courriel correspond à la personne à qui ce badge a été délivré.",
    recipient_mismatch: "Le courriel ne correspond pas à la personne à qui ce badge a été délivré.",
    open_badge_page: "Ouvrir la page du badge",
    learner: "Personne apprenante",
    claimed_issuer: "Prétend être délivré par",
};

/// What the verification came to, for the page.
pub struct Outcome {
    pub report: ReportView,
    pub view: CredentialView,
    /// `Some(true)` when an email was given and matches.
    pub recipient: Option<bool>,
    /// The badge page, when the credential was issued here.
    pub badge_page: Option<String>,
    pub learner_name: Option<String>,
}

#[derive(Template)]
#[template(path = "verify.html", config = "src/web/askama.toml")]
struct VerifyPage<'a> {
    page: &'a PageContext,
    v: &'static Words,
    w: &'static BadgeWords,
    credential: String,
    email: String,
    error: Option<String>,
    presentation: Option<PresentationView>,
    outcomes: Vec<Outcome>,
}

/// The form as submitted.
#[derive(Default)]
struct Form {
    credential: String,
    file: Option<(Vec<u8>, String, String)>,
    email: String,
}

/// The text field as a presented credential: a URL or id of one of ours, or the
/// credential itself (JSON or VC-JWT).
fn presented_from_text(text: &str) -> Result<Presented, AppError> {
    let t = text.trim();
    if t.starts_with("https://") || t.starts_with("http://") || is_uuid(t) {
        return Ok(Presented::Reference(t.to_string()));
    }
    crate::verification::Presented::from_bytes(t.as_bytes(), "", "")
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// The reason to show for a request the verifier could not take; `None` for
/// server-side failures, which keep their own response.
fn client_reason(e: &AppError) -> Option<String> {
    match e {
        AppError::Validation(errors) => {
            Some(errors.iter().map(|f| f.reason.to_string()).collect::<Vec<_>>().join("; "))
        }
        AppError::BadRequest { detail, .. } => Some(detail.clone()),
        AppError::UnsupportedMediaType(_) | AppError::PayloadTooLarge { .. } | AppError::NotFound(_) => {
            Some(e.to_string())
        }
        _ => None,
    }
}

/// What the page shows after verifying: one credential's outcome, or a presentation's
/// own part followed by one outcome per credential in it.
struct Shown {
    presentation: Option<PresentationView>,
    outcomes: Vec<Outcome>,
}

async fn run(
    state: &AppState,
    page: &PageContext,
    presented: Presented,
    email: &str,
    client: Option<IpAddr>,
) -> Result<Shown, AppError> {
    let request = VerifyRequest {
        recipient_email: Some(email.trim().to_string()).filter(|e| !e.is_empty()),
        client,
        ..VerifyRequest::default()
    };
    if let Presented::Json(vp) = &presented
        && presentation::is_presentation(vp)
    {
        let options = PresentationOptions::default();
        let result =
            presentation::verify_presentation(&state.store, &state.verifier, vp.clone(), options, request).await?;
        let mut outcomes = Vec::with_capacity(result.credentials.len());
        for credential in &result.credentials {
            outcomes.push(outcome_of(state, page, credential).await?);
        }
        return Ok(Shown { presentation: Some(PresentationView::new(&result, page.lang)), outcomes });
    }
    let result = verification::verify_and_count(&state.store, &state.verifier, presented, request).await?;
    Ok(Shown { presentation: None, outcomes: vec![outcome_of(state, page, &result).await?] })
}

/// One credential's report as the page shows it, with its badge page and learner when it
/// is one of ours.
async fn outcome_of(
    state: &AppState,
    page: &PageContext,
    result: &verification::VerificationResult,
) -> Result<Outcome, AppError> {
    let is_ob2 = result.facts.format.as_ref().is_some_and(|f| f.standard == Standard::OpenBadges2);
    let view = if is_ob2 {
        view_of_facts(&result.facts)
    } else {
        result.credential.as_ref().map(CredentialView::from_document).unwrap_or_default()
    };
    let recipient = result.checks.iter().find(|c| c.check == "recipient").map(|c| c.status == "passed");
    let prefix = format!("{}/credentials/", state.store.public_url);
    let (badge_page, learner_name) = match view.id.strip_prefix(&prefix) {
        Some(uuid) => match state.store.credential(uuid).await? {
            Some(c) => {
                let (_, name) = badge_page::claim_and_name(state, &c).await?;
                (Some(view.id.clone()), name)
            }
            None => (None, None),
        },
        None => (None, None),
    };
    Ok(Outcome { report: ReportView::new(result, page.lang), view, recipient, badge_page, learner_name })
}

/// What a page shows of a badge read from the verifier's facts (Open Badges 2.0,
/// whose assertion, BadgeClass and issuer are three documents).
fn view_of_facts(f: &verification::Facts) -> CredentialView {
    CredentialView {
        id: f.credential_id.clone().unwrap_or_default(),
        name: f.name.clone().unwrap_or_default(),
        description: f.achievement_description.clone(),
        criteria: super::credential_view::criteria_html(f.criteria.as_deref()),
        issuer_id: f.issuer_id.clone(),
        issuer_name: f.issuer_name.clone().unwrap_or_default(),
        valid_from: f.valid_from.clone(),
        valid_until: f.valid_until.clone(),
        evidence: super::credential_view::evidence_items(&f.evidence),
        ..CredentialView::default()
    }
}

fn show(page: &PageContext, status: StatusCode, form: Form, error: Option<String>, shown: Option<Shown>) -> Response {
    let (presentation, outcomes) = match shown {
        Some(s) => (s.presentation, s.outcomes),
        None => (None, Vec::new()),
    };
    let template = VerifyPage {
        page,
        v: page.pick(&EN, &FR),
        w: page.pick(&badge_page::EN, &badge_page::FR),
        credential: form.credential,
        email: form.email,
        error,
        presentation,
        outcomes,
    };
    let mut r = render(page, status, &template);
    r.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    r
}

async fn verify_and_show(
    state: &AppState,
    page: &PageContext,
    form: Form,
    presented: Result<Presented, AppError>,
    client: Option<IpAddr>,
) -> Response {
    let v = page.pick(&EN, &FR);
    let outcome = match presented {
        Ok(p) => run(state, page, p, &form.email, client).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(o) => show(page, StatusCode::OK, form, None, Some(o)),
        Err(e) => match client_reason(&e) {
            Some(reason) => {
                show(page, StatusCode::UNPROCESSABLE_ENTITY, form, Some(format!("{} {reason}", v.unreadable)), None)
            }
            None => e.into_response(),
        },
    }
}

/// `GET /verify`: the form, or with `?url=` the report for that badge.
pub async fn verify_form(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: PageContext,
    request: Request,
) -> Response {
    let url = request.uri().query().and_then(|q| query_param(q, "url")).filter(|u| !u.trim().is_empty());
    match url {
        None => show(&page, StatusCode::OK, Form::default(), None, None),
        Some(u) => {
            let form = Form { credential: u.clone(), ..Form::default() };
            verify_and_show(&state, &page, form, Ok(Presented::Reference(u.trim().to_string())), client).await
        }
    }
}

async fn read_form(request: Request, state: &AppState) -> Result<Form, String> {
    let mut multipart = Multipart::from_request(request, state).await.map_err(|e| e.body_text())?;
    let mut form = Form::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or("").to_string();
        let content_type = field.content_type().unwrap_or("").to_ascii_lowercase();
        let file_name = field.file_name().unwrap_or("").to_ascii_lowercase();
        let data = field.bytes().await.map_err(|e| e.body_text())?;
        let text = || String::from_utf8_lossy(&data).into_owned();
        match name.as_str() {
            "credential" => form.credential = text(),
            "recipientEmail" => form.email = text(),
            "file" if !data.is_empty() => form.file = Some((data.to_vec(), content_type, file_name)),
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /verify`: the submitted form (multipart, for the file).
pub async fn verify_submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: PageContext,
    request: Request,
) -> Response {
    let v = page.pick(&EN, &FR);
    let form = match read_form(request, &state).await {
        Ok(f) => f,
        Err(reason) => {
            return show(
                &page,
                StatusCode::BAD_REQUEST,
                Form::default(),
                Some(format!("{} {reason}", v.unreadable)),
                None,
            );
        }
    };
    let presented = match (&form.file, form.credential.trim().is_empty()) {
        (Some((data, content_type, file_name)), _) => {
            crate::verification::Presented::from_bytes(data, content_type, file_name)
        }
        (None, false) => presented_from_text(&form.credential),
        (None, true) => {
            let message = v.nothing_given.to_string();
            return show(&page, StatusCode::UNPROCESSABLE_ENTITY, form, Some(message), None);
        }
    };
    verify_and_show(&state, &page, form, presented, client).await
}
