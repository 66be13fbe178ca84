//! The one font text is rendered and measured with: a Latin subset of DejaVu Sans
//! Bold (`src/images/fonts`, with its licence and how it was made).

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// The font file, compiled in.
pub const FONT: &[u8] = include_bytes!("fonts/DejaVuSans-Bold-Latin.ttf");

/// Its family name, as SVG `font-family` names it.
pub const FAMILY: &str = "DejaVu Sans";

/// Advance of a character the font does not have, in ems (about a wide letter).
const MISSING_ADVANCE: f32 = 0.75;

/// Width of `text` at `font_size`, with `letter_spacing` after every character,
/// from the font's advance widths (kerning left out: it only narrows).
pub fn text_width(text: &str, font_size: f32, letter_spacing: f32) -> f32 {
    let ems: f32 = match FontRef::new(FONT) {
        Ok(font) => {
            let charmap = font.charmap();
            let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
            let units = font.metrics(Size::unscaled(), LocationRef::default()).units_per_em.max(1) as f32;
            text.chars()
                .map(|c| charmap.map(c).and_then(|g| metrics.advance_width(g)).map_or(MISSING_ADVANCE, |w| w / units))
                .sum()
        }
        Err(_) => text.chars().count() as f32 * MISSING_ADVANCE,
    };
    ems * font_size + letter_spacing * text.chars().count() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_font() {
        let i = text_width("iiii", 10.0, 0.0);
        let m = text_width("MMMM", 10.0, 0.0);
        assert!(i > 5.0 && i < 20.0, "{i}");
        assert!(m > 2.0 * i, "{m} vs {i}");
        assert_eq!(text_width("ab", 20.0, 0.0), 2.0 * text_width("ab", 10.0, 0.0));
        assert_eq!(text_width("ab", 10.0, 3.0), text_width("ab", 10.0, 0.0) + 6.0);
        // Outside the subset: still a positive width.
        assert!(text_width("漢", 10.0, 0.0) > 5.0);
    }
}
