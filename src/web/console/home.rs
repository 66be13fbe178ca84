//! The console's overview: the organization, who is signed in, and its micro-credentials
//! with their counts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{Chrome, Section, Staff, Words};
use crate::app::AppState;
use crate::web::{PageContext, private, render};

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
    chrome: Chrome,
    w: &'static Words,
    achievements: Vec<AchievementLine>,
}

/// `GET /console`: the signed-in staff member's overview.
pub async fn home(State(state): State<AppState>, staff: Staff) -> Response {
    let achievements = match state.store.list_achievements_counted(&staff.organization.id).await {
        Ok(list) => list,
        Err(e) => return e.into_response(),
    };
    let achievements = achievements
        .into_iter()
        .map(|a| AchievementLine { url: a.url.clone(), name: a.definition.name.clone(), issued: a.issued_count })
        .collect();
    let chrome = staff.chrome(Section::Home);
    let template = HomePage { page: &staff.page, w: chrome.w, chrome, achievements };
    private(render(&staff.page, StatusCode::OK, &template))
}
