//! The console's two-factor sign-in, for every staff member who wants it: set up with
//! an authenticator app (a QR code of an `otpauth://` link, or its secret typed), turned
//! on by a first code, turned off by a current code. The secret is sealed under the
//! master key and shown only while being set up.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Can, Chrome, MAX_FORM_BYTES, Section, Staff, field, with_form_cap};
use crate::app::AppState;
use crate::app::staff::{accept_code, open_two_factor, seal_two_factor};
use crate::domain::totp;
use crate::images::qr::QrMatrix;
use crate::web::{PageContext, private, render};

pub fn routes() -> Router<AppState> {
    with_form_cap(
        Router::new()
            .route("/console/security", get(security))
            .route("/console/security/two-factor/start", post(start))
            .route("/console/security/two-factor/confirm", post(confirm))
            .route("/console/security/two-factor/disable", post(disable)),
        MAX_FORM_BYTES,
    )
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub is_on: &'static str,
    pub is_off: &'static str,
    pub set_up: &'static str,
    pub scan: &'static str,
    pub or_type: &'static str,
    pub qr_title: &'static str,
    pub code_label: &'static str,
    pub turn_on: &'static str,
    pub turn_off: &'static str,
    pub turn_off_lead: &'static str,
    pub code_wrong: &'static str,
    pub turned_on: &'static str,
    pub turned_off: &'static str,
}

pub const EN: Words = Words {
    title: "Two-factor sign-in",
    lead: "With two-factor sign-in, signing in takes your password and a six-digit code from an authenticator app on your phone, so a stolen password is not enough.",
    is_on: "Two-factor sign-in is on for your account.",
    is_off: "Two-factor sign-in is off for your account.",
    set_up: "Set up two-factor sign-in",
    scan: "Scan this code with your authenticator app (for example FreeOTP, Google Authenticator or Microsoft Authenticator),",
    or_type: "or type this key into it:",
    qr_title: "QR code to add your account to an authenticator app",
    code_label: "The six-digit code your app shows now",
    turn_on: "Turn on",
    turn_off: "Turn off two-factor sign-in",
    turn_off_lead: "To turn it off, enter a current code.",
    code_wrong: "That code is not the one your app shows now (each code works once). Try the next one.",
    turned_on: "Two-factor sign-in is on: from now on, signing in asks for a code.",
    turned_off: "Two-factor sign-in is off.",
};

pub const FR: Words = Words {
    title: "Connexion à deux facteurs",
    lead: "Avec la connexion à deux facteurs, se connecter demande votre mot de passe et un code à six chiffres d’une application d’authentification sur votre téléphone : un mot de passe volé ne suffit plus.",
    is_on: "La connexion à deux facteurs est activée pour votre compte.",
    is_off: "La connexion à deux facteurs est désactivée pour votre compte.",
    set_up: "Configurer la connexion à deux facteurs",
    scan: "Lisez ce code avec votre application d’authentification (par exemple FreeOTP, Google Authenticator ou Microsoft Authenticator),",
    or_type: "ou entrez-y cette clé :",
    qr_title: "Code QR pour ajouter votre compte à une application d’authentification",
    code_label: "Le code à six chiffres que votre application affiche maintenant",
    turn_on: "Activer",
    turn_off: "Désactiver la connexion à deux facteurs",
    turn_off_lead: "Pour la désactiver, entrez un code actuel.",
    code_wrong: "Ce code n’est pas celui que votre application affiche maintenant (chaque code ne sert qu’une fois). Essayez le suivant.",
    turned_on: "La connexion à deux facteurs est activée : désormais, la connexion demande un code.",
    turned_off: "La connexion à deux facteurs est désactivée.",
};

/// A secret being set up: its QR code (SVG) and its key, grouped for typing.
struct Setup {
    qr_svg: String,
    key: String,
}

#[derive(Template)]
#[template(path = "console_security.html", config = "src/web/askama.toml")]
struct SecurityPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    on: bool,
    setup: Option<Setup>,
    error: Option<&'static str>,
    done: Option<&'static str>,
}

