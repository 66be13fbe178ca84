//! Email through a real SMTP server (PyPI's aiosmtpd, run by tests/smtp/server.py on
//! 127.0.0.1): what learners and reviewers receive, in their language, with working
//! links; a server that refuses first; a crash between commit and send; two senders.
//! Needs tests/smtp/install.sh (or aiosmtpd importable by python3); without it the tests
//! are skipped loudly, or fail when CI=true.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use credence::mailer::{Pacing, SmtpSettings};

use crate::common::{PUBLIC_URL, TestApp, app};

/// The SMTP server of one test, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// Starts the server, refusing the first `refuse_first` messages with a 451; `None`
/// (after a loud message; a panic under CI=true) when aiosmtpd is not installed.
fn smtp_server(refuse_first: u32) -> Option<SmtpServer> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/smtp-venv/bin/python");
    let python = if venv.exists() { venv } else { PathBuf::from("python3") };
    let usable = Command::new(&python).args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
    if !usable {
        let message =
            "\n!!!!! email tests SKIPPED: run tests/smtp/install.sh (PyPI aiosmtpd in target/smtp-venv) !!!!!\n";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{message} (CI=true: failing instead of skipping)");
        }
        eprintln!("{message}");
        return None;
    }
    let maildir = tempfile::tempdir().expect("a temporary folder");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
    let port = free_port();
    let mut child = Command::new(&python)
        .arg(script)
        .arg(port.to_string())
        .arg(maildir.path())
        .arg(refuse_first.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
    }
    assert_eq!(line.trim(), "ready", "the SMTP server did not start");
    Some(SmtpServer { child, port, maildir })
}

fn settings(server: &SmtpServer) -> SmtpSettings {
    SmtpSettings::new(&format!("smtp://127.0.0.1:{}", server.port), "Credence Badges <badges@credence.example>")
        .expect("settings")
}

const QUICK: Pacing = Pacing { poll: Duration::from_millis(50), first_pause: Duration::from_millis(200) };

/// Runs a mailer until the returned sender is dropped or sends `true`.
fn start_mailer(app: &TestApp, server: &SmtpServer) -> tokio::sync::watch::Sender<bool> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(credence::mailer::run(app.store.clone(), settings(server), QUICK, stopping));
    stop
}

