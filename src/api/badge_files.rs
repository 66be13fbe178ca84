//! Public files of a credential, for the learner and employer pages: the badge
//! baked with the signed credential (PNG, SVG), the same artwork unbaked (for
//! `<img>` and Open Graph previews), a QR code of the credential's public URL,
//! and the credential JSON as a download.
//!
//! Stored credentials are never re-signed, so every file is a function of the
//! stored document (and `images::ARTWORK_VERSION`): each carries an ETag and may
//! be cached publicly. Revocation does not change them; verification tells it.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiPath;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::http::problem::Problem;
use crate::images::qr::QrMatrix;
use crate::images::{self, ARTWORK_VERSION, BadgeFacts, ImageError};
use credence_core::baking::{self, BakedCredential};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(badge_png))
        .routes(routes!(badge_svg))
        .routes(routes!(image_png))
        .routes(routes!(image_svg))
        .routes(routes!(qr_png))
        .routes(routes!(qr_svg))
        .routes(routes!(preview_png))
        .routes(routes!(credential_json))
}

/// The bytes of an image file (the OpenAPI schema of PNG answers).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
struct Binary(Vec<u8>);

/// How long caches may keep a file without asking again.
const CACHE_CONTROL: &str = "public, max-age=86400";
/// Kept on SVG answers: if one is opened directly, nothing in it runs or loads.
const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/// Renderings running at once; the rest wait (artwork is remembered, so this is rare).
static RENDERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// The files of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum File {
    BadgePng,
    BadgeSvg,
    ImagePng,
    ImageSvg,
    QrPng,
    QrSvg,
    Json,
    PreviewPng,
}

impl File {
    fn tag(self) -> &'static str {
        match self {
            File::BadgePng => "badge-png",
            File::BadgeSvg => "badge-svg",
            File::ImagePng => "image-png",
            File::ImageSvg => "image-svg",
            File::QrPng => "qr-png",
            File::QrSvg => "qr-svg",
            File::Json => "json",
            File::PreviewPng => "preview-png",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            File::BadgePng | File::ImagePng | File::QrPng | File::PreviewPng => "image/png",
            File::BadgeSvg | File::ImageSvg | File::QrSvg => "image/svg+xml",
            File::Json => "application/ld+json",
        }
    }

    /// `Content-Disposition`: downloads for the baked badge and the JSON, inline otherwise.
    fn disposition(self, stem: &str) -> String {
        let (kind, name) = match self {
            File::BadgePng => ("attachment", format!("{stem}.png")),
            File::BadgeSvg => ("attachment", format!("{stem}.svg")),
            File::Json => ("attachment", format!("{stem}-credential.json")),
            File::ImagePng => ("inline", format!("{stem}-image.png")),
            File::ImageSvg => ("inline", format!("{stem}-image.svg")),
            File::QrPng => ("inline", format!("{stem}-qr.png")),
            File::QrSvg => ("inline", format!("{stem}-qr.svg")),
            File::PreviewPng => ("inline", format!("{stem}-preview.png")),
        };
        format!("{kind}; filename=\"{name}\"")
    }

    /// The files that show the achievement's name.
    fn is_artwork(self) -> bool {
        matches!(self, File::BadgePng | File::BadgeSvg | File::ImagePng | File::ImageSvg | File::PreviewPng)
    }

    /// What the learner keeps (counted as a download): the credential and the baked
    /// badges, not the images pages show.
    fn is_download(self) -> bool {
        matches!(self, File::Json | File::BadgePng | File::BadgeSvg)
    }

    /// The file's bytes, from the stored credential's JSON text and public URL.
    fn render(self, facts: &BadgeFacts, credential: String, url: &str, lang: &str) -> Result<Vec<u8>, FileError> {
        let baked = || BakedCredential::Json(credential.clone());
        let qr_title = || format!("QR code of {}", facts.title());
        Ok(match self {
            File::Json => credential.into_bytes(),
            File::BadgePng => baking::bake_png(&images::artwork(facts)?.png, &baked())?,
            File::BadgeSvg => baking::bake_svg(&images::artwork(facts)?.svg, &baked())?.into_bytes(),
            File::ImagePng => images::artwork(facts)?.png.clone(),
            File::ImageSvg => images::artwork(facts)?.svg.clone().into_bytes(),
            File::QrPng => QrMatrix::new(url)?.to_png()?,
            File::QrSvg => QrMatrix::new(url)?.to_svg(&qr_title()).into_bytes(),
            File::PreviewPng => {
                let footer = if lang == "fr" {
                    "Badge numérique vérifiable · Open Badges 3.0"
                } else {
                    "Verifiable digital badge · Open Badges 3.0"
                };
                images::preview::preview_png(facts, &images::artwork(facts)?.png, footer)?
            }
        })
    }
}

/// Why a file could not be made: always a fault of ours, never of the request.
#[derive(Debug, thiserror::Error)]
enum FileError {
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Baking(#[from] baking::BakingError),
}

/// The language asked for by `?lang=en` or `?lang=fr`; any other query asks for none.
fn asked_language(query: Option<&str>) -> Option<&'static str> {
    let value = query?.split('&').find_map(|pair| pair.strip_prefix("lang="))?;
    ["en", "fr"].into_iter().find(|l| *l == value)
}

