//! The console's team page, for issuer-admins: the organization's staff and open
//! invitations, inviting someone (the link is shown once, to send), and the API keys
//! machines use (made with their secret shown once, and revoked).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Can, Chrome, MAX_FORM_BYTES, Section, Staff, field, plausible_id, role_name, with_form_cap};
use crate::app::AppState;
use crate::app::staff as staff_auth;
use crate::domain::api_key::{ApiKeyInfo, Role};
use crate::domain::staff::StaffRole;
use crate::domain::validation::Violations;
use crate::error::AppError;
use crate::store::{Invitation, StaffAccount};
use crate::web::{PageContext, not_found, private, render};

pub fn routes() -> Router<AppState> {
    with_form_cap(
        Router::new()
            .route("/console/team", get(team))
            .route("/console/team/invitations", post(invite))
            .route("/console/team/api-keys", post(create_key))
            .route("/console/team/api-keys/{id}/revoke", post(revoke_key)),
        MAX_FORM_BYTES,
    )
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub staff: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub role: &'static str,
    pub invitations: &'static str,
    pub expires: &'static str,
    pub invite_title: &'static str,
    pub invite: &'static str,
    pub invitation_made: &'static str,
    pub link_once: &'static str,
    pub email_invalid: &'static str,
    pub keys: &'static str,
    pub keys_lead: &'static str,
    pub key_name: &'static str,
    pub key_name_invalid: &'static str,
    pub prefix: &'static str,
    pub created: &'static str,
    pub last_used: &'static str,
    pub never: &'static str,
    pub revoked: &'static str,
    pub revoke: &'static str,
    pub create_key: &'static str,
    pub key_made: &'static str,
    pub key_once: &'static str,
    pub none: &'static str,
    pub role_invalid: &'static str,
}

pub const EN: Words = Words {
    title: "Team and API keys",
    staff: "Staff",
    name: "Name",
    email: "Email address",
    role: "Role",
    invitations: "Open invitations",
    expires: "Expires",
    invite_title: "Invite a staff member",
    invite: "Invite",
    invitation_made: "Invitation link for",
    link_once: "Copy it now and send it: it is shown only this once, and opens one account.",
    email_invalid: "Enter an email address.",
    keys: "API keys",
    keys_lead: "Keys let your other systems (an LMS, a script) record results and issue through the API. Give each system its own key.",
    key_name: "What the key is for",
    key_name_invalid: "Name the key (1 to 100 characters).",
    prefix: "Begins with",
    created: "Created",
    last_used: "Last used",
    never: "Never",
    revoked: "Revoked",
    revoke: "Revoke",
    create_key: "Create a key",
    key_made: "New API key",
    key_once: "Copy it now into the system that will use it: it is shown only this once.",
    none: "None.",
    role_invalid: "Choose a role.",
};

pub const FR: Words = Words {
    title: "Équipe et clés d’API",
    staff: "Personnel",
    name: "Nom",
    email: "Adresse courriel",
    role: "Rôle",
    invitations: "Invitations en attente",
    expires: "Expire le",
    invite_title: "Inviter un membre du personnel",
    invite: "Inviter",
    invitation_made: "Lien d’invitation pour",
    link_once: "Copiez-le maintenant et envoyez-le : il n’est affiché qu’une seule fois et ouvre un seul compte.",
    email_invalid: "Entrez une adresse courriel.",
    keys: "Clés d’API",
    keys_lead: "Les clés permettent à vos autres systèmes (un environnement d’apprentissage, un script) d’enregistrer des résultats et de délivrer par l’API. Donnez à chaque système sa propre clé.",
    key_name: "À quoi sert la clé",
    key_name_invalid: "Nommez la clé (1 à 100 caractères).",
    prefix: "Commence par",
    created: "Créée le",
    last_used: "Dernière utilisation",
    never: "Jamais",
    revoked: "Révoquée",
    revoke: "Révoquer",
    create_key: "Créer une clé",
    key_made: "Nouvelle clé d’API",
    key_once: "Copiez-la maintenant dans le système qui l’utilisera : elle n’est affichée qu’une seule fois.",
    none: "Aucune.",
    role_invalid: "Choisissez un rôle.",
};

