//! The demo catalog: loaded through the store, idempotent, browsable with an emc key.

use crate::api_support::*;
use axum::http::StatusCode;

#[tokio::test]
async fn demo_loads_six_organizations_two_frameworks_and_twelve_achievements() {
    let app = crate::common::app().await;
    let report = credence::demo::load(&app.store).await.expect("demo loads");
    assert_eq!(report.organizations_created, 6);
    assert_eq!(report.frameworks_created, 2);
    assert_eq!(report.achievements_created, 12);

    let orgs = organization_slugs(&app).await;
    assert_eq!(orgs.len(), 6, "{orgs:?}");
    assert_eq!(framework_slugs(&app).await, vec!["emc-supervisor", "skills-for-success"]);
    let mut total = 0;
    for org in &orgs {
        for a in achievements_of(&app, org).await {
            total += 1;
            let id = a["id"].as_str().unwrap();
            let public = app.get(&format!("/achievements/{id}"), None).await;
            assert_eq!(public.status, StatusCode::OK, "{}", public.text);
            assert_eq!(public.body["creator"]["id"], format!("{}/issuers/{org}", crate::common::PUBLIC_URL));
        }
        assert_eq!(app.get(&format!("/issuers/{org}"), None).await.status, StatusCode::OK);
    }
    assert_eq!(total, 12);
    let fw = app.get("/api/v1/frameworks/emc-supervisor", None).await.body;
    assert_eq!(fw["owner"], "emc");
}

#[tokio::test]
async fn loading_the_demo_twice_creates_nothing_new() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.expect("first load");
    let emc_before = achievements_of(&app, "emc").await;
    let again = credence::demo::load(&app.store).await.expect("second load");
    assert_eq!((again.organizations_created, again.frameworks_created, again.achievements_created), (0, 0, 0));
    assert_eq!(organization_slugs(&app).await.len(), 6);
    assert_eq!(framework_slugs(&app).await.len(), 2);
    assert_eq!(achievements_of(&app, "emc").await, emc_before);
    let fw = app.get("/api/v1/frameworks/emc-supervisor", None).await.body;
    assert_eq!(fw["latestVersion"], 1);
}

#[tokio::test]
async fn demo_achievements_are_listable_with_an_emc_key() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.expect("demo loads");
    let key = app.key_for("emc", "issuer").await;
    let r = app.get("/api/v1/organizations/emc/achievements", Some(&key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut slugs: Vec<_> =
        r.body.as_array().unwrap().iter().map(|a| a["slug"].as_str().unwrap().to_string()).collect();
    slugs.sort();
    assert_eq!(
        slugs,
        vec![
            "emc-ams-phs",
            "emc-ams-time-management",
            "emc-elearning-phs",
            "emc-mec",
            "emc-mec-green",
            "emc-workshop-time-management"
        ]
    );
    for a in r.body.as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        let one = app.get(&format!("/api/v1/organizations/emc/achievements/{id}"), Some(&key)).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    }
    // The emc key does not reach the other demo issuers.
    app.get("/api/v1/organizations/northern-college/achievements", Some(&key)).await.assert_problem(404, None);
    let ams = r.body.as_array().unwrap().iter().find(|a| a["slug"] == "emc-ams-time-management").unwrap();
    assert_eq!(
        ams["criteria"]["narrative"],
        "To earn this credential: Complete the pre-assessment; score at least 70% on the post-assessment in at most 2 attempts; have the workplace-project approved by an employer."
    );
}

#[tokio::test]
async fn demo_french_achievement_keeps_its_french_text_and_language() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.expect("demo loads");
    let list = achievements_of(&app, "northern-college").await;
    let fr = list.iter().find(|a| a["slug"] == "northern-college-time-management-fr").expect("French achievement");
    assert_eq!(fr["language"], "fr-CA");
    assert_eq!(fr["name"], "Gestion du temps en production");
    assert_eq!(fr["duration"], "4 semaines");
    assert_eq!(fr["delivery"], "en ligne, animé");
    assert!(fr["description"].as_str().unwrap().starts_with("Version française"), "{fr}");
    // Aligned by name to the emc framework's competency.
    assert_eq!(fr["alignments"][0]["targetCode"], "time-management");
    assert_eq!(fr["alignments"][0]["framework"]["slug"], "emc-supervisor");

    let id = fr["id"].as_str().unwrap();
    let public = app.get(&format!("/achievements/{id}"), None).await.body;
    assert_eq!(public["inLanguage"], "fr-CA");
    assert_eq!(public["name"], "Gestion du temps en production");
    let narrative = public["criteria"]["narrative"].as_str().unwrap();
    assert!(narrative.starts_with("Pour obtenir ce titre : Obtenir au moins 70 %"), "{narrative}");
    assert!(narrative.contains("Heures : 16") && narrative.contains("Durée : 4 semaines"), "{narrative}");
}

