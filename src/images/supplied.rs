//! The achievement's own image, from a `data:image/png` or `data:image/svg+xml`
//! URI, within limits. Anything else is an error, and the caller draws the
//! generated badge instead.
//!
//! A PNG is decoded and encoded again (metadata, and any credential baked into
//! it, are left behind); an SVG is read by usvg and written out again, which
//! keeps only what renders (no scripts, event attributes or external references).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::raster::{self, Rgba};
use super::{Artwork, ArtworkSource, ImageError, PNG_SIZE, xml_escape};

/// Longest data URI read, in bytes.
pub const MAX_URI_BYTES: usize = 1024 * 1024;
/// Largest decoded image, in bytes.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// The media types an achievement image may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Png,
    Svg,
}

/// Decodes a `data:` URI (RFC 2397) of a PNG or SVG image: its media type and bytes.
pub fn decode_data_uri(uri: &str) -> Result<(MediaType, Vec<u8>), ImageError> {
    if uri.len() > MAX_URI_BYTES {
        return Err(ImageError::TooLarge { size: uri.len(), limit: MAX_URI_BYTES });
    }
    let rest = uri
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
        .map(|_| &uri[5..])
        .ok_or(ImageError::NotDataUri)?;
    let (header, payload) = rest.split_once(',').ok_or(ImageError::NotDataUri)?;
    let mut params = header.split(';').map(str::trim);
    let media = params.next().unwrap_or("").to_ascii_lowercase();
    let base64 = params.any(|p| p.eq_ignore_ascii_case("base64"));
    let media = match media.as_str() {
        "image/png" => MediaType::Png,
        "image/svg+xml" => MediaType::Svg,
        _ => return Err(ImageError::UnsupportedMediaType(media.chars().take(60).collect())),
    };
    let bytes = if base64 {
        let compact: String =
            percent_decode(payload)?.into_iter().filter(|b| !b.is_ascii_whitespace()).map(char::from).collect();
        STANDARD.decode(compact.as_bytes()).map_err(|_| ImageError::BadEncoding("base64"))?
    } else {
        percent_decode(payload)?
    };
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge { size: bytes.len(), limit: MAX_IMAGE_BYTES });
    }
    Ok((media, bytes))
}

/// Replaces `%XX` escapes with their bytes.
fn percent_decode(text: &str) -> Result<Vec<u8>, ImageError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(ImageError::BadEncoding("percent-encoding"))?;
            let value = std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(ImageError::BadEncoding("percent-encoding"))?;
            out.push(value);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Ok(out)
}

/// The artwork made of the image in `uri`, with `title` as its accessible name.
pub fn artwork(uri: &str, title: &str) -> Result<Artwork, ImageError> {
    let (media, bytes) = decode_data_uri(uri)?;
    match media {
        MediaType::Png => {
            let Rgba { width, height, pixels } = raster::decode_png(&bytes)?;
            let png = raster::encode_png(width, height, png::ColorType::Rgba, png::BitDepth::Eight, &pixels)?;
            let inner = format!(
                "<image width=\"{width}\" height=\"{height}\" href=\"data:image/png;base64,{}\"/>",
                STANDARD.encode(&png)
            );
            Ok(Artwork {
                svg: wrap(width as f32, height as f32, title, &inner),
                png,
                source: ArtworkSource::SuppliedPng,
            })
        }
        MediaType::Svg => {
            let text = std::str::from_utf8(&bytes).map_err(|_| ImageError::Svg("not UTF-8".into()))?;
            let tree = raster::parse_svg(text)?;
            let size = tree.size();
            let png = raster::render_png(&tree, PNG_SIZE)?;
            let inner = tree.to_string(&resvg::usvg::WriteOptions::default());
            let inner = inner.trim_start_matches(|c: char| c != '<');
            Ok(Artwork {
                svg: wrap(size.width(), size.height(), title, inner),
                png,
                source: ArtworkSource::SuppliedSvg,
            })
        }
    }
}

