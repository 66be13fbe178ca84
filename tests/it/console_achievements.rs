//! The console's micro-credential pages: the list, the editor (create, edit as a new
//! version once issued, retire), the rule built without JavaScript and its preview,
//! through the real router. Security: roles on every read and write, another
//! organization's ids, CSRF, bad values beside their fields, oversized forms.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::{TestApp, app};
use crate::console_support::{Console, location, post_form, urlencode};

/// An organization with an issuer-admin signed in to the console; its API key.
async fn admin_of(app: &TestApp, org: &str) -> (Console, String) {
    let key = app.org_with_key(org).await;
    let console = Console::signed_in(app, org, &key, &format!("admin@{org}.ca"), "issuer-admin").await;
    (console, key)
}

/// The editor's form for a micro-credential with a scored exam (3 attempts) and an
/// employer's non-blocking sign-off.
fn two_component_form(slug: &str, name: &str) -> String {
    [
        ("slug", slug),
        ("name", name),
        ("description", "Lift, carry and store safely."),
        ("criteria.narrative", "Pass the exam and show it at work."),
        ("achievementType", "MicroCredential"),
        ("tier", "micro-credential"),
        ("hours", "12,5"),
        ("language", "en-CA"),
        ("tags", "safety\n\nwarehouse\n"),
        ("validityPeriod", "P3Y"),
        ("rule.allOf[0].component", "final-exam"),
        ("rule.allOf[0].name", "Final exam"),
        ("rule.allOf[0].minScore", "70"),
        ("rule.allOf[0].maxAttempts", "3"),
        ("rule.allOf[0].requiresSignoff", ""),
        ("rule.allOf[1].component", "workplace"),
        ("rule.allOf[1].name", "Workplace practice"),
        ("rule.allOf[1].requiresSignoff", "employer"),
        ("rule.allOf[1].signoffBlocking", "true"),
        ("action", "save"),
    ]
    .iter()
    .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
    .collect::<Vec<_>>()
    .join("&")
}

/// The id of the micro-credential a save redirected to.
fn saved_id(r: &crate::common::Response) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    location(r).strip_prefix("/console/achievements/").expect("the micro-credential's page").to_string()
}

