//! Organizations in the console: platform admins create and edit every organization
//! and invite its staff (`/console/platform/organizations`), issuer-admins edit their
//! own organization's profile (`/console/organization`); nobody else gets near either.

use axum::http::StatusCode;
use serde_json::Value;

use crate::common::{PUBLIC_URL, TestApp, app};
use crate::console_support::{Console, PASSWORD, accept, csrf_of, get_with, location, post_form, session_set};
use credence::domain::audit::Actor;
use credence::domain::staff::StaffRole;

const PLATFORM: &str = "/console/platform/organizations";

fn secret_of(page: &str) -> String {
    let marker = "id=\"secret\" type=\"text\" readonly value=\"";
    let at = page.find(marker).expect("a link shown once") + marker.len();
    page[at..].split('"').next().unwrap().to_string()
}

/// Signs in through an invitation link's path; the console session.
async fn signed_in_by_link(app: &TestApp, link: &str, name: &str) -> Console {
    let path = link.strip_prefix(PUBLIC_URL).expect("a link of this service");
    let cookie = session_set(&accept(app, path, name, PASSWORD, PASSWORD).await);
    let home = get_with(app, "/console", Some(&cookie)).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text);
    Console { csrf: csrf_of(&home), cookie }
}

/// A platform admin of organization `home`, made as `credence admin invite
/// --platform-admin` makes one (the same application function).
async fn platform_admin(app: &TestApp, email: &str) -> Console {
    if app.store.organization_by_slug("home").await.unwrap().is_none() {
        app.org_with_key("home").await;
    }
    let home = app.store.organization_by_slug("home").await.unwrap().unwrap();
    let (token, invitation) =
        credence::app::staff::invite_with(&app.store, &home.id, email, StaffRole::IssuerAdmin, true, &Actor::Service)
            .await
            .unwrap();
    assert!(invitation.platform_admin);
    signed_in_by_link(app, &credence::app::staff::invitation_url(&app.store, &token), "Pat Platform").await
}

/// The audit log of `org`, newest first, as the platform admin key reads it.
async fn audit(app: &TestApp, org: &str) -> Vec<Value> {
    let log = app.get(&format!("/api/v1/organizations/{org}/audit"), Some(&app.admin_key)).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    log.body.as_array().unwrap().clone()
}

async fn organization(app: &TestApp, slug: &str) -> Value {
    let r = app.get(&format!("/api/v1/organizations/{slug}"), Some(&app.admin_key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

fn key_types(did: &Value) -> Vec<String> {
    did["verificationMethod"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    format!("{}/{}", m["type"].as_str().unwrap_or(""), m["publicKeyJwk"]["kty"].as_str().unwrap_or(""))
                })
                .collect()
        })
        .unwrap_or_default()
}

const NEWCO: &str = "slug=newco&name=New+Co&kind=employer&url=https%3A%2F%2Fnewco.example&email=hi%40newco.example\
     &description=Makes+things&language=fr-CA&cryptosuite=eddsa-jcs-2022&issueJwt=true&jwtAlgorithm=RS256";