/// An SVG document of `width` × `height` with a title around `inner` markup.
fn wrap(width: f32, height: f32, title: &str, inner: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\"><title>{}</title>{inner}</svg>",
        xml_escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_uri(width: u32, height: u32) -> String {
        let png = raster::encode_png(
            width,
            height,
            png::ColorType::Rgb,
            png::BitDepth::Eight,
            &vec![200; (width * height * 3) as usize],
        )
        .unwrap();
        format!("data:image/png;base64,{}", STANDARD.encode(png))
    }

    #[test]
    fn data_uris_decode() {
        assert_eq!(decode_data_uri("data:image/svg+xml,%3Csvg%2F%3E").unwrap(), (MediaType::Svg, b"<svg/>".to_vec()));
        assert_eq!(
            decode_data_uri("DATA:Image/SVG+XML;charset=utf-8,<svg/>").unwrap(),
            (MediaType::Svg, b"<svg/>".to_vec())
        );
        assert_eq!(
            decode_data_uri("data:image/png;base64,iVBO%0Aw0KG").unwrap().1,
            STANDARD.decode("iVBOw0KG").unwrap()
        );
        assert_eq!(decode_data_uri("https://x.example/i.png"), Err(ImageError::NotDataUri));
        assert_eq!(decode_data_uri("data:image/png;base64"), Err(ImageError::NotDataUri));
        assert_eq!(
            decode_data_uri("data:image/gif;base64,R0lG"),
            Err(ImageError::UnsupportedMediaType("image/gif".into()))
        );
        assert_eq!(decode_data_uri("data:image/png;base64,!!!"), Err(ImageError::BadEncoding("base64")));
        assert_eq!(decode_data_uri("data:image/svg+xml,%3"), Err(ImageError::BadEncoding("percent-encoding")));
        assert_eq!(decode_data_uri("data:image/svg+xml,%zz"), Err(ImageError::BadEncoding("percent-encoding")));
        assert_eq!(decode_data_uri("data:é,"), Err(ImageError::UnsupportedMediaType("é".into())));
        let huge = format!("data:image/svg+xml,{}", "a".repeat(MAX_URI_BYTES));
        assert!(matches!(decode_data_uri(&huge), Err(ImageError::TooLarge { .. })));
    }

    #[test]
    fn a_png_is_used_re_encoded() {
        let art = artwork(&png_uri(30, 20), "T <1>").unwrap();
        assert_eq!(art.source, ArtworkSource::SuppliedPng);
        let decoded = raster::decode_png(&art.png).unwrap();
        assert_eq!((decoded.width, decoded.height), (30, 20));
        assert_eq!(&decoded.pixels[..4], &[200, 200, 200, 255]);
        assert!(art.svg.contains("<title>T &lt;1&gt;</title>"));
        assert!(art.svg.contains("href=\"data:image/png;base64,"));
    }

    #[test]
    fn an_svg_is_used_without_its_script() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 50\" onload=\"alert(1)\"><script>alert(2)</script><circle cx=\"25\" cy=\"25\" r=\"20\" fill=\"blue\"/></svg>";
        let uri = format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg));
        let art = artwork(&uri, "t").unwrap();
        assert_eq!(art.source, ArtworkSource::SuppliedSvg);
        assert!(
            !art.svg.contains("script") && !art.svg.contains("onload") && !art.svg.contains("alert"),
            "{}",
            art.svg
        );
        assert!(art.svg.contains("<path"), "{}", art.svg);
        let decoded = raster::decode_png(&art.png).unwrap();
        assert_eq!((decoded.width, decoded.height), (PNG_SIZE, PNG_SIZE / 2));
    }

    #[test]
    fn corrupt_images_are_errors() {
        let mut truncated = png_uri(30, 20);
        truncated.truncate(truncated.len() - 12);
        assert!(artwork(&truncated, "t").is_err());
        assert!(artwork("data:image/png;base64,aGVsbG8=", "t").is_err());
        assert!(artwork("data:image/svg+xml,<svg><g>", "t").is_err());
        assert!(artwork("data:image/svg+xml,%FF%FE", "t").is_err());
        assert!(artwork(&png_uri(raster::MAX_SIDE + 1, 1), "t").is_err());
    }
}
