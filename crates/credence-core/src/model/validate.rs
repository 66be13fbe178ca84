//! Structural validation of an incoming OpenBadgeCredential JSON document.
//!
//! Checks run on the raw JSON so every problem is reported at once, each with
//! the JSON path of the offending field (e.g.
//! `credentialSubject.achievement.alignment[1].targetType`). Signatures and
//! JSON-LD semantics are checked elsewhere.

use serde_json::{Map, Value};
use thiserror::Error;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::enums::{AchievementType, AlignmentTargetType, IdentifierType, ResultStatus, ResultType};
use super::types::{BITSTRING_STATUS_LIST_ENTRY, ONE_ED_TECH_REVOCATION_LIST, OpenBadgeCredential};
use super::{OB_V3_CONTEXT_PREFIX, VC_V1_CONTEXT};

/// One structural problem, at a JSON path.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{path}: {message}")]
pub struct ValidationError {
    /// Dotted JSON path with `[i]` array indexes; empty for the document itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Validates `value` as an OpenBadgeCredential and parses it.
///
/// Returns every problem found, not just the first.
pub fn validate_credential(value: &Value) -> Result<OpenBadgeCredential, Vec<ValidationError>> {
    // The checks and the data-model parse recurse into nested objects (a profile's `parentOrg`,
    // and so on): bound the nesting first, whoever the caller is.
    if let Err(e) = crate::jsonld::check_depth(value, crate::jsonld::MAX_DEPTH) {
        return Err(vec![ValidationError { path: String::new(), message: e.to_string() }]);
    }
    let mut checker = Checker::default();
    // The VC Data Model's rules, then the Open Badges 3.0 model's; one problem per path
    // (both say when `issuer` is missing, say).
    checker.verifiable_credential(value);
    let data_model = std::mem::take(&mut checker.errors);
    checker.credential(value);
    let open_badges = std::mem::take(&mut checker.errors);
    let mut errors = data_model;
    for e in open_badges {
        if !errors.iter().any(|known| known.path == e.path) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // From the borrowed value: no copy of the document first (the model's flattened `extra`
    // maps buffer what they do not know, which for a 1 MiB document is most of the cost).
    <OpenBadgeCredential as serde::Deserialize>::deserialize(value).map_err(|err| {
        vec![ValidationError { path: String::new(), message: format!("does not match the data model: {err}") }]
    })
}

/// Parses a date-time that must carry a timezone (RFC 3339 / XML Schema
/// `dateTime` with `Z` or an offset).
pub fn parse_date_time_z(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value, &Rfc3339).ok()
}

/// Whether `value` looks like an absolute URI: a scheme, `:`, and a non-empty
/// remainder without whitespace.
pub fn is_uri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub(super) fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

pub(super) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Items of a single-or-array value, with their paths.
pub(super) fn items<'a>(value: &'a Value, path: &str) -> Vec<(String, &'a Value)> {
    match value {
        Value::Array(list) => list.iter().enumerate().map(|(i, v)| (index(path, i), v)).collect(),
        single => vec![(path.to_owned(), single)],
    }
}

#[derive(Default)]
pub(super) struct Checker {
    pub(super) errors: Vec<ValidationError>,
}

impl Checker {
    pub(super) fn fail(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(ValidationError { path: path.to_owned(), message: message.into() });
    }

