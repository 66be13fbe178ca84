//! Field-level validation errors shared by every input type.

use serde::Serialize;
use utoipa::ToSchema;

pub use super::reason::Reason;
use crate::error::AppError;
use credence_core::iri::check_iri;

/// One invalid field: its path in the request body and why it is invalid.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request body, e.g. `rule.allOf[0].minScore`.
    pub field: String,
    // Why: serialized as its English sentence (its French is for the console).
    #[schema(value_type = String)]
    pub reason: Reason,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<Reason>) -> Self {
        FieldError { field: field.into(), reason: reason.into() }
    }
}

/// Collects every violation of a document before reporting them together.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    /// A violation of `field`; the reason is a message of the catalogue, so that it
    /// has its French.
    pub fn add(&mut self, field: impl Into<String>, reason: Reason) {
        self.0.push(FieldError::new(field, reason));
    }

    pub fn check(&mut self, ok: bool, field: impl Into<String>, reason: Reason) {
        if !ok {
            self.add(field, reason);
        }
    }

    /// A required free-text field: present, not blank, at most `max` characters, and no control
    /// character but tab and line breaks (PostgreSQL cannot store U+0000; none belongs in text).
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, Reason::Empty);
        } else if value.chars().count() > max {
            self.add(field, Reason::TooLong { max });
        } else if let Some(c) = value.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            self.add(field, Reason::ControlCharacter { code: u32::from(c) });
        }
    }

    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(field, v, max);
        }
    }

    pub fn slug(&mut self, field: &str, value: &str) {
        if !is_slug(value) {
            self.add(field, Reason::Slug);
        }
    }

    /// An http(s) URL; it becomes an IRI of a credential, so it must pass [`Violations::iri`] too.
    pub fn http_url(&mut self, field: &str, value: &str) {
        self.url_iri(field, value, false, Reason::HttpUrl);
    }

    /// An http(s) URL, or a value of another kind `also` accepts (a data: URI, ...), that
    /// becomes an IRI of a credential. What signing would refuse in it is told in the IRI
    /// rule's words (a space, a quote, ...); anything else that is not accepted, by `expected`.
    pub fn url_iri(&mut self, field: &str, value: &str, also: bool, expected: Reason) {
        let http = value.starts_with("http://") || value.starts_with("https://");
        match check_iri(value) {
            Err(e) if http || also => self.add(field, e.into()),
            _ if !(also || is_http_url(value)) => self.add(field, expected),
            _ => {}
        }
    }

    /// A value that becomes an IRI of a credential (an `id`, an image, a link): it must pass the
    /// rule signing applies ([`check_iri`]), or every issuance that carries it would fail.
    pub fn iri(&mut self, field: &str, value: &str) {
        if let Err(e) = check_iri(value) {
            self.add(field, e.into());
        }
    }

    pub fn optional_http_url(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.http_url(field, v);
        }
    }

    pub fn language(&mut self, field: &str, value: &str) {
        if !is_supported_language(value) {
            self.add(field, Reason::Language);
        }
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::Validation(self.0)) }
    }
}

pub fn is_slug(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
        && !value.contains("--")
}

pub fn is_http_url(value: &str) -> bool {
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

pub fn is_supported_language(value: &str) -> bool {
    matches!(value, "en" | "fr" | "en-CA" | "fr-CA")
}

/// Makes a slug from a human name: "Time Management" -> "time-management".
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    trimmed.chars().take(63).collect::<String>().trim_end_matches('-').to_string()
}

fn fold_accent(c: char) -> Option<char> {
    Some(match c {
        'à' | 'â' | 'ä' | 'á' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' | 'í' => 'i',
        'ô' | 'ö' | 'ó' => 'o',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'ç' => 'c',
        'À' | 'Â' | 'Ä' | 'Á' => 'a',
        'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'Î' | 'Ï' => 'i',
        'Ô' | 'Ö' => 'o',
        'Ù' | 'Û' | 'Ü' => 'u',
        'Ç' => 'c',
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_slug("emc"));
        assert!(is_slug("northern-college"));
        assert!(!is_slug("Northern"));
        assert!(!is_slug("-a"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug(""));
        assert_eq!(slugify("Creating a Supportive Environment"), "creating-a-supportive-environment");
        assert_eq!(slugify("Gestion du temps É"), "gestion-du-temps-e");
    }

    #[test]
    fn text_holds_no_control_characters_but_tabs_and_line_breaks() {
        let mut v = Violations::new();
        v.text("a", "Line one\r\n\tline two", 100);
        v.text("b", "nul\u{0}", 100);
        v.text("c", "bell\u{7}", 100);
        v.text("d", "c1\u{85}", 100);
        match v.into_result() {
            Err(AppError::Validation(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["b", "c", "d"]);
                assert_eq!(errors[0].reason, Reason::ControlCharacter { code: 0 });
                assert_eq!(errors[0].reason.english(), "must not contain control characters (it holds U+0000)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn urls() {
        assert!(is_http_url("https://example.org/x"));
        assert!(!is_http_url("ftp://example.org"));
        assert!(!is_http_url("https:///x"));
        assert!(!is_http_url("https://exa mple.org"));
        let mut v = Violations::new();
        v.http_url("a", "https://example.org/x?q=1#f");
        v.http_url("b", "https://example.org/\"quoted\"");
        v.http_url("c", "https://example.org/<x>");
        v.http_url("f", "https://example.org/a b");
        v.http_url("g", "ftp://example.org/x");
        v.iri("d", "urn:uuid:0190a0a0-0000-7000-8000-000000000000");
        v.iri("e", "nocolon");
        let fields: Vec<String> = match v.into_result() {
            Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields, ["b", "c", "f", "g", "e"]);
    }
}
