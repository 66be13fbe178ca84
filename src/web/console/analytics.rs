//! The console's analytics: for a period and one micro-credential or all, the funnel
//! of the credentials issued (issued → claimed → shared → downloaded → verified, each
//! credential counted in the month it was issued), the claim rate month by month,
//! where learners stand now (in progress, awaiting sign-off, locked out), drawn as SVG
//! charts with the same figures in tables, and the figures as CSV.

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Chrome, Section, Staff, field, plausible_id};
use crate::app::AppState;
use crate::domain::achievement::Achievement;
use crate::store::FunnelRow;
use crate::web::lang::form_pairs;
use crate::web::{PageContext, private, render};

/// The longest period shown, in months.
const MAX_MONTHS: i32 = 36;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/analytics", get(analytics)).route("/console/analytics.csv", get(analytics_csv))
}

#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub achievement: &'static str,
    pub all: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub show: &'static str,
    pub download: &'static str,
    pub funnel: &'static str,
    pub issued: &'static str,
    pub claimed: &'static str,
    pub shared: &'static str,
    pub downloaded: &'static str,
    pub verified: &'static str,
    pub claim_rate: &'static str,
    pub month: &'static str,
    pub rate: &'static str,
    pub now_title: &'static str,
    pub in_progress: &'static str,
    pub awaiting_signoff: &'static str,
    pub locked_out: &'static str,
    pub by_achievement: &'static str,
    pub nothing: &'static str,
    pub funnel_note: &'static str,
}

pub const EN: Words = Words {
    title: "Analytics",
    lead: "What became of the credentials issued in a period: each is counted in the month it was issued. Shared, downloaded and verified count credentials, each once however many visitors.",
    achievement: "Micro-credential",
    all: "All micro-credentials",
    from: "From (month)",
    to: "To (month)",
    show: "Show",
    download: "Download these figures (CSV)",
    funnel: "From issued to verified",
    issued: "Issued",
    claimed: "Claimed",
    shared: "Shared",
    downloaded: "Downloaded",
    verified: "Verified",
    claim_rate: "Claim rate by month of issue",
    month: "Month",
    rate: "Claim rate",
    now_title: "Where learners stand now",
    in_progress: "In progress",
    awaiting_signoff: "Awaiting sign-off",
    locked_out: "Locked out (attempts used up)",
    by_achievement: "By micro-credential",
    nothing: "No credentials were issued in this period.",
    funnel_note: "of the credentials issued",
};

pub const FR: Words = Words {
    title: "Statistiques",
    lead: "Ce que sont devenus les badges délivrés pendant une période : chacun est compté au mois de sa délivrance. Partagés, téléchargés et vérifiés comptent des badges, chacun une fois quel que soit le nombre de visiteurs.",
    achievement: "Microcertification",
    all: "Toutes les microcertifications",
    from: "Du mois",
    to: "Au mois",
    show: "Afficher",
    download: "Télécharger ces chiffres (CSV)",
    funnel: "De la délivrance à la vérification",
    issued: "Délivrés",
    claimed: "Réclamés",
    shared: "Partagés",
    downloaded: "Téléchargés",
    verified: "Vérifiés",
    claim_rate: "Taux de réclamation par mois de délivrance",
    month: "Mois",
    rate: "Taux de réclamation",
    now_title: "Où en sont les apprenant·es",
    in_progress: "En cours",
    awaiting_signoff: "En attente d’approbation",
    locked_out: "Bloqué·es (tentatives épuisées)",
    by_achievement: "Par microcertification",
    nothing: "Aucun badge n’a été délivré pendant cette période.",
    funnel_note: "des badges délivrés",
};

/// A month as `(year, month 1–12)`.
type Month = (i32, u32);

fn parse_month(text: &str) -> Option<Month> {
    let (y, m) = text.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    ((2000..=9999).contains(&y) && (1..=12).contains(&m) && text.len() == 7).then_some((y, m))
}

fn month_text((y, m): Month) -> String {
    format!("{y:04}-{m:02}")
}

fn next_month((y, m): Month) -> Month {
    if m == 12 { (y + 1, 1) } else { (y, m + 1) }
}

fn months_between(from: Month, to: Month) -> i32 {
    (to.0 - from.0) * 12 + to.1 as i32 - from.1 as i32
}

