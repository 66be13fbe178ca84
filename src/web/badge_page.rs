//! The public badge page of a credential issued here, and its printable
//! certificate: what was earned, from whom, the live verification result,
//! and the ways to share it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

use super::credential_view::{CredentialView, EvidenceItem};
use super::i18n::date_parts;
use super::report::{BadgeState, ReportView};
use super::{PageContext, percent_encode, render};
use crate::app::AppState;
use crate::store::{Claim, Learner, StoredCredential};
use crate::verification::{self, Presented, VerifyRequest};

/// The words of the badge and certificate pages.
#[derive(Debug)]
pub struct Words {
    pub issued_by: &'static str,
    pub earned_by: &'static str,
    pub a_learner: &'static str,
    pub issued_on: &'static str,
    pub expires_on: &'static str,
    pub expired_on: &'static str,
    pub no_expiry: &'static str,
    pub revoked_notice: &'static str,
    pub reason: &'static str,
    pub suspended_notice: &'static str,
    pub verify_link: &'static str,
    pub criteria: &'static str,
    pub criteria_link: &'static str,
    pub alignments: &'static str,
    pub other_framework: &'static str,
    pub results: &'static str,
    pub result: &'static str,
    pub value: &'static str,
    pub required: &'static str,
    pub evidence: &'static str,
    pub evidence_digest: &'static str,
    pub evidence_open: &'static str,
    pub late_signoffs: &'static str,
    pub late_signoffs_lead: &'static str,
    pub signed_record: &'static str,
    pub endorsements: &'static str,
    pub endorsed_by: &'static str,
    pub prior_learning: &'static str,
    pub share: &'static str,
    pub add_to_linkedin: &'static str,
    pub copy_link: &'static str,
    pub link_label: &'static str,
    pub copied: &'static str,
    pub downloads: &'static str,
    pub download_png: &'static str,
    pub download_svg: &'static str,
    pub download_json: &'static str,
    pub qr_code: &'static str,
    pub qr_alt: &'static str,
    pub qr_png: &'static str,
    pub print: &'static str,
    pub print_now: &'static str,
    pub back_to_badge: &'static str,
    pub badge_image_alt: &'static str,
    pub issuer_logo_alt: &'static str,
    pub certificate_heading: &'static str,
    pub certificate_awarded: &'static str,
    pub certificate_for: &'static str,
    pub credential_id: &'static str,
    pub scan_to_verify: &'static str,
    pub code: &'static str,
    pub type_label: &'static str,
    pub og_description: &'static str,
    pub sharing_off: &'static str,
    /// Shown when the page shows the achievement in the reader's language and the signed
    /// credential is in the other (only English and French are offered).
    pub edition_note: &'static str,
    /// Names of the Open Badges achievement types shown on pages.
    pub achievement_types: &'static [(&'static str, &'static str)],
}