/// The messages the server accepted, in order, once there are `count` (waiting up to 15 s).
async fn received(dir: &Path, count: usize) -> Vec<String> {
    for _ in 0..300 {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        if names.len() >= count {
            names.sort();
            return names.iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the SMTP server did not receive {count} message(s)");
}

/// A header's value (unfolded), or "".
fn header(message: &str, name: &str) -> String {
    let head = message.split("\r\n\r\n").next().unwrap_or_default().replace("\r\n ", " ").replace("\r\n\t", " ");
    head.lines()
        .find_map(|l| {
            l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_default()
}

/// The message's text, decoded the way its parts are written (quoted-printable or
/// base64), all parts together.
fn decoded(message: &str) -> String {
    let mut out = String::new();
    for part in message.split("\r\n--") {
        let (head, body) = part.split_once("\r\n\r\n").unwrap_or(("", part));
        let head = head.to_ascii_lowercase();
        if head.contains("content-transfer-encoding: base64") {
            let joined: String = body.lines().take_while(|l| !l.starts_with("--")).collect();
            if let Ok(bytes) = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, joined.trim()) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        } else if head.contains("content-transfer-encoding: quoted-printable") {
            out.push_str(&quoted_printable(body));
        } else {
            out.push_str(body);
        }
    }
    out
}

fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An achievement in `language` issued on one passing score.
async fn achievement(app: &TestApp, key: &str, slug: &str, language: &str) {
    let body = json!({
        "slug": slug, "name": if language.starts_with("fr") { "Soudage sécuritaire" } else { "Safe welding" },
        "description": "Welds safely.", "criteria": {"narrative": "Pass the exam."},
        "achievementType": "Badge", "tier": "badge", "language": language,
        "rule": {"allOf": [{"component": "exam", "minScore": 70},
                           {"component": "site", "name": "Site work", "requiresSignoff": "expert", "signoffBlocking": false}]}
    });
    let r = app.post("/api/v1/organizations/college/achievements", Some(key), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

async fn pass(app: &TestApp, key: &str, slug: &str, email: &str) -> String {
    let r = app
        .post(
            "/api/v1/organizations/college/results",
            Some(key),
            &json!({"achievement": slug, "component": "exam", "score": 90,
                    "learner": {"email": email, "name": "Sam Learner"}}),
        )
        .await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    r.body["credential"]["id"].as_str().unwrap_or_default().to_string()
}

fn link_in(text: &str, prefix: &str) -> String {
    let start = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in:\n{text}"));
    text[start..].split(|c: char| c.is_whitespace() || c == '"' || c == '<').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_learner_is_mailed_their_badge_with_a_claim_link_that_works() {
    let Some(server) = smtp_server(0) else { return };
    let app = app().await;
    let key = app.org_with_key("college").await;
    achievement(&app, &key, "welding", "en").await;
    let id = pass(&app, &key, "welding", "sam@example.org").await;
    let _mailer = start_mailer(&app, &server);

    let message = received(server.maildir.path(), 1).await.remove(0);
    assert_eq!(header(&message, "X-Envelope-To"), "sam@example.org");
    assert_eq!(header(&message, "To"), "sam@example.org");
    assert!(header(&message, "From").contains("badges@credence.example"), "{message}");
    assert!(header(&message, "Message-ID").ends_with("@credence.example>"), "{message}");
    assert!(header(&message, "Content-Type").starts_with("multipart/alternative"), "{message}");
    let text = decoded(&message);
    assert!(text.contains("Hello Sam Learner,"), "{text}");
    assert!(text.contains(&format!("{PUBLIC_URL}/credentials/{id}/image.png")), "the artwork: {text}");
    let claim = link_in(&text, &format!("{PUBLIC_URL}/claim/"));
    let r = app.get(claim.trim_start_matches(PUBLIC_URL), None).await;
    assert_eq!(r.status, StatusCode::OK, "the claim link opens: {}", r.text);
    // Sent once: nothing more arrives, and the outbox says so.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(received(server.maildir.path(), 1).await.len(), 1);
}

#[tokio::test]
async fn reviewers_and_french_learners_read_their_own_message() {
    let Some(server) = smtp_server(0) else { return };
    let app = app().await;
    let key = app.org_with_key("college").await;
    achievement(&app, &key, "soudage", "fr-CA").await;
    let r = app
        .post(
            "/api/v1/organizations/college/results",
            Some(&key),
            &json!({"achievement": "soudage", "component": "site", "submittedForSignoff": true,
                    "reviewer": {"name": "Dr. Rivera", "email": "rivera@example.org"},
                    "learner": {"email": "lea@example.org", "name": "Léa Tremblay"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    pass(&app, &key, "soudage", "lea@example.org").await;
    let _mailer = start_mailer(&app, &server);

    let messages = received(server.maildir.path(), 2).await;
    let to_reviewer =
        messages.iter().find(|m| header(m, "X-Envelope-To") == "rivera@example.org").expect("the reviewer's");
    let to_learner = messages.iter().find(|m| header(m, "X-Envelope-To") == "lea@example.org").expect("the learner's");
    let reviewer_text = decoded(to_reviewer);
    assert!(reviewer_text.contains("Bonjour Dr. Rivera,") && reviewer_text.contains("Léa Tremblay"), "{reviewer_text}");
    let link = link_in(&reviewer_text, &format!("{PUBLIC_URL}/signoff/"));
    assert_eq!(app.get(link.trim_start_matches(PUBLIC_URL), None).await.status, StatusCode::OK);
    let learner_text = decoded(to_learner);
    assert!(
        learner_text.contains("Bonjour Léa Tremblay,") && learner_text.contains("Réclamer mon badge"),
        "{learner_text}"
    );
    assert!(
        header(to_learner, "Subject").starts_with("=?utf-8?")
            || header(to_learner, "Subject").contains("Vous avez obtenu")
    );
}

#[tokio::test]
async fn a_server_that_refuses_then_accepts_gets_the_message_once() {
    let Some(server) = smtp_server(2) else { return };
    let app = app().await;
    let key = app.org_with_key("college").await;
    achievement(&app, &key, "welding", "en").await;
    pass(&app, &key, "welding", "sam@example.org").await;
    let _mailer = start_mailer(&app, &server);
    let messages = received(server.maildir.path(), 1).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(received(server.maildir.path(), 1).await.len(), messages.len());
    let org = app.store.organization_by_slug("college").await.unwrap().unwrap();
    let outbox = app.store.outbox(&org.id, None, 50).await.unwrap().0;
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].state(), "sent");
    assert_eq!(outbox[0].attempts, 3, "two refusals, then accepted");
}

#[tokio::test]
async fn what_was_committed_before_a_crash_is_sent_after_it_and_two_senders_send_it_once() {
    let Some(server) = smtp_server(0) else { return };
    let app = app().await;
    let key = app.org_with_key("college").await;
    achievement(&app, &key, "welding", "en").await;
    // Committed while no mailer ran (as if the process died right after the commit).
    for n in 0..6 {
        pass(&app, &key, "welding", &format!("learner{n}@example.org")).await;
    }
    let org = app.store.organization_by_slug("college").await.unwrap().unwrap();
    assert!(app.store.outbox(&org.id, None, 50).await.unwrap().0.iter().all(|m| m.state() == "waiting"));
    // Two instances' mailers start at once.
    let _one = start_mailer(&app, &server);
    let _two = start_mailer(&app, &server);
    let messages = received(server.maildir.path(), 6).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages_after = received(server.maildir.path(), 6).await;
    assert_eq!(messages_after.len(), messages.len());
    let mut recipients: Vec<String> = messages_after.iter().map(|m| header(m, "X-Envelope-To")).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 6, "each learner once: {recipients:?}");
}

#[tokio::test]
async fn issuer_admins_read_the_outbox_in_the_console_even_without_smtp() {
    let app = app().await;
    let key = app.org_with_key("college").await;
    achievement(&app, &key, "welding", "en").await;
    pass(&app, &key, "welding", "sam@example.org").await;
    let admin =
        crate::console_support::Console::signed_in(&app, "college", &key, "ada@college.example", "issuer-admin").await;
    let r = admin.get(&app, "/console/outbox").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for shown in ["sam@example.org", "You earned “Safe welding”", "Waiting to be sent", &format!("{PUBLIC_URL}/claim/")]
    {
        assert!(r.text.contains(shown), "{shown} is not on the page: {}", r.text);
    }
    assert!(r.text.contains("href=\"/console/outbox\""), "listed in the navigation");
    let fr = admin.get(&app, "/console/outbox?lang=fr").await;
    assert!(fr.text.contains("En attente d’envoi"), "{}", fr.text);
    // A bad cursor is no page; issuers and viewers may not read claim links.
    assert_eq!(admin.get(&app, "/console/outbox?cursor=nonsense").await.status, StatusCode::NOT_FOUND);
    for role in ["issuer", "viewer"] {
        let staff =
            crate::console_support::Console::signed_in(&app, "college", &key, &format!("{role}@college.example"), role)
                .await;
        assert_eq!(staff.get(&app, "/console/outbox").await.status, StatusCode::FORBIDDEN, "{role}");
    }
    // Another organization's admin sees none of it.
    let other_key = app.org_with_key("other").await;
    let other =
        crate::console_support::Console::signed_in(&app, "other", &other_key, "olu@other.example", "issuer-admin")
            .await;
    let r = other.get(&app, "/console/outbox").await;
    assert!(!r.text.contains("sam@example.org") && r.text.contains("No emails yet."), "{}", r.text);
}

#[tokio::test]
async fn a_mailed_reviewers_link_is_not_in_an_issuer_keys_answer_and_only_admins_send_it_again() {
    let app = app().await;
    let admin_key = app.org_with_key("college").await;
    achievement(&app, &admin_key, "welding", "en").await;
    let issuer_key = app.key_for("college", "issuer").await;
    let submit = |email: &str, reviewer: serde_json::Value| {
        json!({"achievement": "welding", "component": "site", "submittedForSignoff": true,
               "reviewer": reviewer, "learner": {"email": email}})
    };
    let path = "/api/v1/organizations/college/results";
    let mailed = json!({"name": "Dr. Rivera", "email": "rivera@example.org"});
    let r = app.post(path, Some(&issuer_key), &submit("a@example.org", mailed.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["signoffs"][0].get("link").is_none(), "mailed to the reviewer, not shown: {}", r.text);
    let id = r.body["signoffs"][0]["id"].as_str().unwrap_or_default().to_string();
    // Without an address, someone must pass the link on: the answer has it.
    let r = app.post(path, Some(&issuer_key), &submit("b@example.org", json!({"name": "Pat"}))).await;
    assert!(r.body["signoffs"][0]["link"].as_str().is_some(), "{}", r.text);
    // Issuer-admins see links, and they alone send one again.
    let r = app.post(path, Some(&admin_key), &submit("c@example.org", mailed)).await;
    assert!(r.body["signoffs"][0]["link"].as_str().is_some(), "{}", r.text);
    let again = format!("/api/v1/organizations/college/signoffs/{id}/link");
    assert_eq!(app.post(&again, Some(&issuer_key), &json!({})).await.status, StatusCode::FORBIDDEN);
    let r = app.post(&again, Some(&admin_key), &json!({})).await;
    assert!(r.body["link"].as_str().is_some(), "{}", r.text);
}
