//! The learner's claim page, `/claim/{token}`: the private link sent with a new
//! credential. Claiming sets the name the badge page shows, which evidence it
//! shows, and optionally the learner's DID. The link keeps working after the
//! claim, so the learner can come back and change these choices; the issuer can
//! replace a lost link, which stops the old one. The signed credential never
//! changes: these choices only shape the badge page.

use std::collections::BTreeSet;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::credential_view::{CredentialView, EvidenceItem};
use super::lang::form_pairs;
use super::{MessagePage, PageContext, not_found, private, render};
use crate::app::AppState;
use crate::store::{Claim, ClaimChoices, StoredCredential};
use credence_core::did;

/// The words of the claim page.
#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub lead: &'static str,
    pub keep_private: &'static str,
    pub claimed_on: &'static str,
    pub issued_by: &'static str,
    pub issued_on: &'static str,
    pub errors_intro: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub evidence_legend: &'static str,
    pub evidence_hint: &'static str,
    pub did_label: &'static str,
    pub did_hint: &'static str,
    pub wallet_title: &'static str,
    pub wallet_body: &'static str,
    pub save: &'static str,
    pub name_empty: &'static str,
    pub name_too_long: &'static str,
    pub name_control: &'static str,
    pub did_key_invalid: &'static str,
    pub did_web_invalid: &'static str,
    pub did_unsupported: &'static str,
    pub evidence_unknown: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
}

pub const EN: Words = Words {
    title: "Claim your badge",
    lead: "You earned this badge. Choose how your public badge page shows it. You can come back with this link at any time to change your choices.",
    keep_private: "Keep this link to yourself: whoever has it can change your badge page.",
    claimed_on: "Claimed",
    issued_by: "Issued by",
    issued_on: "Issued",
    errors_intro: "Please correct the fields marked below.",
    name_label: "Your name, as your badge page shows it",
    name_hint: "1 to 100 characters.",
    evidence_legend: "Evidence shown on your badge page",
    evidence_hint: "Unchecked items are hidden from your badge page. They remain in the signed credential file, which cannot be changed.",
    did_label: "Your DID (optional)",
    did_hint: "For a digital wallet: did:key:… or did:web:…. It is recorded for the credentials this issuer gives you from now on; this credential stays as it was signed.",
    wallet_title: "Keep it in a wallet",
    wallet_body: "On your badge page, download the credential (JSON) and import it into your digital wallet.",
    save: "Save and see my badge page",
    name_empty: "Enter your name.",
    name_too_long: "Use at most 100 characters.",
    name_control: "Remove the invisible control characters.",
    did_key_invalid: "This did:key is not a valid Ed25519 key.",
    did_web_invalid: "This did:web is not well formed (did:web:example.com or did:web:example.com:user:ana).",
    did_unsupported: "Use a DID that starts with did:key: or did:web:.",
    evidence_unknown: "Choose among the evidence listed.",
    forbidden_title: "This form was sent from another site",
    forbidden_body: "For your safety, your badge can only be claimed from its own claim page. Open your claim link again and send the form from there.",
};

