//! Bulk issuance jobs and their rows. Rows are stored at upload, in the same
//! transaction as the job; workers claim pending rows with a conditional UPDATE
//! and a lease, so several instances can share the work and a crashed worker's
//! rows become claimable again when its lease runs out.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use super::unit::{Tx, args};
use super::{Store, now};
use crate::domain::validation::FieldError;
use crate::error::{AppError, AppResult};

/// One row of an uploaded file, ready to store.
#[derive(Debug, Clone)]
pub struct NewBulkRow {
    /// 1-based, the header excluded.
    pub row_number: i64,
    /// The file line the row starts on.
    pub line: i64,
    pub fingerprint: Option<String>,
    /// The row as a `ResultInput` (JSON), when it could be read.
    pub input: Option<String>,
    /// `pending`, or `rejected` when the row could not be read or is invalid.
    pub status: &'static str,
    pub errors: Vec<FieldError>,
}

/// How many rows of a job are in each state.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkCounts {
    /// Not processed yet.
    pub pending: i64,
    pub issued: i64,
    pub awaiting_signoff: i64,
    /// Recorded; the rule is not met yet.
    pub in_progress: i64,
    pub locked_out: i64,
    /// Recorded; the learner's credential is revoked or suspended.
    pub revoked: i64,
    pub suspended: i64,
    /// The same row was already recorded (earlier in this file or in an earlier job): skipped.
    pub duplicate: i64,
    pub rejected: i64,
}

impl BulkCounts {
    pub fn processed(&self) -> i64 {
        self.issued
            + self.awaiting_signoff
            + self.in_progress
            + self.locked_out
            + self.revoked
            + self.suspended
            + self.duplicate
            + self.rejected
    }

    fn add(&mut self, status: &str, n: i64) {
        let slot = match status {
            "pending" => &mut self.pending,
            "issued" => &mut self.issued,
            "awaiting_signoff" => &mut self.awaiting_signoff,
            "in_progress" => &mut self.in_progress,
            "locked_out" => &mut self.locked_out,
            "revoked" => &mut self.revoked,
            "suspended" => &mut self.suspended,
            "duplicate" => &mut self.duplicate,
            _ => &mut self.rejected,
        };
        *slot += n;
    }
}

/// A bulk issuance job.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkJob {
    pub id: String,
    #[serde(skip)]
    pub organization_id: String,
    /// `queued`, `running` or `completed`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// SHA-256 of the uploaded file.
    pub file_sha256: String,
    pub total_rows: i64,
    /// Rows with an outcome (every state but `pending`).
    pub processed_rows: i64,
    pub counts: BulkCounts,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
}

/// One row's outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkRow {
    /// Row number in the file, from 1, the header excluded.
    pub row: i64,
    /// The line of the file the row starts on (the header is line 1).
    pub line: i64,
    /// `pending`, `issued`, `awaiting_signoff`, `in_progress`, `locked_out`,
    /// `revoked`, `suspended`, `duplicate` or `rejected`.
    pub status: String,
    /// Why the row was rejected or skipped, each naming the CSV column at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learner_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<String>,
}

/// A row a worker claimed.
#[derive(Debug, Clone)]
pub struct ClaimedRow {
    pub job_id: String,
    pub row_number: i64,
    pub fingerprint: Option<String>,
    pub input: Option<String>,
    /// How many times the row was claimed, this claim included.
    pub attempts: i64,
}

/// What processing a row came to.
#[derive(Debug, Clone)]
pub struct RowOutcome {
    pub status: String,
    pub errors: Vec<FieldError>,
    pub learner_id: Option<String>,
    pub credential_id: Option<String>,
}

/// `now + d` in the sortable text form of [`now`].
pub fn stamp_after(d: std::time::Duration) -> String {
    let t = time::OffsetDateTime::now_utc() + d;
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    match t.format(&fmt) {
        Ok(s) => format!("{s}.{:03}Z", t.millisecond()),
        Err(_) => String::from("9999-12-31T23:59:59.999Z"),
    }
}

/// Records a claimed row's outcome, if this claim still holds it.
const FINISH_ROW: &str = "UPDATE bulk_job_rows SET status = $1, errors = $2, learner_id = $3, credential_id = $4, \
     processed_at = $5, claimed_by = NULL, lease_until = NULL \
     WHERE job_id = $6 AND row_number = $7 AND status = 'pending' AND claimed_by = $8";

fn errors_json(errors: &[FieldError]) -> AppResult<Option<String>> {
    if errors.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(errors).map(Some).map_err(|e| AppError::Internal(e.to_string()))
}

#[derive(serde::Deserialize)]
struct StoredError {
    field: String,
    reason: String,
}

fn errors_from(text: Option<String>) -> Vec<FieldError> {
    text.and_then(|t| serde_json::from_str::<Vec<StoredError>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|e| FieldError::new(e.field, e.reason))
        .collect()
}