pub const EN: Words = Words {
    issued_by: "Issued by",
    earned_by: "Earned by",
    a_learner: "the learner named in the credential",
    issued_on: "Issued",
    expires_on: "Expires",
    expired_on: "Expired",
    no_expiry: "Does not expire",
    revoked_notice: "This badge has been revoked by its issuer.",
    reason: "Reason",
    suspended_notice: "This badge is suspended by its issuer.",
    verify_link: "Verify this badge",
    criteria: "What it takes to earn it",
    criteria_link: "Full criteria",
    alignments: "Competencies and occupations",
    other_framework: "Other",
    results: "Assessment results",
    result: "Assessment",
    value: "Result",
    required: "Required",
    evidence: "Evidence",
    evidence_digest: "SHA-256 fingerprint (to check the file was not altered)",
    evidence_open: "Open the evidence",
    late_signoffs: "Sign-offs after issuance",
    late_signoffs_lead: "These approvals came after the badge was issued. The issuer signed a record of each, which anyone can verify.",
    signed_record: "Signed record (JSON)",
    endorsements: "Endorsements",
    endorsed_by: "Endorsed by",
    prior_learning: "Awarded in recognition of prior learning",
    share: "Share",
    add_to_linkedin: "Add to LinkedIn profile",
    copy_link: "Copy link",
    link_label: "Link to this badge",
    copied: "Link copied",
    downloads: "Download",
    download_png: "Badge image (PNG)",
    download_svg: "Badge image (SVG)",
    download_json: "Credential (JSON)",
    qr_code: "QR code",
    qr_alt: "QR code that opens this badge page",
    qr_png: "QR code (PNG)",
    print: "Printable certificate",
    print_now: "Print",
    back_to_badge: "Back to the badge page",
    badge_image_alt: "Badge image",
    issuer_logo_alt: "Logo of",
    certificate_heading: "Certificate of achievement",
    certificate_awarded: "This certifies that",
    certificate_for: "has earned",
    credential_id: "Credential",
    scan_to_verify: "Scan to verify",
    code: "Code",
    type_label: "Type",
    og_description: "A verifiable Open Badges 3.0 credential issued by",
    sharing_off: "Sharing and downloads are turned off while this badge is revoked or suspended.",
    edition_note: "This page shows the English edition of this micro-credential. The signed credential is written in French.",
    achievement_types: &[
        ("MicroCredential", "Micro-credential"),
        ("Badge", "Badge"),
        ("Certificate", "Certificate"),
        ("Certification", "Certification"),
        ("Course", "Course"),
        ("Competency", "Competency"),
        ("Diploma", "Diploma"),
        ("License", "Licence"),
        ("Assessment", "Assessment"),
    ],
};

pub const FR: Words = Words {
    issued_by: "Délivré par",
    earned_by: "Obtenu par",
    a_learner: "la personne nommée dans le titre",
    issued_on: "Délivré le",
    expires_on: "Expire le",
    expired_on: "Expiré le",
    no_expiry: "N’expire pas",
    revoked_notice: "Ce badge a été révoqué par son émetteur.",
    reason: "Motif",
    suspended_notice: "Ce badge est suspendu par son émetteur.",
    verify_link: "Vérifier ce badge",
    criteria: "Comment l’obtenir",
    criteria_link: "Critères complets",
    alignments: "Compétences et professions",
    other_framework: "Autres",
    results: "Résultats d’évaluation",
    result: "Évaluation",
    value: "Résultat",
    required: "Exigé",
    evidence: "Preuves",
    evidence_digest: "Empreinte SHA-256 (pour vérifier que le fichier n’a pas été modifié)",
    evidence_open: "Ouvrir la preuve",
    late_signoffs: "Confirmations après la délivrance",
    late_signoffs_lead: "Ces approbations sont arrivées après la délivrance du badge. L’émetteur a signé un relevé de chacune, que tout le monde peut vérifier.",
    signed_record: "Relevé signé (JSON)",
    endorsements: "Recommandations",
    endorsed_by: "Recommandé par",
    prior_learning: "Délivré en reconnaissance des acquis",
    share: "Partager",
    add_to_linkedin: "Ajouter au profil LinkedIn",
    copy_link: "Copier le lien",
    link_label: "Lien vers ce badge",
    copied: "Lien copié",
    downloads: "Télécharger",
    download_png: "Image du badge (PNG)",
    download_svg: "Image du badge (SVG)",
    download_json: "Titre (JSON)",
    qr_code: "Code QR",
    qr_alt: "Code QR qui ouvre la page de ce badge",
    qr_png: "Code QR (PNG)",
    print: "Certificat imprimable",
    print_now: "Imprimer",
    back_to_badge: "Retour à la page du badge",
    badge_image_alt: "Image du badge",
    issuer_logo_alt: "Logo de",
    certificate_heading: "Certificat de réussite",
    certificate_awarded: "Nous certifions que",
    certificate_for: "a obtenu",
    credential_id: "Titre",
    scan_to_verify: "Balayer pour vérifier",
    code: "Code",
    type_label: "Type",
    og_description: "Un titre Open Badges 3.0 vérifiable délivré par",
    sharing_off: "Le partage et les téléchargements sont désactivés tant que ce badge est révoqué ou suspendu.",
    edition_note: "Cette page présente l’édition française de ce titre. Le titre signé est rédigé en anglais.",
    achievement_types: &[
        ("MicroCredential", "Microtitre"),
        ("Badge", "Badge"),
        ("Certificate", "Certificat"),
        ("Certification", "Certification"),
        ("Course", "Cours"),
        ("Competency", "Compétence"),
        ("Diploma", "Diplôme"),
        ("License", "Permis"),
        ("Assessment", "Évaluation"),
    ],
};

