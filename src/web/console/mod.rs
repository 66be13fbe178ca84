//! The issuer console, `/console`: organization staff sign in with a password and
//! work in pages. `door` is how they get in and out (invitations, sign-in, sign-out
//! here or everywhere); each area of work is a module of its own, all built on what
//! this module gives them:
//!
//! - [`Staff`], the extractor of a signed-in staff member of an organization: a request
//!   without a live session is sent to the sign-in page (303);
//! - [`Can`] and [`Staff::require`], what each role may do (viewers read, issuers record
//!   and issue, issuer-admins manage), refused with a 403 page;
//! - [`Staff::form`], a form post's fields once it is known to come from this site and to
//!   carry the session's CSRF token;
//! - [`Chrome`], what every console page shows around its content (the organization, who
//!   is signed in, the console's navigation and the sign-out form): templates extend
//!   `console_base.html` and take a `chrome` field.
//!
//! A session is a random token in a cookie (`HttpOnly`, `SameSite=Strict`, and
//! `Secure` with the `__Host-` prefix when the service is public over https), kept
//! in the database as its SHA-256. Every form post must come from this site
//! (`Sec-Fetch-Site` / `Origin`), and a signed-in form must carry its session's CSRF
//! token. A session is only ever made at sign-in, so a token planted before it
//! (session fixation) is never adopted. Console pages are private: `no-store`, no
//! referrer, not indexed.

pub mod achievements;
pub mod alignments;
pub mod analytics;
pub mod artwork;
pub mod audit;
pub mod credentials;
pub mod door;
pub mod home;
pub mod imports;
pub mod learners;
pub mod organization;
pub mod outbox;
pub mod platform;
pub mod results;
pub mod security;
pub mod signoffs;
pub mod team;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::lang::form_pairs;
use super::{FormRefusal, MessagePage, PageContext, not_found, private, render};
use crate::app::AppState;
use crate::app::staff as staff_auth;
use crate::domain::audit::Actor;
use crate::domain::organization::Organization;
use crate::domain::staff::StaffRole;
use crate::error::AppError;
use crate::store::StaffSession;

/// Every console route, each area with the body cap of its forms.
pub fn routes() -> Router<AppState> {
    with_form_cap(
        Router::new()
            .route("/console", get(home::home))
            .route("/console/sign-in", get(door::sign_in_form).post(door::sign_in))
            .route("/console/sign-out", post(door::sign_out))
            .route("/console/sign-out-everywhere", post(door::sign_out_everywhere))
            .route("/console/invitations/{token}", get(door::invitation_form).post(door::accept_invitation))
            .merge(results::routes())
            .merge(learners::routes()),
        MAX_FORM_BYTES,
    )
    .merge(imports::routes())
    .merge(credentials::routes())
    .merge(signoffs::routes())
    .merge(audit::routes())
    .merge(outbox::routes())
    .merge(team::routes())
    .merge(analytics::routes())
    .merge(achievements::routes())
    .merge(security::routes())
    .merge(organization::routes())
    .merge(platform::routes())
}

/// A router whose request bodies are capped at `bytes`, a larger one answered with
/// the 413 problem naming the cap.
pub(crate) fn with_form_cap(router: Router<AppState>, bytes: usize) -> Router<AppState> {
    router
        .layer(axum::extract::DefaultBodyLimit::max(bytes))
        .layer(axum::middleware::from_fn_with_state(bytes, crate::http::payload_too_large))
}

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
    pub nav_label: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub code_needed: &'static str,
    pub code_wrong: &'static str,
    pub nav_home: &'static str,
    pub nav_learners: &'static str,
    pub nav_record: &'static str,
    pub nav_imports: &'static str,
    pub nav_credentials: &'static str,
    pub nav_audit: &'static str,
    pub nav_outbox: &'static str,
    pub nav_analytics: &'static str,
    pub nav_signoffs: &'static str,
    pub nav_team: &'static str,
    pub nav_security: &'static str,
    pub nav_organization: &'static str,
    pub nav_platform: &'static str,
    pub role_refused_title: &'static str,
    pub role_refused_body: &'static str,
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
    nav_label: "Console",
    code_label: "Code from your authenticator app",
    code_hint: "Only if you turned on two-factor sign-in: the six digits your app shows now.",
    code_needed: "Your account signs in with a code too: enter the six digits your authenticator app shows now.",
    code_wrong: "That code is not the one your authenticator app shows now (each code works once). Try the next one.",
    nav_home: "Overview",
    nav_learners: "Learners",
    nav_record: "Record a result",
    nav_imports: "CSV imports",
    nav_credentials: "Credentials",
    nav_audit: "Audit log",
    nav_outbox: "Emails",
    nav_analytics: "Analytics",
    nav_signoffs: "Sign-offs",
    nav_team: "Team and API keys",
    nav_security: "Two-factor sign-in",
    nav_organization: "Organization profile",
    nav_platform: "Platform: organizations",
    role_refused_title: "Your role does not allow this",
    role_refused_body: "Ask an administrator of your organization if you need to do this.",
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
    nav_label: "Console",
    code_label: "Code de votre application d’authentification",
    code_hint: "Seulement si vous avez activé la connexion à deux facteurs : les six chiffres que votre application affiche maintenant.",
    code_needed: "Votre compte se connecte aussi avec un code : entrez les six chiffres que votre application d’authentification affiche maintenant.",
    code_wrong: "Ce code n’est pas celui que votre application affiche maintenant (chaque code ne sert qu’une fois). Essayez le suivant.",
    nav_home: "Vue d’ensemble",
    nav_learners: "Apprenant·es",
    nav_record: "Inscrire un résultat",
    nav_imports: "Importations CSV",
    nav_credentials: "Badges délivrés",
    nav_audit: "Journal d’audit",
    nav_outbox: "Courriels",
    nav_analytics: "Statistiques",
    nav_signoffs: "Approbations",
    nav_team: "Équipe et clés d’API",
    nav_security: "Connexion à deux facteurs",
    nav_organization: "Profil de l’organisation",
    nav_platform: "Plateforme : organisations",
    role_refused_title: "Votre rôle ne permet pas cette action",
    role_refused_body: "Demandez-la à un·e administrateur·rice de votre organisation si elle est nécessaire.",
};

