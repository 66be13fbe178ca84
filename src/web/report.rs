//! A verification report as a reader sees it: one headline state (valid,
//! revoked, suspended, expired, issued to someone else, invalid, indeterminate),
//! whether what the document says is the issuer's word or only its claim, and
//! each check with a
//! name and verdict in the page's language. The checks' detailed messages come
//! from the verifier in English; French pages mark them `lang="en"`.

use crate::verification::presentation::PresentationResult;
use crate::verification::{Outcome, ReportCheck, VerificationResult};
use credence_core::format::{CredentialFormat, Securing, Standard};

use super::Lang;

/// The headline state, which is also the CSS class of the status panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadgeState {
    Valid,
    Revoked,
    Suspended,
    Expired,
    /// Authentic and current, but the candidate's email is not its recipient's.
    OtherRecipient,
    Invalid,
    Indeterminate,
}

impl BadgeState {
    pub fn class(self) -> &'static str {
        match self {
            BadgeState::Valid => "valid",
            BadgeState::Revoked => "revoked",
            BadgeState::Suspended => "suspended",
            BadgeState::Expired => "expired",
            BadgeState::OtherRecipient => "other-recipient",
            BadgeState::Invalid => "invalid",
            BadgeState::Indeterminate => "indeterminate",
        }
    }

    /// The state a report comes to: a revocation or suspension named by the
    /// status checks, an expiry named by the validity check, else the outcome.
    pub fn of(result: &VerificationResult) -> BadgeState {
        let failed = |c: &&ReportCheck| c.status == "failed";
        let status_failure = |word: &str| {
            result.checks.iter().filter(failed).any(|c| c.check.starts_with("status") && c.message.contains(word))
        };
        if status_failure("revoked") {
            return BadgeState::Revoked;
        }
        if status_failure("suspended") {
            return BadgeState::Suspended;
        }
        let only_expired =
            result.checks.iter().filter(failed).all(|c| c.check == "validity" && c.message.starts_with("expired"));
        let only_recipient = result.checks.iter().filter(failed).all(|c| c.check == "recipient");
        match result.result {
            Outcome::Valid => BadgeState::Valid,
            Outcome::Invalid if only_expired => BadgeState::Expired,
            Outcome::Invalid if only_recipient && result.authentic => BadgeState::OtherRecipient,
            Outcome::Invalid => BadgeState::Invalid,
            Outcome::Indeterminate => BadgeState::Indeterminate,
        }
    }
}

