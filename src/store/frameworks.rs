use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, new_id, now};
use crate::domain::framework::{self, FrameworkDocument, FrameworkSummary, FrameworkVersion};
use crate::error::{AppError, AppResult};

impl Store {
    fn framework_version_from_row(&self, row: &AnyRow) -> AppResult<FrameworkVersion> {
        let slug: String = row.try_get("slug")?;
        let version: i64 = row.try_get("version")?;
        let text: String = row.try_get("document")?;
        let document: FrameworkDocument = serde_json::from_str(&text)
            .map_err(|e| AppError::Internal(format!("stored framework '{slug}' v{version} is unreadable: {e}")))?;
        Ok(FrameworkVersion {
            url: framework::version_url(&self.public_url, &slug, version),
            slug,
            version,
            latest_version: row.try_get("latest_version")?,
            owner: row.try_get("owner")?,
            created_at: row.try_get("created_at")?,
            document,
        })
    }

    /// Creates a framework with its first version, owned by `owner_id` (or the platform).
    pub async fn create_framework(
        &self,
        doc: &FrameworkDocument,
        owner_id: Option<&str>,
    ) -> AppResult<FrameworkVersion> {
        let id = new_id();
        let now = now();
        let text = serde_json::to_string(doc).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO frameworks (id, slug, owner_id, latest_version, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $4)",
        )
        .bind(&id)
        .bind(&doc.slug)
        .bind(owner_id)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|e| AppError::unique_violation_as(e, "slug", "a framework with this slug already exists"))?;
        sqlx::query(
            "INSERT INTO framework_versions (framework_id, version, document, created_at) VALUES ($1, 1, $2, $3)",
        )
        .bind(&id)
        .bind(&text)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.framework_version(&doc.slug, Some(1)).await?.ok_or(AppError::NotFound("framework"))
    }

    /// Adds a new version; earlier versions stay resolvable.
    pub async fn add_framework_version(&self, slug: &str, doc: &FrameworkDocument) -> AppResult<FrameworkVersion> {
        let now = now();
        let text = serde_json::to_string(doc).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT id, latest_version FROM frameworks WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound("framework"))?;
        let id: String = row.try_get("id")?;
        let next: i64 = row.try_get::<i64, _>("latest_version")? + 1;
        // The primary key (framework_id, version) turns a concurrent writer into a conflict.
        sqlx::query(
            "INSERT INTO framework_versions (framework_id, version, document, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(next)
        .bind(&text)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            AppError::unique_violation_as(e, "version", "another version was added at the same time; retry")
        })?;
        sqlx::query("UPDATE frameworks SET latest_version = $1, updated_at = $2 WHERE id = $3")
            .bind(next)
            .bind(&now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.framework_version(slug, Some(next)).await?.ok_or(AppError::NotFound("framework"))
    }

    /// One version of a framework, or its latest when `version` is `None`.
    pub async fn framework_version(&self, slug: &str, version: Option<i64>) -> AppResult<Option<FrameworkVersion>> {
        let row = sqlx::query(
            "SELECT f.slug, f.latest_version, o.slug AS owner, v.version, v.document, v.created_at \
             FROM frameworks f JOIN framework_versions v ON v.framework_id = f.id \
             LEFT JOIN organizations o ON o.id = f.owner_id \
             WHERE f.slug = $1 AND v.version = COALESCE($2, f.latest_version)",
        )
        .bind(slug)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.framework_version_from_row(&r)).transpose()
    }

    /// The id of the organization that owns a framework (`None` inside: platform-owned).
    pub async fn framework_owner(&self, slug: &str) -> AppResult<Option<Option<String>>> {
        let row = sqlx::query("SELECT owner_id FROM frameworks WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get::<Option<String>, _>("owner_id").map_err(AppError::from)).transpose()
    }

    pub async fn list_frameworks(&self) -> AppResult<Vec<FrameworkSummary>> {
        Ok(self
            .latest_frameworks()
            .await?
            .into_iter()
            .map(|fv| FrameworkSummary {
                url: framework::version_url(&self.public_url, &fv.slug, fv.version),
                slug: fv.slug,
                name: fv.document.name,
                publisher: fv.document.publisher,
                latest_version: fv.latest_version,
                owner: fv.owner,
            })
            .collect())
    }

    /// The latest version of every framework, by slug.
    pub async fn latest_frameworks(&self) -> AppResult<Vec<FrameworkVersion>> {
        let rows = sqlx::query(
            "SELECT f.slug, f.latest_version, o.slug AS owner, v.version, v.document, v.created_at \
             FROM frameworks f JOIN framework_versions v ON v.framework_id = f.id AND v.version = f.latest_version \
             LEFT JOIN organizations o ON o.id = f.owner_id ORDER BY f.slug",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.framework_version_from_row(r)).collect()
    }
}
