//! Any Verifiable Credential, Open Badge or not: the VC Data Model's own rules (2.0, and
//! 1.1 for documents whose first context is the 1.1 one) and the few properties every
//! credential has, which is all a verifier needs to check a credential that is not an
//! Open Badge (its issuer, validity period and status).
//!
//! The checks are the data model's MUSTs on a credential's syntax; each failure names
//! the JSON path and the rule, as [`super::validate_credential`] does for Open Badges.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::one_or_many::OneOrMany;
use super::types::{Context, CredentialStatus};
use super::validate::{Checker, ValidationError, child, index, items};
use super::{VC_V1_CONTEXT, VC_V2_CONTEXT};

/// The credential types the Open Badges and CLR specifications define: a document of one
/// of these types is checked against the Open Badges 3.0 model as well.
pub const OPEN_BADGES_TYPES: &[&str] =
    &["OpenBadgeCredential", "AchievementCredential", "EndorsementCredential", "ClrCredential"];

/// What every Verifiable Credential has, read from any of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiableCredential {
    #[serde(rename = "@context")]
    pub context: OneOrMany<Context>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    pub issuer: IssuerRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// VC 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// VC 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// As written (one entry or a list): status methods other than the known ones stay JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<Value>,
}

/// `issuer` of any credential: a URL, or an object whose `id` is one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IssuerRef {
    Id(String),
    Object {
        id: String,
        #[serde(flatten)]
        rest: Map<String, Value>,
    },
}

impl VerifiableCredential {
    /// The issuer's id.
    pub fn issuer_id(&self) -> &str {
        match &self.issuer {
            IssuerRef::Id(id) => id,
            IssuerRef::Object { id, .. } => id,
        }
    }

    /// `validFrom`, or `issuanceDate` for VC 1.1 credentials.
    pub fn start_date(&self) -> Option<&str> {
        self.valid_from.as_deref().or(self.issuance_date.as_deref())
    }

    /// `validUntil`, or `expirationDate` for VC 1.1 credentials.
    pub fn end_date(&self) -> Option<&str> {
        self.valid_until.as_deref().or(self.expiration_date.as_deref())
    }

    /// True when the first `@context` entry is the VC 1.1 context.
    pub fn is_vc1(&self) -> bool {
        self.context.first().and_then(Context::as_uri) == Some(VC_V1_CONTEXT)
    }

    /// True for the Open Badges and CLR credential types ([`OPEN_BADGES_TYPES`]).
    pub fn is_open_badge(&self) -> bool {
        self.types.iter().any(|t| OPEN_BADGES_TYPES.contains(&t.as_str()))
    }

    /// The status entries: each parsed when it fits the model (a single `type`), else
    /// the entry's `type` as written, for the report.
    pub fn status_entries(&self) -> Vec<Result<CredentialStatus, String>> {
        let entries: &[Value] = match &self.credential_status {
            Some(Value::Array(list)) => list,
            Some(single) => std::slice::from_ref(single),
            None => &[],
        };
        entries
            .iter()
            .map(|entry| {
                CredentialStatus::deserialize(entry).map_err(|_| match entry.get("type") {
                    Some(Value::String(kind)) => kind.clone(),
                    Some(other) => other.to_string(),
                    None => "(no type)".to_string(),
                })
            })
            .collect()
    }
}

/// True when the document is an achievement credential (`OpenBadgeCredential`,
/// `AchievementCredential`): the Open Badges 3.0 model describes it whole.
pub fn is_achievement_document(doc: &Value) -> bool {
    has_type(doc, &["OpenBadgeCredential", "AchievementCredential"])
}

/// True when the document's `type` (one string or a list) names one of `wanted`.
pub fn has_type(doc: &Value, wanted: &[&str]) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => wanted.contains(&t.as_str()),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(|t| wanted.contains(&t)),
        _ => false,
    }
}

/// Validates `value` against the VC Data Model's rules for a credential and reads what
/// every credential has. Every problem is returned, each at its JSON path.
pub fn validate_vc(value: &Value) -> Result<VerifiableCredential, Vec<ValidationError>> {
    if let Err(e) = crate::jsonld::check_depth(value, crate::jsonld::MAX_DEPTH) {
        return Err(vec![ValidationError { path: String::new(), message: e.to_string() }]);
    }
    let mut checker = Checker::default();
    checker.verifiable_credential(value);
    if !checker.errors.is_empty() {
        return Err(checker.errors);
    }
    VerifiableCredential::deserialize(value).map_err(|err| {
        vec![ValidationError { path: String::new(), message: format!("does not match the data model: {err}") }]
    })
}

/// The credential's data-model version, from its first context: `"2.0"` or `"1.1"`.
pub fn vc_version(doc: &Value) -> Option<&'static str> {
    let first = match doc.get("@context") {
        Some(Value::Array(list)) => list.first(),
        other => other,
    };
    match first.and_then(Value::as_str) {
        Some(VC_V2_CONTEXT) => Some("2.0"),
        Some(VC_V1_CONTEXT) => Some("1.1"),
        _ => None,
    }
}