pub const FR: Words = Words {
    title: "Réclamer votre badge",
    lead: "Vous avez obtenu ce badge. Choisissez comment votre page de badge publique le présente. Vous pouvez revenir avec ce lien en tout temps pour modifier vos choix.",
    keep_private: "Gardez ce lien pour vous : quiconque l’a peut modifier votre page de badge.",
    claimed_on: "Réclamé le",
    issued_by: "Délivré par",
    issued_on: "Délivré le",
    errors_intro: "Veuillez corriger les champs indiqués ci-dessous.",
    name_label: "Votre nom, tel que votre page de badge l’affiche",
    name_hint: "De 1 à 100 caractères.",
    evidence_legend: "Preuves affichées sur votre page de badge",
    evidence_hint: "Les éléments décochés sont masqués sur votre page de badge. Ils restent dans le fichier du titre signé, qui ne peut pas être modifié.",
    did_label: "Votre DID (facultatif)",
    did_hint: "Pour un portefeuille numérique : did:key:… ou did:web:…. Il est enregistré pour les titres que cet émetteur vous délivrera désormais; ce titre reste tel qu’il a été signé.",
    wallet_title: "Le garder dans un portefeuille",
    wallet_body: "Sur votre page de badge, téléchargez le titre (JSON) et importez-le dans votre portefeuille numérique.",
    save: "Enregistrer et voir ma page de badge",
    name_empty: "Entrez votre nom.",
    name_too_long: "Utilisez au plus 100 caractères.",
    name_control: "Retirez les caractères de contrôle invisibles.",
    did_key_invalid: "Ce did:key n’est pas une clé Ed25519 valide.",
    did_web_invalid: "Ce did:web est mal formé (did:web:exemple.ca ou did:web:exemple.ca:usager:ana).",
    did_unsupported: "Utilisez un DID qui commence par did:key: ou did:web:.",
    evidence_unknown: "Choisissez parmi les preuves présentées.",
    forbidden_title: "Ce formulaire a été envoyé depuis un autre site",
    forbidden_body: "Pour votre sécurité, un badge ne peut être réclamé que depuis sa propre page de réclamation. Ouvrez de nouveau votre lien et envoyez le formulaire depuis cette page.",
};

/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Largest claim form accepted, in bytes.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// Why a field of the form was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldFault {
    NameEmpty,
    NameTooLong,
    NameControl,
    DidKeyInvalid,
    DidWebInvalid,
    DidUnsupported,
    EvidenceUnknown,
}

impl FieldFault {
    fn message(self, w: &Words) -> &'static str {
        match self {
            FieldFault::NameEmpty => w.name_empty,
            FieldFault::NameTooLong => w.name_too_long,
            FieldFault::NameControl => w.name_control,
            FieldFault::DidKeyInvalid => w.did_key_invalid,
            FieldFault::DidWebInvalid => w.did_web_invalid,
            FieldFault::DidUnsupported => w.did_unsupported,
            FieldFault::EvidenceUnknown => w.evidence_unknown,
        }
    }
}

/// Control characters, and the bidirectional overrides that make a name display
/// as something other than what it is.
fn is_forbidden_in_name(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A display name: trimmed, 1 to 100 characters, no control characters.
pub fn check_display_name(raw: &str) -> Result<String, FieldFault> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldFault::NameEmpty);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldFault::NameTooLong);
    }
    if name.chars().any(is_forbidden_in_name) {
        return Err(FieldFault::NameControl);
    }
    Ok(name.to_string())
}

/// An optional DID: empty is none; otherwise a DID as [`did::Did::parse`] reads it (a
/// `did:key` holding an Ed25519 key, or a well-formed `did:web`).
pub fn check_did(raw: &str) -> Result<Option<String>, FieldFault> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match did::Did::parse(value) {
        Ok(did) => Ok(Some(did.as_str().to_string())),
        Err(_) if value.starts_with("did:key:") => Err(FieldFault::DidKeyInvalid),
        Err(_) if value.starts_with("did:web:") => Err(FieldFault::DidWebInvalid),
        Err(_) => Err(FieldFault::DidUnsupported),
    }
}

/// The form as sent (kept to show it again) and what was wrong with it.
#[derive(Debug, Default)]
pub struct FormState {
    pub name: String,
    pub did: String,
    /// Evidence indexes left public.
    pub public: BTreeSet<usize>,
    pub name_error: Option<FieldFault>,
    pub did_error: Option<FieldFault>,
    pub evidence_error: Option<FieldFault>,
}

impl FormState {
    fn has_errors(&self) -> bool {
        self.name_error.is_some() || self.did_error.is_some() || self.evidence_error.is_some()
    }

    /// Reads a submitted form against the credential's evidence list.
    pub fn from_body(body: &str, evidence: &[EvidenceItem]) -> FormState {
        let mut form = FormState::default();
        for (key, value) in form_pairs(body) {
            match key.as_str() {
                "name" => form.name = value,
                "did" => form.did = value,
                "public" => match value.parse::<usize>() {
                    Ok(i) if i < evidence.len() => {
                        form.public.insert(i);
                    }
                    _ => form.evidence_error = Some(FieldFault::EvidenceUnknown),
                },
                _ => {}
            }
        }
        form.name_error = check_display_name(&form.name).err();
        form.did_error = check_did(&form.did).err();
        form
    }

