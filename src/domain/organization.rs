//! Organizations: the issuers (sector councils, colleges, ...).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::validation::{Reason, Violations};
use crate::error::AppResult;
use credence_core::jwt::JwtAlgorithm;
use credence_core::model;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    SectorCouncil,
    College,
    University,
    Employer,
    Other,
}

impl OrganizationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::SectorCouncil => "sector_council",
            OrganizationKind::College => "college",
            OrganizationKind::University => "university",
            OrganizationKind::Employer => "employer",
            OrganizationKind::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        serde_json::from_value(Value::String(value.to_string())).ok()
    }
}

/// The fields an organization is created with.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewOrganization {
    /// Short identifier used in URLs, e.g. `emc`.
    pub slug: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub url: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    /// Logo image: an https URL or a `data:image/...` URI.
    pub logo: Option<String>,
    /// `en`, `fr`, `en-CA` or `fr-CA`; defaults to `en`.
    pub language: Option<String>,
    /// Data Integrity cryptosuite of issued credentials: `eddsa-rdfc-2022` (default) or `eddsa-jcs-2022`.
    pub cryptosuite: Option<String>,
    /// Also issue each credential as a VC-JWT (default false).
    pub issue_jwt: Option<bool>,
    /// Algorithm of the VC-JWTs: `EdDSA` (default; the Ed25519 key) or `RS256` (an RSA
    /// 2048-bit key, made when RS256 is first chosen).
    #[schema(example = "RS256")]
    pub jwt_algorithm: Option<String>,
}

/// A partial update: only the fields present change. `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub kind: Option<OrganizationKind>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub url: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub logo: Option<Option<String>>,
    pub language: Option<String>,
    pub cryptosuite: Option<String>,
    pub issue_jwt: Option<bool>,
    /// `EdDSA` or `RS256`.
    pub jwt_algorithm: Option<String>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(de).map(Some)
    }
}

/// A stored organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub url: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub logo: Option<String>,
    pub language: String,
    /// Data Integrity cryptosuite of issued credentials.
    pub cryptosuite: String,
    /// Whether each credential is also issued as a VC-JWT.
    pub issue_jwt: bool,
    /// Algorithm of the VC-JWTs: `EdDSA` or `RS256`.
    pub jwt_algorithm: String,
    /// The organization's public Open Badges 3.0 Profile.
    pub profile_url: String,
    pub created_at: String,
    pub updated_at: String,
}

impl NewOrganization {
    pub fn validate(&self) -> AppResult<()> {
        let mut v = Violations::new();
        v.slug("slug", &self.slug);
        v.text("name", &self.name, 200);
        check_contact(&mut v, self.url.as_deref(), self.email.as_deref(), self.logo.as_deref());
        v.optional_text("description", self.description.as_deref(), 4000);
        if let Some(lang) = &self.language {
            v.language("language", lang);
        }
        check_cryptosuite(&mut v, self.cryptosuite.as_deref());
        check_jwt_algorithm(&mut v, self.jwt_algorithm.as_deref());
        v.into_result()
    }
}

fn check_jwt_algorithm(v: &mut Violations, alg: Option<&str>) {
    if let Some(alg) = alg {
        v.check(JwtAlgorithm::parse(alg).is_some(), "jwtAlgorithm", Reason::JwtAlgorithm);
    }
}

fn check_cryptosuite(v: &mut Violations, suite: Option<&str>) {
    if let Some(s) = suite {
        v.check(matches!(s, "eddsa-rdfc-2022" | "eddsa-jcs-2022"), "cryptosuite", Reason::Cryptosuite);
    }
}

impl OrganizationPatch {
    pub fn validate(&self) -> AppResult<()> {
        let mut v = Violations::new();
        if let Some(name) = &self.name {
            v.text("name", name, 200);
        }
        check_contact(
            &mut v,
            self.url.clone().flatten().as_deref(),
            self.email.clone().flatten().as_deref(),
            self.logo.clone().flatten().as_deref(),
        );
        if let Some(Some(d)) = &self.description {
            v.text("description", d, 4000);
        }
        if let Some(lang) = &self.language {
            v.language("language", lang);
        }
        check_cryptosuite(&mut v, self.cryptosuite.as_deref());
        check_jwt_algorithm(&mut v, self.jwt_algorithm.as_deref());
        v.into_result()
    }

