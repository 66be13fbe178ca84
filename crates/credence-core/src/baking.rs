//! Open Badges 3.0 baking: a credential carried inside its badge image.
//!
//! PNG: an uncompressed `iTXt` chunk with keyword `openbadgecredential`, empty
//! language tag and translated keyword, placed before `IEND`; its text is the
//! credential JSON or the compact JWS of a VC-JWT. There is at most one such chunk.
//!
//! SVG: the root `<svg>` declares `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`
//! and, directly after its start tag, an `<openbadges:credential>` element holds
//! either the JSON in CDATA or, for a VC-JWT, a `verify="<compact JWS>"` attribute.
//!
//! Unbaking never processes a DTD, expands an entity other than the five XML
//! predefined ones and character references, or fetches anything: the SVG side is
//! a small scanner, and a DOCTYPE declaring entities is refused.

use serde_json::Value;
use thiserror::Error;

mod v2;
pub use v2::{BakedAssertion, OB2_PNG_KEYWORD, OB2_SVG_NAMESPACE, unbake_png_v2, unbake_svg_v2};

/// The 8-byte signature every PNG starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// Keyword of the `iTXt` chunk carrying the credential.
pub const PNG_KEYWORD: &str = "openbadgecredential";
/// The Open Badges 3.0 XML namespace of the SVG credential element.
pub const OB_SVG_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";
/// The namespace prefix this service writes.
pub const OB_SVG_PREFIX: &str = "openbadges";
/// Largest PNG accepted, in bytes.
pub const MAX_PNG_BYTES: usize = 32 * 1024 * 1024;
/// Largest SVG accepted, in bytes.
pub const MAX_SVG_BYTES: usize = 8 * 1024 * 1024;
/// Largest credential (JSON or compact JWS) baked or unbaked, in bytes.
pub const MAX_CREDENTIAL_BYTES: usize = 2 * 1024 * 1024;

/// The largest chunk length the PNG specification allows (2^31 - 1).
const MAX_PNG_CHUNK_LEN: u32 = 0x7FFF_FFFF;
const ITXT: [u8; 4] = *b"iTXt";
const IHDR: [u8; 4] = *b"IHDR";
const IEND: [u8; 4] = *b"IEND";

/// Every way baking or unbaking can fail.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BakingError {
    /// The input is larger than the limit for its kind.
    #[error("input is {size} bytes, more than the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    /// The bytes do not start with the PNG signature.
    #[error("not a PNG image (bad signature)")]
    NotPng,
    /// The PNG ends in the middle of a chunk or before `IEND`.
    #[error("PNG is truncated at byte {offset}")]
    Truncated { offset: usize },
    /// A chunk declares a length beyond 2^31 - 1.
    #[error("PNG chunk at byte {offset} declares an invalid length {length}")]
    BadChunkLength { offset: usize, length: u32 },
    /// A chunk type is not four ASCII letters.
    #[error("PNG chunk at byte {offset} has an invalid type")]
    BadChunkType { offset: usize },
    /// A chunk's CRC does not match its contents.
    #[error("PNG chunk {chunk} at byte {offset} has a bad CRC")]
    BadCrc { chunk: String, offset: usize },
    /// The first chunk is not `IHDR`.
    #[error("PNG does not start with an IHDR chunk")]
    MissingIhdr,
    /// Bytes follow the `IEND` chunk.
    #[error("PNG has data after its IEND chunk")]
    TrailingData,
    /// The credential `iTXt` chunk is malformed.
    #[error("malformed openbadgecredential iTXt chunk: {0}")]
    MalformedItxt(&'static str),
    /// The credential `iTXt` chunk is compressed, which Open Badges forbids.
    #[error("the openbadgecredential iTXt chunk is compressed; Open Badges forbids compression")]
    CompressedCredential,
    /// More than one credential is baked in the image.
    #[error("the image carries more than one credential")]
    DuplicateCredential,
    /// The image carries no credential.
    #[error("the image carries no Open Badges credential")]
    NoCredential,
    /// The credential text is not UTF-8.
    #[error("the baked credential is not UTF-8 text")]
    NotUtf8,
    /// The credential is empty.
    #[error("the baked credential is empty")]
    EmptyCredential,
    /// The credential is neither a JSON object nor a compact JWS.
    #[error("the credential is neither a JSON object nor a compact JWS")]
    UnrecognizedCredential,
    /// The SVG has no root `<svg>` element.
    #[error("not an SVG image (no root <svg> element)")]
    NotSvg,
    /// The SVG declares a DOCTYPE with entity declarations (entity expansion or XXE).
    #[error("SVG DOCTYPE declares entities, which are refused")]
    EntityDeclaration,
    /// The SVG references an entity that is not predefined by XML.
    #[error("SVG references the undeclared entity &{0};")]
    UnknownEntity(String),
    /// The SVG is not well-formed where the scanner needs it to be.
    #[error("malformed SVG at byte {offset}: {reason}")]
    MalformedSvg { offset: usize, reason: &'static str },
    /// The `openbadges` prefix is bound to another namespace on the root element.
    #[error("the SVG binds the openbadges prefix to another namespace")]
    PrefixConflict,
}

/// A credential as baked: the JSON of an embedded-proof credential, or a VC-JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BakedCredential {
    /// The JSON representation of an OpenBadgeCredential with an embedded proof.
    Json(String),
    /// The compact JWS of a VC-JWT.
    CompactJws(String),
}

