//! Recording a result in a form, `/console/results`: the micro-credential and its
//! component, the learner, the outcome and a link to the evidence, recorded through
//! the same application path as `POST /api/v1/organizations/{org}/results`
//! ([`IssuingCall::result`]), with the audit log's lines written in the same unit of
//! work. The page then says what happened: issued (with the credential and the
//! learner's claim link), in progress (with what is missing), awaiting sign-off
//! (with the reviewer's link), locked out. Email and external id naming two
//! different learners is shown plainly, naming both, and nothing is recorded.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Can, Chrome, Section, Staff, field};
use crate::app::AppState;
use crate::domain::achievement::Achievement;
use crate::domain::award_evaluation::ComponentStatus;
use crate::domain::learner::{EvidenceInput, LearnerInput, ResultInput, ReviewerInput};
use crate::domain::validation::Reason;
use crate::error::AppError;
use crate::issuance::{IssuingCall, LearnerStatus};
use crate::store::Learner;
use crate::web::lang::Lang;
use crate::web::{PageContext, private, render};

/// Where results recorded here say they come from.
pub const SOURCE: &str = "console";

/// The words of the result form and of what it answers.
#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub target_label: &'static str,
    pub target_choose: &'static str,
    pub no_achievements: &'static str,
    pub learner_legend: &'static str,
    pub learner_hint: &'static str,
    pub email_label: &'static str,
    pub external_id_label: &'static str,
    pub name_label: &'static str,
    pub outcome_legend: &'static str,
    pub score_label: &'static str,
    pub score_hint: &'static str,
    pub passed_legend: &'static str,
    pub passed_unstated: &'static str,
    pub passed_yes: &'static str,
    pub passed_no: &'static str,
    pub completed_label: &'static str,
    pub signoff_label: &'static str,
    pub signoff_hint: &'static str,
    pub reviewer_name_label: &'static str,
    pub reviewer_email_label: &'static str,
    pub evidence_legend: &'static str,
    pub evidence_url_label: &'static str,
    pub evidence_name_label: &'static str,
    pub evidence_name_default: &'static str,
    pub evidence_sha256_label: &'static str,
    pub submit: &'static str,
    pub errors_intro: &'static str,
    pub target_invalid: &'static str,
    pub identify: &'static str,
    pub email_invalid: &'static str,
    pub email_needed: &'static str,
    pub external_id_invalid: &'static str,
    pub name_invalid: &'static str,
    pub score_invalid: &'static str,
    pub not_scored: &'static str,
    pub says_nothing: &'static str,
    pub no_signoff: &'static str,
    pub reviewer_name_invalid: &'static str,
    pub reviewer_email_invalid: &'static str,
    pub url_invalid: &'static str,
    pub evidence_name_invalid: &'static str,
    pub digest_invalid: &'static str,
    pub conflict_title: &'static str,
    pub conflict_email: &'static str,
    pub conflict_external_id: &'static str,
    pub conflict_belongs_to: &'static str,
    pub conflict_hint: &'static str,
    pub no_name: &'static str,
    pub recorded_title: &'static str,
    pub state_issued: &'static str,
    pub state_in_progress: &'static str,
    pub state_awaiting_signoff: &'static str,
    pub state_locked_out: &'static str,
    pub state_revoked: &'static str,
    pub state_suspended: &'static str,
    pub missing: &'static str,
    pub status_met: &'static str,
    pub status_not_met: &'static str,
    pub status_locked_out: &'static str,
    pub status_awaiting_signoff: &'static str,
    pub status_declined: &'static str,
    pub open_credential: &'static str,
    pub claim_link: &'static str,
    pub signoff_link: &'static str,
    pub see_learner: &'static str,
    pub record_another: &'static str,
}

