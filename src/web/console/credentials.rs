//! The console's credentials: the organization's issued credentials, newest first,
//! and one credential's page, where issuer-admins revoke or suspend it (with a reason
//! for the organization and, only if they write one, a reason for the public) and
//! issuers replace the learner's claim link.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Can, Chrome, MAX_FORM_BYTES, Section, Staff, field, plausible_id, see_other, with_form_cap};
use crate::app::AppState;
use crate::domain::learner::{MAX_REASON_CHARS, RevokeInput, SuspendInput};
use crate::error::AppError;
use crate::store::{
    Claim, CredentialFilter, Learner, StatusChange, StoredCredential, credential_cursor, credentials_cursor,
};
use crate::web::credential_view::CredentialView;
use crate::web::lang::form_pairs;
use crate::web::{PageContext, not_found, private, render};

/// Credentials on one page of the listing.
const PAGE_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    with_form_cap(
        Router::new()
            .route("/console/credentials", get(list))
            .route("/console/credentials/{id}", get(detail))
            .route("/console/credentials/{id}/revoke", post(revoke))
            .route("/console/credentials/{id}/suspend", post(suspend))
            .route("/console/credentials/{id}/unsuspend", post(unsuspend))
            .route("/console/credentials/{id}/claim-link", post(replace_claim_link)),
        MAX_FORM_BYTES,
    )
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub filter_label: &'static str,
    pub all: &'static str,
    pub active: &'static str,
    pub revoked: &'static str,
    pub suspended: &'static str,
    pub show: &'static str,
    pub achievement: &'static str,
    pub learner: &'static str,
    pub issued: &'static str,
    pub state: &'static str,
    pub claimed: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub none: &'static str,
    pub next: &'static str,
    pub valid_until: &'static str,
    pub badge_page: &'static str,
    pub counts: &'static str,
    pub shared: &'static str,
    pub downloaded: &'static str,
    pub verified: &'static str,
    pub private_reason: &'static str,
    pub public_reason: &'static str,
    pub public_reason_hint: &'static str,
    pub private_reason_hint: &'static str,
    pub revoke_title: &'static str,
    pub revoke_warning: &'static str,
    pub revoke_confirm: &'static str,
    pub revoke: &'static str,
    pub suspend_title: &'static str,
    pub suspend: &'static str,
    pub unsuspend: &'static str,
    pub reason_required: &'static str,
    pub reason_invalid: &'static str,
    pub confirm_required: &'static str,
    pub claim_title: &'static str,
    pub claim_lead: &'static str,
    pub replace_link: &'static str,
    pub new_link: &'static str,
    pub new_link_note: &'static str,
    pub revoked_is_final: &'static str,
    pub done_revoked: &'static str,
    pub done_suspended: &'static str,
    pub done_unsuspended: &'static str,
}

pub const EN: Words = Words {
    title: "Credentials",
    lead: "Every credential your organization issued, newest first.",
    filter_label: "Show",
    all: "All",
    active: "Active",
    revoked: "Revoked",
    suspended: "Suspended",
    show: "Show",
    achievement: "Micro-credential",
    learner: "Learner",
    issued: "Issued",
    state: "Status",
    claimed: "Claimed",
    yes: "Yes",
    no: "No",
    none: "No credentials to show.",
    next: "Next page",
    valid_until: "Valid until",
    badge_page: "Public badge page",
    counts: "Since it was issued",
    shared: "Shared",
    downloaded: "Downloaded",
    verified: "Verified",
    private_reason: "Reason, for your organization",
    public_reason: "Reason shown on the badge page (optional)",
    public_reason_hint: "Leave empty to show only the status. Anyone with the badge's link can read this.",
    private_reason_hint: "Kept in your records and the audit log; never shown outside your organization.",
    revoke_title: "Revoke",
    revoke_warning: "Revocation is permanent: the credential stops verifying everywhere at once and cannot be restored.",
    revoke_confirm: "I understand that revocation cannot be undone",
    revoke: "Revoke this credential",
    suspend_title: "Suspend",
    suspend: "Suspend this credential",
    unsuspend: "Lift the suspension",
    reason_required: "Write the reason (at most 1,000 characters).",
    reason_invalid: "At most 1,000 characters, without control characters.",
    confirm_required: "Tick the box to confirm.",
    claim_title: "The learner's claim link",
    claim_lead: "If the learner lost their link, make a new one: the old link stops working, and what the learner chose is kept.",
    replace_link: "Make a new claim link",
    new_link: "New claim link",
    new_link_note: "Copy it now and send it to the learner: it is shown only this once.",
    revoked_is_final: "This credential is revoked; nothing more can change.",
    done_revoked: "The credential is revoked.",
    done_suspended: "The credential is suspended.",
    done_unsuspended: "The suspension is lifted.",
};

