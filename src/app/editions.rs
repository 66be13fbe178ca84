//! Language editions of achievements, as both adapters read them: an achievement version's
//! Open Badges 3.0 document in one language (the JSON at its URL, its page), and the edition
//! of an issued credential's achievement that a reader of the other language is shown (badge
//! page, certificate, artwork), which is only ever one its signed achievement names in `related`.

use credence_core::model::{self, OpenBadgeCredential};
use serde::Deserialize;

use crate::domain::achievement::{Achievement, edition_url, language_base};
use crate::domain::organization::Organization;
use crate::error::AppResult;
use crate::store::{Store, StoredCredential};

/// One language edition of an achievement version, with what its pages need.
pub struct Edition {
    pub achievement: Achievement,
    pub organization: Organization,
    /// The Open Badges 3.0 `Achievement` of this edition (its `id` is the edition's URL).
    pub document: model::Achievement,
}

/// The edition of achievement `id` (its latest version when `version` is None) written in
/// `language`, or its first edition when `language` is None. None when the achievement, its
/// organization or an edition in that language does not exist.
pub async fn achievement_edition(
    store: &Store,
    id: &str,
    version: Option<i64>,
    language: Option<&str>,
) -> AppResult<Option<Edition>> {
    let Some(achievement) = store.achievement(id, version).await? else {
        return Ok(None);
    };
    let Some(organization) = store.organization_by_slug(&achievement.organization).await? else {
        return Ok(None);
    };
    let profile = organization.profile();
    let definition = &achievement.definition;
    let document = match language {
        None => Some(definition.to_open_badges(&achievement.url, Some(&profile))),
        Some(lang) => definition.edition_to_open_badges(&achievement.url, lang, Some(&profile)),
    };
    Ok(document.map(|document| Edition { achievement, organization, document }))
}

/// The second language edition of a version, at its own URL `…/editions/{lang}` (`lang` as
/// that URL writes it: `en` or `fr`). None for the first edition's language, which lives at
/// the version's URL.
pub async fn second_edition(store: &Store, id: &str, version: i64, lang: &str) -> AppResult<Option<Edition>> {
    if lang != language_base(lang) {
        return Ok(None);
    }
    let edition = achievement_edition(store, id, Some(version), Some(lang)).await?;
    Ok(edition.filter(|e| e.document.id == edition_url(&e.achievement.url, lang)))
}

/// The edition in `language` of a stored credential's achievement, when the signed
/// achievement is in another language and names that edition in `related`; None otherwise
/// (the signed text is what a reader of its own language sees).
pub async fn credential_edition(
    store: &Store,
    credential: &StoredCredential,
    language: &str,
) -> AppResult<Option<model::Achievement>> {
    let Ok(signed) = OpenBadgeCredential::deserialize(&credential.document) else {
        return Ok(None);
    };
    let signed = &signed.credential_subject.achievement;
    let wanted = language_base(language);
    if signed.in_language.as_deref().is_none_or(|l| language_base(l) == wanted) {
        return Ok(None);
    }
    let Some(named) =
        signed.related.iter().flatten().find(|r| r.in_language.as_deref().is_some_and(|l| language_base(l) == wanted))
    else {
        return Ok(None);
    };
    let edition =
        achievement_edition(store, &credential.achievement_id, Some(credential.achievement_version), Some(language))
            .await?;
    Ok(edition.map(|e| e.document).filter(|d| d.id == named.id))
}
