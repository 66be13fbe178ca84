//! The platform admins' pages, `/console/platform/organizations`: every organization
//! (with its staff and credential counts), creating one, and for each its profile and
//! inviting its staff (the link shown once), platform admins among them. A platform
//! admin is a staff account with the flag set (by `credence admin invite
//! --platform-admin`, or by another platform admin's invitation); they still belong to
//! their home organization. To anyone else every route here answers 404, before its
//! form is even read, so the area's existence is not revealed.
//!
//! Organizations are created and changed through `app::organizations`, as the API
//! does, and every change is recorded in the audit log of the organization concerned,
//! naming the platform admin.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::organization::{self as profile, Draft, ProfileForm, refusal};
use super::{Chrome, MAX_FORM_BYTES, Section, Staff, field, role_name, see_other, with_form_cap};
use crate::app::staff as staff_auth;
use crate::app::{AppState, organizations};
use crate::domain::organization::Organization;
use crate::domain::staff::StaffRole;
use crate::domain::validation::{FieldError, is_slug};
use crate::error::AppError;
use crate::store::{Invitation, StaffAccount};
use crate::web::{PageContext, not_found, private, render};

pub fn routes() -> Router<AppState> {
    with_form_cap(
        Router::new()
            .route("/console/platform/organizations", get(list).post(create))
            .route("/console/platform/organizations/{slug}", get(organization).post(save))
            .route("/console/platform/organizations/{slug}/invitations", post(invite)),
        MAX_FORM_BYTES,
    )
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub col_name: &'static str,
    pub col_slug: &'static str,
    pub col_kind: &'static str,
    pub col_language: &'static str,
    pub col_created: &'static str,
    pub col_staff: &'static str,
    pub col_issued: &'static str,
    pub new_title: &'static str,
    pub back: &'static str,
    pub created_notice: &'static str,
    pub staff: &'static str,
    pub invitations: &'static str,
    pub none: &'static str,
    pub expires: &'static str,
    pub invite_title: &'static str,
    pub email: &'static str,
    pub role: &'static str,
    pub platform_admin: &'static str,
    pub platform_admin_hint: &'static str,
    pub platform_admin_tag: &'static str,
    pub invite: &'static str,
    pub invitation_made: &'static str,
    pub link_once: &'static str,
    pub email_invalid: &'static str,
    pub role_invalid: &'static str,
}

pub const EN: Words = Words {
    title: "Platform: organizations",
    lead: "Every organization of this service. Only platform admins see these pages.",
    col_name: "Name",
    col_slug: "Slug",
    col_kind: "Kind",
    col_language: "Language",
    col_created: "Created",
    col_staff: "Staff",
    col_issued: "Credentials issued",
    new_title: "Create an organization",
    back: "All organizations",
    created_notice: "The organization is created, with its signing key.",
    staff: "Staff",
    invitations: "Open invitations",
    none: "None.",
    expires: "expires",
    invite_title: "Invite a staff member",
    email: "Email address",
    role: "Role",
    platform_admin: "Platform admin too",
    platform_admin_hint: "They will see these pages and can create and change every organization.",
    platform_admin_tag: "platform admin",
    invite: "Invite",
    invitation_made: "Invitation link for",
    link_once: "Copy it now and send it: it is shown only this once, and opens one account.",
    email_invalid: "Enter an email address.",
    role_invalid: "Choose a role.",
};

pub const FR: Words = Words {
    title: "Plateforme : organisations",
    lead: "Toutes les organisations de ce service. Seul·es les administrateur·rices de la plateforme voient ces pages.",
    col_name: "Nom",
    col_slug: "Slug",
    col_kind: "Type",
    col_language: "Langue",
    col_created: "Créée le",
    col_staff: "Personnel",
    col_issued: "Titres délivrés",
    new_title: "Créer une organisation",
    back: "Toutes les organisations",
    created_notice: "L’organisation est créée, avec sa clé de signature.",
    staff: "Personnel",
    invitations: "Invitations en attente",
    none: "Aucune.",
    expires: "expire le",
    invite_title: "Inviter un membre du personnel",
    email: "Adresse courriel",
    role: "Rôle",
    platform_admin: "Aussi administrateur·rice de la plateforme",
    platform_admin_hint: "Cette personne verra ces pages et pourra créer et modifier toutes les organisations.",
    platform_admin_tag: "admin. de la plateforme",
    invite: "Inviter",
    invitation_made: "Lien d’invitation pour",
    link_once: "Copiez-le maintenant et envoyez-le : il n’est affiché qu’une seule fois et ouvre un seul compte.",
    email_invalid: "Entrez une adresse courriel.",
    role_invalid: "Choisissez un rôle.",
};