pub const FR: Words = Words {
    title: "Badges délivrés",
    lead: "Tous les badges délivrés par votre organisation, du plus récent au plus ancien.",
    filter_label: "Afficher",
    all: "Tous",
    active: "Actifs",
    revoked: "Révoqués",
    suspended: "Suspendus",
    show: "Afficher",
    achievement: "Microcertification",
    learner: "Apprenant·e",
    issued: "Délivré",
    state: "Statut",
    claimed: "Réclamé",
    yes: "Oui",
    no: "Non",
    none: "Aucun badge à afficher.",
    next: "Page suivante",
    valid_until: "Valide jusqu’au",
    badge_page: "Page publique du badge",
    counts: "Depuis sa délivrance",
    shared: "Partagé",
    downloaded: "Téléchargé",
    verified: "Vérifié",
    private_reason: "Motif, pour votre organisation",
    public_reason: "Motif affiché sur la page du badge (facultatif)",
    public_reason_hint: "Laissez vide pour n’afficher que le statut. Toute personne ayant le lien du badge peut le lire.",
    private_reason_hint: "Conservé dans vos dossiers et le journal d’audit; jamais montré hors de votre organisation.",
    revoke_title: "Révoquer",
    revoke_warning: "La révocation est définitive : le badge cesse aussitôt d’être valide partout et ne peut pas être rétabli.",
    revoke_confirm: "Je comprends que la révocation est irréversible",
    revoke: "Révoquer ce badge",
    suspend_title: "Suspendre",
    suspend: "Suspendre ce badge",
    unsuspend: "Lever la suspension",
    reason_required: "Écrivez le motif (au plus 1 000 caractères).",
    reason_invalid: "Au plus 1 000 caractères, sans caractères de contrôle.",
    confirm_required: "Cochez la case pour confirmer.",
    claim_title: "Le lien de réclamation de l’apprenant·e",
    claim_lead: "Si l’apprenant·e a perdu son lien, créez-en un nouveau : l’ancien cesse de fonctionner, et ses choix sont conservés.",
    replace_link: "Créer un nouveau lien de réclamation",
    new_link: "Nouveau lien de réclamation",
    new_link_note: "Copiez-le maintenant et envoyez-le à l’apprenant·e : il n’est affiché qu’une seule fois.",
    revoked_is_final: "Ce badge est révoqué; plus rien ne peut changer.",
    done_revoked: "Le badge est révoqué.",
    done_suspended: "Le badge est suspendu.",
    done_unsuspended: "La suspension est levée.",
};

/// One credential as the listing shows it.
struct Line {
    id: String,
    achievement: String,
    learner: String,
    issued: String,
    state: &'static str,
    claimed: bool,
}

fn state_label(w: &'static Words, c: &StoredCredential) -> &'static str {
    if c.revoked_at.is_some() {
        w.revoked
    } else if c.suspended {
        w.suspended
    } else {
        w.active
    }
}

#[derive(Template)]
#[template(path = "console_credentials.html", config = "src/web/askama.toml")]
struct ListPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    filter: &'a str,
    lines: Vec<Line>,
    next: Option<String>,
}

/// `GET /console/credentials`: newest first, filtered by status, a page at a time.
pub async fn list(State(state): State<AppState>, staff: Staff, RawQuery(query): RawQuery) -> Response {
    let query = form_pairs(query.as_deref().unwrap_or(""));
    let filter = match field(&query, "state") {
        s @ ("active" | "revoked" | "suspended") => s,
        _ => "",
    };
    let after = match Some(field(&query, "cursor")).filter(|c| !c.is_empty()).map(credentials_cursor).transpose() {
        Ok(after) => after,
        Err(_) => return private(not_found(&staff.page)),
    };
    let f = CredentialFilter {
        state: (!filter.is_empty()).then(|| filter.to_string()),
        limit: PAGE_SIZE,
        after,
        ..CredentialFilter::default()
    };
    let rows = match state.store.list_credentials(&staff.organization.id, &f).await {
        Ok(rows) => rows,
        Err(e) => return e.into_response(),
    };
    let w = staff.page.pick(&EN, &FR);
    let next = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|(c, _)| credential_cursor(c).encode()))
        .flatten()
        .map(|cursor| {
            let state = if filter.is_empty() { String::new() } else { format!("state={filter}&") };
            format!("/console/credentials?{state}cursor={cursor}")
        });
    let ids: Vec<&str> = rows.iter().map(|(c, _)| c.learner_id.as_str()).collect();
    let learners = match state.store.learners_by_ids(&staff.organization.id, &ids).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let lines = rows
        .iter()
        .map(|(c, claim)| Line {
            id: c.id.clone(),
            achievement: CredentialView::from_document(&c.document).name,
            learner: learner_label(c, claim.as_ref(), learners.iter().find(|l| l.id == c.learner_id)),
            issued: staff.page.date(&c.issued_at),
            state: state_label(w, c),
            claimed: claim.as_ref().is_some_and(|cl| cl.claimed_at.is_some()),
        })
        .collect();
    let chrome = staff.chrome(Section::Credentials);
    let template = ListPage { page: &staff.page, chrome, w, filter, lines, next };
    private(render(&staff.page, StatusCode::OK, &template))
}

