//! Field-level validation errors shared by every input type.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

/// One invalid field: its path in the request body and why it is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request body, e.g. `rule.allOf[0].minScore`.
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
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

    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError::new(field, reason));
    }

    pub fn check(&mut self, ok: bool, field: impl Into<String>, reason: impl Into<String>) {
        if !ok {
            self.add(field, reason);
        }
    }

    /// A required free-text field: present, not blank, at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, "must not be empty");
        } else if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(field, v, max);
        }
    }

    pub fn slug(&mut self, field: &str, value: &str) {
        if !is_slug(value) {
            self.add(
                field,
                "must be 1-63 lowercase letters, digits or single hyphens, starting and ending with a letter or digit",
            );
        }
    }

    pub fn http_url(&mut self, field: &str, value: &str) {
        if !is_http_url(value) {
            self.add(field, "must be an absolute http or https URL");
        }
    }

    pub fn optional_http_url(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.http_url(field, v);
        }
    }

    pub fn language(&mut self, field: &str, value: &str) {
        if !is_supported_language(value) {
            self.add(field, "must be an English or French language tag: en, fr, en-CA or fr-CA");
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
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Any absolute URI (a scheme, a colon, and no white space): URNs, DIDs, http URLs.
pub fn is_absolute_uri(value: &str) -> bool {
    match value.split_once(':') {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.is_empty()
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
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
    fn urls() {
        assert!(is_http_url("https://example.org/x"));
        assert!(!is_http_url("ftp://example.org"));
        assert!(!is_http_url("https:///x"));
        assert!(!is_http_url("https://exa mple.org"));
        assert!(is_absolute_uri("did:key:z6Mk"));
        assert!(is_absolute_uri("http://data.europa.eu/esco/skill/x"));
        assert!(!is_absolute_uri("nocolon"));
    }
}
