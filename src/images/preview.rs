//! The link preview card of a badge: what LinkedIn, Slack, Teams or X show when a
//! badge page is posted, 1200 × 630 pixels (the Open Graph size those sites crop
//! least). The artwork on the left, on the right the issuer, the achievement's name
//! and a line saying it is a verifiable Open Badge, in the badge's own colours.
//! A pure function of the facts and the artwork's PNG.

use resvg::tiny_skia::{FilterQuality, IntSize, Pixmap, PixmapPaint, Transform};

use super::badge_svg::{Palette, fit_block, fit_one_line};
use super::font::FAMILY;
use super::raster::{self, Rgba};
use super::{BadgeFacts, ImageError, xml_escape};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;
/// The artwork fits a square of this side, centred in the left part.
const ART_SIDE: f32 = 470.0;
const ART_CENTER_X: f32 = 315.0;
/// Where the text starts, and how wide it may run.
const TEXT_X: f32 = 610.0;
const TEXT_WIDTH: f32 = 540.0;
const NAME_SIZES: [f32; 5] = [60.0, 52.0, 45.0, 39.0, 34.0];
const NAME_MAX_LINES: usize = 4;
const ISSUER_SIZE: f32 = 30.0;
const FOOTER_SIZE: f32 = 24.0;

/// The card's PNG, the artwork (`artwork_png`, any size) drawn onto it.
pub fn preview_png(facts: &BadgeFacts, artwork_png: &[u8], footer: &str) -> Result<Vec<u8>, ImageError> {
    let card = raster::parse_svg(&card_svg(facts, footer))?;
    let mut pixmap = Pixmap::new(WIDTH, HEIGHT).ok_or(ImageError::Dimensions { width: WIDTH, height: HEIGHT })?;
    resvg::render(&card, Transform::identity(), &mut pixmap.as_mut());
    let art = raster::decode_png(artwork_png)?;
    let (w, h) = (art.width as f32, art.height as f32);
    let scale = ART_SIDE / w.max(h);
    let x = ART_CENTER_X - w * scale / 2.0;
    let y = (HEIGHT as f32 - h * scale) / 2.0;
    let paint = PixmapPaint { quality: FilterQuality::Bicubic, ..PixmapPaint::default() };
    pixmap.draw_pixmap(
        0,
        0,
        premultiplied(art)?.as_ref(),
        &paint,
        Transform::from_row(scale, 0.0, 0.0, scale, x, y),
        None,
    );
    raster::encode_pixmap(&pixmap)
}

/// A pixmap of straight-alpha RGBA pixels.
fn premultiplied(art: Rgba) -> Result<Pixmap, ImageError> {
    let Rgba { width, height, mut pixels } = art;
    for p in pixels.chunks_exact_mut(4) {
        let a = u16::from(p[3]);
        for c in &mut p[..3] {
            *c = ((u16::from(*c) * a + 127) / 255) as u8;
        }
    }
    let size = IntSize::from_wh(width, height).ok_or(ImageError::Dimensions { width, height })?;
    Pixmap::from_vec(pixels, size).ok_or(ImageError::Dimensions { width, height })
}

/// The card without the artwork.
fn card_svg(facts: &BadgeFacts, footer: &str) -> String {
    let palette = Palette::for_facts(facts);
    let name = if facts.achievement_name.trim().is_empty() { "Badge" } else { facts.achievement_name.trim() };
    let (size, lines) = fit_block(name, &NAME_SIZES, TEXT_WIDTH, |_| NAME_MAX_LINES);
    let block = size * 1.15 * lines.len() as f32;
    let first = (HEIGHT as f32 - block) / 2.0 + size * 0.85;
    let name_text: String = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                "<text x=\"{TEXT_X}\" y=\"{:.1}\" font-size=\"{size}\">{}</text>",
                first + size * 1.15 * i as f32,
                xml_escape(line)
            )
        })
        .collect();
    let issuer = xml_escape(&fit_one_line(facts.issuer_name.trim(), ISSUER_SIZE, 0.0, TEXT_WIDTH));
    let footer = xml_escape(&fit_one_line(footer, FOOTER_SIZE, 0.0, TEXT_WIDTH));
    let issuer_y = first - size - 28.0;
    let footer_y = first + block - size * 0.15 + 48.0;
    let (dark, accent) = (&palette.dark, &palette.accent);
    [
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\">"),
        format!("<rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#f7f8fb\"/>"),
        format!("<rect width=\"{}\" height=\"{HEIGHT}\" fill=\"{dark}\" fill-opacity=\"0.08\"/>", ART_CENTER_X * 2.0 - 40.0),
        format!("<rect y=\"{}\" width=\"{WIDTH}\" height=\"14\" fill=\"{accent}\"/>", HEIGHT - 14),
        format!("<g font-family=\"'{FAMILY}', Verdana, Arial, sans-serif\" fill=\"#1c2230\">"),
        format!("<text x=\"{TEXT_X}\" y=\"{issuer_y:.1}\" font-size=\"{ISSUER_SIZE}\" fill=\"{dark}\">{issuer}</text>"),
        format!("<g font-weight=\"bold\">{name_text}</g>"),
        format!("<text x=\"{TEXT_X}\" y=\"{footer_y:.1}\" font-size=\"{FOOTER_SIZE}\" fill=\"#4a5263\">{footer}</text>"),
        "</g></svg>".to_string(),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str) -> BadgeFacts {
        BadgeFacts {
            achievement_id: "https://x/achievements/1".into(),
            achievement_name: name.into(),
            issuer_id: "https://x/issuers/a".into(),
            issuer_name: "Collège du Nord".into(),
            ..BadgeFacts::default()
        }
    }

    #[test]
    fn the_card_is_the_open_graph_size_with_the_artwork_on_the_left() {
        let f = facts("Confined space entry");
        let art = super::super::make_artwork(&f).unwrap();
        let png = preview_png(&f, &art.png, "Verifiable Open Badge").unwrap();
        let decoded = raster::decode_png(&png).unwrap();
        assert_eq!((decoded.width, decoded.height), (WIDTH, HEIGHT));
        let pixel = |x: u32, y: u32| {
            let i = ((y * WIDTH + x) * 4) as usize;
            decoded.pixels[i..i + 4].to_vec()
        };
        // The medal's centre is painted (not the card's pale background); the far right is background.
        assert_ne!(pixel(ART_CENTER_X as u32, HEIGHT / 2), pixel(1190, 20));
        assert_eq!(pixel(1190, 20), vec![0xf7, 0xf8, 0xfb, 0xff]);
    }

    #[test]
    fn a_long_name_is_wrapped_and_the_text_is_escaped() {
        let svg = card_svg(&facts(&"Très <long> & nom ".repeat(20)), "Open Badge");
        assert!(svg.contains("&lt;long&gt; &amp;"));
        assert!(svg.matches("font-size=\"34\"").count() <= NAME_MAX_LINES);
        raster::parse_svg(&svg).unwrap();
    }
}
