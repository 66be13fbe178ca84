//! The public files of a credential: baked badges that unbake to the stored
//! credential and verify, the unbaked artwork (the achievement's own image when it
//! is a usable data URI, a generated badge otherwise), QR codes that decode to the
//! credential's URL, the JSON download, and their headers.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::TestApp;
use credence_core::baking::{self, BakedCredential};

const FILES: [&str; 7] = ["badge.png", "badge.svg", "image.png", "image.svg", "qr.png", "qr.svg", "credential.json"];

struct Fetched {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Fetched {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }
}

/// GET with the raw bytes of the answer.
async fn fetch(app: &TestApp, path: &str, if_none_match: Option<&str>) -> Fetched {
    let mut request = Request::builder().method(Method::GET).uri(path);
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Fetched { status, headers, body }
}

fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).expect("PNG pixels");
    buffer.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let luma = buffer.chunks_exact(channels).map(|p| p[0]).collect();
    (info.width, info.height, luma)
}

/// Decodes every QR code in a greyscale image with rqrr, checking that each has
/// error correction level M or better.
fn decode_qr(width: usize, height: usize, luma: &[u8]) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    let mut texts = Vec::new();
    for grid in prepared.detect_grids() {
        let (meta, text) = grid.decode().expect("QR decodes");
        // The format bits: 1 is level L (7 %); 0 is M, 3 is Q, 2 is H.
        assert_ne!(meta.ecc_level, 1, "error correction level L");
        texts.push(text);
    }
    texts
}

/// Issues a credential for an achievement of organization `college` defined by `achievement`.
async fn issue_for(achievement: Value) -> (TestApp, String) {
    let app = crate::common::app().await;
    let key = app.org_with_key("college").await;
    let r = app.post("/api/v1/organizations/college/achievements", Some(&key), &achievement).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let result = json!({"achievement": achievement["slug"], "component": "session", "completed": true,
        "learner": {"email": "lee@example.com"}});
    let r = app.post("/api/v1/organizations/college/results", Some(&key), &result).await;
    assert_eq!(r.body["state"], "issued", "{}", r.text);
    let id = r.body["credential"]["id"].as_str().unwrap().to_owned();
    (app, id)
}

fn achievement(name: &str, image: Option<&str>) -> Value {
    let mut a = json!({
        "slug": "session", "name": name, "description": "One session.",
        "criteria": {"narrative": "Attend the session."}, "achievementType": "Badge", "tier": "badge",
        "language": "en", "rule": {"allOf": [{"component": "session", "completed": true}]}
    });
    if let Some(url) = image {
        a["image"] = json!({"url": url, "caption": "Our own badge"});
    }
    a
}

fn png_data_uri(width: u32, height: u32, rgb: [u8; 3]) -> String {
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let pixels: Vec<u8> = (0..width * height).flat_map(|_| rgb).collect();
    encoder.write_header().unwrap().write_image_data(&pixels).unwrap();
    format!("data:image/png;base64,{}", STANDARD.encode(png))
}

#[tokio::test]
async fn baked_badges_unbake_to_the_stored_credential_and_verify() {
    let t = crate::common::issued().await;
    let stored = t.app.store.credential(&t.id).await.unwrap().unwrap().document;
    let json = fetch(&t.app, &format!("/credentials/{}/credential.json", t.id), None).await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.header(header::CONTENT_TYPE), "application/ld+json");
    assert_eq!(
        json.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"numeracy-for-aviation-and-aerospace-credential.json\""
    );
    assert_eq!(serde_json::from_slice::<Value>(&json.body).unwrap(), stored);
    assert_eq!(serde_json::from_slice::<Value>(&json.body).unwrap(), t.doc);
    let stored_text = json.text().to_owned();

    for (file, media) in [("badge.png", "image/png"), ("badge.svg", "image/svg+xml")] {
        let r = fetch(&t.app, &format!("/credentials/{}/{file}", t.id), None).await;
        assert_eq!(r.status, StatusCode::OK, "{file}");
        assert_eq!(r.header(header::CONTENT_TYPE), media);
        let extension = &file[6..];
        assert_eq!(
            r.header(header::CONTENT_DISPOSITION),
            format!("attachment; filename=\"numeracy-for-aviation-and-aerospace.{extension}\"")
        );
        let baked = if media == "image/png" {
            decode_png(&r.body);
            baking::unbake_png(&r.body).unwrap()
        } else {
            roxmltree::Document::parse(r.text()).expect("well-formed SVG");
            baking::unbake_svg(r.text()).unwrap()
        };
        assert_eq!(baked, BakedCredential::Json(stored_text.clone()), "{file}");
        let v = t.app.send(Method::POST, "/api/v1/verify", None, Some(Body::from(r.body.clone())), Some(media)).await;
        assert_eq!(v.body["result"], "valid", "{file}: {}", v.text);
        assert_eq!(v.body["credential"], stored);
    }
}

