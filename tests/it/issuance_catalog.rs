//! Every rule style of the demo catalog, end to end through the HTTP API: the
//! learners there end issued, locked out, awaiting sign-off, not yet, or issued
//! then revoked; issued credentials verify; the status lists tell the truth.

use axum::http::{Method, StatusCode};
use credence_core::status_list::Bitstring;
use credence_core::verify::{CheckStatus, OfflineResolver, verify_credential};
use serde_json::{Value, json};

fn catalog() -> Value {
    serde_json::from_str(credence::demo::CATALOG).unwrap()
}

/// Turns one catalog result into the API's result body.
fn result_body(achievement: &str, learner: &Value, r: &Value) -> Value {
    let mut body = json!({
        "achievement": achievement,
        "component": r["component"],
        "learner": {"email": learner["email"], "name": learner["name"]},
    });
    for field in ["score", "attempt", "completed", "passed"] {
        if !r[field].is_null() {
            body[field] = r[field].clone();
        }
    }
    if r["submitted"] == true || !r["signoff"].is_null() {
        body["submittedForSignoff"] = json!(true);
        body["reviewer"] = json!({"name": "Jordan Reviewer", "email": "reviewer@example.org"});
    }
    body
}

async fn key_for_demo_org(app: &crate::common::TestApp, slug: &str) -> String {
    app.key_for(slug, "issuer-admin").await
}

