use serde_json::{Value, json};

use super::*;

const SIGNED: &str = include_str!("../../../../tests/vectors/ob3-eddsa-rdfc-2022/signed.json");

fn signed() -> Value {
    serde_json::from_str(SIGNED).unwrap()
}

fn errors_for(mutate: impl FnOnce(&mut Value)) -> Vec<ValidationError> {
    let mut doc = signed();
    mutate(&mut doc);
    validate_credential(&doc).expect_err("document should be invalid")
}

fn has_error(errors: &[ValidationError], path: &str) -> bool {
    errors.iter().any(|e| e.path == path)
}

#[test]
fn the_1edtech_example_validates_and_round_trips() {
    let doc = signed();
    let credential = validate_credential(&doc).unwrap();
    assert_eq!(credential.issuer_id(), "https://example.edu/issuers/565049");
    assert_eq!(credential.start_date(), Some("2010-01-01T00:00:00Z"));
    assert_eq!(credential.credential_subject.achievement.name, "Teamwork");
    assert!(credential.proof.is_some());
    assert_eq!(serde_json::to_value(&credential).unwrap(), doc);
}

#[test]
fn a_full_credential_round_trips_with_extensions() {
    let doc = json!({
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT, {"ext": "https://example.org/ext#"}],
        "id": "urn:uuid:2d3c0f4e-7d1c-4d7e-9b73-1a2b3c4d5e6f",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": "did:web:example.org",
        "validFrom": "2024-05-01T12:00:00.123+02:00",
        "validUntil": "2030-01-01T00:00:00Z",
        "name": "Data Skills",
        "description": "desc",
        "image": {"id": "https://example.org/i.png", "type": "Image", "caption": "c"},
        "credentialSubject": {
            "type": "AchievementSubject",
            "identifier": [{"type": "IdentityObject", "hashed": true,
                "identityHash": identity_hash("a@example.com", "Kosher"),
                "identityType": "emailAddress", "salt": "Kosher"}],
            "achievement": {
                "id": "https://example.org/achievements/1",
                "type": ["Achievement"],
                "achievementType": "ext:Bootcamp",
                "name": "A", "description": "B",
                "criteria": {"id": "https://example.org/criteria"},
                "alignment": [{"type": ["Alignment"], "targetName": "T", "targetUrl": "https://x.org/t",
                    "targetType": "CFItem", "targetCode": "x1"}],
                "resultDescription": [{"id": "urn:uuid:rd1", "type": ["ResultDescription"], "name": "Grade",
                    "resultType": "LetterGrade", "allowedValue": ["A", "B"], "requiredValue": "B",
                    "rubricCriterionLevel": [{"id": "urn:uuid:l1", "type": ["RubricCriterionLevel"], "name": "L"}]}],
                "creator": {"id": "https://example.org", "type": ["Profile"], "name": "Org"},
                "humanCode": "DS-1", "tag": ["data"], "inLanguage": "en", "creditsAvailable": 3,
                "fieldOfStudy": "CS", "specialization": "ML", "version": "1.0",
                "related": [{"id": "https://example.org/achievements/0", "type": ["Related"], "version": "0.9"}],
                "otherIdentifier": [{"type": "IdentifierEntry", "identifier": "x", "identifierType": "systemId"}],
                "ext:custom": {"a": 1}
            },
            "result": [{"type": ["Result"], "resultDescription": "urn:uuid:rd1", "value": "A", "status": "Completed"}],
            "creditsEarned": 2.5,
            "activityStartDate": "2024-01-01T00:00:00",
            "narrative": "n"
        },
        "evidence": [{"type": ["Evidence"], "name": "E", "genre": "Prose", "audience": "all"}],
        "credentialStatus": {"id": "https://example.org/status/1#94567", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "94567",
            "statusListCredential": "https://example.org/status/1"},
        "credentialSchema": [{"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019"}],
        "termsOfUse": {"type": "Anything", "x": [1, 2]},
        "refreshService": {"id": "https://example.org/refresh", "type": "Manual"},
        "endorsementJwt": ["a.b.c"],
        "ext:topLevel": true
    });
    let credential = validate_credential(&doc).unwrap();
    assert_eq!(
        credential.credential_subject.achievement.achievement_type,
        Some(AchievementType::Extension("ext:Bootcamp".into()))
    );
    assert!(credential.extra.contains_key("ext:topLevel"));
    assert_eq!(serde_json::to_value(&credential).unwrap(), doc);
    assert!(identity_matches(&credential.credential_subject.identifier.as_ref().unwrap()[0], "A@example.com"));
}