impl Checker {
    /// The data model's rules for a credential (section 4 of VC 2.0; the 1.1 rules for a
    /// document whose first context is the 1.1 context).
    pub(super) fn verifiable_credential(&mut self, value: &Value) {
        let Some(obj) = self.object(value, "") else {
            return;
        };
        let vc1 = self.vc_context(obj);
        if let Some(id) = obj.get("id") {
            let id = self.string(id, "id");
            self.uri(id, "id");
        }
        self.types(obj, "", &[&["VerifiableCredential"]]);
        match obj.get("issuer") {
            None => self.fail("issuer", "is required: who issued the credential"),
            Some(Value::String(id)) => self.uri(Some(id), "issuer"),
            Some(Value::Object(issuer)) => {
                let id = self.required_str(issuer, "issuer", "id");
                self.uri(id, "issuer.id");
            }
            Some(_) => self.fail("issuer", "must be a URL or an object with an id"),
        }
        match obj.get("credentialSubject") {
            None => self.fail("credentialSubject", "is required: the claims the credential makes"),
            Some(subject) => self.credential_subjects(subject),
        }
        if vc1 {
            let issued = self.required_str(obj, "", "issuanceDate");
            self.date_time_z(issued, "issuanceDate");
            let expires = self.optional_str(obj, "", "expirationDate");
            self.date_time_z(expires, "expirationDate");
        } else {
            for key in ["validFrom", "validUntil"] {
                let text = self.optional_str(obj, "", key);
                self.date_time_stamp(text, key);
            }
        }
        for key in ["name", "description"] {
            if let Some(text) = obj.get(key) {
                self.language_text(text, key);
            }
        }
        // Each of these is one object or several, and each must say its type.
        for key in ["credentialStatus", "evidence", "termsOfUse", "refreshService", "credentialSchema"] {
            if let Some(value) = obj.get(key) {
                for (path, item) in items(value, key) {
                    self.typed_object(item, &path, key == "credentialSchema");
                }
            }
        }
        if vc1 && let Some(value) = obj.get("credentialStatus") {
            for (path, item) in items(value, "credentialStatus") {
                if item.get("id").is_none() {
                    self.fail(&child(&path, "id"), "is required in VC 1.1");
                }
            }
        }
        if let Some(related) = obj.get("relatedResource") {
            self.related_resources(related);
        }
    }

    /// `@context`: the first entry is the VC context (2.0, or 1.1); every entry is a URL
    /// or a context object. Returns true for a VC 1.1 document.
    fn vc_context(&mut self, obj: &Map<String, Value>) -> bool {
        let Some(context) = obj.get("@context") else {
            self.fail("@context", "is required");
            return false;
        };
        let entries = items(context, "@context");
        let first = entries.first().and_then(|(_, v)| v.as_str());
        let vc1 = first == Some(VC_V1_CONTEXT);
        if first != Some(VC_V2_CONTEXT) && !vc1 {
            let path = entries.first().map_or("@context".to_owned(), |(p, _)| p.clone());
            self.fail(&path, format!("the first context must be '{VC_V2_CONTEXT}' (or '{VC_V1_CONTEXT}')"));
        }
        for (path, entry) in entries.iter().skip(1) {
            match entry {
                Value::String(url) => self.uri(Some(url), path),
                Value::Object(_) => {}
                _ => self.fail(path, "must be a URL or a context object"),
            }
        }
        vc1
    }

    /// `credentialSubject`: one object or a non-empty list of them, each making at least
    /// one claim; an `id` is a URL.
    fn credential_subjects(&mut self, value: &Value) {
        if value.as_array().is_some_and(Vec::is_empty) {
            return self.fail("credentialSubject", "must not be empty: a credential makes at least one claim");
        }
        for (path, subject) in items(value, "credentialSubject") {
            let Some(obj) = self.object(subject, &path) else { continue };
            if obj.is_empty() {
                self.fail(&path, "must make at least one claim about the subject (it is empty)");
            }
            if let Some(id) = obj.get("id") {
                let id = self.string(id, &child(&path, "id"));
                self.uri(id, &child(&path, "id"));
            }
        }
    }

    /// An XML Schema `dateTimeStamp`: a date-time with its timezone.
    fn date_time_stamp(&mut self, value: Option<&str>, path: &str) {
        if let Some(text) = value
            && super::parse_date_time_z(text).is_none()
        {
            self.fail(path, format!("'{text}' is not a dateTimeStamp (a date-time with its timezone, RFC 3339)"));
        }
    }