    /// What to save, when the form is valid.
    pub fn choices(&self, evidence: &[EvidenceItem]) -> Option<ClaimChoices> {
        if self.has_errors() {
            return None;
        }
        Some(ClaimChoices {
            display_name: check_display_name(&self.name).ok()?,
            did: check_did(&self.did).ok()?,
            hidden_evidence: evidence.iter().map(|e| e.index).filter(|i| !self.public.contains(i)).collect(),
        })
    }
}

#[derive(Template)]
#[template(path = "claim.html", config = "src/web/askama.toml")]
struct ClaimPage<'a> {
    page: &'a PageContext,
    w: &'static Words,
    token: &'a str,
    view: &'a CredentialView,
    claimed_at: Option<String>,
    form: &'a FormState,
}

impl ClaimPage<'_> {
    fn error(&self, fault: &Option<FieldFault>) -> &'static str {
        fault.map(|f| f.message(self.w)).unwrap_or("")
    }

    fn is_public(&self, index: &usize) -> bool {
        self.form.public.contains(index)
    }
}

/// The claim and credential a token opens.
async fn open(state: &AppState, token: &str) -> Result<Option<(Claim, StoredCredential)>, crate::error::AppError> {
    let Some(claim) = state.store.claim_by_token(token).await? else { return Ok(None) };
    Ok(state.store.credential(&claim.credential_id).await?.map(|c| (claim, c)))
}

fn show(
    page: &PageContext,
    status: StatusCode,
    token: &str,
    claim: &Claim,
    view: &CredentialView,
    form: &FormState,
) -> Response {
    let template = ClaimPage { page, w: page.pick(&EN, &FR), token, view, claimed_at: claim.claimed_at.clone(), form };
    private(render(page, status, &template))
}

/// `GET /claim/{token}`: the claim form, filled with the current choices.
pub async fn claim_form(State(state): State<AppState>, page: PageContext, Path(token): Path<String>) -> Response {
    let (claim, credential) = match open(&state, &token).await {
        Ok(Some(found)) => found,
        Ok(None) => return private(not_found(&page)),
        Err(e) => return e.into_response(),
    };
    let name = match state.store.learner(&credential.organization_id, &credential.learner_id).await {
        Ok(learner) => super::badge_page::learner_name(&claim, learner),
        Err(e) => return e.into_response(),
    };
    let view = CredentialView::from_document(&credential.document);
    let form = FormState {
        name: name.unwrap_or_default(),
        did: claim.did.clone().unwrap_or_default(),
        public: view.evidence.iter().map(|e| e.index).filter(|i| !claim.hidden_evidence.contains(i)).collect(),
        ..FormState::default()
    };
    show(&page, StatusCode::OK, &token, &claim, &view, &form)
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// Whether a form post comes from a page of this service. The token in the URL is
/// the secret; this also refuses posts that browsers say come from another site.
pub fn same_site_post(headers: &HeaderMap, public_url: &str) -> bool {
    let header_text = |name| headers.get(name).map(|v| v.to_str().unwrap_or(""));
    if let Some(site) = header_text("sec-fetch-site") {
        // Set by the browser itself (no page can set a Sec- header), so it decides:
        // the claim page's no-referrer policy makes browsers send `Origin: null`
        // with the form, even from the claim page itself.
        return matches!(site, "same-origin" | "none");
    }
    match header_text("origin") {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            origin == origin_of(public_url) || host.is_some_and(|h| origin_of(origin).ends_with(&format!("://{h}")))
        }
    }
}