#[tokio::test]
async fn catalog_learners_reach_the_expected_states_and_credentials_verify() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let catalog = catalog();
    let achievements = catalog["achievements"].as_array().unwrap();
    let mut issued = Vec::new();
    for learner in catalog["learners"].as_array().unwrap() {
        for outcome in learner["outcomes"].as_array().unwrap() {
            let slug = outcome["achievement"].as_str().unwrap();
            let org = achievements.iter().find(|a| a["slug"] == slug).unwrap()["issuer"].as_str().unwrap();
            let key = key_for_demo_org(&app, org).await;
            let mut last = Value::Null;
            for r in outcome["results"].as_array().unwrap() {
                let resp = app
                    .post(&format!("/api/v1/organizations/{org}/results"), Some(&key), &result_body(slug, learner, r))
                    .await;
                assert_eq!(resp.status, StatusCode::OK, "{slug}: {}", resp.text);
                last = resp.body.clone();
                if r["approved"] == true {
                    let first_link = last["signoffs"][0]["link"].as_str().expect("a sign-off link").to_string();
                    // A lost link can be sent again (by an issuer-admin); the old one stops working.
                    let signoff_id = last["signoffs"][0]["id"].as_str().unwrap();
                    let admin_key = app.key_for(org, "issuer-admin").await;
                    let again = app
                        .post(
                            &format!("/api/v1/organizations/{org}/signoffs/{signoff_id}/link"),
                            Some(&admin_key),
                            &json!({}),
                        )
                        .await;
                    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
                    let link = again.body["link"].as_str().expect("a new link").to_string();
                    assert_ne!(link, first_link);
                    let old = app.get(first_link.trim_start_matches(crate::common::PUBLIC_URL), None).await;
                    old.assert_problem(404, None);
                    let other_org = if org == "emc" { "ictc" } else { "emc" };
                    let other_key = app.key_for(other_org, "issuer-admin").await;
                    app.post(
                        &format!("/api/v1/organizations/{other_org}/signoffs/{signoff_id}/link"),
                        Some(&other_key),
                        &json!({}),
                    )
                    .await
                    .assert_problem(404, None);
                    let path = link.trim_start_matches(crate::common::PUBLIC_URL).to_string();
                    let view = app.get(&path, None).await;
                    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
                    assert_eq!(view.body["component"], r["component"]);
                    let decided =
                        app.post(&path, None, &json!({"approve": true, "comment": "Validated on site."})).await;
                    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
                    let learner_id = last["learnerId"].as_str().unwrap().to_string();
                    let now = app
                        .get(
                            &format!("/api/v1/organizations/{org}/learners/{learner_id}/achievements/{slug}"),
                            Some(&key),
                        )
                        .await;
                    assert_eq!(now.status, StatusCode::OK, "{}", now.text);
                    assert_eq!(now.body["state"], decided.body["state"]);
                    assert_eq!(now.body["signoffs"][0]["status"], "approved");
                    assert!(now.body["signoffs"][0]["link"].is_null(), "the link is shown only once");
                    last = now.body.clone();
                    // The link works once.
                    let again = app.post(&path, None, &json!({"approve": true})).await;
                    again.assert_problem(409, Some("token"));
                }
            }
            let expected = outcome["expect"].as_str().unwrap();
            let state = last["state"].as_str().unwrap();
            match expected {
                "issued" => assert_eq!(state, "issued", "{slug}: {last}"),
                "locked_out" => assert_eq!(state, "locked_out", "{slug}: {last}"),
                "awaiting_signoff" => assert_eq!(state, "awaiting_signoff", "{slug}: {last}"),
                "not_yet" => assert_eq!(state, "in_progress", "{slug}: {last}"),
                "issued_then_revoked" => {
                    assert_eq!(state, "issued", "{slug}: {last}");
                    let id = last["credential"]["id"].as_str().unwrap();
                    let reason = outcome["revocation_reason"].as_str().unwrap();
                    let r = app
                        .post(
                            &format!("/api/v1/organizations/{org}/credentials/{id}/revoke"),
                            Some(&key),
                            &json!({"reason": reason}),
                        )
                        .await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                    assert_eq!(r.body["state"], "revoked");
                    // Revocation is permanent.
                    let again = app
                        .post(
                            &format!("/api/v1/organizations/{org}/credentials/{id}/unsuspend"),
                            Some(&key),
                            &json!({}),
                        )
                        .await;
                    again.assert_problem(409, Some("status"));
                }
                other => panic!("unknown expectation {other}"),
            }
            if expected.starts_with("issued") {
                issued.push((
                    org.to_string(),
                    last["credential"]["id"].as_str().unwrap().to_string(),
                    expected.to_string(),
                    learner["email"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    assert_eq!(issued.len(), 4);

    // Learners' states are listed with filters, as JSON and CSV.
    let ictc = app.key_for("ictc", "issuer").await;
    let locked = app.get("/api/v1/organizations/ictc/learners?state=locked_out", Some(&ictc)).await;
    assert_eq!(locked.status, StatusCode::OK, "{}", locked.text);
    assert_eq!(locked.body.as_array().unwrap().len(), 1, "{}", locked.text);
    assert_eq!(locked.body[0]["displayName"], "Lucas Tremblay");
    let cloud =
        app.get("/api/v1/organizations/ictc/learners?achievement=ictc-cloud-computing&format=csv", Some(&ictc)).await;
    assert!(cloud.text.lines().nth(1).unwrap().contains("in_progress"), "{}", cloud.text);
    assert_eq!(cloud.text.lines().count(), 2);
    let emc = app.key_for("emc", "issuer").await;
    let revoked = app.get("/api/v1/organizations/emc/learners?state=revoked", Some(&emc)).await;
    assert_eq!(revoked.body.as_array().unwrap().len(), 1, "{}", revoked.text);
    app.get("/api/v1/organizations/emc/learners?state=bogus", Some(&emc)).await.assert_problem(422, Some("state"));
    app.get("/api/v1/organizations/emc/learners?limit=0", Some(&emc)).await.assert_problem(422, Some("limit"));
    app.get("/api/v1/organizations/emc/credentials?from=yesterday", Some(&emc)).await.assert_problem(422, Some("from"));
    app.get("/api/v1/organizations/emc/learners?colour=red", Some(&emc)).await.assert_problem(400, Some("query"));

    for (org, id, expected, email) in &issued {
        let doc = app.get(&format!("/credentials/{id}"), None).await;
        assert_eq!(doc.status, StatusCode::OK);
        assert!(!doc.text.contains(email.as_str()), "the plain email is in the credential");
        let profile = app.get(&format!("/issuers/{org}"), None).await;
        let mut resolver = OfflineResolver::new();
        resolver.add_document(format!("{}/issuers/{org}", crate::common::PUBLIC_URL), profile.body.clone());
        let report = verify_credential(&doc.body, &resolver, time::OffsetDateTime::now_utc());
        assert!(report.checks.iter().all(|c| c.status != CheckStatus::Failed), "{report:?}");
        // The revocation list says revoked exactly for the revoked credential.
        let entries = doc.body["credentialStatus"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        let revocation = entries.iter().find(|e| e["statusPurpose"] == "revocation").unwrap();
        let list_path = revocation["statusListCredential"]
            .as_str()
            .unwrap()
            .trim_start_matches(crate::common::PUBLIC_URL)
            .to_string();
        let list = app.get(&list_path, None).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        let list_report = verify_credential(&list.body, &resolver, time::OffsetDateTime::now_utc());
        assert!(
            list_report.checks.iter().any(|c| c.check == "proof[0]" && c.status == CheckStatus::Passed),
            "{list_report:?}"
        );
        let bits = Bitstring::decode(list.body["credentialSubject"]["encodedList"].as_str().unwrap(), 1 << 20).unwrap();
        let index: u64 = revocation["statusListIndex"].as_str().unwrap().parse().unwrap();
        assert_eq!(bits.get(index).unwrap(), expected == "issued_then_revoked", "{id}");
    }
}

#[tokio::test]
async fn results_are_idempotent_and_never_issue_twice() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("cahrc", "issuer").await;
    let body = json!({"achievement": "cahrc-foundational-supervision", "component": "modules", "completed": true,
        "learner": {"email": "sam@example.com", "externalId": "S-1"}});
    let path = "/api/v1/organizations/cahrc/results";
    let send = |k: &'static str, b: Value| {
        let app = &app;
        let key = key.clone();
        async move {
            let mut req = axum::http::Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("authorization", format!("Bearer {key}"))
                .header("content-type", "application/json");
            if !k.is_empty() {
                req = req.header("idempotency-key", k);
            }
            app.send_request(req.body(axum::body::Body::from(b.to_string())).unwrap()).await
        }
    };
    let first = send("k-1", body.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["state"], "issued");
    let replay = send("k-1", body.clone()).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.body, first.body);
    assert!(
        replay.body["credential"]["claimUrl"].as_str().is_some_and(|u| u.contains("/claim/clm_")),
        "{}",
        replay.text
    );
    // The stored answer holds the claim link: it is kept sealed, not in clear.
    let stored: String = sqlx::query_scalar("SELECT body FROM idempotency_keys WHERE idempotency_key = 'k-1'")
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("sealed:"), "{stored}");
    assert!(!stored.contains("clm_") && !stored.contains("sam@example.com"));
    let mut other = body.clone();
    other["completed"] = json!(true);
    other["source"] = json!("lms");
    send("k-1", other).await.assert_problem(422, Some("Idempotency-Key"));
    // A second result without a key does not issue a second credential.
    let second = send("", body.clone()).await;
    assert_eq!(second.body["credential"]["id"], first.body["credential"]["id"]);
    let list = app.get("/api/v1/organizations/cahrc/credentials", Some(&key)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.text);
    let csv = app.get("/api/v1/organizations/cahrc/credentials?format=csv", Some(&key)).await;
    assert!(csv.content_type.starts_with("text/csv"));
    assert_eq!(csv.text.lines().count(), 2);
}

#[tokio::test]
async fn the_same_key_sent_many_times_at_once_records_and_issues_once_with_one_answer() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("cahrc", "issuer").await;
    let body = json!({"achievement": "cahrc-foundational-supervision", "component": "modules", "completed": true,
        "learner": {"email": "lee@example.com"}});
    let request = || {
        axum::http::Request::builder()
            .method(Method::POST)
            .uri("/api/v1/organizations/cahrc/results")
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "burst-1")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap()
    };
    let answers = futures_util::future::join_all((0..12).map(|_| app.send_request(request()))).await;
    let ran: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK && a.headers.get("idempotent-replayed").is_none())
        .collect();
    assert_eq!(ran.len(), 1, "exactly one request ran: {:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    let first = ran[0];
    assert_eq!(first.body["state"], "issued", "{}", first.text);
    for a in &answers {
        // On PostgreSQL a request may be told to retry while the first runs; on
        // SQLite the keyed calls run one after the other, so all get the answer.
        if app.store.issuing_is_serial() || a.status == StatusCode::OK {
            assert_eq!(a.status, StatusCode::OK, "{}", a.text);
            assert_eq!(a.body, first.body);
        } else {
            a.assert_problem(409, Some("Idempotency-Key"));
        }
    }
    let count = |sql: &'static str| {
        let pool = app.store.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(count("SELECT COUNT(*) FROM assessment_results r JOIN learners l ON l.id = r.learner_id WHERE l.email = 'lee@example.com'").await, 1);
    assert_eq!(count("SELECT COUNT(*) FROM credentials c JOIN learners l ON l.id = c.learner_id WHERE l.email = 'lee@example.com'").await, 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = 'burst-1' AND status = 200").await,
        1
    );
}

