//! Criteria narratives are Markdown (Open Badges 3.0 says a narrative may be): pages show them
//! as markup written here, from the CommonMark parser's events, never from the text itself.
//!
//! What becomes markup: paragraphs, line breaks, emphasis, lists, quotes, code and rules;
//! headings become bold paragraphs (the page owns its heading outline). Raw HTML is shown as
//! the text it is (escaped); an image shows its description; a link is a link only when it
//! goes to an http(s) URL or a relative one, and then carries `rel="nofollow ugc noopener"`.
//! The cost is bounded: a text over [`MAX_BYTES`] is shown as plain paragraphs, and blocks
//! nested deeper than [`MAX_DEPTH`] keep their text without further nesting.

use crate::html_escape::escape_into;
use pulldown_cmark::{Event, Options, Parser, Tag};

/// The longest text rendered as Markdown (the API accepts 8,000 characters, plus the facts
/// appended to a narrative); a longer one, read from any credential, is shown as plain text.
pub const MAX_BYTES: usize = 48 * 1024;

/// How many elements may be open inside one another.
pub const MAX_DEPTH: usize = 16;

/// The longest run of quote and list markers, digits and blanks a line may start with. The
/// parser's cost grows with the square of nesting (4,000 levels: a quarter of a second), so a
/// text nested deeper than a reader would write is shown as plain paragraphs.
const MAX_LINE_PREFIX: usize = 4 * MAX_DEPTH;

/// The HTML of a Markdown text, safe to put in a page as it is.
pub fn to_html(text: &str) -> String {
    if text.len() > MAX_BYTES || text.lines().any(|line| nesting_prefix(line) > MAX_LINE_PREFIX) {
        return plain_paragraphs(text);
    }
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    // The closing markup of each element opened, or None for one shown without markup.
    let mut open: Vec<Option<&'static str>> = Vec::new();
    for event in Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(tag) => {
                let depth = open.iter().flatten().count();
                let close = if depth >= MAX_DEPTH { None } else { start(&tag, &mut out) };
                open.push(close);
            }
            Event::End(_) => {
                if let Some(Some(close)) = open.pop() {
                    out.push_str(close);
                }
            }
            Event::Text(t) => escape_into(&t, &mut out),
            Event::Code(t) => {
                out.push_str("<code>");
                escape_into(&t, &mut out);
                out.push_str("</code>");
            }
            // Raw HTML is text like any other.
            Event::Html(t) | Event::InlineHtml(t) => escape_into(&t, &mut out),
            // Issuers write line by line: a line break in the text is one on the page.
            Event::SoftBreak | Event::HardBreak => out.push_str("<br>\n"),
            Event::Rule => out.push_str("<hr>\n"),
            Event::FootnoteReference(t) | Event::InlineMath(t) | Event::DisplayMath(t) => escape_into(&t, &mut out),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
        }
    }
    out
}

/// Writes the opening markup of an element and returns its closing markup, or writes nothing
/// and returns None for an element shown as its text only.
fn start(tag: &Tag, out: &mut String) -> Option<&'static str> {
    let (opening, closing) = match tag {
        Tag::Paragraph | Tag::HtmlBlock => ("<p>", "</p>\n"),
        Tag::Heading { .. } => ("<p><strong>", "</strong></p>\n"),
        Tag::BlockQuote(_) => ("<blockquote>\n", "</blockquote>\n"),
        Tag::CodeBlock(_) => ("<pre><code>", "</code></pre>\n"),
        Tag::List(None) => ("<ul>\n", "</ul>\n"),
        Tag::List(Some(1)) => ("<ol>\n", "</ol>\n"),
        Tag::List(Some(n)) => {
            out.push_str(&format!("<ol start=\"{n}\">\n"));
            return Some("</ol>\n");
        }
        Tag::Item => ("<li>", "</li>\n"),
        Tag::Emphasis => ("<em>", "</em>"),
        Tag::Strong => ("<strong>", "</strong>"),
        Tag::Strikethrough => ("<del>", "</del>"),
        Tag::Link { dest_url, .. } if is_followable(dest_url) => {
            out.push_str("<a href=\"");
            escape_into(dest_url, out);
            out.push_str("\" rel=\"nofollow ugc noopener\">");
            return Some("</a>");
        }
        // Images (their description is the text inside), other links, and anything else.
        _ => return None,
    };
    out.push_str(opening);
    Some(closing)
}

/// How many characters at the start of a line could open or continue nested blocks.
fn nesting_prefix(line: &str) -> usize {
    line.chars()
        .take_while(|c| matches!(c, '>' | '-' | '*' | '+' | '.' | ')' | ' ' | '\t') || c.is_ascii_digit())
        .count()
}