/// The period asked for, within bounds: by default the last twelve months; a start
/// after the end, or a period over [`MAX_MONTHS`], is brought back within them.
fn period(from: &str, to: &str, today: Month) -> (Month, Month) {
    let to = parse_month(to).filter(|t| months_between(*t, today) >= 0).unwrap_or(today);
    let mut earliest = to;
    for _ in 0..11 {
        earliest = if earliest.1 == 1 { (earliest.0 - 1, 12) } else { (earliest.0, earliest.1 - 1) };
    }
    let from = parse_month(from).filter(|f| (0..MAX_MONTHS).contains(&months_between(*f, to))).unwrap_or(earliest);
    (from, to)
}

/// A funnel's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Figures {
    issued: i64,
    claimed: i64,
    shared: i64,
    downloaded: i64,
    verified: i64,
}

impl Figures {
    fn add(&mut self, r: &FunnelRow) {
        self.issued += r.issued;
        self.claimed += r.claimed;
        self.shared += r.shared;
        self.downloaded += r.downloaded;
        self.verified += r.verified;
    }

    /// `part` of the issued, in whole percent.
    fn percent(&self, part: i64) -> i64 {
        if self.issued == 0 { 0 } else { (part * 100 + self.issued / 2) / self.issued }
    }
}

/// One bar of a chart: its label, value, and what it says.
struct Bar {
    label: String,
    value: i64,
    caption: String,
    /// Length, 0 to 100.
    size: i64,
}

/// One micro-credential's line of the table.
struct AchievementLine {
    name: String,
    figures: Figures,
}

struct MonthLine {
    month: String,
    figures: Figures,
    rate: i64,
}

#[derive(Template)]
#[template(path = "console_analytics.html", config = "src/web/askama.toml")]
struct AnalyticsPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    achievements: Vec<(String, String)>,
    chosen: String,
    from: String,
    to: String,
    csv_href: String,
    total: Figures,
    funnel: Vec<Bar>,
    months: Vec<MonthLine>,
    by_achievement: Vec<AchievementLine>,
    now: Vec<(&'static str, i64)>,
}

/// What both the page and the CSV read: the micro-credentials, the chosen one, the
/// period and the funnel rows.
struct Asked {
    achievements: Vec<Achievement>,
    chosen: Option<String>,
    from: Month,
    to: Month,
    rows: Vec<FunnelRow>,
}

async fn asked(state: &AppState, staff: &Staff, query: Option<&str>) -> Result<Asked, Response> {
    let query = form_pairs(query.unwrap_or(""));
    let achievements =
        state.store.list_achievements(&staff.organization.id).await.map_err(IntoResponse::into_response)?;
    let wanted = field(&query, "achievement");
    let chosen = (plausible_id(wanted) && achievements.iter().any(|a| a.id == wanted)).then(|| wanted.to_string());
    let now = crate::store::now();
    let today = now.get(..7).and_then(parse_month).unwrap_or((2026, 1));
    let (from, to) = period(field(&query, "from"), field(&query, "to"), today);
    let start = format!("{}-01T00:00:00.000Z", month_text(from));
    let end = format!("{}-01T00:00:00.000Z", month_text(next_month(to)));
    let rows = state
        .store
        .funnel(&staff.organization.id, chosen.as_deref(), &start, &end)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(Asked { achievements, chosen, from, to, rows })
}

