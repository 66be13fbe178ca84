//! The issuer's listings and exports at scale: keyset pages (a `cursor` in the
//! `Link` to the next page) that walk every row once while credentials are issued,
//! CSV exports streamed from the database, and `issuedCount` with the rule that an
//! edit never changes a version that has credentials, while both race.

use std::collections::HashSet;

use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use sqlx::Row;

use crate::api_support::*;
use crate::common::{Response, TestApp};

const CREDENTIALS: &str = "/api/v1/organizations/walk/credentials";

async fn award(app: &TestApp, key: &str, achievement: &str, email: &str) -> Response {
    let body = json!({"achievement": achievement, "learner": {"email": email}, "narrative": "Prior learning."});
    app.post("/api/v1/organizations/walk/awards", Some(key), &body).await
}

/// The path of the `Link: <...>; rel="next"` header, if any.
fn next_page(r: &Response) -> Option<String> {
    let link = r.headers.get(header::LINK)?.to_str().ok()?;
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    Some(link.strip_prefix('<')?.split_once('>')?.0.to_string())
}

async fn setup() -> (TestApp, String, String) {
    let app = crate::common::app().await;
    let key = app.org_with_key("walk").await;
    let id = create_achievement(&app, "walk", &key, &minimal_achievement("walk")).await;
    (app, key, id)
}