#[tokio::test]
async fn bad_results_are_refused_with_the_field_named_and_nothing_recorded() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("ictc", "issuer").await;
    let path = "/api/v1/organizations/ictc/results";
    let base = json!({"achievement": "ictc-big-data", "component": "timed-test", "score": 80, "attempt": 1,
        "learner": {"email": "kim@example.com"}});
    let with = |f: &str, v: Value| {
        let mut b = base.clone();
        b[f] = v;
        b
    };
    app.post(path, Some(&key), &with("achievement", json!("nope"))).await.assert_problem(422, Some("achievement"));
    app.post(path, Some(&key), &with("component", json!("essay"))).await.assert_problem(422, Some("component"));
    app.post(path, Some(&key), &with("score", json!(101))).await.assert_problem(422, Some("score"));
    app.post(path, Some(&key), &with("attempt", json!(0))).await.assert_problem(422, Some("attempt"));
    app.post(path, Some(&key), &with("learner", json!({}))).await.assert_problem(422, Some("learner"));
    app.post(path, Some(&key), &with("learner", json!({"email": "not-an-email"})))
        .await
        .assert_problem(422, Some("learner.email"));
    app.post(path, Some(&key), &with("bonus", json!(1))).await.assert_problem(422, Some("bonus"));
    let workshop = json!({"achievement": "ictc-big-data", "component": "workshop", "score": 50, "learner": {"email": "kim@example.com"}});
    app.post(path, Some(&key), &workshop).await.assert_problem(422, Some("score"));
    // Another organization's achievement is not found by slug.
    app.post(path, Some(&key), &with("achievement", json!("emc-mec"))).await.assert_problem(422, Some("achievement"));
    let list = app.get("/api/v1/organizations/ictc/credentials", Some(&key)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 0);
    // Attempts beyond the limit are recorded and lock the learner out.
    for attempt in 1..=3 {
        let r = app
            .post(
                path,
                Some(&key),
                &with("attempt", json!(attempt))
                    .as_object()
                    .map(|o| {
                        let mut o = o.clone();
                        o.insert("score".into(), json!(40));
                        Value::Object(o)
                    })
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if attempt >= 2 {
            assert_eq!(r.body["state"], "locked_out", "{}", r.text);
        }
    }
}

