//! The page language: English or French, chosen by a `?lang=` switch, then the
//! `lang` cookie the switch sets, then `Accept-Language`.

use axum::http::HeaderMap;
use axum::http::header;

use super::i18n::{self, Messages};
use crate::domain::validation::Reason;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The other language, offered by the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// Why a field was refused, in this language: the message's French when it has
    /// one (else its English), or its English.
    pub fn reason(self, reason: &Reason) -> String {
        match self {
            Lang::En => reason.english(),
            Lang::Fr => reason.french_or_english(),
        }
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::En => &i18n::EN,
            Lang::Fr => &i18n::FR,
        }
    }
}

/// How the language of a request was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub lang: Lang,
    /// Chosen by `?lang=`: the response remembers it in a cookie.
    pub from_switch: bool,
}

/// The language of a request from its query string and headers.
pub fn choose(query: Option<&str>, headers: &HeaderMap) -> Choice {
    if let Some(l) = query.and_then(|q| query_param(q, "lang")).and_then(|v| Lang::parse(&v)) {
        return Choice { lang: l, from_switch: true };
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix("lang="))
        .find_map(Lang::parse);
    if let Some(l) = cookie {
        return Choice { lang: l, from_switch: false };
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    Choice { lang: from_accept_language(accept), from_switch: false }
}

/// The supported language the client ranks highest (English when none is).
pub fn from_accept_language(value: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        // NaN and q=0 both mean "not acceptable".
        if q.is_nan() || q <= 0.0 {
            continue;
        }
        if let Some(l) = Lang::parse(tag)
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, l));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::En)
}

/// The first value of `name` in a query string, percent-decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    form_pairs(query).into_iter().find_map(|(k, v)| (k == name).then_some(v))
}

/// Every `name=value` pair of a query string or an `application/x-www-form-urlencoded`
/// body, in order, percent-decoded (`+` is a space; invalid UTF-8 becomes U+FFFD).
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_ranks_by_quality() {
        assert_eq!(from_accept_language("fr-CA,fr;q=0.9,en;q=0.8"), Lang::Fr);
        assert_eq!(from_accept_language("en-US,en;q=0.9,fr;q=0.8"), Lang::En);
        assert_eq!(from_accept_language("de-DE,fr;q=0.5"), Lang::Fr);
        assert_eq!(from_accept_language("de, es"), Lang::En);
        assert_eq!(from_accept_language(""), Lang::En);
        assert_eq!(from_accept_language("fr;q=0, en;q=0.1"), Lang::En);
    }

    #[test]
    fn switch_beats_cookie_beats_header() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "fr".parse().unwrap());
        assert_eq!(choose(None, &h), Choice { lang: Lang::Fr, from_switch: false });
        h.insert(header::COOKIE, "a=b; lang=en".parse().unwrap());
        assert_eq!(choose(None, &h).lang, Lang::En);
        assert_eq!(choose(Some("x=1&lang=fr"), &h), Choice { lang: Lang::Fr, from_switch: true });
        assert_eq!(choose(Some("lang=xx"), &h).lang, Lang::En);
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(query_param("a=1&q=caf%C3%A9+au+lait", "q").as_deref(), Some("café au lait"));
        assert_eq!(query_param("q=%zz%4", "q").as_deref(), Some("%zz%4"));
        assert_eq!(query_param("a=1", "q"), None);
        assert_eq!(
            form_pairs("name=Ana+Mar%C3%ADa&public=0&&public=2&x"),
            vec![
                ("name".into(), "Ana María".into()),
                ("public".into(), "0".into()),
                ("public".into(), "2".into()),
                ("x".into(), String::new())
            ]
        );
    }
}