#[tokio::test]
async fn keyset_pages_walk_every_credential_once_while_more_are_issued() {
    let (app, key, achievement) = setup().await;
    let mut existing = HashSet::new();
    for i in 0..23 {
        let r = award(&app, &key, &achievement, &format!("first{i}@example.org")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        existing.insert(r.body["credential"]["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut path = Some(format!("{CREDENTIALS}?limit=5&achievement={achievement}"));
    let mut pages = 0;
    while let Some(p) = path.take() {
        pages += 1;
        assert!(pages <= 10, "the walk does not end");
        let r = app.get(&p, Some(&key)).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.text);
        let rows = r.body.as_array().unwrap();
        assert!(rows.len() <= 5);
        seen.extend(rows.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        // Issued between two pages: newer than the walk's position, so not in it.
        for j in 0..2 {
            let r = award(&app, &key, &achievement, &format!("during{pages}-{j}@example.org")).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
        path = next_page(&r);
        if let Some(next) = &path {
            assert!(next.contains("limit=5") && next.contains("achievement="), "the filters carry over: {next}");
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a credential came twice: {seen:?}");
    assert_eq!(unique, existing, "every credential there when the walk began, and only those");
    assert_eq!(pages, 5, "4 full pages of 5 and one of 3");
}

#[tokio::test]
async fn learner_listing_pages_by_cursor() {
    let (app, key, achievement) = setup().await;
    for i in 0..7 {
        let r = award(&app, &key, &achievement, &format!("l{i}@example.org")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let mut seen = HashSet::new();
    let mut path = Some("/api/v1/organizations/walk/learners?limit=3".to_string());
    let mut pages = 0;
    while let Some(p) = path.take() {
        pages += 1;
        assert!(pages <= 5, "the walk does not end");
        let r = app.get(&p, Some(&key)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        for row in r.body.as_array().unwrap() {
            assert!(seen.insert(row["learnerId"].as_str().unwrap().to_string()), "a learner came twice");
        }
        path = next_page(&r);
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn a_bad_cursor_is_a_422_naming_cursor() {
    let (app, key, achievement) = setup().await;
    for i in 0..2 {
        award(&app, &key, &achievement, &format!("c{i}@example.org")).await;
    }
    let first = app.get(&format!("{CREDENTIALS}?limit=1"), Some(&key)).await;
    let next = next_page(&first).expect("a full page links to the next");
    let cursor = next.split("cursor=").nth(1).unwrap().to_string();
    let learners = app.get("/api/v1/organizations/walk/learners?limit=1", Some(&key)).await;
    let learner_cursor = next_page(&learners).unwrap().split("cursor=").nth(1).unwrap().to_string();
    for bad in [
        "not-a-cursor!".to_string(),
        "bm90IGEgY3Vyc29y".to_string(),
        "A".repeat(2000),
        learner_cursor.clone(),
        format!("{cursor}x"),
    ] {
        app.get(&format!("{CREDENTIALS}?cursor={bad}"), Some(&key)).await.assert_problem(422, Some("cursor"));
    }
    app.get(&format!("/api/v1/organizations/walk/learners?cursor={cursor}"), Some(&key))
        .await
        .assert_problem(422, Some("cursor"));
    app.get(&format!("{CREDENTIALS}?cursor={cursor}&offset=0"), Some(&key)).await.assert_problem(422, Some("cursor"));
    app.get(&format!("{CREDENTIALS}?format=csv&limit=0"), Some(&key)).await.assert_problem(422, Some("limit"));
    // The deprecated offset still pages.
    let second = app.get(&format!("{CREDENTIALS}?limit=1&offset=1"), Some(&key)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let by_cursor = app.get(&next, Some(&key)).await;
    assert_eq!(second.body, by_cursor.body);
}

/// Adds `n` credentials (and their learners) copied from `template` by SQL, all
/// issued at the same instant: ties of `issued_at` are broken by id.
async fn copy_credentials(app: &TestApp, template: &str, n: i64) {
    let pool = &app.store.pool;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
         INSERT INTO learners (id, organization_id, email, salt, created_at) \
         SELECT 'copy-learner-' || i, c.organization_id, 'copy' || i || '@example.org', 'salt', c.issued_at \
         FROM n, credentials c WHERE c.id = $1",
    )
    .bind(template)
    .bind(n)
    .execute(pool)
    .await
    .expect("copy learners");
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
         INSERT INTO credentials (id, organization_id, learner_id, achievement_id, achievement_version, document, \
         award_kind, issued_at) \
         SELECT 'copy-' || i, c.organization_id, 'copy-learner-' || i, c.achievement_id, c.achievement_version, \
         c.document, c.award_kind, c.issued_at FROM n, credentials c WHERE c.id = $1",
    )
    .bind(template)
    .bind(n)
    .execute(pool)
    .await
    .expect("copy credentials");
}

fn csv_ids(r: &Response) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(r.text.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(&header[0], "id");
    reader.records().map(|rec| rec.expect("a CSV record")[0].to_string()).collect()
}

#[tokio::test]
async fn csv_export_streams_every_row() {
    let (app, key, achievement) = setup().await;
    let r = award(&app, &key, &achievement, "template@example.org").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let template = r.body["credential"]["id"].as_str().unwrap().to_string();
    const COPIES: i64 = 3000;
    copy_credentials(&app, &template, COPIES).await;

    let all = app.get(&format!("{CREDENTIALS}?format=csv"), Some(&key)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert!(all.content_type.starts_with("text/csv"));
    assert!(all.headers.get(header::CONTENT_LENGTH).is_none(), "written out as it is read, not sized up front");
    let ids = csv_ids(&all);
    assert_eq!(ids.len() as i64, COPIES + 1, "every row, not a page");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "no row twice");

    // The export continues from a page's cursor, and takes a limit.
    let page = app.get(&format!("{CREDENTIALS}?limit=1000"), Some(&key)).await;
    let next = next_page(&page).unwrap();
    let cursor = next.split("cursor=").nth(1).unwrap();
    let rest = app.get(&format!("{CREDENTIALS}?format=csv&cursor={cursor}"), Some(&key)).await;
    let rest = csv_ids(&rest);
    assert_eq!(rest.len() as i64, COPIES + 1 - 1000);
    assert_eq!(rest[..], ids[1000..], "the export after a page is the rest of the listing, in order");
    let ten = app.get(&format!("{CREDENTIALS}?format=csv&limit=10"), Some(&key)).await;
    assert_eq!(csv_ids(&ten)[..], ids[..10]);

    // The learner export streams too.
    let learners = app.get("/api/v1/organizations/walk/learners?format=csv", Some(&key)).await;
    assert_eq!(learners.status, StatusCode::OK, "{}", learners.text);
    assert_eq!(learners.text.lines().count(), 2, "one progress row (the copies have none): {}", learners.text);
}

/// A version's definition as stored, by its URL.
async fn stored_version(app: &TestApp, url: &str) -> Value {
    let path = url.strip_prefix(crate::common::PUBLIC_URL).expect("our URL");
    let r = app.get(path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edits_racing_issuances_never_change_an_issued_version_and_counts_stay_exact() {
    let (app, key, achievement) = setup().await;
    let issuing = (0..4).map(|lane| {
        let (app, key, achievement) = (&app, &key, &achievement);
        async move {
            let mut ids = Vec::new();
            for i in 0..10 {
                let email = format!("race{lane}-{i}@example.org");
                let mut tries = 0;
                let r = loop {
                    tries += 1;
                    let r = award(app, key, achievement, &email).await;
                    // Edited in place while this credential was signed: sent again.
                    if r.status == StatusCode::CONFLICT && tries < 10 {
                        assert!(r.text.contains("\"achievement\""), "{}", r.text);
                        continue;
                    }
                    break r;
                };
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                ids.push(r.body["credential"]["id"].as_str().unwrap().to_string());
            }
            ids
        }
    });
    let editing = async {
        let mut in_place = 0;
        for k in 0..15 {
            let mut body = minimal_achievement("walk");
            body["description"] = json!(format!("Edit {k}"));
            let r =
                put(&app, &format!("/api/v1/organizations/walk/achievements/{achievement}"), Some(&key), &body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            in_place += usize::from(r.body["newVersion"] == false);
        }
        in_place
    };
    let (issued, _in_place) = tokio::join!(futures_util::future::join_all(issuing), editing);
    let issued: Vec<String> = issued.into_iter().flatten().collect();
    assert_eq!(issued.len(), 40);

    // Each credential's achievement is its version as stored now.
    let mut per_version = std::collections::HashMap::new();
    for id in &issued {
        let c = app.store.credential(id).await.unwrap().unwrap();
        let signed = &c.document["credentialSubject"]["achievement"];
        let stored = stored_version(&app, signed["id"].as_str().unwrap()).await;
        for field in ["name", "description", "criteria"] {
            assert_eq!(signed[field], stored[field], "{id}: the credential's {field} is not its version's");
        }
        *per_version.entry(c.achievement_version).or_insert(0i64) += 1;
    }
    // The latest version's count, where it is shown, is its credentials.
    let latest = app.get(&format!("/api/v1/organizations/walk/achievements/{achievement}"), Some(&key)).await.body;
    let version = latest["version"].as_i64().unwrap();
    assert_eq!(latest["issuedCount"], per_version.get(&version).copied().unwrap_or(0));
    let listed = achievements_of(&app, "walk").await;
    assert_eq!(listed[0]["issuedCount"], latest["issuedCount"]);
    let in_db: i64 = sqlx::query("SELECT COUNT(*) AS n FROM credentials WHERE achievement_version = $1")
        .bind(version)
        .fetch_one(&app.store.pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(latest["issuedCount"], in_db);
}
