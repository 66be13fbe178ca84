use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{acting, insert_change};
use super::unit::Tx;
use super::{Backend, Store, new_id, now};
use crate::domain::achievement::{Achievement, AchievementDefinition, AchievementInput, FrameworkLookup};
use crate::domain::audit::{Action, Change};
use crate::domain::framework::FrameworkVersion;
use crate::domain::validation::Reason;
use crate::error::{AppError, AppResult};

/// An achievement version's columns, `issued_count` being 0: for the issuing path and
/// the public documents, which do not show the count.
const SELECT: &str = "SELECT a.id, a.latest_version, a.retired_at, o.slug AS organization, v.version, v.definition, \
     v.revision, CAST(0 AS BIGINT) AS issued_count, v.created_at, v.updated_at \
     FROM achievements a JOIN organizations o ON o.id = a.organization_id \
     JOIN achievement_versions v ON v.achievement_id = a.id";

/// The same with `issued_count` counted from the credentials (an index walk of the
/// version's credentials): for the issuer's API, where the count is shown. Counting
/// where it is read keeps a counter row out of every issuing transaction.
const SELECT_COUNTED: &str = "SELECT a.id, a.latest_version, a.retired_at, o.slug AS organization, \
     v.version, v.definition, \
     v.revision, (SELECT COUNT(*) FROM credentials c WHERE c.achievement_id = v.achievement_id \
     AND c.achievement_version = v.version) AS issued_count, v.created_at, v.updated_at \
     FROM achievements a JOIN organizations o ON o.id = a.organization_id \
     JOIN achievement_versions v ON v.achievement_id = a.id";

/// The lock that keeps a version from being edited in place while a credential of it
/// is being issued: issuing transactions hold it shared ([`Tx::hold_achievement_version`]),
/// an edit takes it alone without waiting ([`Store::update_achievement`]).
pub(super) fn edit_lock(achievement_id: &str, version: i64) -> String {
    format!("achievement-version|{achievement_id}|{version}")
}

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AchievementUpdate {
    /// No credential had been issued against the version: it was changed in place.
    EditedInPlace,
    /// Credentials had been issued: a new version was created and the old one kept.
    NewVersion,
}

/// The frameworks an achievement's alignments name, loaded before validation.
struct LoadedFrameworks(HashMap<(String, Option<i64>), FrameworkVersion>);

impl FrameworkLookup for LoadedFrameworks {
    fn framework(&self, slug: &str, version: Option<i64>) -> Option<&FrameworkVersion> {
        self.0.get(&(slug.to_string(), version))
    }
}

impl Store {
    pub fn achievement_url(&self, id: &str, version: i64) -> String {
        format!("{}/achievements/{id}/versions/{version}", self.public_url)
    }

    fn achievement_from_row(&self, row: &AnyRow) -> AppResult<Achievement> {
        let id: String = row.try_get("id")?;
        let version: i64 = row.try_get("version")?;
        let text: String = row.try_get("definition")?;
        let definition: AchievementDefinition = serde_json::from_str(&text)
            .map_err(|e| AppError::Internal(format!("stored achievement {id} v{version} is unreadable: {e}")))?;
        Ok(Achievement {
            url: self.achievement_url(&id, version),
            id,
            organization: row.try_get("organization")?,
            version,
            latest_version: row.try_get("latest_version")?,
            issued_count: row.try_get("issued_count")?,
            revision: row.try_get("revision")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            retired_at: row.try_get("retired_at")?,
            definition,
        })
    }

    /// Validates an achievement input, resolving its alignments against stored frameworks.
    pub async fn resolve_achievement(&self, input: AchievementInput) -> AppResult<AchievementDefinition> {
        let mut loaded = HashMap::new();
        for a in &input.alignments {
            // A value that is no slug names no framework (validation says so); it is not looked up.
            if let Some(slug) = a.framework.as_ref().filter(|s| crate::domain::validation::is_slug(s)) {
                let key = (slug.clone(), a.framework_version);
                if !loaded.contains_key(&key)
                    && let Some(fw) = self.framework_version(slug, a.framework_version).await?
                {
                    loaded.insert(key, fw);
                }
            }
        }
        input.into_definition(&self.public_url, &LoadedFrameworks(loaded))
    }

