//! The server-rendered pages: the badge page by content negotiation, its
//! sharing links and preview tags, the certificate, the verification page,
//! issuer and achievement pages, English and French, and the friendly 404.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

/// GET with extra headers.
pub(crate) async fn page(
    app: &crate::common::TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> crate::common::Response {
    let mut b = Request::builder().method(Method::GET).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    app.send_request(b.body(Body::empty()).unwrap()).await
}

pub(crate) const HTML: (&str, &str) = ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
pub(crate) const FRENCH: (&str, &str) = ("accept-language", "fr-CA,fr;q=0.9,en;q=0.5");

/// The value of a `<meta property=...>` or `<meta name=...>` tag.
fn meta(html: &str, key: &str) -> Option<String> {
    let needle_p = format!("property=\"{key}\" content=\"");
    let needle_n = format!("name=\"{key}\" content=\"");
    let start = html
        .find(&needle_p)
        .map(|i| i + needle_p.len())
        .or_else(|| html.find(&needle_n).map(|i| i + needle_n.len()))?;
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            let bytes = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
                    out.push(u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            (k.to_string(), String::from_utf8(out).unwrap())
        })
        .collect()
}

fn linkedin_href(html: &str) -> String {
    let start = html.find("id=\"linkedin-add\" href=\"").expect("LinkedIn link") + "id=\"linkedin-add\" href=\"".len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].replace("&#38;", "&").replace("&amp;", "&")
}

#[tokio::test]
async fn badge_page_for_browsers_and_json_for_api_clients() {
    let crate::common::Issued { app, id, doc, .. } = crate::common::issued().await;
    let path = format!("/credentials/{id}");
    let r = page(&app, &path, &[HTML]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("text/html"), "{}", r.content_type);
    assert_eq!(r.headers["content-language"], "en");
    let html = &r.text;
    let name = doc["credentialSubject"]["achievement"]["name"].as_str().unwrap();
    assert!(html.contains(&format!("<h1 lang=\"en-CA\">{name}</h1>")) || html.contains(name), "achievement name");
    assert!(html.contains("class=\"status valid\""), "the live verification says valid");
    assert!(html.contains(">Valid<"));
    assert!(html.contains("Nadia"), "the learner's display name");
    assert!(!html.contains("nadia@example.com"), "never the email");
    assert!(html.contains("Post-assessment report"), "evidence is shown");
    assert!(html.contains("Numeracy"), "alignments are shown");
    for download in ["badge.png", "badge.svg", "credential.json", "qr.png", "qr.svg", "print"] {
        assert!(html.contains(&format!("/credentials/{id}/{download}")), "link to {download}");
    }

    // Preview tags, with absolute URLs.
    let page_url = format!("{}/credentials/{id}", crate::common::PUBLIC_URL);
    assert_eq!(meta(html, "og:url").as_deref(), Some(page_url.as_str()));
    assert_eq!(meta(html, "og:image"), Some(format!("{page_url}/preview.png?lang=en")));
    assert_eq!(meta(html, "og:image:width").as_deref(), Some("1200"));
    assert_eq!(meta(html, "og:image:height").as_deref(), Some("630"));
    assert!(meta(html, "og:title").unwrap().starts_with(name));
    assert_eq!(meta(html, "twitter:card").as_deref(), Some("summary_large_image"));

    // LinkedIn's add-certification link.
    let link = linkedin_href(html);
    assert!(link.starts_with("https://www.linkedin.com/profile/add?"), "{link}");
    let params = query_pairs(&link);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("startTask").as_deref(), Some("CERTIFICATION_NAME"));
    assert_eq!(get("name").as_deref(), Some(name));
    assert_eq!(get("organizationName").as_deref(), doc["issuer"]["name"].as_str());
    let valid_from = doc["validFrom"].as_str().unwrap();
    assert_eq!(get("issueYear").unwrap(), valid_from[..4]);
    assert_eq!(get("issueMonth").unwrap(), valid_from[5..7].trim_start_matches('0'));
    assert_eq!(get("certUrl").as_deref(), Some(page_url.as_str()));
    assert_eq!(get("certId").as_deref(), Some(id.as_str()));
    if let Some(until) = doc["validUntil"].as_str() {
        assert_eq!(get("expirationYear").unwrap(), until[..4]);
    }

    // API clients that ask for JSON keep getting the signed credential...
    for accept in [
        "application/ld+json",
        "application/json",
        "application/json, text/html;q=0.5",
        "application/vc+ld+json, */*;q=0.1",
    ] {
        let r = page(&app, &path, &[("accept", accept)]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.content_type, "application/ld+json", "Accept {accept:?}");
        assert_eq!(r.body, doc);
    }
    let r = page(&app, &format!("{path}?format=json"), &[("accept", "*/*")]).await;
    assert_eq!(r.body, doc, "?format=json");
    // ... and link preview crawlers, which ask for anything or nothing, get the page and its tags.
    for accept in [None, Some("*/*")] {
        let headers: Vec<(&str, &str)> = accept.map(|a| vec![("accept", a)]).unwrap_or_default();
        let r = page(&app, &path, &headers).await;
        assert!(r.content_type.starts_with("text/html"), "Accept {accept:?}: {}", r.content_type);
        assert!(meta(&r.text, "og:image").is_some());
    }
}

