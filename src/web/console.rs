//! The issuer console, `/console`: organization staff sign in with a password and
//! work in pages. This is its door: accepting an invitation, signing in and out
//! (here or everywhere), and the home page of a signed-in staff member.
//!
//! A session is a random token in a cookie (`HttpOnly`, `SameSite=Strict`, and
//! `Secure` with the `__Host-` prefix when the service is public over https), kept
//! in the database as its SHA-256. Every form post must come from this site
//! (`Sec-Fetch-Site` / `Origin`), and a signed-in form must carry its session's CSRF
//! token. A session is only ever made at sign-in, so a token planted before it
//! (session fixation) is never adopted.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::claim_page::{check_display_name, same_site_post};
use super::lang::form_pairs;
use super::{MessagePage, PageContext, not_found, private, render};
use crate::app::AppState;
use crate::app::staff::{self as staff_auth, SignInRefusal};
use crate::domain::staff::{PasswordFault, check_new_password};
use crate::error::AppError;
use crate::http::client::ClientAddr;
use crate::store::{Invitation, StaffSession};

/// Largest console form accepted, in bytes.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// The words of the console's door pages.
#[derive(Debug)]
pub struct Words {
    pub console: &'static str,
    pub sign_in_title: &'static str,
    pub email_label: &'static str,
    pub password_label: &'static str,
    pub sign_in: &'static str,
    pub wrong: &'static str,
    pub throttled: &'static str,
    pub invitation_title: &'static str,
    pub invitation_lead: &'static str,
    pub name_label: &'static str,
    pub new_password_label: &'static str,
    pub new_password_hint: &'static str,
    pub confirm_label: &'static str,
    pub create_account: &'static str,
    pub password_too_short: &'static str,
    pub password_too_long: &'static str,
    pub password_mismatch: &'static str,
    pub name_invalid: &'static str,
    pub signed_in_as: &'static str,
    pub role_label: &'static str,
    pub achievements: &'static str,
    pub issued: &'static str,
    pub no_achievements: &'static str,
    pub sign_out: &'static str,
    pub sign_out_everywhere: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub role_issuer_admin: &'static str,
    pub role_issuer: &'static str,
    pub role_viewer: &'static str,
}

pub const EN: Words = Words {
    console: "Issuer console",
    sign_in_title: "Sign in",
    email_label: "Email address",
    password_label: "Password",
    sign_in: "Sign in",
    wrong: "That email address and password do not match an account.",
    throttled: "Too many failed sign-ins. Wait 15 minutes, then try again.",
    invitation_title: "Create your account",
    invitation_lead: "You were invited to work in the issuer console of",
    name_label: "Your name",
    new_password_label: "Choose a password",
    new_password_hint: "At least 12 characters. A phrase of several words is easy to remember and hard to guess.",
    confirm_label: "The same password again",
    create_account: "Create my account",
    password_too_short: "Use at least 12 characters.",
    password_too_long: "Use at most 256 bytes.",
    password_mismatch: "The two passwords differ.",
    name_invalid: "Enter your name (1 to 100 characters).",
    signed_in_as: "Signed in as",
    role_label: "Role",
    achievements: "Micro-credentials",
    issued: "issued",
    no_achievements: "No micro-credentials yet.",
    sign_out: "Sign out",
    sign_out_everywhere: "Sign out on every device",
    forbidden_title: "This form cannot be accepted",
    forbidden_body: "It was sent from another site, or from a page that is out of date. Open the console again and send the form from there.",
    role_issuer_admin: "Administrator",
    role_issuer: "Issuer",
    role_viewer: "Viewer",
};