    pub async fn create_achievement(
        &self,
        organization_id: &str,
        def: &AchievementDefinition,
    ) -> AppResult<Achievement> {
        let id = new_id();
        let now = now();
        let text = serde_json::to_string(def).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO achievements (id, organization_id, slug, latest_version, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $4)",
        )
        .bind(&id)
        .bind(organization_id)
        .bind(&def.slug)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|e| AppError::unique_violation_as(e, "slug", Reason::AchievementSlugTaken))?;
        sqlx::query(
            "INSERT INTO achievement_versions (achievement_id, version, definition, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $3)",
        )
        .bind(&id)
        .bind(&text)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            organization_id,
            actor: &acting(),
            action: Action::AchievementCreated,
            subject_kind: "achievement",
            subject_id: &id,
            summary: format!("defined the micro-credential {} ({})", def.name, def.slug),
        };
        insert_change(&mut *tx, &change).await?;
        tx.commit().await?;
        self.organization_achievement(organization_id, &id).await?.ok_or(AppError::NotFound("achievement"))
    }

    /// One version of an achievement, or its latest (`issued_count` not counted: the
    /// public documents and the issuing path read it).
    pub async fn achievement(&self, id: &str, version: Option<i64>) -> AppResult<Option<Achievement>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.id = $1 AND v.version = COALESCE($2, a.latest_version)"
        )))
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.achievement_from_row(&r)).transpose()
    }

    /// An organization's achievement (latest version, with its `issued_count`), or
    /// `None` if it belongs to someone else.
    pub async fn organization_achievement(&self, organization_id: &str, id: &str) -> AppResult<Option<Achievement>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_COUNTED} WHERE a.id = $1 AND a.organization_id = $2 AND v.version = a.latest_version"
        )))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.achievement_from_row(&r)).transpose()
    }

    /// The latest version of an organization's achievement named by id or, failing
    /// that, by slug: one query instead of a lookup by id and a scan of every slug.
    /// The issuing path: `issued_count` is not counted.
    pub async fn organization_achievement_by_id_or_slug(
        &self,
        organization_id: &str,
        key: &str,
    ) -> AppResult<Option<Achievement>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.organization_id = $1 AND (a.id = $2 OR a.slug = $2) AND v.version = a.latest_version \
             ORDER BY CASE WHEN a.id = $2 THEN 0 ELSE 1 END LIMIT 1"
        )))
        .bind(organization_id)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.achievement_from_row(&r)).transpose()
    }

    /// The organization's achievements (latest versions; `issued_count` not counted:
    /// the public pages read them).
    pub async fn list_achievements(&self, organization_id: &str) -> AppResult<Vec<Achievement>> {
        self.latest_achievements(SELECT, organization_id).await
    }

    /// The organization's achievements with their `issued_count`, for the issuer's API.
    pub async fn list_achievements_counted(&self, organization_id: &str) -> AppResult<Vec<Achievement>> {
        self.latest_achievements(SELECT_COUNTED, organization_id).await
    }

    async fn latest_achievements(&self, select: &str, organization_id: &str) -> AppResult<Vec<Achievement>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE a.organization_id = $1 AND v.version = a.latest_version ORDER BY a.slug"
        )))
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.achievement_from_row(r)).collect()
    }

    /// Replaces the definition: in place while no credential was issued against the
    /// latest version, otherwise as a new version.
    ///
    /// In place only when, at write time, no credential names the version and no
    /// issuing transaction is signing one: on PostgreSQL this transaction first takes
    /// the version's [`edit_lock`] alone without waiting (issuing transactions hold it
    /// shared from before their credential is written until they commit); if it
    /// cannot, or the version has a credential, the edit becomes a new version. An
    /// issuance that read the version before an edit in place committed finds its
    /// `revision` changed and writes nothing ([`Tx::write_credential`]). On SQLite the
    /// writes are serial, so the one statement decides.
    pub async fn update_achievement(
        &self,
        current: &Achievement,
        def: &AchievementDefinition,
    ) -> AppResult<(Achievement, AchievementUpdate)> {
        let now = now();
        let text = serde_json::to_string(def).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        let unlocked = match self.backend {
            Backend::Sqlite => true,
            Backend::Postgres => {
                let held: i64 = sqlx::query_scalar(
                    "SELECT CAST(CASE WHEN pg_try_advisory_xact_lock(hashtextextended($1, 0)) THEN 1 ELSE 0 END AS BIGINT)",
                )
                .bind(edit_lock(&current.id, current.version))
                .fetch_one(&mut *tx)
                .await?;
                held == 1
            }
        };
        // Edit in place only if the version is still unissued at write time.
        let edited = if unlocked {
            sqlx::query(
                "UPDATE achievement_versions SET definition = $1, updated_at = $2, revision = revision + 1 \
                 WHERE achievement_id = $3 AND version = $4 AND NOT EXISTS \
                 (SELECT 1 FROM credentials c WHERE c.achievement_id = $3 AND c.achievement_version = $4)",
            )
            .bind(&text)
            .bind(&now)
            .bind(&current.id)
            .bind(current.version)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            0
        };
        let outcome = if edited == 1 {
            AchievementUpdate::EditedInPlace
        } else {
            let next = current.version + 1;
            sqlx::query(
                "INSERT INTO achievement_versions (achievement_id, version, definition, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(&current.id)
            .bind(next)
            .bind(&text)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(|e| AppError::unique_violation_as(e, "version", Reason::AchievementChanged))?;
            sqlx::query("UPDATE achievements SET latest_version = $1 WHERE id = $2")
                .bind(next)
                .bind(&current.id)
                .execute(&mut *tx)
                .await?;
            AchievementUpdate::NewVersion
        };
        sqlx::query("UPDATE achievements SET updated_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(&current.id)
            .execute(&mut *tx)
            .await?;
        let how = match outcome {
            AchievementUpdate::NewVersion => format!("as version {}", current.version + 1),
            AchievementUpdate::EditedInPlace => format!("in place (version {}, nothing issued yet)", current.version),
        };
        let organization_id: String = sqlx::query_scalar("SELECT organization_id FROM achievements WHERE id = $1")
            .bind(&current.id)
            .fetch_one(&mut *tx)
            .await?;
        let change = Change {
            organization_id: &organization_id,
            actor: &acting(),
            action: Action::AchievementEdited,
            subject_kind: "achievement",
            subject_id: &current.id,
            summary: format!("edited the micro-credential {} {how}", def.name),
        };
        insert_change(&mut *tx, &change).await?;
        tx.commit().await?;
        let updated =
            self.organization_achievement_version(&current.id, None).await?.ok_or(AppError::NotFound("achievement"))?;
        Ok((updated, outcome))
    }

    /// One version of an achievement (or its latest) with its `issued_count`.
    async fn organization_achievement_version(&self, id: &str, version: Option<i64>) -> AppResult<Option<Achievement>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_COUNTED} WHERE a.id = $1 AND v.version = COALESCE($2, a.latest_version)"
        )))
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.achievement_from_row(&r)).transpose()
    }
}