#[tokio::test]
async fn pages_speak_french_when_asked_and_remember_the_switch() {
    let crate::common::Issued { app, id, .. } = crate::common::issued().await;
    let path = format!("/credentials/{id}");
    let fr = page(&app, &path, &[HTML, FRENCH]).await;
    assert_eq!(fr.status, StatusCode::OK);
    assert!(fr.text.contains("<html lang=\"fr\">"));
    assert_eq!(fr.headers["content-language"], "fr");
    assert!(fr.text.contains(">Valide<"));
    assert!(fr.text.contains("Ajouter au profil LinkedIn"));
    assert!(fr.text.contains("<dd>Microtitre</dd>"), "the achievement type in French");
    assert!(fr.text.contains("réussie\u{202f}: "), "French punctuation in the checks");
    assert!(fr.text.contains(&format!("href=\"/credentials/{id}?lang=en\"")), "a switch back to English");

    // The switch sets a cookie that later pages follow, over Accept-Language.
    let switched = page(&app, &format!("{path}?lang=fr"), &[HTML, ("accept-language", "en")]).await;
    assert!(switched.text.contains("<html lang=\"fr\">"));
    let cookie = switched.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("lang=fr;"), "{cookie}");
    let later = page(&app, "/verify", &[HTML, ("accept-language", "en"), ("cookie", "lang=fr")]).await;
    assert!(later.text.contains("<html lang=\"fr\">"));
    assert!(later.text.contains("Vérifier un badge"));
}

