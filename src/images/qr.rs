//! QR codes (error correction level M, a quiet zone of four modules) as SVG and
//! as 1-bit PNG. The `qrcode` crate makes the module matrix; the drawing is here.

use qrcode::{Color, EcLevel, QrCode};

use super::{ImageError, raster, xml_escape};

/// Light modules around the symbol, as ISO/IEC 18004 requires.
pub const QUIET_ZONE: usize = 4;
/// Pixels per module in the PNG.
pub const PNG_MODULE_PIXELS: usize = 8;

/// The dark and light modules of a QR code, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// The QR code of `text`, at error correction level M.
    pub fn new(text: &str) -> Result<QrMatrix, ImageError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| ImageError::Qr(e.to_string()))?;
        Ok(QrMatrix { width: code.width(), dark: code.to_colors().into_iter().map(|c| c == Color::Dark).collect() })
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x` and row `y` (quiet zone included) is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        let (Some(x), Some(y)) = (x.checked_sub(QUIET_ZONE), y.checked_sub(QUIET_ZONE)) else { return false };
        x < self.width && y < self.width && self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// Modules per side with the quiet zone.
    pub fn full_width(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// An SVG of the code: one unit per module, dark runs of each row as one path.
    pub fn to_svg(&self, title: &str) -> String {
        let side = self.full_width();
        let mut path = String::new();
        for y in 0..side {
            let mut x = 0;
            while x < side {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < side && self.is_dark(x, y) {
                    x += 1;
                }
                path.push_str(&format!("M{start} {y}h{}v1H{start}z", x - start));
            }
        }
        format!(
            concat!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" width=\"{px}\" height=\"{px}\" ",
                "role=\"img\" shape-rendering=\"crispEdges\"><title>{title}</title>",
                "<rect width=\"{side}\" height=\"{side}\" fill=\"#ffffff\"/><path fill=\"#000000\" d=\"{path}\"/></svg>"
            ),
            side = side,
            px = side * PNG_MODULE_PIXELS,
            title = xml_escape(title),
            path = path
        )
    }

    /// A 1-bit greyscale PNG of the code, `PNG_MODULE_PIXELS` pixels per module.
    pub fn to_png(&self) -> Result<Vec<u8>, ImageError> {
        let pixels = self.full_width() * PNG_MODULE_PIXELS;
        let row_bytes = pixels.div_ceil(8);
        let mut data = vec![0u8; row_bytes * pixels];
        for (py, row) in data.chunks_exact_mut(row_bytes).enumerate() {
            for px in 0..pixels {
                if !self.is_dark(px / PNG_MODULE_PIXELS, py / PNG_MODULE_PIXELS) {
                    // 1 is white in a 1-bit greyscale image.
                    row[px / 8] |= 0x80 >> (px % 8);
                }
            }
        }
        let side = u32::try_from(pixels).map_err(|_| ImageError::Qr("too many modules".into()))?;
        raster::encode_png(side, side, png::ColorType::Grayscale, png::BitDepth::One, &data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_has_a_quiet_zone_and_finder_patterns() {
        let m = QrMatrix::new("https://badges.example.ca/credentials/0190c7f0-0000-7000-8000-000000000000").unwrap();
        assert_eq!((m.width() - 17) % 4, 0);
        assert_eq!(m.full_width(), m.width() + 8);
        for i in 0..m.full_width() {
            assert!(!m.is_dark(i, 0) && !m.is_dark(0, i) && !m.is_dark(i, m.full_width() - 1));
        }
        // The top-left finder pattern starts right after the quiet zone.
        assert!(m.is_dark(QUIET_ZONE, QUIET_ZONE) && m.is_dark(QUIET_ZONE + 6, QUIET_ZONE));
        assert!(!m.is_dark(QUIET_ZONE + 1, QUIET_ZONE + 1));
        let png = m.to_png().unwrap();
        let decoded = raster::decode_png(&png).unwrap();
        assert_eq!(decoded.width as usize, m.full_width() * PNG_MODULE_PIXELS);
        assert!(png.len() < 4096, "{}", png.len());
    }

    #[test]
    fn too_much_text_is_an_error() {
        assert!(matches!(QrMatrix::new(&"x".repeat(5000)), Err(ImageError::Qr(_))));
    }
}