    /// `name`, `description`: a string, a language value object, or a list of them.
    fn language_text(&mut self, value: &Value, path: &str) {
        for (item_path, item) in items(value, path) {
            match item {
                Value::String(_) => {}
                Value::Object(obj) => {
                    if !obj.get("@value").is_some_and(Value::is_string) {
                        self.fail(&child(&item_path, "@value"), "is required in a language value object");
                    }
                    for key in ["@language", "@direction"] {
                        self.optional_str(obj, &item_path, key);
                    }
                }
                _ => self.fail(&item_path, "must be a string or a language value object"),
            }
        }
    }

    /// An object that must say its `type` (and, for a schema, its `id`); an `id` is a URL.
    fn typed_object(&mut self, value: &Value, path: &str, id_required: bool) {
        let Some(obj) = self.object(value, path) else { return };
        match obj.get("type") {
            None => self.fail(&child(path, "type"), "is required"),
            Some(Value::String(_)) => {}
            Some(Value::Array(list)) if !list.is_empty() && list.iter().all(Value::is_string) => {}
            Some(_) => self.fail(&child(path, "type"), "must be a string or a non-empty array of strings"),
        }
        match obj.get("id") {
            None if id_required => self.fail(&child(path, "id"), "is required"),
            None => {}
            Some(id) => {
                let id = self.string(id, &child(path, "id"));
                self.uri(id, &child(path, "id"));
            }
        }
    }

    /// `relatedResource`: each entry names a resource by a URL `id`, once, and carries at
    /// least one well-formed digest of it (`digestSRI`, `digestMultibase`).
    fn related_resources(&mut self, value: &Value) {
        let mut seen: Vec<&str> = Vec::new();
        for (path, item) in items(value, "relatedResource") {
            let Some(obj) = self.object(item, &path) else { continue };
            let id = self.required_str(obj, &path, "id");
            self.uri(id, &child(&path, "id"));
            if let Some(id) = id {
                if seen.contains(&id) {
                    self.fail(&child(&path, "id"), format!("'{id}' is listed twice: each related resource once"));
                }
                seen.push(id);
            }
            let sri = obj.get("digestSRI");
            let multibase = obj.get("digestMultibase");
            if sri.is_none() && multibase.is_none() {
                self.fail(&path, "must carry digestSRI or digestMultibase: the digest of the resource");
            }
            if let Some(sri) = sri {
                for (p, digest) in string_items(sri, &child(&path, "digestSRI")) {
                    match digest {
                        Some(d) if is_sri_digest(d) => {}
                        _ => self.fail(&p, "must be an SRI digest: sha256-, sha384- or sha512- and its base64 value"),
                    }
                }
            }
            if let Some(multibase) = multibase {
                for (p, digest) in string_items(multibase, &child(&path, "digestMultibase")) {
                    match digest {
                        Some(d) if is_multibase_digest(d) => {}
                        _ => self.fail(&p, "must be a multibase-encoded multihash (SHA-2 or SHA-3) of the resource"),
                    }
                }
            }
        }
    }
}

fn string_items<'a>(value: &'a Value, path: &str) -> Vec<(String, Option<&'a str>)> {
    match value {
        Value::Array(list) if !list.is_empty() => {
            list.iter().enumerate().map(|(i, v)| (index(path, i), v.as_str())).collect()
        }
        single => vec![(path.to_owned(), single.as_str())],
    }
}

/// `sha256-…`, `sha384-…`, `sha512-…` with the base64 of a digest of that length
/// (Subresource Integrity); several may be space-separated.
fn is_sri_digest(value: &str) -> bool {
    let mut any = false;
    for part in value.split_ascii_whitespace() {
        any = true;
        let Some((algorithm, digest)) = part.split_once('-') else { return false };
        let length = match algorithm {
            "sha256" => 32,
            "sha384" => 48,
            "sha512" => 64,
            _ => return false,
        };
        // An SRI value may carry options after `?`.
        let digest = digest.split_once('?').map_or(digest, |(d, _)| d);
        match base64::engine::general_purpose::STANDARD.decode(digest) {
            Ok(bytes) if bytes.len() == length => {}
            _ => return false,
        }
    }
    any
}

/// A multibase string whose bytes are a SHA-2 or SHA-3 digest: a multihash (the form Data
/// Integrity describes) or the bare digest of 32, 48 or 64 bytes (the form the W3C VC Data
/// Model 2.0 test suite's own fixture uses).
fn is_multibase_digest(value: &str) -> bool {
    let Ok(bytes) = crate::multibase::decode(value) else { return false };
    is_multihash_digest(&bytes) || matches!(bytes.len(), 32 | 48 | 64)
}

fn is_multihash_digest(bytes: &[u8]) -> bool {
    let [code, length, digest @ ..] = bytes else { return false };
    let expected = match code {
        0x12 | 0x16 => 32, // sha2-256, sha3-256
        0x20 | 0x15 => 48, // sha2-384, sha3-384
        0x13 | 0x14 => 64, // sha2-512, sha3-512
        _ => return false,
    };
    usize::from(*length) == expected && digest.len() == expected
}