/// A signed-in platform admin. Anyone else (signed in or not) is answered 404.
pub struct PlatformAdmin(Staff);

impl FromRequestParts<AppState> for PlatformAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Staff::from_request_parts(parts, state).await {
            Ok(staff) if staff.is_platform_admin() => Ok(PlatformAdmin(staff)),
            _ => Err(private(not_found(&PageContext::from_parts(parts)))),
        }
    }
}

/// One organization of the listing.
struct Row {
    org: Organization,
    kind: &'static str,
    staff: i64,
    issued: i64,
}

#[derive(Template)]
#[template(path = "console_platform.html", config = "src/web/askama.toml")]
struct ListPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    rows: Vec<Row>,
    form: ProfileForm,
}

fn kind_label(page: &PageContext, org: &Organization) -> &'static str {
    let w = page.pick(&profile::EN, &profile::FR);
    let at = ["sector_council", "college", "university", "employer", "other"]
        .iter()
        .position(|k| *k == org.kind.as_str())
        .unwrap_or(4);
    w.kinds[at]
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    draft: &Draft,
    errors: &[FieldError],
) -> Response {
    let found = match state.store.organizations_with_counts().await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let chrome = staff.chrome(Section::Platform);
    let form = ProfileForm::new(
        &staff.page,
        &chrome.csrf,
        "/console/platform/organizations".into(),
        "new",
        draft,
        errors,
        (true, true),
    );
    let rows = found
        .into_iter()
        .map(|(org, staff_count, issued)| Row { kind: kind_label(&staff.page, &org), org, staff: staff_count, issued })
        .collect();
    let template = ListPage { page: &staff.page, w: staff.page.pick(&EN, &FR), chrome, rows, form };
    private(render(&staff.page, status, &template))
}

/// `GET /console/platform/organizations`.
pub async fn list(State(state): State<AppState>, PlatformAdmin(staff): PlatformAdmin) -> Response {
    list_page(&state, &staff, StatusCode::OK, &Draft::blank(), &[]).await
}

/// `POST /console/platform/organizations`: a new organization (the fields of the API's
/// `NewOrganization` but the logo), then its page.
pub async fn create(
    State(state): State<AppState>,
    PlatformAdmin(staff): PlatformAdmin,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match staff.form(&state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let draft = Draft::posted(&fields);
    let new = match draft.new_organization(staff.page.pick(&profile::EN, &profile::FR)) {
        Ok(new) => new,
        Err(errors) => return list_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, &draft, &errors).await,
    };
    match organizations::create(&state, &new, &staff.actor()).await {
        Ok(org) => see_other(&format!("/console/platform/organizations/{}?created", org.slug)),
        Err(e) => match refusal(e) {
            Ok((status, errors)) => list_page(&state, &staff, status, &draft, &errors).await,
            Err(r) => *r,
        },
    }
}

