//! What the console's analytics read: the credentials issued in a period, by month and
//! micro-credential, with how many were then claimed, shared, downloaded and verified
//! (a cohort funnel: each credential counted in the month it was issued), and how many
//! learners stand in each state.

use sqlx::Row;

use super::Store;
use crate::error::AppResult;

/// One month's credentials of one micro-credential, and what became of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelRow {
    /// `YYYY-MM`.
    pub month: String,
    pub achievement_id: String,
    pub issued: i64,
    pub claimed: i64,
    pub shared: i64,
    pub downloaded: i64,
    pub verified: i64,
}

impl Store {
    /// The organization's credentials issued from `from` (inclusive) to `to` (exclusive,
    /// both RFC 3339 times), by month and micro-credential (only `achievement_id` when
    /// given); a credential counts as shared, downloaded or verified once however many
    /// visitors did so.
    pub async fn funnel(
        &self,
        organization_id: &str,
        achievement_id: Option<&str>,
        from: &str,
        to: &str,
    ) -> AppResult<Vec<FunnelRow>> {
        self.flush_counts().await?;
        let only = if achievement_id.is_some() { "AND c.achievement_id = $4" } else { "" };
        let sql = format!(
            "SELECT SUBSTR(c.issued_at, 1, 7) AS month, c.achievement_id, COUNT(*) AS issued, \
             SUM(CASE WHEN cl.claimed_at IS NOT NULL THEN 1 ELSE 0 END) AS claimed, \
             SUM(CASE WHEN cl.shared_count > 0 THEN 1 ELSE 0 END) AS shared, \
             SUM(CASE WHEN cl.downloaded_count > 0 THEN 1 ELSE 0 END) AS downloaded, \
             SUM(CASE WHEN cl.verified_count > 0 THEN 1 ELSE 0 END) AS verified \
             FROM credentials c LEFT JOIN credential_claims cl ON cl.credential_id = c.id \
             WHERE c.organization_id = $1 AND c.issued_at >= $2 AND c.issued_at < $3 {only} \
             GROUP BY SUBSTR(c.issued_at, 1, 7), c.achievement_id ORDER BY month, c.achievement_id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organization_id).bind(from).bind(to);
        if let Some(a) = achievement_id {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(FunnelRow {
                    month: r.try_get("month")?,
                    achievement_id: r.try_get("achievement_id")?,
                    issued: r.try_get("issued")?,
                    claimed: r.try_get("claimed")?,
                    shared: r.try_get("shared")?,
                    downloaded: r.try_get("downloaded")?,
                    verified: r.try_get("verified")?,
                })
            })
            .collect()
    }

    /// How many learners stand in each state (`in_progress`, `awaiting_signoff`,
    /// `locked_out`, `issued`, …) now, of one micro-credential or all.
    pub async fn progress_counts(
        &self,
        organization_id: &str,
        achievement_id: Option<&str>,
    ) -> AppResult<Vec<(String, i64)>> {
        let only = if achievement_id.is_some() { "AND achievement_id = $2" } else { "" };
        let sql = format!(
            "SELECT state, COUNT(*) AS n FROM learner_progress WHERE organization_id = $1 {only} GROUP BY state ORDER BY state"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organization_id);
        if let Some(a) = achievement_id {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("state")?, r.try_get("n")?))).collect()
    }
}