/// Everything the badge page and the certificate show.
pub struct BadgeData {
    pub uuid: String,
    pub page_url: String,
    pub view: CredentialView,
    pub report: ReportView,
    pub learner_name: Option<String>,
    /// What the issuer chose to tell the public about a revocation or suspension (the
    /// organization's own reason is never shown).
    pub public_reason: Option<String>,
    pub evidence: Vec<EvidenceItem>,
    /// Sign-offs approved after issuance, each with its signed record.
    pub late_signoffs: Vec<LateSignoff>,
    pub linkedin_url: String,
    pub og_image: String,
    pub issuer_slug: Option<String>,
    /// The achievement type in the page's language (as written when unknown).
    pub type_label: Option<String>,
    /// `?lang=…` on the artwork's URLs when the page shows another edition than the signed
    /// one (the artwork then bears that edition's name); empty otherwise.
    pub art_query: String,
}

/// A sign-off approved after issuance, as its signed record says it.
pub struct LateSignoff {
    pub title: String,
    pub statement: String,
    pub url: String,
}

impl LateSignoff {
    fn from_record(url: String, document: &serde_json::Value) -> LateSignoff {
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).unwrap_or_default().to_string();
        LateSignoff {
            title: text(document.get("name")),
            statement: text(document.get("credentialSubject").and_then(|s| s.get("endorsementComment"))),
            url,
        }
    }
}

impl BadgeData {
    pub fn is_revoked(&self) -> bool {
        self.report.state == BadgeState::Revoked
    }

    pub fn is_suspended(&self) -> bool {
        self.report.state == BadgeState::Suspended
    }

    /// Whether the credential's expiry is in the past.
    pub fn has_expired(&self) -> bool {
        self.report.state == BadgeState::Expired
    }
}

#[derive(Template)]
#[template(path = "badge.html", config = "src/web/askama.toml")]
struct BadgePage<'a> {
    page: &'a PageContext,
    w: &'static Words,
    b: &'a BadgeData,
}

#[derive(Template)]
#[template(path = "certificate.html", config = "src/web/askama.toml")]
struct CertificatePage<'a> {
    page: &'a PageContext,
    w: &'static Words,
    b: &'a BadgeData,
}

/// LinkedIn's "add certification" link, prefilled with the badge.
pub fn linkedin_add_url(view: &CredentialView, page_url: &str, cert_id: &str) -> String {
    let mut params = vec![
        ("startTask", "CERTIFICATION_NAME".to_string()),
        ("name", view.name.clone()),
        ("organizationName", view.issuer_name.clone()),
    ];
    if let Some((y, m, _)) = view.valid_from.as_deref().and_then(date_parts) {
        params.push(("issueYear", y.to_string()));
        params.push(("issueMonth", m.to_string()));
    }
    if let Some((y, m, _)) = view.valid_until.as_deref().and_then(date_parts) {
        params.push(("expirationYear", y.to_string()));
        params.push(("expirationMonth", m.to_string()));
    }
    params.push(("certUrl", page_url.to_string()));
    params.push(("certId", cert_id.to_string()));
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect();
    format!("https://www.linkedin.com/profile/add?{}", query.join("&"))
}

/// The learner's name as pages show it: the one chosen when claiming, else the one
/// the issuer gave.
pub fn learner_name(claim: &Claim, learner: Option<Learner>) -> Option<String> {
    claim.display_name.clone().or_else(|| learner.and_then(|l| l.display_name)).filter(|n| !n.trim().is_empty())
}

/// The credential's claim and [`learner_name`].
pub async fn claim_and_name(
    state: &AppState,
    c: &StoredCredential,
) -> Result<(Claim, Option<String>), crate::error::AppError> {
    let learner = state.store.learner(&c.organization_id, &c.learner_id).await?;
    let claim = state.store.claim(&c.id).await?.unwrap_or_default();
    let name = learner_name(&claim, learner);
    Ok((claim, name))
}