#[tokio::test]
async fn revoked_and_suspended_badges_still_load_and_say_so() {
    let crate::common::Issued { app, key, id, .. } = crate::common::issued().await;
    let path = format!("/credentials/{id}");
    let suspend = json!({"reason": "Registrar case 2026-14 opened", "publicReason": "Under review"});
    let r = app.post(&format!("/api/v1/organizations/ccaa/credentials/{id}/suspend"), Some(&key), &suspend).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["suspensionReason"].as_str(), r.body["publicReason"].as_str()),
        (Some("Registrar case 2026-14 opened"), Some("Under review"))
    );
    let suspended = page(&app, &path, &[HTML]).await;
    assert_eq!(suspended.status, StatusCode::OK);
    assert!(suspended.text.contains("class=\"status suspended\""));
    assert!(suspended.text.contains("This badge is suspended by its issuer."));
    assert!(suspended.text.contains("Reason: Under review"), "the public reason is shown: {}", suspended.text);
    assert!(!suspended.text.contains("Registrar case"), "the organization's own reason is not");

    // Lifting the suspension clears both reasons.
    let r = app.post(&format!("/api/v1/organizations/ccaa/credentials/{id}/unsuspend"), Some(&key), &json!({})).await;
    assert_eq!(
        (r.body["state"].as_str(), &r.body["publicReason"], &r.body["suspensionReason"]),
        (Some("issued"), &json!(null), &json!(null))
    );
    // A suspension without a body still works, and says nothing more than "suspended".
    let r = app
        .send(Method::POST, &format!("/api/v1/organizations/ccaa/credentials/{id}/suspend"), Some(&key), None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let quiet = page(&app, &path, &[HTML]).await;
    assert!(quiet.text.contains("This badge is suspended by its issuer.</strong></p>"), "{}", quiet.text);

    // A revocation's private reason stays private; the public one is shown.
    let r = app
        .post(
            &format!("/api/v1/organizations/ccaa/credentials/{id}/revoke"),
            Some(&key),
            &json!({"reason": "Plagiarism found in the portfolio", "publicReason": "Issued in error"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["revocationReason"], "Plagiarism found in the portfolio");
    let revoked = page(&app, &path, &[HTML, FRENCH]).await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert!(revoked.text.contains("class=\"status revoked\""));
    assert!(revoked.text.contains("Ce badge a été révoqué par son émetteur."));
    assert!(
        revoked.text.contains("Motif\u{202f}: Issued in error"),
        "the public reason is shown, with French punctuation"
    );
    assert!(!revoked.text.contains("Plagiarism"), "the private reason is not");
    assert!(!revoked.text.contains("id=\"linkedin-add\""), "a revoked badge cannot be shared");
    assert!(!revoked.text.contains("/badge.png\" download"));
    assert!(revoked.text.contains("id=\"sharing-off\""));
    assert!(!suspended.text.contains("id=\"linkedin-add\""), "nor a suspended one");
    let certificate = page(&app, &format!("{path}/print"), &[HTML]).await;
    assert!(certificate.text.contains("This badge has been revoked by its issuer."));
}

#[tokio::test]
async fn printable_certificate_has_the_qr_code_and_the_learner() {
    let crate::common::Issued { app, id, .. } = crate::common::issued().await;
    let r = page(&app, &format!("/credentials/{id}/print"), &[HTML]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Certificate of achievement"));
    assert!(r.text.contains("Nadia"));
    assert!(r.text.contains(&format!("src=\"/credentials/{id}/qr.svg\"")));
    let missing = page(&app, "/credentials/00000000-0000-0000-0000-000000000000/print", &[HTML]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("Page not found"));
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_in_the_reader_language() {
    let app = crate::common::app().await;
    for path in ["/credentials/nope", "/issuers/nobody", "/achievements/none", "/no/such/page"] {
        let fr = page(&app, path, &[HTML, FRENCH]).await;
        assert_eq!(fr.status, StatusCode::NOT_FOUND, "{path}");
        assert!(fr.content_type.starts_with("text/html"), "{path}");
        assert!(fr.text.contains("Page introuvable"), "{path}");
        let api = app.get(path, None).await;
        api.assert_problem(404, None);
    }
    // API paths keep problem documents even for browsers.
    let api = page(&app, "/api/v1/nothing", &[HTML]).await;
    assert_eq!(api.content_type, "application/problem+json");
}

#[tokio::test]
async fn issuer_and_achievement_pages_and_their_json() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let issuer = page(&app, "/issuers/northern-college", &[HTML, FRENCH]).await;
    assert_eq!(issuer.status, StatusCode::OK, "{}", issuer.text);
    assert!(issuer.text.contains("Northern Ontario College of Applied Arts and Technology"));
    assert!(issuer.text.contains("Microtitres offerts"));
    assert!(issuer.text.contains("Collège"));
    let start = issuer.text.find("href=\"/achievements/").expect("an achievement link") + "href=\"".len();
    let href = issuer.text[start..start + issuer.text[start..].find('"').unwrap()].to_string();

    let json = app.get("/issuers/northern-college", None).await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.body["type"], json!(["Profile"]));
    let asked = page(&app, "/issuers/northern-college?format=json", &[HTML]).await;
    assert_eq!(asked.body["type"], json!(["Profile"]), "?format=json gives browsers the JSON");

    let a = page(&app, &href, &[HTML]).await;
    assert_eq!(a.status, StatusCode::OK, "{href}");
    assert!(a.text.contains("What it takes to earn it"));
    assert!(a.text.contains("Hours"));
    assert!(a.text.contains("Issued by"));
    // Achievement text keeps its own language on an English page.
    if a.text.contains("Gestion du temps") {
        assert!(a.text.contains("lang=\"fr-CA\""));
    }
    // The achievement id inside credentials (a version URL) is a page for browsers too.
    let version = page(&app, &format!("{href}/versions/1"), &[HTML]).await;
    assert_eq!(version.status, StatusCode::OK);
    assert!(version.text.contains("What it takes to earn it"));
    assert_eq!(app.get(&format!("{href}/versions/1"), None).await.content_type, "application/json");
    let a_json = app.get(&href, None).await;
    assert_eq!(a_json.status, StatusCode::OK);
    assert!(a_json.body["type"].to_string().contains("Achievement"));
}

/// Only the URLs that are both a document and a page answer browsers with a page: a status
/// list, a DID document or a path one segment longer stays what it is, and a version that is
/// not a number is a missing page, not a server error.
#[tokio::test]
async fn browsers_get_pages_only_where_a_page_exists() {
    let app = crate::common::app().await;
    credence::demo::load(&app.store).await.unwrap();
    let list = page(&app, "/status/northern-college/revocation", &[HTML]).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.content_type, "application/vc+ld+json", "a status list is not a page");
    assert_eq!(list.body["type"], json!(["VerifiableCredential", "BitstringStatusListCredential"]));

    let issuer = page(&app, "/issuers/northern-college", &[HTML]).await;
    let start = issuer.text.find("href=\"/achievements/").expect("an achievement link") + "href=\"".len();
    let href = issuer.text[start..start + issuer.text[start..].find('"').unwrap()].to_string();

    let bad_version = page(&app, &format!("{href}/versions/first"), &[HTML]).await;
    assert_eq!(bad_version.status, StatusCode::NOT_FOUND);
    assert!(bad_version.content_type.starts_with("text/html"), "{}", bad_version.content_type);
    let deeper = page(&app, &format!("{href}/versions/1/extra"), &[HTML]).await;
    assert_eq!(deeper.status, StatusCode::NOT_FOUND);

    let request = Request::builder().method(Method::HEAD).uri(&href).header(HTML.0, HTML.1);
    let head = app.send_request(request.body(Body::empty()).unwrap()).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.content_type.starts_with("text/html"), "a HEAD of a page is the page's: {}", head.content_type);
}

fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "XcredenceBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, file_name, data) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn submit(
    app: &crate::common::TestApp,
    fields: &[(&str, Option<&str>, &[u8])],
    lang: (&str, &str),
) -> crate::common::Response {
    let (content_type, body) = multipart(fields);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/verify")
        .header("content-type", content_type)
        .header("accept", HTML.1)
        .header(lang.0, lang.1)
        .body(Body::from(body))
        .unwrap();
    app.send_request(request).await
}

#[tokio::test]
async fn verification_page_reports_in_plain_language() {
    let crate::common::Issued { app, id, doc, .. } = crate::common::issued().await;
    let form = page(&app, "/verify", &[HTML]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("enctype=\"multipart/form-data\""));
    assert!(form.text.contains("<label for=\"file\">"));

    // The badge page's "verify" link.
    let url = format!("{}/credentials/{id}", crate::common::PUBLIC_URL);
    let by_link = page(&app, &format!("/verify?url={}", url.replace(':', "%3A").replace('/', "%2F")), &[HTML]).await;
    assert_eq!(by_link.status, StatusCode::OK);
    assert!(by_link.text.contains("class=\"status valid\""), "{}", by_link.text);

    // Pasted JSON, with the candidate's email (right, then wrong).
    let text = doc.to_string();
    let right = submit(
        &app,
        &[
            ("credential", None, text.as_bytes()),
            ("recipientEmail", None, b"nadia@example.com"),
            ("file", Some(""), b""),
        ],
        ("accept-language", "en"),
    )
    .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.text);
    assert!(right.text.contains("class=\"status valid\""));
    assert!(right.text.contains("The email matches the person this badge was issued to."));
    let wrong = submit(
        &app,
        &[("credential", None, text.as_bytes()), ("recipientEmail", None, b"someone@example.com")],
        FRENCH,
    )
    .await;
    assert!(wrong.text.contains("Le courriel ne correspond pas"));
    // An authentic badge shown for the wrong person is not called altered.
    assert!(wrong.text.contains("Authentique, mais délivré à une autre personne"), "{}", wrong.text);
    assert!(wrong.text.contains("class=\"status other-recipient\""), "{}", wrong.text);
    assert!(!wrong.text.contains("il a peut-être été modifié"), "{}", wrong.text);
    let wrong_en = submit(
        &app,
        &[("credential", None, text.as_bytes()), ("recipientEmail", None, b"someone@example.com")],
        ("accept-language", "en"),
    )
    .await;
    assert!(wrong_en.text.contains("Authentic, but issued to someone else"), "{}", wrong_en.text);
    assert!(!wrong_en.text.contains("unverified-claims"), "{}", wrong_en.text);

    // A baked image uploaded as a file; a pasted URL.
    let png = credence_core::baking::bake_png(
        &crate::common::tiny_png(),
        &credence_core::baking::BakedCredential::from_text(&text).unwrap(),
    )
    .unwrap();
    let uploaded =
        submit(&app, &[("credential", None, b""), ("file", Some("badge.png"), &png)], ("accept-language", "en")).await;
    assert!(uploaded.text.contains("class=\"status valid\""), "{}", uploaded.text);
    let pasted_url = submit(&app, &[("credential", None, url.as_bytes())], ("accept-language", "en")).await;
    assert!(pasted_url.text.contains("class=\"status valid\""));

    // A tampered copy fails, and its text is shown escaped.
    let mut tampered = doc.clone();
    tampered["credentialSubject"]["achievement"]["name"] = json!("<script>alert(1)</script>");
    let t = tampered.to_string();
    let bad = submit(&app, &[("credential", None, t.as_bytes())], ("accept-language", "en")).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.text.contains("class=\"status invalid\""));
    assert!(!bad.text.contains("<script>alert(1)</script>"));
    assert!(bad.text.contains("&#60;script&#62;") || bad.text.contains("&lt;script&gt;"));
    // What a failed proof does not cover is shown as the document's claim, apart from facts.
    assert!(bad.text.contains("id=\"unverified-claims\""), "{}", bad.text);
    assert!(bad.text.contains("What the document claims (not verified)"), "{}", bad.text);
    assert!(bad.text.contains("Claims to be issued by"), "{}", bad.text);
    assert!(!bad.text.contains("<dt>Issued by</dt>"), "{}", bad.text);
    assert!(!right.text.contains("unverified-claims"));

    // The forged VC-JWT (a fresh key carried in its header) is not valid, and its claims
    // (a registered issuer's name) are shown as claims.
    let forged = crate::common::forged_jwk_token(&doc);
    let forged_page = submit(&app, &[("credential", None, forged.as_bytes())], FRENCH).await;
    assert_eq!(forged_page.status, StatusCode::OK, "{}", forged_page.text);
    assert!(forged_page.text.contains("class=\"status invalid\""), "{}", forged_page.text);
    assert!(!forged_page.text.contains("class=\"status valid\""), "{}", forged_page.text);
    assert!(forged_page.text.contains("Ce que le document affirme (non vérifié)"), "{}", forged_page.text);
    assert!(forged_page.text.contains("Prétend être délivré par"), "{}", forged_page.text);

    // Not a badge, and nothing at all: a clear message, no stack trace.
    let garbage = submit(&app, &[("file", Some("notes.txt"), b"hello there")], ("accept-language", "en")).await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbage.content_type.starts_with("text/html"));
    assert!(garbage.text.contains("This could not be read as a badge."), "{}", garbage.text);
    let empty = submit(&app, &[("credential", None, b"  ")], FRENCH).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text.contains("Collez un lien de badge"));
    let truncated = submit(&app, &[("file", Some("badge.png"), &png[..40])], ("accept-language", "en")).await;
    assert_eq!(truncated.status, StatusCode::UNPROCESSABLE_ENTITY);
    let foreign =
        submit(&app, &[("credential", None, b"https://elsewhere.example/credentials/1")], ("accept-language", "en"))
            .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_pasted_presentation_shows_each_credential_in_it() {
    let crate::common::Issued { app, doc, .. } = crate::common::issued().await;
    let mut altered = doc.clone();
    altered["name"] = json!("changed");
    // A wallet's export: a presentation without the holder's signature.
    let vp = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
        "holder": "did:example:nadia", "verifiableCredential": [doc, altered]});
    let text = vp.to_string();
    for (lang, presented_by, second) in
        [(("accept-language", "en"), "Presented by", "Credential 2 of 2"), (FRENCH, "Présenté par", "Titre 2 sur 2")]
    {
        let r = submit(&app, &[("credential", None, text.as_bytes())], lang).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.text.contains("id=\"presentation\""), "{}", r.text);
        assert!(r.text.contains(presented_by), "{}", r.text);
        assert!(r.text.contains("did:example:nadia"));
        assert!(r.text.contains(second), "{}", r.text);
        // The first credential is valid, the altered one is not, and the presentation as a
        // whole is not valid.
        let first = r.text.split("id=\"credential-1\"").nth(1).unwrap().split("id=\"credential-2\"").next().unwrap();
        assert!(first.contains("class=\"status valid\""), "{first}");
        let rest = r.text.split("id=\"credential-2\"").nth(1).unwrap();
        assert!(rest.contains("class=\"status invalid\""), "{rest}");
        let own = r.text.split("id=\"presentation\"").nth(1).unwrap().split("id=\"credential-1\"").next().unwrap();
        assert!(own.contains("class=\"status invalid\""), "{own}");
        assert!(!r.text.contains("id=\"result\""));
    }
}

#[tokio::test]
async fn browsers_refused_by_the_rate_limit_get_a_page_that_says_when_to_retry() {
    let app = crate::common::app_with(|s| s.with_rate_limit(1)).await;
    let mut refused = None;
    for _ in 0..30 {
        let r = page(&app, "/verify", &[HTML, FRENCH]).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(r);
            break;
        }
    }
    let r = refused.expect("the limit (bursts of 10) refuses within 30 quick requests");
    assert!(r.content_type.starts_with("text/html"), "{}", r.content_type);
    assert!(r.text.contains("Trop de requêtes"));
    assert!(r.headers.get("retry-after").is_some());
    // API clients keep the problem document.
    let api = app.post("/api/v1/verify", None, &json!({"id": "x"})).await;
    api.assert_problem(429, None);
}
