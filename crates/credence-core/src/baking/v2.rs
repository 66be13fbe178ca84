//! Open Badges 2.0 (and 1.x) baked images, read only.
//!
//! PNG: an `iTXt` chunk with keyword `openbadges` (1.x images use a `tEXt` chunk of
//! the same keyword) whose text is the assertion's JSON, its URL, or the JWS of a
//! signed assertion. SVG: an `<openbadges:assertion>` element, the prefix bound to
//! `http://openbadges.org`, whose `verify` attribute is the URL or JWS, or whose
//! content is the JSON (or JWS). The same bounds and refusals as 3.0 images apply.

use super::{
    BakingError, Chunk, ITXT, MAX_CREDENTIAL_BYTES, MAX_SVG_BYTES, Scanner, Token, check_size, decode_entities,
    is_compact_jws, itxt_text, parse_png, scan_svg, split_at_nul,
};

/// Keyword of the PNG chunk carrying an Open Badges 2.0 assertion.
pub const OB2_PNG_KEYWORD: &str = "openbadges";
/// The XML namespace of the Open Badges 2.0 SVG assertion element.
pub const OB2_SVG_NAMESPACE: &str = "http://openbadges.org";
const TEXT: [u8; 4] = *b"tEXt";

/// What a 2.0 image carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BakedAssertion {
    /// The assertion's JSON.
    Json(String),
    /// The compact JWS of a signed assertion.
    CompactJws(String),
    /// The URL of a hosted assertion.
    Url(String),
}

impl BakedAssertion {
    fn from_text(text: &str) -> Result<Self, BakingError> {
        let t = text.trim();
        if t.is_empty() {
            Err(BakingError::EmptyCredential)
        } else if t.starts_with('{') {
            Ok(BakedAssertion::Json(t.to_owned()))
        } else if is_compact_jws(t) {
            Ok(BakedAssertion::CompactJws(t.to_owned()))
        } else if (t.starts_with("https://") || t.starts_with("http://")) && !t.contains(char::is_whitespace) {
            Ok(BakedAssertion::Url(t.to_owned()))
        } else {
            Err(BakingError::UnrecognizedCredential)
        }
    }

    /// The baked text.
    pub fn as_str(&self) -> &str {
        match self {
            BakedAssertion::Json(s) | BakedAssertion::CompactJws(s) | BakedAssertion::Url(s) => s,
        }
    }
}

fn is_assertion_chunk(chunk: &Chunk<'_>) -> bool {
    (chunk.kind == ITXT || chunk.kind == TEXT)
        && chunk.data.split(|&b| b == 0).next() == Some(OB2_PNG_KEYWORD.as_bytes())
}

/// Extracts the Open Badges 2.0 assertion baked in `png`, checking every chunk.
pub fn unbake_png_v2(png: &[u8]) -> Result<BakedAssertion, BakingError> {
    let chunks = parse_png(png)?;
    let mut found = chunks.iter().filter(|c| is_assertion_chunk(c));
    let chunk = found.next().ok_or(BakingError::NoCredential)?;
    if found.next().is_some() {
        return Err(BakingError::DuplicateCredential);
    }
    let text = if chunk.kind == ITXT {
        itxt_text(chunk.data)?
    } else {
        let (_, text) = split_at_nul(chunk.data).ok_or(BakingError::MalformedItxt("no keyword terminator"))?;
        check_size(text.len(), MAX_CREDENTIAL_BYTES)?;
        // tEXt is Latin-1; an assertion URL or JSON of 1.x badges is ASCII in practice.
        text.iter().map(|&b| char::from(b)).collect()
    };
    BakedAssertion::from_text(&text)
}

/// Extracts the Open Badges 2.0 assertion baked in `svg`.
pub fn unbake_svg_v2(svg: &str) -> Result<BakedAssertion, BakingError> {
    check_size(svg.len(), MAX_SVG_BYTES)?;
    let doc = scan_svg(svg)?;
    if doc.root.self_closing {
        return Err(BakingError::NoCredential);
    }
    let mut names = vec!["openbadges:assertion".to_string()];
    for (prefix, uri) in &doc.root.namespace_prefixes {
        if uri.trim_end_matches('/') == OB2_SVG_NAMESPACE {
            names.push(format!("{prefix}:assertion"));
        }
    }
    let mut scanner = Scanner { src: svg, pos: doc.root.end, base: 0 };
    let spans = scanner.credential_spans(&names)?;
    let (start, end) = *spans.first().ok_or(BakingError::NoCredential)?;
    if spans.len() > 1 {
        return Err(BakingError::DuplicateCredential);
    }
    let mut element = Scanner { src: &svg[start..end], pos: 0, base: start };
    let Some(Token::Start(tag)) = element.next_token()? else {
        return Err(element.malformed("expected the assertion start tag"));
    };
    if let Some((_, raw)) = tag.attrs.iter().find(|(name, _)| *name == "verify") {
        let value = decode_entities(raw)?;
        if !value.trim().is_empty() {
            return BakedAssertion::from_text(&value);
        }
    }
    let mut text = String::new();
    while let Some(token) = element.next_token()? {
        match token {
            Token::Cdata(content) => text.push_str(content),
            Token::Text(raw) => text.push_str(&decode_entities(raw)?),
            Token::Comment | Token::Pi => {}
            Token::End(_) => break,
            _ => return Err(element.malformed("unexpected markup inside the assertion element")),
        }
        check_size(text.len(), MAX_CREDENTIAL_BYTES)?;
    }
    BakedAssertion::from_text(&text)
}