#[tokio::test]
async fn another_organization_cannot_revoke_and_suspension_is_reversible() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let cahrc = app.key_for("cahrc", "issuer-admin").await;
    let emc = app.key_for("emc", "issuer-admin").await;
    let r = app
        .post(
            "/api/v1/organizations/cahrc/results",
            Some(&cahrc),
            &json!({"achievement": "cahrc-foundational-supervision",
        "component": "modules", "completed": true, "learner": {"email": "lee@example.com"}}),
        )
        .await;
    let id = r.body["credential"]["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/organizations/emc/credentials/{id}/revoke"), Some(&emc), &json!({"reason": "x"}))
        .await
        .assert_problem(404, None);
    app.post(&format!("/api/v1/organizations/cahrc/credentials/{id}/revoke"), Some(&emc), &json!({"reason": "x"}))
        .await
        .assert_problem(404, None);
    let before = app.get("/status/cahrc/suspension", None).await;
    let etag = before.body.clone();
    let s = app.post(&format!("/api/v1/organizations/cahrc/credentials/{id}/suspend"), Some(&cahrc), &json!({})).await;
    assert_eq!(s.body["state"], "suspended", "{}", s.text);
    let after = app.get("/status/cahrc/suspension", None).await;
    assert_ne!(after.body, etag, "the list changed at once");
    let u =
        app.post(&format!("/api/v1/organizations/cahrc/credentials/{id}/unsuspend"), Some(&cahrc), &json!({})).await;
    assert_eq!(u.body["state"], "issued");
    app.post(&format!("/api/v1/organizations/cahrc/credentials/{id}/revoke"), Some(&cahrc), &json!({"reason": ""}))
        .await
        .assert_problem(422, Some("reason"));
}