/// One check, ready for a template.
#[derive(Debug, Clone)]
pub struct CheckView {
    /// `passed`, `failed`, `skipped` or `error`: the list item's class.
    pub status: String,
    pub label: String,
    pub verdict: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct ReportView {
    pub state: BadgeState,
    pub headline: &'static str,
    pub explanation: &'static str,
    pub checks: Vec<CheckView>,
    /// The language of the checks' details (always English), for `lang=`.
    pub detail_lang: &'static str,
    pub checked_label: &'static str,
    /// Whether the document's content is its issuer's word (every proof by the
    /// issuer's key); when not, pages show it apart, as unverified claims.
    pub authentic: bool,
    pub claims_heading: &'static str,
    pub claims_note: &'static str,
    /// What the document was seen to be, in the page's language ("Open Badges 3.0 ·
    /// VC Data Model 2.0 · Data Integrity proof (eddsa-rdfc-2022)").
    pub format: Option<String>,
    pub format_label: &'static str,
    /// For a CLR: each credential it holds, with its verdict.
    pub held: Vec<HeldView>,
    pub held_heading: &'static str,
    /// "by", between a held credential's name and its issuer's.
    pub by: &'static str,
}

struct Words {
    headline: [&'static str; 7],
    explanation: [&'static str; 7],
    verdict: [&'static str; 4],
    checked: &'static str,
    claims_heading: &'static str,
    claims_note: &'static str,
    check_names: &'static [(&'static str, &'static str)],
    format_label: &'static str,
    /// Open Badges 3.0, its endorsement, CLR 2.0, any other Verifiable Credential, Open Badges 2.0.
    standards: [&'static str; 5],
    data_model: &'static str,
    /// Data Integrity proof, VC-JWT signed with, no signature, hosted (2.0), signed (2.0).
    securing: [&'static str; 5],
    /// A presentation's headline and explanation when valid, invalid, indeterminate.
    presentation_headline: [&'static str; 3],
    presentation_explanation: [&'static str; 3],
    /// "Presented by", "Credential", "of".
    presented_by: &'static str,
    credential_n: &'static str,
    of: &'static str,
    /// The heading of a CLR's list of the credentials it holds.
    held_heading: &'static str,
    /// A held credential's verdict: valid, not valid, could not be checked.
    held_verdict: [&'static str; 3],
    /// "by" between a held credential's name and its issuer's.
    by: &'static str,
}

const EN: Words = Words {
    headline: [
        "Valid",
        "Revoked",
        "Suspended",
        "Expired",
        "Authentic, but issued to someone else",
        "Not valid",
        "Could not be confirmed",
    ],
    explanation: [
        "This badge is authentic, was issued by the organization named below, and has not been revoked, suspended or expired.",
        "The issuer has revoked this badge. It no longer stands for the achievement.",
        "The issuer has suspended this badge for now. It does not stand for the achievement while suspended.",
        "This badge has passed its expiry date.",
        "This badge is authentic and current, but the email you gave is not the one it was issued to: it belongs to another person.",
        "This badge failed verification: it may have been altered or was not issued as it claims.",
        "Some checks could not be completed, so this badge cannot be confirmed as valid right now.",
    ],
    verdict: ["passed", "failed", "not checked", "could not be checked"],
    checked: "What was checked",
    claims_heading: "What the document claims (not verified)",
    claims_note: "No valid signature of the issuer covers what follows: it is only what the document says about itself, and may be false.",
    check_names: &[
        ("format", "Format"),
        ("contexts", "JSON-LD contexts"),
        ("structure", "Structure"),
        ("proof", "Signature"),
        ("issuer", "Issuer"),
        ("registry", "Registered issuer"),
        ("status", "Revocation and suspension"),
        ("validity", "Validity dates"),
        ("recipient", "Recipient"),
        ("evidence", "Evidence"),
        ("endorsement", "Endorsement"),
        ("hosting", "Hosted by the issuer"),
        ("assertion", "Open Badges 2.0 assertion"),
        ("badgeClass", "Badge class"),
        ("issuerProfile", "Issuer profile"),
        ("holder", "Holder's key"),
        ("@context", "Contexts"),
        ("proof.challenge", "Challenge"),
        ("proof.domain", "Domain"),
        ("credential", "Credential held"),
        ("credentials", "Credentials held"),
        ("endorsements", "Endorsements"),
        ("achievement", "Achievement"),
        ("creator", "Creator"),
    ],
    format_label: "Verified as",
    standards: [
        "Open Badges 3.0",
        "Open Badges 3.0 endorsement",
        "CLR 2.0",
        "Verifiable Credential (not an Open Badge)",
        "Open Badges 2.0",
    ],
    data_model: "VC Data Model",
    securing: [
        "Data Integrity proof",
        "VC-JWT signed with",
        "no signature",
        "hosted assertion (checked at its address on the issuer's site)",
        "signed assertion (JWS",
    ],
    presentation_headline: ["Presentation verified", "Presentation not valid", "Presentation could not be confirmed"],
    presentation_explanation: [
        "The person who presented these credentials signed the presentation, and every credential in it is valid.",
        "The presentation or at least one credential in it failed verification: read each one below.",
        "Some checks could not be completed, or the presentation is not signed: read each credential below.",
    ],
    presented_by: "Presented by",
    credential_n: "Credential",
    of: "of",
    held_heading: "Credentials in this record",
    held_verdict: ["valid", "not valid", "could not be checked"],
    by: "by",
};

const FR: Words = Words {
    headline: [
        "Valide",
        "Révoqué",
        "Suspendu",
        "Expiré",
        "Authentique, mais délivré à une autre personne",
        "Non valide",
        "Impossible à confirmer",
    ],
    explanation: [
        "Ce badge est authentique, a été délivré par l’organisation nommée ci-dessous et n’a été ni révoqué, ni suspendu, ni n’est expiré.",
        "L’émetteur a révoqué ce badge. Il n’atteste plus la réussite.",
        "L’émetteur a suspendu ce badge pour le moment. Il n’atteste pas la réussite tant qu’il est suspendu.",
        "La date d’expiration de ce badge est passée.",
        "Ce badge est authentique et en vigueur, mais le courriel indiqué n’est pas celui de la personne à qui il a été délivré : il appartient à quelqu’un d’autre.",
        "Ce badge n’a pas passé la vérification : il a peut-être été modifié ou n’a pas été délivré comme il le prétend.",
        "Certaines vérifications n’ont pas pu être faites : ce badge ne peut pas être confirmé comme valide pour le moment.",
    ],
    verdict: ["réussie", "échouée", "non vérifiée", "impossible à vérifier"],
    checked: "Ce qui a été vérifié",
    claims_heading: "Ce que le document affirme (non vérifié)",
    claims_note: "Aucune signature valide de l’émetteur ne couvre ce qui suit : c’est seulement ce que le document dit de lui-même, et cela peut être faux.",
    check_names: &[
        ("format", "Format"),
        ("contexts", "Contextes JSON-LD"),
        ("structure", "Structure"),
        ("proof", "Signature"),
        ("issuer", "Émetteur"),
        ("registry", "Émetteur inscrit"),
        ("status", "Révocation et suspension"),
        ("validity", "Dates de validité"),
        ("recipient", "Destinataire"),
        ("evidence", "Preuves"),
        ("endorsement", "Recommandation"),
        ("hosting", "Hébergé par l’émetteur"),
        ("assertion", "Assertion Open Badges 2.0"),
        ("badgeClass", "Classe de badge"),
        ("issuerProfile", "Profil de l’émetteur"),
        ("holder", "Clé du titulaire"),
        ("@context", "Contextes"),
        ("proof.challenge", "Défi"),
        ("proof.domain", "Domaine"),
        ("credential", "Attestation contenue"),
        ("credentials", "Attestations contenues"),
        ("endorsements", "Recommandations"),
        ("achievement", "Réussite"),
        ("creator", "Créateur"),
    ],
    format_label: "Vérifié comme",
    standards: [
        "Open Badges 3.0",
        "Recommandation Open Badges 3.0",
        "CLR 2.0",
        "Attestation vérifiable (pas un Open Badge)",
        "Open Badges 2.0",
    ],
    data_model: "modèle de données VC",
    securing: [
        "preuve Data Integrity",
        "VC-JWT signé avec",
        "aucune signature",
        "assertion hébergée (vérifiée à son adresse sur le site de l’émetteur)",
        "assertion signée (JWS",
    ],
    presentation_headline: ["Présentation vérifiée", "Présentation non valide", "Présentation impossible à confirmer"],
    presentation_explanation: [
        "La personne qui a présenté ces titres a signé la présentation, et chacun des titres qu’elle contient est valide.",
        "La présentation ou au moins un des titres qu’elle contient n’a pas passé la vérification : consultez chacun ci-dessous.",
        "Certaines vérifications n’ont pas pu être faites, ou la présentation n’est pas signée : consultez chaque titre ci-dessous.",
    ],
    presented_by: "Présenté par",
    credential_n: "Titre",
    of: "sur",
    held_heading: "Attestations contenues dans ce relevé",
    held_verdict: ["valide", "non valide", "impossible à vérifier"],
    by: "par",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// A check's name in the page's language: `status[1]` reads "Revocation and
/// suspension (2)"; a nested check names each step of its path
/// (`credential[0].proof[0]`: "Credential held (1) › Signature (1)"); names the
/// table does not know are shown as they are.
fn label(w: &Words, check: &str) -> String {
    check.split('.').map(|step| step_label(w, step)).collect::<Vec<_>>().join(" › ")
}

fn step_label(w: &Words, step: &str) -> String {
    let (base, index) = match step.split_once('[') {
        Some((b, rest)) => (b, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (step, None),
    };
    let name =
        w.check_names.iter().find(|(k, _)| *k == base).map(|(_, v)| v.to_string()).unwrap_or_else(|| base.to_string());
    match index {
        Some(i) => format!("{name} ({})", i.saturating_add(1)),
        None => name,
    }
}

/// One credential a CLR holds, as its reader sees it: what it is, who issued it, and
/// whether it verified (and if not, the first check that did not pass, in plain words).
#[derive(Debug, Clone)]
pub struct HeldView {
    /// `valid`, `invalid` or `indeterminate`: the item's class.
    pub class: &'static str,
    /// The achievement's name (or the credential's, or its id).
    pub name: String,
    pub issuer_name: Option<String>,
    pub verdict: &'static str,
    /// The check that did not pass, named in the page's language.
    pub reason_label: Option<String>,
    /// What it said (English, like every check's detail).
    pub reason_detail: Option<String>,
}

/// What a held credential says it is: its achievement's name, and its issuer's name.
fn held_names(credential: &serde_json::Value) -> (Option<String>, Option<String>) {
    use serde_json::Value;
    let decoded;
    let doc = match credential {
        Value::String(token) => match credence_core::jwt::decode_vc_jwt(token.trim()) {
            Ok(d) => {
                decoded = d.credential;
                &decoded
            }
            Err(_) => return (None, None),
        },
        other => other,
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).filter(|t| !t.trim().is_empty()).map(str::to_owned);
    let name = text(doc.get("credentialSubject").and_then(|s| s.get("achievement")).and_then(|a| a.get("name")))
        .or_else(|| text(doc.get("name")))
        .or_else(|| text(doc.get("id")));
    let issuer = match doc.get("issuer") {
        Some(Value::String(id)) => Some(id.clone()),
        Some(profile) => text(profile.get("name")).or_else(|| text(profile.get("id"))),
        None => None,
    };
    (name, issuer)
}

/// The held credentials of a CLR report, each with the verdict of its `credential[i]` check.
fn held_views(w: &Words, result: &VerificationResult) -> Vec<HeldView> {
    let Some(doc) = result.credential.as_ref() else { return Vec::new() };
    credence_core::clr::held_credentials(doc)
        .into_iter()
        .take(credence_core::clr::MAX_NESTED_CREDENTIALS)
        .enumerate()
        .filter_map(|(i, credential)| {
            let name = format!("credential[{i}]");
            let summary = result.checks.iter().find(|c| c.check == name)?;
            let prefix = format!("{name}.");
            let first_failure = result
                .checks
                .iter()
                .filter(|c| c.status == "failed" || c.status == "error")
                .find_map(|c| c.check.strip_prefix(&prefix).map(|sub| (sub, c)));
            let (reason_label, reason_detail) = match (summary.status.as_str(), first_failure) {
                ("passed", _) => (None, None),
                (_, Some((sub, c))) => (Some(label(w, sub)), Some(c.message.clone())),
                (_, None) => (None, Some(summary.message.clone())),
            };
            let (class, verdict) = match summary.status.as_str() {
                "passed" => ("valid", w.held_verdict[0]),
                "failed" => ("invalid", w.held_verdict[1]),
                _ => ("indeterminate", w.held_verdict[2]),
            };
            let (title, issuer_name) = held_names(credential);
            Some(HeldView {
                class,
                name: title.unwrap_or_else(|| label(w, &name)),
                issuer_name,
                verdict,
                reason_label,
                reason_detail,
            })
        })
        .collect()
}

/// The format a report names, in the page's language.
fn format_sentence(w: &Words, format: &CredentialFormat) -> String {
    let standard = match format.standard {
        Standard::OpenBadges3 => w.standards[0],
        Standard::OpenBadges3Endorsement => w.standards[1],
        Standard::Clr2 => w.standards[2],
        Standard::VerifiableCredential => w.standards[3],
        Standard::OpenBadges2 => w.standards[4],
    };
    let mut parts = vec![standard.to_string()];
    if let Some(version) = format.vc_version {
        parts.push(format!("{} {version}", w.data_model));
    }
    parts.push(match &format.securing {
        Securing::DataIntegrity { suites } => format!("{} ({})", w.securing[0], suites.join(", ")),
        Securing::VcJwt { alg } => format!("{} {alg}", w.securing[1]),
        Securing::Unsigned => w.securing[2].to_string(),
        Securing::Hosted => w.securing[3].to_string(),
        Securing::SignedJws { alg } => format!("{} {alg})", w.securing[4]),
    });
    parts.join(" · ")
}

fn check_views(w: &Words, checks: &[ReportCheck]) -> Vec<CheckView> {
    checks
        .iter()
        .map(|c| CheckView {
            status: c.status.clone(),
            label: label(w, &c.check),
            verdict: match c.status.as_str() {
                "passed" => w.verdict[0],
                "failed" => w.verdict[1],
                "skipped" => w.verdict[2],
                _ => w.verdict[3],
            },
            detail: c.message.clone(),
        })
        .collect()
}

/// A presentation's own part of the page: its verdict, holder and checks; each credential
/// in it has its own [`ReportView`].
pub struct PresentationView {
    pub class: &'static str,
    pub headline: &'static str,
    pub explanation: &'static str,
    pub holder: Option<String>,
    pub presented_by: &'static str,
    pub checks: Vec<CheckView>,
    pub checked_label: &'static str,
    pub detail_lang: &'static str,
    /// "Credential 1 of 3", one per credential.
    pub credential_headings: Vec<String>,
}

impl PresentationView {
    pub fn new(result: &PresentationResult, lang: Lang) -> PresentationView {
        let w = words(lang);
        let (i, class) = match result.result {
            Outcome::Valid => (0, "valid"),
            Outcome::Invalid => (1, "invalid"),
            Outcome::Indeterminate => (2, "indeterminate"),
        };
        let n = result.credentials.len();
        PresentationView {
            class,
            headline: w.presentation_headline[i],
            explanation: w.presentation_explanation[i],
            holder: result.holder.clone(),
            presented_by: w.presented_by,
            checks: check_views(w, &result.checks),
            checked_label: w.checked,
            detail_lang: "en",
            credential_headings: (1..=n).map(|k| format!("{} {k} {} {n}", w.credential_n, w.of)).collect(),
        }
    }

    /// The CSS class of its verdict (as [`ReportView::class`], for the shared templates).
    pub fn class(&self) -> &'static str {
        self.class
    }

    /// The heading of the credential at `index` (from 0).
    pub fn credential_heading(&self, index: &usize) -> &str {
        self.credential_headings.get(*index).map_or("", String::as_str)
    }
}

impl ReportView {
    pub fn new(result: &VerificationResult, lang: Lang) -> ReportView {
        let w = words(lang);
        let state = BadgeState::of(result);
        let i = state as usize;
        let checks = check_views(w, &result.checks);
        ReportView {
            state,
            headline: w.headline[i],
            explanation: w.explanation[i],
            checks,
            detail_lang: "en",
            checked_label: w.checked,
            authentic: result.authentic,
            claims_heading: w.claims_heading,
            claims_note: w.claims_note,
            format: result.facts.format.as_ref().map(|f| format_sentence(w, f)),
            format_label: w.format_label,
            held: held_views(w, result),
            held_heading: w.held_heading,
            by: w.by,
        }
    }

    pub fn class(&self) -> &'static str {
        self.state.class()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verification::Facts;

    fn result(outcome: Outcome, checks: &[(&str, &str, &str)]) -> VerificationResult {
        VerificationResult {
            result: outcome,
            authentic: !checks.iter().any(|(c, s, _)| c.starts_with("proof") && *s != "passed"),
            checks: checks
                .iter()
                .map(|(c, s, m)| ReportCheck { check: c.to_string(), status: s.to_string(), message: m.to_string() })
                .collect(),
            facts: Facts::default(),
            credential: None,
            registered_organization_id: None,
        }
    }

    #[test]
    fn nested_checks_are_named_by_their_path() {
        assert_eq!(label(&EN, "credential[1].proof[0]"), "Credential held (2) › Signature (1)");
        assert_eq!(label(&FR, "issuer.endorsement[0].validity"), "Émetteur › Recommandation (1) › Dates de validité");
        assert_eq!(
            label(&EN, "odd[x].status[18446744073709551615]"),
            "odd › Revocation and suspension (18446744073709551615)"
        );
    }

    #[test]
    fn states_follow_the_checks() {
        let ok = result(Outcome::Valid, &[("proof", "passed", "ok"), ("status[0]", "passed", "not revoked")]);
        assert_eq!(BadgeState::of(&ok), BadgeState::Valid);
        let revoked = result(Outcome::Invalid, &[("status[0]", "failed", "revoked by the issuer")]);
        assert_eq!(BadgeState::of(&revoked), BadgeState::Revoked);
        let suspended = result(Outcome::Invalid, &[("status[1]", "failed", "suspended by the issuer")]);
        assert_eq!(BadgeState::of(&suspended), BadgeState::Suspended);
        let expired = result(Outcome::Invalid, &[("validity", "failed", "expired on 2020-01-01T00:00:00Z")]);
        assert_eq!(BadgeState::of(&expired), BadgeState::Expired);
        let forged = result(Outcome::Invalid, &[("validity", "failed", "expired on x"), ("proof", "failed", "bad")]);
        assert_eq!(BadgeState::of(&forged), BadgeState::Invalid);
        let unknown = result(Outcome::Indeterminate, &[("status[0]", "error", "unreachable")]);
        assert_eq!(BadgeState::of(&unknown), BadgeState::Indeterminate);
        let someone_else = result(
            Outcome::Invalid,
            &[("proof[0]", "passed", "ok"), ("recipient", "failed", "the email does not match")],
        );
        assert_eq!(BadgeState::of(&someone_else), BadgeState::OtherRecipient);
        assert_eq!(ReportView::new(&someone_else, Lang::En).headline, "Authentic, but issued to someone else");
        // A forged document whose email does not match either is not "authentic".
        let forged_other =
            result(Outcome::Invalid, &[("proof[0]", "failed", "bad"), ("recipient", "failed", "no match")]);
        assert_eq!(BadgeState::of(&forged_other), BadgeState::Invalid);
    }

    #[test]
    fn checks_are_named_in_the_page_language() {
        let r = result(
            Outcome::Valid,
            &[("status[1]", "passed", "not suspended"), ("endorsement[0]", "error", "x"), ("odd", "skipped", "")],
        );
        let fr = ReportView::new(&r, Lang::Fr);
        assert_eq!(fr.headline, "Valide");
        assert_eq!(fr.checks[0].label, "Révocation et suspension (2)");
        assert_eq!(fr.checks[1].verdict, "impossible à vérifier");
        assert_eq!(fr.checks[2].label, "odd");
        assert_eq!(ReportView::new(&r, Lang::En).checks[0].verdict, "passed");
    }

    #[test]
    fn the_format_is_named_in_the_page_language() {
        let mut r = result(Outcome::Valid, &[("proof[0]", "passed", "ok")]);
        r.facts.format = Some(CredentialFormat {
            standard: Standard::VerifiableCredential,
            vc_version: Some("1.1"),
            securing: Securing::DataIntegrity { suites: vec!["eddsa-rdfc-2022".into()] },
        });
        assert_eq!(
            ReportView::new(&r, Lang::En).format.as_deref(),
            Some(
                "Verifiable Credential (not an Open Badge) · VC Data Model 1.1 · Data Integrity proof (eddsa-rdfc-2022)"
            )
        );
        r.facts.format = Some(CredentialFormat {
            standard: Standard::OpenBadges3,
            vc_version: Some("2.0"),
            securing: Securing::VcJwt { alg: "RS256".into() },
        });
        assert_eq!(
            ReportView::new(&r, Lang::Fr).format.as_deref(),
            Some("Open Badges 3.0 · modèle de données VC 2.0 · VC-JWT signé avec RS256")
        );
    }
}
