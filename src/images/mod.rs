//! Badge images: the artwork of a credential in SVG and PNG, and QR codes.
//!
//! The artwork is the achievement's own image when it is a `data:image/png` or
//! `data:image/svg+xml` URI that decodes within the limits (`supplied`), and
//! otherwise a badge generated from the credential (`badge_svg`): the same
//! inputs always give the same bytes. `raster` renders SVG to PNG with resvg and
//! the one embedded font, and reads and writes PNG. `qr` draws QR codes.
//!
//! Everything here is a pure function of the stored credential, which is never
//! re-signed, so callers may cache the results for as long as `ARTWORK_VERSION`
//! stays the same. Nothing is fetched: https images are not used.

pub mod badge_svg;
mod font;
pub mod preview;
pub mod qr;
pub mod raster;
pub mod supplied;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use credence_core::model::{Issuer, OpenBadgeCredential};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Changes whenever the generated design or the rendering changes, so that
/// cached images (ETags) are replaced.
pub const ARTWORK_VERSION: u32 = 1;

/// Side of the square the PNG artwork fits in, in pixels.
pub const PNG_SIZE: u32 = 512;

/// Every way making an image can fail.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// The text is not a `data:` URI.
    #[error("not a data: URI")]
    NotDataUri,
    /// The data URI holds another media type than PNG or SVG.
    #[error("unsupported image media type '{0}'")]
    UnsupportedMediaType(String),
    /// The data URI's payload is not valid base64 or percent-encoding.
    #[error("the data URI's payload is not valid {0}")]
    BadEncoding(&'static str),
    /// The input is larger than its limit.
    #[error("the image is {size} bytes, more than the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    /// The image's dimensions are zero or beyond the limit.
    #[error("an image of {width}x{height} pixels is outside the limits")]
    Dimensions { width: u32, height: u32 },
    /// The PNG could not be decoded.
    #[error("the PNG image could not be decoded: {0}")]
    PngDecode(String),
    /// The PNG could not be encoded.
    #[error("the PNG image could not be encoded: {0}")]
    PngEncode(String),
    /// The SVG could not be parsed.
    #[error("the SVG image could not be read: {0}")]
    Svg(String),
    /// The text does not fit in a QR code.
    #[error("the text does not fit in a QR code: {0}")]
    Qr(String),
}

/// What the artwork is drawn from: facts of the credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BadgeFacts {
    pub achievement_id: String,
    pub achievement_name: String,
    /// The Open Badges `achievementType`, e.g. `MicroCredential`.
    pub achievement_type: Option<String>,
    pub issuer_id: String,
    pub issuer_name: String,
    /// The achievement's `image` id: a URL or a data URI.
    pub image: Option<String>,
}

impl BadgeFacts {
    /// Reads the facts out of an OpenBadgeCredential document; of a document that does not
    /// fit the model, every part is empty (the artwork is then the plain default design).
    pub fn from_credential(doc: &Value) -> BadgeFacts {
        match OpenBadgeCredential::deserialize(doc) {
            Ok(c) => BadgeFacts::of(&c),
            Err(_) => BadgeFacts::default(),
        }
    }

    /// The facts of a credential.
    pub fn of(c: &OpenBadgeCredential) -> BadgeFacts {
        let achievement = &c.credential_subject.achievement;
        BadgeFacts {
            achievement_id: achievement.id.clone(),
            achievement_name: achievement.name.clone(),
            achievement_type: achievement.achievement_type.as_ref().map(|t| t.as_str().to_owned()),
            issuer_id: c.issuer_id().to_owned(),
            issuer_name: match &c.issuer {
                Issuer::Profile(p) => p.name.clone().unwrap_or_default(),
                Issuer::Id(_) => String::new(),
            },
            image: achievement.image.as_ref().map(|i| i.id.clone()),
        }
    }

    /// The accessible name of the artwork.
    pub fn title(&self) -> String {
        match (self.achievement_name.trim(), self.issuer_name.trim()) {
            ("", "") => "Badge".to_owned(),
            (name, "") => format!("{name} badge"),
            ("", issuer) => format!("Badge issued by {issuer}"),
            (name, issuer) => format!("{name} badge, issued by {issuer}"),
        }
    }

    /// A file name stem from the achievement name: lowercase ASCII, digits and hyphens.
    pub fn file_stem(&self) -> String {
        let mut stem = String::new();
        for c in self.achievement_name.chars().flat_map(char::to_lowercase) {
            let folded = fold_latin(c);
            if folded.chars().all(|f| f.is_ascii_alphanumeric()) && !folded.is_empty() {
                stem.push_str(folded);
            } else if !stem.is_empty() && !stem.ends_with('-') {
                stem.push('-');
            }
            if stem.len() >= 60 {
                break;
            }
        }
        let stem = stem.trim_end_matches('-');
        if stem.is_empty() { "badge".to_owned() } else { stem.to_owned() }
    }

    fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [&self.achievement_id, &self.achievement_name, &self.issuer_id, &self.issuer_name] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for part in [&self.achievement_type, &self.image] {
            h.update(part.as_deref().unwrap_or("").as_bytes());
            h.update([u8::from(part.is_some())]);
        }
        h.finalize().into()
    }
}

