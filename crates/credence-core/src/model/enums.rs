//! Open Badges 3.0 enumerated vocabularies.
//!
//! Most are *extensible*: besides the listed terms they accept any term of the
//! form `ext:` followed by letters, digits, `.`, `-` or `_` (the JSON schema's
//! pattern `(ext:)[a-z|A-Z|0-9|.|-|_]+`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// True for an extension term: `ext:` followed by at least one allowed character.
pub fn is_extension_term(value: &str) -> bool {
    value.strip_prefix("ext:").is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    })
}

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, extensible = $ext:literal, { $($variant:ident => $term:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $term, "`")]
                $variant,
            )+
            /// An `ext:` extension term (only accepted when the vocabulary is extensible).
            Extension(String),
        }

        impl $name {
            /// The terms this vocabulary defines.
            pub const TERMS: &'static [&'static str] = &[$($term),+];
            /// Whether `ext:` terms are allowed.
            pub const EXTENSIBLE: bool = $ext;

            /// The JSON string for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $term,)+
                    Self::Extension(term) => term,
                }
            }

            /// Parses a JSON string; `None` when it is neither a defined term nor
            /// (for extensible vocabularies) an extension term.
            pub fn parse(value: &str) -> Option<Self> {
                match value {
                    $($term => Some(Self::$variant),)+
                    other if $ext && is_extension_term(other) => Some(Self::Extension(other.to_owned())),
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Self::parse(&value).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        concat!("unknown ", stringify!($name), " '{}'"),
                        value
                    ))
                })
            }
        }
    };
}

vocabulary!(
    /// `Achievement.achievementType`.
    AchievementType, extensible = true, {
        Achievement => "Achievement",
        ApprenticeshipCertificate => "ApprenticeshipCertificate",
        Assessment => "Assessment",
        Assignment => "Assignment",
        AssociateDegree => "AssociateDegree",
        Award => "Award",
        Badge => "Badge",
        BachelorDegree => "BachelorDegree",
        Certificate => "Certificate",
        CertificateOfCompletion => "CertificateOfCompletion",
        Certification => "Certification",
        CommunityService => "CommunityService",
        Competency => "Competency",
        Course => "Course",
        CoCurricular => "CoCurricular",
        Degree => "Degree",
        Diploma => "Diploma",
        DoctoralDegree => "DoctoralDegree",
        Fieldwork => "Fieldwork",
        GeneralEducationDevelopment => "GeneralEducationDevelopment",
        JourneymanCertificate => "JourneymanCertificate",
        LearningProgram => "LearningProgram",
        License => "License",
        Membership => "Membership",
        ProfessionalDoctorate => "ProfessionalDoctorate",
        QualityAssuranceCredential => "QualityAssuranceCredential",
        MasterCertificate => "MasterCertificate",
        MasterDegree => "MasterDegree",
        MicroCredential => "MicroCredential",
        ResearchDoctorate => "ResearchDoctorate",
        SecondarySchoolDiploma => "SecondarySchoolDiploma",
    }
);

vocabulary!(
    /// `Alignment.targetType`.
    AlignmentTargetType, extensible = true, {
        CeasnCompetency => "ceasn:Competency",
        CetermsCredential => "ceterms:Credential",
        CfItem => "CFItem",
        CfRubric => "CFRubric",
        CfRubricCriterion => "CFRubricCriterion",
        CfRubricCriterionLevel => "CFRubricCriterionLevel",
        Ctdl => "CTDL",
    }
);

vocabulary!(
    /// `ResultDescription.resultType`.
    ResultType, extensible = true, {
        GradePointAverage => "GradePointAverage",
        LetterGrade => "LetterGrade",
        Percent => "Percent",
        PerformanceLevel => "PerformanceLevel",
        PredictedScore => "PredictedScore",
        RawScore => "RawScore",
        Result => "Result",
        RubricCriterion => "RubricCriterion",
        RubricCriterionLevel => "RubricCriterionLevel",
        RubricScore => "RubricScore",
        ScaledScore => "ScaledScore",
        Status => "Status",
    }
);

vocabulary!(
    /// `Result.status` (a closed vocabulary: no extension terms).
    ResultStatus, extensible = false, {
        Completed => "Completed",
        Enrolled => "Enrolled",
        Failed => "Failed",
        InProgress => "InProgress",
        OnHold => "OnHold",
        Withdrew => "Withdrew",
    }
);

vocabulary!(
    /// `IdentityObject.identityType` and `IdentifierEntry.identifierType`.
    IdentifierType, extensible = true, {
        SourcedId => "sourcedId",
        SystemId => "systemId",
        ProductId => "productId",
        UserName => "userName",
        AccountId => "accountId",
        EmailAddress => "emailAddress",
        NationalIdentityNumber => "nationalIdentityNumber",
        Isbn => "isbn",
        Issn => "issn",
        LisSourcedId => "lisSourcedId",
        OneRosterSourcedId => "oneRosterSourcedId",
        SisSourcedId => "sisSourcedId",
        LtiContextId => "ltiContextId",
        LtiDeploymentId => "ltiDeploymentId",
        LtiToolId => "ltiToolId",
        LtiPlatformId => "ltiPlatformId",
        LtiUserId => "ltiUserId",
        Identifier => "identifier",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms_and_extensions() {
        assert_eq!(AchievementType::parse("Badge"), Some(AchievementType::Badge));
        assert_eq!(
            AchievementType::parse("ext:Micro-Cred_1.0"),
            Some(AchievementType::Extension("ext:Micro-Cred_1.0".into()))
        );
        assert_eq!(AchievementType::parse("badge"), None);
        assert_eq!(AchievementType::parse("ext:"), None);
        assert_eq!(AchievementType::parse("ext:a b"), None);
        assert_eq!(ResultStatus::parse("ext:Paused"), None);
        assert_eq!(AlignmentTargetType::parse("ceasn:Competency").unwrap().as_str(), "ceasn:Competency");
    }

    #[test]
    fn serde_uses_the_json_terms() {
        let v: ResultType = serde_json::from_str("\"LetterGrade\"").unwrap();
        assert_eq!(v, ResultType::LetterGrade);
        assert_eq!(serde_json::to_string(&IdentifierType::EmailAddress).unwrap(), "\"emailAddress\"");
        assert!(serde_json::from_str::<ResultType>("\"Grade\"").is_err());
    }
}
