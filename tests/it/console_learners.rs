//! The console's results and learners (issue #14): recording a result in a form,
//! CSV imports and their progress, learner search and pages, merging learners and
//! direct awards, through the real router, with roles, other organizations' ids,
//! CSRF and hostile values.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{Response, TestApp, app};
use crate::console_support::{Console, get_with, post_form, urlencode};

/// An achievement with a scored exam (two attempts) and a project an expert signs off.
fn exam_and_project(slug: &str) -> Value {
    json!({
        "slug": slug,
        "name": "Forklift Safety",
        "description": "Operate a forklift safely.",
        "criteria": {"narrative": "Pass the exam and the supervised project."},
        "achievementType": "MicroCredential",
        "tier": "micro-credential",
        "language": "en",
        "rule": {"allOf": [
            {"component": "exam", "minScore": 70, "maxAttempts": 2},
            {"component": "project", "completed": true, "requiresSignoff": "expert"}
        ]}
    })
}

/// An organization with two micro-credentials, its issuer-admin key and the ids.
struct Org {
    key: String,
    badge: String,
    forklift: String,
}

async fn organization(app: &TestApp, slug: &str) -> Org {
    let key = app.org_with_key(slug).await;
    let badge =
        crate::api_support::create_achievement(app, slug, &key, &crate::api_support::minimal_achievement("badge"))
            .await;
    let forklift = crate::api_support::create_achievement(app, slug, &key, &exam_and_project("forklift")).await;
    Org { key, badge, forklift }
}

async fn staff(app: &TestApp, org: &str, key: &str, role: &str) -> Console {
    Console::signed_in(app, org, key, &format!("{role}@{org}.example.org"), role).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&app.store.pool).await.expect("count")
}

fn record_form(target: &str, rest: &str) -> String {
    format!("target={}&{rest}", urlencode(target))
}

/// Whether the page shows the error `id` and an input points at it with `aria-describedby`.
fn described(r: &Response, id: &str) -> bool {
    r.text.contains(&format!("id=\"{id}\""))
        && r.text
            .split("aria-describedby=\"")
            .skip(1)
            .any(|rest| rest.split('"').next().unwrap_or("").split(' ').any(|i| i == id))
}