/// Answers with `file` of the credential `id`, or 304 when the client has it. The artwork
/// bears the achievement's name in `lang` when the signed achievement names an edition in
/// that language (`related`); the language is then part of the ETag, as it is of the URL.
async fn serve(state: &AppState, id: &str, request: &HeaderMap, file: File, lang: Option<&str>) -> AppResult<Response> {
    let stored = state.store.credential(id).await?.ok_or(AppError::NotFound("credential"))?;
    let edition = match lang {
        Some(lang) if file.is_artwork() => crate::app::editions::credential_edition(&state.store, &stored, lang)
            .await?
            .map(|edition| (lang, edition.name)),
        _ => None,
    };
    let text = serde_json::to_string(&stored.document).map_err(|e| AppError::Internal(e.to_string()))?;
    let digest = Sha256::digest(text.as_bytes());
    // The preview's own words follow the language asked for, with or without an edition in it.
    let card_lang = if file == File::PreviewPng { lang.unwrap_or("en") } else { "en" }.to_string();
    let edition_tag = match (&edition, file) {
        (_, File::PreviewPng) => format!("-{card_lang}"),
        (Some((lang, _)), _) => format!("-{lang}"),
        (None, _) => String::new(),
    };
    let etag = format!("\"{}-v{ARTWORK_VERSION}-{}{edition_tag}\"", file.tag(), hex::encode(&digest[..12]));
    let mut headers = HeaderMap::new();
    insert(&mut headers, header::ETAG, &etag)?;
    insert(&mut headers, header::CACHE_CONTROL, CACHE_CONTROL)?;
    let cached = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if cached {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let mut facts = BadgeFacts::from_credential(&stored.document);
    if let Some((_, name)) = edition {
        facts.achievement_name = name;
    }
    let url = state.store.credential_url(&stored.id);
    let stem = facts.file_stem();
    let body = {
        let _permit = RENDERS.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || file.render(&facts, text, &url, &card_lang))
            .await
            .map_err(|e| AppError::Internal(format!("rendering stopped: {e}")))?
            .map_err(|e| AppError::Internal(format!("the {} of credential {id} could not be made: {e}", file.tag())))?
    };
    if file.is_download() {
        state.store.count_later(&stored.id, crate::store::CredentialEvent::Downloaded, None);
    }
    insert(&mut headers, header::CONTENT_TYPE, file.content_type())?;
    insert(&mut headers, header::CONTENT_DISPOSITION, &file.disposition(&stem))?;
    insert(&mut headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff")?;
    if file.content_type() == "image/svg+xml" {
        insert(&mut headers, header::CONTENT_SECURITY_POLICY, SVG_CSP)?;
    }
    Ok((StatusCode::OK, headers, body).into_response())
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) -> AppResult<()> {
    let value = HeaderValue::from_str(value).map_err(|e| AppError::Internal(format!("header {name}: {e}")))?;
    headers.insert(name, value);
    Ok(())
}

/// Public GET endpoints, each answering one file of a credential through `serve`:
/// name, path, media type, OpenAPI schema, description, file.
macro_rules! file_endpoints {
    ($($(#[$doc:meta])* $name:ident $path:tt $media:tt $schema:ident $what:tt $file:expr;)*) => {$(
        $(#[$doc])*
        #[utoipa::path(get, path = $path, tag = "public",
            params(("id" = String, Path, description = "Credential id"),
                ("lang" = Option<String>, Query, description = "Artwork only: `en` or `fr`, the achievement's name in \
                    that language edition when the credential's achievement names one in `related`")),
            responses((status = 200, content_type = $media, body = $schema, description = $what),
                (status = 304, description = "Not modified (ETag)"),
                (status = "4XX", body = Problem, content_type = "application/problem+json")))]
        async fn $name(
            State(state): State<AppState>,
            ApiPath(id): ApiPath<String>,
            RawQuery(query): RawQuery,
            headers: HeaderMap,
        ) -> AppResult<Response> {
            serve(&state, &id, &headers, $file, asked_language(query.as_deref())).await
        }
    )*};
}

file_endpoints! {
    /// The badge as a PNG download, with the signed credential baked in as Open Badges
    /// 3.0 specifies (an `iTXt` chunk `openbadgecredential`). Verifiable by upload to
    /// `POST /api/v1/verify`.
    badge_png "/credentials/{id}/badge.png" "image/png" Binary "Baked PNG (attachment)" File::BadgePng;
    /// The badge as an SVG download, with the signed credential baked in as Open Badges
    /// 3.0 specifies (an `<openbadges:credential>` element).
    badge_svg "/credentials/{id}/badge.svg" "image/svg+xml" String "Baked SVG (attachment)" File::BadgeSvg;
    /// The badge artwork as a PNG, without the credential: for `<img>` and Open Graph
    /// or Twitter previews. The achievement's own PNG or SVG data URI image when it is
    /// usable, a generated 512 × 512 badge otherwise.
    image_png "/credentials/{id}/image.png" "image/png" Binary "Badge artwork" File::ImagePng;
    /// The badge artwork as an SVG, without the credential.
    image_svg "/credentials/{id}/image.svg" "image/svg+xml" String "Badge artwork" File::ImageSvg;
    /// A QR code (error correction M, quiet zone of 4 modules, 8 pixels per module)
    /// that opens the credential's public URL.
    qr_png "/credentials/{id}/qr.png" "image/png" Binary "QR code" File::QrPng;
    /// The QR code of the credential's public URL as an SVG (one unit per module).
    qr_svg "/credentials/{id}/qr.svg" "image/svg+xml" String "QR code" File::QrSvg;
    /// The badge's link preview card, 1200 × 630 (the Open Graph size): the artwork, the
    /// issuer, the achievement's name and a line saying it is a verifiable Open Badge,
    /// in English or, with `?lang=fr`, French. The badge page's `og:image`.
    preview_png "/credentials/{id}/preview.png" "image/png" Binary "Link preview card" File::PreviewPng;
    /// The signed credential JSON as stored, as a download.
    credential_json "/credentials/{id}/credential.json" "application/ld+json" Object
        "The signed OpenBadgeCredential (attachment)" File::Json;
}