impl BakedCredential {
    /// Classifies baked text: a JSON object or a compact JWS (`a.b.c`, base64url parts).
    pub fn from_text(text: &str) -> Result<Self, BakingError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            Err(BakingError::EmptyCredential)
        } else if trimmed.starts_with('{') {
            Ok(BakedCredential::Json(trimmed.to_owned()))
        } else if is_compact_jws(trimmed) {
            Ok(BakedCredential::CompactJws(trimmed.to_owned()))
        } else {
            Err(BakingError::UnrecognizedCredential)
        }
    }

    /// The baked text.
    pub fn as_str(&self) -> &str {
        match self {
            BakedCredential::Json(s) | BakedCredential::CompactJws(s) => s,
        }
    }

    /// Checks the content before baking: a JSON object, or a well-formed compact JWS.
    fn check(&self) -> Result<(), BakingError> {
        check_size(self.as_str().len(), MAX_CREDENTIAL_BYTES)?;
        let ok = match self {
            BakedCredential::Json(s) => matches!(serde_json::from_str::<Value>(s), Ok(Value::Object(_))),
            BakedCredential::CompactJws(s) => is_compact_jws(s),
        };
        if ok { Ok(()) } else { Err(BakingError::UnrecognizedCredential) }
    }
}

/// True for three non-empty-header, base64url parts joined by dots.
fn is_compact_jws(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn check_size(size: usize, limit: usize) -> Result<(), BakingError> {
    if size > limit { Err(BakingError::TooLarge { size, limit }) } else { Ok(()) }
}

// ---------------------------------------------------------------- PNG

/// One chunk of a parsed PNG, borrowing the file.
struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    /// The whole chunk: length, type, data and CRC.
    raw: &'a [u8],
}

/// Bakes `credential` into `png`, replacing any credential already there.
pub fn bake_png(png: &[u8], credential: &BakedCredential) -> Result<Vec<u8>, BakingError> {
    credential.check()?;
    let chunks = parse_png(png)?;
    let new_chunk = itxt_chunk(PNG_KEYWORD, credential.as_str());
    let mut out = Vec::with_capacity(png.len() + new_chunk.len());
    out.extend_from_slice(&PNG_SIGNATURE);
    for chunk in &chunks {
        if chunk.kind == IEND {
            out.extend_from_slice(&new_chunk);
        }
        if !is_credential_chunk(chunk) {
            out.extend_from_slice(chunk.raw);
        }
    }
    Ok(out)
}

/// Extracts the credential baked in `png`, checking every chunk's bounds and CRC.
pub fn unbake_png(png: &[u8]) -> Result<BakedCredential, BakingError> {
    let chunks = parse_png(png)?;
    let mut found = chunks.iter().filter(|c| is_credential_chunk(c));
    let chunk = found.next().ok_or(BakingError::NoCredential)?;
    if found.next().is_some() {
        return Err(BakingError::DuplicateCredential);
    }
    BakedCredential::from_text(&itxt_text(chunk.data)?)
}

/// Splits a PNG into chunks, from `IHDR` to `IEND`, verifying lengths and CRCs.
fn parse_png(png: &[u8]) -> Result<Vec<Chunk<'_>>, BakingError> {
    check_size(png.len(), MAX_PNG_BYTES)?;
    let rest = png.strip_prefix(&PNG_SIGNATURE[..]).ok_or(BakingError::NotPng)?;
    let mut offset = PNG_SIGNATURE.len();
    let mut remaining = rest;
    let mut chunks = Vec::new();
    loop {
        let chunk = read_chunk(remaining, offset)?;
        if chunks.is_empty() && chunk.kind != IHDR {
            return Err(BakingError::MissingIhdr);
        }
        offset += chunk.raw.len();
        remaining = &remaining[chunk.raw.len()..];
        let is_end = chunk.kind == IEND;
        chunks.push(chunk);
        if is_end {
            break;
        }
    }
    if !remaining.is_empty() {
        return Err(BakingError::TrailingData);
    }
    Ok(chunks)
}

