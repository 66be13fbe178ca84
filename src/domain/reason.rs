//! Why a field is refused, as a message identity with its parameters.
//!
//! A [`Reason`] names what produced it (a variant of the catalogue below) and carries
//! the values its sentence quotes. The English sentence — what the JSON API answers,
//! a contract — and the French one for the console are both rendered from it, so a
//! reason is translated from its identity, never by reading its English words.
//! [`Reason::Plain`] is a sentence given as it is (a detail from elsewhere, or words
//! a page wrote in its own language): it has no translation.

use std::fmt;

use credence_core::iri::IriError;

/// One entry of the catalogue: a message's key and its two templates (`{name}` are
/// its parameters). `french` is empty when the message has no translation yet.
#[derive(Debug)]
pub struct Entry {
    pub key: &'static str,
    pub english: &'static str,
    pub french: &'static [&'static str],
}

/// Defines [`Reason`] from the catalogue: each message's variant, its parameters, its
/// English template and (after `fr`) its French one, rendered with `format!`.
macro_rules! catalogue {
    ($(
        $(#[$doc:meta])*
        $name:ident $({ $($arg:ident : $ty:ty),* $(,)? })? => $en:literal $(, fr $fr:literal)? ;
    )*) => {
        /// Why a field is refused; see the module's documentation.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Reason {
            $( $(#[$doc])* $name $({ $($arg: $ty),* })?, )*
            /// A sentence given as it is, with no translation.
            Plain(String),
        }

        impl Reason {
            /// Every message of the catalogue, in the order it is written.
            pub const CATALOGUE: &'static [Entry] = &[
                $( Entry { key: stringify!($name), english: $en, french: &[$($fr)?] }, )*
            ];

            /// The catalogue key of the message; `None` for [`Reason::Plain`].
            pub fn key(&self) -> Option<&'static str> {
                match self {
                    $( Reason::$name { .. } => Some(stringify!($name)), )*
                    Reason::Plain(_) => None,
                }
            }

            /// The English sentence: what the JSON API answers.
            #[allow(unused_variables, clippy::useless_format)]
            pub fn english(&self) -> String {
                match self {
                    $( Reason::$name $({ $($arg),* })? => format!($en), )*
                    Reason::Plain(text) => text.clone(),
                }
            }

            /// The French sentence, when the message has one.
            #[allow(unused_variables, unreachable_code, clippy::useless_format, clippy::needless_return)]
            pub fn french(&self) -> Option<String> {
                match self {
                    $( Reason::$name $({ $($arg),* })? => {
                        $( return Some(format!($fr)); )?
                        None
                    } )*
                    Reason::Plain(_) => None,
                }
            }
        }
    };
}

