use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, new_id, now};
use crate::domain::achievement::{Achievement, AchievementDefinition, AchievementInput, FrameworkLookup};
use crate::domain::framework::FrameworkVersion;
use crate::error::{AppError, AppResult};

const SELECT: &str = "SELECT a.id, a.latest_version, o.slug AS organization, v.version, v.definition, \
     v.issued_count, v.created_at, v.updated_at \
     FROM achievements a JOIN organizations o ON o.id = a.organization_id \
     JOIN achievement_versions v ON v.achievement_id = a.id";

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
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
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
        .map_err(|e| {
            AppError::unique_violation_as(e, "slug", "this organization already has an achievement with this slug")
        })?;
        sqlx::query(
            "INSERT INTO achievement_versions (achievement_id, version, definition, issued_count, created_at, updated_at) \
             VALUES ($1, 1, $2, 0, $3, $3)",
        )
        .bind(&id)
        .bind(&text)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.achievement(&id, None).await?.ok_or(AppError::NotFound("achievement"))
    }

    /// One version of an achievement, or its latest.
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

    /// An organization's achievement, or `None` if it belongs to someone else.
    pub async fn organization_achievement(&self, organization_id: &str, id: &str) -> AppResult<Option<Achievement>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.id = $1 AND a.organization_id = $2 AND v.version = a.latest_version"
        )))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.achievement_from_row(&r)).transpose()
    }

    /// The latest version of an organization's achievement named by id or, failing
    /// that, by slug: one query instead of a lookup by id and a scan of every slug.
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

    pub async fn list_achievements(&self, organization_id: &str) -> AppResult<Vec<Achievement>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.organization_id = $1 AND v.version = a.latest_version ORDER BY a.slug"
        )))
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.achievement_from_row(r)).collect()
    }

    /// Replaces the definition: in place while no credential was issued against the
    /// latest version, otherwise as a new version.
    pub async fn update_achievement(
        &self,
        current: &Achievement,
        def: &AchievementDefinition,
    ) -> AppResult<(Achievement, AchievementUpdate)> {
        let now = now();
        let text = serde_json::to_string(def).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        // Edit in place only if the version is still unissued at write time.
        let edited = sqlx::query(
            "UPDATE achievement_versions SET definition = $1, updated_at = $2 \
             WHERE achievement_id = $3 AND version = $4 AND issued_count = 0",
        )
        .bind(&text)
        .bind(&now)
        .bind(&current.id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let outcome = if edited == 1 {
            AchievementUpdate::EditedInPlace
        } else {
            let next = current.version + 1;
            sqlx::query(
                "INSERT INTO achievement_versions (achievement_id, version, definition, issued_count, created_at, updated_at) \
                 VALUES ($1, $2, $3, 0, $4, $4)",
            )
            .bind(&current.id)
            .bind(next)
            .bind(&text)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(|e| AppError::unique_violation_as(e, "version", "the achievement changed at the same time; retry"))?;
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
        tx.commit().await?;
        let updated = self.achievement(&current.id, None).await?.ok_or(AppError::NotFound("achievement"))?;
        Ok((updated, outcome))
    }
}

/// Counts a credential against its achievement version, in the issuing transaction;
/// a version with any credential is immutable. (On PostgreSQL this row is where
/// concurrent issuances of one achievement queue: see docs/BENCHMARKS.md.)
pub(super) const COUNT_ISSUED: &str =
    "UPDATE achievement_versions SET issued_count = issued_count + 1 WHERE achievement_id = $1 AND version = $2";