impl Store {
    /// Retires an organization's achievement: no credential is issued for it any more.
    /// `false` when it is not the organization's or was already retired.
    pub async fn retire_achievement(&self, organization_id: &str, id: &str) -> AppResult<bool> {
        let now = now();
        let mut tx = self.pool.begin().await?;
        let retired = sqlx::query(
            "UPDATE achievements SET retired_at = $1, updated_at = $1 \
             WHERE id = $2 AND organization_id = $3 AND retired_at IS NULL",
        )
        .bind(&now)
        .bind(id)
        .bind(organization_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if retired == 1 {
            let change = Change {
                organization_id,
                actor: &acting(),
                action: Action::AchievementRetired,
                subject_kind: "achievement",
                subject_id: id,
                summary: "retired the micro-credential: no new results or awards".to_string(),
            };
            insert_change(&mut *tx, &change).await?;
        }
        tx.commit().await?;
        Ok(retired == 1)
    }
}

impl Tx<'_> {
    /// Holds the version's [`edit_lock`] shared until this transaction ends, so that
    /// no edit in place of it begins before the credential being issued is committed
    /// (waiting for an edit that holds it to commit first).
    pub(super) fn hold_achievement_version(&mut self, achievement_id: &str, version: i64) -> AppResult<()> {
        self.lock_shared(&edit_lock(achievement_id, version))
    }
}
