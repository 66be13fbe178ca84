//! Competency frameworks: framework > domain > competency, versioned.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::validation::{Reason, Violations};
use crate::error::AppResult;

/// A framework as created or imported: the whole tree of one version.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FrameworkDocument {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Who maintains the framework, e.g. "Employment and Social Development Canada".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// The framework's own home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Domains, each grouping competencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    /// Competencies that belong to no domain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competencies: Vec<Competency>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Domain {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub competencies: Vec<Competency>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Competency {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An external URL for this competency, if the framework publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A competency found in a framework version, with the domain it sits in.
#[derive(Debug, Clone)]
pub struct FoundCompetency<'a> {
    pub competency: &'a Competency,
    pub domain: Option<&'a Domain>,
}

const MAX_NODES: usize = 5000;

impl FrameworkDocument {
    pub fn validate(&self) -> AppResult<()> {
        let mut v = Violations::new();
        v.slug("slug", &self.slug);
        v.text("name", &self.name, 300);
        v.optional_text("description", self.description.as_deref(), 4000);
        v.optional_text("publisher", self.publisher.as_deref(), 300);
        v.optional_http_url("url", self.url.as_deref());
        if let Some(lang) = &self.language {
            v.language("language", lang);
        }
        let mut codes = HashSet::new();
        let mut count = 0usize;
        for (i, d) in self.domains.iter().enumerate() {
            let path = format!("domains[{i}]");
            check_node(&mut v, &path, &d.code, &d.name, d.description.as_deref(), d.url.as_deref(), &mut codes);
            if d.competencies.is_empty() {
                v.add(format!("{path}.competencies"), Reason::DomainWithoutCompetency);
            }
            for (j, c) in d.competencies.iter().enumerate() {
                check_competency(&mut v, &format!("{path}.competencies[{j}]"), c, &mut codes);
            }
            count += 1 + d.competencies.len();
        }
        for (j, c) in self.competencies.iter().enumerate() {
            check_competency(&mut v, &format!("competencies[{j}]"), c, &mut codes);
        }
        count += self.competencies.len();
        if self.domains.is_empty() && self.competencies.is_empty() {
            v.add("competencies", Reason::FrameworkWithoutCompetency);
        }
        v.check(count <= MAX_NODES, "domains", Reason::TooManyNodes { max: MAX_NODES });
        v.into_result()
    }

    /// Finds a competency by its code (case-sensitive) or, failing that, by its exact name.
    pub fn find_competency(&self, key: &str) -> Option<FoundCompetency<'_>> {
        let all = || {
            self.competencies
                .iter()
                .map(|c| (c, None))
                .chain(self.domains.iter().flat_map(|d| d.competencies.iter().map(move |c| (c, Some(d)))))
        };
        all()
            .find(|(c, _)| c.code == key)
            .or_else(|| all().find(|(c, _)| c.name == key))
            .map(|(competency, domain)| FoundCompetency { competency, domain })
    }
}

/// Longest search accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

impl FrameworkDocument {
    /// The first `limit` competencies whose code or name holds `query` (ignoring case),
    /// in the framework's order. A query shorter than two characters finds nothing.
    pub fn search(&self, query: &str, limit: usize) -> Vec<FoundCompetency<'_>> {
        let query = query.trim().to_lowercase();
        if query.chars().count() < 2 {
            return Vec::new();
        }
        self.competencies
            .iter()
            .map(|c| FoundCompetency { competency: c, domain: None })
            .chain(
                self.domains.iter().flat_map(|d| {
                    d.competencies.iter().map(move |c| FoundCompetency { competency: c, domain: Some(d) })
                }),
            )
            .filter(|f| {
                f.competency.code.to_lowercase().contains(&query) || f.competency.name.to_lowercase().contains(&query)
            })
            .take(limit)
            .collect()
    }
}

fn check_competency(v: &mut Violations, path: &str, c: &Competency, codes: &mut HashSet<String>) {
    check_node(v, path, &c.code, &c.name, c.description.as_deref(), c.url.as_deref(), codes);
}

fn check_node(
    v: &mut Violations,
    path: &str,
    code: &str,
    name: &str,
    description: Option<&str>,
    url: Option<&str>,
    codes: &mut HashSet<String>,
) {
    let code_ok =
        !code.is_empty() && code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    v.check(code_ok, format!("{path}.code"), Reason::CompetencyCode);
    if code_ok && !codes.insert(code.to_string()) {
        v.add(format!("{path}.code"), Reason::CodeUsedTwice { code: code.to_string() });
    }
    v.text(&format!("{path}.name"), name, 300);
    v.optional_text(&format!("{path}.description"), description, 4000);
    v.optional_http_url(&format!("{path}.url"), url);
}

/// One stored version of a framework.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkVersion {
    pub slug: String,
    pub version: i64,
    pub latest_version: i64,
    /// Slug of the organization that maintains it here; absent for platform frameworks.
    pub owner: Option<String>,
    pub created_at: String,
    /// The resolvable URL of this version. (Named `versionUrl` in JSON: the flattened
    /// document has its own `url`, the framework's home page.)
    #[serde(rename = "versionUrl")]
    pub url: String,
    #[serde(flatten)]
    pub document: FrameworkDocument,
}

/// A framework in a listing.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkSummary {
    pub slug: String,
    pub name: String,
    pub publisher: Option<String>,
    pub latest_version: i64,
    pub owner: Option<String>,
    pub url: String,
}

/// URL of a framework version under the public base URL.
pub fn version_url(public_url: &str, slug: &str, version: i64) -> String {
    format!("{public_url}/api/v1/frameworks/{slug}/versions/{version}")
}

/// URL of one competency of one framework version.
pub fn competency_url(public_url: &str, slug: &str, version: i64, code: &str) -> String {
    format!("{}/competencies/{code}", version_url(public_url, slug, version))
}

/// The reference frameworks that ship with Credence, importable by slug.
pub fn reference_frameworks() -> Vec<(&'static str, &'static str)> {
    vec![("skills-for-success", include_str!("../../spec/frameworks/skills-for-success.json"))]
}

fn read_bundled(slug: &str, text: &str) -> crate::error::AppResult<FrameworkDocument> {
    serde_json::from_str(text)
        .map_err(|e| crate::error::AppError::Internal(format!("bundled framework {slug} is unreadable: {e}")))
}

/// The reference framework `slug` that ships with Credence, if there is one.
pub fn reference_framework(slug: &str) -> crate::error::AppResult<Option<FrameworkDocument>> {
    reference_frameworks().into_iter().find(|(s, _)| *s == slug).map(|(s, text)| read_bundled(s, text)).transpose()
}

/// Every reference framework that ships with Credence.
pub fn reference_framework_documents() -> crate::error::AppResult<Vec<FrameworkDocument>> {
    reference_frameworks().into_iter().map(|(slug, text)| read_bundled(slug, text)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_finds_codes_and_names_ignoring_case_up_to_the_limit() {
        let (_, text) = reference_frameworks()[0];
        let doc: FrameworkDocument = serde_json::from_str(text).unwrap();
        let codes = |q: &str, limit: usize| -> Vec<String> {
            doc.search(q, limit).iter().map(|f| f.competency.code.clone()).collect()
        };
        assert_eq!(codes("NUMER", 10), ["numeracy"]);
        assert_eq!(codes("  problem ", 10), ["problem-solving"]);
        assert!(codes("in", 2).len() == 2, "at most the limit");
        assert!(codes("r", 10).is_empty(), "one letter finds nothing");
        assert!(codes("no such skill", 10).is_empty());
    }
}