/// Reads the chunk at the start of `bytes` (which sits at `offset` in the file).
fn read_chunk(bytes: &[u8], offset: usize) -> Result<Chunk<'_>, BakingError> {
    let header = bytes.get(..8).ok_or(BakingError::Truncated { offset })?;
    let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if length > MAX_PNG_CHUNK_LEN {
        return Err(BakingError::BadChunkLength { offset, length });
    }
    let kind = [header[4], header[5], header[6], header[7]];
    if !kind.iter().all(u8::is_ascii_alphabetic) {
        return Err(BakingError::BadChunkType { offset });
    }
    let total = usize::try_from(length)
        .ok()
        .and_then(|len| len.checked_add(12))
        .ok_or(BakingError::BadChunkLength { offset, length })?;
    let raw = bytes.get(..total).ok_or(BakingError::Truncated { offset: offset + bytes.len() })?;
    let data = &raw[8..total - 4];
    let stored = u32::from_be_bytes([raw[total - 4], raw[total - 3], raw[total - 2], raw[total - 1]]);
    if stored != chunk_crc(&kind, data) {
        return Err(BakingError::BadCrc { chunk: String::from_utf8_lossy(&kind).into_owned(), offset });
    }
    Ok(Chunk { kind, data, raw })
}

fn chunk_crc(kind: &[u8; 4], data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(data);
    hasher.finalize()
}

/// True for an `iTXt` chunk whose keyword is `openbadgecredential`.
fn is_credential_chunk(chunk: &Chunk<'_>) -> bool {
    chunk.kind == ITXT && chunk.data.split(|&b| b == 0).next() == Some(PNG_KEYWORD.as_bytes())
}

/// An uncompressed `iTXt` chunk with empty language tag and translated keyword.
fn itxt_chunk(keyword: &str, text: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(keyword.len() + text.len() + 5);
    data.extend_from_slice(keyword.as_bytes());
    data.extend_from_slice(&[0, 0, 0]); // separator, compression flag 0, compression method 0
    data.push(0); // empty language tag
    data.push(0); // empty translated keyword
    data.extend_from_slice(text.as_bytes());
    let mut chunk = Vec::with_capacity(data.len() + 12);
    // The credential size limit keeps the length far below 2^31.
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    chunk.extend_from_slice(&ITXT);
    chunk.extend_from_slice(&data);
    chunk.extend_from_slice(&chunk_crc(&ITXT, &data).to_be_bytes());
    chunk
}

/// The text of an `iTXt` chunk's data, which must be uncompressed.
fn itxt_text(data: &[u8]) -> Result<String, BakingError> {
    let (_keyword, rest) = split_at_nul(data).ok_or(BakingError::MalformedItxt("no keyword terminator"))?;
    let (&flag, rest) = rest.split_first().ok_or(BakingError::MalformedItxt("no compression flag"))?;
    let (&_method, rest) = rest.split_first().ok_or(BakingError::MalformedItxt("no compression method"))?;
    match flag {
        0 => {}
        1 => return Err(BakingError::CompressedCredential),
        _ => return Err(BakingError::MalformedItxt("invalid compression flag")),
    }
    let (_language, rest) = split_at_nul(rest).ok_or(BakingError::MalformedItxt("no language tag terminator"))?;
    let (_translated, text) =
        split_at_nul(rest).ok_or(BakingError::MalformedItxt("no translated keyword terminator"))?;
    check_size(text.len(), MAX_CREDENTIAL_BYTES)?;
    String::from_utf8(text.to_vec()).map_err(|_| BakingError::NotUtf8)
}

fn split_at_nul(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|&b| b == 0)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

// ---------------------------------------------------------------- SVG

/// Bakes `credential` into `svg`: declares the namespace on the root element and
/// puts the credential element directly after its start tag, removing any credential
/// element already in the image.
pub fn bake_svg(svg: &str, credential: &BakedCredential) -> Result<String, BakingError> {
    credential.check()?;
    check_size(svg.len(), MAX_SVG_BYTES)?;
    let doc = scan_svg(svg)?;
    if doc.root.namespace_prefixes.iter().any(|(p, uri)| p == OB_SVG_PREFIX && uri != OB_SVG_NAMESPACE) {
        return Err(BakingError::PrefixConflict);
    }
    let declared = doc.root.namespace_prefixes.iter().any(|(p, _)| p == OB_SVG_PREFIX);
    let mut out = String::with_capacity(svg.len() + credential.as_str().len() + 200);
    out.push_str(&svg[..doc.root.name_end]);
    if !declared {
        out.push_str(&format!(" xmlns:{OB_SVG_PREFIX}=\"{OB_SVG_NAMESPACE}\""));
    }
    let tag_rest = &svg[doc.root.name_end..doc.root.end];
    if doc.root.self_closing {
        // `<svg .../>` becomes `<svg ...>` + credential + `</svg>`.
        out.push_str(tag_rest.trim_end_matches('>').trim_end_matches('/'));
        out.push('>');
        out.push_str(&credential_element(credential));
        out.push_str(&format!("</{}>", doc.root.name));
        out.push_str(&svg[doc.root.end..]);
        return Ok(out);
    }
    out.push_str(tag_rest);
    out.push_str(&credential_element(credential));
    let mut cursor = doc.root.end;
    for (start, end) in &doc.credentials {
        out.push_str(&svg[cursor..*start]);
        cursor = *end;
    }
    out.push_str(&svg[cursor..]);
    Ok(out)
}

