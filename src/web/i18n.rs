//! Words every page shares, in English and French, and dates written the way
//! each language writes them. A page's own words live beside the page, in the
//! same two-constant form, so a missing translation is a compile error.

/// The shared words of the layout and the error pages.
#[derive(Debug)]
pub struct Messages {
    pub site_name: &'static str,
    pub skip_to_content: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub nav_verify: &'static str,
    pub nav_docs: &'static str,
    pub switch_label: &'static str,
    pub footer: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub error_title: &'static str,
    pub back_home: &'static str,
    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub home_issuers: &'static str,
    pub home_verify_cta: &'static str,
    pub too_many_title: &'static str,
    pub too_many_body: &'static str,
    /// ": " in English, " : " (narrow no-break space first) in French.
    pub colon: &'static str,
}

pub const EN: Messages = Messages {
    site_name: "Credence",
    skip_to_content: "Skip to content",
    nav_label: "Main",
    nav_home: "Home",
    nav_verify: "Verify a badge",
    nav_docs: "API",
    switch_label: "Lire en français",
    footer: "Open Badges 3.0 credentials, verifiable by anyone.",
    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address. The link may be mistyped, or the badge may never have been issued here.",
    error_title: "Something went wrong",
    back_home: "Go to the home page",
    home_title: "Digital badges you can check",
    home_lead: "Micro-credentials earned through real assessments, issued as signed Open Badges 3.0 credentials that learners own and employers can verify.",
    home_issuers: "Issuers",
    home_verify_cta: "Verify a badge",
    too_many_title: "Too many requests",
    too_many_body: "This address has sent more requests than the service accepts for a moment. Wait a few seconds, then try again.",
    colon: ": ",
};

pub const FR: Messages = Messages {
    site_name: "Credence",
    skip_to_content: "Aller au contenu",
    nav_label: "Principal",
    nav_home: "Accueil",
    nav_verify: "Vérifier un badge",
    nav_docs: "API",
    switch_label: "Read in English",
    footer: "Des titres Open Badges 3.0 que tout le monde peut vérifier.",
    not_found_title: "Page introuvable",
    not_found_body: "Il n’y a rien à cette adresse. Le lien est peut-être mal saisi, ou le badge n’a jamais été délivré ici.",
    error_title: "Une erreur est survenue",
    back_home: "Aller à la page d’accueil",
    home_title: "Des badges numériques vérifiables",
    home_lead: "Des microtitres obtenus après une véritable évaluation, délivrés sous forme de titres Open Badges 3.0 signés, qui appartiennent aux personnes apprenantes et que les employeurs peuvent vérifier.",
    home_issuers: "Émetteurs",
    home_verify_cta: "Vérifier un badge",
    too_many_title: "Trop de requêtes",
    too_many_body: "Cette adresse a envoyé plus de requêtes que le service n’en accepte pour le moment. Attendez quelques secondes, puis réessayez.",
    colon: "\u{202f}: ",
};

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `2026-11-27T10:00:00Z` as "November 27, 2026" or "27 novembre 2026"; text that
/// is not such a date is returned as it is.
pub fn long_date(lang: super::Lang, timestamp: &str) -> String {
    let Some((year, month, day)) = date_parts(timestamp) else {
        return timestamp.to_string();
    };
    match lang {
        super::Lang::En => format!("{} {day}, {year}", MONTHS_EN[month - 1]),
        super::Lang::Fr if day == 1 => format!("1er {} {year}", MONTHS_FR[month - 1]),
        super::Lang::Fr => format!("{day} {} {year}", MONTHS_FR[month - 1]),
    }
}

/// Year, month (1–12) and day of an RFC 3339 timestamp or plain date.
pub fn date_parts(timestamp: &str) -> Option<(i32, usize, u32)> {
    let date = timestamp.get(..10)?;
    let mut it = date.split('-');
    let year: i32 = it.next()?.parse().ok()?;
    let month: usize = it.next()?.parse().ok()?;
    let day: u32 = it.next()?.parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::Lang;

    #[test]
    fn dates_read_naturally() {
        assert_eq!(long_date(Lang::En, "2026-11-27T10:00:00Z"), "November 27, 2026");
        assert_eq!(long_date(Lang::Fr, "2026-11-27T10:00:00Z"), "27 novembre 2026");
        assert_eq!(long_date(Lang::Fr, "2026-08-01"), "1er août 2026");
        assert_eq!(long_date(Lang::En, "soon"), "soon");
        assert_eq!(long_date(Lang::En, "2026-13-01"), "2026-13-01");
    }
}
