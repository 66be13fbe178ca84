//! The console's sign-off queue: the organization's requests to employers and
//! experts, pending, decided or expired, with who decided and when; issuers send a
//! new link for a request still undecided (the old link stops working).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Can, Chrome, MAX_FORM_BYTES, Section, Staff, field, plausible_id, with_form_cap};
use crate::app::AppState;
use crate::issuance::SIGNOFF_LINK_VALIDITY_DAYS;
use crate::store::{QueuedSignoff, SignoffQueue, signoff_queue_cursor};
use crate::web::lang::form_pairs;
use crate::web::{PageContext, not_found, private, render};

/// Requests on one page.
const PAGE_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    with_form_cap(
        Router::new().route("/console/signoffs", get(queue)).route("/console/signoffs/{id}/link", post(new_link)),
        MAX_FORM_BYTES,
    )
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub pending: &'static str,
    pub decided: &'static str,
    pub expired: &'static str,
    pub learner: &'static str,
    pub achievement: &'static str,
    pub component: &'static str,
    pub reviewer: &'static str,
    pub requested: &'static str,
    pub outcome: &'static str,
    pub employer: &'static str,
    pub expert: &'static str,
    pub approved: &'static str,
    pub declined: &'static str,
    pub waiting_until: &'static str,
    pub expired_on: &'static str,
    pub by: &'static str,
    pub none: &'static str,
    pub next: &'static str,
    pub new_link: &'static str,
    pub link_for: &'static str,
    pub link_note: &'static str,
}

pub const EN: Words = Words {
    title: "Sign-offs",
    lead: "Requests to employers and experts to confirm a learner's work. A new link replaces the old one, which stops working.",
    pending: "Waiting",
    decided: "Decided",
    expired: "Expired",
    learner: "Learner",
    achievement: "Micro-credential",
    component: "Part",
    reviewer: "Reviewer",
    requested: "Requested",
    outcome: "Status",
    employer: "employer",
    expert: "expert",
    approved: "Approved",
    declined: "Declined",
    waiting_until: "Link valid until",
    expired_on: "Link expired on",
    by: "by",
    none: "No requests here.",
    next: "Older requests",
    new_link: "Send a new link",
    link_for: "New link for",
    link_note: "Copy it now and send it to the reviewer: it is shown only this once.",
};

pub const FR: Words = Words {
    title: "Approbations",
    lead: "Les demandes aux employeurs et aux experts de confirmer le travail d’un·e apprenant·e. Un nouveau lien remplace l’ancien, qui cesse de fonctionner.",
    pending: "En attente",
    decided: "Décidées",
    expired: "Expirées",
    learner: "Apprenant·e",
    achievement: "Microcertification",
    component: "Volet",
    reviewer: "Évaluateur·rice",
    requested: "Demandée",
    outcome: "Statut",
    employer: "employeur",
    expert: "expert·e",
    approved: "Approuvée",
    declined: "Refusée",
    waiting_until: "Lien valide jusqu’au",
    expired_on: "Lien expiré le",
    by: "par",
    none: "Aucune demande ici.",
    next: "Demandes plus anciennes",
    new_link: "Envoyer un nouveau lien",
    link_for: "Nouveau lien pour",
    link_note: "Copiez-le maintenant et envoyez-le à l’évaluateur·rice : il n’est affiché qu’une seule fois.",
};

/// One request as the queue shows it.
struct Line {
    id: String,
    learner: String,
    achievement: String,
    component: String,
    reviewer: String,
    requested: String,
    outcome: String,
    undecided: bool,
}

#[derive(Template)]
#[template(path = "console_signoffs.html", config = "src/web/askama.toml")]
struct QueuePage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    tab: &'static str,
    lines: Vec<Line>,
    next: Option<String>,
    may_issue: bool,
    /// A link just made: for whom, and the link.
    made: Option<(String, String)>,
}

fn queue_of(name: &str) -> (SignoffQueue, &'static str) {
    match name {
        "decided" => (SignoffQueue::Decided, "decided"),
        "expired" => (SignoffQueue::Expired, "expired"),
        _ => (SignoffQueue::Pending, "pending"),
    }
}