const JOB_COLUMNS: &str =
    "id, organization_id, status, file_name, file_sha256, total_rows, created_at, started_at, completed_at";

fn job_from_row(row: &AnyRow) -> AppResult<BulkJob> {
    Ok(BulkJob {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        status: row.try_get("status")?,
        file_name: row.try_get("file_name")?,
        file_sha256: row.try_get("file_sha256")?,
        total_rows: row.try_get("total_rows")?,
        processed_rows: 0,
        counts: BulkCounts::default(),
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        completed_at: row.try_get("completed_at")?,
    })
}

/// Rows per INSERT statement (9 parameters each, well under both backends' limits).
const INSERT_CHUNK: usize = 500;

impl Store {
    /// Stores a job and all its rows in one transaction. A job without pending rows
    /// (every row rejected) is completed at once.
    pub async fn create_bulk_job(
        &self,
        organization_id: &str,
        file_name: Option<&str>,
        file_sha256: &str,
        created_by: &str,
        rows: &[NewBulkRow],
    ) -> AppResult<BulkJob> {
        let id = super::new_id();
        let created_at = now();
        let pending = rows.iter().any(|r| r.status == "pending");
        let status = if pending { "queued" } else { "completed" };
        let completed_at = if pending { None } else { Some(created_at.clone()) };
        let total = i64::try_from(rows.len()).map_err(|_| AppError::Internal("too many rows".into()))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO bulk_jobs (id, organization_id, status, file_name, file_sha256, total_rows, created_by, created_at, \
             started_at, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(organization_id)
        .bind(status)
        .bind(file_name)
        .bind(file_sha256)
        .bind(total)
        .bind(created_by)
        .bind(&created_at)
        .bind(&completed_at)
        .execute(&mut *tx)
        .await?;
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut sql = String::from(
                "INSERT INTO bulk_job_rows (job_id, row_number, line, organization_id, fingerprint, input, status, errors, \
                 processed_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 9;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                ));
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                let processed = if r.status == "pending" { None } else { Some(created_at.clone()) };
                query = query
                    .bind(id.clone())
                    .bind(r.row_number)
                    .bind(r.line)
                    .bind(organization_id.to_string())
                    .bind(r.fingerprint.clone())
                    .bind(r.input.clone())
                    .bind(r.status)
                    .bind(errors_json(&r.errors)?)
                    .bind(processed);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.bulk_job(organization_id, &id).await?.ok_or_else(|| AppError::Internal("the new job vanished".into()))
    }

    /// A job of the organization, with its counts.
    pub async fn bulk_job(&self, organization_id: &str, id: &str) -> AppResult<Option<BulkJob>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE id = $1 AND organization_id = $2"
        )))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut job = job_from_row(&row)?;
        self.count_bulk_rows(&mut job).await?;
        Ok(Some(job))
    }

    async fn count_bulk_rows(&self, job: &mut BulkJob) -> AppResult<()> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM bulk_job_rows WHERE job_id = $1 GROUP BY status")
            .bind(&job.id)
            .fetch_all(&self.pool)
            .await?;
        let mut counts = BulkCounts::default();
        for r in rows {
            let status: String = r.try_get("status")?;
            let n: i64 = r.try_get("n")?;
            counts.add(&status, n);
        }
        job.processed_rows = counts.processed();
        job.counts = counts;
        Ok(())
    }

    /// The organization's jobs, newest first.
    pub async fn bulk_jobs(&self, organization_id: &str, limit: i64, offset: i64) -> AppResult<Vec<BulkJob>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE organization_id = $1 ORDER BY created_at DESC, id DESC \
             LIMIT $2 OFFSET $3"
        )))
        .bind(organization_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let mut jobs = Vec::new();
        for row in &rows {
            let mut job = job_from_row(row)?;
            self.count_bulk_rows(&mut job).await?;
            jobs.push(job);
        }
        Ok(jobs)
    }

    /// A job's rows in file order, optionally only those in `status`.
    pub async fn bulk_rows(
        &self,
        job_id: &str,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<BulkRow>> {
        let rows = sqlx::query(
            "SELECT row_number, line, status, errors, learner_id, credential_id, processed_at FROM bulk_job_rows \
             WHERE job_id = $1 AND ($2 IS NULL OR status = $2) ORDER BY row_number LIMIT $3 OFFSET $4",
        )
        .bind(job_id)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BulkRow {
                    row: r.try_get("row_number")?,
                    line: r.try_get("line")?,
                    status: r.try_get("status")?,
                    errors: errors_from(r.try_get("errors")?),
                    learner_id: r.try_get("learner_id")?,
                    credential_id: r.try_get("credential_id")?,
                    processed_at: r.try_get("processed_at")?,
                })
            })
            .collect()
    }

    /// Jobs that may have work left: `(job id, organization id)`, oldest first.
    pub async fn active_bulk_jobs(&self) -> AppResult<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT id, organization_id FROM bulk_jobs WHERE status IN ('queued', 'running') ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("organization_id")?))).collect()
    }

    /// Claims up to `limit` pending rows of a job whose lease is free or has run out,
    /// under `claim` until `lease_until`.
    pub async fn claim_bulk_rows(
        &self,
        job_id: &str,
        claim: &str,
        lease_until: &str,
        limit: i64,
    ) -> AppResult<Vec<ClaimedRow>> {
        let now = now();
        sqlx::query("UPDATE bulk_jobs SET status = 'running', started_at = $1 WHERE id = $2 AND status = 'queued'")
            .bind(&now)
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        // First the candidates, in file order (an index walk that stops at `limit`),
        // then an update of exactly those rows by primary key. One statement with an
        // `IN (subquery)` was planned by PostgreSQL, before the table had statistics,
        // as a nested loop over every pending row: seconds per batch.
        let candidates: Vec<i64> = sqlx::query_scalar(
            "SELECT row_number FROM bulk_job_rows WHERE job_id = $1 AND status = 'pending' \
             AND (lease_until IS NULL OR lease_until < $2) ORDER BY row_number LIMIT $3",
        )
        .bind(job_id)
        .bind(&now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let listed = (0..candidates.len()).map(|i| format!("${}", i + 5)).collect::<Vec<_>>().join(", ");
        // The conditions are checked again: of two workers racing for a row, one gets it.
        let sql = format!(
            "UPDATE bulk_job_rows SET claimed_by = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE job_id = $3 AND status = 'pending' AND (lease_until IS NULL OR lease_until < $4) \
             AND row_number IN ({listed}) RETURNING job_id, row_number, fingerprint, input, attempts"
        );
        let mut update = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(claim).bind(lease_until).bind(job_id).bind(&now);
        for n in &candidates {
            update = update.bind(*n);
        }
        let rows = update.fetch_all(&self.pool).await?;
        let mut claimed = rows
            .iter()
            .map(|r| {
                Ok(ClaimedRow {
                    job_id: r.try_get("job_id")?,
                    row_number: r.try_get("row_number")?,
                    fingerprint: r.try_get("fingerprint")?,
                    input: r.try_get("input")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        // RETURNING gives no order; rows are processed in file order.
        claimed.sort_by_key(|r| r.row_number);
        Ok(claimed)
    }

    /// Records a claimed row's outcome; false when the claim was lost (the lease ran
    /// out and another worker took the row).
    pub async fn finish_bulk_row(&self, row: &ClaimedRow, claim: &str, outcome: &RowOutcome) -> AppResult<bool> {
        let (row, claim, outcome) = (row.clone(), claim.to_string(), outcome.clone());
        self.issuing(move |tx| tx.finish_bulk_row(&row, &claim, &outcome)).await
    }

    /// Gives up the pending rows held under `claim` (a worker that stops): another worker
    /// claims them at once. Their claim does not count as an attempt. Returns how many.
    pub async fn release_bulk_claims(&self, claim: &str) -> AppResult<u64> {
        let released = sqlx::query(
            "UPDATE bulk_job_rows SET claimed_by = NULL, lease_until = NULL, attempts = attempts - 1 \
             WHERE job_id IN (SELECT id FROM bulk_jobs WHERE status IN ('queued', 'running')) \
             AND status = 'pending' AND claimed_by = $1 AND attempts > 0",
        )
        .bind(claim)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(released)
    }

    /// Rows of a job still pending.
    pub async fn pending_bulk_rows(&self, job_id: &str) -> AppResult<i64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bulk_job_rows WHERE job_id = $1 AND status = 'pending'")
            .bind(job_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Marks the job completed if no row is pending; true when this call did it.
    pub async fn complete_bulk_job_if_done(&self, job_id: &str) -> AppResult<bool> {
        let done = sqlx::query(
            "UPDATE bulk_jobs SET status = 'completed', completed_at = $1 WHERE id = $2 AND status <> 'completed' \
             AND NOT EXISTS (SELECT 1 FROM bulk_job_rows WHERE job_id = $2 AND status = 'pending')",
        )
        .bind(now())
        .bind(job_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }
}

impl Tx<'_> {
    /// Records a row's outcome: false when another worker holds the row now.
    pub fn finish_bulk_row(&mut self, row: &ClaimedRow, claim: &str, outcome: &RowOutcome) -> AppResult<bool> {
        let errors = errors_json(&outcome.errors)?;
        let processed_at = now();
        let done = self.execute(
            FINISH_ROW,
            args![
                &outcome.status,
                &errors,
                &outcome.learner_id,
                &outcome.credential_id,
                &processed_at,
                &row.job_id,
                row.row_number,
                claim
            ],
        )?;
        Ok(done == 1)
    }
}