/// Extracts the credential baked in `svg`: the `verify` attribute's compact JWS,
/// or the JSON in the element's CDATA.
pub fn unbake_svg(svg: &str) -> Result<BakedCredential, BakingError> {
    check_size(svg.len(), MAX_SVG_BYTES)?;
    let doc = scan_svg(svg)?;
    let (start, end) = *doc.credentials.first().ok_or(BakingError::NoCredential)?;
    if doc.credentials.len() > 1 {
        return Err(BakingError::DuplicateCredential);
    }
    credential_from_element(&svg[start..end], start)
}

/// The `<openbadges:credential>` element for `credential`.
fn credential_element(credential: &BakedCredential) -> String {
    match credential {
        BakedCredential::Json(json) => format!(
            "<{OB_SVG_PREFIX}:credential><![CDATA[{}]]></{OB_SVG_PREFIX}:credential>",
            json.replace("]]>", "]]]]><![CDATA[>")
        ),
        // A compact JWS is base64url and dots only: nothing to escape in an attribute.
        BakedCredential::CompactJws(jws) => {
            format!("<{OB_SVG_PREFIX}:credential verify=\"{jws}\"></{OB_SVG_PREFIX}:credential>")
        }
    }
}

/// Reads the credential out of the text of one credential element.
fn credential_from_element(element: &str, base: usize) -> Result<BakedCredential, BakingError> {
    let mut scanner = Scanner { src: element, pos: 0, base };
    let Some(Token::Start(tag)) = scanner.next_token()? else {
        return Err(scanner.malformed("expected the credential start tag"));
    };
    if let Some((_, raw)) = tag.attrs.iter().find(|(name, _)| *name == "verify") {
        let jws = decode_entities(raw)?;
        if !jws.trim().is_empty() {
            return BakedCredential::from_text(&jws);
        }
    }
    let mut text = String::new();
    while let Some(token) = scanner.next_token()? {
        match token {
            Token::Cdata(content) => text.push_str(content),
            Token::Text(raw) => text.push_str(&decode_entities(raw)?),
            Token::Comment | Token::Pi => {}
            Token::End(_) => break,
            _ => return Err(scanner.malformed("unexpected markup inside the credential element")),
        }
        check_size(text.len(), MAX_CREDENTIAL_BYTES)?;
    }
    BakedCredential::from_text(&text)
}

/// What the scanner learns about an SVG.
struct SvgDocument<'a> {
    root: RootTag<'a>,
    /// Byte spans of the Open Badges credential elements, in document order.
    credentials: Vec<(usize, usize)>,
}

/// The root element's start tag.
struct RootTag<'a> {
    name: &'a str,
    /// Byte offset just after the element name.
    name_end: usize,
    /// Byte offset just after the start tag's `>`.
    end: usize,
    self_closing: bool,
    /// `xmlns:prefix` declarations (prefix, namespace) on the root element.
    namespace_prefixes: Vec<(String, String)>,
}

/// Scans the whole document: prolog checks, the root element and credential elements.
fn scan_svg(svg: &str) -> Result<SvgDocument<'_>, BakingError> {
    let mut scanner = Scanner { src: svg, pos: 0, base: 0 };
    scanner.skip_bom();
    let root = loop {
        match scanner.next_token()? {
            None => return Err(BakingError::NotSvg),
            Some(Token::Start(tag)) => break tag,
            Some(Token::Doctype(raw)) => check_doctype(raw)?,
            Some(Token::Text(t)) if t.trim().is_empty() => {}
            Some(Token::Comment | Token::Pi) => {}
            Some(Token::Text(_)) => return Err(BakingError::NotSvg),
            Some(_) => return Err(scanner.malformed("content before the root element")),
        }
    };
    if local_name(root.name) != "svg" {
        return Err(BakingError::NotSvg);
    }
    let mut namespace_prefixes = Vec::new();
    for (name, raw) in &root.attrs {
        if let Some(prefix) = name.strip_prefix("xmlns:") {
            namespace_prefixes.push((prefix.to_owned(), decode_entities(raw)?));
        }
    }
    let mut credential_names = vec![format!("{OB_SVG_PREFIX}:credential")];
    for (prefix, uri) in &namespace_prefixes {
        if uri == OB_SVG_NAMESPACE {
            credential_names.push(format!("{prefix}:credential"));
        }
    }
    let credentials = if root.self_closing { Vec::new() } else { scanner.credential_spans(&credential_names)? };
    let root = RootTag {
        name: root.name,
        name_end: root.start + 1 + root.name.len(),
        end: root.end,
        self_closing: root.self_closing,
        namespace_prefixes,
    };
    Ok(SvgDocument { root, credentials })
}