/// What the page shows after a form: a secret made (once), or the form's faults.
#[derive(Debug, Default)]
struct Outcome {
    /// What was made, for whom or what, the invitation link or API key, and what to do with it.
    made: Option<(&'static str, String, String, &'static str)>,
    email: String,
    email_error: Option<&'static str>,
    key_name: String,
    key_name_error: Option<&'static str>,
    role_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console_team.html", config = "src/web/askama.toml")]
struct TeamPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    staff: Vec<(StaffAccount, &'static str)>,
    invitations: Vec<(Invitation, &'static str)>,
    keys: Vec<(ApiKeyInfo, &'static str)>,
    o: Outcome,
}

async fn team_page(state: &AppState, staff: &Staff, status: StatusCode, o: Outcome) -> Response {
    let org = &staff.organization.id;
    let found = tokio::try_join!(
        state.store.staff_of(org),
        state.store.open_invitations_of(org),
        state.store.list_api_keys(org)
    );
    let (accounts, invitations, keys) = match found {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let chrome = staff.chrome(Section::Team);
    let cw = chrome.w;
    let w = staff.page.pick(&EN, &FR);
    let key_role = |r: Role| if r == Role::IssuerAdmin { cw.role_issuer_admin } else { cw.role_issuer };
    let template = TeamPage {
        page: &staff.page,
        w,
        staff: accounts.into_iter().map(|a| (a.clone(), role_name(cw, a.role))).collect(),
        invitations: invitations.into_iter().map(|i| (i.clone(), role_name(cw, i.role))).collect(),
        keys: keys.into_iter().map(|k| (k.clone(), key_role(k.role))).collect(),
        chrome,
        o,
    };
    private(render(&staff.page, status, &template))
}

/// `GET /console/team` (issuer-admins).
pub async fn team(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(Can::Manage) {
        return *r;
    }
    team_page(&state, &staff, StatusCode::OK, Outcome::default()).await
}

/// An issuer-admin's form of this page.
fn managed_form(
    state: &AppState,
    staff: &Staff,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Box<Response>> {
    staff.require(Can::Manage)?;
    staff.form(state, headers, body)
}

/// `POST /console/team/invitations`: email and role; the link, shown once.
pub async fn invite(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match managed_form(&state, &staff, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let w = staff.page.pick(&EN, &FR);
    let email = field(&fields, "email");
    let role = StaffRole::parse(field(&fields, "role"));
    let Some(role) = role else {
        let o = Outcome {
            email: email.chars().take(320).collect(),
            role_error: Some(w.role_invalid),
            ..Outcome::default()
        };
        return team_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, o).await;
    };
    match staff_auth::invite(&state.store, &staff.organization.id, email, role, &staff.actor()).await {
        Ok((token, invitation)) => {
            let link = staff_auth::invitation_url(&state.store, &token);
            let o =
                Outcome { made: Some((w.invitation_made, invitation.email, link, w.link_once)), ..Outcome::default() };
            team_page(&state, &staff, StatusCode::OK, o).await
        }
        Err(AppError::Validation(_)) => {
            let o = Outcome {
                email: email.chars().take(320).collect(),
                email_error: Some(w.email_invalid),
                ..Outcome::default()
            };
            team_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, o).await
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /console/team/api-keys`: a name and a role; the key, shown once.
pub async fn create_key(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match managed_form(&state, &staff, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let w = staff.page.pick(&EN, &FR);
    let name = field(&fields, "name").trim();
    let role = match field(&fields, "role") {
        "issuer" => Some(Role::Issuer),
        "issuer-admin" => Some(Role::IssuerAdmin),
        _ => None,
    };
    let mut v = Violations::new();
    v.text("name", name, 100);
    let name_ok = v.into_result().is_ok();
    if !name_ok || role.is_none() {
        let o = Outcome {
            key_name: name.chars().take(200).collect(),
            key_name_error: (!name_ok).then_some(w.key_name_invalid),
            role_error: role.is_none().then_some(w.role_invalid),
            ..Outcome::default()
        };
        return team_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, o).await;
    }
    let role = role.unwrap_or(Role::Issuer);
    match state.store.create_api_key(Some(&staff.organization.id), name, role, &staff.actor()).await {
        Ok(created) => {
            let o =
                Outcome { made: Some((w.key_made, created.info.name, created.key, w.key_once)), ..Outcome::default() };
            team_page(&state, &staff, StatusCode::OK, o).await
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /console/team/api-keys/{id}/revoke`.
pub async fn revoke_key(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = managed_form(&state, &staff, &headers, &body) {
        return *r;
    }
    if !plausible_id(&id) {
        return private(not_found(&staff.page));
    }
    match state.store.revoke_api_key(&staff.organization.id, &id, &staff.actor()).await {
        Ok(_) => team_page(&state, &staff, StatusCode::OK, Outcome::default()).await,
        Err(AppError::NotFound(_)) => private(not_found(&staff.page)),
        Err(e) => e.into_response(),
    }
}