pub const EN: Words = Words {
    title: "Record a result",
    lead: "The result is recorded as the API and CSV imports record it: the award rule is checked at once, and the credential is issued when it is met.",
    target_label: "Micro-credential and component",
    target_choose: "Choose a component",
    no_achievements: "Define a micro-credential first: results are recorded against one of its components.",
    learner_legend: "The learner",
    learner_hint: "Give the email address, the external id, or both. A credential needs the email address.",
    email_label: "Email address",
    external_id_label: "External id (student number)",
    name_label: "Name (optional)",
    outcome_legend: "The outcome",
    score_label: "Score in percent, 0 to 100",
    score_hint: "For scored components only; a decimal comma is accepted.",
    passed_legend: "Passed?",
    passed_unstated: "Not stated",
    passed_yes: "Passed",
    passed_no: "Failed",
    completed_label: "Completed",
    signoff_label: "Submit for sign-off",
    signoff_hint: "For components an employer or expert signs off: the reviewer gets a single-use link.",
    reviewer_name_label: "Reviewer’s name (optional)",
    reviewer_email_label: "Reviewer’s email address (optional)",
    evidence_legend: "Evidence (optional)",
    evidence_url_label: "Link to the evidence",
    evidence_name_label: "What it is",
    evidence_name_default: "Evidence",
    evidence_sha256_label: "SHA-256 digest of the file (64 hexadecimal digits, optional)",
    submit: "Record the result",
    errors_intro: "Nothing was recorded. Correct the fields marked below.",
    target_invalid: "Choose one of the components listed.",
    identify: "Give the learner’s email address or external id.",
    email_invalid: "Enter an email address, like name@example.org.",
    email_needed: "This result completes the micro-credential, and a credential needs the learner’s email address: enter it.",
    external_id_invalid: "Use at most 200 characters, without control characters.",
    name_invalid: "Use at most 200 characters, without control characters.",
    score_invalid: "Enter a number from 0 to 100.",
    not_scored: "This component is not scored: leave the score empty.",
    says_nothing: "Give a score, or say whether the component was completed or passed.",
    no_signoff: "This component needs no sign-off.",
    reviewer_name_invalid: "Use at most 200 characters, without control characters.",
    reviewer_email_invalid: "Enter an email address, like name@example.org.",
    url_invalid: "Enter a web address starting with https:// or http://.",
    evidence_name_invalid: "Use at most 300 characters, without control characters.",
    digest_invalid: "Enter 64 hexadecimal digits, with the link to the file it digests.",
    conflict_title: "Nothing was recorded: these identifiers name two different learners",
    conflict_email: "The email address",
    conflict_external_id: "The external id",
    conflict_belongs_to: "belongs to",
    conflict_hint: "Check whom this result is for, and correct the email address or the external id. If both records are the same person, an administrator can merge them on the learner’s page.",
    no_name: "(no name)",
    recorded_title: "Result recorded",
    state_issued: "The micro-credential is earned: the credential is issued.",
    state_in_progress: "In progress: the award rule is not met yet.",
    state_awaiting_signoff: "Awaiting sign-off: everything else is met.",
    state_locked_out: "Locked out: the attempts allowed are used up without meeting the rule.",
    state_revoked: "The learner’s credential for this micro-credential is revoked.",
    state_suspended: "The learner’s credential for this micro-credential is suspended.",
    missing: "Still missing",
    status_met: "met",
    status_not_met: "not met yet",
    status_locked_out: "attempts used up",
    status_awaiting_signoff: "awaiting sign-off",
    status_declined: "sign-off declined",
    open_credential: "Open the credential",
    claim_link: "The learner’s claim link (shown once: send it to them)",
    signoff_link: "Link to send to the reviewer (shown once)",
    see_learner: "See this learner",
    record_another: "Record another result",
};