catalogue! {
    // Text, identifiers, URLs and IRIs (validation.rs).
    Empty => "must not be empty", fr "ne doit pas être vide";
    TooLong { max: usize } => "must be at most {max} characters", fr "doit compter au plus {max} caractères";
    ControlCharacter { code: u32 } =>
        "must not contain control characters (it holds U+{code:04X})",
        fr "ne doit contenir aucun caractère de contrôle (il contient U+{code:04X})";
    Slug =>
        "must be 1-63 lowercase letters, digits or single hyphens, starting and ending with a letter or digit",
        fr "doit compter de 1 à 63 lettres minuscules, chiffres ou traits d’union simples, et commencer et finir par une lettre ou un chiffre";
    HttpUrl => "must be an absolute http or https URL", fr "doit être une adresse URL absolue en http ou en https";
    Language =>
        "must be an English or French language tag: en, fr, en-CA or fr-CA",
        fr "doit être une étiquette de langue anglaise ou française : en, fr, en-CA ou fr-CA";
    IriNotAbsolute =>
        "is not an absolute IRI: it must start with a scheme such as https:",
        fr "n’est pas un IRI absolu : il doit commencer par un schéma comme https:";
    IriSpace =>
        "is not a valid IRI: it contains a space (write it as %20)",
        fr "n’est pas un IRI valide : il contient une espace (écrivez-la %20)";
    IriControl { code: u8 } =>
        "is not a valid IRI: it contains the control character U+{code:04X}",
        fr "n’est pas un IRI valide : il contient le caractère de contrôle U+{code:04X}";
    IriCharacter { character: char, code: u8 } =>
        "is not a valid IRI: the character '{character}' is not allowed (write it as %{code:02X})",
        fr "n’est pas un IRI valide : le caractère « {character} » n’est pas permis (écrivez-le %{code:02X})";

    // Organizations (organization.rs).
    JwtAlgorithm => "must be EdDSA or RS256", fr "doit être EdDSA ou RS256";
    Cryptosuite => "must be eddsa-rdfc-2022 or eddsa-jcs-2022", fr "doit être eddsa-rdfc-2022 ou eddsa-jcs-2022";
    EmailExample =>
        "must be an email address such as name@example.org",
        fr "doit être une adresse courriel, comme nom@exemple.org";
    LogoUrl =>
        "must be an http(s) URL or a data:image/png, image/svg+xml or image/jpeg URI",
        fr "doit être une adresse URL http(s) ou un URI data:image/png, image/svg+xml ou image/jpeg";
    LogoSize => "must be at most 512 KiB", fr "doit peser au plus 512 Kio";

    // Competency frameworks (framework.rs).
    DomainWithoutCompetency =>
        "a domain must hold at least one competency",
        fr "un domaine doit contenir au moins une compétence";
    FrameworkWithoutCompetency =>
        "a framework must hold at least one competency",
        fr "un référentiel doit contenir au moins une compétence";
    TooManyNodes { max: usize } =>
        "a framework may hold at most {max} domains and competencies",
        fr "un référentiel peut contenir au plus {max} domaines et compétences";
    CompetencyCode =>
        "must be 1-64 letters, digits, '-', '_' or '.'",
        fr "doit compter de 1 à 64 lettres, chiffres, « - », « _ » ou « . »";
    CodeUsedTwice { code: String } =>
        "code '{code}' is used twice in this framework",
        fr "le code « {code} » figure deux fois dans ce référentiel";

    // Results and learners (learner.rs, award_evaluation.rs).
    IdentifyLearner =>
        "identify the learner by email and/or externalId",
        fr "identifiez l’apprenant·e par son adresse courriel, son identifiant externe (externalId) ou les deux";
    Email => "must be an email address", fr "doit être une adresse courriel";
    Did { detail: String } =>
        "must be a did:key or did:web DID: {detail}",
        fr "doit être un DID did:key ou did:web : {detail}";
    DigestHex => "must be 64 hex digits", fr "doit compter 64 chiffres hexadécimaux";
    DigestNeedsUrl =>
        "a digest needs the url of what it digests",
        fr "une empreinte exige le lien vers le fichier dont elle est l’empreinte";
    ComponentSlug =>
        "must be a slug such as post-assessment",
        fr "doit être un identifiant en lettres minuscules, chiffres et traits d’union, comme examen-final";
    Percentage => "must be a percentage from 0 to 100", fr "doit être un pourcentage de 0 à 100";
    AttemptFromOne => "attempts are numbered from 1", fr "les tentatives sont numérotées à partir de 1";
    AttemptRange =>
        "attempts are numbered from 1 (at most 1000)",
        fr "les tentatives sont numérotées à partir de 1 (au plus 1000)";
    ResultSaysNothing =>
        "a result needs a score, completed, passed or submittedForSignoff",
        fr "un résultat exige une note, ou de dire si la composante est terminée, réussie ou soumise pour approbation";
    TooManyEvidence => "at most 20 evidence items", fr "au plus 20 preuves";
    DateTime => "must be an RFC 3339 date-time", fr "doit être une date et une heure RFC 3339";
    DateTimeWithZone =>
        "must be an RFC 3339 date-time with a time zone",
        fr "doit être une date et une heure RFC 3339 avec un fuseau horaire";

    // Award rules (award_rule.rs).
    NoComponent => "must list at least one component", fr "doit compter au moins une composante";
    TooManyComponents { max: usize } =>
        "may list at most {max} components",
        fr "peut compter au plus {max} composantes";
    TooManyGroups { max: usize } => "at most {max} groups", fr "au plus {max} groupes de choix";
    ComponentTwice { component: String } =>
        "component '{component}' is listed twice",
        fr "la composante « {component} » figure deux fois";
    AtLeastRange { count: usize } =>
        "must be from 1 to the number of components listed ({count})",
        fr "doit être de 1 au nombre de composantes du groupe ({count})";
    NoRequirement =>
        "must require at least one of minScore, completed, passed or requiresSignoff",
        fr "doit demander au moins une exigence : une note minimale, terminée, réussie ou une confirmation";
    ScoreNeverMet { score: f64 } =>
        "{score} can never be met: scores are percentages from 0 to 100",
        fr "{score} ne pourra jamais être atteint : les notes sont des pourcentages de 0 à 100";
    MaxAttemptsRange { max: u32 } =>
        "must be between 1 and {max}; leave it out for unlimited attempts",
        fr "doit être entre 1 et {max}; laissez vide pour des tentatives illimitées";
    MaxAttemptsNeedsScore =>
        "only applies to a scored (minScore) or pass/fail (passed) component",
        fr "ne s’applique qu’à une composante notée (note minimale) ou réussite/échec";
    TrueWhenGiven =>
        "must be true when given; leave it out when the component need not be",
        fr "doit être vrai s’il est donné; omettez-le quand la composante n’a pas à l’être";
    BlockingNeedsSignoff =>
        "only applies together with requiresSignoff",
        fr "ne s’applique qu’avec une confirmation (requiresSignoff)";

    // Micro-credentials (achievement.rs).
    ImageUrl =>
        "must be an http(s) URL or a data:image/ URI",
        fr "doit être une adresse URL http(s) ou un URI data:image/";
    AchievementType =>
        "must be an Open Badges 3.0 achievement type (e.g. MicroCredential, Badge, Certificate) or an ext: value",
        fr "doit être un type de réalisation Open Badges 3.0 (p. ex. MicroCredential, Badge, Certificate) ou une valeur ext:";
    Hours =>
        "must be a number of hours above 0 and at most 10000",
        fr "doit être un nombre d’heures plus grand que 0 et d’au plus 10000";
    TooManyTags => "at most 50 tags", fr "au plus 50 mots-clés";
    ValidityPeriod =>
        "must be an ISO 8601 duration in years, months, weeks or days, at most 100 years, e.g. P3Y or P18M",
        fr "doit être une durée ISO 8601 en années, mois, semaines ou jours, d’au plus 100 ans, p. ex. P3Y ou P18M";
    TooManyAlignments => "at most 100 alignments", fr "au plus 100 arrimages";
    NotAComponentOfTheRule { component: String } =>
        "'{component}' is not a component of the rule",
        fr "« {component} » n’est pas une composante de la règle";
    OneResultDescription =>
        "each component may have one result description",
        fr "chaque composante peut avoir une seule description de résultat";
    ResultType =>
        "must be an Open Badges 3.0 result type (e.g. Percent, Status, RawScore) or an ext: value",
        fr "doit être un type de résultat Open Badges 3.0 (p. ex. Percent, Status, RawScore) ou une valeur ext:";
    OtherLanguage =>
        "must be the other language than `language` (one English and one French edition)",
        fr "doit être l’autre langue que celle du texte (une version anglaise et une version française)";
    RequiredWithDuration =>
        "is required when duration is given",
        fr "est requise lorsque la durée est donnée dans l’autre langue";
    RequiredWithDelivery =>
        "is required when delivery is given",
        fr "est requise lorsque la prestation est donnée dans l’autre langue";
    NeedsImage => "needs an image", fr "exige une image";
    TooManyResultNames => "at most 100 result names", fr "au plus 100 noms de résultats";
    NotInTheRule => "is not a component of the rule", fr "n’est pas une composante de la règle";
    OneAlignmentKind =>
        "give exactly one of framework + competency, noc2021, esco, or targetUrl",
        fr "donnez exactement un seul de ces arrimages : référentiel et compétence, CNP 2021, ESCO ou lien (targetUrl)";
    Noc2021 =>
        "must be a five-digit NOC 2021 unit group code",
        fr "doit être un code de groupe de base de la CNP 2021 à cinq chiffres";
    Esco =>
        "must be an ESCO URI starting with http://data.europa.eu/esco/",
        fr "doit être un URI ESCO commençant par http://data.europa.eu/esco/";
    AlignmentTargetType =>
        "must be an Open Badges 3.0 alignment target type (e.g. ceasn:Competency, CFItem) or an ext: value",
        fr "doit être un type de cible d’arrimage Open Badges 3.0 (p. ex. ceasn:Competency, CFItem) ou une valeur ext:";
    NameRequired => "is required for this alignment", fr "est requis pour cet arrimage";
    FrameworkAndCompetency =>
        "framework and competency go together",
        fr "le référentiel et la compétence vont ensemble";
    NoFramework { framework: String } =>
        "no framework '{framework}' on this service",
        fr "aucun référentiel « {framework} » sur ce service";
    NoFrameworkVersion { framework: String, version: i64 } =>
        "framework '{framework}' has no version {version} on this service",
        fr "le référentiel « {framework} » n’a pas de version {version} sur ce service";
    NoCompetency { framework: String, version: i64, competency: String } =>
        "framework '{framework}' version {version} has no competency '{competency}'",
        fr "le référentiel « {framework} », version {version}, n’a pas de compétence « {competency} »";
    AchievementSlugTaken =>
        "this organization already has an achievement with this slug",
        fr "votre organisation a déjà une microcertification avec cet identifiant";
    AchievementChanged =>
        "the achievement changed at the same time; retry",
        fr "la microcertification a été modifiée au même moment; réessayez";

    // Uploaded artwork (the console's artwork form).
    ImageTooLarge { size: usize, limit: usize } =>
        "the image is {size} bytes, more than the limit of {limit}",
        fr "l’image compte {size} octets, plus que la limite de {limit}";
    ImageDimensions { width: u32, height: u32 } =>
        "an image of {width}x{height} pixels is outside the limits",
        fr "une image de {width}x{height} pixels dépasse les limites";
    ImagePng { detail: String } =>
        "the PNG image could not be decoded: {detail}",
        fr "l’image PNG n’a pas pu être décodée : {detail}";
    ImageSvg { detail: String } =>
        "the SVG image could not be read: {detail}",
        fr "l’image SVG n’a pas pu être lue : {detail}";

    // Issuing (issuance.rs).
    NoAchievement { organization: String, achievement: String } =>
        "organization '{organization}' has no achievement '{achievement}'",
        fr "l’organisation « {organization} » n’a pas de microcertification « {achievement} »";
    AchievementRetired { achievement: String } =>
        "achievement '{achievement}' is retired: no credential is issued for it any more",
        fr "la microcertification « {achievement} » est retirée : plus aucun titre n’est délivré pour elle";
    NotAComponentOf { component: String, components: String } =>
        "'{component}' is not a component of this achievement; its components are {components}",
        fr "« {component} » n’est pas une composante de cette microcertification; ses composantes sont {components}";
    NotScored { component: String } =>
        "component '{component}' is not scored",
        fr "la composante « {component} » n’est pas notée";
    NeedsNoSignoff { component: String } =>
        "component '{component}' needs no sign-off",
        fr "la composante « {component} » n’exige aucune approbation";
    EmailToComplete =>
        "this completes the achievement, and a credential needs the learner's email (it holds only its salted hash); send it with learner.email",
        fr "ce résultat complète la microcertification, et un titre exige l’adresse courriel de l’apprenant·e (il n’en garde qu’une empreinte salée) : donnez-la";
    EmailForCredential =>
        "a credential needs the learner's email (it is stored hashed)",
        fr "un titre exige l’adresse courriel de l’apprenant·e (elle est conservée sous forme d’empreinte)";
    SayWhyDeclining => "say why when declining", fr "dites pourquoi lorsque vous refusez";
}