pub const FR: Words = Words {
    console: "Console de l’émetteur",
    sign_in_title: "Connexion",
    email_label: "Adresse courriel",
    password_label: "Mot de passe",
    sign_in: "Se connecter",
    wrong: "Cette adresse courriel et ce mot de passe ne correspondent à aucun compte.",
    throttled: "Trop de tentatives de connexion échouées. Attendez 15 minutes, puis réessayez.",
    invitation_title: "Créez votre compte",
    invitation_lead: "Vous êtes invité·e à travailler dans la console de l’émetteur de",
    name_label: "Votre nom",
    new_password_label: "Choisissez un mot de passe",
    new_password_hint: "Au moins 12 caractères. Une phrase de plusieurs mots est facile à retenir et difficile à deviner.",
    confirm_label: "Le même mot de passe, encore",
    create_account: "Créer mon compte",
    password_too_short: "Utilisez au moins 12 caractères.",
    password_too_long: "Utilisez au plus 256 octets.",
    password_mismatch: "Les deux mots de passe diffèrent.",
    name_invalid: "Entrez votre nom (1 à 100 caractères).",
    signed_in_as: "Connecté·e en tant que",
    role_label: "Rôle",
    achievements: "Microcertifications",
    issued: "délivrés",
    no_achievements: "Aucune microcertification pour l’instant.",
    sign_out: "Se déconnecter",
    sign_out_everywhere: "Se déconnecter sur tous les appareils",
    forbidden_title: "Ce formulaire ne peut pas être accepté",
    forbidden_body: "Il a été envoyé d’un autre site, ou d’une page périmée. Ouvrez de nouveau la console et envoyez le formulaire de là.",
    role_issuer_admin: "Administrateur·rice",
    role_issuer: "Émetteur·rice",
    role_viewer: "Lecture seule",
};

/// The session cookie's name: with the `__Host-` prefix (which browsers accept only
/// `Secure`, on `Path=/`, without `Domain`) when the service is public over https.
fn cookie_name(state: &AppState) -> &'static str {
    if state.store.public_url.starts_with("https://") { "__Host-credence_session" } else { "credence_session" }
}

fn session_cookie(state: &AppState, token: &str, max_age: u64) -> Option<HeaderValue> {
    let secure = if state.store.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie =
        format!("{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}", cookie_name(state));
    HeaderValue::from_str(&cookie).ok()
}

/// The session token the request's cookie carries, if any.
fn cookie_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(state);
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The live session of a request.
async fn current_session(state: &AppState, headers: &HeaderMap) -> Result<Option<StaffSession>, AppError> {
    match cookie_token(state, headers) {
        Some(token) => staff_auth::session(&state.store, &token).await,
        None => Ok(None),
    }
}

fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    private(r)
}

fn forbidden(page: &PageContext) -> Response {
    let w = page.pick(&EN, &FR);
    private(render(
        page,
        StatusCode::FORBIDDEN,
        &MessagePage { page, title: w.forbidden_title, body: w.forbidden_body },
    ))
}

/// A form post's fields, when it is a form from this site; otherwise the answer.
fn form_fields(
    state: &AppState,
    page: &PageContext,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Box<Response>> {
    if !same_site_post(headers, &state.store.public_url) {
        return Err(Box::new(forbidden(page)));
    }
    let is_form = super::is_form_post(headers);
    if !is_form {
        let refusal = AppError::UnsupportedMediaType("send the form as application/x-www-form-urlencoded".into());
        return Err(Box::new(refusal.into_response()));
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(Box::new(AppError::bad_request(None, "the form is not UTF-8").into_response()));
    };
    Ok(form_pairs(text))
}

fn field<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Whether a signed-in form carries its session's CSRF token (compared in constant time).
fn csrf_matches(session: &StaffSession, fields: &[(String, String)]) -> bool {
    crate::domain::api_key::hashes_match(field(fields, "csrf"), &session.csrf_token)
}

#[derive(Template)]
#[template(path = "console_sign_in.html", config = "src/web/askama.toml")]
struct SignInPage<'a> {
    page: &'a PageContext,
    w: &'static Words,
    email: &'a str,
    error: Option<&'static str>,
}

fn sign_in_page(page: &PageContext, status: StatusCode, email: &str, error: Option<&'static str>) -> Response {
    let w = page.pick(&EN, &FR);
    private(render(page, status, &SignInPage { page, w, email, error }))
}

/// `GET /console/sign-in`.
pub async fn sign_in_form(State(state): State<AppState>, page: PageContext, headers: HeaderMap) -> Response {
    match current_session(&state, &headers).await {
        Ok(Some(_)) => see_other("/console"),
        Ok(None) => sign_in_page(&page, StatusCode::OK, "", None),
        Err(e) => e.into_response(),
    }
}

