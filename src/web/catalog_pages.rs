//! The public pages of issuers and their micro-credentials: `/issuers/{slug}`
//! (the profile and what it publishes) and `/achievements/{id}` (what it takes to
//! earn one). The same URLs serve JSON to API clients.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credence_core::model::Issuer;

use super::badge_page::{self, Words as BadgeWords};
use super::credential_view::CredentialView;
use super::{Lang, PageContext, render};
use crate::app::AppState;
use crate::app::editions::{self, Edition};
use crate::domain::achievement::{Achievement, AchievementDefinition, DeliveryMode, Tier};
use crate::domain::organization::{Organization, OrganizationKind};
use crate::error::AppError;

#[derive(Debug)]
pub struct Words {
    pub credentials_offered: &'static str,
    pub none_offered: &'static str,
    pub website: &'static str,
    pub contact: &'static str,
    pub kind: &'static str,
    pub kind_sector_council: &'static str,
    pub kind_college: &'static str,
    pub kind_university: &'static str,
    pub kind_employer: &'static str,
    pub kind_other: &'static str,
    pub hours: &'static str,
    pub duration: &'static str,
    pub delivery: &'static str,
    pub language: &'static str,
    pub tier: &'static str,
    pub validity: &'static str,
    pub assessed: &'static str,
    pub version: &'static str,
    pub json_link: &'static str,
    pub delivery_modes: [&'static str; 5],
    pub tiers: [&'static str; 3],
    pub english: &'static str,
    pub french: &'static str,
    pub years: (&'static str, &'static str),
    pub months: (&'static str, &'static str),
    pub days: (&'static str, &'static str),
}

pub const EN: Words = Words {
    credentials_offered: "Micro-credentials offered",
    none_offered: "This issuer has not published any micro-credentials yet.",
    website: "Website",
    contact: "Contact",
    kind: "Kind of organization",
    kind_sector_council: "Sector council",
    kind_college: "College",
    kind_university: "University",
    kind_employer: "Employer",
    kind_other: "Organization",
    hours: "Hours",
    duration: "Duration",
    delivery: "Delivery",
    language: "Language",
    tier: "Kind",
    validity: "Valid for",
    assessed: "How it is assessed",
    version: "Version",
    json_link: "Open Badges 3.0 JSON",
    delivery_modes: ["Online, self-paced", "Online, live", "In person", "Hybrid", "In the workplace"],
    tiers: ["Badge", "Micro-credential", "Certificate"],
    english: "English",
    french: "French",
    years: ("year", "years"),
    months: ("month", "months"),
    days: ("day", "days"),
};

pub const FR: Words = Words {
    credentials_offered: "Microtitres offerts",
    none_offered: "Cet émetteur n’a encore publié aucun microtitre.",
    website: "Site Web",
    contact: "Contact",
    kind: "Type d’organisation",
    kind_sector_council: "Conseil sectoriel",
    kind_college: "Collège",
    kind_university: "Université",
    kind_employer: "Employeur",
    kind_other: "Organisation",
    hours: "Heures",
    duration: "Durée",
    delivery: "Prestation",
    language: "Langue",
    tier: "Type",
    validity: "Valide pendant",
    assessed: "Mode d’évaluation",
    version: "Version",
    json_link: "JSON Open Badges 3.0",
    delivery_modes: ["En ligne, à son rythme", "En ligne, en direct", "En personne", "Hybride", "En milieu de travail"],
    tiers: ["Badge", "Microtitre", "Certificat"],
    english: "anglais",
    french: "français",
    years: ("an", "ans"),
    months: ("mois", "mois"),
    days: ("jour", "jours"),
};

/// One achievement as listed and described.
pub struct AchievementSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub language: String,
    pub hours: Option<String>,
    pub duration: Option<String>,
    pub delivery: Option<String>,
    pub tier: &'static str,
    pub validity: Option<String>,
    pub version: i64,
}

fn language_name(w: &Words, tag: &str) -> String {
    match Lang::parse(tag) {
        Some(Lang::En) => w.english.to_string(),
        Some(Lang::Fr) => w.french.to_string(),
        None => tag.to_string(),
    }
}

/// `P3Y` as "3 years", `P1Y6M` as "1 year, 6 months"; other text as it is.
fn period_text(w: &Words, iso: &str) -> String {
    let Some((y, m, d)) = crate::domain::achievement::parse_iso_duration(iso) else {
        return iso.to_string();
    };
    let part = |n: u32, (one, many): (&str, &str)| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    [part(y, w.years), part(m, w.months), part(d, w.days)].into_iter().flatten().collect::<Vec<_>>().join(", ")
}

/// What a list or a page says of achievement `a`, with its text `d` in one of its languages.
fn summary(w: &Words, a: &Achievement, d: &AchievementDefinition) -> AchievementSummary {
    let mode = d.delivery_mode.map(|m| {
        w.delivery_modes[match m {
            DeliveryMode::OnlineSelfPaced => 0,
            DeliveryMode::OnlineLive => 1,
            DeliveryMode::InPerson => 2,
            DeliveryMode::Hybrid => 3,
            DeliveryMode::Workplace => 4,
        }]
        .to_string()
    });
    let tier = w.tiers[match d.tier {
        Tier::Badge => 0,
        Tier::MicroCredential => 1,
        Tier::Certificate => 2,
    }];
    AchievementSummary {
        id: a.id.clone(),
        name: d.name.clone(),
        description: d.description.clone(),
        language: d.language.clone(),
        hours: d.hours.map(|h| if h.fract() == 0.0 { format!("{h:.0}") } else { format!("{h}") }),
        duration: d.duration.clone(),
        delivery: d.delivery.clone().or(mode),
        tier,
        validity: d.validity_period.as_deref().map(|p| period_text(w, p)),
        version: a.version,
    }
}

#[derive(Template)]
#[template(path = "issuer.html", config = "src/web/askama.toml")]
struct IssuerPage<'a> {
    page: &'a PageContext,
    c: &'static Words,
    org: &'a Organization,
    kind: &'static str,
    language: String,
    achievements: Vec<AchievementSummary>,
}

