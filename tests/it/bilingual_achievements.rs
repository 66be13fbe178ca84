//! Micro-credentials in English and French: two Open Badges 3.0 language editions of one
//! achievement, each at its own URL and naming the other in `related`; credentials that carry
//! the first with `inLanguage` and `related`; pages and artwork in the reader's language; and
//! criteria in Markdown, shown safely.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::common::{PUBLIC_URL, TestApp, app};
use crate::web_pages::{FRENCH, HTML, page};

const ENGLISH: (&str, &str) = ("accept-language", "en-CA,en;q=0.9");

/// An English micro-credential with its French edition.
pub(crate) fn bilingual(slug: &str) -> Value {
    json!({
        "slug": slug,
        "name": "Time Management for Supervisors",
        "description": "Plan a shift, prioritise, delegate.",
        "criteria": {"narrative": "Attend **every** session.\n\n- plan a shift\n- delegate"},
        "achievementType": "MicroCredential",
        "tier": "micro-credential",
        "hours": 14,
        "duration": "4 weeks",
        "delivery": "live online",
        "language": "en-CA",
        "edition": {
            "language": "fr-CA",
            "name": "Gestion du temps pour superviseurs",
            "description": "Planifier un quart, établir les priorités, déléguer.",
            "criteria": {"narrative": "Assister à **toutes** les séances.\n\n- planifier un quart\n- déléguer"},
            "duration": "4 semaines",
            "delivery": "en ligne, en direct",
            "resultNames": {"test": "Note du test final"}
        },
        "rule": {"allOf": [{"component": "session", "completed": true}, {"component": "test", "name": "Final test", "minScore": 70}]}
    })
}

