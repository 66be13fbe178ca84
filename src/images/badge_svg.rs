//! The generated badge: a hexagonal medal with a ribbon, in colours derived from
//! the issuer (main hue) and the achievement (accent), the achievement name
//! wrapped onto up to four lines, the issuer's name above it and the achievement
//! type on the ribbon. A pure function of `BadgeFacts`.

use sha2::{Digest, Sha256};

use super::font::{FAMILY, text_width};
use super::{BadgeFacts, xml_escape};

/// The badge is drawn in a 512 × 512 box.
const SIZE: f32 = 512.0;
const CENTER_X: f32 = 256.0;
/// Widest line of the achievement name, and the sizes tried for it, largest first.
const NAME_WIDTH: f32 = 318.0;
const NAME_SIZES: [f32; 6] = [46.0, 40.0, 35.0, 31.0, 27.0, 24.0];
const NAME_MAX_LINES: usize = 4;
/// Vertical centre of the name block.
const NAME_CENTER_Y: f32 = 262.0;
const ISSUER_WIDTH: f32 = 280.0;
/// One line at the first size, or two at the second.
const ISSUER_SIZES: [f32; 2] = [19.0, 15.5];
/// Baseline of the issuer's last line.
const ISSUER_BASELINE_Y: f32 = 166.0;
const RIBBON_WIDTH: f32 = 340.0;
const RIBBON_SIZE: f32 = 21.0;
const RIBBON_SPACING: f32 = 2.5;

/// The SVG of the generated badge.
pub fn badge_svg(facts: &BadgeFacts) -> String {
    let palette = Palette::for_facts(facts);
    let id = &palette.id_prefix;
    let title = xml_escape(&facts.title());
    let name = if facts.achievement_name.trim().is_empty() { "Badge" } else { facts.achievement_name.trim() };
    let (name_size, name_lines) =
        fit_block(name, &NAME_SIZES, NAME_WIDTH, |size| if size >= 40.0 { 2 } else { NAME_MAX_LINES });
    let first_baseline = NAME_CENTER_Y - name_size * 1.15 * (name_lines.len() as f32 - 1.0) / 2.0 + name_size * 0.36;
    let name_text = text_lines(&name_lines, name_size, first_baseline, "");
    let (issuer_size, issuer_lines) =
        fit_block(
            facts.issuer_name.trim(),
            &ISSUER_SIZES,
            ISSUER_WIDTH,
            |size| if size >= ISSUER_SIZES[0] { 1 } else { 2 },
        );
    let issuer_first = ISSUER_BASELINE_Y - issuer_size * 1.15 * (issuer_lines.len() as f32 - 1.0);
    let issuer_text = text_lines(&issuer_lines, issuer_size, issuer_first, " fill-opacity=\"0.88\"");
    let ribbon =
        fit_one_line(&type_label(facts.achievement_type.as_deref()), RIBBON_SIZE, RIBBON_SPACING, RIBBON_WIDTH);
    let Palette { dark, light, accent, ribbon: ribbon_fill, ribbon_shade, .. } = &palette;
    let (outer, inner, star) = (hexagon_points(232.0), hexagon_points(204.0), star_points());
    let ribbon = xml_escape(&ribbon);
    [
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {SIZE} {SIZE}\" width=\"{SIZE}\" height=\"{SIZE}\" "),
        format!("role=\"img\" aria-labelledby=\"{id}-title\"><title id=\"{id}-title\">{title}</title>"),
        format!("<defs><linearGradient id=\"{id}-fill\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"),
        format!("<stop offset=\"0\" stop-color=\"{light}\"/><stop offset=\"1\" stop-color=\"{dark}\"/></linearGradient></defs>"),
        // The medal: outer hexagon with an accent rim, an inner line, a star.
        format!("<polygon points=\"{outer}\" fill=\"url(#{id}-fill)\" stroke=\"{accent}\" stroke-width=\"14\" stroke-linejoin=\"round\"/>"),
        format!("<polygon points=\"{inner}\" fill=\"none\" stroke=\"#ffffff\" stroke-opacity=\"0.4\" stroke-width=\"3\" stroke-linejoin=\"round\"/>"),
        format!("<polygon points=\"{star}\" fill=\"{accent}\"/>"),
        // The ribbon: its shaded tails, then the band.
        format!("<polygon points=\"24,372 96,372 96,430 24,430 44,401\" fill=\"{ribbon_shade}\"/>"),
        format!("<polygon points=\"488,372 416,372 416,430 488,430 468,401\" fill=\"{ribbon_shade}\"/>"),
        format!("<polygon points=\"64,358 448,358 448,416 64,416\" fill=\"{ribbon_fill}\" stroke=\"{accent}\" stroke-width=\"3\"/>"),
        format!("<g font-family=\"'{FAMILY}', Verdana, Arial, sans-serif\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#ffffff\">"),
        format!("{issuer_text}{name_text}<text x=\"{CENTER_X}\" y=\"395\" font-size=\"{RIBBON_SIZE}\" letter-spacing=\"{RIBBON_SPACING}\">"),
        format!("{ribbon}</text></g></svg>"),
    ]
    .concat()
}

