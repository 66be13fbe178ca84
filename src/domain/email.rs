//! The emails Credence sends, written in the recipient's language (English or French),
//! each as a subject, a plain text body and an HTML body. Pure: what goes in a message,
//! not how it is stored or sent.

use super::achievement::is_french;
use crate::html_escape::escape as html_escape;

/// A message ready to be put in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// What caused it: `credential-issued`, `signoff-requested`.
    pub kind: &'static str,
    pub to: String,
    /// `en` or `fr`.
    pub language: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A learner's new badge, with the link that claims it.
#[derive(Debug, Clone, Copy)]
pub struct BadgeEarned<'a> {
    pub learner_name: Option<&'a str>,
    pub achievement: &'a str,
    pub issuer: &'a str,
    pub claim_url: &'a str,
    pub image_url: &'a str,
}

/// A reviewer asked to confirm a learner's work, with their single-use link.
#[derive(Debug, Clone, Copy)]
pub struct SignoffAsked<'a> {
    pub reviewer_name: Option<&'a str>,
    pub learner_name: &'a str,
    pub achievement: &'a str,
    pub component: &'a str,
    pub issuer: &'a str,
    pub link: &'a str,
    /// The date the link stops working (YYYY-MM-DD).
    pub open_until: &'a str,
}

fn language(tag: &str) -> &'static str {
    if is_french(tag) { "fr" } else { "en" }
}

/// An HTML body: the paragraphs, then a button-like link, in a plain layout that mail
/// clients render alike. `image` is shown first when given (its `alt` says what it is).
fn html(
    lang: &str,
    image: Option<(&str, &str)>,
    paragraphs: &[String],
    action: (&str, &str),
    after: &[String],
) -> String {
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:Verdana,Arial,sans-serif;color:#1c2230;max-width:560px;margin:0 auto;padding:16px\">"
    );
    if let Some((src, alt)) = image {
        out.push_str(&format!(
            "<p><img src=\"{}\" alt=\"{}\" width=\"160\" height=\"160\"></p>",
            html_escape(src),
            html_escape(alt)
        ));
    }
    for p in paragraphs {
        out.push_str(&format!("<p>{}</p>", html_escape(p)));
    }
    let (label, href) = action;
    out.push_str(&format!(
        "<p><a href=\"{}\" style=\"display:inline-block;background:#1d4ed8;color:#ffffff;padding:10px 18px;\
         border-radius:6px;text-decoration:none\">{}</a></p><p style=\"font-size:13px;color:#4a5263\">{}</p>",
        html_escape(href),
        html_escape(label),
        html_escape(href)
    ));
    for p in after {
        out.push_str(&format!("<p style=\"font-size:13px;color:#4a5263\">{}</p>", html_escape(p)));
    }
    out.push_str("</body></html>");
    out
}

fn text(paragraphs: &[String], action: (&str, &str), after: &[String]) -> String {
    let mut parts: Vec<String> = paragraphs.to_vec();
    parts.push(format!("{}: {}", action.0, action.1));
    parts.extend(after.iter().cloned());
    parts.join("\n\n") + "\n"
}

impl BadgeEarned<'_> {
    /// The message to `to`, in `language` (a tag; French for `fr*`, English otherwise).
    pub fn email(&self, to: &str, language_tag: &str) -> Email {
        let lang = language(language_tag);
        let fr = lang == "fr";
        let hello = match (self.learner_name.map(str::trim).filter(|n| !n.is_empty()), fr) {
            (Some(name), true) => format!("Bonjour {name},"),
            (Some(name), false) => format!("Hello {name},"),
            (None, true) => "Bonjour,".to_string(),
            (None, false) => "Hello,".to_string(),
        };
        let (subject, lead, own, action, after) = if fr {
            (
                format!("Vous avez obtenu « {} »", self.achievement),
                format!("{} vous a délivré le badge numérique « {} ».", self.issuer, self.achievement),
                "Réclamez-le pour l’afficher sous votre nom, le partager sur LinkedIn, le télécharger ou l’ajouter à votre portefeuille numérique. Les employeurs peuvent vérifier qu’il est authentique.".to_string(),
                "Réclamer mon badge",
                "Ce lien est personnel : ne le transmettez pas.".to_string(),
            )
        } else {
            (
                format!("You earned “{}”", self.achievement),
                format!("{} has issued you the digital badge “{}”.", self.issuer, self.achievement),
                "Claim it to show it under your name, share it on LinkedIn, download it or add it to your digital wallet. Employers can check that it is genuine.".to_string(),
                "Claim my badge",
                "This link is personal: do not forward it.".to_string(),
            )
        };
        let paragraphs = [hello, lead, own];
        let action = (action, self.claim_url);
        let alt =
            if fr { format!("Badge « {} »", self.achievement) } else { format!("“{}” badge", self.achievement) };
        Email {
            kind: "credential-issued",
            to: to.to_string(),
            language: lang,
            subject,
            text: text(&paragraphs, action, std::slice::from_ref(&after)),
            html: html(lang, Some((self.image_url, &alt)), &paragraphs, action, &[after]),
        }
    }
}