/// A credential's badge page, as a browser asks for it.
async fn badge_page(app: &crate::common::TestApp, id: &str) -> crate::common::Response {
    let request = axum::http::Request::builder()
        .uri(format!("/credentials/{id}"))
        .header("accept", "text/html")
        .body(axum::body::Body::empty())
        .unwrap();
    app.send_request(request).await
}

#[tokio::test]
async fn demo_learners_have_badge_pages_in_their_catalog_state_and_a_second_run_changes_nothing() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.expect("demo loads");
    let outcomes = credence::demo::play_learners(&app.store, &app.master_key).await.expect("learners play");
    assert_eq!(outcomes.len(), 7, "every catalog outcome: {outcomes:#?}");
    let mut pages = 0;
    for o in &outcomes {
        let label = format!("{} on {}", o.learner, o.achievement);
        match o.expect.as_str() {
            "issued" | "issued_then_revoked" => {
                let c = o.credential.as_ref().unwrap_or_else(|| panic!("{label}: no credential"));
                let revoked = o.expect == "issued_then_revoked";
                assert_eq!(o.state, if revoked { "revoked" } else { "issued" }, "{label}");
                assert_eq!(c.url, format!("{}/credentials/{}", crate::common::PUBLIC_URL, c.id));
                assert!(o.describe().starts_with(&c.url), "{}", o.describe());
                // The learner's claim link, shown once: on the run that issued.
                let claim = o.claim_url().unwrap_or_default();
                assert_eq!(
                    claim.starts_with(&format!("{}/claim/", crate::common::PUBLIC_URL)),
                    !revoked,
                    "{label}: {claim}"
                );
                let page = badge_page(&app, &c.id).await;
                assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.text);
                assert!(page.content_type.starts_with("text/html"), "{label}: {}", page.content_type);
                if revoked {
                    assert!(page.text.contains(r#"<div class="status revoked""#), "{label}: {}", page.text);
                    assert!(page.text.contains("This badge has been revoked by its issuer."), "{label}");
                    assert!(page.text.contains("Issued in error: duplicate enrolment"), "{label}: the reason is shown");
                } else {
                    assert!(page.text.contains(r#"<div class="status valid""#), "{label}: {}", page.text);
                    assert!(page.text.contains("<strong>Valid</strong>"), "{label}");
                }
                pages += 1;
            }
            "awaiting_signoff" | "locked_out" | "not_yet" => {
                assert!(o.credential.is_none(), "{label}: {:?}", o.credential);
                let state = if o.expect == "not_yet" { "in_progress" } else { o.expect.as_str() };
                assert_eq!(o.state, state, "{label}");
                assert!(o.describe().starts_with("no badge page"), "{}", o.describe());
            }
            other => panic!("unknown expectation {other}"),
        }
    }
    assert_eq!(pages, 4);
    // The learner awaiting sign-off holds no credential at all.
    let biotalent = app.key_for("biotalent", "issuer").await;
    let held = app.get("/api/v1/organizations/biotalent/credentials", Some(&biotalent)).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    assert_eq!(held.body.as_array().unwrap().len(), 0, "{}", held.text);
    let awaiting = app.get("/api/v1/organizations/biotalent/learners?state=awaiting_signoff", Some(&biotalent)).await;
    assert_eq!(awaiting.body[0]["displayName"], "Priya Raman", "{}", awaiting.text);

    // As after a restart: nothing new is recorded, issued or revoked again.
    let again = credence::demo::play_learners(&app.store, &app.master_key).await.expect("a second run");
    let ids = |v: &[credence::demo::LearnerOutcome]| {
        v.iter().map(|o| (o.state.clone(), o.credential.as_ref().map(|c| c.id.clone()))).collect::<Vec<_>>()
    };
    assert_eq!(ids(&again), ids(&outcomes));
    assert!(again.iter().all(|o| o.claim_url().is_none()), "claim links are shown once");
    let emc = app.key_for("emc", "issuer").await;
    assert_eq!(app.get("/api/v1/organizations/emc/credentials", Some(&emc)).await.body.as_array().unwrap().len(), 2);
    let ictc = app.key_for("ictc", "issuer").await;
    let locked = app.get("/api/v1/organizations/ictc/learners?state=locked_out", Some(&ictc)).await;
    let learner = locked.body[0]["learnerId"].as_str().unwrap_or_else(|| panic!("{}", locked.text)).to_string();
    let status = app
        .get(&format!("/api/v1/organizations/ictc/learners/{learner}/achievements/ictc-big-data"), Some(&ictc))
        .await;
    let test =
        status.body["components"].as_array().unwrap().iter().find(|c| c["component"] == "timed-test").unwrap().clone();
    assert_eq!(test["attemptsUsed"], 2, "the attempts were not recorded twice: {}", status.text);
}