/// Colours and the prefix of element ids, derived from the issuer and the achievement.
pub(super) struct Palette {
    pub(super) dark: String,
    light: String,
    pub(super) accent: String,
    ribbon: String,
    ribbon_shade: String,
    /// Distinct per design, so that two badges inlined in one page keep their gradients.
    id_prefix: String,
}

impl Palette {
    pub(super) fn for_facts(facts: &BadgeFacts) -> Palette {
        let issuer = Sha256::digest(facts.issuer_id.as_bytes());
        let achievement = Sha256::digest(facts.achievement_id.as_bytes());
        let hue = f32::from(u16::from_be_bytes([issuer[0], issuer[1]]) % 360);
        // The accent sits opposite the main hue, give or take 40 degrees.
        let accent_hue = (hue + 140.0 + f32::from(achievement[0] % 80)) % 360.0;
        let design = Sha256::digest(format!("{}\u{0}{}", facts.issuer_id, facts.achievement_id).as_bytes());
        Palette {
            dark: hsl(hue, 0.62, 0.24),
            light: hsl(hue, 0.55, 0.42),
            accent: hsl(accent_hue, 0.78, 0.6),
            ribbon: hsl(accent_hue, 0.6, 0.36),
            ribbon_shade: hsl(accent_hue, 0.55, 0.24),
            id_prefix: format!("badge-{}", hex::encode(&design[..4])),
        }
    }
}