async fn achievement(app: &TestApp, org: &str, key: &str, id: &str) -> serde_json::Value {
    let r = app.get(&format!("/api/v1/organizations/{org}/achievements/{id}"), Some(key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

#[tokio::test]
async fn an_issuer_admin_creates_edits_and_retires_a_micro_credential() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;

    let list = admin.get(&app, "/console/achievements").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(list.text.contains("href=\"/console/achievements/new\""), "{}", list.text);
    let form = admin.get(&app, "/console/achievements/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert!(form.text.contains("name=\"rule.allOf[0].component\""), "one empty component row");

    let id =
        saved_id(&admin.post(&app, "/console/achievements/new", &two_component_form("lifting", "Safe lifting")).await);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(a["version"], 1);
    assert_eq!(a["hours"], 12.5, "a French decimal comma is read");
    assert_eq!(a["tags"], json!(["safety", "warehouse"]));
    assert_eq!(
        a["rule"],
        json!({"allOf": [
            {"component": "final-exam", "name": "Final exam", "minScore": 70.0, "maxAttempts": 3},
            {"component": "workplace", "name": "Workplace practice", "requiresSignoff": "employer"}
        ]})
    );

    // Its page shows the form filled in and what it takes to earn it, in the page's language.
    let page = admin.get(&app, &format!("/console/achievements/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("value=\"Safe lifting\""), "{}", page.text);
    assert!(
        page.text.contains(
            "Score at least 70% on Final exam, in at most 3 attempts; an employer confirms Workplace practice."
        ),
        "{}",
        page.text
    );
    let fr = admin.get(&app, &format!("/console/achievements/{id}?lang=fr")).await;
    assert!(fr.text.contains("Obtenir au moins 70\u{a0}% à Final exam"), "{}", fr.text);

    // Issued once, an edit makes version 2; the issued credential keeps version 1.
    let result = json!({"achievement": "lifting", "component": "final-exam", "score": 90,
        "learner": {"email": "lee@example.org"}});
    let r = app.post("/api/v1/organizations/college/results", Some(&key), &result).await;
    assert_eq!(r.body["state"], "in_progress", "the sign-off is not submitted yet: {}", r.text);
    let without_waiting =
        two_component_form("ignored", "Safe lifting at work").replace("&rule.allOf%5B1%5D.signoffBlocking=true", "");
    let edited = admin.post(&app, &format!("/console/achievements/{id}"), &without_waiting).await;
    assert_eq!(saved_id(&edited), id);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(a["version"], 1, "nothing issued yet: edited in place");
    assert_eq!(a["slug"], "lifting", "the identifier does not change");
    assert_eq!(a["rule"]["allOf"][1]["signoffBlocking"], false);
    let r = app.post("/api/v1/organizations/college/results", Some(&key), &result).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let renamed = two_component_form("lifting", "Safe lifting, revised");
    saved_id(&admin.post(&app, &format!("/console/achievements/{id}"), &renamed).await);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(a["version"], 2, "{a}");
    assert_eq!(a["name"], "Safe lifting, revised");
    let v1 = app.get(&format!("/achievements/{id}/versions/1"), None).await;
    assert_eq!(v1.body["name"], "Safe lifting at work");

    // Retired: listed as such, read-only, and no credential is issued for it any more.
    let r = admin.post(&app, &format!("/console/achievements/{id}/retire"), "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), "/console/achievements");
    let list = admin.get(&app, "/console/achievements").await;
    assert!(list.text.contains("Retired"), "{}", list.text);
    let page = admin.get(&app, &format!("/console/achievements/{id}")).await;
    assert!(page.text.contains("is retired") && !page.text.contains("value=\"save\""), "{}", page.text);
    let again = json!({"achievement": "lifting", "component": "final-exam", "score": 90,
        "learner": {"email": "kim@example.org"}});
    let r = app.post("/api/v1/organizations/college/results", Some(&key), &again).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("retired"), "{}", r.text);
    let r = admin.post(&app, &format!("/console/achievements/{id}"), &renamed).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a retired one is not edited: {}", r.text);

    // Every change is in the audit log, by the staff member.
    let org = app.store.organization_by_slug("college").await.unwrap().unwrap();
    let (changes, _) = app.store.changes(&org.id, None, 50).await.unwrap();
    let actions: Vec<(&str, &str)> = changes.iter().map(|c| (c.action.as_str(), c.actor.kind())).collect();
    for action in ["achievement.created", "achievement.edited", "achievement.retired"] {
        assert!(actions.contains(&(action, "staff")), "{action}: {actions:?}");
    }
    assert!(changes.iter().any(|c| c.summary.ends_with("as version 2")), "{changes:?}");
}

#[tokio::test]
async fn the_rule_is_built_with_add_and_remove_buttons() {
    let app = app().await;
    let (admin, _) = admin_of(&app, "college").await;
    let added = admin
        .post(&app, "/console/achievements/new", &two_component_form("x", "X").replace("action=save", "action=add"))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert!(added.text.contains("name=\"rule.allOf[2].component\" value=\"\""), "a third, empty row: {}", added.text);
    assert!(added.text.contains("value=\"Workplace practice\""), "the rows typed stay");
    let removed = admin
        .post(
            &app,
            "/console/achievements/new",
            &two_component_form("x", "X").replace("action=save", "action=remove-0"),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert!(!removed.text.contains("Final exam"), "row 0 is gone: {}", removed.text);
    assert!(removed.text.contains("name=\"rule.allOf[0].component\" value=\"workplace\""), "{}", removed.text);
    assert!(removed.text.contains("An employer confirms Workplace practice."), "the preview follows: {}", removed.text);
    // Nothing was saved by either.
    assert!(!admin.get(&app, "/console/achievements").await.text.contains("/console/achievements/0"));
}

#[tokio::test]
async fn bad_values_come_back_beside_their_fields() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    let form = two_component_form("Not A Slug", "")
        .replace("hours=12%2C5", "hours=lots")
        .replace("rule.allOf%5B0%5D.minScore=70", "rule.allOf%5B0%5D.minScore=120")
        .replace("tier=micro-credential", "tier=gold");
    let r = admin.post(&app, "/console/achievements/new", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for (id, reason) in [
        ("f-slug", "lowercase letters"),
        ("f-name", "must not be empty"),
        ("f-hours", "must be a number"),
        ("f-tier", "one of the choices"),
        ("f-rule-allOf-0-minScore", "can never be met"),
    ] {
        let error = format!("<p class=\"error-message\" id=\"{id}-error\">");
        let at = r.text.find(&error).unwrap_or_else(|| panic!("{id}: {}", r.text));
        assert!(r.text[at..].split("</p>").next().unwrap().contains(reason), "{id}: {}", r.text);
        assert!(
            r.text.contains(&format!("aria-describedby=\"{id}-error\"")) || r.text.contains(&format!(" {id}-error\"")),
            "{id}"
        );
    }
    assert!(r.text.contains("value=\"Not A Slug\""), "what was typed is shown again");
    // A component without any requirement: the reason is on its fieldset.
    let form = two_component_form("lonely", "Lonely").replace("rule.allOf%5B1%5D.requiresSignoff=employer", "");
    let r = admin.post(&app, "/console/achievements/new", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"f-rule-allOf-1-error\">must require at least one"), "{}", r.text);
    // A slug taken already.
    crate::api_support::create_achievement(&app, "college", &key, &crate::api_support::minimal_achievement("taken"))
        .await;
    let r = admin.post(&app, "/console/achievements/new", &two_component_form("taken", "Taken")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"f-slug-error\">this organization already has"), "{}", r.text);
    // Absurd indexes and values do not break anything.
    let r = admin
        .post(
            &app,
            "/console/achievements/new",
            "rule.allOf%5B18446744073709551616%5D.component=x&action=remove-99999999999999999999",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = admin.post(&app, "/console/achievements/new", "name=%00&action=save").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

#[tokio::test]
async fn issuers_and_viewers_read_but_change_nothing() {
    let app = app().await;
    let (_, key) = admin_of(&app, "college").await;
    let id = crate::api_support::create_achievement(
        &app,
        "college",
        &key,
        &crate::api_support::minimal_achievement("badge"),
    )
    .await;
    for (email, role) in [("issuer@college.ca", "issuer"), ("viewer@college.ca", "viewer")] {
        let staff = Console::signed_in(&app, "college", &key, email, role).await;
        let list = staff.get(&app, "/console/achievements").await;
        assert_eq!(list.status, StatusCode::OK, "{role}: {}", list.text);
        assert!(list.text.contains("Minimal badge") && !list.text.contains("/console/achievements/new"), "{role}");
        let page = staff.get(&app, &format!("/console/achievements/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{role}: {}", page.text);
        assert!(page.text.contains("<fieldset class=\"plain\" disabled>"), "{role}: read-only");
        assert!(!page.text.contains("/retire\""), "{role}: no retire form");
        assert_eq!(staff.get(&app, "/console/achievements/new").await.status, StatusCode::FORBIDDEN, "{role}");
        for path in [
            "/console/achievements/new".to_string(),
            format!("/console/achievements/{id}"),
            format!("/console/achievements/{id}/retire"),
        ] {
            let r = staff.post(&app, &path, &two_component_form("badge", "Taken over")).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} {path}: {}", r.text);
        }
    }
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!((a["name"].as_str(), a.get("retiredAt")), (Some("Minimal badge"), None));
    assert_eq!(crate::api_support::achievements_of(&app, "college").await.len(), 1);
}

#[tokio::test]
async fn another_organizations_micro_credentials_answer_404() {
    let app = app().await;
    let (admin, _) = admin_of(&app, "college").await;
    let other_key = app.org_with_key("other").await;
    let theirs = crate::api_support::create_achievement(
        &app,
        "other",
        &other_key,
        &crate::api_support::minimal_achievement("theirs"),
    )
    .await;
    assert_eq!(admin.get(&app, &format!("/console/achievements/{theirs}")).await.status, StatusCode::NOT_FOUND);
    let r =
        admin.post(&app, &format!("/console/achievements/{theirs}"), &two_component_form("theirs", "Mine now")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = admin.post(&app, &format!("/console/achievements/{theirs}/retire"), "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.get(&app, "/console/achievements/no-such-id").await.status, StatusCode::NOT_FOUND);
    let r = app.get(&format!("/api/v1/organizations/other/achievements/{theirs}"), Some(&other_key)).await;
    assert_eq!(r.body["name"], "Minimal badge");
    assert!(r.body.get("retiredAt").is_none());
    assert!(!admin.get(&app, "/console/achievements").await.text.contains("Minimal badge"));
}

#[tokio::test]
async fn forms_without_the_session_token_or_from_elsewhere_are_refused() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    let id = crate::api_support::create_achievement(
        &app,
        "college",
        &key,
        &crate::api_support::minimal_achievement("badge"),
    )
    .await;
    let form = two_component_form("new-one", "New one");
    for path in [
        "/console/achievements/new".to_string(),
        format!("/console/achievements/{id}"),
        format!("/console/achievements/{id}/retire"),
    ] {
        let r = post_form(&app, &path, &form, Some(&admin.cookie), &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF field: {path}");
        let wrong = format!("csrf=csrf_wrongwrongwrongwrongwrongwrongwrong&{form}");
        assert_eq!(
            post_form(&app, &path, &wrong, Some(&admin.cookie), &[]).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        let signed = format!("csrf={}&{form}", admin.csrf);
        let r = post_form(&app, &path, &signed, Some(&admin.cookie), &[("sec-fetch-site", "cross-site")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "cross-site: {path}");
        let r = post_form(&app, &path, &signed, None, &[]).await;
        assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/console/sign-in"), "signed out: {path}");
    }
    assert_eq!(crate::api_support::achievements_of(&app, "college").await.len(), 1);
    assert!(achievement(&app, "college", &key, &id).await.get("retiredAt").is_none());
}

#[tokio::test]
async fn oversized_forms_are_refused_with_413() {
    let app = app().await;
    let (admin, _) = admin_of(&app, "college").await;
    let big = format!("description={}", "a".repeat(credence::web::console::achievements::MAX_EDITOR_BYTES + 1));
    let r = admin.post(&app, "/console/achievements/new", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    // The longest description and criteria the API takes, in French, fit.
    let long = "é".repeat(8000);
    let form = two_component_form("long", "Long")
        .replace("description=Lift%2C+carry+and+store+safely.", &format!("description={}", urlencode(&long)))
        .replace(
            "criteria.narrative=Pass+the+exam+and+show+it+at+work.",
            &format!("criteria.narrative={}", urlencode(&long)),
        );
    saved_id(&admin.post(&app, "/console/achievements/new", &form).await);
}

#[tokio::test]
async fn a_rule_with_alternatives_is_built_in_the_form() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    let base = two_component_form("either", "Either way").replace("&action=save", "");
    let r = admin.post(&app, "/console/achievements/new", &format!("{base}&action=add-group")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("name=\"rule.groups[0].atLeast\" value=\"1\""), "{}", r.text);
    assert!(r.text.contains("name=\"rule.groups[0].anyOf[0].component\" value=\"\""), "{}", r.text);
    let group = [
        ("rule.groups[0].atLeast", "1"),
        ("rule.groups[0].anyOf[0].component", "portfolio"),
        ("rule.groups[0].anyOf[0].name", "Portfolio"),
        ("rule.groups[0].anyOf[0].completed", "true"),
        ("rule.groups[0].anyOf[1].component", "interview"),
        ("rule.groups[0].anyOf[1].name", "Interview"),
        ("rule.groups[0].anyOf[1].passed", "true"),
    ]
    .iter()
    .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
    .collect::<Vec<_>>()
    .join("&");
    // At least 3 of 2 can never be met: said beside the field.
    let three =
        group.replace("atLeast%5D=1", "").replace("rule.groups%5B0%5D.atLeast=1", "rule.groups%5B0%5D.atLeast=3");
    let r = admin.post(&app, "/console/achievements/new", &format!("{base}&{three}&action=save")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"f-rule-groups-0-atLeast-error\">must be from 1 to the number"), "{}", r.text);
    let r = admin.post(&app, "/console/achievements/new", &format!("{base}&{group}&action=save")).await;
    let id = saved_id(&r);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(
        a["rule"]["groups"],
        json!([{"anyOf": [
            {"component": "portfolio", "name": "Portfolio", "completed": true},
            {"component": "interview", "name": "Interview", "passed": true}
        ]}])
    );
    let page = admin.get(&app, &format!("/console/achievements/{id}")).await;
    assert!(page.text.contains("Also, one of these: complete Portfolio; or pass Interview."), "{}", page.text);
    assert!(page.text.contains("name=\"rule.groups[0].anyOf[1].component\" value=\"interview\""), "{}", page.text);
}

#[tokio::test]
async fn competencies_are_searched_added_and_removed_without_javascript() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    crate::api_support::create_framework(&app, &key, &crate::api_support::framework_body("supervision")).await;
    // Another organization's framework is not offered.
    let other_key = app.org_with_key("other").await;
    let mut theirs = crate::api_support::framework_body("their-skills");
    theirs["domains"][0]["competencies"][1]["name"] = json!("Persuasion of theirs");
    crate::api_support::create_framework(&app, &other_key, &theirs).await;
    let id = crate::api_support::create_achievement(
        &app,
        "college",
        &key,
        &crate::api_support::minimal_achievement("badge"),
    )
    .await;
    let path = format!("/console/achievements/{id}/alignments");

    let found = admin.get(&app, &format!("{path}?q=persua")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(found.text.contains("<strong>Persuasion</strong> (<code>COM-2</code>)"), "{}", found.text);
    assert!(!found.text.contains("Persuasion of theirs"), "not another organization's framework");
    let long = admin.get(&app, &format!("{path}?q={}", "x".repeat(5000))).await;
    assert_eq!(long.status, StatusCode::OK);

    let add = "action=add-competency&framework=supervision&competency=COM-2&version=1&q=persua";
    let r = admin.post(&app, &path, add).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, path.as_str()), "{}", r.text);
    let r = admin.post(&app, &path, "action=add-noc&noc2021=92012&nocTitle=Supervisors%2C+food+processing").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(a["alignments"][0]["targetCode"], "COM-2", "{a}");
    assert_eq!(a["alignments"][0]["framework"]["slug"], "supervision");
    assert_eq!(a["alignments"][1]["targetCode"], "92012");
    assert_eq!(a["version"], 1, "nothing issued: edited in place");

    // Codes and titles are checked; the page says why, and keeps what was typed.
    let r = admin.post(&app, &path, "action=add-noc&noc2021=123&nocTitle=").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("alignments[2].noc2021: must be a five-digit"), "{}", r.text);
    assert!(r.text.contains("value=\"123\""), "{}", r.text);
    let r = admin.post(&app, &path, "action=add-competency&framework=no-such&competency=COM-1").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a framework is checked: {}", r.text);
    let r = admin.post(&app, &path, "action=add-competency&framework=supervision&competency=NOPE").await;
    assert!(r.text.contains("has no competency &#39;NOPE&#39;"), "a competency is checked: {}", r.text);
    let r = admin.post(&app, &path, "action=add-esco&esco=https%3A%2F%2Fexample.org%2Fx&escoTitle=X").await;
    assert!(r.text.contains("must be an ESCO URI"), "{}", r.text);

    // Removed by its button; an index that is not there changes nothing.
    let r = admin.post(&app, &path, "action=remove-0").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.post(&app, &path, "action=remove-99").await.status, StatusCode::SEE_OTHER);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(a["alignments"].as_array().map(Vec::len), Some(1), "{a}");
    assert_eq!(a["alignments"][0]["targetCode"], "92012");
    let page = admin.get(&app, &path).await;
    assert!(page.text.contains("Supervisors, food processing"), "{}", page.text);
    // The editor keeps the alignments when it saves the rest.
    saved_id(&admin.post(&app, &format!("/console/achievements/{id}"), &two_component_form("badge", "Renamed")).await);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(
        (a["name"].as_str(), a["alignments"][0]["targetCode"].as_str()),
        (Some("Renamed"), Some("92012")),
        "{a}"
    );

    // Viewers read and search, change nothing; other organizations see 404; CSRF is needed.
    let viewer = Console::signed_in(&app, "college", &key, "viewer@college.ca", "viewer").await;
    let seen = viewer.get(&app, &format!("{path}?q=persua")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.text.contains("value=\"add-competency\""), "{}", seen.text);
    assert_eq!(viewer.post(&app, &path, add).await.status, StatusCode::FORBIDDEN);
    let stranger = Console::signed_in(&app, "other", &other_key, "admin@other.ca", "issuer-admin").await;
    assert_eq!(stranger.get(&app, &path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.post(&app, &path, add).await.status, StatusCode::NOT_FOUND);
    assert_eq!(post_form(&app, &path, add, Some(&admin.cookie), &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(achievement(&app, "college", &key, &id).await["alignments"].as_array().map(Vec::len), Some(1));
}

/// Posts the artwork form (multipart) with the session cookie.
async fn post_artwork(
    app: &TestApp,
    console: &Console,
    path: &str,
    csrf: &str,
    action: &str,
    file: &[u8],
) -> crate::common::Response {
    use axum::body::Body;
    use axum::http::{Method, Request, header};
    let boundary = "credence-test-boundary";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf.as_bytes()), ("action", action.as_bytes())] {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
        body.extend(value);
        body.extend(b"\r\n");
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"art\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::COOKIE, format!("{}={}", crate::console_support::COOKIE, console.cookie))
        .body(Body::from(body))
        .unwrap();
    app.send_request(request).await
}

#[tokio::test]
async fn artwork_is_uploaded_cleaned_previewed_and_replaced_by_the_generated_design() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    let id = crate::api_support::create_achievement(
        &app,
        "college",
        &key,
        &crate::api_support::minimal_achievement("badge"),
    )
    .await;
    let path = format!("/console/achievements/{id}/artwork");
    let page = admin.get(&app, &format!("/console/achievements/{id}")).await;
    assert!(
        page.text.contains("class=\"artwork-preview\" src=\"data:image/svg+xml;base64,"),
        "the generated design: {}",
        page.text
    );

    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10" fill="red"/></svg>"#;
    let r = post_artwork(&app, &admin, &path, &admin.csrf, "upload", svg).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let image = achievement(&app, "college", &key, &id).await["image"]["url"].as_str().unwrap().to_string();
    let stored = image.strip_prefix("data:image/svg+xml;base64,").expect("an SVG data URI");
    let stored =
        String::from_utf8(base64::Engine::decode(&base64::engine::general_purpose::STANDARD, stored).unwrap()).unwrap();
    assert!(!stored.contains("script"), "{stored}");
    let r = post_artwork(&app, &admin, &path, &admin.csrf, "upload", &crate::common::tiny_png()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let image = achievement(&app, "college", &key, &id).await["image"]["url"].as_str().unwrap().to_string();
    assert!(image.starts_with("data:image/png;base64,"), "{image}");

    // Junk is refused beside the file field; nothing changes.
    let r = post_artwork(&app, &admin, &path, &admin.csrf, "upload", b"not an image").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"f-image-error\""), "{}", r.text);
    assert_eq!(achievement(&app, "college", &key, &id).await["image"]["url"], image);
    // On a French page, the reason is French (its detail is the SVG reader's own words).
    let r = post_artwork(&app, &admin, &format!("{path}?lang=fr"), &admin.csrf, "upload", b"not an image").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(reason_beside(&r, "f-image").starts_with("l’image SVG n’a pas pu être lue : "), "{}", r.text);
    // Too large: 413, on this route's own cap.
    let big = vec![b'a'; credence::web::console::artwork::MAX_ARTWORK_BYTES + 1];
    assert_eq!(
        post_artwork(&app, &admin, &path, &admin.csrf, "upload", &big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // CSRF, roles, other organizations.
    assert_eq!(post_artwork(&app, &admin, &path, "csrf_wrong", "generated", b"").await.status, StatusCode::FORBIDDEN);
    let viewer = Console::signed_in(&app, "college", &key, "viewer@college.ca", "viewer").await;
    assert_eq!(post_artwork(&app, &viewer, &path, &viewer.csrf, "generated", b"").await.status, StatusCode::FORBIDDEN);
    let other_key = app.org_with_key("other").await;
    let stranger = Console::signed_in(&app, "other", &other_key, "admin@other.ca", "issuer-admin").await;
    assert_eq!(
        post_artwork(&app, &stranger, &path, &stranger.csrf, "generated", b"").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(achievement(&app, "college", &key, &id).await["image"]["url"], image);

    // Back to the generated design.
    let r = post_artwork(&app, &admin, &path, &admin.csrf, "generated", b"").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(achievement(&app, "college", &key, &id).await.get("image").is_none());
}

#[tokio::test]
async fn a_micro_credential_is_defined_in_english_and_french_in_one_form() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    let edition = [
        ("edition.name", "Levage sécuritaire"),
        ("edition.description", "Soulever, porter et ranger en sécurité."),
        ("edition.criteria.narrative", "Réussir l’examen et le montrer au travail."),
    ]
    .iter()
    .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let form = format!("{}&{edition}", two_component_form("lifting", "Safe lifting"));

    // A duration given in English needs its French words too, shown beside that field.
    let r = admin.post(&app, "/console/achievements/new", &format!("{form}&duration=4+weeks")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"f-edition-duration-error\""), "{}", r.text);
    assert!(r.text.contains("value=\"Levage sécuritaire\""), "what was typed is kept");

    let id = saved_id(&admin.post(&app, "/console/achievements/new", &form).await);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(a["edition"]["language"], "fr", "{a}");
    assert_eq!(a["edition"]["name"], "Levage sécuritaire");
    let page = admin.get(&app, &format!("/console/achievements/{id}")).await;
    assert!(page.text.contains("The other language — In French"), "{}", page.text);
    assert!(page.text.contains("value=\"Levage sécuritaire\""), "the edition is shown for editing");

    // Editing the English text keeps the French edition; emptying the French fields drops it.
    let r = admin
        .post(&app, &format!("/console/achievements/{id}"), &form.replace("Safe+lifting", "Safe+lifting+at+work"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(
        (a["name"].as_str(), a["edition"]["name"].as_str()),
        (Some("Safe lifting at work"), Some("Levage sécuritaire"))
    );
    let r =
        admin.post(&app, &format!("/console/achievements/{id}"), &two_component_form("lifting", "Safe lifting")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(achievement(&app, "college", &key, &id).await.get("edition").is_none_or(|e| e.is_null()));
}

/// The reason beside the field `id` of an editor page (the text of its error message).
fn reason_beside<'a>(r: &'a crate::common::Response, id: &str) -> &'a str {
    let error = format!("<p class=\"error-message\" id=\"{id}-error\">");
    let at = r.text.find(&error).unwrap_or_else(|| panic!("no error beside {id}: {}", r.text));
    r.text[at + error.len()..].split("</p>").next().unwrap_or_default()
}

#[tokio::test]
async fn a_french_page_gives_the_domains_reasons_in_french_and_the_api_keeps_english() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    let form = two_component_form("Not A Slug", "")
        .replace("validityPeriod=P3Y", "validityPeriod=forever")
        .replace("rule.allOf%5B0%5D.minScore=70", "rule.allOf%5B0%5D.minScore=120")
        .replace("rule.allOf%5B0%5D.maxAttempts=3", "rule.allOf%5B0%5D.maxAttempts=500");
    let r = admin.post(&app, "/console/achievements/new?lang=fr", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for (id, reason) in [
        (
            "f-slug",
            "doit compter de 1 à 63 lettres minuscules, chiffres ou traits d’union simples, et commencer et finir par une lettre ou un chiffre",
        ),
        ("f-name", "ne doit pas être vide"),
        (
            "f-validityPeriod",
            "doit être une durée ISO 8601 en années, mois, semaines ou jours, d’au plus 100 ans, p. ex. P3Y ou P18M",
        ),
        ("f-rule-allOf-0-minScore", "120 ne pourra jamais être atteint : les notes sont des pourcentages de 0 à 100"),
        ("f-rule-allOf-0-maxAttempts", "doit être entre 1 et 100; laissez vide pour des tentatives illimitées"),
    ] {
        assert_eq!(reason_beside(&r, id), reason, "{id}");
    }
    // The summary gives them in French too; no English sentence of the domain is left.
    assert!(r.text.contains("<code>name</code></a>: ne doit pas être vide"), "{}", r.text);
    for english in ["must not be empty", "can never be met", "must be an ISO 8601", "lowercase letters"] {
        assert!(!r.text.contains(english), "{english}: {}", r.text);
    }
    // The same form in English keeps the English sentences, word for word.
    let r = admin.post(&app, "/console/achievements/new?lang=en", &form).await;
    assert_eq!(reason_beside(&r, "f-name"), "must not be empty");
    assert_eq!(
        reason_beside(&r, "f-rule-allOf-0-minScore"),
        "120 can never be met: scores are percentages from 0 to 100"
    );

    // A component without any requirement, and a text too long, in the other language's edition.
    let form = two_component_form("lonely", "Lonely")
        .replace("rule.allOf%5B1%5D.requiresSignoff=employer", "")
        .replace("tags=safety", &format!("tags={}", "t".repeat(101)));
    let r = admin.post(&app, "/console/achievements/new?lang=fr", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        reason_beside(&r, "f-rule-allOf-1"),
        "doit demander au moins une exigence : une note minimale, terminée, réussie ou une confirmation"
    );
    assert_eq!(reason_beside(&r, "f-tags"), "doit compter au plus 100 caractères");

    // A slug taken already: the store's refusal is in French beside the identifier.
    crate::api_support::create_achievement(&app, "college", &key, &crate::api_support::minimal_achievement("taken"))
        .await;
    let r = admin.post(&app, "/console/achievements/new?lang=fr", &two_component_form("taken", "Taken")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(reason_beside(&r, "f-slug"), "votre organisation a déjà une microcertification avec cet identifiant");

    // The JSON API answers the English reasons, whatever language the client prefers.
    let mut bad = crate::api_support::minimal_achievement("Not A Slug");
    bad["name"] = json!("");
    bad["rule"]["allOf"][0]["minScore"] = json!(120);
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/organizations/college/achievements?lang=fr")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .header("accept-language", "fr-CA,fr;q=0.9")
        .header("cookie", "lang=fr")
        .body(axum::body::Body::from(bad.to_string()))
        .expect("request");
    let r = app.send_request(request).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let errors = r.body["errors"].as_array().cloned().unwrap_or_default();
    for (field, reason) in [
        (
            "slug",
            "must be 1-63 lowercase letters, digits or single hyphens, starting and ending with a letter or digit",
        ),
        ("name", "must not be empty"),
        ("rule.allOf[0].minScore", "120 can never be met: scores are percentages from 0 to 100"),
    ] {
        assert!(errors.contains(&json!({"field": field, "reason": reason})), "{field}: {}", r.text);
    }
    let r = app
        .post(
            "/api/v1/organizations/college/achievements",
            Some(&key),
            &crate::api_support::minimal_achievement("taken"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("this organization already has an achievement with this slug"), "{}", r.text);
}

#[tokio::test]
async fn a_refused_alignment_is_explained_in_french_on_a_french_page() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    crate::api_support::create_framework(&app, &key, &crate::api_support::framework_body("supervision")).await;
    let id = crate::api_support::create_achievement(
        &app,
        "college",
        &key,
        &crate::api_support::minimal_achievement("badge"),
    )
    .await;
    let path = format!("/console/achievements/{id}/alignments?lang=fr");
    let r = admin.post(&app, &path, "action=add-noc&noc2021=123&nocTitle=Superviseurs").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("alignments[0].noc2021: doit être un code de groupe de base de la CNP 2021 à cinq chiffres"),
        "{}",
        r.text
    );
    let r = admin.post(&app, &path, "action=add-competency&framework=supervision&competency=NOPE").await;
    assert!(r.text.contains("le référentiel « supervision », version 1, n’a pas de compétence « NOPE »"), "{}", r.text);
    let r = admin.post(&app, &path, "action=add-esco&esco=https%3A%2F%2Fexample.org%2Fx&escoTitle=X").await;
    assert!(r.text.contains("doit être un URI ESCO commençant par http://data.europa.eu/esco/"), "{}", r.text);
    assert!(!r.text.contains("must be an ESCO URI"), "{}", r.text);
}

#[tokio::test]
async fn a_bundled_framework_is_offered_before_anyone_imports_it_and_registered_when_picked() {
    let app = app().await;
    let (admin, key) = admin_of(&app, "college").await;
    assert!(!crate::api_support::framework_slugs(&app).await.contains(&"skills-for-success".to_string()));
    let id = crate::api_support::create_achievement(
        &app,
        "college",
        &key,
        &crate::api_support::minimal_achievement("badge"),
    )
    .await;
    let path = format!("/console/achievements/{id}/alignments");
    let found = admin.get(&app, &format!("{path}?q=numer")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(found.text.contains("<strong>Numeracy</strong> (<code>numeracy</code>)"), "{}", found.text);
    assert!(found.text.contains("Skills for Success"), "{}", found.text);

    let add = "action=add-competency&framework=skills-for-success&competency=numeracy&version=1&q=numer";
    let r = admin.post(&app, &path, add).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, path.as_str()), "{}", r.text);
    assert!(crate::api_support::framework_slugs(&app).await.contains(&"skills-for-success".to_string()));
    let a = achievement(&app, "college", &key, &id).await;
    assert_eq!(a["alignments"][0]["targetCode"], "numeracy", "{a}");
    assert_eq!(a["alignments"][0]["framework"]["slug"], "skills-for-success");

    // Once registered it is offered once, as registered; a second pick adds to it.
    let found = admin.get(&app, &format!("{path}?q=writ")).await;
    assert_eq!(found.text.matches("<code>writing</code>").count(), 1, "{}", found.text);
    let add = "action=add-competency&framework=skills-for-success&competency=writing&version=1";
    assert_eq!(admin.post(&app, &path, add).await.status, StatusCode::SEE_OTHER);
    assert_eq!(achievement(&app, "college", &key, &id).await["alignments"].as_array().map(Vec::len), Some(2));

    // A framework that neither ships with Credence nor is registered is still refused.
    let r = admin.post(&app, &path, "action=add-competency&framework=made-up&competency=x&version=1").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}