pub const FR: Words = Words {
    title: "Inscrire un résultat",
    lead: "Le résultat est inscrit comme par l’API et les importations CSV : la règle d’attribution est vérifiée aussitôt, et le titre est délivré quand elle est remplie.",
    target_label: "Microcertification et composante",
    target_choose: "Choisissez une composante",
    no_achievements: "Définissez d’abord une microcertification : les résultats sont inscrits pour l’une de ses composantes.",
    learner_legend: "L’apprenant·e",
    learner_hint: "Donnez l’adresse courriel, l’identifiant externe, ou les deux. Un titre exige l’adresse courriel.",
    email_label: "Adresse courriel",
    external_id_label: "Identifiant externe (numéro d’étudiant·e)",
    name_label: "Nom (facultatif)",
    outcome_legend: "Le résultat",
    score_label: "Note en pourcentage, de 0 à 100",
    score_hint: "Pour les composantes notées seulement; la virgule décimale est acceptée.",
    passed_legend: "Réussi?",
    passed_unstated: "Non précisé",
    passed_yes: "Réussi",
    passed_no: "Échoué",
    completed_label: "Terminé",
    signoff_label: "Soumettre pour approbation",
    signoff_hint: "Pour les composantes qu’un employeur ou un expert approuve : la personne reçoit un lien à usage unique.",
    reviewer_name_label: "Nom de la personne qui approuve (facultatif)",
    reviewer_email_label: "Adresse courriel de la personne qui approuve (facultatif)",
    evidence_legend: "Preuve (facultatif)",
    evidence_url_label: "Lien vers la preuve",
    evidence_name_label: "De quoi il s’agit",
    evidence_name_default: "Preuve",
    evidence_sha256_label: "Empreinte SHA-256 du fichier (64 chiffres hexadécimaux, facultatif)",
    submit: "Inscrire le résultat",
    errors_intro: "Rien n’a été inscrit. Corrigez les champs signalés ci-dessous.",
    target_invalid: "Choisissez l’une des composantes proposées.",
    identify: "Donnez l’adresse courriel ou l’identifiant externe de l’apprenant·e.",
    email_invalid: "Entrez une adresse courriel, comme nom@exemple.org.",
    email_needed: "Ce résultat complète la microcertification, et un titre exige l’adresse courriel de l’apprenant·e : entrez-la.",
    external_id_invalid: "Utilisez au plus 200 caractères, sans caractères de contrôle.",
    name_invalid: "Utilisez au plus 200 caractères, sans caractères de contrôle.",
    score_invalid: "Entrez un nombre de 0 à 100.",
    not_scored: "Cette composante n’est pas notée : laissez la note vide.",
    says_nothing: "Donnez une note, ou dites si la composante est terminée ou réussie.",
    no_signoff: "Cette composante n’exige aucune approbation.",
    reviewer_name_invalid: "Utilisez au plus 200 caractères, sans caractères de contrôle.",
    reviewer_email_invalid: "Entrez une adresse courriel, comme nom@exemple.org.",
    url_invalid: "Entrez une adresse Web commençant par https:// ou http://.",
    evidence_name_invalid: "Utilisez au plus 300 caractères, sans caractères de contrôle.",
    digest_invalid: "Entrez 64 chiffres hexadécimaux, avec le lien vers le fichier dont c’est l’empreinte.",
    conflict_title: "Rien n’a été inscrit : ces identifiants désignent deux apprenant·es différent·es",
    conflict_email: "L’adresse courriel",
    conflict_external_id: "L’identifiant externe",
    conflict_belongs_to: "appartient à",
    conflict_hint: "Vérifiez à qui est ce résultat, et corrigez l’adresse courriel ou l’identifiant externe. Si les deux dossiers sont la même personne, un·e administrateur·rice peut les fusionner depuis la page de l’apprenant·e.",
    no_name: "(sans nom)",
    recorded_title: "Résultat inscrit",
    state_issued: "La microcertification est obtenue : le titre est délivré.",
    state_in_progress: "En cours : la règle d’attribution n’est pas encore remplie.",
    state_awaiting_signoff: "En attente d’approbation : tout le reste est rempli.",
    state_locked_out: "Bloqué : les tentatives permises sont épuisées sans que la règle soit remplie.",
    state_revoked: "Le titre de l’apprenant·e pour cette microcertification est révoqué.",
    state_suspended: "Le titre de l’apprenant·e pour cette microcertification est suspendu.",
    missing: "Il manque encore",
    status_met: "rempli",
    status_not_met: "pas encore rempli",
    status_locked_out: "tentatives épuisées",
    status_awaiting_signoff: "en attente d’approbation",
    status_declined: "approbation refusée",
    open_credential: "Ouvrir le titre",
    claim_link: "Le lien de réclamation de l’apprenant·e (affiché une seule fois : envoyez-le-lui)",
    signoff_link: "Lien à envoyer à la personne qui approuve (affiché une seule fois)",
    see_learner: "Voir cet·te apprenant·e",
    record_another: "Inscrire un autre résultat",
};

/// One component offered in the form: `value` is `<achievement id>:<component>`.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
}

/// One micro-credential's components, as an `optgroup`.
pub(crate) struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