#[test]
fn vc1_input_is_accepted() {
    let credential = validate_credential(&json!({
        "@context": [VC_V1_CONTEXT, "https://purl.imsglobal.org/spec/ob/v3p0/context.json"],
        "id": "urn:uuid:1", "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://example.org", "type": "Profile"},
        "issuanceDate": "2022-01-01T00:00:00Z", "expirationDate": "2023-01-01T00:00:00Z",
        "name": "n",
        "credentialSubject": {"id": "did:example:1", "type": "AchievementSubject",
            "achievement": {"id": "urn:uuid:a", "type": "Achievement", "name": "n", "description": "d",
                "criteria": {"narrative": "x"}}},
        "credentialStatus": {"id": "https://example.org/revocations", "type": "1EdTechRevocationList"}
    }))
    .unwrap();
    assert!(credential.is_vc1());
    assert_eq!(credential.end_date(), Some("2023-01-01T00:00:00Z"));
}

#[test]
fn context_errors() {
    let errors = errors_for(|d| d["@context"][0] = json!("https://example.org/ctx"));
    assert!(has_error(&errors, "@context[0]"), "{errors:?}");
    let errors = errors_for(|d| d["@context"] = json!([VC_V2_CONTEXT]));
    assert!(has_error(&errors, "@context"), "{errors:?}");
    let errors = errors_for(|d| {
        d.as_object_mut().unwrap().remove("@context");
    });
    assert!(has_error(&errors, "@context"));
}

#[test]
fn type_and_issuer_errors() {
    let errors = errors_for(|d| d["type"] = json!(["VerifiableCredential"]));
    assert_eq!(errors[0].path, "type");
    assert!(errors[0].message.contains("OpenBadgeCredential"));
    let errors = errors_for(|d| d["issuer"]["type"] = json!(["Organization"]));
    assert!(has_error(&errors, "issuer.type"));
    let errors = errors_for(|d| d["issuer"] = json!("not a uri"));
    assert!(has_error(&errors, "issuer"));
    let errors = errors_for(|d| {
        d["issuer"].as_object_mut().unwrap().remove("id");
    });
    assert!(has_error(&errors, "issuer.id"));
}

#[test]
fn required_field_errors_name_their_paths() {
    let errors = errors_for(|d| {
        let obj = d.as_object_mut().unwrap();
        obj.remove("validFrom");
        obj.remove("name");
        let achievement = obj["credentialSubject"]["achievement"].as_object_mut().unwrap();
        achievement.remove("criteria");
        achievement.remove("description");
    });
    for path in
        ["validFrom", "name", "credentialSubject.achievement.criteria", "credentialSubject.achievement.description"]
    {
        assert!(has_error(&errors, path), "missing {path}: {errors:?}");
    }
    let errors = errors_for(|d| d["credentialSubject"]["achievement"]["type"] = json!("Badge"));
    assert!(has_error(&errors, "credentialSubject.achievement.type"));
    let errors = errors_for(|d| {
        d["credentialSubject"].as_object_mut().unwrap().remove("id");
    });
    assert!(has_error(&errors, "credentialSubject"));
}

#[test]
fn enumeration_errors() {
    let errors = errors_for(|d| {
        d["credentialSubject"]["achievement"]["alignment"] = json!([
            {"type": ["Alignment"], "targetName": "ok", "targetUrl": "https://x.org", "targetType": "CFItem"},
            {"type": ["Alignment"], "targetName": "bad", "targetUrl": "https://x.org", "targetType": "Skill"}
        ]);
        d["credentialSubject"]["achievement"]["achievementType"] = json!("ext:");
        d["credentialSubject"]["result"] = json!([{"type": ["Result"], "status": "Done"}]);
        d["credentialSubject"]["achievement"]["resultDescription"] = json!([
            {"id": "urn:x", "type": ["ResultDescription"], "name": "n", "resultType": "Grade"}
        ]);
    });
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "credentialSubject.achievement.achievementType",
            "credentialSubject.achievement.alignment[1].targetType",
            "credentialSubject.achievement.resultDescription[0].resultType",
            "credentialSubject.result[0].status",
        ]
    );
    assert!(errors[1].to_string().contains("'Skill' is not a valid alignment target type"));
}

