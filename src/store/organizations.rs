use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, new_id, now};
use crate::domain::audit::{Action, Actor, Change};
use crate::domain::organization::{NewOrganization, Organization, OrganizationKind, OrganizationPatch};
use crate::error::{AppError, AppResult};

const COLUMNS: &str = "id, slug, name, kind, url, email, description, logo, language, cryptosuite, issue_jwt, jwt_algorithm, created_at, \
     updated_at";

impl Store {
    pub fn profile_url(&self, slug: &str) -> String {
        format!("{}/issuers/{slug}", self.public_url)
    }

    fn organization_from_row(&self, row: &AnyRow) -> AppResult<Organization> {
        let slug: String = row.try_get("slug")?;
        let kind: String = row.try_get("kind")?;
        Ok(Organization {
            id: row.try_get("id")?,
            profile_url: self.profile_url(&slug),
            slug,
            name: row.try_get("name")?,
            kind: OrganizationKind::parse(&kind)
                .ok_or_else(|| AppError::Internal(format!("stored organization kind '{kind}' is unknown")))?,
            url: row.try_get("url")?,
            email: row.try_get("email")?,
            description: row.try_get("description")?,
            logo: row.try_get("logo")?,
            language: row.try_get("language")?,
            cryptosuite: row.try_get("cryptosuite")?,
            issue_jwt: row.try_get::<i64, _>("issue_jwt")? != 0,
            jwt_algorithm: row.try_get("jwt_algorithm")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// Creates an organization, its creation recorded in its own audit log as `actor`'s.
    pub async fn create_organization(&self, new: &NewOrganization, actor: &Actor) -> AppResult<Organization> {
        let id = new_id();
        let now = now();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO organizations (id, slug, name, kind, url, email, description, logo, language, cryptosuite, \
             issue_jwt, jwt_algorithm, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        )
        .bind(&id)
        .bind(&new.slug)
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(&new.url)
        .bind(&new.email)
        .bind(&new.description)
        .bind(&new.logo)
        .bind(new.language.as_deref().unwrap_or("en"))
        .bind(new.cryptosuite.as_deref().unwrap_or("eddsa-rdfc-2022"))
        .bind(i64::from(new.issue_jwt.unwrap_or(false)))
        .bind(new.jwt_algorithm().as_str())
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|e| AppError::unique_violation_as(e, "slug", "an organization with this slug already exists"))?;
        let change = Change {
            organization_id: &id,
            actor,
            action: Action::OrganizationCreated,
            subject_kind: "organization",
            subject_id: &id,
            summary: format!("organization {} ({}) created", new.slug, new.name),
        };
        super::audit::insert_change(&mut *tx, &change).await?;
        tx.commit().await?;
        self.organization_by_slug(&new.slug).await?.ok_or(AppError::NotFound("organization"))
    }

    pub async fn organization_by_slug(&self, slug: &str) -> AppResult<Option<Organization>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE slug = $1")))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| self.organization_from_row(&r)).transpose()
    }

    pub async fn organization_by_id(&self, id: &str) -> AppResult<Option<Organization>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| self.organization_from_row(&r)).transpose()
    }

    pub async fn list_organizations(&self) -> AppResult<Vec<Organization>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM organizations ORDER BY slug")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| self.organization_from_row(r)).collect()
    }

    /// Changes an organization's profile; what changed is recorded in its audit log as
    /// `actor`'s (a patch that changes nothing records nothing).
    pub async fn update_organization(
        &self,
        org: &Organization,
        patch: OrganizationPatch,
        actor: &Actor,
    ) -> AppResult<Organization> {
        let mut updated = org.clone();
        patch.apply(&mut updated);
        let changed = org.changed_fields(&updated);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE organizations SET name = $1, kind = $2, url = $3, email = $4, description = $5, \
             logo = $6, language = $7, cryptosuite = $8, issue_jwt = $9, jwt_algorithm = $10, updated_at = $11 \
             WHERE id = $12",
        )
        .bind(&updated.name)
        .bind(updated.kind.as_str())
        .bind(&updated.url)
        .bind(&updated.email)
        .bind(&updated.description)
        .bind(&updated.logo)
        .bind(&updated.language)
        .bind(&updated.cryptosuite)
        .bind(i64::from(updated.issue_jwt))
        .bind(updated.jwt_algorithm().as_str())
        .bind(now())
        .bind(&org.id)
        .execute(&mut *tx)
        .await?;
        if !changed.is_empty() {
            let change = Change {
                organization_id: &org.id,
                actor,
                action: Action::OrganizationEdited,
                subject_kind: "organization",
                subject_id: &org.id,
                summary: format!("profile of {} changed: {}", org.slug, changed.join(", ")),
            };
            super::audit::insert_change(&mut *tx, &change).await?;
        }
        tx.commit().await?;
        self.organization_by_id(&org.id).await?.ok_or(AppError::NotFound("organization"))
    }

    /// Every organization with how many staff accounts it has and how many credentials
    /// it issued (counted from indexes), by slug: the platform admins' listing.
    pub async fn organizations_with_counts(&self) -> AppResult<Vec<(Organization, i64, i64)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, \
             (SELECT COUNT(*) FROM staff_accounts s WHERE s.organization_id = o.id) AS staff_count, \
             (SELECT COUNT(*) FROM credentials c WHERE c.organization_id = o.id) AS issued_count \
             FROM organizations o ORDER BY slug"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((self.organization_from_row(r)?, r.try_get("staff_count")?, r.try_get("issued_count")?)))
            .collect()
    }
}