pub(crate) fn choices(achievements: &[Achievement]) -> Vec<ChoiceGroup> {
    achievements
        .iter()
        .map(|a| ChoiceGroup {
            label: a.definition.name.clone(),
            choices: a
                .definition
                .rule
                .all_of
                .iter()
                .map(|c| Choice {
                    value: format!("{}:{}", a.id, c.component),
                    label: c.name.clone().map_or_else(|| c.component.clone(), |n| format!("{n} ({})", c.component)),
                })
                .collect(),
        })
        .collect()
}

/// What the form holds, as typed, and what is wrong with it.
#[derive(Default)]
pub(crate) struct RecordForm {
    pub target: String,
    pub email: String,
    pub external_id: String,
    pub name: String,
    pub score: String,
    pub passed: String,
    pub completed: bool,
    pub signoff: bool,
    pub reviewer_name: String,
    pub reviewer_email: String,
    pub evidence_url: String,
    pub evidence_name: String,
    pub evidence_sha256: String,
    pub errors: FieldErrors,
}

/// The message beside each field in error; `other` are faults no field shows.
#[derive(Default)]
pub(crate) struct FieldErrors {
    pub target: Option<&'static str>,
    pub email: Option<&'static str>,
    pub external_id: Option<&'static str>,
    pub name: Option<&'static str>,
    pub score: Option<&'static str>,
    pub signoff: Option<&'static str>,
    pub reviewer_name: Option<&'static str>,
    pub reviewer_email: Option<&'static str>,
    pub evidence_url: Option<&'static str>,
    pub evidence_name: Option<&'static str>,
    pub evidence_sha256: Option<&'static str>,
    pub other: Vec<String>,
}

impl FieldErrors {
    pub fn any(&self) -> bool {
        self.target.is_some()
            || self.email.is_some()
            || self.external_id.is_some()
            || self.name.is_some()
            || self.score.is_some()
            || self.signoff.is_some()
            || self.reviewer_name.is_some()
            || self.reviewer_email.is_some()
            || self.evidence_url.is_some()
            || self.evidence_name.is_some()
            || self.evidence_sha256.is_some()
            || !self.other.is_empty()
    }

    /// Puts the application's fault on `field` (a path of [`ResultInput`]) beside
    /// the form field that holds it, in the page's words; a fault no field shows, in
    /// the page's language.
    fn place(&mut self, w: &'static Words, lang: Lang, field: &str, reason: &Reason) {
        let slot = match field {
            "achievement" | "component" => (&mut self.target, w.target_invalid),
            "learner" => (&mut self.email, w.identify),
            "learner.email" if matches!(reason, Reason::EmailToComplete | Reason::EmailForCredential) => {
                (&mut self.email, w.email_needed)
            }
            "learner.email" => (&mut self.email, w.email_invalid),
            "learner.externalId" => (&mut self.external_id, w.external_id_invalid),
            "learner.name" => (&mut self.name, w.name_invalid),
            "score" if matches!(reason, Reason::NotScored { .. }) => (&mut self.score, w.not_scored),
            "score" if matches!(reason, Reason::ResultSaysNothing) => (&mut self.score, w.says_nothing),
            "score" => (&mut self.score, w.score_invalid),
            "submittedForSignoff" => (&mut self.signoff, w.no_signoff),
            "reviewer.name" => (&mut self.reviewer_name, w.reviewer_name_invalid),
            "reviewer.email" => (&mut self.reviewer_email, w.reviewer_email_invalid),
            "evidence[0].url" => (&mut self.evidence_url, w.url_invalid),
            "evidence[0].name" => (&mut self.evidence_name, w.evidence_name_invalid),
            "evidence[0].sha256" => (&mut self.evidence_sha256, w.digest_invalid),
            _ => {
                self.other.push(format!("{field}: {}", lang.reason(reason)));
                return;
            }
        };
        slot.0.get_or_insert(slot.1);
    }
}

fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