impl SignoffAsked<'_> {
    /// The message to `to`, in `language_tag`'s language.
    pub fn email(&self, to: &str, language_tag: &str) -> Email {
        let lang = language(language_tag);
        let fr = lang == "fr";
        let hello = match (self.reviewer_name.map(str::trim).filter(|n| !n.is_empty()), fr) {
            (Some(name), true) => format!("Bonjour {name},"),
            (Some(name), false) => format!("Hello {name},"),
            (None, true) => "Bonjour,".to_string(),
            (None, false) => "Hello,".to_string(),
        };
        let (subject, lead, how, action, after) = if fr {
            (
                format!("Confirmation demandée : {} — {}", self.learner_name, self.achievement),
                format!(
                    "{} vous demande de confirmer que {} a satisfait à « {} » de la microcertification « {} ».",
                    self.issuer, self.learner_name, self.component, self.achievement
                ),
                "Le lien ouvre une page avec les critères et les preuves soumises; vous approuvez ou refusez en une minute, sans compte.".to_string(),
                "Ouvrir la demande",
                format!("Le lien fonctionne une fois, jusqu’au {}.", self.open_until),
            )
        } else {
            (
                format!("Sign-off requested: {} — {}", self.learner_name, self.achievement),
                format!(
                    "{} asks you to confirm that {} has met “{}” of the micro-credential “{}”.",
                    self.issuer, self.learner_name, self.component, self.achievement
                ),
                "The link opens a page with the criteria and the evidence submitted; you approve or decline in a minute, with no account.".to_string(),
                "Open the request",
                format!("The link works once, until {}.", self.open_until),
            )
        };
        let paragraphs = [hello, lead, how];
        let action = (action, self.link);
        Email {
            kind: "signoff-requested",
            to: to.to_string(),
            language: lang,
            subject,
            text: text(&paragraphs, action, std::slice::from_ref(&after)),
            html: html(lang, None, &paragraphs, action, &[after]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn earned() -> BadgeEarned<'static> {
        BadgeEarned {
            learner_name: Some("Jo <Learner>"),
            achievement: "Confined space entry",
            issuer: "Energy & Mines Council",
            claim_url: "https://b.example/claim/clm_1",
            image_url: "https://b.example/credentials/1/image.png",
        }
    }

    #[test]
    fn a_badge_email_carries_the_claim_link_in_both_bodies_escaped_in_html() {
        let e = earned().email("jo@example.org", "en-CA");
        assert_eq!((e.kind, e.language, e.to.as_str()), ("credential-issued", "en", "jo@example.org"));
        assert_eq!(e.subject, "You earned “Confined space entry”");
        assert!(
            e.text.starts_with("Hello Jo <Learner>,\n\n")
                && e.text.contains("Claim my badge: https://b.example/claim/clm_1")
        );
        assert!(e.html.contains("Hello Jo &lt;Learner&gt;,") && e.html.contains("Energy &amp; Mines Council"));
        assert!(e.html.contains("href=\"https://b.example/claim/clm_1\"") && e.html.contains("<html lang=\"en\">"));
        assert!(!e.html.contains("<Learner>"));
    }

    #[test]
    fn a_french_learner_reads_french() {
        let e = earned().email("jo@example.org", "fr-CA");
        assert_eq!(e.language, "fr");
        assert_eq!(e.subject, "Vous avez obtenu « Confined space entry »");
        assert!(e.text.contains("Réclamer mon badge: https://b.example/claim/clm_1"));
    }

    #[test]
    fn a_reviewer_is_told_what_to_confirm_and_until_when() {
        let s = SignoffAsked {
            reviewer_name: None,
            learner_name: "Jo Learner",
            achievement: "Confined space entry",
            component: "On-site demonstration",
            issuer: "EMC",
            link: "https://b.example/signoff/sgn_1",
            open_until: "2027-01-02",
        };
        let e = s.email("rivera@example.org", "en");
        assert_eq!(e.subject, "Sign-off requested: Jo Learner — Confined space entry");
        assert!(e.text.starts_with("Hello,") && e.text.contains("until 2027-01-02"));
        assert!(e.text.contains("Open the request: https://b.example/signoff/sgn_1"));
        assert!(s.email("r@example.org", "fr").text.contains("jusqu’au 2027-01-02"));
    }
}