    pub(super) fn object<'a>(&mut self, value: &'a Value, path: &str) -> Option<&'a Map<String, Value>> {
        let object = value.as_object();
        if object.is_none() {
            self.fail(path, "must be an object");
        }
        object
    }

    /// A required string; reports absence or wrong type.
    pub(super) fn required_str<'a>(&mut self, obj: &'a Map<String, Value>, path: &str, key: &str) -> Option<&'a str> {
        match obj.get(key) {
            None => {
                self.fail(&child(path, key), "is required");
                None
            }
            Some(value) => self.string(value, &child(path, key)),
        }
    }

    /// An optional string; reports wrong type.
    pub(super) fn optional_str<'a>(&mut self, obj: &'a Map<String, Value>, path: &str, key: &str) -> Option<&'a str> {
        obj.get(key).and_then(|value| self.string(value, &child(path, key)))
    }

    pub(super) fn string<'a>(&mut self, value: &'a Value, path: &str) -> Option<&'a str> {
        let text = value.as_str();
        if text.is_none() {
            self.fail(path, "must be a string");
        }
        text
    }

    pub(super) fn uri(&mut self, value: Option<&str>, path: &str) {
        if let Some(text) = value
            && !is_uri(text)
        {
            self.fail(path, format!("'{text}' is not an absolute URI"));
        }
    }

    pub(super) fn date_time_z(&mut self, value: Option<&str>, path: &str) -> Option<OffsetDateTime> {
        let text = value?;
        let parsed = parse_date_time_z(text);
        if parsed.is_none() {
            self.fail(path, format!("'{text}' is not a date-time with a timezone (RFC 3339)"));
        }
        parsed
    }

    /// A date-time that may omit the timezone (OB `DateTime`).
    fn date_time(&mut self, value: Option<&str>, path: &str) {
        let Some(text) = value else { return };
        let local = time::macros::format_description!(
            version = 2,
            "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
        );
        if parse_date_time_z(text).is_none() && time::PrimitiveDateTime::parse(text, &local).is_err() {
            self.fail(path, format!("'{text}' is not a date-time (YYYY-MM-DDThh:mm:ss)"));
        }
    }

    fn number(&mut self, obj: &Map<String, Value>, path: &str, key: &str) {
        if obj.get(key).is_some_and(|v| !v.is_number()) {
            self.fail(&child(path, key), "must be a number");
        }
    }

    fn string_array(&mut self, obj: &Map<String, Value>, path: &str, key: &str) {
        let Some(value) = obj.get(key) else { return };
        let path = child(path, key);
        match value.as_array() {
            None => self.fail(&path, "must be an array of strings"),
            Some(list) => {
                for (i, item) in list.iter().enumerate() {
                    self.string(item, &index(&path, i));
                }
            }
        }
    }

    /// `type`: a string or non-empty array of strings that includes every `required` term
    /// (each entry of `required` is a set of alternatives).
    pub(super) fn types(&mut self, obj: &Map<String, Value>, path: &str, required: &[&[&str]]) {
        let path = child(path, "type");
        let names: Vec<&str> = match obj.get("type") {
            None => return self.fail(&path, "is required"),
            Some(Value::String(name)) => vec![name.as_str()],
            Some(Value::Array(list)) if !list.is_empty() => {
                let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                if names.len() != list.len() {
                    return self.fail(&path, "must contain only strings");
                }
                names
            }
            Some(_) => return self.fail(&path, "must be a string or a non-empty array of strings"),
        };
        for alternatives in required {
            if !alternatives.iter().any(|wanted| names.contains(wanted)) {
                self.fail(&path, format!("must include '{}'", alternatives.join("' or '")));
            }
        }
    }

    fn vocabulary(&mut self, obj: &Map<String, Value>, path: &str, key: &str, parse: fn(&str) -> bool, what: &str) {
        let path = child(path, key);
        if let Some(text) = obj.get(key).and_then(|v| self.string(v, &path))
            && !parse(text)
        {
            self.fail(&path, format!("'{text}' is not a valid {what}"));
        }
    }

    /// Runs `check` on every element of an optional array property.
    fn each(&mut self, obj: &Map<String, Value>, path: &str, key: &str, check: fn(&mut Self, &Value, &str)) {
        let Some(value) = obj.get(key) else { return };
        let path = child(path, key);
        match value.as_array() {
            None => self.fail(&path, "must be an array"),
            Some(list) => {
                for (i, item) in list.iter().enumerate() {
                    check(self, item, &index(&path, i));
                }
            }
        }
    }

    /// Like [`Self::each`] but a single object is also accepted.
    fn each_one_or_many(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        check: fn(&mut Self, &Value, &str),
    ) {
        if let Some(value) = obj.get(key) {
            for (item_path, item) in items(value, &child(path, key)) {
                check(self, item, &item_path);
            }
        }
    }

    fn credential(&mut self, value: &Value) {
        let Some(obj) = self.object(value, "") else {
            return;
        };
        let vc1 = self.context(obj);
        let id = self.required_str(obj, "", "id");
        self.uri(id, "id");
        self.types(obj, "", &[&["VerifiableCredential"], &["OpenBadgeCredential", "AchievementCredential"]]);
        match obj.get("issuer") {
            None => self.fail("issuer", "is required"),
            Some(issuer) => self.issuer(issuer, "issuer"),
        }
        self.validity(obj, vc1);
        self.required_str(obj, "", "name");
        self.optional_str(obj, "", "description");
        if let Some(image) = obj.get("image") {
            self.image(image, "image");
        }
        match obj.get("credentialSubject") {
            None => self.fail("credentialSubject", "is required"),
            Some(subject) => self.subject(subject, "credentialSubject"),
        }
        self.each_one_or_many(obj, "", "evidence", Self::evidence);
        self.each_one_or_many(obj, "", "credentialStatus", Self::status);
        self.each_one_or_many(obj, "", "credentialSchema", Self::schema);
        self.each_one_or_many(obj, "", "proof", Self::proof);
        self.string_array(obj, "", "endorsementJwt");
    }

    /// Checks that `@context` lists the Open Badges 3.0 context (the VC Data Model's
    /// rules on it ran in `verifiable_credential`); returns true for a VC 1.1 credential.
    fn context(&mut self, obj: &Map<String, Value>) -> bool {
        let Some(context) = obj.get("@context") else {
            self.fail("@context", "is required");
            return false;
        };
        let entries = items(context, "@context");
        let vc1 = entries.first().and_then(|(_, v)| v.as_str()) == Some(VC_V1_CONTEXT);
        let has_ob = entries.iter().any(|(_, v)| v.as_str().is_some_and(|s| s.starts_with(OB_V3_CONTEXT_PREFIX)));
        if !has_ob {
            self.fail("@context", format!("must include the Open Badges 3.0 context ({OB_V3_CONTEXT_PREFIX}...)"));
        }
        vc1
    }

    fn validity(&mut self, obj: &Map<String, Value>, vc1: bool) {
        let (start_key, end_key) = if vc1 { ("issuanceDate", "expirationDate") } else { ("validFrom", "validUntil") };
        let start = self.required_str(obj, "", start_key);
        let start = self.date_time_z(start, start_key);
        let end = self.optional_str(obj, "", end_key);
        let end = self.date_time_z(end, end_key);
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            self.fail(end_key, format!("must not be earlier than {start_key}"));
        }
        let awarded = self.optional_str(obj, "", "awardedDate");
        self.date_time_z(awarded, "awardedDate");
    }

    fn issuer(&mut self, value: &Value, path: &str) {
        match value {
            Value::String(id) => self.uri(Some(id), path),
            other => self.profile(other, path),
        }
    }

    fn profile(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.required_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        self.types(obj, path, &[&["Profile"]]);
        for key in ["name", "description", "email", "phone", "official"] {
            self.optional_str(obj, path, key);
        }
        let url = self.optional_str(obj, path, "url");
        self.uri(url, &child(path, "url"));
        if let Some(image) = obj.get("image") {
            self.image(image, &child(path, "image"));
        }
        self.each(obj, path, "otherIdentifier", Self::identifier_entry);
        if let Some(parent) = obj.get("parentOrg") {
            self.profile(parent, &child(path, "parentOrg"));
        }
    }

    fn image(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.required_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        if let Some(kind) = self.required_str(obj, path, "type")
            && kind != "Image"
        {
            self.fail(&child(path, "type"), "must be 'Image'");
        }
        self.optional_str(obj, path, "caption");
    }

    fn subject(&mut self, value: &Value, path: &str) {
        if value.is_array() {
            return self.fail(path, "must be a single AchievementSubject object");
        }
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.optional_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        self.types(obj, path, &[&["AchievementSubject"]]);
        let has_identifier = obj.get("identifier").and_then(Value::as_array).is_some_and(|l| !l.is_empty());
        if id.is_none() && !has_identifier {
            self.fail(path, "must have an 'id' or at least one 'identifier'");
        }
        self.each(obj, path, "identifier", Self::identity_object);
        match obj.get("achievement") {
            None => self.fail(&child(path, "achievement"), "is required"),
            Some(achievement) => self.achievement(achievement, &child(path, "achievement")),
        }
        self.each(obj, path, "result", Self::result);
        self.number(obj, path, "creditsEarned");
        for key in ["activityStartDate", "activityEndDate"] {
            let date = self.optional_str(obj, path, key);
            self.date_time(date, &child(path, key));
        }
        for key in ["narrative", "licenseNumber", "role", "term"] {
            self.optional_str(obj, path, key);
        }
        if let Some(image) = obj.get("image") {
            self.image(image, &child(path, "image"));
        }
        if let Some(source) = obj.get("source") {
            self.profile(source, &child(path, "source"));
        }
    }

    fn identity_object(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        if let Some(kind) = self.required_str(obj, path, "type")
            && kind != "IdentityObject"
        {
            self.fail(&child(path, "type"), "must be 'IdentityObject'");
        }
        match obj.get("hashed") {
            None => self.fail(&child(path, "hashed"), "is required"),
            Some(Value::Bool(_)) => {}
            Some(_) => self.fail(&child(path, "hashed"), "must be a boolean"),
        }
        let hash = self.required_str(obj, path, "identityHash");
        if obj.get("hashed") == Some(&Value::Bool(true))
            && let Some(hash) = hash
            && !is_identity_hash(hash)
        {
            self.fail(&child(path, "identityHash"), "must be 'sha256$' or 'md5$' followed by a hex digest");
        }
        if !obj.contains_key("identityType") {
            self.fail(&child(path, "identityType"), "is required");
        }
        self.vocabulary(obj, path, "identityType", |s| IdentifierType::parse(s).is_some(), "identity type");
        self.optional_str(obj, path, "salt");
    }

    fn identifier_entry(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        self.required_str(obj, path, "type");
        self.required_str(obj, path, "identifier");
        if !obj.contains_key("identifierType") {
            self.fail(&child(path, "identifierType"), "is required");
        }
        self.vocabulary(obj, path, "identifierType", |s| IdentifierType::parse(s).is_some(), "identifier type");
    }

    fn achievement(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.required_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        self.types(obj, path, &[&["Achievement"]]);
        self.required_str(obj, path, "name");
        self.required_str(obj, path, "description");
        match obj.get("criteria") {
            None => self.fail(&child(path, "criteria"), "is required"),
            Some(criteria) => self.criteria(criteria, &child(path, "criteria")),
        }
        self.vocabulary(obj, path, "achievementType", |s| AchievementType::parse(s).is_some(), "achievement type");
        if let Some(image) = obj.get("image") {
            self.image(image, &child(path, "image"));
        }
        if let Some(creator) = obj.get("creator") {
            self.profile(creator, &child(path, "creator"));
        }
        self.each(obj, path, "alignment", Self::alignment);
        self.each(obj, path, "resultDescription", Self::result_description);
        self.each(obj, path, "related", Self::related);
        self.each(obj, path, "otherIdentifier", Self::identifier_entry);
        self.string_array(obj, path, "tag");
        self.number(obj, path, "creditsAvailable");
        for key in ["humanCode", "inLanguage", "fieldOfStudy", "specialization", "version"] {
            self.optional_str(obj, path, key);
        }
    }

    fn criteria(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.optional_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        let narrative = self.optional_str(obj, path, "narrative");
        if id.is_none() && narrative.is_none() {
            self.fail(path, "must have an 'id' or a 'narrative'");
        }
    }

    fn alignment(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        self.types(obj, path, &[&["Alignment"]]);
        self.required_str(obj, path, "targetName");
        let url = self.required_str(obj, path, "targetUrl");
        self.uri(url, &child(path, "targetUrl"));
        for key in ["targetDescription", "targetFramework", "targetCode"] {
            self.optional_str(obj, path, key);
        }
        self.vocabulary(obj, path, "targetType", |s| AlignmentTargetType::parse(s).is_some(), "alignment target type");
    }

    fn result_description(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.required_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        self.types(obj, path, &[&["ResultDescription"]]);
        self.required_str(obj, path, "name");
        if !obj.contains_key("resultType") {
            self.fail(&child(path, "resultType"), "is required");
        }
        self.vocabulary(obj, path, "resultType", |s| ResultType::parse(s).is_some(), "result type");
        for key in ["requiredValue", "requiredLevel", "valueMin", "valueMax"] {
            self.optional_str(obj, path, key);
        }
        self.string_array(obj, path, "allowedValue");
        self.each(obj, path, "rubricCriterionLevel", Self::rubric_level);
        self.each(obj, path, "alignment", Self::alignment);
    }

    fn rubric_level(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.required_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        self.types(obj, path, &[&["RubricCriterionLevel"]]);
        self.required_str(obj, path, "name");
        for key in ["description", "level", "points"] {
            self.optional_str(obj, path, key);
        }
        self.each(obj, path, "alignment", Self::alignment);
    }

    fn related(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.required_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        self.types(obj, path, &[&["Related"]]);
    }

    fn result(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        self.types(obj, path, &[&["Result"]]);
        let description = self.optional_str(obj, path, "resultDescription");
        self.uri(description, &child(path, "resultDescription"));
        let level = self.optional_str(obj, path, "achievedLevel");
        self.uri(level, &child(path, "achievedLevel"));
        self.optional_str(obj, path, "value");
        self.vocabulary(obj, path, "status", |s| ResultStatus::parse(s).is_some(), "result status");
        self.each(obj, path, "alignment", Self::alignment);
    }

    fn evidence(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.optional_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        self.types(obj, path, &[&["Evidence"]]);
        for key in ["narrative", "name", "description", "genre", "audience"] {
            self.optional_str(obj, path, key);
        }
    }

    fn status(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.optional_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        match self.required_str(obj, path, "type") {
            Some(BITSTRING_STATUS_LIST_ENTRY) => self.bitstring_entry(obj, path),
            Some(ONE_ED_TECH_REVOCATION_LIST) if id.is_none() => {
                self.fail(&child(path, "id"), "is required for 1EdTechRevocationList")
            }
            _ => {}
        }
    }

    fn bitstring_entry(&mut self, obj: &Map<String, Value>, path: &str) {
        self.required_str(obj, path, "statusPurpose");
        let list = self.required_str(obj, path, "statusListCredential");
        self.uri(list, &child(path, "statusListCredential"));
        let index_path = child(path, "statusListIndex");
        match obj.get("statusListIndex") {
            None => self.fail(&index_path, "is required"),
            Some(Value::String(text)) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {}
            Some(Value::Number(n)) if n.is_u64() => {}
            Some(_) => self.fail(&index_path, "must be a non-negative integer written as a string"),
        }
    }

    fn schema(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        let id = self.required_str(obj, path, "id");
        self.uri(id, &child(path, "id"));
        self.required_str(obj, path, "type");
    }

    fn proof(&mut self, value: &Value, path: &str) {
        let Some(obj) = self.object(value, path) else {
            return;
        };
        self.required_str(obj, path, "type");
        let created = self.optional_str(obj, path, "created");
        self.date_time_z(created, &child(path, "created"));
        let method = self.optional_str(obj, path, "verificationMethod");
        self.uri(method, &child(path, "verificationMethod"));
    }
}

fn is_identity_hash(value: &str) -> bool {
    let Some((algorithm, digest)) = value.split_once('$') else {
        return false;
    };
    let length = match algorithm {
        "sha256" => 64,
        "md5" => 32,
        _ => return false,
    };
    digest.len() == length && digest.bytes().all(|b| b.is_ascii_hexdigit())
}
