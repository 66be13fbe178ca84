//! Claiming a credential: the link in the issuing answer (once), the bilingual
//! claim page and its form, the badge page shaped by the claim, replaced links,
//! bulk jobs' links, and the claimed/shared/verified counters the issuer reads.
//!
//! Uses SQLite in a temporary folder, or fresh PostgreSQL databases when
//! `CREDENCE_TEST_DATABASE_URL` names one.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{PUBLIC_URL, TestApp};

const RESULTS: &str = "/api/v1/organizations/ccaa/results";

/// A CCAA numeracy credential with two evidence items; returns (app, key, id, issuing answer).
async fn issue() -> (TestApp, String, String, Value) {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("ccaa", "issuer").await;
    let learner = json!({"email": "nadia@example.com", "name": "Nadia"});
    let pre =
        json!({"achievement": "ccaa-numeracy", "component": "pre-assessment", "completed": true, "learner": learner});
    assert_eq!(app.post(RESULTS, Some(&key), &pre).await.status, StatusCode::OK);
    let post = json!({"achievement": "ccaa-numeracy", "component": "post-assessment", "score": 88, "attempt": 1, "learner": learner,
        "evidence": [{"name": "Budget worksheet", "url": "https://lms.example.ca/w/1"}, {"name": "Final test report", "url": "https://lms.example.ca/r/2"}]});
    let r = app.post(RESULTS, Some(&key), &post).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let id = r.body["credential"]["id"].as_str().unwrap().to_string();
    (app, key, id, r.body)
}

fn token_of(claim_url: &str) -> String {
    claim_url.strip_prefix(&format!("{PUBLIC_URL}/claim/")).expect("a claim URL of this service").to_string()
}

async fn page(app: &TestApp, path: &str, lang: &str) -> crate::common::Response {
    let request = Request::builder()
        .uri(path)
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_LANGUAGE, lang)
        .body(Body::empty())
        .unwrap();
    app.send_request(request).await
}

/// A request from the client 192.0.2.`client` (each client is a visitor of its own).
fn from(client: u8, builder: axum::http::request::Builder, body: &str) -> Request<Body> {
    let mut request = builder.body(Body::from(body.to_string())).unwrap();
    let address = std::net::SocketAddr::from(([192, 0, 2, client], 40000));
    request.extensions_mut().insert(axum::extract::ConnectInfo(address));
    request
}