/// How the console names a credential's learner: the name the learner chose when
/// claiming, else the learner's name, email address or external id on record.
fn learner_label(c: &StoredCredential, claim: Option<&Claim>, learner: Option<&Learner>) -> String {
    claim
        .and_then(|cl| cl.display_name.clone())
        .or_else(|| learner.and_then(|l| l.display_name.clone().or(l.email.clone()).or(l.external_id.clone())))
        .unwrap_or_else(|| c.learner_id.clone())
}

/// What the credential's page shows after a form, or a form's faults.
#[derive(Debug, Default)]
struct Outcome {
    done: Option<&'static str>,
    new_link: Option<String>,
    revoke_reason: String,
    revoke_public: String,
    suspend_reason: String,
    suspend_public: String,
    revoke_reason_error: Option<&'static str>,
    revoke_public_error: Option<&'static str>,
    confirm_error: Option<&'static str>,
    suspend_reason_error: Option<&'static str>,
    suspend_public_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console_credential.html", config = "src/web/askama.toml")]
struct DetailPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    c: &'a StoredCredential,
    achievement: String,
    learner: String,
    learner_email: Option<String>,
    state: &'static str,
    claim: Option<Claim>,
    badge_url: String,
    may_manage: bool,
    may_issue: bool,
    o: Outcome,
}

/// The organization's credential `id`, or the 404 page (also for anything that
/// cannot be an id: credential ids are UUIDs).
async fn credential_of(state: &AppState, staff: &Staff, id: &str) -> Result<StoredCredential, Box<Response>> {
    match plausible_id(id).then_some(id) {
        Some(id) => match state.store.credential(id).await {
            Ok(Some(c)) if c.organization_id == staff.organization.id => Ok(c),
            Ok(_) => Err(Box::new(private(not_found(&staff.page)))),
            Err(e) => Err(Box::new(e.into_response())),
        },
        None => Err(Box::new(private(not_found(&staff.page)))),
    }
}

async fn detail_page(state: &AppState, staff: &Staff, c: StoredCredential, status: StatusCode, o: Outcome) -> Response {
    let (claim, learner) = match tokio::try_join!(
        state.store.claim_with_counts(&c.id),
        state.store.learner(&staff.organization.id, &c.learner_id)
    ) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let w = staff.page.pick(&EN, &FR);
    let template = DetailPage {
        page: &staff.page,
        chrome: staff.chrome(Section::Credentials),
        w,
        achievement: CredentialView::from_document(&c.document).name,
        learner: learner_label(&c, claim.as_ref(), learner.as_ref()),
        learner_email: learner.and_then(|l| l.email),
        state: state_label(w, &c),
        badge_url: state.store.credential_url(&c.id),
        may_manage: staff.can(Can::Manage),
        may_issue: staff.can(Can::Issue),
        claim,
        c: &c,
        o,
    };
    private(render(&staff.page, status, &template))
}

/// `GET /console/credentials/{id}`.
pub async fn detail(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    match credential_of(&state, &staff, &id).await {
        Ok(c) => detail_page(&state, &staff, c, StatusCode::OK, Outcome::default()).await,
        Err(r) => *r,
    }
}