#[tokio::test]
async fn files_are_cached_by_etag_and_unknown_credentials_are_404() {
    let t = crate::common::issued().await;
    for file in FILES {
        let path = format!("/credentials/{}/{file}", t.id);
        let first = fetch(&t.app, &path, None).await;
        assert_eq!(first.status, StatusCode::OK, "{file}");
        assert_eq!(first.header(header::CACHE_CONTROL), "public, max-age=86400", "{file}");
        assert_eq!(first.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{file}");
        let etag = first.header(header::ETAG).to_owned();
        assert!(etag.starts_with('"') && etag.len() > 10, "{file}: {etag}");
        let again = fetch(&t.app, &path, Some(&etag)).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{file}");
        assert!(again.body.is_empty());
        assert_eq!(again.header(header::ETAG), etag);
        let other = fetch(&t.app, &path, Some("\"something-else\"")).await;
        assert_eq!(other.status, StatusCode::OK, "{file}");
        assert_eq!(other.body, first.body, "{file} is deterministic");
        if file.ends_with(".svg") {
            assert!(first.header(header::CONTENT_SECURITY_POLICY).contains("default-src 'none'"), "{file}");
        }
        let missing = t.app.get(&format!("/credentials/{}/{file}", uuid::Uuid::new_v4()), None).await;
        missing.assert_problem(404, None);
        assert_eq!(missing.body["type"], t.app.get("/credentials/nope", None).await.body["type"]);
    }
    // Revocation does not change the files.
    let before = fetch(&t.app, &format!("/credentials/{}/badge.png", t.id), None).await;
    let r = t
        .app
        .post(
            &format!("/api/v1/organizations/ccaa/credentials/{}/revoke", t.id),
            Some(&t.key),
            &json!({"reason": "test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let after = fetch(&t.app, &format!("/credentials/{}/badge.png", t.id), None).await;
    assert_eq!((&after.body, after.header(header::ETAG)), (&before.body, before.header(header::ETAG)));
}

#[tokio::test]
async fn qr_codes_decode_to_the_credential_url() {
    let t = crate::common::issued().await;
    let url = format!("{}/credentials/{}", crate::common::PUBLIC_URL, t.id);
    assert_eq!(t.doc["id"], url);

    let png = fetch(&t.app, &format!("/credentials/{}/qr.png", t.id), None).await;
    assert_eq!(png.header(header::CONTENT_TYPE), "image/png");
    assert_eq!(
        png.header(header::CONTENT_DISPOSITION),
        "inline; filename=\"numeracy-for-aviation-and-aerospace-qr.png\""
    );
    let (width, height, luma) = decode_png(&png.body);
    assert_eq!(width, height);
    assert_eq!(decode_qr(width as usize, height as usize, &luma), vec![url.clone()]);
    // A quiet zone: the outer 4 modules (32 px) are white all around.
    let side = width as usize;
    for i in 0..side {
        for edge in 0..32 {
            assert_eq!(luma[edge * side + i], 255);
            assert_eq!(luma[i * side + edge], 255);
            assert_eq!(luma[(side - 1 - edge) * side + i], 255);
            assert_eq!(luma[i * side + side - 1 - edge], 255);
        }
    }

    // The SVG: well-formed, one unit per module, runs of dark modules as `M x y h n v1 H x z`.
    let svg = fetch(&t.app, &format!("/credentials/{}/qr.svg", t.id), None).await;
    assert_eq!(svg.header(header::CONTENT_TYPE), "image/svg+xml");
    let doc = roxmltree::Document::parse(svg.text()).expect("well-formed SVG");
    let root = doc.root_element();
    assert_eq!(root.attribute("role"), Some("img"));
    let modules: usize = root.attribute("viewBox").unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(modules * 8, side, "the SVG and the PNG have the same modules");
    let d = doc.descendants().find(|n| n.has_tag_name("path")).unwrap().attribute("d").unwrap();
    let mut dark = vec![false; modules * modules];
    for run in d.split('z').filter(|r| !r.is_empty()) {
        let numbers: Vec<usize> =
            run.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
        let [x, y, n, 1, x2] = numbers[..] else { panic!("unexpected run {run}") };
        assert_eq!(x, x2);
        for i in x..x + n {
            dark[y * modules + i] = true;
        }
    }
    // Every module of the SVG matches the PNG's pixel at the module's centre.
    for y in 0..modules {
        for x in 0..modules {
            let pixel = luma[(y * 8 + 4) * side + x * 8 + 4];
            assert_eq!(dark[y * modules + x], pixel == 0, "module {x},{y}");
        }
    }
    // And drawn on its own, the SVG's module grid decodes too.
    let scale = 6;
    let grid: Vec<u8> = (0..modules * scale * modules * scale)
        .map(
            |i| if dark[(i / (modules * scale) / scale) * modules + (i % (modules * scale)) / scale] { 0 } else { 255 },
        )
        .collect();
    assert_eq!(decode_qr(modules * scale, modules * scale, &grid), vec![url]);
}

#[tokio::test]
async fn the_generated_badge_is_a_png_and_an_accessible_escaped_svg() {
    let name = "Tom's <Workshop> & \"Safety\"";
    let (app, id) = issue_for(achievement(name, Some("https://college.example.org/never-fetched.png"))).await;
    let png = fetch(&app, &format!("/credentials/{id}/image.png"), None).await;
    assert_eq!(png.header(header::CONTENT_TYPE), "image/png");
    assert_eq!(png.header(header::CONTENT_DISPOSITION), "inline; filename=\"tom-s-workshop-safety-image.png\"");
    assert!(png.body.len() < 100_000, "{} bytes", png.body.len());
    let (width, height, luma) = decode_png(&png.body);
    assert_eq!((width, height), (512, 512));
    assert!(luma.iter().any(|&l| l > 200) && luma.iter().any(|&l| l < 120), "the design has light and dark parts");

    let svg = fetch(&app, &format!("/credentials/{id}/image.svg"), None).await;
    assert_eq!(svg.header(header::CONTENT_TYPE), "image/svg+xml");
    let text = svg.text();
    assert!(text.contains("Tom&apos;s &lt;Workshop&gt; &amp; &quot;Safety&quot;"), "{text}");
    assert!(!text.contains("<Workshop>"));
    let doc = roxmltree::Document::parse(text).expect("well-formed SVG");
    let root = doc.root_element();
    assert_eq!(root.attribute("role"), Some("img"));
    let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
    assert_eq!(title.text(), Some(format!("{name} badge, issued by Org college").as_str()));
    let lines: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect();
    assert!(lines.contains(&"Org college"), "{lines:?}");
    assert!(lines.contains(&"BADGE"), "{lines:?}");
    assert_eq!(
        lines.iter().filter(|l| !["Org college", "BADGE"].contains(l)).copied().collect::<Vec<_>>().join(" "),
        name
    );
}

#[tokio::test]
async fn the_achievement_image_is_used_when_it_decodes() {
    let (app, id) = issue_for(achievement("Own image", Some(&png_data_uri(40, 30, [10, 120, 200])))).await;
    let png = fetch(&app, &format!("/credentials/{id}/image.png"), None).await;
    let (width, height, red) = decode_png(&png.body);
    assert_eq!((width, height), (40, 30));
    assert!(red.iter().all(|&r| r == 10), "the supplied pixels");
    let baked = fetch(&app, &format!("/credentials/{id}/badge.png"), None).await;
    assert_eq!(decode_png(&baked.body).0, 40);
    assert!(matches!(baking::unbake_png(&baked.body), Ok(BakedCredential::Json(_))));
    let svg = fetch(&app, &format!("/credentials/{id}/image.svg"), None).await;
    roxmltree::Document::parse(svg.text()).expect("well-formed SVG");
    assert!(svg.text().contains("href=\"data:image/png;base64,"));

    let drawing = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><script>alert(1)</script><rect width=\"10\" height=\"10\" fill=\"#00ff00\"/></svg>";
    let uri = format!("data:image/svg+xml;base64,{}", STANDARD.encode(drawing));
    let (app, id) = issue_for(achievement("Own drawing", Some(&uri))).await;
    let png = fetch(&app, &format!("/credentials/{id}/image.png"), None).await;
    let (width, height, red) = decode_png(&png.body);
    assert_eq!((width, height), (512, 512));
    assert!(red.iter().all(|&r| r == 0), "green all over");
    let svg = fetch(&app, &format!("/credentials/{id}/badge.svg"), None).await;
    assert!(!svg.text().contains("<script"), "{}", svg.text());
    assert!(matches!(baking::unbake_svg(svg.text()), Ok(BakedCredential::Json(_))));
}

#[tokio::test]
async fn a_corrupt_achievement_image_is_replaced_by_the_generated_badge() {
    let mut truncated = png_data_uri(40, 30, [10, 120, 200]);
    truncated.truncate(truncated.len() - 16);
    let corrupt = [
        truncated,
        "data:image/png;base64,bm90LWEtcG5n".to_owned(), // "not-a-png"
        "data:image/png;base64,!!!!".to_owned(),
        "data:image/svg+xml,%3Csvg%3E%3Cunclosed%3E".to_owned(),
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=".to_owned(),
    ];
    for uri in corrupt {
        let (app, id) = issue_for(achievement("Fallback", Some(&uri))).await;
        let png = fetch(&app, &format!("/credentials/{id}/image.png"), None).await;
        assert_eq!(png.status, StatusCode::OK, "{uri}");
        assert_eq!(decode_png(&png.body).0, 512, "{uri}");
        let svg = fetch(&app, &format!("/credentials/{id}/image.svg"), None).await;
        assert!(svg.text().contains(">Fallback</text>"), "{uri}: {}", svg.text());
        let baked = fetch(&app, &format!("/credentials/{id}/badge.png"), None).await;
        assert!(baking::unbake_png(&baked.body).is_ok(), "{uri}");
    }
}

#[tokio::test]
async fn the_link_preview_card_is_open_graph_sized_and_speaks_the_readers_language() {
    let t = crate::common::issued().await;
    let path = format!("/credentials/{}/preview.png", t.id);
    let en = fetch(&t.app, &format!("{path}?lang=en"), None).await;
    assert_eq!(en.status, StatusCode::OK);
    assert_eq!(en.header(header::CONTENT_TYPE), "image/png");
    let (width, height, _) = decode_png(&en.body);
    assert_eq!((width, height), (1200, 630));
    let fr = fetch(&t.app, &format!("{path}?lang=fr"), None).await;
    assert_ne!(fr.body, en.body, "the card's words follow the language");
    assert_ne!(fr.header(header::ETAG), en.header(header::ETAG));
    // Revalidation: the same card is not sent again.
    let again = fetch(&t.app, &format!("{path}?lang=en"), Some(en.header(header::ETAG))).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(fetch(&t.app, "/credentials/nope/preview.png", None).await.status, StatusCode::NOT_FOUND);
}