#[tokio::test]
async fn a_platform_admin_creates_edits_and_staffs_an_organization() {
    let app = app().await;
    let admin = platform_admin(&app, "pat@platform.ca").await;
    let home = admin.get(&app, "/console").await;
    assert!(home.text.contains(&format!("href=\"{PLATFORM}\"")), "the platform is in the navigation: {}", home.text);

    let list = admin.get(&app, PLATFORM).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(list.text.contains(">Org home</a>") && list.text.contains("<code>home</code>"), "{}", list.text);
    assert!(list.text.contains("name=\"slug\"") && list.text.contains("name=\"jwtAlgorithm\""), "{}", list.text);

    // Created as the API creates: its keys exist at once (the RSA key too: RS256).
    let r = admin.post(&app, PLATFORM, NEWCO).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), "/console/platform/organizations/newco?created");
    // The Profile lists what exists (it makes no key): both keys are there already.
    let profile = app.get("/issuers/newco", None).await;
    assert_eq!(profile.body["name"], "New Co", "{}", profile.text);
    let types = key_types(&profile.body);
    assert!(types.contains(&"Multikey/".to_string()), "{types:?}");
    assert!(types.contains(&"JsonWebKey/RSA".to_string()), "{types:?}");
    let did = app.get("/issuers/newco/did.json", None).await;
    assert!(key_types(&did.body).contains(&"JsonWebKey/RSA".to_string()), "{}", did.text);
    let org = organization(&app, "newco").await;
    assert_eq!(
        (&org["kind"], &org["language"], &org["cryptosuite"], &org["issueJwt"], &org["jwtAlgorithm"]),
        (&"employer".into(), &"fr-CA".into(), &"eddsa-jcs-2022".into(), &true.into(), &"RS256".into()),
        "{org}"
    );
    assert_eq!((&org["url"], &org["email"]), (&"https://newco.example".into(), &"hi@newco.example".into()));
    let page = admin.get(&app, "/console/platform/organizations/newco?created").await;
    assert!(page.text.contains("The organization is created"), "{}", page.text);
    let log = audit(&app, "newco").await;
    assert_eq!(log[0]["action"], "organization.created", "{log:?}");
    assert_eq!(log[0]["actor"]["kind"], "staff");
    assert_eq!(log[0]["actor"]["name"], "Pat Platform");

    // Edited: every field of the form; an unchecked box turns the VC-JWT off.
    let r = admin
        .post(
            &app,
            "/console/platform/organizations/newco",
            "name=New+Company&kind=college&url=&email=&description=&language=en&cryptosuite=eddsa-rdfc-2022&jwtAlgorithm=EdDSA",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("The profile is saved.") && r.text.contains("value=\"New Company\""), "{}", r.text);
    let org = organization(&app, "newco").await;
    assert_eq!(
        (&org["name"], &org["kind"], &org["issueJwt"]),
        (&"New Company".into(), &"college".into(), &false.into())
    );
    assert!(org["url"].is_null() && org["email"].is_null() && org["description"].is_null(), "{org}");
    let log = audit(&app, "newco").await;
    assert_eq!(log[0]["action"], "organization.edited", "{log:?}");
    assert_eq!(log[0]["actor"]["name"], "Pat Platform");
    let summary = log[0]["summary"].as_str().unwrap();
    assert!(summary.contains("name") && summary.contains("issueJwt"), "{summary}");

    // Its first issuer-admin: invited from here, signs in and works in it.
    let r = admin
        .post(&app, "/console/platform/organizations/newco/invitations", "email=boss%40newco.example&role=issuer-admin")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Invitation link for boss@newco.example"), "{}", r.text);
    let link = secret_of(&r.text);
    let again = admin.get(&app, "/console/platform/organizations/newco").await;
    assert!(!again.text.contains(&link) && again.text.contains("boss@newco.example"), "the link is shown once");
    assert_eq!(audit(&app, "newco").await[0]["action"], "staff.invited");
    let boss = signed_in_by_link(&app, &link, "Bo Boss").await;
    let home = boss.get(&app, "/console").await;
    assert!(home.text.contains("<strong>New Company</strong>"), "{}", home.text);
    assert!(!home.text.contains(PLATFORM), "not a platform admin: {}", home.text);
    assert_eq!(boss.get(&app, PLATFORM).await.status, StatusCode::NOT_FOUND);
    let own = boss.get(&app, "/console/organization").await;
    assert!(own.text.contains("value=\"New Company\"") && own.text.contains("Save the profile"), "{}", own.text);

    // The listing counts its staff; French words.
    let list = admin.get(&app, &format!("{PLATFORM}?lang=fr")).await;
    assert!(list.text.contains("Créer une organisation") && list.text.contains("Plateforme : organisations"));
    let row = list.text.split("<code>newco</code>").nth(1).expect("newco listed");
    assert!(row.starts_with("</td><td>Collège</td><td>en</td>") && row.contains("<td>1</td><td>0</td>"), "{row}");
}

