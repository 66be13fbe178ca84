//! The console's outbox, for issuer-admins: every email the organization's work caused
//! (a badge issued, a sign-off asked), to whom, and whether it was sent, is waiting,
//! is being retried (with the server's last answer) or was given up. Without an SMTP
//! server configured, this is what would have been sent. A message's text can be read
//! in full: it holds claim and sign-off links, which is why only issuer-admins see it.

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Can, Chrome, Section, Staff, field};
use crate::app::AppState;
use crate::store::{OutboxMessage, outbox_cursor};
use crate::web::lang::form_pairs;
use crate::web::{PageContext, not_found, private, render};

/// Messages on one page.
const PAGE_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/outbox", get(outbox))
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub when: &'static str,
    pub to: &'static str,
    pub subject: &'static str,
    pub state: &'static str,
    pub none: &'static str,
    pub next: &'static str,
    pub read: &'static str,
    pub sent: &'static str,
    pub waiting: &'static str,
    pub retrying: &'static str,
    pub failed: &'static str,
    pub attempts: &'static str,
}

pub const EN: Words = Words {
    title: "Emails",
    lead: "Every email your organization's work caused: badges issued (with their claim links) and sign-offs asked. Without an SMTP server configured, this is what would have been sent.",
    when: "Written (UTC)",
    to: "To",
    subject: "Subject",
    state: "State",
    none: "No emails yet.",
    next: "Older emails",
    read: "Read the message",
    sent: "Sent",
    waiting: "Waiting to be sent",
    retrying: "Will be tried again",
    failed: "Given up",
    attempts: "attempts",
};

pub const FR: Words = Words {
    title: "Courriels",
    lead: "Chaque courriel causé par le travail de votre organisation : badges délivrés (avec leurs liens de réclamation) et approbations demandées. Sans serveur SMTP configuré, voici ce qui aurait été envoyé.",
    when: "Rédigé (UTC)",
    to: "À",
    subject: "Objet",
    state: "État",
    none: "Aucun courriel pour l’instant.",
    next: "Courriels plus anciens",
    read: "Lire le message",
    sent: "Envoyé",
    waiting: "En attente d’envoi",
    retrying: "Sera réessayé",
    failed: "Abandonné",
    attempts: "tentatives",
};

/// One message as the page shows it.
struct Line {
    when: String,
    to: String,
    subject: String,
    state: &'static str,
    /// `sent`, `waiting`, `retrying` or `failed`, for styling.
    class: &'static str,
    detail: Option<String>,
    text: String,
    language: String,
}

fn line(w: &'static Words, m: OutboxMessage) -> Line {
    let class = m.state();
    let state = match class {
        "sent" => w.sent,
        "waiting" => w.waiting,
        "retrying" => w.retrying,
        _ => w.failed,
    };
    let detail = match (&m.last_error, m.attempts) {
        (Some(error), n) => Some(format!("{n} {}: {error}", w.attempts)),
        (None, n) if n > 1 => Some(format!("{n} {}", w.attempts)),
        _ => None,
    };
    Line {
        when: m.created_at.get(..19).map_or_else(|| m.created_at.clone(), |t| t.replacen('T', " ", 1)),
        to: m.recipient,
        subject: m.subject,
        state,
        class,
        detail,
        text: m.body_text,
        language: m.language,
    }
}

#[derive(Template)]
#[template(path = "console_outbox.html", config = "src/web/askama.toml")]
struct OutboxPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    lines: Vec<Line>,
    next: Option<String>,
}

/// `GET /console/outbox` (issuer-admins), a page at a time.
pub async fn outbox(State(state): State<AppState>, staff: Staff, RawQuery(query): RawQuery) -> Response {
    if let Err(r) = staff.require(Can::Manage) {
        return *r;
    }
    let query = form_pairs(query.as_deref().unwrap_or(""));
    let after = match Some(field(&query, "cursor")).filter(|c| !c.is_empty()).map(outbox_cursor).transpose() {
        Ok(after) => after,
        Err(_) => return private(not_found(&staff.page)),
    };
    let (messages, next) = match state.store.outbox(&staff.organization.id, after.as_ref(), PAGE_SIZE).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let w = staff.page.pick(&EN, &FR);
    let template = OutboxPage {
        page: &staff.page,
        chrome: staff.chrome(Section::Outbox),
        w,
        lines: messages.into_iter().map(|m| line(w, m)).collect(),
        next: next.map(|c| format!("/console/outbox?cursor={}", c.encode())),
    };
    private(render(&staff.page, StatusCode::OK, &template))
}