/// A staff member's form for one of the organization's credentials: the role checked,
/// the form read and checked, the credential found.
async fn credential_form(
    state: &AppState,
    staff: &Staff,
    need: Can,
    id: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(StoredCredential, Vec<(String, String)>), Box<Response>> {
    staff.require(need)?;
    let fields = staff.form(state, headers, body)?;
    Ok((credential_of(state, staff, id).await?, fields))
}

/// Empty text is no reason at all.
fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Why a reason the domain refused was refused, in the page's words.
fn reason_fault(w: &'static Words, value: &str) -> &'static str {
    if value.trim().is_empty() { w.reason_required } else { w.reason_invalid }
}

/// Applies a status change and shows the credential again with what happened; a
/// revoked credential answers 409 with its page.
async fn apply(
    state: &AppState,
    staff: &Staff,
    c: StoredCredential,
    change: StatusChange<'_>,
    done: &'static str,
) -> Response {
    match state.store.change_credential_status(&staff.organization.id, &c.id, change, &staff.actor()).await {
        Ok(updated) => {
            detail_page(state, staff, updated, StatusCode::OK, Outcome { done: Some(done), ..Outcome::default() }).await
        }
        Err(AppError::Conflict { .. }) => detail_page(state, staff, c, StatusCode::CONFLICT, Outcome::default()).await,
        Err(e) => e.into_response(),
    }
}

/// `POST /console/credentials/{id}/revoke` (issuer-admins): a private reason, an
/// optional public one, and the confirmation.
pub async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (c, fields) = match credential_form(&state, &staff, Can::Manage, &id, &headers, &body).await {
        Ok(found) => found,
        Err(r) => return *r,
    };
    let w = staff.page.pick(&EN, &FR);
    let (reason, public) = (field(&fields, "reason"), field(&fields, "public_reason"));
    let input = RevokeInput { reason: reason.trim().to_string(), public_reason: optional(public) };
    let faults = input.check().err().map(|e| faulty_fields(&e)).unwrap_or_default();
    let confirmed = field(&fields, "confirm") == "yes";
    if !faults.is_empty() || !confirmed {
        let o = Outcome {
            revoke_reason: reason.chars().take(MAX_REASON_CHARS * 2).collect(),
            revoke_public: public.chars().take(MAX_REASON_CHARS * 2).collect(),
            revoke_reason_error: faults.iter().any(|f| f == "reason").then(|| reason_fault(w, reason)),
            revoke_public_error: faults.iter().any(|f| f == "publicReason").then_some(w.reason_invalid),
            confirm_error: (!confirmed).then_some(w.confirm_required),
            ..Outcome::default()
        };
        return detail_page(&state, &staff, c, StatusCode::UNPROCESSABLE_ENTITY, o).await;
    }
    let change = StatusChange::Revoke { reason: &input.reason, public_reason: input.public_reason.as_deref() };
    apply(&state, &staff, c, change, w.done_revoked).await
}

/// The fields a validation error names.
fn faulty_fields(e: &AppError) -> Vec<String> {
    match e {
        AppError::Validation(errors) => errors.iter().map(|f| f.field.clone()).collect(),
        _ => vec!["reason".to_string()],
    }
}

/// `POST /console/credentials/{id}/suspend` (issuer-admins): optional reasons.
pub async fn suspend(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (c, fields) = match credential_form(&state, &staff, Can::Manage, &id, &headers, &body).await {
        Ok(found) => found,
        Err(r) => return *r,
    };
    let w = staff.page.pick(&EN, &FR);
    let (reason, public) = (field(&fields, "reason"), field(&fields, "public_reason"));
    let input = SuspendInput { reason: optional(reason), public_reason: optional(public) };
    if let Err(e) = input.check() {
        let faults = faulty_fields(&e);
        let o = Outcome {
            suspend_reason: reason.chars().take(MAX_REASON_CHARS * 2).collect(),
            suspend_public: public.chars().take(MAX_REASON_CHARS * 2).collect(),
            suspend_reason_error: faults.iter().any(|f| f == "reason").then_some(w.reason_invalid),
            suspend_public_error: faults.iter().any(|f| f == "publicReason").then_some(w.reason_invalid),
            ..Outcome::default()
        };
        return detail_page(&state, &staff, c, StatusCode::UNPROCESSABLE_ENTITY, o).await;
    }
    let change =
        StatusChange::Suspend { reason: input.reason.as_deref(), public_reason: input.public_reason.as_deref() };
    apply(&state, &staff, c, change, w.done_suspended).await
}

/// `POST /console/credentials/{id}/unsuspend` (issuer-admins).
pub async fn unsuspend(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (c, _) = match credential_form(&state, &staff, Can::Manage, &id, &headers, &body).await {
        Ok(found) => found,
        Err(r) => return *r,
    };
    let w = staff.page.pick(&EN, &FR);
    apply(&state, &staff, c, StatusChange::Unsuspend, w.done_unsuspended).await
}

/// `POST /console/credentials/{id}/claim-link` (issuers): a new claim link, shown once.
pub async fn replace_claim_link(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (c, _) = match credential_form(&state, &staff, Can::Issue, &id, &headers, &body).await {
        Ok(found) => found,
        Err(r) => return *r,
    };
    match state.store.reissue_claim_link(&staff.organization.id, &c.id, &staff.actor()).await {
        Ok(Some(link)) => {
            detail_page(&state, &staff, c, StatusCode::OK, Outcome { new_link: Some(link), ..Outcome::default() }).await
        }
        Ok(None) => see_other(&format!("/console/credentials/{}", c.id)),
        Err(e) => e.into_response(),
    }
}