/// The session cookie's name: with the `__Host-` prefix (which browsers accept only
/// `Secure`, on `Path=/`, without `Domain`) when the service is public over https.
pub(crate) fn cookie_name(state: &AppState) -> &'static str {
    if state.store.public_url.starts_with("https://") { "__Host-credence_session" } else { "credence_session" }
}

pub(crate) fn session_cookie(state: &AppState, token: &str, max_age: u64) -> Option<HeaderValue> {
    let secure = if state.store.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie =
        format!("{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}", cookie_name(state));
    HeaderValue::from_str(&cookie).ok()
}

/// The session token the request's cookie carries, if any.
pub(crate) fn cookie_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(state);
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The live session of a request.
pub(crate) async fn current_session(state: &AppState, headers: &HeaderMap) -> Result<Option<StaffSession>, AppError> {
    match cookie_token(state, headers) {
        Some(token) => staff_auth::session(&state.store, &token).await,
        None => Ok(None),
    }
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    private(r)
}

pub(crate) fn forbidden(page: &PageContext) -> Response {
    let w = page.pick(&EN, &FR);
    private(render(
        page,
        StatusCode::FORBIDDEN,
        &MessagePage { page, title: w.forbidden_title, body: w.forbidden_body },
    ))
}

/// A form post's fields, when it is a form from this site; otherwise the answer.
pub(crate) fn form_fields(
    state: &AppState,
    page: &PageContext,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, Box<Response>> {
    match super::form_text(headers, body, &state.store.public_url) {
        Ok(text) => Ok(form_pairs(text)),
        Err(FormRefusal::CrossSite) => Err(Box::new(forbidden(page))),
        Err(FormRefusal::NotAForm) => Err(Box::new(
            AppError::UnsupportedMediaType("send the form as a UTF-8 application/x-www-form-urlencoded form".into())
                .into_response(),
        )),
    }
}

pub(crate) fn field<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Whether a signed-in form carries its session's CSRF token (compared in constant time).
pub(crate) fn csrf_matches(session: &StaffSession, fields: &[(String, String)]) -> bool {
    crate::domain::api_key::hashes_match(field(fields, "csrf"), &session.csrf_token)
}

/// What a staff member needs to be allowed to do something in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Can {
    /// See the organization's pages: every role.
    Read,
    /// Record results, issue, replace claim links: issuers and issuer-admins.
    Issue,
    /// Define micro-credentials, revoke and suspend, manage staff, keys and the
    /// profile, read the audit log: issuer-admins (as the API's `Need::Manage`).
    Manage,
}

/// A signed-in staff member, their organization and the page's language. As an
/// extractor it sends a request without a live session to the sign-in page.
#[derive(Debug, Clone)]
pub struct Staff {
    pub session: StaffSession,
    pub organization: Organization,
    pub page: PageContext,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let page = PageContext::from_parts(parts);
        let session = match current_session(state, &parts.headers).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(see_other("/console/sign-in")),
            Err(e) => return Err(e.into_response()),
        };
        match state.store.organization_by_id(&session.account.organization_id).await {
            Ok(Some(organization)) => {
                let staff = Staff { session, organization, page };
                crate::store::act_as(staff.actor());
                Ok(staff)
            }
            Ok(None) => Err(private(not_found(&page))),
            Err(e) => Err(e.into_response()),
        }
    }
}

impl Staff {
    pub fn role(&self) -> StaffRole {
        self.session.account.role
    }

    /// Whether this staff member also administers the platform (every organization).
    pub fn is_platform_admin(&self) -> bool {
        self.session.account.platform_admin
    }