/// What the organization's page shows besides its profile.
#[derive(Default)]
struct Outcome {
    created: bool,
    saved: bool,
    /// The invitation just made: for whom, and its link (shown once).
    made: Option<(String, String)>,
    email: String,
    email_error: Option<&'static str>,
    role_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console_platform_organization.html", config = "src/web/askama.toml")]
struct OrganizationPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    pw: &'static profile::Words,
    org: Organization,
    staff: Vec<(StaffAccount, &'static str)>,
    invitations: Vec<(Invitation, &'static str)>,
    form: ProfileForm,
    o: Outcome,
}

async fn organization_page(
    state: &AppState,
    staff: &Staff,
    org: Organization,
    status: StatusCode,
    draft: &Draft,
    errors: &[FieldError],
    o: Outcome,
) -> Response {
    let found = tokio::try_join!(state.store.staff_of(&org.id), state.store.open_invitations_of(&org.id));
    let (accounts, invitations) = match found {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let chrome = staff.chrome(Section::Platform);
    let cw = chrome.w;
    let form = ProfileForm::new(
        &staff.page,
        &chrome.csrf,
        format!("/console/platform/organizations/{}", org.slug),
        "org",
        draft,
        errors,
        (false, true),
    );
    let template = OrganizationPage {
        page: &staff.page,
        w: staff.page.pick(&EN, &FR),
        pw: staff.page.pick(&profile::EN, &profile::FR),
        staff: accounts.into_iter().map(|a| (a.clone(), role_name(cw, a.role))).collect(),
        invitations: invitations.into_iter().map(|i| (i.clone(), role_name(cw, i.role))).collect(),
        chrome,
        org,
        form,
        o,
    };
    private(render(&staff.page, status, &template))
}

/// The organization a path's slug names; `None` for anything else (answered 404).
async fn named(state: &AppState, slug: &str) -> Result<Option<Organization>, Response> {
    if !is_slug(slug) {
        return Ok(None);
    }
    state.store.organization_by_slug(slug).await.map_err(IntoResponse::into_response)
}

/// `GET /console/platform/organizations/{slug}` (`?created` after its creation).
pub async fn organization(
    State(state): State<AppState>,
    PlatformAdmin(staff): PlatformAdmin,
    Path(slug): Path<String>,
    query: axum::extract::RawQuery,
) -> Response {
    let org = match named(&state, &slug).await {
        Ok(Some(org)) => org,
        Ok(None) => return private(not_found(&staff.page)),
        Err(r) => return r,
    };
    let o = Outcome { created: query.0.as_deref() == Some("created"), ..Outcome::default() };
    let draft = Draft::of(&org);
    organization_page(&state, &staff, org, StatusCode::OK, &draft, &[], o).await
}

/// A form posted to the page of organization `slug`: its fields, once the post is
/// checked (same site, CSRF), and the organization; otherwise the answer to give.
async fn posted_to(
    state: &AppState,
    staff: &Staff,
    slug: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Vec<(String, String)>, Organization), Response> {
    let fields = staff.form(state, headers, body).map_err(|r| *r)?;
    match named(state, slug).await {
        Ok(Some(org)) => Ok((fields, org)),
        Ok(None) => Err(private(not_found(&staff.page))),
        Err(r) => Err(r),
    }
}

/// `POST /console/platform/organizations/{slug}`: its profile's fields.
pub async fn save(
    State(state): State<AppState>,
    PlatformAdmin(staff): PlatformAdmin,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (fields, org) = match posted_to(&state, &staff, &slug, &headers, &body).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let draft = Draft::posted(&fields);
    let patch = match draft.patch(staff.page.pick(&profile::EN, &profile::FR)) {
        Ok(p) => p,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return organization_page(&state, &staff, org, status, &draft, &errors, Outcome::default()).await;
        }
    };
    match organizations::update(&state, &org, patch, &staff.actor()).await {
        Ok(updated) => {
            let draft = Draft::of(&updated);
            let o = Outcome { saved: true, ..Outcome::default() };
            organization_page(&state, &staff, updated, StatusCode::OK, &draft, &[], o).await
        }
        Err(e) => match refusal(e) {
            Ok((status, errors)) => {
                organization_page(&state, &staff, org, status, &draft, &errors, Outcome::default()).await
            }
            Err(r) => *r,
        },
    }
}

/// `POST /console/platform/organizations/{slug}/invitations`: email, role and
/// `platformAdmin`; the link, shown once.
pub async fn invite(
    State(state): State<AppState>,
    PlatformAdmin(staff): PlatformAdmin,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (fields, org) = match posted_to(&state, &staff, &slug, &headers, &body).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let w = staff.page.pick(&EN, &FR);
    let draft = Draft::of(&org);
    let email = field(&fields, "email");
    let kept = email.chars().take(320).collect::<String>();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Some(role) = StaffRole::parse(field(&fields, "role")) else {
        let o = Outcome { email: kept, role_error: Some(w.role_invalid), ..Outcome::default() };
        return organization_page(&state, &staff, org, unprocessable, &draft, &[], o).await;
    };
    let platform_admin = field(&fields, "platformAdmin") == "true";
    match staff_auth::invite_with(&state.store, &org.id, email, role, platform_admin, &staff.actor()).await {
        Ok((token, invitation)) => {
            let link = staff_auth::invitation_url(&state.store, &token);
            let o = Outcome { made: Some((invitation.email, link)), ..Outcome::default() };
            organization_page(&state, &staff, org, StatusCode::OK, &draft, &[], o).await
        }
        Err(AppError::Validation(_)) => {
            let o = Outcome { email: kept, email_error: Some(w.email_invalid), ..Outcome::default() };
            organization_page(&state, &staff, org, unprocessable, &draft, &[], o).await
        }
        Err(e) => e.into_response(),
    }
}