async fn lines(
    state: &AppState,
    staff: &Staff,
    w: &'static Words,
    found: Vec<QueuedSignoff>,
) -> Result<Vec<Line>, Response> {
    let ids: Vec<&str> = found.iter().map(|q| q.learner_id.as_str()).collect();
    let learners =
        state.store.learners_by_ids(&staff.organization.id, &ids).await.map_err(IntoResponse::into_response)?;
    let mut names: Vec<(String, String)> = Vec::new();
    for q in &found {
        if !names.iter().any(|(id, _)| *id == q.achievement_id) {
            let name = state
                .store
                .achievement(&q.achievement_id, None)
                .await
                .map_err(IntoResponse::into_response)?
                .map_or_else(|| q.achievement_id.clone(), |a| a.definition.name);
            names.push((q.achievement_id.clone(), name));
        }
    }
    let page = &staff.page;
    Ok(found
        .into_iter()
        .map(|q| {
            let r = &q.request;
            let learner = learners
                .iter()
                .find(|l| l.id == q.learner_id)
                .and_then(|l| l.display_name.clone().or(l.email.clone()).or(l.external_id.clone()))
                .unwrap_or_else(|| q.learner_id.clone());
            let kind = if r.reviewer_kind == "employer" { w.employer } else { w.expert };
            let who = r.reviewer_name.clone().or(r.reviewer_email.clone()).unwrap_or_default();
            let decided_by = r.decided_by_name.as_ref().map(|n| match &r.decided_by_role {
                Some(role) => format!(" {} {n} ({role})", w.by),
                None => format!(" {} {n}", w.by),
            });
            let outcome = match (r.status.as_str(), &q.decided_at) {
                ("approved", Some(at)) => format!("{} {}{}", w.approved, page.date(at), decided_by.unwrap_or_default()),
                ("declined", Some(at)) => format!("{} {}{}", w.declined, page.date(at), decided_by.unwrap_or_default()),
                ("expired", _) => format!("{} {}", w.expired_on, page.date(&r.expires_at)),
                _ => format!("{} {}", w.waiting_until, page.date(&r.expires_at)),
            };
            Line {
                learner,
                achievement: names
                    .iter()
                    .find(|(id, _)| *id == q.achievement_id)
                    .map_or_else(String::new, |(_, n)| n.clone()),
                component: r.component.clone(),
                reviewer: if who.is_empty() { kind.to_string() } else { format!("{who} ({kind})") },
                requested: page.date(&q.created_at),
                undecided: matches!(r.status.as_str(), "pending" | "expired"),
                outcome,
                id: r.id.clone(),
            }
        })
        .collect())
}

async fn queue_page(
    state: &AppState,
    staff: &Staff,
    tab: &str,
    cursor: &str,
    made: Option<(String, String)>,
) -> Response {
    let (queue, tab) = queue_of(tab);
    let after = match Some(cursor).filter(|c| !c.is_empty()).map(signoff_queue_cursor).transpose() {
        Ok(after) => after,
        Err(_) => return private(not_found(&staff.page)),
    };
    let (found, next) = match state.store.signoff_queue(&staff.organization.id, queue, after.as_ref(), PAGE_SIZE).await
    {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let w = staff.page.pick(&EN, &FR);
    let lines = match lines(state, staff, w, found).await {
        Ok(lines) => lines,
        Err(r) => return r,
    };
    let template = QueuePage {
        page: &staff.page,
        chrome: staff.chrome(Section::Signoffs),
        w,
        tab,
        lines,
        next: next.map(|c| format!("/console/signoffs?status={tab}&cursor={}", c.encode())),
        may_issue: staff.can(Can::Issue),
        made,
    };
    private(render(&staff.page, StatusCode::OK, &template))
}

/// `GET /console/signoffs?status=pending|decided|expired`.
pub async fn queue(State(state): State<AppState>, staff: Staff, RawQuery(query): RawQuery) -> Response {
    let query = form_pairs(query.as_deref().unwrap_or(""));
    queue_page(&state, &staff, field(&query, "status"), field(&query, "cursor"), None).await
}

/// `POST /console/signoffs/{id}/link` (issuers): a new link for an undecided request,
/// shown once on the queue.
pub async fn new_link(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match staff.form_for(Can::Issue, &state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    if !plausible_id(&id) {
        return private(not_found(&staff.page));
    }
    let valid_for = time::Duration::days(SIGNOFF_LINK_VALIDITY_DAYS);
    match state.store.reissue_signoff_link(&staff.organization.id, &id, valid_for, &staff.actor()).await {
        Ok(Some(request)) => {
            let whom =
                request.reviewer_name.clone().or(request.reviewer_email.clone()).unwrap_or(request.component.clone());
            let made = request.link.map(|link| (whom, link));
            queue_page(&state, &staff, field(&fields, "status"), "", made).await
        }
        Ok(None) => private(not_found(&staff.page)),
        Err(e) => e.into_response(),
    }
}
