//! SVG to PNG with resvg, and PNG reading and writing with the `png` crate.
//!
//! SVG is read with options that reach nothing outside the document: no files,
//! no fonts but the embedded one, no embedded raster images (an `<image>` is
//! left out), no nested SVG documents.

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use super::ImageError;
use super::font::{FAMILY, FONT};

/// Largest side, in pixels, of an image read or written here.
pub const MAX_SIDE: u32 = 2048;

fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_font_data(FONT.to_vec());
            db.set_sans_serif_family(FAMILY);
            db.set_serif_family(FAMILY);
            db.set_monospace_family(FAMILY);
            db.set_cursive_family(FAMILY);
            db.set_fantasy_family(FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// Options that resolve nothing outside the document and use only the embedded font.
fn options() -> usvg::Options<'static> {
    usvg::Options {
        resources_dir: None,
        font_family: FAMILY.to_owned(),
        fontdb: fonts(),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Parses SVG text into a render tree.
pub fn parse_svg(text: &str) -> Result<usvg::Tree, ImageError> {
    usvg::Tree::from_str(text, &options()).map_err(|e| ImageError::Svg(e.to_string()))
}

/// Renders SVG text to a PNG whose larger side is `side` pixels.
pub fn render_svg_text(text: &str, side: u32) -> Result<Vec<u8>, ImageError> {
    render_png(&parse_svg(text)?, side)
}

/// Renders a tree to a PNG whose larger side is `side` pixels, keeping its aspect ratio.
pub fn render_png(tree: &usvg::Tree, side: u32) -> Result<Vec<u8>, ImageError> {
    let size = tree.size();
    let scale = side as f32 / size.width().max(size.height());
    let width = (size.width() * scale).round().clamp(1.0, side as f32) as u32;
    let height = (size.height() * scale).round().clamp(1.0, side as f32) as u32;
    let mut pixmap = Pixmap::new(width, height).ok_or(ImageError::Dimensions { width, height })?;
    resvg::render(tree, Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    encode_pixmap(&pixmap)
}

/// Encodes a rendered pixmap as an RGBA PNG.
pub fn encode_pixmap(pixmap: &Pixmap) -> Result<Vec<u8>, ImageError> {
    let mut rgba = Vec::with_capacity(pixmap.data().len());
    for pixel in pixmap.pixels() {
        let c = pixel.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    encode_png(pixmap.width(), pixmap.height(), png::ColorType::Rgba, png::BitDepth::Eight, &rgba)
}

/// Encodes pixel rows as a PNG.
pub fn encode_png(
    width: u32,
    height: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    data: &[u8],
) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(depth);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(|e| ImageError::PngEncode(e.to_string()))?;
    writer.write_image_data(data).map_err(|e| ImageError::PngEncode(e.to_string()))?;
    writer.finish().map_err(|e| ImageError::PngEncode(e.to_string()))?;
    Ok(out)
}

/// A decoded PNG as 8-bit RGBA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Decodes a PNG to 8-bit RGBA, refusing images larger than `MAX_SIDE` before
/// reading their pixels.
pub fn decode_png(bytes: &[u8]) -> Result<Rgba, ImageError> {
    let decode_error = |e: png::DecodingError| ImageError::PngDecode(e.to_string());
    let limits = png::Limits { bytes: (MAX_SIDE as usize) * (MAX_SIDE as usize) * 8 };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(decode_error)?;
    let (width, height) = reader.info().size();
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::Dimensions { width, height });
    }
    let size = reader.output_buffer_size().ok_or(ImageError::Dimensions { width, height })?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(decode_error)?;
    let data = buffer.get(..frame.buffer_size()).ok_or(ImageError::PngDecode("short frame".into()))?;
    let pixels: Vec<u8> = match frame.color_type {
        png::ColorType::Rgba => data.to_vec(),
        png::ColorType::Rgb => data.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        png::ColorType::GrayscaleAlpha => data.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect(),
        png::ColorType::Grayscale => data.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => return Err(ImageError::PngDecode("palette was not expanded".into())),
    };
    if pixels.len() != (width as usize) * (height as usize) * 4 {
        return Err(ImageError::PngDecode("unexpected pixel data length".into()));
    }
    Ok(Rgba { width, height, pixels })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_renders_to_a_png_that_decodes() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 20 10\"><rect width=\"10\" height=\"10\" fill=\"#ff0000\"/><text x=\"12\" y=\"8\" font-size=\"8\">Aé</text></svg>";
        let png = render_svg_text(svg, 200).unwrap();
        let decoded = decode_png(&png).unwrap();
        assert_eq!((decoded.width, decoded.height), (200, 100));
        assert_eq!(&decoded.pixels[..4], &[255, 0, 0, 255]);
        // The text is drawn with the embedded font: some pixels right of the square are inked.
        let inked = decoded.pixels.chunks_exact(4).enumerate().filter(|(i, p)| i % 200 >= 120 && p[3] > 0).count();
        assert!(inked > 100, "{inked}");
    }

    #[test]
    fn nothing_outside_the_document_is_read() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 10 10\"><image href=\"/etc/passwd\" width=\"10\" height=\"10\"/><image xlink:href=\"Cargo.toml\" width=\"10\" height=\"10\"/></svg>";
        let tree = parse_svg(svg).unwrap();
        assert!(!tree.root().has_children());
    }

    #[test]
    fn bad_png_is_an_error_not_a_panic() {
        assert!(matches!(decode_png(b"not a png"), Err(ImageError::PngDecode(_))));
        let good = encode_png(2, 1, png::ColorType::Grayscale, png::BitDepth::Eight, &[0, 255]).unwrap();
        assert_eq!(decode_png(&good).unwrap().pixels, vec![0, 0, 0, 255, 255, 255, 255, 255]);
        assert!(decode_png(&good[..good.len() - 20]).is_err());
        let wide = encode_png(
            MAX_SIDE + 1,
            1,
            png::ColorType::Grayscale,
            png::BitDepth::Eight,
            &vec![0; MAX_SIDE as usize + 1],
        )
        .unwrap();
        assert_eq!(decode_png(&wide), Err(ImageError::Dimensions { width: MAX_SIDE + 1, height: 1 }));
    }
}
