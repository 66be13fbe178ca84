//! The console's door: accepting an invitation, signing in, and signing out here or
//! on every device.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{
    EN, FR, Words, cookie_token, csrf_matches, current_session, field, forbidden, form_fields, see_other,
    session_cookie,
};
use crate::app::AppState;
use crate::app::staff::{self as staff_auth, SignInRefusal};
use crate::domain::staff::{PasswordFault, check_new_password};
use crate::error::AppError;
use crate::http::client::ClientAddr;
use crate::store::Invitation;
use crate::web::claim_page::check_display_name;
use crate::web::{PageContext, not_found, private, render};

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
    let (email, password, code) = (field(&fields, "email"), field(&fields, "password"), field(&fields, "code"));
    let client = client.map_or_else(|| "unknown".to_string(), |c| c.to_string());
    let account = match staff_auth::sign_in(&state.store, &state.master_key, email, password, code, &client).await {
        Ok(Ok(account)) => account,
        Ok(Err(SignInRefusal::Wrong)) => return sign_in_page(&page, StatusCode::UNAUTHORIZED, email, Some(w.wrong)),
        Ok(Err(SignInRefusal::CodeNeeded)) => {
            return sign_in_page(&page, StatusCode::UNAUTHORIZED, email, Some(w.code_needed));
        }
        Ok(Err(SignInRefusal::WrongCode)) => {
            return sign_in_page(&page, StatusCode::UNAUTHORIZED, email, Some(w.code_wrong));
        }
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