/// `/issuers/{slug}` for browsers: the issuer's page.
pub async fn issuer_profile_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageContext,
) -> Response {
    match state.store.organization_by_slug(&slug).await {
        Ok(Some(org)) => issuer_page(&state, &page, org).await,
        Ok(None) => AppError::NotFound("issuer").into_response(),
        Err(e) => e.into_response(),
    }
}

/// `/achievements/{id}` for browsers: the page of the latest version.
pub async fn achievement_latest_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    page: PageContext,
) -> Response {
    achievement_version(&state, &page, &id, None).await
}

/// `/achievements/{id}/versions/{version}` for browsers.
pub async fn achievement_version_page(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
    page: PageContext,
) -> Response {
    match version.parse::<i64>() {
        Ok(version) => achievement_version(&state, &page, &id, Some(version)).await,
        Err(_) => AppError::NotFound("achievement").into_response(),
    }
}

/// `/achievements/{id}/versions/{version}/editions/{lang}` for browsers: a second language
/// edition's page, whatever the reader's language.
pub async fn achievement_edition_page(
    State(state): State<AppState>,
    Path((id, version, lang)): Path<(String, String, String)>,
    page: PageContext,
) -> Response {
    let Ok(version) = version.parse::<i64>() else {
        return AppError::NotFound("achievement").into_response();
    };
    match editions::second_edition(&state.store, &id, version, &lang).await {
        Ok(Some(edition)) => achievement_page(&page, edition),
        Ok(None) => AppError::NotFound("achievement").into_response(),
        Err(e) => e.into_response(),
    }
}

/// A version's page in the reader's language when it has an edition in it, in its first
/// language otherwise.
async fn achievement_version(state: &AppState, page: &PageContext, id: &str, version: Option<i64>) -> Response {
    let edition = match editions::achievement_edition(&state.store, id, version, Some(page.lang.code())).await {
        Ok(None) => editions::achievement_edition(&state.store, id, version, None).await,
        found => found,
    };
    match edition {
        Ok(Some(edition)) => achievement_page(page, edition),
        Ok(None) => AppError::NotFound("achievement").into_response(),
        Err(e) => e.into_response(),
    }
}

/// `/issuers/{slug}` for browsers.
pub async fn issuer_page(state: &AppState, page: &PageContext, org: Organization) -> Response {
    let c = page.pick(&EN, &FR);
    let achievements = match state.store.list_achievements(&org.id).await {
        // Each in the reader's language when it has an edition in it.
        Ok(list) => list
            .iter()
            .map(|a| match a.definition.in_language(page.lang.code()) {
                Some(d) => summary(c, a, &d),
                None => summary(c, a, &a.definition),
            })
            .collect(),
        Err(e) => return e.into_response(),
    };
    let kind = match org.kind {
        OrganizationKind::SectorCouncil => c.kind_sector_council,
        OrganizationKind::College => c.kind_college,
        OrganizationKind::University => c.kind_university,
        OrganizationKind::Employer => c.kind_employer,
        OrganizationKind::Other => c.kind_other,
    };
    let language = language_name(c, &org.language);
    render(page, StatusCode::OK, &IssuerPage { page, c, org: &org, kind, language, achievements })
}

#[derive(Template)]
#[template(path = "achievement.html", config = "src/web/askama.toml")]
struct AchievementPage<'a> {
    page: &'a PageContext,
    c: &'static Words,
    w: &'static BadgeWords,
    a: AchievementSummary,
    language: String,
    view: CredentialView,
    assessed: Vec<(String, Option<String>)>,
    org: &'a Organization,
    json_href: String,
}

/// An achievement's page: its Open Badges document (one language edition) read the same way
/// a badge page reads it, plus the facts the definition keeps.
fn achievement_page(page: &PageContext, edition: Edition) -> Response {
    let Edition { achievement: a, organization: org, document } = edition;
    let view = CredentialView::of_achievement(&Issuer::Profile(Box::new(org.profile())), &document, None);
    let assessed =
        document.result_description.iter().flatten().map(|rd| (rd.name.clone(), rd.required_value.clone())).collect();
    let c = page.pick(&EN, &FR);
    let text = document.in_language.as_deref().and_then(|l| a.definition.in_language(l));
    let summary = summary(c, &a, text.as_ref().unwrap_or(&a.definition));
    let language = language_name(c, &summary.language);
    // The first edition's JSON is at the achievement's URL; a second edition's at its own.
    let json_href = if document.id == a.url {
        format!("/achievements/{}?format=json", a.id)
    } else {
        format!("{}?format=json", document.id)
    };
    render(
        page,
        StatusCode::OK,
        &AchievementPage {
            page,
            c,
            w: page.pick(&badge_page::EN, &badge_page::FR),
            a: summary,
            language,
            view,
            assessed,
            org: &org,
            json_href,
        },
    )
}