    /// This staff member as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor::Staff { account_id: self.session.account.id.clone(), name: self.session.account.display_name.clone() }
    }

    /// Whether this staff member's role allows `need`.
    pub fn can(&self, need: Can) -> bool {
        match need {
            Can::Read => true,
            Can::Issue => matches!(self.role(), StaffRole::IssuerAdmin | StaffRole::Issuer),
            Can::Manage => self.role() == StaffRole::IssuerAdmin,
        }
    }

    /// `Ok` when the role allows `need`; otherwise the 403 page that says so.
    pub fn require(&self, need: Can) -> Result<(), Box<Response>> {
        if self.can(need) {
            return Ok(());
        }
        let w = self.page.pick(&EN, &FR);
        Err(Box::new(private(render(
            &self.page,
            StatusCode::FORBIDDEN,
            &MessagePage { page: &self.page, title: w.role_refused_title, body: w.role_refused_body },
        ))))
    }

    /// The fields of a console form this staff member posted: from this site, a
    /// URL-encoded UTF-8 form, carrying the session's CSRF token.
    pub fn form(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, Box<Response>> {
        let fields = form_fields(state, &self.page, headers, body)?;
        if !csrf_matches(&self.session, &fields) {
            return Err(Box::new(forbidden(&self.page)));
        }
        Ok(fields)
    }

    /// [`Staff::form`] of a staff member whose role allows `need` (403 otherwise).
    pub fn form_for(
        &self,
        need: Can,
        state: &AppState,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, Box<Response>> {
        self.require(need)?;
        self.form(state, headers, body)
    }

    /// What this staff member's pages show around their content, with `section`
    /// marked as the current one.
    pub fn chrome(&self, section: Section) -> Chrome {
        let w = self.page.pick(&EN, &FR);
        Chrome {
            w,
            organization: self.organization.name.clone(),
            name: self.session.account.display_name.clone(),
            email: self.session.account.email.clone(),
            role: role_name(w, self.role()),
            csrf: self.session.csrf_token.clone(),
            section,
            nav: Section::ALL
                .iter()
                .filter(|s| self.can(s.needs()) && (**s != Section::Platform || self.is_platform_admin()))
                .map(|s| NavItem { href: s.href(), label: s.label(w), current: *s == section })
                .collect(),
        }
    }
}

/// Whether a path segment can be one of the store's ids (UUIDs): anything else is
/// answered 404 without a lookup.
pub fn plausible_id(id: &str) -> bool {
    id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A role's name in the page's language.
pub fn role_name(w: &'static Words, role: StaffRole) -> &'static str {
    match role {
        StaffRole::IssuerAdmin => w.role_issuer_admin,
        StaffRole::Issuer => w.role_issuer,
        StaffRole::Viewer => w.role_viewer,
    }
}

/// The console's areas, in the order its navigation lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Achievements,
    Learners,
    Record,
    Imports,
    Credentials,
    Signoffs,
    Analytics,
    Audit,
    Outbox,
    Team,
    Organization,
    Security,
    /// The platform admins' pages: listed for platform admins only.
    Platform,
}

impl Section {
    const ALL: &'static [Section] = &[
        Section::Home,
        Section::Achievements,
        Section::Learners,
        Section::Record,
        Section::Imports,
        Section::Credentials,
        Section::Signoffs,
        Section::Analytics,
        Section::Audit,
        Section::Outbox,
        Section::Team,
        Section::Organization,
        Section::Security,
        Section::Platform,
    ];

    fn href(self) -> &'static str {
        match self {
            Section::Home => "/console",
            Section::Achievements => "/console/achievements",
            Section::Learners => "/console/learners",
            Section::Record => "/console/results",
            Section::Imports => "/console/imports",
            Section::Credentials => "/console/credentials",
            Section::Signoffs => "/console/signoffs",
            Section::Analytics => "/console/analytics",
            Section::Audit => "/console/audit",
            Section::Outbox => "/console/outbox",
            Section::Team => "/console/team",
            Section::Organization => "/console/organization",
            Section::Security => "/console/security",
            Section::Platform => "/console/platform/organizations",
        }
    }

    fn label(self, w: &'static Words) -> &'static str {
        match self {
            Section::Home => w.nav_home,
            Section::Achievements => w.achievements,
            Section::Learners => w.nav_learners,
            Section::Record => w.nav_record,
            Section::Imports => w.nav_imports,
            Section::Credentials => w.nav_credentials,
            Section::Signoffs => w.nav_signoffs,
            Section::Analytics => w.nav_analytics,
            Section::Audit => w.nav_audit,
            Section::Outbox => w.nav_outbox,
            Section::Team => w.nav_team,
            Section::Organization => w.nav_organization,
            Section::Security => w.nav_security,
            Section::Platform => w.nav_platform,
        }
    }

    /// What a role needs for the area to be listed.
    fn needs(self) -> Can {
        match self {
            Section::Home
            | Section::Achievements
            | Section::Learners
            | Section::Imports
            | Section::Credentials
            | Section::Signoffs
            | Section::Analytics
            | Section::Organization
            | Section::Security
            | Section::Platform => Can::Read,
            Section::Record => Can::Issue,
            Section::Audit | Section::Outbox | Section::Team => Can::Manage,
        }
    }
}

/// One link of the console's navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every console page shows around its content (see `console_base.html`).
#[derive(Debug, Clone)]
pub struct Chrome {
    pub w: &'static Words,
    pub organization: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub csrf: String,
    pub section: Section,
    pub nav: Vec<NavItem>,
}