impl RecordForm {
    pub(crate) fn read(fields: &[(String, String)]) -> RecordForm {
        let text = |name: &str| field(fields, name).to_string();
        RecordForm {
            target: text("target"),
            email: text("email"),
            external_id: text("external_id"),
            name: text("name"),
            score: text("score"),
            passed: text("passed"),
            completed: field(fields, "completed") == "yes",
            signoff: field(fields, "signoff") == "yes",
            reviewer_name: text("reviewer_name"),
            reviewer_email: text("reviewer_email"),
            evidence_url: text("evidence_url"),
            evidence_name: text("evidence_name"),
            evidence_sha256: text("evidence_sha256"),
            errors: FieldErrors::default(),
        }
    }

    /// The result the form describes, or the form with the faults it can tell alone.
    fn input(&mut self, w: &'static Words) -> Option<ResultInput> {
        let (achievement, component) = match self.target.split_once(':') {
            Some((a, c)) if !a.is_empty() && !c.is_empty() => (a.to_string(), c.to_string()),
            _ => {
                self.errors.target = Some(w.target_invalid);
                (String::new(), String::new())
            }
        };
        let score = match optional(&self.score) {
            None => None,
            Some(s) => match s.replace(',', ".").parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    self.errors.score = Some(w.score_invalid);
                    None
                }
            },
        };
        let passed = match self.passed.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let evidence = optional(&self.evidence_url).map(|url| EvidenceInput {
            url: Some(url),
            name: optional(&self.evidence_name).unwrap_or_else(|| w.evidence_name_default.to_string()),
            sha256: optional(&self.evidence_sha256),
            ..EvidenceInput::default()
        });
        if evidence.is_none() && optional(&self.evidence_sha256).is_some() {
            self.errors.evidence_sha256 = Some(w.digest_invalid);
        }
        let reviewer = (self.signoff
            && (optional(&self.reviewer_name).is_some() || optional(&self.reviewer_email).is_some()))
        .then(|| ReviewerInput { name: optional(&self.reviewer_name), email: optional(&self.reviewer_email) });
        if self.errors.any() {
            return None;
        }
        Some(ResultInput {
            achievement,
            component,
            learner: LearnerInput {
                email: optional(&self.email),
                external_id: optional(&self.external_id),
                did: None,
                name: optional(&self.name),
            },
            score,
            attempt: None,
            completed: self.completed.then_some(true),
            passed,
            submitted_for_signoff: self.signoff.then_some(true),
            reviewer,
            evidence: evidence.into_iter().collect(),
            source: Some(SOURCE.to_string()),
            recorded_at: None,
        })
    }
}

#[derive(Template)]
#[template(path = "console_record.html", config = "src/web/askama.toml")]
struct RecordPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    groups: Vec<ChoiceGroup>,
    form: RecordForm,
    conflict: Option<Conflict>,
}

/// Two learners one result's identifiers name.
pub(crate) struct Conflict {
    pub email: Option<(String, Option<Named>)>,
    pub external_id: Option<(String, Option<Named>)>,
}

/// A learner as a conflict names them: a link to their page and who they are.
pub(crate) struct Named {
    pub href: String,
    pub label: String,
}

pub(crate) fn named(w: &'static Words, l: &Learner) -> Named {
    let mut parts = vec![l.display_name.clone().unwrap_or_else(|| w.no_name.to_string())];
    parts.extend(l.email.clone());
    parts.extend(l.external_id.clone());
    Named { href: format!("/console/learners/{}", l.id), label: parts.join(" · ") }
}

async fn record_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: RecordForm,
    conflict: Option<Conflict>,
) -> Response {
    let achievements = match state.store.list_achievements(&staff.organization.id).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let chrome = staff.chrome(Section::Record);
    let w = staff.page.pick(&EN, &FR);
    let template = RecordPage { page: &staff.page, chrome, w, groups: choices(&achievements), form, conflict };
    private(render(&staff.page, status, &template))
}

/// `GET /console/results`: the form (issuers and issuer-admins).
pub async fn form(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(Can::Issue) {
        return *r;
    }
    record_page(&state, &staff, StatusCode::OK, RecordForm::default(), None).await
}

#[derive(Template)]
#[template(path = "console_recorded.html", config = "src/web/askama.toml")]
struct RecordedPage<'a> {
    page: &'a PageContext,
    chrome: Chrome,
    w: &'static Words,
    outcome: Outcome,
}