/// Answers a new session: its cookie, and on to the console.
fn signed_in(state: &AppState, token: &str) -> Response {
    let mut r = see_other("/console");
    if let Some(cookie) = session_cookie(state, token, staff_auth::SESSION_VALID_FOR.as_secs()) {
        r.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    r
}

/// `POST /console/sign-in`: a new session (303 to the console), or the form again
/// (401 wrong, 429 throttled).
pub async fn sign_in(
    State(state): State<AppState>,
    page: PageContext,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match form_fields(&state, &page, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let w = page.pick(&EN, &FR);
    let (email, password) = (field(&fields, "email"), field(&fields, "password"));
    let client = client.map_or_else(|| "unknown".to_string(), |c| c.to_string());
    let account = match staff_auth::sign_in(&state.store, email, password, &client).await {
        Ok(Ok(account)) => account,
        Ok(Err(SignInRefusal::Wrong)) => return sign_in_page(&page, StatusCode::UNAUTHORIZED, email, Some(w.wrong)),
        Ok(Err(SignInRefusal::Throttled)) => {
            let mut r = sign_in_page(&page, StatusCode::TOO_MANY_REQUESTS, email, Some(w.throttled));
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(staff_auth::FAILURE_WINDOW.as_secs()));
            return r;
        }
        Err(e) => return e.into_response(),
    };
    match staff_auth::open_session(&state.store, &account).await {
        Ok((token, _)) => signed_in(&state, &token),
        Err(e) => e.into_response(),
    }
}

/// `POST /console/sign-out` (this session) and `/console/sign-out-everywhere` (every
/// session of the account).
async fn sign_out_of(
    state: AppState,
    page: PageContext,
    headers: HeaderMap,
    body: Bytes,
    everywhere: bool,
) -> Response {
    let fields = match form_fields(&state, &page, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let session = match current_session(&state, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return see_other("/console/sign-in"),
        Err(e) => return e.into_response(),
    };
    if !csrf_matches(&session, &fields) {
        return forbidden(&page);
    }
    let ended = match (everywhere, cookie_token(&state, &headers)) {
        (true, _) => state.store.end_sessions_of(&session.account.id).await,
        (false, Some(token)) => match crate::domain::staff::token_hash(staff_auth::SESSION_TAG, &token) {
            Some(hash) => state.store.end_session(&hash).await,
            None => Ok(()),
        },
        (false, None) => Ok(()),
    };
    if let Err(e) = ended {
        return e.into_response();
    }
    let mut r = see_other("/console/sign-in");
    if let Some(cookie) = session_cookie(&state, "", 0) {
        r.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    r
}

pub async fn sign_out(State(state): State<AppState>, page: PageContext, headers: HeaderMap, body: Bytes) -> Response {
    sign_out_of(state, page, headers, body, false).await
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sign_out_of(state, page, headers, body, true).await
}

#[derive(Template)]
#[template(path = "console_invitation.html", config = "src/web/askama.toml")]
struct InvitationPage<'a> {
    page: &'a PageContext,
    w: &'static Words,
    token: &'a str,
    organization: &'a str,
    email: &'a str,
    name: &'a str,
    name_error: Option<&'static str>,
    password_error: Option<&'static str>,
}

/// The organization's name and the invitation of a link, while open.
async fn open_invitation(state: &AppState, token: &str) -> Result<Option<(String, Invitation)>, AppError> {
    let Some(hash) = crate::domain::staff::token_hash(staff_auth::INVITATION_TAG, token) else { return Ok(None) };
    let Some(invitation) = state.store.open_invitation(&hash).await? else { return Ok(None) };
    let name = state.store.organization_by_id(&invitation.organization_id).await?.map(|o| o.name);
    Ok(name.map(|n| (n, invitation)))
}

/// `GET /console/invitations/{token}`: the form that creates the invited account.
pub async fn invitation_form(State(state): State<AppState>, page: PageContext, Path(token): Path<String>) -> Response {
    let (organization, invitation) = match open_invitation(&state, &token).await {
        Ok(Some(found)) => found,
        Ok(None) => return private(not_found(&page)),
        Err(e) => return e.into_response(),
    };
    let w = page.pick(&EN, &FR);
    let template = InvitationPage {
        page: &page,
        w,
        token: &token,
        organization: &organization,
        email: &invitation.email,
        name: "",
        name_error: None,
        password_error: None,
    };
    private(render(&page, StatusCode::OK, &template))
}

/// `POST /console/invitations/{token}`: creates the account and signs it in (303 to
/// the console), or shows the form again (422).
pub async fn accept_invitation(
    State(state): State<AppState>,
    page: PageContext,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match form_fields(&state, &page, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let (organization, invitation) = match open_invitation(&state, &token).await {
        Ok(Some(found)) => found,
        Ok(None) => return private(not_found(&page)),
        Err(e) => return e.into_response(),
    };
    let w = page.pick(&EN, &FR);
    let name = check_display_name(field(&fields, "name"));
    let password = check_new_password(field(&fields, "password"), field(&fields, "confirmation"));
    if name.is_err() || password.is_err() {
        let template = InvitationPage {
            page: &page,
            w,
            token: &token,
            organization: &organization,
            email: &invitation.email,
            name: field(&fields, "name"),
            name_error: name.is_err().then_some(w.name_invalid),
            password_error: password.err().map(|f| match f {
                PasswordFault::TooShort => w.password_too_short,
                PasswordFault::TooLong => w.password_too_long,
                PasswordFault::Mismatch => w.password_mismatch,
            }),
        };
        return private(render(&page, StatusCode::UNPROCESSABLE_ENTITY, &template));
    }
    let Ok(name) = name else { return private(not_found(&page)) };
    let hash = match staff_auth::hash_password(field(&fields, "password").to_string()).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let Some(token_hash) = crate::domain::staff::token_hash(staff_auth::INVITATION_TAG, &token) else {
        return private(not_found(&page));
    };
    let account = match state.store.accept_invitation(&token_hash, &name, &hash).await {
        Ok(Some(account)) => account,
        Ok(None) => return private(not_found(&page)),
        Err(e) => return e.into_response(),
    };
    match staff_auth::open_session(&state.store, &account).await {
        Ok((session, _)) => signed_in(&state, &session),
        Err(e) => e.into_response(),
    }
}

/// One micro-credential on the console's home page.
struct AchievementLine {
    name: String,
    url: String,
    issued: i64,
}

#[derive(Template)]
#[template(path = "console_home.html", config = "src/web/askama.toml")]
struct HomePage<'a> {
    page: &'a PageContext,
    w: &'static Words,
    session: &'a StaffSession,
    organization: &'a str,
    role: &'static str,
    achievements: Vec<AchievementLine>,
}

/// `GET /console`: the signed-in staff member's home page; sign-in first otherwise.
pub async fn home(State(state): State<AppState>, page: PageContext, headers: HeaderMap) -> Response {
    let session = match current_session(&state, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return see_other("/console/sign-in"),
        Err(e) => return e.into_response(),
    };
    let org = match state.store.organization_by_id(&session.account.organization_id).await {
        Ok(Some(org)) => org,
        Ok(None) => return private(not_found(&page)),
        Err(e) => return e.into_response(),
    };
    let achievements = match state.store.list_achievements_counted(&org.id).await {
        Ok(list) => list,
        Err(e) => return e.into_response(),
    };
    let w = page.pick(&EN, &FR);
    let role = match session.account.role {
        crate::domain::staff::StaffRole::IssuerAdmin => w.role_issuer_admin,
        crate::domain::staff::StaffRole::Issuer => w.role_issuer,
        crate::domain::staff::StaffRole::Viewer => w.role_viewer,
    };
    let achievements = achievements
        .into_iter()
        .map(|a| AchievementLine { url: a.url.clone(), name: a.definition.name.clone(), issued: a.issued_count })
        .collect();
    let template = HomePage { page: &page, w, session: &session, organization: &org.name, role, achievements };
    private(render(&page, StatusCode::OK, &template))
}