async fn badge_data(
    state: &AppState,
    page: &PageContext,
    c: StoredCredential,
) -> Result<BadgeData, crate::error::AppError> {
    let (claim, learner_name) = claim_and_name(state, &c).await?;
    let org = state.store.organization_by_id(&c.organization_id).await?;
    let result = verification::verify(
        &state.store,
        &state.verifier,
        Presented::Reference(c.id.clone()),
        VerifyRequest::default(),
    )
    .await?;
    let mut view = CredentialView::from_document(&c.document);
    let mut art_query = String::new();
    if let Some(edition) = crate::app::editions::credential_edition(&state.store, &c, page.lang.code()).await? {
        view = view.in_edition(&edition);
        art_query = format!("?lang={}", page.lang.code());
    }
    let page_url = state.store.credential_url(&c.id);
    let late_signoffs = state
        .store
        .signoff_records(&c.id)
        .await?
        .iter()
        .map(|r| LateSignoff::from_record(state.store.signoff_record_url(&c.id, &r.id), &r.document))
        .collect();
    let words = page.pick(&EN, &FR);
    let type_label = view.achievement_type.as_deref().map(|t| {
        words.achievement_types.iter().find(|(k, _)| *k == t).map_or_else(|| t.to_string(), |(_, v)| v.to_string())
    });
    Ok(BadgeData {
        type_label,
        linkedin_url: linkedin_add_url(&view, &page_url, &c.id),
        og_image: format!("{page_url}/preview.png?lang={}", page.lang.code()),
        art_query,
        uuid: c.id,
        page_url,
        late_signoffs,
        evidence: view.evidence.iter().filter(|e| !claim.hidden_evidence.contains(&e.index)).cloned().collect(),
        view,
        report: ReportView::new(&result, page.lang),
        learner_name,
        public_reason: c.public_reason,
        issuer_slug: org.map(|o| o.slug),
    })
}

/// `/credentials/{id}` for browsers: the badge page.
pub async fn credential_page(State(state): State<AppState>, Path(id): Path<String>, page: PageContext) -> Response {
    match state.store.credential(&id).await {
        Ok(Some(c)) => badge_page(&state, &page, c).await,
        Ok(None) => AppError::NotFound("credential").into_response(),
        Err(e) => e.into_response(),
    }
}

/// The badge page, for browsers asking `/credentials/{id}`.
pub async fn badge_page(state: &AppState, page: &PageContext, c: StoredCredential) -> Response {
    match badge_data(state, page, c).await {
        Ok(b) => {
            let mut r = render(page, StatusCode::OK, &BadgePage { page, w: page.pick(&EN, &FR), b: &b });
            r.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-cache"));
            r
        }
        Err(e) => e.into_response(),
    }
}

/// `/credentials/{id}/print`: the certificate, laid out for paper.
pub async fn certificate(State(state): State<AppState>, page: PageContext, Path(id): Path<String>) -> Response {
    let c = match state.store.credential(&id).await {
        Ok(Some(c)) => c,
        Ok(None) => return super::not_found(&page),
        Err(e) => return e.into_response(),
    };
    match badge_data(&state, &page, c).await {
        Ok(b) => render(&page, StatusCode::OK, &CertificatePage { page: &page, w: page.pick(&EN, &FR), b: &b }),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linkedin_link_carries_the_certification() {
        let view = CredentialView {
            name: "Gestion du temps & priorités".into(),
            issuer_name: "Collège du Nord".into(),
            valid_from: Some("2026-03-05T10:00:00Z".into()),
            valid_until: Some("2029-03-05T10:00:00Z".into()),
            ..Default::default()
        };
        let url = linkedin_add_url(&view, "https://b.example/credentials/abc", "abc");
        assert_eq!(
            url,
            "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME\
             &name=Gestion%20du%20temps%20%26%20priorit%C3%A9s&organizationName=Coll%C3%A8ge%20du%20Nord\
             &issueYear=2026&issueMonth=3&expirationYear=2029&expirationMonth=3\
             &certUrl=https%3A%2F%2Fb.example%2Fcredentials%2Fabc&certId=abc"
        );
    }
}