#[test]
fn date_time_errors() {
    let errors = errors_for(|d| d["validFrom"] = json!("2010-01-01T00:00:00"));
    assert_eq!(errors[0].path, "validFrom");
    assert!(errors[0].message.contains("timezone"));
    let errors = errors_for(|d| d["validUntil"] = json!("2009-01-01T00:00:00Z"));
    assert!(has_error(&errors, "validUntil"));
    let errors = errors_for(|d| d["credentialSubject"]["activityEndDate"] = json!("yesterday"));
    assert!(has_error(&errors, "credentialSubject.activityEndDate"));
    let errors = errors_for(|d| d["proof"]["created"] = json!("2010-13-01T00:00:00Z"));
    assert!(has_error(&errors, "proof.created"));
}

#[test]
fn uri_and_shape_errors() {
    let errors = errors_for(|d| d["id"] = json!("3527"));
    assert!(has_error(&errors, "id"));
    let errors = errors_for(|d| d["credentialSubject"]["achievement"]["criteria"]["id"] = json!("has space:/x y"));
    assert!(has_error(&errors, "credentialSubject.achievement.criteria.id"));
    let errors = errors_for(|d| d["credentialSubject"] = json!([d["credentialSubject"].clone()]));
    assert!(has_error(&errors, "credentialSubject"));
    let errors = errors_for(|d| d["evidence"] = json!([{"type": "Evidence"}, {"type": "Proof"}]));
    assert!(has_error(&errors, "evidence[1].type"));
    let errors = errors_for(|d| d["image"] = json!("https://example.org/a.png"));
    assert!(has_error(&errors, "image"));
    assert!(validate_credential(&json!([1])).is_err());
}

#[test]
fn identity_and_status_errors() {
    let errors = errors_for(|d| {
        d["credentialSubject"]["identifier"] = json!([{"type": "IdentityObject", "hashed": "yes",
            "identityHash": "x", "identityType": "email"}]);
        d["credentialStatus"] = json!({"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": "-1", "statusListCredential": "https://x.org/list"});
    });
    for path in [
        "credentialSubject.identifier[0].hashed",
        "credentialSubject.identifier[0].identityType",
        "credentialStatus.statusListIndex",
    ] {
        assert!(has_error(&errors, path), "missing {path}: {errors:?}");
    }
    let errors = errors_for(|d| {
        d["credentialSubject"]["identifier"] = json!([{"type": "IdentityObject",
        "hashed": true, "identityHash": "sha256$zz", "identityType": "emailAddress"}])
    });
    assert!(has_error(&errors, "credentialSubject.identifier[0].identityHash"));
}

#[test]
fn status_entry_constructors_serialize_to_spec_shapes() {
    let entry = CredentialStatus::bitstring("https://example.org/status/3", "revocation", 42);
    assert_eq!(
        serde_json::to_value(&entry).unwrap(),
        json!({
            "id": "https://example.org/status/3#42", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "42",
            "statusListCredential": "https://example.org/status/3"
        })
    );
    assert_eq!(entry.status_list_index.unwrap().value(), Some(42));
    assert_eq!(StatusListIndex::Number(7).value(), Some(7));
    assert_eq!(StatusListIndex::Text("7a".into()).value(), None);
}

/// The checks recurse into nested profiles (`parentOrg`): nesting is bounded first, whoever
/// calls, so a deep chain is an error and not a deep recursion.
#[test]
fn deeply_nested_profiles_are_refused_before_they_are_walked() {
    let mut doc = signed();
    let mut org = json!({"id": "https://example.edu/orgs/0", "type": ["Profile"]});
    for i in 1..100 {
        org = json!({"id": format!("https://example.edu/orgs/{i}"), "type": ["Profile"], "parentOrg": org});
    }
    doc["issuer"]["parentOrg"] = org;
    let errors = validate_credential(&doc).expect_err("too deep");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("deeper than 64"), "{errors:?}");
}