async fn create(app: &TestApp, org: &str, key: &str, body: &Value) -> Value {
    let r = app.post(&format!("/api/v1/organizations/{org}/achievements"), Some(key), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

/// Issues the achievement `slug` of `org` to the learner of `email`; returns the credential id.
pub(crate) async fn issue(app: &TestApp, org: &str, key: &str, slug: &str, email: &str) -> String {
    let path = format!("/api/v1/organizations/{org}/results");
    let learner = json!({"email": email, "name": "Léa"});
    let session = json!({"achievement": slug, "component": "session", "completed": true, "learner": learner});
    app.post(&path, Some(key), &session).await;
    let test = json!({"achievement": slug, "component": "test", "score": 90, "attempt": 1, "learner": learner});
    let r = app.post(&path, Some(key), &test).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    r.body["credential"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn each_edition_is_an_achievement_of_its_own_naming_the_other() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let created = create(&app, "college", &key, &bilingual("tm")).await;
    assert_eq!(created["edition"]["name"], "Gestion du temps pour superviseurs");
    let id = created["id"].as_str().unwrap();
    let version_url = format!("{PUBLIC_URL}/achievements/{id}/versions/1");
    let edition_url = format!("{version_url}/editions/fr");

    let first = app.get(&format!("/achievements/{id}/versions/1"), None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["id"], version_url.as_str());
    assert_eq!(first.body["inLanguage"], "en-CA");
    assert_eq!(first.body["name"], "Time Management for Supervisors");
    assert_eq!(first.body["related"], json!([{"id": edition_url, "type": ["Related"], "inLanguage": "fr-CA"}]));
    // The latest version's URL answers the first edition too.
    assert_eq!(app.get(&format!("/achievements/{id}"), None).await.body["related"], first.body["related"]);

    let second = app.get(&format!("/achievements/{id}/versions/1/editions/fr"), None).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(second.body["id"], edition_url.as_str());
    assert_eq!(second.body["inLanguage"], "fr-CA");
    assert_eq!(second.body["name"], "Gestion du temps pour superviseurs");
    assert_eq!(second.body["description"], "Planifier un quart, établir les priorités, déléguer.");
    let narrative = second.body["criteria"]["narrative"].as_str().unwrap();
    assert!(narrative.starts_with("Assister à **toutes** les séances."), "kept as Markdown: {narrative}");
    assert!(narrative.contains("Heures : 14") && narrative.contains("Durée : 4 semaines"), "{narrative}");
    assert_eq!(second.body["related"], json!([{"id": version_url, "type": ["Related"], "inLanguage": "en-CA"}]));
    assert_eq!(second.body["achievementType"], first.body["achievementType"], "what is not text is shared");
    assert_eq!(second.body["creator"], first.body["creator"]);
    assert!(second.body["@context"].is_array(), "a document of its own: {}", second.text);

    // Only the second edition has an edition URL; anything else is a 404 problem.
    for missing in ["en", "FR", "fr-CA", "de", "x"] {
        app.get(&format!("/achievements/{id}/versions/1/editions/{missing}"), None).await.assert_problem(404, None);
    }
    app.get(&format!("/achievements/{id}/versions/2/editions/fr"), None).await.assert_problem(404, None);
    app.get("/achievements/nothing/versions/1/editions/fr", None).await.assert_problem(404, None);
    let plain = create(&app, "college", &key, &crate::api_support::minimal_achievement("plain")).await;
    let plain_id = plain["id"].as_str().unwrap();
    app.get(&format!("/achievements/{plain_id}/versions/1/editions/fr"), None).await.assert_problem(404, None);
    let plain_doc = app.get(&format!("/achievements/{plain_id}/versions/1"), None).await;
    assert!(plain_doc.body.get("related").is_none(), "one language, no related: {}", plain_doc.text);
}

#[tokio::test]
async fn a_credential_carries_its_edition_with_in_language_and_related_and_verifies() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let created = create(&app, "college", &key, &bilingual("tm")).await;
    let achievement_id = created["id"].as_str().unwrap().to_string();
    let id = issue(&app, "college", &key, "tm", "lea@example.com").await;
    let doc = app.get(&format!("/credentials/{id}"), None).await.body;
    let a = &doc["credentialSubject"]["achievement"];
    let version_url = format!("{PUBLIC_URL}/achievements/{achievement_id}/versions/1");
    assert_eq!(a["id"], version_url.as_str());
    assert_eq!(a["inLanguage"], "en-CA");
    assert_eq!(a["name"], "Time Management for Supervisors");
    assert_eq!(
        a["related"],
        json!([{"id": format!("{version_url}/editions/fr"), "type": ["Related"], "inLanguage": "fr-CA"}])
    );
    let r = app.post("/api/v1/verify", None, &json!({"credential": doc})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["result"], "valid", "{}", r.text);

    // Signed with eddsa-jcs-2022 the same way.
    let admin = app.admin_key.clone();
    let patch = app
        .json(Method::PATCH, "/api/v1/organizations/college", Some(&admin), &json!({"cryptosuite": "eddsa-jcs-2022"}))
        .await;
    assert_eq!(patch.status, StatusCode::OK, "{}", patch.text);
    let jcs_id = issue(&app, "college", &key, "tm", "sam@example.com").await;
    let jcs = app.get(&format!("/credentials/{jcs_id}"), None).await.body;
    assert_eq!(jcs["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(jcs["credentialSubject"]["achievement"]["related"], a["related"]);
    let r = app.post("/api/v1/verify", None, &json!({"credential": jcs})).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
}

#[tokio::test]
async fn a_bad_edition_is_refused_with_the_path_of_each_fault() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let path = "/api/v1/organizations/college/achievements";
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = bilingual("tm");
        change(&mut body);
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (with(&|b| b["edition"]["language"] = json!("en")), "edition.language"),
        (with(&|b| b["edition"]["language"] = json!("en-US")), "edition.language"),
        (with(&|b| b["edition"]["language"] = json!("de")), "edition.language"),
        (with(&|b| b["edition"]["name"] = json!("  ")), "edition.name"),
        (with(&|b| b["edition"]["name"] = json!("n".repeat(201))), "edition.name"),
        (with(&|b| b["edition"]["description"] = json!("")), "edition.description"),
        (with(&|b| b["edition"]["criteria"]["narrative"] = json!("x".repeat(8001))), "edition.criteria.narrative"),
        (with(&|b| b["edition"]["criteria"]["narrative"] = json!("a\u{0}b")), "edition.criteria.narrative"),
        (with(&|b| b["edition"]["criteria"]["url"] = json!("javascript:alert(1)")), "edition.criteria.url"),
        (with(&|b| b["edition"]["duration"] = Value::Null), "edition.duration"),
        (with(&|b| b["edition"]["delivery"] = Value::Null), "edition.delivery"),
        (with(&|b| b["edition"]["imageCaption"] = json!("Badge")), "edition.imageCaption"),
        (with(&|b| b["edition"]["tags"] = json!(vec!["t"; 51])), "edition.tags"),
        (with(&|b| b["edition"]["resultNames"] = json!({"nope": "x"})), "edition.resultNames.nope"),
        (with(&|b| b["edition"]["resultNames"] = json!({"test": ""})), "edition.resultNames.test"),
    ];
    for (body, field) in cases {
        app.post(path, Some(&key), &body).await.assert_problem(422, Some(field));
    }
    // Unknown fields and wrong shapes are refused, never a 5xx.
    let unknown = with(&|b| b["edition"]["colour"] = json!("red"));
    assert!(app.post(path, Some(&key), &unknown).await.status.is_client_error());
    let shape = with(&|b| b["edition"] = json!("fr"));
    assert!(app.post(path, Some(&key), &shape).await.status.is_client_error());
    let huge = with(&|b| b["edition"]["description"] = json!("é".repeat(400_000)));
    assert!(app.post(path, Some(&key), &huge).await.status.is_client_error());
    assert!(crate::api_support::achievements_of(&app, "college").await.is_empty(), "nothing was created");
    // An issuer (not an admin) cannot define one, and another organization's key cannot either.
    let issuer = app.key_for("college", "issuer").await;
    assert_eq!(app.post(path, Some(&issuer), &bilingual("tm")).await.status, StatusCode::FORBIDDEN);
    let other = app.org_with_key("other").await;
    assert_eq!(app.post(path, Some(&other), &bilingual("tm")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn readers_see_the_edition_of_their_language_with_a_note_about_the_signed_one() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let created = create(&app, "college", &key, &bilingual("tm")).await;
    let achievement_id = created["id"].as_str().unwrap().to_string();
    let id = issue(&app, "college", &key, "tm", "lea@example.com").await;
    let path = format!("/credentials/{id}");

    let fr = page(&app, &path, &[HTML, FRENCH]).await;
    assert_eq!(fr.status, StatusCode::OK, "{}", fr.text);
    assert!(fr.text.contains("<h1 lang=\"fr-CA\">Gestion du temps pour superviseurs</h1>"), "{}", fr.text);
    assert!(fr.text.contains("lang=\"fr-CA\">Planifier un quart, établir les priorités, déléguer.</p>"));
    assert!(fr.text.contains("Assister à <strong>toutes</strong> les séances."), "French criteria, as Markdown");
    assert!(fr.text.contains("<li>planifier un quart</li>"));
    assert!(fr.text.contains("<th scope=\"row\">Note du test final</th>"), "the French result name");
    assert!(fr.text.contains("Le titre signé est rédigé en anglais."));
    assert!(fr.text.contains(&format!("/credentials/{id}/image.svg?lang=fr")));
    assert!(!fr.text.contains("Time Management for Supervisors"));

    let en = page(&app, &path, &[HTML, ENGLISH]).await;
    assert!(en.text.contains("<h1 lang=\"en-CA\">Time Management for Supervisors</h1>"));
    assert!(en.text.contains("Attend <strong>every</strong> session."));
    assert!(en.text.contains("<th scope=\"row\">Final test score</th>"));
    assert!(!en.text.contains("edition-note"), "the signed language needs no note");
    assert!(en.text.contains(&format!("/credentials/{id}/image.svg\"")));
    // The switch wins over Accept-Language.
    let switched = page(&app, &format!("{path}?lang=fr"), &[HTML, ENGLISH]).await;
    assert!(switched.text.contains("Gestion du temps pour superviseurs"));

    let cert = page(&app, &format!("{path}/print"), &[HTML, FRENCH]).await;
    assert_eq!(cert.status, StatusCode::OK);
    assert!(cert.text.contains("<h2 lang=\"fr-CA\">Gestion du temps pour superviseurs</h2>"), "{}", cert.text);
    assert!(cert.text.contains("Le titre signé est rédigé en anglais."));
    assert!(cert.text.contains("image.svg?lang=fr"));

    // The achievement's pages follow the reader too, and the edition's URL is a page.
    let a_fr = page(&app, &format!("/achievements/{achievement_id}"), &[HTML, FRENCH]).await;
    assert!(a_fr.text.contains("<h1 lang=\"fr-CA\">Gestion du temps pour superviseurs</h1>"), "{}", a_fr.text);
    assert!(a_fr.text.contains("4 semaines"));
    assert!(a_fr.text.contains("Note du test final"), "how it is assessed, in French");
    assert!(a_fr.text.contains("/versions/1/editions/fr?format=json"));
    let a_en = page(&app, &format!("/achievements/{achievement_id}"), &[HTML, ENGLISH]).await;
    assert!(a_en.text.contains("<h1 lang=\"en-CA\">Time Management for Supervisors</h1>"));
    let edition_page =
        page(&app, &format!("/achievements/{achievement_id}/versions/1/editions/fr"), &[HTML, ENGLISH]).await;
    assert_eq!(edition_page.status, StatusCode::OK);
    assert!(edition_page.text.contains("<h1 lang=\"fr-CA\">Gestion du temps pour superviseurs</h1>"));
    assert!(edition_page.text.contains("<html lang=\"en\">"), "an English page about the French edition");
    let missing = page(&app, &format!("/achievements/{achievement_id}/versions/1/editions/en"), &[HTML]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.content_type.starts_with("text/html"));
    let issuer = page(&app, "/issuers/college", &[HTML, FRENCH]).await;
    assert!(issuer.text.contains("Gestion du temps pour superviseurs"), "{}", issuer.text);
}

#[tokio::test]
async fn artwork_bears_the_name_of_the_edition_its_url_asks_for() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    create(&app, "college", &key, &bilingual("tm")).await;
    let id = issue(&app, "college", &key, "tm", "lea@example.com").await;
    let signed = app.get(&format!("/credentials/{id}/image.svg"), None).await;
    assert_eq!(signed.status, StatusCode::OK);
    assert!(signed.text.contains("Time"), "{}", signed.text);
    let fr = app.get(&format!("/credentials/{id}/image.svg?lang=fr"), None).await;
    assert_eq!(fr.status, StatusCode::OK);
    assert!(fr.text.contains("Gestion"), "{}", fr.text);
    assert!(!fr.text.contains("Time Management"));
    let (etag, etag_fr) = (&signed.headers["etag"], &fr.headers["etag"]);
    assert_ne!(etag, etag_fr, "the language is part of the ETag");
    assert!(etag_fr.to_str().unwrap().ends_with("-fr\""));
    // The signed language, or a language with no edition, is the signed artwork.
    for same in ["?lang=en", "?lang=de", "?lang=", "?lang=fr-CA", "?x=1"] {
        let r = app.get(&format!("/credentials/{id}/image.svg{same}"), None).await;
        assert_eq!(&r.headers["etag"], etag, "{same}");
    }
    let png = app.get(&format!("/credentials/{id}/image.png?lang=fr"), None).await;
    assert_eq!(png.status, StatusCode::OK);
    assert!(png.headers["etag"].to_str().unwrap().ends_with("-fr\""));
    // A conditional request for the French artwork is answered 304 by its own ETag only.
    let request = Request::builder()
        .uri(format!("/credentials/{id}/image.svg?lang=fr"))
        .header("if-none-match", etag_fr.clone())
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send_request(request).await.status, StatusCode::NOT_MODIFIED);
    let request = Request::builder()
        .uri(format!("/credentials/{id}/image.svg?lang=fr"))
        .header("if-none-match", etag.clone())
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send_request(request).await.status, StatusCode::OK);
    // QR codes and the JSON do not change with a language.
    let qr = app.get(&format!("/credentials/{id}/qr.svg"), None).await;
    assert_eq!(app.get(&format!("/credentials/{id}/qr.svg?lang=fr"), None).await.headers["etag"], qr.headers["etag"]);
}

#[tokio::test]
async fn criteria_markdown_is_shown_safely() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let mut body = crate::api_support::minimal_achievement("hostile");
    body["criteria"]["narrative"] = json!(
        "<script>alert('x')</script>\n\n[click](javascript:alert(1)) [ok](https://example.org/c) \
         ![pic](https://evil.example/p.png) &lt;b&gt; <img src=x onerror=alert(1)>\n\n> > > quoted"
    );
    let created = create(&app, "college", &key, &body).await;
    let id = created["id"].as_str().unwrap();
    let doc = app.get(&format!("/achievements/{id}"), None).await;
    assert!(
        doc.body["criteria"]["narrative"].as_str().unwrap().starts_with("<script>alert('x')</script>"),
        "the document keeps the Markdown as written"
    );
    let p = page(&app, &format!("/achievements/{id}"), &[HTML]).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.text.contains("<script>alert"), "{}", p.text);
    assert!(p.text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "{}", p.text);
    assert!(!p.text.contains("javascript:"), "no javascript: link, even as text of an href");
    assert!(p.text.contains("<a href=\"https://example.org/c\" rel=\"nofollow ugc noopener\">ok</a>"));
    assert!(!p.text.contains("evil.example"), "images are not shown");
    assert!(!p.text.contains("<img src=x"));
    assert!(p.text.contains("<blockquote>\n<blockquote>\n<blockquote>\n<p>quoted</p>"), "{}", p.text);

    // Nested deeper than anyone writes: plain paragraphs, at once.
    let mut deep = crate::api_support::minimal_achievement("deep");
    deep["criteria"]["narrative"] = json!("> ".repeat(3900) + "[x](javascript:alert(1)) deep");
    let created = create(&app, "college", &key, &deep).await;
    let started = std::time::Instant::now();
    let p = page(&app, &format!("/achievements/{}", created["id"].as_str().unwrap()), &[HTML]).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(!p.text.contains("<blockquote>") && !p.text.contains("href=\"javascript"));
    assert!(p.text.contains("&gt; &gt; [x](javascript:alert(1)) deep"), "shown as the text it is");
}