/// The learner page a recorded result links to.
fn learner_href(r: &Response) -> String {
    let at = r.text.find("href=\"/console/learners/").expect("a link to the learner") + "href=\"".len();
    r.text[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_recorded_result_says_what_happened() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;

    let page = issuer.get(&app, "/console/results").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Forklift Safety") && page.text.contains(&format!("{}:exam", org.forklift)));
    let fr = issuer.get(&app, "/console/results?lang=fr").await;
    assert!(fr.text.contains("Inscrire un résultat") && fr.text.contains("Microcertification et composante"));

    // Issued: the credential and the learner's claim link.
    let badge = format!("{}:session", org.badge);
    let r = issuer
        .post(&app, "/console/results", &record_form(&badge, "email=Ana%40example.org&name=Ana&completed=yes"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("the credential is issued"), "{}", r.text);
    assert!(r.text.contains("/credentials/") && r.text.contains("/claim/"), "{}", r.text);
    let learner = learner_href(&r);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'credential.issued' AND actor_kind = 'staff'").await,
        1
    );

    // In progress, with what is missing; then locked out after the last attempt.
    let exam = format!("{}:exam", org.forklift);
    let r = issuer.post(&app, "/console/results", &record_form(&exam, "external_id=S-1&score=55")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("In progress") && r.text.contains("exam: not met yet"), "{}", r.text);
    assert!(r.text.contains("project: not met yet"), "{}", r.text);
    let r = issuer.post(&app, "/console/results", &record_form(&exam, "external_id=S-1&score=60%2C5")).await;
    assert!(r.text.contains("Locked out"), "{}", r.text);

    // Awaiting sign-off, with the reviewer's link.
    let r = issuer.post(&app, "/console/results", &record_form(&exam, "email=bo%40example.org&score=90")).await;
    assert!(r.text.contains("In progress"), "{}", r.text);
    let project = format!("{}:project", org.forklift);
    let form = "email=bo%40example.org&completed=yes&signoff=yes&reviewer_name=Dee&evidence_url=https%3A%2F%2Fexample.org%2Fp.pdf";
    let r = issuer.post(&app, "/console/results", &record_form(&project, form)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Awaiting sign-off") && r.text.contains("/signoff/"), "{}", r.text);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'result.recorded' AND actor_kind = 'staff'").await,
        5
    );
    // A reviewer with an address is mailed the link: an issuer does not see it, an issuer-admin does.
    let mailed = format!("{form}&reviewer_email=dee%40example.org");
    let r = issuer.post(&app, "/console/results", &record_form(&project, &mailed.replace("bo%40", "cy%40"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!r.text.contains("/signoff/"), "{}", r.text);
    let asked = "SELECT COUNT(*) FROM signoff_requests WHERE reviewer_email = 'dee@example.org'";
    assert_eq!(count(&app, asked).await, 1, "the request was opened, and its link mailed");
    let admin = staff(&app, "college", &org.key, "issuer-admin").await;
    let r = admin.post(&app, "/console/results", &record_form(&project, &mailed.replace("bo%40", "di%40"))).await;
    assert!(r.text.contains("/signoff/"), "{}", r.text);
    assert_eq!(issuer.get(&app, &learner).await.status, StatusCode::OK);
}

#[tokio::test]
async fn identifiers_naming_two_learners_record_nothing_and_name_both() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let exam = format!("{}:exam", org.forklift);
    for who in ["email=ana%40example.org&external_id=A-1", "email=bo%40example.org&external_id=B-2"] {
        let r = issuer.post(&app, "/console/results", &record_form(&exam, &format!("{who}&score=10"))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let before = count(&app, "SELECT COUNT(*) FROM assessment_results").await;
    let r = issuer
        .post(&app, "/console/results", &record_form(&exam, "email=ana%40example.org&external_id=B-2&score=99"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("name two different learners"), "{}", r.text);
    assert!(r.text.contains("ana@example.org") && r.text.contains("A-1"), "the first learner: {}", r.text);
    assert!(r.text.contains("bo@example.org") && r.text.contains("B-2"), "the second learner: {}", r.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, before, "nothing recorded");
    // One record whose other identifier differs: named too.
    let r = issuer
        .post(&app, "/console/results", &record_form(&exam, "email=ana%40example.org&external_id=Z-9&score=99"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("Z-9") && r.text.contains("A-1"), "{}", r.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, before);
}

#[tokio::test]
async fn bad_values_are_shown_beside_their_fields() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer-admin").await;
    let exam = format!("{}:exam", org.forklift);
    let badge = format!("{}:session", org.badge);
    let cases: [(String, &str); 9] = [
        (record_form(&exam, "email=not-an-email&score=80"), "email-error"),
        (record_form(&exam, "score=80"), "email-error"),
        (record_form(&exam, "email=a%40example.org&score=abc"), "score-error"),
        (record_form(&exam, "email=a%40example.org&score=150"), "score-error"),
        (record_form(&exam, "email=a%40example.org&score=NaN"), "score-error"),
        (record_form(&badge, "email=a%40example.org&score=50"), "score-error"),
        (record_form("nope:exam", "email=a%40example.org&score=50"), "target-error"),
        (record_form(&exam, "email=a%40example.org&score=50&evidence_url=javascript%3Aalert(1)"), "evidence_url-error"),
        (record_form(&badge, "external_id=X-1&completed=yes"), "email-error"),
    ];
    for (form, error) in cases {
        let r = issuer.post(&app, "/console/results", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {}", r.text);
        assert!(described(&r, error), "{form}: {}", r.text);
        assert!(r.text.contains("Nothing was recorded"), "{form}");
    }
    let r = issuer.post(&app, "/console/results?lang=fr", &record_form(&exam, "email=bad&score=80")).await;
    assert!(r.text.contains("Rien n’a été inscrit"), "{}", r.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, 0);

    // An oversized form is refused whole.
    let big = record_form(&exam, &format!("email=a%40example.org&score=50&name={}", "n".repeat(20 * 1024)));
    assert_eq!(issuer.post(&app, "/console/results", &big).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A name longer than the API allows.
    let long = record_form(&exam, &format!("email=a%40example.org&score=50&name={}", "n".repeat(300)));
    let r = issuer.post(&app, "/console/results", &long).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(described(&r, "name-error"), "{}", r.text);
}

#[tokio::test]
async fn viewers_cannot_record_and_forms_need_the_session_token() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let viewer = staff(&app, "college", &org.key, "viewer").await;
    let exam = format!("{}:exam", org.forklift);
    let form = record_form(&exam, "email=a%40example.org&score=80");
    assert_eq!(viewer.get(&app, "/console/results").await.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.post(&app, "/console/results", &form).await.status, StatusCode::FORBIDDEN);
    let home = viewer.get(&app, "/console").await;
    assert!(!home.text.contains("href=\"/console/results\""), "a viewer is not offered the form");

    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let no_token = post_form(&app, "/console/results", &form, Some(&issuer.cookie), &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong = format!("csrf=csrf_{}&{form}", "x".repeat(40));
    assert_eq!(
        post_form(&app, "/console/results", &wrong, Some(&issuer.cookie), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let cross = format!("csrf={}&{form}", issuer.csrf);
    let r =
        post_form(&app, "/console/results", &cross, Some(&issuer.cookie), &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let signed_out = get_with(&app, "/console/results", None).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, 0);

    // Another organization's micro-credential is not one of this form's components.
    let other = organization(&app, "elsewhere").await;
    let theirs = record_form(&format!("{}:exam", other.forklift), "email=a%40example.org&score=80");
    let r = issuer.post(&app, "/console/results", &theirs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, 0);
}

/// A multipart upload of `csv` named `name` with `content_type`, from this site.
async fn upload(app: &TestApp, console: &Console, name: &str, content_type: &str, csv: &[u8], csrf: &str) -> Response {
    let boundary = "----credence-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(csv);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri("/console/imports")
        .header(axum::http::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(axum::http::header::COOKIE, format!("{}={}", crate::console_support::COOKIE, console.cookie))
        .body(axum::body::Body::from(body))
        .unwrap();
    app.send_request(request).await
}

const CSV: &str = "achievement,component,email,external_id,learner_name,completed,score\n\
    badge,session,ana@example.org,A-1,Ana,true,\n\
    badge,session,,B-2,Bo,true,\n\
    badge,nope,cy@example.org,C-3,Cy,true,\n\
    forklift,exam,di@example.org,D-4,Di,,80\n";

#[tokio::test]
async fn a_csv_import_shows_its_progress_then_its_rejected_rows() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let page = issuer.get(&app, "/console/imports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("enctype=\"multipart/form-data\"") && page.text.contains("No import yet"));

    let r = upload(&app, &issuer, "results.csv", "text/csv", CSV.as_bytes(), &issuer.csrf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let job = crate::console_support::location(&r).to_string();
    assert!(job.starts_with("/console/imports/"), "{job}");
    let running = issuer.get(&app, &job).await;
    assert_eq!(running.status, StatusCode::OK, "{}", running.text);
    assert!(running.text.contains("<meta http-equiv=\"refresh\" content=\"2\">"), "refreshes while it runs");
    assert!(running.text.contains("results.csv"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'bulk-import.started' AND actor_kind = 'staff'")
            .await,
        1
    );

    crate::bulk_import::process(&app).await;
    let done = issuer.get(&app, &job).await;
    assert!(!done.text.contains("http-equiv=\"refresh\""), "no refresh once done: {}", done.text);
    assert!(done.text.contains("<dd id=\"count-issued\">1</dd>"), "{}", done.text);
    assert!(done.text.contains("<dd id=\"count-rejected\">2</dd>"), "{}", done.text);
    assert!(done.text.contains("Row 3") && done.text.contains("<code>component</code>"), "{}", done.text);
    assert!(done.text.contains("Row 2") && done.text.contains("<code>email</code>"), "{}", done.text);
    let fr = issuer.get(&app, &format!("{job}?lang=fr")).await;
    assert!(fr.text.contains("Lignes rejetées") && fr.text.contains("Terminée"), "{}", fr.text);

    let csv = issuer.get(&app, &format!("{job}/rejected.csv")).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "row,line,column,reason");
    assert_eq!(lines.len(), 3, "{}", csv.text);
    assert!(lines[1].starts_with("2,3,email,") && lines[2].starts_with("3,4,component,"), "{}", csv.text);

    let list = issuer.get(&app, "/console/imports").await;
    assert!(list.text.contains(&format!("href=\"{job}\"")) && list.text.contains("results.csv"), "{}", list.text);

    // A viewer reads the job but cannot upload; another organization's job is 404.
    let viewer = staff(&app, "college", &org.key, "viewer").await;
    assert_eq!(viewer.get(&app, &job).await.status, StatusCode::OK);
    assert!(!viewer.get(&app, "/console/imports").await.text.contains("multipart/form-data"));
    let r = upload(&app, &viewer, "results.csv", "text/csv", CSV.as_bytes(), &viewer.csrf).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let other = organization(&app, "elsewhere").await;
    let stranger = staff(&app, "elsewhere", &other.key, "issuer-admin").await;
    assert_eq!(stranger.get(&app, &job).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.get(&app, &format!("{job}/rejected.csv")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.get(&app, "/console/imports/not-a-job").await.status, StatusCode::NOT_FOUND);
    assert!(!stranger.get(&app, "/console/imports").await.text.contains("results.csv"));
}

#[tokio::test]
async fn uploads_that_cannot_be_imported_are_refused_in_words() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let jobs = "SELECT COUNT(*) FROM bulk_jobs";

    let r = upload(&app, &issuer, "photo.png", "image/png", b"\x89PNG\r\n\x1a\n", &issuer.csrf).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    assert!(r.text.contains("not a CSV file"), "{}", r.text);
    let r = upload(&app, &issuer, "notes.csv", "text/csv", b"name,colour\nana,blue\n", &issuer.csrf).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("cannot be imported"), "{}", r.text);
    let r = upload(
        &app,
        &issuer,
        "latin1.csv",
        "text/csv",
        b"achievement,component,email\nbadge,session,\xe9@x.org\n",
        &issuer.csrf,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = upload(&app, &issuer, "", "application/octet-stream", b"", &issuer.csrf).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("Choose a CSV file"), "{}", r.text);
    // CSRF: missing or wrong token, or a post from another site.
    assert_eq!(upload(&app, &issuer, "r.csv", "text/csv", CSV.as_bytes(), "").await.status, StatusCode::FORBIDDEN);
    let wrong = format!("csrf_{}", "y".repeat(40));
    assert_eq!(upload(&app, &issuer, "r.csv", "text/csv", CSV.as_bytes(), &wrong).await.status, StatusCode::FORBIDDEN);
    // Not multipart at all.
    let r = issuer.post(&app, "/console/imports", "file=x").await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    assert_eq!(count(&app, jobs).await, 0, "nothing stored");

    // Over the bulk cap: 413; just under the form cap of other console routes is fine here.
    let mut big = b"achievement,component,email\n".to_vec();
    big.resize(credence::bulk::MAX_FILE_BYTES + 1024, b'a');
    let r = upload(&app, &issuer, "big.csv", "text/csv", &big, &issuer.csrf).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let mut medium = CSV.as_bytes().to_vec();
    for i in 0..2000 {
        medium.extend_from_slice(format!("badge,session,l{i}@example.org,,,true,\n").as_bytes());
    }
    assert!(medium.len() > 64 * 1024);
    let r = upload(&app, &issuer, "medium.csv", "text/csv", &medium, &issuer.csrf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(count(&app, jobs).await, 1);
}

#[tokio::test]
async fn learners_are_found_by_name_email_or_external_id_and_hostile_searches_find_nothing() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let badge = format!("{}:session", org.badge);
    for who in [
        "email=Ana.Tremblay%40example.org&external_id=S-100&name=Ana+Tremblay",
        "email=bo%40example.org&external_id=S-200&name=Bo+50%25_off",
        "email=cy%40example.org&external_id=S-300",
    ] {
        let r = issuer.post(&app, "/console/results", &record_form(&badge, &format!("{who}&completed=yes"))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let search = |q: &str| format!("/console/learners?q={}", urlencode(q));
    let found = |r: &Response, who: &str| r.text.contains(who);

    let r = issuer.get(&app, &search("tremblay")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(found(&r, "Ana Tremblay") && !found(&r, "Bo 50") && r.text.contains("Minimal badge: issued"), "{}", r.text);
    let r = issuer.get(&app, &search("  ANA.TREMBLAY@example.org ")).await;
    assert!(found(&r, "Ana Tremblay"), "an email in any case: {}", r.text);
    let r = issuer.get(&app, &search("ana.tremblay@example")).await;
    assert!(r.text.contains("No learner matches"), "part of an email finds nothing: {}", r.text);
    let r = issuer.get(&app, &search("S-300")).await;
    assert!(found(&r, "cy@example.org"), "{}", r.text);
    let r = issuer.get(&app, &search("S-3")).await;
    assert!(r.text.contains("No learner matches"), "part of an external id finds nothing");

    // LIKE wildcards are literal; quotes and SQL are text; a long search finds nothing.
    for literal in ["%", "_", "0%_"] {
        let r = issuer.get(&app, &search(literal)).await;
        assert!(
            found(&r, "Bo 50%_off") && !found(&r, "Ana Tremblay") && !found(&r, "cy@example.org"),
            "{literal}: {}",
            r.text
        );
    }
    for hostile in ["%%", "__", "' OR '1'='1", "\") OR 1=1 --", "\\", "S-%", "S-_00", "a\u{1}b"] {
        let r = issuer.get(&app, &search(hostile)).await;
        assert_eq!(r.status, StatusCode::OK, "{hostile}: {}", r.text);
        assert!(r.text.contains("No learner matches"), "{hostile} found someone: {}", r.text);
    }
    let r = issuer.get(&app, &search("50%_off")).await;
    assert!(found(&r, "Bo 50%_off"), "a name holding % and _ is found by them: {}", r.text);
    let r = issuer.get(&app, &search(&"a".repeat(10_000))).await;
    assert!(r.status == StatusCode::OK || r.status.is_client_error(), "{}", r.status);
    assert!(!found(&r, "Ana Tremblay"));
    let r = issuer.get(&app, "/console/learners?q=ana&cursor=not-a-cursor").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Without a search: the latest changes, keyset-paged (50 a page).
    let listing = issuer.get(&app, "/console/learners").await;
    assert!(found(&listing, "Ana Tremblay") && found(&listing, "S-300") && !listing.text.contains("rel=\"next\""));

    // The FR page, and a viewer reads it too.
    let viewer = staff(&app, "college", &org.key, "viewer").await;
    let fr = viewer.get(&app, &format!("{}&lang=fr", search("tremblay"))).await;
    assert!(fr.text.contains("Apprenant·es trouvé·es") && found(&fr, "Ana Tremblay"), "{}", fr.text);

    // Another organization finds none of these learners.
    let other = organization(&app, "elsewhere").await;
    let stranger = staff(&app, "elsewhere", &other.key, "issuer-admin").await;
    for q in ["tremblay", "ana.tremblay@example.org", "S-300"] {
        assert!(stranger.get(&app, &search(q)).await.text.contains("No learner matches"), "{q}");
    }
}

#[tokio::test]
async fn the_learner_listing_pages_by_keyset() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let badge = format!("{}:session", org.badge);
    for i in 0..55 {
        let form = record_form(&badge, &format!("external_id=P-{i:03}&name=Pupil+{i:03}&completed=no&passed=no"));
        let r = issuer.post(&app, "/console/results", &form).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let first = issuer.get(&app, "/console/learners").await;
    let at = first.text.find("rel=\"next\"").map(|_| first.text.find("href=\"/console/learners?cursor=").unwrap());
    let at = at.expect("a next page") + "href=\"".len();
    let next = first.text[at..].split('"').next().unwrap().to_string();
    let second = issuer.get(&app, &next).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let pupils = |r: &Response| (0..55).filter(|i| r.text.contains(&format!("Pupil {i:03}<"))).collect::<Vec<_>>();
    let (a, b) = (pupils(&first), pupils(&second));
    assert_eq!((a.len(), b.len()), (50, 5), "{a:?} {b:?}");
    assert!(a.iter().all(|i| !b.contains(i)), "no learner on both pages");
}

/// Records `form` for the organization's component `target`; the learner's page.
async fn recorded(app: &TestApp, console: &Console, target: &str, form: &str) -> String {
    let r = console.post(app, "/console/results", &record_form(target, form)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    learner_href(&r)
}

#[tokio::test]
async fn a_learners_page_shows_results_evidence_signoffs_and_credentials() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let digest = "ab".repeat(32);
    let exam = format!("{}:exam", org.forklift);
    let project = format!("{}:project", org.forklift);
    let page = recorded(&app, &issuer, &exam, "email=ana%40example.org&external_id=A-1&name=Ana&score=88").await;
    let evidence = format!(
        "email=ana%40example.org&completed=yes&signoff=yes&reviewer_name=Dee&evidence_url=https%3A%2F%2Fexample.org%2Fproject.pdf&evidence_name=Project+report&evidence_sha256={digest}"
    );
    recorded(&app, &issuer, &project, &evidence).await;
    recorded(&app, &issuer, &format!("{}:session", org.badge), "email=ana%40example.org&completed=yes").await;

    let r = issuer.get(&app, &page).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for expected in [
        "Ana",
        "A-1",
        "Forklift Safety",
        "awaiting sign-off",
        "exam: met — best score 88",
        "href=\"https://example.org/project.pdf\"",
        "Project report",
        &digest,
        "project (expert): pending",
        "Minimal badge",
        "Open the credential",
    ] {
        assert!(r.text.contains(expected), "{expected} missing: {}", r.text);
    }
    let fr = issuer.get(&app, &format!("{page}?lang=fr")).await;
    assert!(fr.text.contains("Approbations") && fr.text.contains("Ouvrir le titre"), "{}", fr.text);

    // Another organization's learner ids (and ids that are not ids) answer 404.
    let other = organization(&app, "elsewhere").await;
    let stranger = staff(&app, "elsewhere", &other.key, "issuer-admin").await;
    assert_eq!(stranger.get(&app, &page).await.status, StatusCode::NOT_FOUND);
    let r = stranger.post(&app, &format!("{page}/award"), &format!("achievement={}&narrative=x", other.badge)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = stranger.post(&app, &format!("{page}/merge"), "other=ana%40example.org").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for bad in [
        "/console/learners/nope",
        "/console/learners/%27%20OR%201%3D1",
        &format!("/console/learners/{}", "x".repeat(5000)),
    ] {
        assert_eq!(issuer.get(&app, bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn an_admin_awards_directly_with_a_narrative() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let admin = staff(&app, "college", &org.key, "issuer-admin").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let page = recorded(&app, &admin, &format!("{}:exam", org.forklift), "email=ana%40example.org&score=20").await;
    let no_email = recorded(&app, &admin, &format!("{}:exam", org.forklift), "external_id=N-1&score=20").await;
    let award = format!("{page}/award");
    assert!(admin.get(&app, &page).await.text.contains("Award directly"));
    assert!(!issuer.get(&app, &page).await.text.contains("Award directly"), "issuers are not offered it");

    let form = format!("achievement={}&narrative={}", org.forklift, urlencode("Ten years as a certified operator."));
    assert_eq!(issuer.post(&app, &award, &form).await.status, StatusCode::FORBIDDEN);
    let r = admin.post(&app, &award, &format!("achievement={}&narrative=", org.forklift)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("aria-describedby=\"narrative-hint narrative-error\""), "{}", r.text);
    let long = format!("achievement={}&narrative={}", org.forklift, "n".repeat(8001));
    assert_eq!(admin.post(&app, &award, &long).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin.post(&app, &award, "achievement=nope&narrative=why").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("award-achievement-error"), "{}", r.text);
    let r = admin.post(&app, &format!("{no_email}/award"), &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("needs the learner’s email address"), "{}", r.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM credentials").await, 0);
    let r = post_form(&app, &award, &form, Some(&admin.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");

    let r = admin.post(&app, &award, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Credential awarded") && r.text.contains("the credential is issued"), "{}", r.text);
    let narrative: String =
        sqlx::query_scalar("SELECT award_kind FROM credentials").fetch_one(&app.store.pool).await.unwrap();
    assert_eq!(narrative, "direct");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'credential.issued' AND summary LIKE '%awarded directly%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn merging_moves_everything_to_the_kept_learner() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let admin = staff(&app, "college", &org.key, "issuer-admin").await;
    let issuer = staff(&app, "college", &org.key, "issuer").await;
    let exam = format!("{}:exam", org.forklift);
    let badge = format!("{}:session", org.badge);
    // One person, two records: an exam under the old email, a badge under the new one.
    let old = recorded(&app, &admin, &exam, "email=ana.old%40example.org&score=85").await;
    let kept = recorded(&app, &admin, &badge, "email=ana%40example.org&external_id=A-1&name=Ana&completed=yes").await;
    let keep_id = kept.rsplit('/').next().unwrap().to_string();
    let merge = format!("{kept}/merge");

    assert_eq!(issuer.post(&app, &merge, "other=ana.old%40example.org").await.status, StatusCode::FORBIDDEN);
    let r = post_form(&app, &merge, "other=ana.old%40example.org", Some(&admin.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = admin.post(&app, &merge, "other=nobody%40example.org").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("aria-describedby=\"other-hint other-error\""), "{}", r.text);
    let r = admin.post(&app, &merge, "other=A-1").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "itself");
    let r = admin.post(&app, &merge, &format!("other={}", "%25".repeat(3000))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = admin.post(&app, &merge, "other=ana.old%40example.org").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(crate::console_support::location(&r), format!("{kept}?merged=1"));
    assert_eq!(admin.get(&app, &old).await.status, StatusCode::NOT_FOUND, "the other record is gone");
    let page = admin.get(&app, &format!("{kept}?merged=1")).await;
    assert!(page.text.contains("The records are merged") && page.text.contains("Forklift Safety"), "{}", page.text);
    assert!(page.text.contains("exam: met — best score 85") && page.text.contains("Minimal badge"), "{}", page.text);
    let moved = format!("SELECT COUNT(*) FROM assessment_results WHERE learner_id = '{keep_id}'");
    assert_eq!(count(&app, &moved).await, 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM learners").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'learner.merged'").await, 1);

    // Both holding a credential for the same micro-credential: refused, nothing moved.
    let twin = recorded(&app, &admin, &badge, "email=twin%40example.org&completed=yes").await;
    let r = admin.post(&app, &merge, "other=twin%40example.org").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("both records hold a credential"), "{}", r.text);
    assert_eq!(admin.get(&app, &twin).await.status, StatusCode::OK);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM learners").await, 2);
}

#[tokio::test]
async fn the_api_merges_learners_too() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer_key = app.key_for("college", "issuer").await;
    let results = "/api/v1/organizations/college/results";
    let exam = |email: &str, score: u32| json!({"achievement": "forklift", "component": "exam", "score": score, "learner": {"email": email}});
    let a = app.post(results, Some(&org.key), &exam("a@example.org", 40)).await;
    let b = app.post(results, Some(&org.key), &exam("b@example.org", 90)).await;
    let (a, b) = (a.body["learnerId"].as_str().unwrap().to_string(), b.body["learnerId"].as_str().unwrap().to_string());
    let path = format!("/api/v1/organizations/college/learners/{a}/merge");
    assert_eq!(app.post(&path, Some(&issuer_key), &json!({"merge": b})).await.status, StatusCode::FORBIDDEN);
    let other = app.org_with_key("elsewhere").await;
    assert_eq!(
        app.post(&path.replace("college", "elsewhere"), Some(&other), &json!({"merge": b})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.post(&path, Some(&org.key), &json!({"merge": "nope"})).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&path, Some(&org.key), &json!({"merge": a})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post(&path, Some(&org.key), &json!({"merge": b})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.body["learnerId"].as_str(), r.body["results"].as_i64()), (Some(a.as_str()), Some(1)));
    let status =
        app.get(&format!("/api/v1/organizations/college/learners/{a}/achievements/forklift"), Some(&org.key)).await;
    assert_eq!(status.body["components"][0]["bestScore"], 90.0, "{}", status.text);
    assert_eq!(
        app.get(&format!("/api/v1/organizations/college/learners/{b}/achievements/forklift"), Some(&org.key))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// The message beside the field whose error is `id`.
fn message(r: &Response, id: &str) -> String {
    let start = format!("<p class=\"error-message\" id=\"{id}\">");
    let at = r.text.find(&start).unwrap_or_else(|| panic!("no {id}: {}", r.text)) + start.len();
    r.text[at..].split("</p>").next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_result_forms_faults_are_placed_by_what_refused_them_in_the_pages_language() {
    let app = app().await;
    let org = organization(&app, "college").await;
    let issuer = staff(&app, "college", &org.key, "issuer-admin").await;
    let exam = format!("{}:exam", org.forklift);
    let badge = format!("{}:session", org.badge);
    for (lang, form, id, expected) in [
        (
            "fr",
            record_form(&badge, "email=a%40example.org&score=50"),
            "score-error",
            "Cette composante n’est pas notée : laissez la note vide.",
        ),
        (
            "en",
            record_form(&badge, "email=a%40example.org&score=50"),
            "score-error",
            "This component is not scored: leave the score empty.",
        ),
        (
            "fr",
            record_form(&exam, "email=a%40example.org"),
            "score-error",
            "Donnez une note, ou dites si la composante est terminée ou réussie.",
        ),
        (
            "fr",
            record_form(&badge, "external_id=X-1&completed=yes"),
            "email-error",
            "Ce résultat complète la microcertification, et un titre exige l’adresse courriel de l’apprenant·e : entrez-la.",
        ),
        (
            "fr",
            record_form(&exam, "email=not-an-email&score=80"),
            "email-error",
            "Entrez une adresse courriel, comme nom@exemple.org.",
        ),
    ] {
        let r = issuer.post(&app, &format!("/console/results?lang={lang}"), &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {}", r.text);
        assert_eq!(message(&r, id), expected, "{lang} {form}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM assessment_results").await, 0);

    // The API says the same faults in its English words, unchanged.
    let result = json!({"achievement": "badge", "component": "session", "score": 50,
        "learner": {"email": "a@example.org"}});
    let r = app.post("/api/v1/organizations/college/results?lang=fr", Some(&org.key), &result).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        r.body["errors"],
        json!([{"field": "score", "reason": "component 'session' is not scored"}]),
        "{}",
        r.text
    );
}