/// The ASCII letters of a lowercase Latin letter with a diacritic; the letter itself otherwise.
fn fold_latin(c: char) -> &'static str {
    const FOLDS: [(&str, &str); 12] = [
        ("àáâãäåāăą", "a"),
        ("çćĉċč", "c"),
        ("èéêëēĕėęě", "e"),
        ("ìíîïĩīĭįı", "i"),
        ("ñńņňŉ", "n"),
        ("òóôõöøōŏő", "o"),
        ("ùúûüũūŭůűų", "u"),
        ("ýÿŷ", "y"),
        ("śŝşšș", "s"),
        ("žźż", "z"),
        ("ťţț", "t"),
        ("ďđ", "d"),
    ];
    const ASCII: [&str; 36] = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v",
        "w", "x", "y", "z", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
    ];
    match c {
        'a'..='z' => ASCII[(c as usize) - ('a' as usize)],
        '0'..='9' => ASCII[26 + (c as usize) - ('0' as usize)],
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        _ => FOLDS.iter().find(|(from, _)| from.contains(c)).map_or("", |(_, to)| to),
    }
}

/// Where the artwork came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtworkSource {
    /// The achievement's PNG data URI, re-encoded.
    SuppliedPng,
    /// The achievement's SVG data URI, as usvg reads it (no scripts, no external references).
    SuppliedSvg,
    /// The generated badge.
    Generated,
}

/// The artwork of a badge, unbaked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artwork {
    pub svg: String,
    pub png: Vec<u8>,
    pub source: ArtworkSource,
}

/// Artworks already made, by digest of their facts: many credentials share one.
const MEMO_ENTRIES: usize = 64;

fn memo() -> &'static Mutex<HashMap<[u8; 32], Arc<Artwork>>> {
    static MEMO: OnceLock<Mutex<HashMap<[u8; 32], Arc<Artwork>>>> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The artwork for `facts`: the achievement's data URI image when it is usable,
/// the generated badge otherwise. Remembered for the life of the process.
pub fn artwork(facts: &BadgeFacts) -> Result<Arc<Artwork>, ImageError> {
    let key = facts.digest();
    if let Some(found) = memo().lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(found);
    }
    let made = Arc::new(make_artwork(facts)?);
    if let Ok(mut m) = memo().lock() {
        if m.len() >= MEMO_ENTRIES {
            m.clear();
        }
        m.insert(key, made.clone());
    }
    Ok(made)
}

/// Makes the artwork without the memo.
pub fn make_artwork(facts: &BadgeFacts) -> Result<Artwork, ImageError> {
    if let Some(uri) = facts.image.as_deref().filter(|u| u.starts_with("data:")) {
        match supplied::artwork(uri, &facts.title()) {
            Ok(art) => return Ok(art),
            Err(e) => tracing::warn!(achievement = %facts.achievement_id, "achievement image not used: {e}"),
        }
    }
    let svg = badge_svg::badge_svg(facts);
    let png = raster::render_svg_text(&svg, PNG_SIZE)?;
    Ok(Artwork { svg, png, source: ArtworkSource::Generated })
}

/// Escapes text for XML content and attribute values, leaving out the characters
/// XML 1.0 does not allow.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn credential() -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "https://x.example/issuers/acme", "type": ["Profile"], "name": "Acme College"},
            "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
                "id": "https://x.example/achievements/a1", "type": ["Achievement"], "name": "Numératie & Calcul",
                "description": "Calcule.", "criteria": {"narrative": "Réussir."},
                "achievementType": "MicroCredential", "image": {"id": "https://x.example/i.png", "type": "Image"}}}
        })
    }

    #[test]
    fn facts_come_from_the_credential() {
        let f = BadgeFacts::from_credential(&credential());
        assert_eq!(f.achievement_name, "Numératie & Calcul");
        assert_eq!(f.issuer_name, "Acme College");
        assert_eq!(f.achievement_type.as_deref(), Some("MicroCredential"));
        assert_eq!(f.image.as_deref(), Some("https://x.example/i.png"));
        assert_eq!(f.title(), "Numératie & Calcul badge, issued by Acme College");
        assert_eq!(f.file_stem(), "numeratie-calcul");
        let empty = BadgeFacts::from_credential(&json!("nonsense"));
        assert_eq!(empty.title(), "Badge");
        assert_eq!(empty.file_stem(), "badge");
    }

    #[test]
    fn escaping_covers_markup_and_drops_forbidden_characters() {
        assert_eq!(xml_escape("a<b>&\"c'\u{0}\u{1b}é"), "a&lt;b&gt;&amp;&quot;c&apos;é");
    }

    #[test]
    fn an_https_image_is_not_fetched_and_the_badge_is_generated() {
        let art = make_artwork(&BadgeFacts::from_credential(&credential())).unwrap();
        assert_eq!(art.source, ArtworkSource::Generated);
        assert!(art.png.starts_with(&credence_core::baking::PNG_SIGNATURE));
    }
}
