//! A micro-credential's artwork in the console: upload a PNG or SVG (a multipart form,
//! on a route of its own whose body cap is the image limit), or go back to the
//! generated design; the editor previews the artwork the badge gets.
//!
//! An upload goes through the limits and sanitizing of [`crate::images::supplied`]:
//! a PNG is decoded and encoded again, an SVG read by usvg and written out again,
//! and what is stored is that clean copy, as a data URI in the definition's `image`.

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::achievements::{Draft, Kept, editable_achievement, save_edit};
use super::{Can, Staff, csrf_matches, forbidden, see_other, with_form_cap};
use crate::app::AppState;
use crate::domain::achievement::{Achievement, ImageInput};
use crate::domain::validation::{FieldError, Reason};
use crate::error::AppError;
use crate::images::{self, BadgeFacts, ImageError, supplied};
use crate::web::claim_page::same_site_post;

/// Largest artwork form accepted, in bytes: the largest image and the form around it.
pub const MAX_ARTWORK_BYTES: usize = supplied::MAX_IMAGE_BYTES + 16 * 1024;

/// Longest text field of the artwork form read, in bytes (the CSRF token, the action).
const MAX_TEXT_FIELD: usize = 256;

pub fn routes() -> Router<AppState> {
    with_form_cap(Router::new().route("/console/achievements/{id}/artwork", post(change_artwork)), MAX_ARTWORK_BYTES)
}

/// The artwork `a` gets on its badges, as an SVG data URI for the editor's preview.
pub(super) fn preview(staff: &Staff, a: &Achievement) -> Option<String> {
    let facts = BadgeFacts {
        achievement_id: a.url.clone(),
        achievement_name: a.definition.name.clone(),
        achievement_type: Some(a.definition.achievement_type.clone()),
        issuer_id: staff.organization.profile().id.clone(),
        issuer_name: staff.organization.name.clone(),
        image: a.definition.image.as_ref().map(|i| i.url.clone()),
    };
    let art = images::artwork(&facts).ok()?;
    Some(format!("data:image/svg+xml;base64,{}", STANDARD.encode(art.svg.as_bytes())))
}

/// The clean copy of an uploaded image, as a data URI, or why it cannot be used.
fn cleaned(bytes: &[u8], title: &str) -> Result<String, Reason> {
    let media = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") { "image/png" } else { "image/svg+xml" };
    let uri = format!("data:{media};base64,{}", STANDARD.encode(bytes));
    let art = supplied::artwork(&uri, title).map_err(refusal)?;
    Ok(match art.source {
        images::ArtworkSource::SuppliedPng => format!("data:image/png;base64,{}", STANDARD.encode(&art.png)),
        _ => format!("data:image/svg+xml;base64,{}", STANDARD.encode(art.svg.as_bytes())),
    })
}

/// Why an upload is refused, as a message of the catalogue (so that a French page
/// says it in French); what an upload cannot cause stays as the image code says it.
fn refusal(e: ImageError) -> Reason {
    match e {
        ImageError::TooLarge { size, limit } => Reason::ImageTooLarge { size, limit },
        ImageError::Dimensions { width, height } => Reason::ImageDimensions { width, height },
        ImageError::PngDecode(detail) => Reason::ImagePng { detail },
        ImageError::Svg(detail) => Reason::ImageSvg { detail },
        other => Reason::Plain(other.to_string()),
    }
}

/// The fields of the artwork form: the CSRF token, the action, and the file.
#[derive(Default)]
struct Posted {
    csrf: String,
    action: String,
    file: Vec<u8>,
}

async fn read_form(request: Request, state: &AppState) -> Result<Posted, AppError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge { limit: MAX_ARTWORK_BYTES }
        } else {
            AppError::bad_request(Some("body"), format!("not a readable multipart form: {e}"))
        }
    };
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| AppError::UnsupportedMediaType(format!("send the artwork as a multipart form: {e}")))?;
    let mut posted = Posted::default();
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(unreadable)?;
        let text = || String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_TEXT_FIELD)]).into_owned();
        match name.as_str() {
            "csrf" => posted.csrf = text(),
            "action" => posted.action = text(),
            "file" => posted.file = bytes.to_vec(),
            _ => {}
        }
    }
    Ok(posted)
}

/// `POST /console/achievements/{id}/artwork`: issuer-admins upload a PNG or SVG
/// (`action=upload`) or choose the generated design (`action=generated`).
async fn change_artwork(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    if let Err(r) = staff.require(Can::Manage) {
        return *r;
    }
    if !same_site_post(request.headers(), &state.store.public_url) {
        return forbidden(&staff.page);
    }
    let posted = match read_form(request, &state).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if !csrf_matches(&staff.session, &[("csrf".to_string(), posted.csrf)]) {
        return forbidden(&staff.page);
    }
    let current = match editable_achievement(&state, &staff, &id).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let mut kept = Kept::of(&current);
    kept.image = match posted.action.as_str() {
        "generated" => None,
        "upload" => match cleaned(&posted.file, &current.definition.name) {
            Ok(url) => Some(ImageInput { url, caption: Some(current.definition.name.clone()) }),
            Err(reason) => {
                let error = FieldError::new("image", reason);
                return super::achievements::editor_page(&state, &staff, &current, vec![error]);
            }
        },
        _ => return see_other(&format!("/console/achievements/{}", current.id)),
    };
    let w = staff.page.pick(&super::achievements::EN, &super::achievements::FR);
    let (input, _, read) = Draft::of(&current).input(&kept, w);
    let def = match state.store.resolve_achievement(input).await {
        Ok(def) if read.is_empty() => def,
        Ok(_) => return super::achievements::editor_page(&state, &staff, &current, read),
        Err(AppError::Validation(errors)) => {
            return super::achievements::editor_page(&state, &staff, &current, errors);
        }
        Err(e) => return e.into_response(),
    };
    match save_edit(&state, &current, &def).await {
        Ok(updated) => see_other(&format!("/console/achievements/{}", updated.id)),
        Err(r) => *r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_is_stored_without_its_script_and_junk_is_refused() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10" fill="red" onclick="x()"/></svg>"#;
        let uri = cleaned(svg, "Badge").unwrap();
        let body = uri.strip_prefix("data:image/svg+xml;base64,").unwrap();
        let text = String::from_utf8(STANDARD.decode(body).unwrap()).unwrap();
        assert!(!text.contains("script") && !text.contains("onclick"), "{text}");
        assert!(cleaned(b"not an image", "Badge").is_err());
        assert!(cleaned(b"\x89PNG\r\n\x1a\nbroken", "Badge").is_err());
    }

    #[test]
    fn an_uploads_refusal_says_in_english_what_the_image_code_says_and_has_french() {
        for e in [
            ImageError::TooLarge { size: 600_000, limit: 524_288 },
            ImageError::Dimensions { width: 0, height: 9 },
            ImageError::PngDecode("bad chunk".into()),
            ImageError::Svg("no root".into()),
        ] {
            let r = refusal(e.clone());
            assert_eq!(r.english(), e.to_string());
            assert!(r.french().is_some(), "{e}");
        }
        assert_eq!(
            refusal(ImageError::Svg("no root".into())).french().as_deref(),
            Some("l’image SVG n’a pas pu être lue : no root")
        );
    }
}
