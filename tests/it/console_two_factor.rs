//! Two-factor sign-in for staff: set up with an authenticator app's code, then asked
//! for at every sign-in; each code works once; wrong codes count as failed sign-ins.

use axum::http::StatusCode;

use crate::common::{TestApp, app};
use crate::console_support::{Console, PASSWORD, get_with, location, post_form, session_set, urlencode};
use credence::domain::totp;

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The key a setup page shows, read back into the secret (RFC 4648 base32).
fn secret_on(page: &str) -> Vec<u8> {
    let at = page.find("id=\"two-factor-key\">").expect("the key to type") + "id=\"two-factor-key\">".len();
    let key: String = page[at..].split('<').next().unwrap().chars().filter(|c| !c.is_whitespace()).collect();
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in key.chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c).expect("base32") as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

fn code(secret: &[u8], step: u64) -> String {
    format!("{:06}", totp::hotp(secret, step))
}

async fn sign_in_with(app: &TestApp, email: &str, code: &str) -> crate::common::Response {
    let form = format!("email={}&password={}&code={code}", urlencode(email), urlencode(PASSWORD));
    post_form(app, "/console/sign-in", &form, None, &[]).await
}

#[tokio::test]
async fn a_staff_member_turns_on_two_factor_sign_in_and_is_asked_for_a_code_once_each() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let ana = Console::signed_in(&app, "college", &key, "ana@college.ca", "issuer-admin").await;
    let page = ana.get(&app, "/console/security").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Two-factor sign-in is off"), "{}", page.text);

    let setup = ana.post(&app, "/console/security/two-factor/start", "").await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.text);
    assert!(setup.text.contains("<svg") && setup.text.contains("<title>QR code to add your account"), "a QR code");
    let secret = secret_on(&setup.text);
    assert_eq!(secret.len(), totp::SECRET_BYTES);
    let step = totp::step_at(now());
    let right = code(&secret, step);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let r = ana.post(&app, "/console/security/two-factor/confirm", &format!("code={wrong}")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("id=\"code-error\"") && r.text.contains("id=\"two-factor-key\""),
        "the setup is shown again"
    );
    let r = ana.post(&app, "/console/security/two-factor/confirm", &format!("code={right}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Two-factor sign-in is on"), "{}", r.text);
    assert!(!r.text.contains("two-factor-key"), "the key is no longer shown");
    let stored: Option<String> =
        sqlx::query_scalar("SELECT totp_secret FROM staff_accounts WHERE email = 'ana@college.ca'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    assert!(!stored.unwrap().contains(&totp::base32(&secret)), "the secret is stored sealed");

    // Signing in now takes a code: none, a wrong one, the one used already, then the next.
    let email = "ana@college.ca";
    let r = sign_in_with(&app, email, "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("Your account signs in with a code too"), "{}", r.text);
    assert!(r.headers.get("set-cookie").is_none());
    let r = sign_in_with(&app, email, &wrong).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("That code is not the one"), "{}", r.text);
    let r = sign_in_with(&app, email, &right).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the code that turned it on was used");
    let next = code(&secret, step + 1);
    let session = session_set(&sign_in_with(&app, email, &next).await);
    assert_eq!(get_with(&app, "/console", Some(&session)).await.status, StatusCode::OK);
    let r = sign_in_with(&app, email, &next).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "nor twice");
    // A wrong password with the right code tells nothing about either.
    let form = format!("email={}&password=wrong-password-here&code={}", urlencode(email), code(&secret, step));
    let r = post_form(&app, "/console/sign-in", &form, None, &[]).await;
    assert!(r.text.contains("That email address and password do not match"), "{}", r.text);

    // Turning it off takes a current code, unused (time passes: earlier steps used).
    sqlx::query("UPDATE staff_accounts SET totp_last_step = totp_last_step - 5")
        .execute(&app.store.pool)
        .await
        .unwrap();
    let r = ana.post(&app, "/console/security/two-factor/disable", "code=12345").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = ana
        .post(&app, "/console/security/two-factor/disable", &format!("code={}", code(&secret, totp::step_at(now()))))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Two-factor sign-in is off."), "{}", r.text);
    let r = post_form(
        &app,
        "/console/sign-in",
        &format!("email={}&password={}", urlencode(email), urlencode(PASSWORD)),
        None,
        &[],
    )
    .await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/console"), "a password alone again");

    let org = app.store.organization_by_slug("college").await.unwrap().unwrap();
    let (changes, _) = app.store.changes(&org.id, None, 10).await.unwrap();
    let actions: Vec<&str> = changes.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions[..2], ["staff.two-factor-off", "staff.two-factor-on"], "{actions:?}");
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_wrong_passwords_and_forms_need_the_session() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    let ana = Console::signed_in(&app, "college", &key, "ana@college.ca", "viewer").await;
    let setup = ana.post(&app, "/console/security/two-factor/start", "").await;
    let secret = secret_on(&setup.text);
    let step = totp::step_at(now());
    let r = ana.post(&app, "/console/security/two-factor/confirm", &format!("code={}", code(&secret, step))).await;
    assert!(r.text.contains("Two-factor sign-in is on"), "viewers may protect their account too: {}", r.text);
    for _ in 0..5 {
        assert_eq!(sign_in_with(&app, "ana@college.ca", "000000x").await.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in_with(&app, "ana@college.ca", &code(&secret, step + 1)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "five wrong codes throttle sign-in");

    // Forged forms change nothing.
    let r = post_form(&app, "/console/security/two-factor/disable", "code=123456", Some(&ana.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = post_form(&app, "/console/security/two-factor/start", "", None, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "signed out");
    let r = ana.post(&app, "/console/security/two-factor/start", "").await;
    assert!(!r.text.contains("two-factor-key"), "no new secret while it is on");
    assert!(ana.get(&app, "/console/security?lang=fr").await.text.contains("La connexion à deux facteurs est activée"));
}