/// What a recorded result (or a direct award) came to, as a page says it.
pub(crate) struct Outcome {
    pub achievement: String,
    pub learner_href: String,
    pub state: &'static str,
    pub missing: Vec<(String, &'static str)>,
    pub credential_url: Option<String>,
    pub claim_url: Option<String>,
    pub signoff_links: Vec<String>,
}

/// `staff` sees the links of reviewers who were mailed theirs only when they may send
/// one again (issuer-admins), as the API's answers to issuer keys leave them out.
pub(crate) fn outcome(w: &'static Words, staff: &Staff, achievement: &str, status: LearnerStatus) -> Outcome {
    let mailed_shown = staff.can(Can::Manage);
    let state = match status.state.as_str() {
        "issued" => w.state_issued,
        "awaiting_signoff" => w.state_awaiting_signoff,
        "locked_out" => w.state_locked_out,
        "revoked" => w.state_revoked,
        "suspended" => w.state_suspended,
        _ => w.state_in_progress,
    };
    let missing = status
        .components
        .iter()
        .filter(|c| c.status != ComponentStatus::Met)
        .map(|c| (c.component.clone(), component_status(w, &c.status)))
        .collect();
    Outcome {
        achievement: achievement.to_string(),
        learner_href: format!("/console/learners/{}", status.learner_id),
        state,
        missing,
        credential_url: status.credential.as_ref().map(|c| c.url.clone()),
        claim_url: status.credential.and_then(|c| c.claim_url),
        signoff_links: status
            .signoffs
            .into_iter()
            .filter(|s| mailed_shown || s.reviewer_email.is_none())
            .filter_map(|s| s.link)
            .collect(),
    }
}

pub(crate) fn component_status(w: &'static Words, s: &ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Met => w.status_met,
        ComponentStatus::NotMet => w.status_not_met,
        ComponentStatus::LockedOut => w.status_locked_out,
        ComponentStatus::AwaitingSignoff => w.status_awaiting_signoff,
        ComponentStatus::Declined => w.status_declined,
    }
}

/// The learners a conflicting result's identifiers name, for the page.
pub(crate) async fn conflict(state: &AppState, staff: &Staff, learner: &LearnerInput) -> Result<Conflict, AppError> {
    let w = staff.page.pick(&EN, &FR);
    let (by_email, by_external) = state
        .store
        .learner_by_identifier(&staff.organization.id, learner.email.as_deref(), learner.external_id.as_deref())
        .await?;
    Ok(Conflict {
        email: learner.normalized_email().map(|e| (e, by_email.as_ref().map(|l| named(w, l)))),
        external_id: learner.external_id.clone().map(|x| (x, by_external.as_ref().map(|l| named(w, l)))),
    })
}

/// `POST /console/results`: records the result and says what happened, or shows the
/// form again with what is wrong (422) or the two learners it names (409).
pub async fn record(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match staff.form_for(Can::Issue, &state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let w = staff.page.pick(&EN, &FR);
    let mut form = RecordForm::read(&fields);
    let Some(input) = form.input(w) else {
        return record_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, form, None).await;
    };
    let learner = input.learner.clone();
    let org = &staff.organization;
    let run = async {
        let call = IssuingCall::result(&state.store, org, input, None).await?;
        let achievement = match &call {
            IssuingCall::Result { achievement, .. } => achievement.definition.name.clone(),
            _ => String::new(),
        };
        let status = call.run(&state.store, &state.master_key, org).await?.status()?;
        Ok::<_, AppError>((achievement, status))
    };
    match run.await {
        Ok((achievement, status)) => {
            let chrome = staff.chrome(Section::Record);
            let template =
                RecordedPage { page: &staff.page, chrome, w, outcome: outcome(w, &staff, &achievement, status) };
            private(render(&staff.page, StatusCode::OK, &template))
        }
        Err(AppError::Validation(faults)) => {
            for f in &faults {
                form.errors.place(w, staff.page.lang, &f.field, &f.reason);
            }
            record_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, form, None).await
        }
        Err(AppError::Conflict { field, .. }) if field == "learner" => match conflict(&state, &staff, &learner).await {
            Ok(c) => record_page(&state, &staff, StatusCode::CONFLICT, form, Some(c)).await,
            Err(e) => e.into_response(),
        },
        Err(e) => e.into_response(),
    }
}

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/console/results", axum::routing::get(form).post(record))
}