/// Refuses a DOCTYPE that declares entities; an external identifier alone is
/// harmless here because nothing is ever fetched.
fn check_doctype(raw: &str) -> Result<(), BakingError> {
    if raw.to_ascii_uppercase().contains("<!ENTITY") { Err(BakingError::EntityDeclaration) } else { Ok(()) }
}

fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Replaces the XML predefined entities and character references; refuses any other.
fn decode_entities(raw: &str) -> Result<String, BakingError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or_else(|| BakingError::UnknownEntity(after.chars().take(20).collect()))?;
        let name = &after[..semi];
        out.push(entity_char(name).ok_or_else(|| BakingError::UnknownEntity(name.chars().take(40).collect()))?);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn entity_char(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse::<u32>().ok()?
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

/// A start tag: name, raw attribute values and its byte span.
struct StartTag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
    self_closing: bool,
    start: usize,
    end: usize,
}

/// One piece of markup or text.
enum Token<'a> {
    Start(StartTag<'a>),
    End(&'a str),
    Text(&'a str),
    Cdata(&'a str),
    Doctype(&'a str),
    Comment,
    Pi,
}

/// A forward-only XML tokenizer, enough to find elements without a DTD.
struct Scanner<'a> {
    src: &'a str,
    pos: usize,
    /// Offset of `src` in the whole document, for error messages.
    base: usize,
}

impl<'a> Scanner<'a> {
    fn malformed(&self, reason: &'static str) -> BakingError {
        BakingError::MalformedSvg { offset: self.base + self.pos, reason }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn skip_bom(&mut self) {
        if self.rest().starts_with('\u{feff}') {
            self.pos += '\u{feff}'.len_utf8();
        }
    }

    /// Moves past `terminator`, returning what came before it.
    fn take_until(&mut self, terminator: &str, reason: &'static str) -> Result<&'a str, BakingError> {
        let rest = self.rest();
        let at = rest.find(terminator).ok_or_else(|| self.malformed(reason))?;
        self.pos += at + terminator.len();
        Ok(&rest[..at])
    }

    fn next_token(&mut self) -> Result<Option<Token<'a>>, BakingError> {
        let rest = self.rest();
        if rest.is_empty() {
            return Ok(None);
        }
        let token = if let Some(after) = rest.strip_prefix("<!--") {
            self.pos += rest.len() - after.len();
            self.take_until("-->", "unterminated comment")?;
            Token::Comment
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            self.pos += rest.len() - after.len();
            Token::Cdata(self.take_until("]]>", "unterminated CDATA section")?)
        } else if rest.starts_with("<!DOCTYPE") {
            Token::Doctype(self.doctype()?)
        } else if rest.starts_with("<!") {
            return Err(self.malformed("unsupported markup declaration"));
        } else if rest.starts_with("<?") {
            self.take_until("?>", "unterminated processing instruction")?;
            Token::Pi
        } else if let Some(after) = rest.strip_prefix("</") {
            self.pos += 2;
            let name = self.take_until(">", "unterminated end tag")?.trim_end();
            if name.is_empty() || after.starts_with(char::is_whitespace) {
                return Err(self.malformed("malformed end tag"));
            }
            Token::End(name)
        } else if rest.starts_with('<') {
            Token::Start(self.start_tag()?)
        } else {
            let len = rest.find('<').unwrap_or(rest.len());
            self.pos += len;
            Token::Text(&rest[..len])
        };
        Ok(Some(token))
    }

    /// A DOCTYPE declaration, including any internal subset in brackets.
    fn doctype(&mut self) -> Result<&'a str, BakingError> {
        let rest = self.rest();
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        for (i, c) in rest.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '[') => depth += 1,
                (None, ']') => depth = depth.saturating_sub(1),
                (None, '>') if depth == 0 => {
                    self.pos += i + 1;
                    return Ok(&rest[..=i]);
                }
                _ => {}
            }
        }
        Err(self.malformed("unterminated DOCTYPE"))
    }

    /// A start tag at the current position (which is at `<`).
    fn start_tag(&mut self) -> Result<StartTag<'a>, BakingError> {
        let start = self.pos;
        self.pos += 1;
        let name = self.name()?;
        let mut attrs = Vec::new();
        loop {
            let had_space = self.skip_space();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.pos += 2;
                return Ok(StartTag { name, attrs, self_closing: true, start, end: self.pos });
            }
            if rest.starts_with('>') {
                self.pos += 1;
                return Ok(StartTag { name, attrs, self_closing: false, start, end: self.pos });
            }
            if !had_space {
                return Err(self.malformed("expected whitespace between attributes"));
            }
            attrs.push(self.attribute()?);
        }
    }

    /// `name = "value"` or `name = 'value'`, returning the raw value.
    fn attribute(&mut self) -> Result<(&'a str, &'a str), BakingError> {
        let name = self.name()?;
        self.skip_space();
        if !self.rest().starts_with('=') {
            return Err(self.malformed("expected '=' after attribute name"));
        }
        self.pos += 1;
        self.skip_space();
        let quote = match self.rest().chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => return Err(self.malformed("attribute value must be quoted")),
        };
        self.pos += 1;
        let value = self.take_until(if quote == '"' { "\"" } else { "'" }, "unterminated attribute value")?;
        if value.contains('<') {
            return Err(self.malformed("'<' in attribute value"));
        }
        Ok((name, value))
    }

    /// An element or attribute name.
    fn name(&mut self) -> Result<&'a str, BakingError> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '=' | '<' | '"' | '\''))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(self.malformed("expected a name"));
        }
        self.pos += len;
        Ok(&rest[..len])
    }

    fn skip_space(&mut self) -> bool {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
        rest.len() != trimmed.len()
    }

    /// Byte spans of every element named in `names`, from start tag to end tag.
    fn credential_spans(&mut self, names: &[String]) -> Result<Vec<(usize, usize)>, BakingError> {
        let mut spans = Vec::new();
        while let Some(token) = self.next_token()? {
            match token {
                Token::Start(tag) if names.iter().any(|n| n == tag.name) => {
                    let end = if tag.self_closing { tag.end } else { self.end_of(tag.name)? };
                    spans.push((tag.start, end));
                }
                Token::Doctype(_) => return Err(self.malformed("DOCTYPE after the root element")),
                _ => {}
            }
        }
        Ok(spans)
    }

    /// Moves past the end tag `</name>` of an element holding only text, returning its end.
    fn end_of(&mut self, name: &str) -> Result<usize, BakingError> {
        while let Some(token) = self.next_token()? {
            match token {
                Token::End(end) if end == name => return Ok(self.pos),
                Token::Text(_) | Token::Cdata(_) | Token::Comment | Token::Pi => {}
                _ => return Err(self.malformed("unexpected markup inside the credential element")),
            }
        }
        Err(self.malformed("credential element is not closed"))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const JSON: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential","OpenBadgeCredential"],"name":"Teamwork"}"#;
    const JWS: &str = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&chunk_crc(kind, data).to_be_bytes());
        out
    }

    /// A valid 1x1 8-bit greyscale PNG.
    fn tiny_png() -> Vec<u8> {
        let ihdr = [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0];
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&[0, 0x80]).unwrap(); // filter byte 0, one grey pixel
        let idat = z.finish().unwrap();
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(b"IDAT", &idat));
        png.extend(chunk(b"IEND", &[]));
        png
    }

    fn json() -> BakedCredential {
        BakedCredential::Json(JSON.into())
    }

    #[test]
    fn png_round_trip_keeps_the_image_valid() {
        let png = tiny_png();
        assert_eq!(unbake_png(&png), Err(BakingError::NoCredential));
        let baked = bake_png(&png, &json()).unwrap();
        assert_eq!(unbake_png(&baked).unwrap(), json());
        let kinds: Vec<[u8; 4]> = parse_png(&baked).unwrap().iter().map(|c| c.kind).collect();
        assert_eq!(kinds, vec![*b"IHDR", *b"IDAT", *b"iTXt", *b"IEND"]);
        let jwt = BakedCredential::CompactJws(JWS.into());
        assert_eq!(unbake_png(&bake_png(&png, &jwt).unwrap()).unwrap(), jwt);
    }

    #[test]
    fn png_chunk_has_the_open_badges_layout() {
        let baked = bake_png(&tiny_png(), &json()).unwrap();
        let chunks = parse_png(&baked).unwrap();
        let itxt = chunks.iter().find(|c| c.kind == ITXT).unwrap();
        let mut expected = b"openbadgecredential\0\0\0\0\0".to_vec();
        expected.extend_from_slice(JSON.as_bytes());
        assert_eq!(itxt.data, &expected[..]);
    }

    #[test]
    fn baking_again_replaces_the_credential() {
        let once = bake_png(&tiny_png(), &json()).unwrap();
        let other = BakedCredential::Json(r#"{"name":"Other"}"#.into());
        let twice = bake_png(&once, &other).unwrap();
        assert_eq!(unbake_png(&twice).unwrap(), other);
        let count = parse_png(&twice).unwrap().iter().filter(|c| is_credential_chunk(c)).count();
        assert_eq!(count, 1);
    }

    #[test]
    fn two_credential_chunks_are_refused() {
        let png = tiny_png();
        let iend = png.len() - 12;
        let mut doubled = png[..iend].to_vec();
        doubled.extend(itxt_chunk(PNG_KEYWORD, JSON));
        doubled.extend(itxt_chunk(PNG_KEYWORD, JSON));
        doubled.extend_from_slice(&png[iend..]);
        assert_eq!(unbake_png(&doubled), Err(BakingError::DuplicateCredential));
        // Baking over such an image leaves exactly one.
        let fixed = bake_png(&doubled, &json()).unwrap();
        assert_eq!(unbake_png(&fixed).unwrap(), json());
    }

    #[test]
    fn truncated_png_is_refused() {
        let baked = bake_png(&tiny_png(), &json()).unwrap();
        for cut in [baked.len() - 1, baked.len() - 12, baked.len() - 40, 20, 9, 8] {
            assert!(
                matches!(unbake_png(&baked[..cut]), Err(BakingError::Truncated { .. })),
                "cut at {cut}: {:?}",
                unbake_png(&baked[..cut])
            );
        }
    }

    #[test]
    fn bad_crc_is_refused() {
        let mut baked = bake_png(&tiny_png(), &json()).unwrap();
        let at = baked.len() - 12 - 10; // inside the iTXt text
        baked[at] ^= 0x01;
        assert!(matches!(unbake_png(&baked), Err(BakingError::BadCrc { ref chunk, .. }) if chunk == "iTXt"));
    }

    #[test]
    fn garbage_and_hostile_lengths_are_refused() {
        assert_eq!(unbake_png(b"not a png at all"), Err(BakingError::NotPng));
        assert_eq!(unbake_png(&[]), Err(BakingError::NotPng));
        let mut huge = PNG_SIGNATURE.to_vec();
        huge.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xF0]);
        huge.extend_from_slice(b"IHDR");
        assert!(matches!(unbake_png(&huge), Err(BakingError::BadChunkLength { .. })));
        let mut big = PNG_SIGNATURE.to_vec();
        big.extend_from_slice(&[0x7F, 0xFF, 0xFF, 0xFF]);
        big.extend_from_slice(b"IHDR");
        assert!(matches!(unbake_png(&big), Err(BakingError::Truncated { .. })));
        let mut bad_type = PNG_SIGNATURE.to_vec();
        bad_type.extend_from_slice(&[0, 0, 0, 0, b'I', 0, b'D', b'R']);
        assert!(matches!(unbake_png(&bad_type), Err(BakingError::BadChunkType { .. })));
        let mut no_ihdr = PNG_SIGNATURE.to_vec();
        no_ihdr.extend(chunk(b"IEND", &[]));
        assert_eq!(unbake_png(&no_ihdr), Err(BakingError::MissingIhdr));
        let mut trailing = tiny_png();
        trailing.extend_from_slice(b"junk");
        assert_eq!(unbake_png(&trailing), Err(BakingError::TrailingData));
        assert_eq!(bake_png(b"GIF89a", &json()), Err(BakingError::NotPng));
    }

    #[test]
    fn compressed_or_malformed_itxt_is_refused() {
        let png = tiny_png();
        let iend = png.len() - 12;
        let with = |data: &[u8]| {
            let mut out = png[..iend].to_vec();
            out.extend(chunk(b"iTXt", data));
            out.extend_from_slice(&png[iend..]);
            out
        };
        assert_eq!(unbake_png(&with(b"openbadgecredential\0\x01\0\0\0x\x9c")), Err(BakingError::CompressedCredential));
        assert!(matches!(unbake_png(&with(b"openbadgecredential\0\0\0")), Err(BakingError::MalformedItxt(_))));
        assert_eq!(unbake_png(&with(b"openbadgecredential\0\0\0\0\0\xff\xfe")), Err(BakingError::NotUtf8));
        assert_eq!(unbake_png(&with(b"openbadgecredential\0\0\0\0\0  ")), Err(BakingError::EmptyCredential));
        assert_eq!(
            unbake_png(&with(b"openbadgecredential\0\0\0\0\0hello world")),
            Err(BakingError::UnrecognizedCredential)
        );
    }

    #[test]
    fn invalid_credentials_are_not_baked() {
        let png = tiny_png();
        assert_eq!(bake_png(&png, &BakedCredential::Json("[1]".into())), Err(BakingError::UnrecognizedCredential));
        assert_eq!(
            bake_png(&png, &BakedCredential::CompactJws("a.b\".c".into())),
            Err(BakingError::UnrecognizedCredential)
        );
        assert_eq!(bake_svg(SVG, &BakedCredential::CompactJws("x".into())), Err(BakingError::UnrecognizedCredential));
    }

    const SVG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- badge -->\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 512 512\"><circle cx=\"256\" cy=\"256\" r=\"200\"/></svg>\n";

    #[test]
    fn svg_round_trip_with_json() {
        let baked = bake_svg(SVG, &json()).unwrap();
        assert!(baked.contains("<svg xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 512 512\"><openbadges:credential><![CDATA["));
        assert!(baked.ends_with("<circle cx=\"256\" cy=\"256\" r=\"200\"/></svg>\n"));
        assert_eq!(unbake_svg(&baked).unwrap(), json());
    }

    #[test]
    fn svg_round_trip_with_a_compact_jws() {
        let jwt = BakedCredential::CompactJws(JWS.into());
        let baked = bake_svg(SVG, &jwt).unwrap();
        assert!(baked.contains(&format!("<openbadges:credential verify=\"{JWS}\"></openbadges:credential>")));
        assert_eq!(unbake_svg(&baked).unwrap(), jwt);
    }

    #[test]
    fn cdata_terminator_inside_the_json_survives() {
        let tricky = BakedCredential::Json(r#"{"name":"a]]>b","x":"]]]]>"}"#.into());
        let baked = bake_svg(SVG, &tricky).unwrap();
        // One section, split once per `]]>`.
        assert_eq!(baked.matches("<![CDATA[").count(), 3);
        assert_eq!(unbake_svg(&baked).unwrap(), tricky);
    }

    #[test]
    fn svg_baking_replaces_an_existing_credential() {
        let once = bake_svg(SVG, &json()).unwrap();
        let other = BakedCredential::CompactJws(JWS.into());
        let twice = bake_svg(&once, &other).unwrap();
        assert_eq!(twice.matches("openbadges:credential").count(), 2, "{twice}"); // start and end tag
        assert_eq!(twice.matches("xmlns:openbadges").count(), 1);
        assert_eq!(unbake_svg(&twice).unwrap(), other);
    }

    #[test]
    fn svg_from_the_specification_with_whitespace_and_another_prefix() {
        let spec = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"\n  xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"\n  viewBox=\"0 0 512 512\">\n  <openbadges:credential>\n    <![CDATA[\n      {\"name\": \"Teamwork\"}\n    ]]>\n  </openbadges:credential>\n  <!-- rest-of-image -->\n</svg>";
        assert_eq!(unbake_svg(spec).unwrap(), BakedCredential::Json("{\"name\": \"Teamwork\"}".into()));
        let other_prefix = "<svg xmlns:ob='https://purl.imsglobal.org/ob/v3p0'><ob:credential verify='a.b.c'/></svg>";
        assert_eq!(unbake_svg(other_prefix).unwrap(), BakedCredential::CompactJws("a.b.c".into()));
        let entities = "<svg><openbadges:credential>{&quot;name&quot;:&#x22;x&#34;}</openbadges:credential></svg>";
        assert_eq!(unbake_svg(entities).unwrap(), BakedCredential::Json("{\"name\":\"x\"}".into()));
    }

    #[test]
    fn svg_with_an_external_entity_is_refused() {
        let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<svg xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"><openbadges:credential>&xxe;</openbadges:credential></svg>";
        assert_eq!(unbake_svg(xxe), Err(BakingError::EntityDeclaration));
        assert_eq!(bake_svg(xxe, &json()), Err(BakingError::EntityDeclaration));
        let bomb = "<!DOCTYPE svg [<!entity a \"aaaa\"><!ENTITY b \"&a;&a;\">]><svg/>";
        assert_eq!(unbake_svg(bomb), Err(BakingError::EntityDeclaration));
        // An undeclared entity reference is never expanded.
        let undeclared = "<svg><openbadges:credential>&xxe;</openbadges:credential></svg>";
        assert_eq!(unbake_svg(undeclared), Err(BakingError::UnknownEntity("xxe".into())));
        // The public SVG 1.1 DOCTYPE alone is fine: it is never fetched.
        let public = "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg></svg>";
        assert_eq!(unbake_svg(&bake_svg(public, &json()).unwrap()).unwrap(), json());
    }

    #[test]
    fn svg_garbage_is_refused() {
        assert_eq!(unbake_svg(""), Err(BakingError::NotSvg));
        assert_eq!(unbake_svg("hello"), Err(BakingError::NotSvg));
        assert_eq!(unbake_svg("<html><body/></html>"), Err(BakingError::NotSvg));
        assert_eq!(unbake_svg("<svg></svg>"), Err(BakingError::NoCredential));
        assert!(matches!(unbake_svg("<svg attr=oops>"), Err(BakingError::MalformedSvg { .. })));
        assert!(matches!(unbake_svg("<svg><openbadges:credential><![CDATA[{}"), Err(BakingError::MalformedSvg { .. })));
        assert!(matches!(
            unbake_svg("<svg><openbadges:credential><g/></openbadges:credential></svg>"),
            Err(BakingError::MalformedSvg { .. })
        ));
        assert_eq!(
            unbake_svg("<svg><openbadges:credential verify=\"a.b.c\"/><openbadges:credential verify=\"a.b.c\"/></svg>"),
            Err(BakingError::DuplicateCredential)
        );
        assert_eq!(bake_svg("<svg xmlns:openbadges=\"urn:other\"></svg>", &json()), Err(BakingError::PrefixConflict));
        let huge = "x".repeat(MAX_SVG_BYTES + 1);
        assert!(matches!(unbake_svg(&huge), Err(BakingError::TooLarge { .. })));
    }

    #[test]
    fn self_closing_root_is_opened_to_hold_the_credential() {
        let baked = bake_svg("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", &json()).unwrap();
        assert!(baked.starts_with("<svg xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\" xmlns=\"http://www.w3.org/2000/svg\"><openbadges:credential>"));
        assert!(baked.ends_with("</openbadges:credential></svg>"));
        assert_eq!(unbake_svg(&baked).unwrap(), json());
    }
}