#[tokio::test]
async fn an_organization_may_sign_with_jcs_and_also_issue_a_vc_jwt() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let admin = app.admin_key.clone();
    let patch = app
        .json(
            Method::PATCH,
            "/api/v1/organizations/cahrc",
            Some(&admin),
            &json!({"cryptosuite": "eddsa-jcs-2022", "issueJwt": true}),
        )
        .await;
    assert_eq!(patch.status, StatusCode::OK, "{}", patch.text);
    app.json(Method::PATCH, "/api/v1/organizations/cahrc", Some(&admin), &json!({"cryptosuite": "rsa"}))
        .await
        .assert_problem(422, Some("cryptosuite"));
    let key = app.key_for("cahrc", "issuer").await;
    let r = app
        .post(
            "/api/v1/organizations/cahrc/results",
            Some(&key),
            &json!({"achievement": "cahrc-foundational-supervision",
        "component": "modules", "completed": true, "learner": {"email": "ana@example.com"}}),
        )
        .await;
    let id = r.body["credential"]["id"].as_str().unwrap().to_string();
    let doc = app.get(&format!("/credentials/{id}"), None).await;
    assert_eq!(doc.body["proof"]["cryptosuite"], "eddsa-jcs-2022");
    let jwt = app.credential_jwt(&id).await;
    assert_eq!(jwt.status, StatusCode::OK);
    assert!(jwt.content_type.starts_with("application/vc+jwt"));
    let profile = app.get("/issuers/cahrc", None).await;
    let mut resolver = OfflineResolver::new();
    resolver.add_document(format!("{}/issuers/cahrc", crate::common::PUBLIC_URL), profile.body.clone());
    for input in [doc.text.clone(), jwt.text.clone()] {
        let report = credence_core::verify::verify_text(&input, &resolver, time::OffsetDateTime::now_utc());
        assert!(report.checks.iter().all(|c| c.status != CheckStatus::Failed), "{report:?}");
        assert!(report.checks.iter().any(|c| c.check == "issuer[0]" && c.status == CheckStatus::Passed), "{report:?}");
    }
}

#[tokio::test]
async fn a_result_that_would_issue_without_an_email_is_refused_before_anything_is_written() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let key = app.key_for("ccaa", "issuer-admin").await;
    let path = "/api/v1/organizations/ccaa/results";
    let by_id = json!({"externalId": "S-42"});
    // Not completing the rule: recorded without an email.
    let pre = app.post(path, Some(&key), &json!({"achievement": "ccaa-numeracy", "component": "pre-assessment", "completed": true, "learner": by_id})).await;
    assert_eq!(pre.body["state"], "in_progress", "{}", pre.text);
    // Completing it: refused, naming the field, and nothing changes.
    let before = app.get("/api/v1/organizations/ccaa/learners", Some(&key)).await.body;
    let done = json!({"achievement": "ccaa-numeracy", "component": "post-assessment", "score": 90, "attempt": 1, "learner": by_id});
    app.post(path, Some(&key), &done).await.assert_problem(422, Some("learner.email"));
    assert_eq!(app.get("/api/v1/organizations/ccaa/learners", Some(&key)).await.body, before);
    let award =
        json!({"achievement": "ccaa-numeracy", "learner": {"externalId": "S-99"}, "narrative": "Prior learning."});
    app.post("/api/v1/organizations/ccaa/awards", Some(&key), &award).await.assert_problem(422, Some("learner.email"));
    assert_eq!(app.get("/api/v1/organizations/ccaa/learners", Some(&key)).await.body, before);
    // With the email the same result issues.
    let done = json!({"achievement": "ccaa-numeracy", "component": "post-assessment", "score": 90, "attempt": 1,
        "learner": {"externalId": "S-42", "email": "s42@example.com"}});
    let r = app.post(path, Some(&key), &done).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let attempts = r.body["components"][1]["attemptsUsed"].as_u64().unwrap();
    assert_eq!(attempts, 1, "the refused attempt was not recorded: {}", r.text);
}
