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
use crate::domain::achievement::{Achievement, DeliveryMode, Tier};
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

fn summary(w: &Words, a: &Achievement) -> AchievementSummary {
    let d = &a.definition;
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

async fn achievement_version(state: &AppState, page: &PageContext, id: &str, version: Option<i64>) -> Response {
    match state.store.achievement(id, version).await {
        Ok(Some(a)) => achievement_page(state, page, a).await,
        Ok(None) => AppError::NotFound("achievement").into_response(),
        Err(e) => e.into_response(),
    }
}

/// `/issuers/{slug}` for browsers.
pub async fn issuer_page(state: &AppState, page: &PageContext, org: Organization) -> Response {
    let c = page.pick(&EN, &FR);
    let achievements = match state.store.list_achievements(&org.id).await {
        Ok(list) => list.iter().map(|a| summary(c, a)).collect(),
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
}

/// `/achievements/{id}` for browsers: the Open Badges achievement read the same
/// way a badge page reads it, plus the facts the definition keeps.
pub async fn achievement_page(state: &AppState, page: &PageContext, a: Achievement) -> Response {
    let org = match state.store.organization_by_slug(&a.organization).await {
        Ok(Some(o)) => o,
        Ok(None) => return AppError::NotFound("organization").into_response(),
        Err(e) => return e.into_response(),
    };
    let profile = org.profile();
    let document = a.definition.to_open_badges(&a.url, Some(&profile));
    let view = CredentialView::of_achievement(&Issuer::Profile(Box::new(profile)), &document, None);
    let assessed =
        document.result_description.iter().flatten().map(|rd| (rd.name.clone(), rd.required_value.clone())).collect();
    let c = page.pick(&EN, &FR);
    let summary = summary(c, &a);
    let language = language_name(c, &summary.language);
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
        },
    )
}