async fn post_form(app: &TestApp, token: &str, form: &str, extra: &[(&str, &str)]) -> crate::common::Response {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(format!("/claim/{token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html");
    for (k, v) in extra {
        builder = builder.header(*k, *v);
    }
    app.send_request(builder.body(Body::from(form.to_string())).unwrap()).await
}

async fn claim_with(app: &TestApp, token: &str, form: &str) -> crate::common::Response {
    post_form(app, token, form, &[("origin", PUBLIC_URL), ("sec-fetch-site", "same-origin")]).await
}

async fn summary(app: &TestApp, key: &str, id: &str) -> Value {
    let r = app.get(&format!("/api/v1/organizations/ccaa/credentials/{id}"), Some(key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// Waits for a counter moved after the answer (verifications are counted on their own task).
async fn wait_for_count(app: &TestApp, key: &str, id: &str, counter: &str, want: i64) -> Value {
    for _ in 0..100 {
        let s = summary(app, key, id).await;
        if s["counts"][counter] == want {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{counter} never reached {want}: {}", summary(app, key, id).await);
}

#[tokio::test]
async fn the_issuing_answer_carries_the_claim_link_once() {
    let (app, key, id, answer) = issue().await;
    let claim_url = answer["credential"]["claimUrl"].as_str().expect("claimUrl in the issuing answer");
    assert!(token_of(claim_url).starts_with("clm_"), "{claim_url}");
    assert_eq!(answer.to_string().matches("/claim/").count(), 1, "{answer}");
    // Later answers about the same credential do not repeat it.
    let learner = answer["learnerId"].as_str().unwrap();
    let status =
        app.get(&format!("/api/v1/organizations/ccaa/learners/{learner}/achievements/ccaa-numeracy"), Some(&key)).await;
    assert_eq!(status.body["credential"]["id"], id.as_str());
    assert!(!status.text.contains("/claim/"), "{}", status.text);
    let again = json!({"achievement": "ccaa-numeracy", "component": "post-assessment", "score": 91, "attempt": 2, "learner": {"email": "nadia@example.com"}});
    let r = app.post(RESULTS, Some(&key), &again).await;
    assert_eq!(r.body["credential"]["id"], id.as_str());
    assert!(!r.text.contains("/claim/"), "{}", r.text);
    let s = summary(&app, &key, &id).await;
    assert!(!s.to_string().contains("/claim/"));
    assert_eq!(s["claim"]["claimed"], false);
    assert!(s["claim"]["linkCreatedAt"].is_string());
    // The token is stored only as its hash.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM credential_claims").fetch_all(&app.store.pool).await.unwrap();
    assert_eq!(stored, vec![credence::domain::api_key::hash(&token_of(claim_url))]);

    // Direct awards carry one too.
    let admin = app.key_for("ccaa", "issuer-admin").await;
    let award = json!({"achievement": "ccaa-numeracy", "learner": {"email": "omar@example.com"}, "narrative": "Prior learning."});
    let r = app.post("/api/v1/organizations/ccaa/awards", Some(&admin), &award).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let award_token = token_of(r.body["credential"]["claimUrl"].as_str().expect("claimUrl in the award answer"));
    assert_eq!(page(&app, &format!("/claim/{award_token}"), "en").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_claim_page_speaks_english_and_french() {
    let (app, _key, _id, answer) = issue().await;
    let token = token_of(answer["credential"]["claimUrl"].as_str().unwrap());
    let en = page(&app, &format!("/claim/{token}"), "en-CA").await;
    assert_eq!(en.status, StatusCode::OK, "{}", en.text);
    assert!(en.content_type.starts_with("text/html"));
    assert_eq!(en.headers[header::CONTENT_LANGUAGE], "en");
    assert!(
        en.text.contains("Claim your badge") && en.text.contains("Your name, as your badge page shows it"),
        "{}",
        en.text
    );
    assert!(en.text.contains("value=\"Nadia\""), "the issuer's name is the default");
    assert!(en.text.contains("Budget worksheet") && en.text.contains("Final test report"));
    assert_eq!(en.text.matches("type=\"checkbox\" name=\"public\"").count(), 2);
    assert_eq!(en.text.matches(" checked>").count(), 2, "all evidence is public by default");
    assert_eq!(en.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(en.headers[header::REFERRER_POLICY], "no-referrer");

    let fr = page(&app, &format!("/claim/{token}"), "fr-CA,fr;q=0.9").await;
    assert_eq!(fr.status, StatusCode::OK);
    assert_eq!(fr.headers[header::CONTENT_LANGUAGE], "fr");
    assert!(
        fr.text.contains("Réclamer votre badge") && fr.text.contains("Preuves affichées sur votre page de badge"),
        "{}",
        fr.text
    );

    let unknown = page(&app, "/claim/clm_nothing", "fr").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text.contains("Page introuvable"), "{}", unknown.text);
}

#[tokio::test]
async fn claiming_sets_the_name_and_the_public_evidence_of_the_badge_page() {
    let (app, key, id, answer) = issue().await;
    let token = token_of(answer["credential"]["claimUrl"].as_str().unwrap());
    let json_before = app.get(&format!("/credentials/{id}"), None).await.body;
    let before = page(&app, &format!("/credentials/{id}"), "en").await;
    assert!(before.text.contains("Nadia") && before.text.contains("Budget worksheet"));

    let did = credence_core::did::DidKey::from_public_key(&[9u8; 32]).did;
    let r = claim_with(&app, &token, &format!("name=++Nadia+K.+Haddad++&public=1&did={did}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.headers[header::LOCATION], format!("/credentials/{id}"));

    let after = page(&app, &format!("/credentials/{id}"), "en").await;
    assert!(after.text.contains("<dd>Nadia K. Haddad</dd>"), "{}", after.text);
    assert!(!after.text.contains("Budget worksheet"), "the unchecked evidence is hidden");
    assert!(after.text.contains("Final test report"), "the checked evidence is shown");
    let certificate = page(&app, &format!("/credentials/{id}/print"), "en").await;
    assert!(certificate.text.contains("Nadia K. Haddad"));
    let url = format!("{PUBLIC_URL}/credentials/{id}").replace(':', "%3A").replace('/', "%2F");
    assert!(
        page(&app, &format!("/verify?url={url}"), "en").await.text.contains("Nadia K. Haddad"),
        "the verification page names the learner so too"
    );
    assert_eq!(
        app.get(&format!("/credentials/{id}"), None).await.body,
        json_before,
        "the signed credential is unchanged"
    );

    let s = summary(&app, &key, &id).await;
    assert_eq!(s["claim"]["claimed"], true);
    assert_eq!(s["claim"]["displayName"], "Nadia K. Haddad");
    assert_eq!(s["claim"]["did"], did.as_str());
    assert_eq!(s["claim"]["hiddenEvidence"], json!([0]));
    assert_eq!(s["counts"]["claimed"], 1);
    let learner =
        app.store.learner(&common_org_id(&app).await, answer["learnerId"].as_str().unwrap()).await.unwrap().unwrap();
    assert_eq!(learner.did.as_deref(), Some(did.as_str()), "the DID is kept for later credentials");

    // The learner comes back with the same link and changes their mind.
    let claimed_at = s["claim"]["claimedAt"].clone();
    let page_again = page(&app, &format!("/claim/{token}"), "en").await;
    assert!(page_again.text.contains("value=\"Nadia K. Haddad\"") && page_again.text.matches(" checked>").count() == 1);
    let r = claim_with(&app, &token, "name=Nadia&public=0&public=1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after = page(&app, &format!("/credentials/{id}"), "en").await;
    assert!(after.text.contains("<dd>Nadia</dd>") && after.text.contains("Budget worksheet"));
    let s = summary(&app, &key, &id).await;
    assert_eq!(s["claim"]["claimedAt"], claimed_at, "the first claim's time stays");
    assert_eq!(s["counts"]["claimed"], 1);
    assert_eq!(s["claim"]["did"], Value::Null);
}

async fn common_org_id(app: &TestApp) -> String {
    app.store.organization_by_slug("ccaa").await.unwrap().unwrap().id
}

#[tokio::test]
async fn invalid_forms_come_back_with_422_and_the_reason_beside_the_field() {
    let (app, key, id, answer) = issue().await;
    let token = token_of(answer["credential"]["claimUrl"].as_str().unwrap());
    let long = "x".repeat(101);
    let cases = [
        ("name=+++", "Enter your name."),
        (long.as_str(), "Use at most 100 characters."),
        ("name=Nadia%07", "Remove the invisible control characters."),
        ("name=Nadia&did=did%3Akey%3Az6MkNotAKey", "This did:key is not a valid Ed25519 key."),
        ("name=Nadia&did=did%3Aweb%3Aexa+mple.com", "This did:web is not well formed"),
        ("name=Nadia&did=did%3Aexample%3A1", "Use a DID that starts with did:key: or did:web:."),
        ("name=Nadia&public=7", "Choose among the evidence listed."),
    ];
    for (form, message) in cases {
        let form = if form.starts_with('x') { format!("name={form}") } else { form.to_string() };
        let r = claim_with(&app, &token, &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {}", r.text);
        assert!(r.content_type.starts_with("text/html"));
        assert!(r.text.contains(message), "{form}: expected '{message}' in {}", r.text);
        assert!(r.text.contains("aria-invalid=\"true\"") || message.starts_with("Choose"), "{form}");
    }
    let fr = post_form(&app, &token, "name=", &[("accept-language", "fr")]).await;
    assert_eq!(fr.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fr.text.contains("Entrez votre nom."), "{}", fr.text);
    // What was typed is shown again.
    let r = claim_with(&app, &token, "name=Nadia&did=did%3Aweb%3Abad%2Fpath").await;
    assert!(r.text.contains("value=\"did:web:bad/path\""), "{}", r.text);
    assert_eq!(summary(&app, &key, &id).await["claim"]["claimed"], false, "nothing was saved");
}

#[tokio::test]
async fn posts_from_other_sites_are_refused() {
    let (app, key, id, answer) = issue().await;
    let token = token_of(answer["credential"]["claimUrl"].as_str().unwrap());
    let r = post_form(&app, &token, "name=Mallory", &[("origin", "https://evil.example")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = post_form(&app, &token, "name=Mallory", &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(summary(&app, &key, &id).await["claim"]["claimed"], false);
    // Without the headers (older clients) the token alone decides.
    assert_eq!(post_form(&app, &token, "name=Nadia", &[]).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_new_link_replaces_the_old_one_within_the_organization_only() {
    let (app, key, id, answer) = issue().await;
    let old = token_of(answer["credential"]["claimUrl"].as_str().unwrap());
    assert_eq!(claim_with(&app, &old, "name=Nadia+H.").await.status, StatusCode::SEE_OTHER);

    let path = format!("/api/v1/organizations/ccaa/credentials/{id}/claim-link");
    let r = app.post(&path, Some(&key), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["credentialId"], id.as_str());
    let new = token_of(r.body["claimUrl"].as_str().unwrap());
    assert_ne!(new, old);

    let gone = page(&app, &format!("/claim/{old}"), "en").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text.contains("Page not found"));
    assert_eq!(claim_with(&app, &old, "name=Someone+else").await.status, StatusCode::NOT_FOUND);
    let fresh = page(&app, &format!("/claim/{new}"), "en").await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert!(fresh.text.contains("value=\"Nadia H.\""), "the learner's choices are kept");

    // Another organization's key, an unknown credential: 404.
    let other = app.key_for("emc", "issuer-admin").await;
    app.post(&format!("/api/v1/organizations/emc/credentials/{id}/claim-link"), Some(&other), &json!({}))
        .await
        .assert_problem(404, None);
    app.post(&path, Some(&other), &json!({})).await.assert_problem(404, None);
    app.get(&format!("/api/v1/organizations/emc/credentials/{id}"), Some(&other)).await.assert_problem(404, None);
    app.post("/api/v1/organizations/ccaa/credentials/nope/claim-link", Some(&key), &json!({}))
        .await
        .assert_problem(404, None);
    app.post(&path, None, &json!({})).await.assert_problem(401, None);
    assert_eq!(
        page(&app, &format!("/claim/{new}"), "en").await.status,
        StatusCode::OK,
        "failed attempts change nothing"
    );
}

#[tokio::test]
async fn shares_and_verifications_are_counted_and_tampered_copies_are_not() {
    let (app, key, id, answer) = issue().await;
    let doc = app.get(&format!("/credentials/{id}"), None).await.body;
    let share = format!("/credentials/{id}/events/shared");
    // Counters count visitors, once a day each: the second share of one visitor is not counted.
    for client in [1, 1, 2] {
        let r = app.send_request(from(client, Request::builder().method(Method::POST).uri(&share), "PING")).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }
    app.send(Method::POST, "/credentials/nope/events/shared", None, None, None).await.assert_problem(404, None);
    let badge = page(&app, &format!("/credentials/{id}"), "en").await;
    assert!(
        badge.text.contains(&format!("ping=\"{share}\""))
            && badge.text.contains(&format!("data-share-event=\"{share}\""))
    );

    // A tampered copy fails and is not counted; the badge page does not count either.
    let mut tampered = doc.clone();
    tampered["credentialSubject"]["result"][0]["value"] = json!("99");
    let r = app.post("/api/v1/verify", None, &json!({"credential": tampered})).await;
    assert_eq!(r.body["result"], "invalid", "{}", r.text);
    let r = app.post_from([192, 0, 2, 11], "/api/v1/verify", &json!({"id": id})).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
    wait_for_count(&app, &key, &id, "verified", 1).await;
    let r = app.post_from([192, 0, 2, 12], "/api/v1/verify", &json!({"credential": doc})).await;
    assert_eq!(r.body["result"], "valid", "{}", r.text);
    wait_for_count(&app, &key, &id, "verified", 2).await;
    let r = app.post_from([192, 0, 2, 13], "/credentials/verify", &json!({"verifiableCredential": doc})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    wait_for_count(&app, &key, &id, "verified", 3).await;
    // The verification page counts too (the badge page's "verify" link).
    let url = format!("{PUBLIC_URL}/credentials/{id}").replace(':', "%3A").replace('/', "%2F");
    let r = page(&app, &format!("/verify?url={url}"), "en").await;
    assert!(r.text.contains("class=\"status valid\""), "{}", r.text);
    let s = wait_for_count(&app, &key, &id, "verified", 4).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(summary(&app, &key, &id).await["counts"]["verified"], 4, "the tampered copy was not counted");
    assert_eq!(s["counts"]["shared"], 2);
    assert_eq!(s["counts"]["claimed"], 0);
    assert_eq!(s["counts"]["downloaded"], 0);

    // Downloads: the credential and the baked badges count; images shown on pages and
    // answers the client already has (304) do not.
    for (client, file) in [
        (21, "credential.json"),
        (21, "credential.json"),
        (22, "badge.png"),
        (23, "badge.svg"),
        (24, "image.png"),
        (25, "qr.svg"),
    ] {
        let r = app.send_request(from(client, Request::builder().uri(format!("/credentials/{id}/{file}")), "")).await;
        assert_eq!(r.status, StatusCode::OK, "{file}");
    }
    let first = app.get(&format!("/credentials/{id}/credential.json"), None).await;
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    let again = app
        .send_request(
            axum::http::Request::builder()
                .uri(format!("/credentials/{id}/credential.json"))
                .header("if-none-match", etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(summary(&app, &key, &id).await["counts"]["downloaded"], 4, "four visitors downloaded");

    assert!(!app.store.record_credential_event("nope", credence::store::CredentialEvent::Downloaded).await.unwrap());

    let token = token_of(answer["credential"]["claimUrl"].as_str().unwrap());
    assert_eq!(claim_with(&app, &token, "name=Nadia").await.status, StatusCode::SEE_OTHER);
    let list = app.get("/api/v1/organizations/ccaa/credentials", Some(&key)).await;
    let listed = list.body.as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap().clone();
    assert_eq!(listed["counts"], json!({"claimed": 1, "shared": 2, "downloaded": 4, "verified": 4}), "{listed}");
    assert_eq!(listed["claim"]["claimed"], true);
    let csv = app.get("/api/v1/organizations/ccaa/credentials?format=csv", Some(&key)).await;
    let mut lines = csv.text.lines();
    assert!(lines.next().unwrap().ends_with(",claimed_at,claimed,shared,downloaded,verified"), "{}", csv.text);
    let row = lines.find(|l| l.starts_with(&id)).unwrap();
    assert!(row.ends_with(",1,2,4,4"), "{row}");
}

#[tokio::test]
async fn bulk_jobs_give_claim_links_for_the_credentials_they_issue() {
    let (app, key, single, _) = issue().await;
    let csv = "achievement,component,email,learner_name,score,attempt,completed\r\n\
ccaa-numeracy,pre-assessment,ana@example.com,Ana,,,yes\r\n\
ccaa-numeracy,post-assessment,ana@example.com,Ana,90,1,\r\n\
ccaa-numeracy,pre-assessment,ben@example.com,Ben,,,yes\r\n\
ccaa-numeracy,post-assessment,ben@example.com,Ben,75,1,\r\n\
ccaa-numeracy,pre-assessment,chloe@example.com,Chloé,,,yes\r\n";
    let created = app
        .send(Method::POST, "/api/v1/organizations/ccaa/bulk-jobs", Some(&key), Some(Body::from(csv)), Some("text/csv"))
        .await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.text);
    let job = created.body["id"].as_str().unwrap().to_string();
    credence::bulk::run_pending(&app.store, &app.master_key, &credence::bulk::WorkerOptions::default()).await.unwrap();
    let rows = app.get(&format!("/api/v1/organizations/ccaa/bulk-jobs/{job}/rows?status=issued"), Some(&key)).await;
    assert_eq!(rows.body.as_array().map(Vec::len), Some(2), "{}", rows.text);
    assert!(!rows.text.contains("/claim/"), "row outcomes are read many times and carry no link");

    let path = format!("/api/v1/organizations/ccaa/bulk-jobs/{job}/claim-links");
    let r = app.post(&path, Some(&key), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let links = r.body.as_array().unwrap().clone();
    assert_eq!(links.len(), 2, "{}", r.text);
    assert_eq!((links[0]["row"].as_i64(), links[0]["email"].as_str()), (Some(2), Some("ana@example.com")));
    assert_eq!((links[1]["row"].as_i64(), links[1]["email"].as_str()), (Some(4), Some("ben@example.com")));
    assert!(links.iter().all(|l| l["credentialId"] != single.as_str()));
    let ana = token_of(links[0]["claimUrl"].as_str().unwrap());
    let ben = token_of(links[1]["claimUrl"].as_str().unwrap());
    assert_eq!(claim_with(&app, &ana, "name=Ana+Lima").await.status, StatusCode::SEE_OTHER);

    // Asking again replaces the unclaimed links only.
    let again = app.post(&path, Some(&key), &json!({})).await;
    let links = again.body.as_array().unwrap().clone();
    assert_eq!(links.len(), 1, "{}", again.text);
    assert_eq!(links[0]["email"], "ben@example.com");
    assert_eq!(page(&app, &format!("/claim/{ben}"), "en").await.status, StatusCode::NOT_FOUND);
    assert_eq!(page(&app, &format!("/claim/{ana}"), "en").await.status, StatusCode::OK, "a claimed link keeps working");

    let other = app.key_for("emc", "issuer").await;
    app.post(&format!("/api/v1/organizations/emc/bulk-jobs/{job}/claim-links"), Some(&other), &json!({}))
        .await
        .assert_problem(404, None);
}

#[tokio::test]
async fn claim_routes_are_rate_limited() {
    let app = crate::common::app_with(|s| s.with_rate_limit(1)).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(page(&app, "/claim/clm_unknown", "en").await.status);
    }
    assert_eq!(statuses[0], StatusCode::NOT_FOUND);
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = app.send(Method::POST, "/credentials/x/events/shared", None, None, None).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
