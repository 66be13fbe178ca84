//! API keys and access control: hashed storage, shown once, named, last-used
//! time, revocation, roles, and isolation between organizations.

use crate::api_support::*;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Status and WWW-Authenticate header of GET `path` with `key`.
async fn www_authenticate(
    app: &crate::common::TestApp,
    path: &str,
    key: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let request = axum::http::Request::builder().uri(path);
    let request = match key {
        Some(k) => request.header("authorization", format!("Bearer {k}")),
        None => request,
    };
    let response =
        tower::ServiceExt::oneshot(app.router.clone(), request.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let www = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
    let ct = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (response.status(), www, ct)
}

/// Every column of every row of `api_keys`, as text.
async fn api_key_rows(app: &crate::common::TestApp) -> Vec<Vec<String>> {
    let columns =
        ["id", "organization_id", "name", "role", "prefix", "hash", "created_at", "last_used_at", "revoked_at"];
    let rows = sqlx::query(
        "SELECT id, organization_id, name, role, prefix, hash, created_at, last_used_at, revoked_at FROM api_keys",
    )
    .fetch_all(&app.store.pool)
    .await
    .expect("read api_keys");
    rows.iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| row.try_get::<Option<String>, _>(*c).expect("text column").unwrap_or_default())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn key_secret_is_shown_once_and_only_its_hash_is_stored() {
    let app = crate::common::app().await;
    app.org_with_key("emc").await;
    let r = app
        .post(
            "/api/v1/organizations/emc/api-keys",
            Some(&app.admin_key),
            &json!({"name": "LMS connector", "role": "issuer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let secret = r.body["key"].as_str().unwrap().to_string();
    assert!(secret.starts_with("crd_") && secret.len() > 30, "{secret}");
    assert_eq!(r.body["name"], "LMS connector");
    assert_eq!(r.body["role"], "issuer");
    let id = r.body["id"].as_str().unwrap();

    // The database holds no copy of the secret (nor of the admin key), only the SHA-256.
    let rows = api_key_rows(&app).await;
    assert_eq!(rows.len(), 3, "bootstrap admin + 2 emc keys");
    for row in &rows {
        for cell in row {
            assert!(!cell.contains(&secret), "secret stored in api_keys: {row:?}");
            assert!(!cell.contains(&app.admin_key), "admin secret stored in api_keys: {row:?}");
        }
    }
    let row = rows.iter().find(|r| r[0] == id).expect("row of the new key");
    assert_eq!(row[5], hex::encode(Sha256::digest(secret.as_bytes())), "hash column is SHA-256 of the secret");

    // Listing shows the key by name, never its secret.
    let list = app.get("/api/v1/organizations/emc/api-keys", Some(&app.admin_key)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.text.contains(&secret), "{}", list.text);
    let listed = list.body.as_array().unwrap().iter().find(|k| k["id"] == id).expect("listed").clone();
    assert_eq!(listed["name"], "LMS connector");
    assert!(listed.get("key").is_none(), "{listed}");
    assert!(secret[4..].starts_with(listed["prefix"].as_str().unwrap()));

    // And the secret works.
    assert_eq!(app.get("/api/v1/organizations/emc", Some(&secret)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn last_used_time_is_set_when_a_key_is_used() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    let before = keys_of(&app, "emc").await;
    assert_eq!(before.len(), 1);
    assert!(before[0]["lastUsedAt"].is_null(), "unused key: {}", before[0]);
    assert_eq!(app.get("/api/v1/organizations/emc/achievements", Some(&key)).await.status, StatusCode::OK);
    let after = keys_of(&app, "emc").await;
    let used = after[0]["lastUsedAt"].as_str().expect("lastUsedAt set after use");
    assert!(used >= before[0]["createdAt"].as_str().unwrap(), "{used}");
}

#[tokio::test]
async fn revoked_key_is_refused_with_401_and_www_authenticate() {
    let app = crate::common::app().await;
    let admin_of_org = app.org_with_key("emc").await;
    let r = app.post("/api/v1/organizations/emc/api-keys", Some(&admin_of_org), &json!({"name": "to revoke"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["role"], "issuer", "role defaults to issuer");
    let (secret, id) = (r.body["key"].as_str().unwrap().to_string(), r.body["id"].as_str().unwrap().to_string());
    assert_eq!(app.get("/api/v1/organizations/emc", Some(&secret)).await.status, StatusCode::OK);

    let revoked = delete(&app, &format!("/api/v1/organizations/emc/api-keys/{id}"), Some(&admin_of_org)).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert!(revoked.body["revokedAt"].is_string(), "{}", revoked.text);

    let refused = app.get("/api/v1/organizations/emc", Some(&secret)).await;
    refused.assert_problem(401, None);
    let (_, www, _) = www_authenticate(&app, "/api/v1/organizations/emc", Some(&secret)).await;
    assert!(www.as_deref().is_some_and(|v| v.starts_with("Bearer")), "revoked key: {www:?}");
    let listed = keys_of(&app, "emc").await;
    let entry = listed.iter().find(|k| k["id"] == id.as_str()).unwrap();
    assert!(entry["revokedAt"].is_string(), "{entry}");
    // The other key is untouched.
    assert_eq!(app.get("/api/v1/organizations/emc", Some(&admin_of_org)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unauthorized_answers_carry_www_authenticate() {
    let app = crate::common::app().await;
    app.org_with_key("emc").await;
    let wrong = "crd_1111111111111111111111111111111111111111";
    for key in [Some(wrong), Some("not-a-key"), None] {
        let (status, www, ct) = www_authenticate(&app, "/api/v1/organizations/emc", key).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert!(www.as_deref().is_some_and(|v| v.starts_with("Bearer")), "{key:?}: {www:?}");
        assert_eq!(ct, "application/problem+json");
    }
    app.get("/api/v1/organizations/emc", Some(wrong)).await.assert_problem(401, None);
}

#[tokio::test]
async fn organization_keys_cannot_be_platform_admins() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    let r = app.post("/api/v1/organizations/emc/api-keys", Some(&key), &json!({"name": "x", "role": "admin"})).await;
    r.assert_problem(422, Some("role"));
    assert_eq!(keys_of(&app, "emc").await.len(), 1);
}

#[tokio::test]
async fn issuer_role_cannot_manage_keys_achievements_or_profile() {
    let app = crate::common::app().await;
    let manager = app.org_with_key("emc").await;
    let issuer = app.key_for("emc", "issuer").await;
    let id = create_achievement(&app, "emc", &manager, &minimal_achievement("first")).await;
    create_framework(&app, &manager, &framework_body("emc-fw")).await;
    let keys_before = keys_of(&app, "emc").await;

    // What an issuer may do: read its organization and its achievements.
    assert_eq!(app.get("/api/v1/organizations/emc", Some(&issuer)).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/organizations/emc/achievements", Some(&issuer)).await.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/v1/organizations/emc/achievements/{id}"), Some(&issuer)).await.status,
        StatusCode::OK
    );

    // What it may not: 403.
    app.get("/api/v1/organizations/emc/api-keys", Some(&issuer)).await.assert_problem(403, None);
    app.post("/api/v1/organizations/emc/api-keys", Some(&issuer), &json!({"name": "mine"}))
        .await
        .assert_problem(403, None);
    let manager_key_id = keys_before[0]["id"].as_str().unwrap();
    delete(&app, &format!("/api/v1/organizations/emc/api-keys/{manager_key_id}"), Some(&issuer))
        .await
        .assert_problem(403, None);
    patch(&app, "/api/v1/organizations/emc", Some(&issuer), &json!({"name": "Hijacked"}))
        .await
        .assert_problem(403, None);
    app.post("/api/v1/organizations/emc/achievements", Some(&issuer), &minimal_achievement("second"))
        .await
        .assert_problem(403, None);
    let mut changed = minimal_achievement("first");
    changed["name"] = json!("Changed by issuer");
    put(&app, &format!("/api/v1/organizations/emc/achievements/{id}"), Some(&issuer), &changed)
        .await
        .assert_problem(403, None);
    app.post("/api/v1/frameworks", Some(&issuer), &framework_body("issuer-fw")).await.assert_problem(403, None);
    let mut v2 = framework_body("emc-fw");
    v2["name"] = json!("v2 by issuer");
    app.post("/api/v1/frameworks/emc-fw/versions", Some(&issuer), &v2).await.assert_problem(403, None);
    app.post("/api/v1/reference-frameworks/skills-for-success/import", Some(&issuer), &json!({}))
        .await
        .assert_problem(403, None);

    // Nothing was written.
    let keys_after = keys_of(&app, "emc").await;
    assert_eq!(keys_after.len(), keys_before.len());
    assert!(keys_after.iter().all(|k| k["revokedAt"].is_null()), "{keys_after:?}");
    assert_eq!(organization(&app, "emc").await["name"], "Org emc");
    let list = achievements_of(&app, "emc").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "Minimal badge");
    assert_eq!(list[0]["version"], 1);
    assert_eq!(framework_slugs(&app).await, vec!["emc-fw"]);
    assert_eq!(app.get("/api/v1/frameworks/emc-fw", None).await.body["latestVersion"], 1);
}

/// Everything of organization A that the admin can see, to compare before and after.
async fn snapshot(app: &crate::common::TestApp, org: &str) -> Value {
    let mut keys = keys_of(app, org).await;
    for k in &mut keys {
        // Using a key legitimately moves its last-used time; that is not a write by the attacker.
        k.as_object_mut().unwrap().remove("lastUsedAt");
    }
    json!({"org": organization(app, org).await, "keys": keys, "achievements": achievements_of(app, org).await})
}

#[tokio::test]
async fn another_organizations_key_gets_404_on_every_org_scoped_endpoint_and_writes_nothing() {
    let app = crate::common::app().await;
    let a_admin = app.org_with_key("org-a").await;
    let b_admin = app.org_with_key("org-b").await;
    let b_issuer = app.key_for("org-b", "issuer").await;
    let a_achievement = create_achievement(&app, "org-a", &a_admin, &minimal_achievement("a-badge")).await;
    let a_key_id = keys_of(&app, "org-a").await[0]["id"].as_str().unwrap().to_string();
    let before = snapshot(&app, "org-a").await;
    let b_before = snapshot(&app, "org-b").await;

    let mut changed = minimal_achievement("a-badge");
    changed["name"] = json!("Changed by B");
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/organizations/org-a".into(), None),
        (Method::PATCH, "/api/v1/organizations/org-a".into(), Some(json!({"name": "Owned by B"}))),
        (Method::GET, "/api/v1/organizations/org-a/api-keys".into(), None),
        (
            Method::POST,
            "/api/v1/organizations/org-a/api-keys".into(),
            Some(json!({"name": "backdoor", "role": "issuer-admin"})),
        ),
        (Method::DELETE, format!("/api/v1/organizations/org-a/api-keys/{a_key_id}"), None),
        (Method::GET, "/api/v1/organizations/org-a/achievements".into(), None),
        (Method::POST, "/api/v1/organizations/org-a/achievements".into(), Some(minimal_achievement("b-planted"))),
        (Method::GET, format!("/api/v1/organizations/org-a/achievements/{a_achievement}"), None),
        (Method::PUT, format!("/api/v1/organizations/org-a/achievements/{a_achievement}"), Some(changed.clone())),
        // A's resources reached through B's own organization path.
        (Method::GET, format!("/api/v1/organizations/org-b/achievements/{a_achievement}"), None),
        (Method::PUT, format!("/api/v1/organizations/org-b/achievements/{a_achievement}"), Some(changed.clone())),
        (Method::DELETE, format!("/api/v1/organizations/org-b/api-keys/{a_key_id}"), None),
    ];
    for key in [&b_admin, &b_issuer] {
        for (method, path, body) in &requests {
            let r = match body {
                Some(b) => app.json(method.clone(), path, Some(key), b).await,
                None => app.send(method.clone(), path, Some(key), None, None).await,
            };
            // Through B's own path an issuer may be refused for its role; through A's path
            // B never learns that A's resource exists.
            let own_path_role_refusal = path.contains("/org-b/") && key == &b_issuer && method != Method::GET;
            if own_path_role_refusal {
                r.assert_problem(403, None);
            } else {
                r.assert_problem(404, None);
            }
            assert!(
                !r.text.contains("Minimal badge") && !r.text.contains("Org org-a"),
                "{method} {path} leaks: {}",
                r.text
            );
        }
    }
    // An unknown organization answers the same as a foreign one.
    let unknown = app.get("/api/v1/organizations/no-such-org", Some(&b_admin)).await;
    unknown.assert_problem(404, None);
    let foreign = app.get("/api/v1/organizations/org-a", Some(&b_admin)).await;
    assert_eq!(unknown.body["detail"], foreign.body["detail"]);

    assert_eq!(snapshot(&app, "org-a").await, before, "organization A changed");
    assert_eq!(snapshot(&app, "org-b").await, b_before, "organization B changed");
    // A's key still works.
    assert_eq!(app.get("/api/v1/organizations/org-a", Some(&a_admin)).await.status, StatusCode::OK);
    // And the public document of A's achievement is unchanged.
    let public = app.get(&format!("/achievements/{a_achievement}"), None).await;
    assert_eq!(public.body["name"], "Minimal badge");
}

#[tokio::test]
async fn a_key_must_be_named() {
    let app = crate::common::app().await;
    let key = app.org_with_key("emc").await;
    for name in ["", "   "] {
        app.post("/api/v1/organizations/emc/api-keys", Some(&key), &json!({"name": name}))
            .await
            .assert_problem(422, Some("name"));
    }
    let long = "k".repeat(101);
    app.post("/api/v1/organizations/emc/api-keys", Some(&key), &json!({"name": long}))
        .await
        .assert_problem(422, Some("name"));
    assert_eq!(keys_of(&app, "emc").await.len(), 1);
}