async fn security_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<&'static str>,
    done: Option<&'static str>,
) -> Response {
    let w = staff.page.pick(&EN, &FR);
    let two_factor = match state.store.two_factor(&staff.session.account.id).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    // A secret being set up is shown until it is confirmed (again after a wrong code).
    let setup = match (&two_factor.secret, &two_factor.pending) {
        (None, Some(pending)) => match open_two_factor(&state.master_key, &staff.session.account.id, pending) {
            Ok(secret) => {
                let issuer = format!("Credence: {}", staff.organization.name);
                let uri = totp::otpauth_uri(&secret, &issuer, &staff.session.account.email);
                let qr_svg = match QrMatrix::new(&uri) {
                    Ok(qr) => qr.to_svg(w.qr_title),
                    Err(e) => return crate::error::AppError::Internal(e.to_string()).into_response(),
                };
                let key = totp::base32(&secret)
                    .as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c))
                    .collect::<Vec<_>>()
                    .join(" ");
                Some(Setup { qr_svg, key })
            }
            Err(e) => return e.into_response(),
        },
        _ => None,
    };
    let template = SecurityPage {
        page: &staff.page,
        chrome: staff.chrome(Section::Security),
        w,
        on: two_factor.secret.is_some(),
        setup,
        error,
        done,
    };
    private(render(&staff.page, status, &template))
}

/// `GET /console/security`.
pub async fn security(State(state): State<AppState>, staff: Staff) -> Response {
    security_page(&state, &staff, StatusCode::OK, None, None).await
}

/// `POST /console/security/two-factor/start`: a new secret to set up (replacing any
/// other being set up); not while two-factor sign-in is on.
pub async fn start(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = staff.form_for(Can::Read, &state, &headers, &body) {
        return *r;
    }
    let account = &staff.session.account.id;
    let on = match state.store.two_factor(account).await {
        Ok(t) => t.secret.is_some(),
        Err(e) => return e.into_response(),
    };
    if !on {
        let sealed = match seal_two_factor(&state.master_key, account, &totp::new_secret()) {
            Ok(s) => s,
            Err(e) => return e.into_response(),
        };
        if let Err(e) = state.store.set_two_factor_pending(account, &sealed).await {
            return e.into_response();
        }
    }
    security_page(&state, &staff, StatusCode::OK, None, None).await
}

/// `POST /console/security/two-factor/confirm`: the first code turns it on.
pub async fn confirm(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match staff.form_for(Can::Read, &state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let w = staff.page.pick(&EN, &FR);
    let account = &staff.session.account;
    let pending = match state.store.two_factor(&account.id).await {
        Ok(t) => t.pending,
        Err(e) => return e.into_response(),
    };
    let Some(pending) = pending else { return security_page(&state, &staff, StatusCode::CONFLICT, None, None).await };
    let secret = match open_two_factor(&state.master_key, &account.id, &pending) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let step = totp::accepted_step(&secret, field(&fields, "code"), now, None).and_then(|s| i64::try_from(s).ok());
    let Some(step) = step else {
        return security_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(w.code_wrong), None).await;
    };
    match state.store.enable_two_factor(account, &pending, step, &staff.actor()).await {
        Ok(true) => security_page(&state, &staff, StatusCode::OK, None, Some(w.turned_on)).await,
        Ok(false) => security_page(&state, &staff, StatusCode::CONFLICT, None, None).await,
        Err(e) => e.into_response(),
    }
}

/// `POST /console/security/two-factor/disable`: a current code turns it off.
pub async fn disable(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match staff.form_for(Can::Read, &state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let w = staff.page.pick(&EN, &FR);
    let account = &staff.session.account;
    let two_factor = match state.store.two_factor(&account.id).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let Some(stored) = two_factor.secret else {
        return security_page(&state, &staff, StatusCode::OK, None, None).await;
    };
    let secret = match open_two_factor(&state.master_key, &account.id, &stored) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let step = match accept_code(&state.store, &account.id, &secret, field(&fields, "code"), two_factor.last_step).await
    {
        Ok(Some(step)) => step,
        Ok(None) => {
            return security_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(w.code_wrong), None).await;
        }
        Err(e) => return e.into_response(),
    };
    match state.store.disable_two_factor(account, step, &staff.actor()).await {
        Ok(_) => security_page(&state, &staff, StatusCode::OK, None, Some(w.turned_off)).await,
        Err(e) => e.into_response(),
    }
}