/// `#rrggbb` for a hue in degrees and saturation and lightness in 0..=1.
fn hsl(hue: f32, saturation: f32, lightness: f32) -> String {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let sector = hue / 60.0;
    let x = chroma * (1.0 - (sector % 2.0 - 1.0).abs());
    let (r, g, b) = match sector as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    let byte = |v: f32| ((v + m).clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

/// The corners of a hexagon of `radius` around (256, 248), the first one at the top.
fn hexagon_points(radius: f32) -> String {
    (0..6)
        .map(|i| {
            let angle = std::f32::consts::TAU * i as f32 / 6.0;
            format!("{:.1},{:.1}", CENTER_X + radius * angle.sin(), 248.0 - radius * angle.cos())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A five-pointed star above the text.
fn star_points() -> String {
    (0..10)
        .map(|i| {
            let angle = std::f32::consts::PI * i as f32 / 5.0;
            let r = if i % 2 == 0 { 27.0 } else { 11.5 };
            format!("{:.1},{:.1}", CENTER_X + r * angle.sin(), 104.0 - r * angle.cos())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text on the ribbon: the achievement type in capitals, words split at case changes.
fn type_label(achievement_type: Option<&str>) -> String {
    let raw = achievement_type.unwrap_or("Achievement");
    let raw = raw.strip_prefix("ext:").unwrap_or(raw);
    if raw == "MicroCredential" {
        return "MICRO-CREDENTIAL".to_owned();
    }
    let mut label = String::new();
    let mut previous_lower = false;
    for c in raw.chars() {
        if c.is_uppercase() && previous_lower {
            label.push(' ');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        label.extend(c.to_uppercase());
    }
    label
}

/// `text` on one line no wider than `width`, shortened with an ellipsis if needed.
pub(super) fn fit_one_line(text: &str, size: f32, spacing: f32, width: f32) -> String {
    if text_width(text, size, spacing) <= width {
        return text.to_owned();
    }
    let mut shortened: String = text.to_owned();
    while !shortened.is_empty() {
        shortened.pop();
        let candidate = format!("{}…", shortened.trim_end());
        if text_width(&candidate, size, spacing) <= width {
            return candidate;
        }
    }
    "…".to_owned()
}

/// Centred `<text>` lines at `size`, the first baseline at `first_baseline`, 1.15 apart.
fn text_lines(lines: &[String], size: f32, first_baseline: f32, attributes: &str) -> String {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                "<text x=\"{CENTER_X}\" y=\"{:.1}\" font-size=\"{size}\"{attributes}>{}</text>",
                first_baseline + size * 1.15 * i as f32,
                xml_escape(line)
            )
        })
        .collect()
}

/// The first of `sizes` at which `text`, wrapped to `width`, takes at most
/// `max_lines(size)` lines, and the lines; at the last size, what does not fit
/// ends in an ellipsis.
pub(super) fn fit_block(text: &str, sizes: &[f32], width: f32, max_lines: impl Fn(f32) -> usize) -> (f32, Vec<String>) {
    let mut last = (0.0, Vec::new());
    for &size in sizes {
        let lines = wrap(text, size, width);
        if lines.len() <= max_lines(size) {
            return (size, lines);
        }
        last = (size, lines);
    }
    let (size, mut lines) = last;
    lines.truncate(max_lines(size));
    if let Some(line) = lines.last_mut() {
        *line = fit_one_line(&format!("{line}…"), size, 0.0, width);
    }
    (size, lines)
}

/// Greedy word wrapping to `width`; a word wider than a line is cut.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if text_width(&candidate, size, 0.0) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if text_width(&line, size, 0.0) > width && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str) -> BadgeFacts {
        BadgeFacts {
            achievement_id: "https://x.example/achievements/a1".into(),
            achievement_name: name.into(),
            achievement_type: Some("MicroCredential".into()),
            issuer_id: "https://x.example/issuers/acme".into(),
            issuer_name: "Acme <College> & \"Co\"".into(),
            image: None,
        }
    }

    #[test]
    fn the_badge_is_deterministic_accessible_and_escaped() {
        let svg = badge_svg(&facts("Tom's <b>Workshop</b> & more"));
        assert_eq!(svg, badge_svg(&facts("Tom's <b>Workshop</b> & more")));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"badge-"));
        assert!(svg.contains("Tom&apos;s &lt;b&gt;Workshop&lt;/b&gt; &amp; more badge, issued by Acme &lt;College&gt; &amp; &quot;Co&quot;</title>"), "{svg}");
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("MICRO-CREDENTIAL"));
    }

    #[test]
    fn colours_follow_the_issuer_and_the_achievement() {
        let a = Palette::for_facts(&facts("x"));
        let mut other_issuer = facts("x");
        other_issuer.issuer_id = "https://y.example/issuers/other".into();
        let b = Palette::for_facts(&other_issuer);
        assert_ne!(a.dark, b.dark);
        assert_eq!(hsl(0.0, 1.0, 0.5), "#ff0000");
        assert_eq!(hsl(120.0, 1.0, 0.5), "#00ff00");
        assert_eq!(hsl(240.0, 1.0, 0.25), "#000080");
    }

    #[test]
    fn names_wrap_within_the_medal() {
        let fit_name =
            |name: &str| fit_block(name, &NAME_SIZES, NAME_WIDTH, |size| if size >= 40.0 { 2 } else { NAME_MAX_LINES });
        let (size, lines) = fit_name("Time");
        assert_eq!((size, lines.len()), (46.0, 1));
        let long = "Workplace Health and Safety Fundamentals for Construction Site Supervisors and Crew Leads";
        let (size, lines) = fit_name(long);
        assert!(lines.len() <= NAME_MAX_LINES && size < 46.0, "{size} {lines:?}");
        assert!(lines.iter().all(|l| text_width(l, size, 0.0) <= NAME_WIDTH), "{lines:?}");
        let endless = "word ".repeat(80);
        let (_, lines) = fit_name(&endless);
        assert_eq!(lines.len(), NAME_MAX_LINES);
        assert!(lines[NAME_MAX_LINES - 1].ends_with('…'));
        let one_long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis";
        assert!(fit_name(one_long_word).1.iter().all(|l| text_width(l, 24.0, 0.0) <= NAME_WIDTH));
        // A long issuer name takes two smaller lines rather than being cut.
        let issuer = "Canadian Council for Aviation & Aerospace";
        let (size, lines) = fit_block(issuer, &ISSUER_SIZES, ISSUER_WIDTH, |size| if size >= 19.0 { 1 } else { 2 });
        assert_eq!((size, lines.join(" ").as_str()), (ISSUER_SIZES[1], issuer));
    }

    #[test]
    fn type_labels_are_readable() {
        assert_eq!(type_label(Some("MicroCredential")), "MICRO-CREDENTIAL");
        assert_eq!(type_label(Some("LicensedCourse")), "LICENSED COURSE");
        assert_eq!(type_label(Some("ext:OnlineWorkshop")), "ONLINE WORKSHOP");
        assert_eq!(type_label(None), "ACHIEVEMENT");
    }
}
