//! An organization's profile in the console: one form (`_organization_form.html`,
//! [`ProfileForm`]) for the organization's own page, `/console/organization`
//! (issuer-admins edit it, other roles read it), and for the platform admins'
//! pages (`platform.rs`), which also create organizations with it. The form's field
//! names are the API's (`slug`, `name`, `kind`, `url`, `email`, `description`,
//! `language`, `cryptosuite`, `issueJwt`, `jwtAlgorithm`), so an error names the field
//! it is shown beside; both pages change organizations through `app::organizations`,
//! as the API does. The logo is set through the API only.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Can, Chrome, MAX_FORM_BYTES, Section, Staff, field, with_form_cap};
use crate::app::{AppState, organizations};
use crate::domain::organization::{NewOrganization, Organization, OrganizationKind, OrganizationPatch};
use crate::domain::validation::FieldError;
use crate::error::AppError;
use crate::web::{PageContext, private, render};

pub fn routes() -> Router<AppState> {
    with_form_cap(Router::new().route("/console/organization", get(profile).post(save)), MAX_FORM_BYTES)
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub read_only: &'static str,
    pub saved: &'static str,
    pub errors_title: &'static str,
    pub slug: &'static str,
    pub slug_hint: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub kinds: [&'static str; 5],
    pub url: &'static str,
    pub email: &'static str,
    pub description: &'static str,
    pub language: &'static str,
    pub languages: [&'static str; 4],
    pub cryptosuite: &'static str,
    pub cryptosuite_hint: &'static str,
    pub issue_jwt: &'static str,
    pub jwt_algorithm: &'static str,
    pub jwt_algorithm_hint: &'static str,
    pub logo_note: &'static str,
    pub save: &'static str,
    pub create: &'static str,
    pub not_a_choice: &'static str,
    pub public_profile: &'static str,
}

pub const EN: Words = Words {
    title: "Organization profile",
    read_only: "Only an administrator of the organization can change its profile.",
    saved: "The profile is saved.",
    errors_title: "Some fields need attention",
    slug: "Short name in addresses (slug)",
    slug_hint: "Lowercase letters, digits and single hyphens, e.g. emc. It cannot be changed later.",
    name: "Name",
    kind: "Kind of organization",
    kinds: ["Sector council", "College", "University", "Employer", "Other"],
    url: "Website",
    email: "Contact email address",
    description: "Description",
    language: "Language",
    languages: ["English", "French", "English (Canada)", "French (Canada)"],
    cryptosuite: "Signature of credentials (cryptosuite)",
    cryptosuite_hint: "eddsa-rdfc-2022 suits most wallets and verifiers.",
    issue_jwt: "Also issue each credential as a VC-JWT",
    jwt_algorithm: "VC-JWT algorithm",
    jwt_algorithm_hint: "RS256 makes an RSA key at once, listed in the organization's documents.",
    logo_note: "The logo is set through the API (PATCH /api/v1/organizations/{slug}, field logo).",
    save: "Save the profile",
    create: "Create the organization",
    not_a_choice: "choose one of the options offered",
    public_profile: "Public profile",
};

pub const FR: Words = Words {
    title: "Profil de l’organisation",
    read_only: "Seul·e un·e administrateur·rice de l’organisation peut modifier son profil.",
    saved: "Le profil est enregistré.",
    errors_title: "Certains champs sont à corriger",
    slug: "Nom court dans les adresses (slug)",
    slug_hint: "Lettres minuscules, chiffres et traits d’union simples, p. ex. emc. Il ne peut pas être changé ensuite.",
    name: "Nom",
    kind: "Type d’organisation",
    kinds: ["Conseil sectoriel", "Collège", "Université", "Employeur", "Autre"],
    url: "Site Web",
    email: "Adresse courriel de contact",
    description: "Description",
    language: "Langue",
    languages: ["Anglais", "Français", "Anglais (Canada)", "Français (Canada)"],
    cryptosuite: "Signature des titres (suite cryptographique)",
    cryptosuite_hint: "eddsa-rdfc-2022 convient à la plupart des portefeuilles et des vérificateurs.",
    issue_jwt: "Délivrer aussi chaque titre en VC-JWT",
    jwt_algorithm: "Algorithme des VC-JWT",
    jwt_algorithm_hint: "RS256 crée aussitôt une clé RSA, publiée dans les documents de l’organisation.",
    logo_note: "Le logo se définit par l’API (PATCH /api/v1/organizations/{slug}, champ logo).",
    save: "Enregistrer le profil",
    create: "Créer l’organisation",
    not_a_choice: "choisissez l’une des options offertes",
    public_profile: "Profil public",
};

const KINDS: [&str; 5] = ["sector_council", "college", "university", "employer", "other"];
const LANGUAGES: [&str; 4] = ["en", "fr", "en-CA", "fr-CA"];
const SUITES: [&str; 2] = ["eddsa-rdfc-2022", "eddsa-jcs-2022"];
const ALGORITHMS: [&str; 2] = ["EdDSA", "RS256"];

/// The form's values as typed (kept as they are when the form is shown again).
#[derive(Debug, Clone)]
pub struct Draft {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub email: String,
    pub description: String,
    pub language: String,
    pub cryptosuite: String,
    pub issue_jwt: bool,
    pub jwt_algorithm: String,
}

/// Longest value kept from a field when a form is shown again.
const KEPT_CHARS: usize = 4000;

fn kept(fields: &[(String, String)], name: &str) -> String {
    field(fields, name).chars().take(KEPT_CHARS).collect()
}

fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

impl Draft {
    /// A new organization's form: an English college signing with eddsa-rdfc-2022.
    pub fn blank() -> Draft {
        Draft {
            slug: String::new(),
            name: String::new(),
            kind: "college".into(),
            url: String::new(),
            email: String::new(),
            description: String::new(),
            language: "en".into(),
            cryptosuite: "eddsa-rdfc-2022".into(),
            issue_jwt: false,
            jwt_algorithm: "EdDSA".into(),
        }
    }

    pub fn of(org: &Organization) -> Draft {
        Draft {
            slug: org.slug.clone(),
            name: org.name.clone(),
            kind: org.kind.as_str().into(),
            url: org.url.clone().unwrap_or_default(),
            email: org.email.clone().unwrap_or_default(),
            description: org.description.clone().unwrap_or_default(),
            language: org.language.clone(),
            cryptosuite: org.cryptosuite.clone(),
            issue_jwt: org.issue_jwt,
            jwt_algorithm: org.jwt_algorithm().as_str().into(),
        }
    }

    /// The form as posted; fields it does not know are ignored.
    pub fn posted(fields: &[(String, String)]) -> Draft {
        Draft {
            slug: kept(fields, "slug").trim().to_string(),
            name: kept(fields, "name"),
            kind: kept(fields, "kind"),
            url: kept(fields, "url"),
            email: kept(fields, "email"),
            description: kept(fields, "description"),
            language: kept(fields, "language"),
            cryptosuite: kept(fields, "cryptosuite"),
            issue_jwt: field(fields, "issueJwt") == "true",
            jwt_algorithm: kept(fields, "jwtAlgorithm"),
        }
    }

    fn kind(&self, w: &Words, errors: &mut Vec<FieldError>) -> OrganizationKind {
        OrganizationKind::parse(&self.kind).unwrap_or_else(|| {
            errors.push(FieldError::new("kind", w.not_a_choice));
            OrganizationKind::Other
        })
    }

    /// The organization to create, or every fault of the form (by the API's field
    /// names); a language, cryptosuite or algorithm left empty is the API's default.
    pub fn new_organization(&self, w: &Words) -> Result<NewOrganization, Vec<FieldError>> {
        let mut errors = Vec::new();
        let new = NewOrganization {
            slug: self.slug.clone(),
            name: self.name.trim().to_string(),
            kind: self.kind(w, &mut errors),
            url: optional(&self.url),
            email: optional(&self.email),
            description: optional(&self.description),
            logo: None,
            language: optional(&self.language),
            cryptosuite: optional(&self.cryptosuite),
            issue_jwt: Some(self.issue_jwt),
            jwt_algorithm: optional(&self.jwt_algorithm),
        };
        finish(new.validate(), errors).map(|()| new)
    }

    /// The change of a profile (every field of the form; the logo is left as it is,
    /// and so are a language, cryptosuite or algorithm left empty), or every fault of
    /// the form.
    pub fn patch(&self, w: &Words) -> Result<OrganizationPatch, Vec<FieldError>> {
        let mut errors = Vec::new();
        let patch = OrganizationPatch {
            name: Some(self.name.trim().to_string()),
            kind: Some(self.kind(w, &mut errors)),
            url: Some(optional(&self.url)),
            email: Some(optional(&self.email)),
            description: Some(optional(&self.description)),
            logo: None,
            language: optional(&self.language),
            cryptosuite: optional(&self.cryptosuite),
            issue_jwt: Some(self.issue_jwt),
            jwt_algorithm: optional(&self.jwt_algorithm),
        };
        finish(patch.validate(), errors).map(|()| patch)
    }
}

fn finish(checked: Result<(), AppError>, mut errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    if let Err(AppError::Validation(found)) = checked {
        errors.extend(found);
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A refused change as the form's field errors and the page's status (409 for a
/// taken slug, 422 otherwise); any other error as its answer.
pub fn refusal(e: AppError) -> Result<(StatusCode, Vec<FieldError>), Box<Response>> {
    match e {
        AppError::Validation(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, errors)),
        AppError::Conflict { field, reason } => Ok((StatusCode::CONFLICT, vec![FieldError::new(field, reason)])),
        other => Err(Box::new(other.into_response())),
    }
}

/// One text field.
pub struct Input {
    pub name: &'static str,
    pub id: String,
    pub value: String,
    pub error: Option<String>,
}

/// One option of a list.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One list of options.
pub struct Select {
    pub name: &'static str,
    pub id: String,
    pub options: Vec<Choice>,
    pub error: Option<String>,
}

/// A line of the form's error summary, linking to its field.
pub struct ErrorLine {
    pub href: String,
    pub field: String,
    pub reason: String,
}

/// The profile form as `_organization_form.html` shows it.
pub struct ProfileForm {
    pub w: &'static Words,
    pub csrf: String,
    pub action: String,
    /// Creating an organization: the slug is asked for.
    pub creating: bool,
    pub editable: bool,
    pub errors: Vec<ErrorLine>,
    pub slug: Input,
    pub name: Input,
    pub kind: Select,
    pub url: Input,
    pub email: Input,
    pub description: Input,
    pub language: Select,
    pub cryptosuite: Select,
    pub issue_jwt: bool,
    pub issue_jwt_id: String,
    pub issue_jwt_error: Option<String>,
    pub jwt_algorithm: Select,
}

impl ProfileForm {
    /// The form of `draft`, posted to `action`, with `errors` beside their fields.
    /// `prefix` keeps the ids of two forms of one page apart.
    pub fn new(
        page: &PageContext,
        csrf: &str,
        action: String,
        prefix: &str,
        draft: &Draft,
        errors: &[FieldError],
        (creating, editable): (bool, bool),
    ) -> ProfileForm {
        let w = page.pick(&EN, &FR);
        let id = |name: &str| format!("{prefix}-{name}");
        let error = |name: &str| {
            let reasons: Vec<String> =
                errors.iter().filter(|e| e.field == name).map(|e| page.lang.reason(&e.reason)).collect();
            (!reasons.is_empty()).then(|| reasons.join("; "))
        };
        let input =
            |name: &'static str, value: &str| Input { name, id: id(name), value: value.into(), error: error(name) };
        let select = |name: &'static str, values: &[&'static str], labels: &[&'static str], current: &str| Select {
            name,
            id: id(name),
            options: values
                .iter()
                .zip(labels)
                .map(|(value, label)| Choice { value, label, selected: *value == current })
                .collect(),
            error: error(name),
        };
        ProfileForm {
            w,
            csrf: csrf.to_string(),
            action,
            creating,
            editable,
            errors: errors
                .iter()
                .map(|e| ErrorLine {
                    href: format!("#{}", id(&e.field)),
                    field: e.field.clone(),
                    reason: page.lang.reason(&e.reason),
                })
                .collect(),
            slug: input("slug", &draft.slug),
            name: input("name", &draft.name),
            kind: select("kind", &KINDS, &w.kinds, &draft.kind),
            url: input("url", &draft.url),
            email: input("email", &draft.email),
            description: input("description", &draft.description),
            language: select("language", &LANGUAGES, &w.languages, &draft.language),
            cryptosuite: select("cryptosuite", &SUITES, &SUITES, &draft.cryptosuite),
            issue_jwt: draft.issue_jwt,
            issue_jwt_id: id("issueJwt"),
            issue_jwt_error: error("issueJwt"),
            jwt_algorithm: select("jwtAlgorithm", &ALGORITHMS, &ALGORITHMS, &draft.jwt_algorithm),
        }
    }
}

#[derive(Template)]
#[template(path = "console_organization.html", config = "src/web/askama.toml")]
struct ProfilePage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    saved: bool,
    profile_url: String,
    form: ProfileForm,
}

fn profile_page(
    staff: &Staff,
    org: &Organization,
    status: StatusCode,
    draft: &Draft,
    errors: &[FieldError],
    saved: bool,
) -> Response {
    let mut chrome = staff.chrome(Section::Organization);
    chrome.organization = org.name.clone();
    let form = ProfileForm::new(
        &staff.page,
        &chrome.csrf,
        "/console/organization".into(),
        "org",
        draft,
        errors,
        (false, staff.can(Can::Manage)),
    );
    let template = ProfilePage {
        page: &staff.page,
        w: staff.page.pick(&EN, &FR),
        chrome,
        saved,
        profile_url: org.profile_url.clone(),
        form,
    };
    private(render(&staff.page, status, &template))
}

/// `GET /console/organization`: the profile, editable by issuer-admins.
pub async fn profile(staff: Staff) -> Response {
    profile_page(&staff, &staff.organization, StatusCode::OK, &Draft::of(&staff.organization), &[], false)
}

/// `POST /console/organization` (issuer-admins): the profile's fields. Always the
/// signed-in staff member's own organization: no field of the form names another.
pub async fn save(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match staff.form_for(Can::Manage, &state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let draft = Draft::posted(&fields);
    let w = staff.page.pick(&EN, &FR);
    let current = &staff.organization;
    let patch = match draft.patch(w) {
        Ok(p) => p,
        Err(errors) => return profile_page(&staff, current, StatusCode::UNPROCESSABLE_ENTITY, &draft, &errors, false),
    };
    match organizations::update(&state, current, patch, &staff.actor()).await {
        Ok(updated) => profile_page(&staff, &updated, StatusCode::OK, &Draft::of(&updated), &[], true),
        Err(e) => match refusal(e) {
            Ok((status, errors)) => profile_page(&staff, current, status, &draft, &errors, false),
            Err(r) => *r,
        },
    }
}