impl Reason {
    /// The sentence in French when it has one, else in English.
    pub fn french_or_english(&self) -> String {
        self.french().unwrap_or_else(|| self.english())
    }
}

/// Shown in English: logs, the CLI, problem+json `detail`.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

/// Serialized as its English sentence: the JSON API's `reason`, unchanged.
impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.english())
    }
}

impl From<&str> for Reason {
    fn from(text: &str) -> Self {
        Reason::Plain(text.to_string())
    }
}

impl From<String> for Reason {
    fn from(text: String) -> Self {
        Reason::Plain(text)
    }
}

impl From<IriError> for Reason {
    fn from(e: IriError) -> Self {
        match e {
            IriError::NotAbsolute => Reason::IriNotAbsolute,
            IriError::Space => Reason::IriSpace,
            IriError::Control(code) => Reason::IriControl { code },
            IriError::Character(code) => Reason::IriCharacter { character: char::from(code), code },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `{name}` parameters a template quotes.
    fn parameters(template: &str) -> BTreeSet<&str> {
        template
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}'))
            .map(|(inside, _)| inside.split(':').next().unwrap_or(inside))
            .collect()
    }

    #[test]
    fn every_message_of_the_catalogue_has_a_french_sentence_with_the_same_parameters() {
        let missing: Vec<&str> =
            Reason::CATALOGUE.iter().filter(|e| e.french.iter().all(|f| f.trim().is_empty())).map(|e| e.key).collect();
        assert!(missing.is_empty(), "messages without French: {missing:?}");
        for e in Reason::CATALOGUE {
            for fr in e.french {
                assert_eq!(parameters(e.english), parameters(fr), "{}", e.key);
                assert_ne!(*fr, e.english, "{} is not translated", e.key);
            }
        }
        let keys: BTreeSet<&str> = Reason::CATALOGUE.iter().map(|e| e.key).collect();
        assert_eq!(keys.len(), Reason::CATALOGUE.len(), "a key is defined twice");
    }

    #[test]
    fn renders_english_and_french_from_the_identity_and_its_parameters() {
        let r = Reason::TooLong { max: 200 };
        assert_eq!(r.key(), Some("TooLong"));
        assert_eq!(r.english(), "must be at most 200 characters");
        assert_eq!(r.french().as_deref(), Some("doit compter au plus 200 caractères"));
        let r = Reason::ControlCharacter { code: 7 };
        assert_eq!(r.english(), "must not contain control characters (it holds U+0007)");
        assert_eq!(r.french_or_english(), "ne doit contenir aucun caractère de contrôle (il contient U+0007)");
        let r = Reason::NoCompetency { framework: "emc".into(), version: 2, competency: "A1".into() };
        assert_eq!(r.english(), "framework 'emc' version 2 has no competency 'A1'");
        assert_eq!(r.french_or_english(), "le référentiel « emc », version 2, n’a pas de compétence « A1 »");
        assert_eq!(
            Reason::ScoreNeverMet { score: 120.5 }.english(),
            "120.5 can never be met: scores are percentages from 0 to 100"
        );
        assert_eq!(r.to_string(), r.english());
        assert_eq!(serde_json::to_string(&Reason::Empty).ok().as_deref(), Some("\"must not be empty\""));
    }

    #[test]
    fn a_plain_sentence_has_no_translation_and_stays_as_given() {
        let r = Reason::from("not a PNG");
        assert_eq!(r.key(), None);
        assert_eq!(r.french(), None);
        assert_eq!(r.french_or_english(), "not a PNG");
    }

    #[test]
    fn iri_reasons_say_in_english_exactly_what_the_iri_rule_says() {
        for e in [IriError::NotAbsolute, IriError::Space, IriError::Control(0x1f), IriError::Character(b'"')] {
            let r = Reason::from(e);
            assert_eq!(r.english(), e.to_string());
            assert!(r.french().is_some());
        }
        assert_eq!(
            Reason::from(IriError::Character(b'<')).french().as_deref(),
            Some("n’est pas un IRI valide : le caractère « < » n’est pas permis (écrivez-le %3C)")
        );
    }
}