#[cfg(test)]
mod tests {
    use super::super::{IEND, IHDR, chunk_crc, itxt_chunk};
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&chunk_crc(kind, data).to_be_bytes());
        c
    }

    fn png_with(extra: &[u8]) -> Vec<u8> {
        let mut png = super::super::PNG_SIGNATURE.to_vec();
        png.extend(chunk(&IHDR, &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        png.extend_from_slice(extra);
        png.extend(chunk(&IEND, &[]));
        png
    }

    #[test]
    fn png_itxt_openbadges_carries_json_url_or_jws() {
        let json = r#"{"@context":"https://w3id.org/openbadges/v2","id":"https://x.example/a/1"}"#;
        let png = png_with(&itxt_chunk(OB2_PNG_KEYWORD, json));
        assert_eq!(unbake_png_v2(&png), Ok(BakedAssertion::Json(json.into())));
        let png = png_with(&itxt_chunk(OB2_PNG_KEYWORD, "https://x.example/a/1"));
        assert_eq!(unbake_png_v2(&png), Ok(BakedAssertion::Url("https://x.example/a/1".into())));
        let png = png_with(&itxt_chunk(OB2_PNG_KEYWORD, "eyJh.eyJi.c2ln"));
        assert_eq!(unbake_png_v2(&png), Ok(BakedAssertion::CompactJws("eyJh.eyJi.c2ln".into())));
        // A 3.0 image is not a 2.0 one, and the 3.0 reader ignores the 2.0 chunk.
        let v3 = png_with(&itxt_chunk(super::super::PNG_KEYWORD, json));
        assert_eq!(unbake_png_v2(&v3), Err(BakingError::NoCredential));
        assert_eq!(super::super::unbake_png(&png), Err(BakingError::NoCredential));
    }

    #[test]
    fn png_text_chunk_of_1_x_badges() {
        let png = png_with(&chunk(&TEXT, b"openbadges\0https://x.example/a/1"));
        assert_eq!(unbake_png_v2(&png), Ok(BakedAssertion::Url("https://x.example/a/1".into())));
    }

    #[test]
    fn two_assertions_or_garbage_are_refused() {
        let one = itxt_chunk(OB2_PNG_KEYWORD, "https://x.example/a/1");
        let png = png_with(&[one.clone(), one].concat());
        assert_eq!(unbake_png_v2(&png), Err(BakingError::DuplicateCredential));
        let png = png_with(&itxt_chunk(OB2_PNG_KEYWORD, "not a badge"));
        assert_eq!(unbake_png_v2(&png), Err(BakingError::UnrecognizedCredential));
    }

    #[test]
    fn svg_assertion_element_with_a_url_json_or_jws() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" viewBox="0 0 1 1">
  <openbadges:assertion verify="https://x.example/a/1?x=1&amp;y=2"></openbadges:assertion><rect/></svg>"#;
        assert_eq!(unbake_svg_v2(svg), Ok(BakedAssertion::Url("https://x.example/a/1?x=1&y=2".into())));
        let svg = r#"<svg xmlns:ob="http://openbadges.org"><ob:assertion verify="https://x.example/a/1"><![CDATA[{"id":"https://x.example/a/1"}]]></ob:assertion></svg>"#;
        assert_eq!(unbake_svg_v2(svg), Ok(BakedAssertion::Url("https://x.example/a/1".into())));
        let svg = r#"<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion><![CDATA[{"id":"https://x.example/a/1"}]]></openbadges:assertion></svg>"#;
        assert_eq!(unbake_svg_v2(svg), Ok(BakedAssertion::Json(r#"{"id":"https://x.example/a/1"}"#.into())));
        let svg =
            r#"<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="eyJh.eyJi.c2ln"/></svg>"#;
        assert_eq!(unbake_svg_v2(svg), Ok(BakedAssertion::CompactJws("eyJh.eyJi.c2ln".into())));
        assert_eq!(unbake_svg_v2("<svg></svg>"), Err(BakingError::NoCredential));
        let hostile = r#"<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="&x;"/></svg>"#;
        assert_eq!(unbake_svg_v2(hostile), Err(BakingError::EntityDeclaration));
    }
}