/// An http(s) URL, or a relative reference (no scheme); nothing with a control character or
/// whitespace, which browsers drop or read in ways a check here would not.
pub fn is_followable(url: &str) -> bool {
    if url.is_empty() || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return true;
    }
    // A scheme is whatever comes before a ':' that precedes any '/', '?' or '#'.
    let before_path = url.split(['/', '?', '#']).next().unwrap_or_default();
    !before_path.contains(':') && !url.contains('\\')
}

/// A text too long for Markdown: its paragraphs and lines, escaped.
fn plain_paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str("<p>");
        for (i, line) in para.lines().enumerate() {
            if i > 0 {
                out.push_str("<br>\n");
            }
            escape_into(line, &mut out);
        }
        out.push_str("</p>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_markup_issuers_use() {
        let html = to_html("Pass **both** parts:\n\n- the *test* (70%)\n- the workshop\n\n1. one\n2. two");
        assert_eq!(
            html,
            "<p>Pass <strong>both</strong> parts:</p>\n<ul>\n<li>the <em>test</em> (70%)</li>\n\
             <li>the workshop</li>\n</ul>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"
        );
        assert_eq!(to_html("Line one\nLine two"), "<p>Line one<br>\nLine two</p>\n");
        assert_eq!(to_html("# Title"), "<p><strong>Title</strong></p>\n", "no heading outranks the page's");
        assert_eq!(to_html("3. third"), "<ol start=\"3\">\n<li>third</li>\n</ol>\n");
    }

    #[test]
    fn raw_html_is_text() {
        let html = to_html("<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> <b>there</b>");
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    }

    #[test]
    fn entities_are_decoded_then_escaped() {
        assert_eq!(
            to_html("&lt;script&gt; &amp; &#60;b&#62; &quot;"),
            "<p>&lt;script&gt; &amp; &lt;b&gt; &quot;</p>\n"
        );
    }

    #[test]
    fn only_http_and_relative_links_are_links() {
        let ok = to_html("[site](https://example.org/a?b=1&c=\"2\") [rel](/achievements/x) [frag](#top)");
        assert_eq!(ok.matches("rel=\"nofollow ugc noopener\"").count(), 3, "{ok}");
        assert!(ok.contains("href=\"https://example.org/a?b=1&amp;c=&quot;2&quot;\""), "{ok}");
        for hostile in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "<javascript:alert(1)>",
            "[x]: javascript:alert(1)\n\n[x]",
        ] {
            let html = to_html(hostile);
            assert!(!html.contains("<a"), "{hostile} -> {html}");
            assert!(!html.contains("href"), "{hostile} -> {html}");
        }
        assert!(!is_followable("\\\\evil.example/x"));
        assert!(!is_followable("mailto:a@b.c"));
        assert!(is_followable("criteria.html"));
    }

    #[test]
    fn images_show_their_description_only() {
        let html = to_html("![a diagram](https://example.org/x.png) and ![t](javascript:alert(1))");
        assert_eq!(html, "<p>a diagram and t</p>\n");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        // Within the line prefix the parser reads, elements past MAX_DEPTH add no markup.
        let html = to_html(&("> ".repeat(30) + "deep"));
        assert_eq!(html.matches("<blockquote>").count(), MAX_DEPTH, "{html}");
        assert!(html.contains("deep"));
        let stairs: String = (0..30).map(|i| format!("{}- level {i}\n", "  ".repeat(i))).collect();
        assert!(to_html(&stairs).matches("<ul>").count() <= MAX_DEPTH);
        // Deeper than that, the text is plain paragraphs: no parse whose cost grows with depth.
        for text in [
            "> ".repeat(4000) + "deep",
            "- ".repeat(4000) + "deep",
            "1. ".repeat(2666) + "deep",
            "> - ".repeat(2000) + "deep",
            (0..200).map(|i| format!("{}> q\n", "> ".repeat(i))).collect(),
        ] {
            let html = to_html(&text);
            assert!(!html.contains("<blockquote>") && !html.contains("<li>"), "{}", &html[..200.min(html.len())]);
            assert!(html.starts_with("<p>"));
        }
        assert!(to_html(&("> ".repeat(4000) + "deep")).contains("deep"));
        for text in ["*".repeat(8000), "[".repeat(8000), "`".repeat(8000), "<".repeat(8000), "[a](".repeat(2000)] {
            assert!(to_html(&text).len() <= 5 * text.len());
        }
    }

    #[test]
    fn huge_input_is_plain_text() {
        let text = "**bold** <script>x</script>\n".repeat(MAX_BYTES / 10);
        let html = to_html(&text);
        assert!(!html.contains("<strong>") && !html.contains("<script"));
        assert!(html.starts_with("<p>**bold** &lt;script&gt;x&lt;/script&gt;<br>"));
    }
}