#[tokio::test]
async fn platform_admins_invite_platform_admins_and_nobody_else_can() {
    let app = app().await;
    let admin = platform_admin(&app, "pat@platform.ca").await;
    let key = app.org_with_key("college").await;

    let r = admin
        .post(
            &app,
            "/console/platform/organizations/college/invitations",
            "email=deputy%40college.ca&role=viewer&platformAdmin=true",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("deputy@college.ca — Viewer (platform admin)"), "{}", r.text);
    let deputy = signed_in_by_link(&app, &secret_of(&r.text), "Dee Deputy").await;
    assert_eq!(deputy.get(&app, PLATFORM).await.status, StatusCode::OK, "a platform admin, and a viewer at home");
    assert_eq!(deputy.post(&app, "/console/organization", "name=Mine").await.status, StatusCode::FORBIDDEN);
    let log = audit(&app, "college").await;
    assert!(log[0]["summary"].as_str().unwrap().contains("platform admin"), "{log:?}");

    // An issuer-admin's team invitation never makes one, whatever the form says.
    let college = Console::signed_in(&app, "college", &key, "head@college.ca", "issuer-admin").await;
    let r =
        college.post(&app, "/console/team/invitations", "email=sly%40college.ca&role=issuer&platformAdmin=true").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sly = signed_in_by_link(&app, &secret_of(&r.text), "Sly").await;
    assert_eq!(sly.get(&app, PLATFORM).await.status, StatusCode::NOT_FOUND);
    let (account, _) = app.store.account_for_sign_in("sly@college.ca").await.unwrap().unwrap();
    assert!(!account.platform_admin);
    // Nor does the API's invitation (its schema refuses the field).
    let r = app
        .post(
            "/api/v1/organizations/college/invitations",
            Some(&key),
            &serde_json::json!({"email": "api@college.ca", "role": "issuer", "platformAdmin": true}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
}

#[tokio::test]
async fn the_platform_is_not_found_by_anyone_else() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let before = organization(&app, "college").await;
    let mut visitors = Vec::new();
    for (email, role) in [("a@college.ca", "issuer-admin"), ("i@college.ca", "issuer"), ("v@college.ca", "viewer")] {
        visitors.push(Some(Console::signed_in(&app, "college", &key, email, role).await));
    }
    visitors.push(None);
    for visitor in &visitors {
        for path in [PLATFORM, "/console/platform/organizations/college", "/console/platform/organizations/nothing"] {
            let r = get_with(&app, path, visitor.as_ref().map(|c| c.cookie.as_str())).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        for (path, form) in [
            (PLATFORM, NEWCO),
            ("/console/platform/organizations/college", "name=Taken&kind=college&language=en"),
            (
                "/console/platform/organizations/college/invitations",
                "email=x%40y.ca&role=issuer-admin&platformAdmin=true",
            ),
        ] {
            let r = match visitor {
                Some(c) => c.post(&app, path, form).await,
                None => post_form(&app, path, form, None, &[]).await,
            };
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
        }
        if let Some(c) = visitor {
            assert!(!c.get(&app, "/console").await.text.contains(PLATFORM), "not in the navigation");
        }
    }
    assert_eq!(app.get("/api/v1/organizations/newco", Some(&app.admin_key)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(organization(&app, "college").await, before);
    assert!(
        app.store
            .open_invitations_of(before["id"].as_str().unwrap())
            .await
            .unwrap()
            .iter()
            .all(|i| i.email != "x@y.ca")
    );
}

#[tokio::test]
async fn platform_forms_refuse_what_they_must() {
    let app = app().await;
    let admin = platform_admin(&app, "pat@platform.ca").await;

    // Without the CSRF token: refused, nothing made.
    let r = post_form(&app, PLATFORM, NEWCO, Some(&admin.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = post_form(&app, "/console/platform/organizations/home", "name=X", Some(&admin.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/organizations/newco", Some(&app.admin_key)).await.status, StatusCode::NOT_FOUND);

    // A taken slug: a conflict beside the slug, the values kept.
    let r = admin.post(&app, PLATFORM, "slug=home&name=Second+Home&kind=college&language=en").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("id=\"new-slug-error\"") && r.text.contains("<code>slug</code>"), "{}", r.text);
    assert!(r.text.contains("value=\"Second Home\""), "{}", r.text);

    // Invalid fields: each named beside its field, nothing created.
    let r = admin
        .post(
            &app,
            PLATFORM,
            "slug=Bad+Slug&name=&kind=spaceship&url=not-a-url&email=nope&language=de&cryptosuite=rsa&jwtAlgorithm=HS256",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for name in ["slug", "name", "kind", "url", "email", "language", "cryptosuite", "jwtAlgorithm"] {
        assert!(r.text.contains(&format!("id=\"new-{name}-error\"")), "{name}: {}", r.text);
        assert!(r.text.contains(&format!("<code>{name}</code>")), "{name} in the summary");
    }
    assert!(r.text.contains("value=\"not-a-url\"") && r.text.contains("value=\"Bad Slug\""), "values kept");
    assert_eq!(app.store.list_organizations().await.unwrap().len(), 1);
    let r = admin.post(&app, "/console/platform/organizations/home", "name=&kind=college&language=xx").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"org-name-error\"") && r.text.contains("id=\"org-language-error\""), "{}", r.text);
    let r = admin.post(&app, "/console/platform/organizations/home/invitations", "email=nope&role=issuer").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"invite-email-error\"") && r.text.contains("value=\"nope\""), "{}", r.text);
    let r = admin.post(&app, "/console/platform/organizations/home/invitations", "email=a%40b.ca&role=admin").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Unknown or malformed slugs; an oversized form.
    for path in ["/console/platform/organizations/nothing", "/console/platform/organizations/NOT%20A%20SLUG"] {
        assert_eq!(admin.get(&app, path).await.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(admin.post(&app, path, "name=X&kind=college").await.status, StatusCode::NOT_FOUND, "{path}");
        let invite = format!("{path}/invitations");
        assert_eq!(admin.post(&app, &invite, "email=a%40b.ca&role=issuer").await.status, StatusCode::NOT_FOUND);
    }
    let huge = format!("slug=big&name=Big&kind=college&description={}", "x".repeat(20 * 1024));
    assert_eq!(admin.post(&app, PLATFORM, &huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.store.list_organizations().await.unwrap().len(), 1);
}

const PROFILE: &str = "/console/organization";

#[tokio::test]
async fn issuer_admins_edit_their_own_profile_and_only_theirs() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let rival_before = {
        app.org_with_key("rival").await;
        organization(&app, "rival").await
    };
    let admin = Console::signed_in(&app, "college", &key, "head@college.ca", "issuer-admin").await;
    let page = admin.get(&app, PROFILE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains(&format!("href=\"{PROFILE}\" aria-current=\"page\"")), "{}", page.text);
    assert!(page.text.contains("value=\"Org college\"") && !page.text.contains("name=\"slug\""), "{}", page.text);

    // The same update as the API's: RS256 chosen makes the RSA key at once. A slug
    // in the form names nothing: it is always the staff member's own organization.
    let form = "slug=rival&name=College+Two&kind=university&url=https%3A%2F%2Fcollege.example&email=&description=Hi\
                &language=en-CA&cryptosuite=eddsa-rdfc-2022&issueJwt=true&jwtAlgorithm=RS256";
    let r = admin.post(&app, PROFILE, form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("The profile is saved.") && r.text.contains("<strong>College Two</strong>"), "{}", r.text);
    let org = organization(&app, "college").await;
    assert_eq!(
        (&org["name"], &org["kind"], &org["jwtAlgorithm"]),
        (&"College Two".into(), &"university".into(), &"RS256".into())
    );
    assert!(key_types(&app.get("/issuers/college", None).await.body).contains(&"JsonWebKey/RSA".to_string()));
    assert_eq!(organization(&app, "rival").await, rival_before);
    let log = audit(&app, "college").await;
    assert_eq!((&log[0]["action"], &log[0]["actor"]["name"]), (&"organization.edited".into(), &"Sam Staff".into()));
    assert!(audit(&app, "rival").await.iter().all(|c| c["action"] != "organization.edited"));

    // Field errors beside their fields, values kept; French words.
    let r = admin
        .post(&app, "/console/organization?lang=fr", "name=College+Two&kind=spaceship&url=not-a-url&email=nope")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for name in ["kind", "url", "email"] {
        assert!(r.text.contains(&format!("id=\"org-{name}-error\"")), "{name}: {}", r.text);
    }
    assert!(r.text.contains("value=\"not-a-url\"") && r.text.contains("Profil de l’organisation"), "{}", r.text);
    assert_eq!(organization(&app, "college").await["name"], "College Two");

    // No CSRF token, an oversized form: refused.
    let r = post_form(&app, PROFILE, "name=Hijacked&kind=college&language=en", Some(&admin.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let huge = format!("name=Big&kind=college&language=en&description={}", "x".repeat(20 * 1024));
    assert_eq!(admin.post(&app, PROFILE, &huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Issuers and viewers read it, and cannot change it.
    for (email, role) in [("i@college.ca", "issuer"), ("v@college.ca", "viewer")] {
        let staff = Console::signed_in(&app, "college", &key, email, role).await;
        let page = staff.get(&app, PROFILE).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("<fieldset class=\"plain\" disabled>") && !page.text.contains("Save the profile"));
        let r = staff.post(&app, PROFILE, "name=Hijacked&kind=college&language=en").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(organization(&app, "college").await["name"], "College Two");

    // The API's PATCH is the same update, recorded the same way (naming its key).
    let r = app
        .json(
            axum::http::Method::PATCH,
            "/api/v1/organizations/college",
            Some(&key),
            &serde_json::json!({"description": "By the API"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let log = audit(&app, "college").await;
    assert_eq!((&log[0]["action"], &log[0]["actor"]["kind"]), (&"organization.edited".into(), &"api-key".into()));
    assert!(log[0]["summary"].as_str().unwrap().ends_with("changed: description"), "{log:?}");
}
