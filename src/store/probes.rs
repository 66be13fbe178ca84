//! The readiness probe's write (`GET /readyz`): one small committed write, through the
//! same unit of work as issuance (on SQLite, the group-commit writer), so it fails when
//! issuance would (a full disk, a read-only file or database).

use super::unit::args;
use super::{Store, now};
use crate::error::AppResult;

const PROBE: &str = "INSERT INTO readiness_probes (name, checked_at, writes) VALUES ($1, $2, 1) \
     ON CONFLICT (name) DO UPDATE SET checked_at = excluded.checked_at, writes = readiness_probes.writes + 1";

impl Store {
    /// Writes and commits the probe row `name`.
    pub async fn probe_write(&self, name: &'static str) -> AppResult<()> {
        self.issuing(move |tx| {
            let stamp = now();
            tx.execute(PROBE, args![name, &stamp])?;
            Ok(())
        })
        .await
    }

    /// Bulk work waiting: (jobs queued or running, their pending rows). Counted through
    /// the jobs' status index and the rows' (job, status) index.
    pub async fn bulk_backlog(&self) -> AppResult<(i64, i64)> {
        let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bulk_jobs WHERE status IN ('queued', 'running')")
            .fetch_one(&self.pool)
            .await?;
        let rows: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM bulk_jobs j JOIN bulk_job_rows r ON r.job_id = j.id \
             WHERE j.status IN ('queued', 'running') AND r.status = 'pending'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((jobs, rows))
    }
}