/// `GET /console/analytics?achievement=&from=YYYY-MM&to=YYYY-MM` (every role).
pub async fn analytics(State(state): State<AppState>, staff: Staff, RawQuery(query): RawQuery) -> Response {
    let a = match asked(&state, &staff, query.as_deref()).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let counts = match state.store.progress_counts(&staff.organization.id, a.chosen.as_deref()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let w = staff.page.pick(&EN, &FR);
    let mut total = Figures::default();
    a.rows.iter().for_each(|r| total.add(r));
    let funnel = [
        (w.issued, total.issued),
        (w.claimed, total.claimed),
        (w.shared, total.shared),
        (w.downloaded, total.downloaded),
        (w.verified, total.verified),
    ]
    .into_iter()
    .map(|(label, value)| Bar {
        label: label.to_string(),
        value,
        caption: format!("{}\u{a0}% {}", total.percent(value), w.funnel_note),
        size: total.percent(value),
    })
    .collect();
    let mut months = Vec::new();
    let mut m = a.from;
    while months_between(m, a.to) >= 0 {
        let text = month_text(m);
        let mut figures = Figures::default();
        a.rows.iter().filter(|r| r.month == text).for_each(|r| figures.add(r));
        let rate = figures.percent(figures.claimed);
        months.push(MonthLine { month: text, figures, rate });
        m = next_month(m);
    }
    let by_achievement = a
        .achievements
        .iter()
        .filter(|ach| a.rows.iter().any(|r| r.achievement_id == ach.id))
        .map(|ach| {
            let mut figures = Figures::default();
            a.rows.iter().filter(|r| r.achievement_id == ach.id).for_each(|r| figures.add(r));
            AchievementLine { name: ach.definition.name.clone(), figures }
        })
        .collect();
    let count = |state: &str| counts.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
    let now = vec![
        (w.in_progress, count("in_progress")),
        (w.awaiting_signoff, count("awaiting_signoff")),
        (w.locked_out, count("locked_out")),
    ];
    let chosen = a.chosen.clone().unwrap_or_default();
    let (from, to) = (month_text(a.from), month_text(a.to));
    let csv_href = format!("/console/analytics.csv?achievement={chosen}&from={from}&to={to}");
    let template = AnalyticsPage {
        page: &staff.page,
        chrome: staff.chrome(Section::Analytics),
        w,
        achievements: a.achievements.iter().map(|x| (x.id.clone(), x.definition.name.clone())).collect(),
        chosen,
        from,
        to,
        csv_href,
        total,
        funnel,
        months,
        by_achievement,
        now,
    };
    private(render(&staff.page, StatusCode::OK, &template))
}

/// `GET /console/analytics.csv`: the period's figures by month and micro-credential.
pub async fn analytics_csv(State(state): State<AppState>, staff: Staff, RawQuery(query): RawQuery) -> Response {
    let a = match asked(&state, &staff, query.as_deref()).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let header = ["month", "achievement_id", "achievement", "issued", "claimed", "shared", "downloaded", "verified"];
    let mut written = out.write_record(header);
    for r in &a.rows {
        let name = a.achievements.iter().find(|x| x.id == r.achievement_id).map_or("", |x| x.definition.name.as_str());
        let numbers = [r.issued, r.claimed, r.shared, r.downloaded, r.verified].map(|n| n.to_string());
        let mut record = vec![r.month.as_str(), r.achievement_id.as_str(), name];
        record.extend(numbers.iter().map(String::as_str));
        written = written.and_then(|()| out.write_record(&record));
    }
    let body = match (written, out.into_inner()) {
        (Ok(()), Ok(bytes)) => bytes,
        _ => return crate::error::AppError::Internal("the CSV could not be written".into()).into_response(),
    };
    let mut response = private(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response());
    let name = format!("attachment; filename=\"analytics-{}-{}.csv\"", month_text(a.from), month_text(a.to));
    if let Ok(v) = HeaderValue::from_str(&name) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_default_to_twelve_months_and_stay_within_bounds() {
        let today = (2026, 12);
        assert_eq!(period("", "", today), ((2026, 1), (2026, 12)));
        assert_eq!(period("", "", (2026, 3)), ((2025, 4), (2026, 3)));
        assert_eq!(period("2026-06", "2026-08", today), ((2026, 6), (2026, 8)));
        assert_eq!(period("2020-01", "2026-12", today), ((2026, 1), (2026, 12)), "longer than 36 months");
        assert_eq!(period("2026-09", "2026-08", today), ((2025, 9), (2026, 8)), "a start after the end");
        assert_eq!(period("x", "2030-01", today), ((2026, 1), (2026, 12)), "an end in the future");
        for bad in ["2026-13", "2026-00", "26-01", "2026-1", "2026-01-01", "１２３４-01", "-2026-01"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        assert_eq!(months_between((2025, 11), (2026, 2)), 3);
        assert_eq!(next_month((2026, 12)), (2027, 1));
    }

    #[test]
    fn percentages_round_and_survive_nothing_issued() {
        let f = Figures { issued: 3, claimed: 2, ..Figures::default() };
        assert_eq!(f.percent(2), 67);
        assert_eq!(Figures::default().percent(0), 0);
    }
}