    pub fn apply(self, org: &mut Organization) {
        if let Some(name) = self.name {
            org.name = name;
        }
        if let Some(kind) = self.kind {
            org.kind = kind;
        }
        if let Some(url) = self.url {
            org.url = url;
        }
        if let Some(email) = self.email {
            org.email = email;
        }
        if let Some(description) = self.description {
            org.description = description;
        }
        if let Some(logo) = self.logo {
            org.logo = logo;
        }
        if let Some(language) = self.language {
            org.language = language;
        }
        if let Some(suite) = self.cryptosuite {
            org.cryptosuite = suite;
        }
        if let Some(jwt) = self.issue_jwt {
            org.issue_jwt = jwt;
        }
        if let Some(alg) = self.jwt_algorithm {
            org.jwt_algorithm = alg;
        }
    }
}

fn check_contact(v: &mut Violations, url: Option<&str>, email: Option<&str>, logo: Option<&str>) {
    v.optional_http_url("url", url);
    if let Some(email) = email {
        v.check(is_email(email), "email", Reason::EmailExample);
    }
    if let Some(logo) = logo {
        // It becomes the id of the Profile's Image in every credential: an IRI, or signing fails.
        v.url_iri("logo", logo, is_image_data_uri(logo), Reason::LogoUrl);
        v.check(logo.len() <= 512 * 1024, "logo", Reason::LogoSize);
    }
}

pub fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
                && value.len() <= 254
        }
        None => false,
    }
}

fn is_image_data_uri(value: &str) -> bool {
    ["data:image/png;base64,", "data:image/svg+xml;base64,", "data:image/jpeg;base64,"]
        .iter()
        .any(|p| value.starts_with(p))
}

impl NewOrganization {
    /// The VC-JWT algorithm it asks for (EdDSA unless RS256 is named).
    pub fn jwt_algorithm(&self) -> JwtAlgorithm {
        self.jwt_algorithm.as_deref().and_then(JwtAlgorithm::parse).unwrap_or(JwtAlgorithm::EdDsa)
    }
}

impl Organization {
    /// The names (as the API spells them) of the profile fields that differ in `other`.
    pub fn changed_fields(&self, other: &Organization) -> Vec<&'static str> {
        let pairs: [(&'static str, bool); 10] = [
            ("name", self.name != other.name),
            ("kind", self.kind != other.kind),
            ("url", self.url != other.url),
            ("email", self.email != other.email),
            ("description", self.description != other.description),
            ("logo", self.logo != other.logo),
            ("language", self.language != other.language),
            ("cryptosuite", self.cryptosuite != other.cryptosuite),
            ("issueJwt", self.issue_jwt != other.issue_jwt),
            ("jwtAlgorithm", self.jwt_algorithm() != other.jwt_algorithm()),
        ];
        pairs.into_iter().filter(|(_, changed)| *changed).map(|(name, _)| name).collect()
    }

    /// The VC-JWT algorithm (EdDSA unless RS256 was chosen).
    pub fn jwt_algorithm(&self) -> JwtAlgorithm {
        JwtAlgorithm::parse(&self.jwt_algorithm).unwrap_or(JwtAlgorithm::EdDsa)
    }

    /// True when its VC-JWTs are signed with its RSA key.
    pub fn signs_rs256(&self) -> bool {
        self.issue_jwt && self.jwt_algorithm() == JwtAlgorithm::Rs256
    }

    /// The Open Badges 3.0 `Profile` of this organization: the issuer of its credentials.
    pub fn profile(&self) -> model::Profile {
        let mut p = model::Profile::new(self.profile_url.clone());
        p.name = Some(self.name.clone());
        p.url = self.url.clone();
        p.email = self.email.clone();
        p.description = self.description.clone();
        p.image = self.logo.as_ref().map(|logo| model::Image {
            id: logo.clone(),
            kind: "Image".into(),
            caption: Some(self.name.clone()),
        });
        p
    }

    /// The profile as a JSON-LD document of its own, as served at its URL.
    pub fn profile_document(&self) -> Value {
        model::standalone_document(&self.profile())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("a@b.org"));
        assert!(!is_email("a@b"));
        assert!(!is_email("ab.org"));
        assert!(!is_email("a b@c.org"));
    }
}