/// `POST /claim/{token}`: saves the choices and goes to the badge page (303), or
/// shows the form again with what to correct (422).
pub async fn save_claim(
    State(state): State<AppState>,
    page: PageContext,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (claim, credential) = match open(&state, &token).await {
        Ok(Some(found)) => found,
        Ok(None) => return private(not_found(&page)),
        Err(e) => return e.into_response(),
    };
    let w = page.pick(&EN, &FR);
    if !same_site_post(&headers, &state.store.public_url) {
        return private(render(
            &page,
            StatusCode::FORBIDDEN,
            &MessagePage { page: &page, title: w.forbidden_title, body: w.forbidden_body },
        ));
    }
    let is_form = super::is_form_post(&headers);
    if !is_form {
        return crate::error::AppError::UnsupportedMediaType(
            "send the claim form as application/x-www-form-urlencoded".into(),
        )
        .into_response();
    }
    let view = CredentialView::from_document(&credential.document);
    let form = FormState::from_body(&String::from_utf8_lossy(&body), &view.evidence);
    let Some(choices) = form.choices(&view.evidence) else {
        return show(&page, StatusCode::UNPROCESSABLE_ENTITY, &token, &claim, &view, &form);
    };
    match state.store.save_claim(&token, &credential.learner_id, &choices).await {
        Ok(true) => {
            if claim.claimed_at.is_none() {
                tracing::info!(credential = %credential.id, "credential claimed");
            }
            private(Redirect::to(&format!("/credentials/{}", credential.id)).into_response())
        }
        // The issuer replaced the link meanwhile.
        Ok(false) => private(not_found(&page)),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_display_name("  Ana María  "), Ok("Ana María".into()));
        assert_eq!(check_display_name(" \t "), Err(FieldFault::NameEmpty));
        assert_eq!(check_display_name(&"é".repeat(100)), Ok("é".repeat(100)));
        assert_eq!(check_display_name(&"é".repeat(101)), Err(FieldFault::NameTooLong));
        assert_eq!(check_display_name("Ana\u{0007}"), Err(FieldFault::NameControl));
        assert_eq!(check_display_name("Ana\nLee"), Err(FieldFault::NameControl));
        assert_eq!(check_display_name("Ana\u{202E}eeL"), Err(FieldFault::NameControl));
    }

    #[test]
    fn dids_are_checked() {
        let key = did::DidKey::from_public_key(&[7u8; 32]).did;
        assert_eq!(check_did(""), Ok(None));
        assert_eq!(check_did(&format!(" {key} ")), Ok(Some(key.clone())));
        assert_eq!(check_did("did:key:z6MkNotAKey"), Err(FieldFault::DidKeyInvalid));
        assert_eq!(check_did("did:web:example.com"), Ok(Some("did:web:example.com".into())));
        assert_eq!(
            check_did("did:web:example.com%3A8443:users:ana"),
            Ok(Some("did:web:example.com%3A8443:users:ana".into()))
        );
        assert_eq!(check_did(&format!("{key}#{}", &key["did:key:".len()..])), Err(FieldFault::DidKeyInvalid));
        for bad in [
            "did:web:",
            "did:web:exa mple.com",
            "did:web:example.com::x",
            "did:web:example.com/x",
            "did:web:a%zz",
            "did:web:a#k",
            "did:web:a\"b",
        ] {
            assert_eq!(check_did(bad), Err(FieldFault::DidWebInvalid), "{bad}");
        }
        assert_eq!(check_did("did:example:123"), Err(FieldFault::DidUnsupported));
        assert_eq!(check_did("ana@example.com"), Err(FieldFault::DidUnsupported));
    }

    #[test]
    fn posts_from_other_sites_are_refused() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
            }
            h
        };
        let public = "https://badges.example.ca";
        assert!(same_site_post(&headers(&[]), public));
        assert!(same_site_post(
            &headers(&[("origin", "https://badges.example.ca"), ("sec-fetch-site", "same-origin")]),
            public
        ));
        assert!(same_site_post(&headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")]), public));
        assert!(!same_site_post(&headers(&[("origin", "https://evil.example")]), public));
        assert!(!same_site_post(&headers(&[("origin", "null")]), public));
        // What Chromium sends from the claim page, under its no-referrer policy.
        assert!(same_site_post(&headers(&[("origin", "null"), ("sec-fetch-site", "same-origin")]), public));
        assert!(!same_site_post(&headers(&[("sec-fetch-site", "cross-site")]), public));
        assert!(!same_site_post(&headers(&[("sec-fetch-site", "same-site")]), public));
    }
}
