//! Bulk issuance: a CSV file of results becomes a job. The file is read and
//! checked at upload; every row is stored with the job in one transaction (a row
//! that cannot be read is stored already rejected, with its error). Workers then
//! claim pending rows in batches under a lease and run each through
//! [`issuance::record_in`] with the row's fingerprint, so a row processed
//! twice (after a crash) or the same row in a later file records nothing twice.
//!
//! Nothing lives only in memory: any instance sharing the database may process
//! any job, and a row claimed by a crashed worker is claimed again once its lease
//! has run out.

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::domain::achievement::Achievement;
use crate::domain::learner::{EvidenceInput, LearnerInput, ResultInput, ReviewerInput};
use crate::domain::organization::Organization;
use crate::domain::validation::{FieldError, Violations};
use crate::error::{AppError, AppResult};
use crate::issuance::{self, Recorded};
use crate::store::{BulkJob, ClaimedRow, NewBulkRow, RowOutcome, Store, Tx, stamp_after};
use credence_core::model::normalize_email;
use credence_core::sealed_key::MasterKey;

/// Largest file accepted, in bytes (20 MiB).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Most data rows in one file.
pub const MAX_ROWS: usize = 200_000;
/// A row that failed this many times (crashes or database errors) is rejected.
pub const MAX_ATTEMPTS: i64 = 5;
/// Where results from a CSV file say they come from.
pub const SOURCE: &str = "bulk-csv";

/// The columns a file may have, in the documented order.
pub const COLUMNS: [&str; 17] = [
    "achievement",
    "component",
    "email",
    "external_id",
    "learner_name",
    "did",
    "score",
    "attempt",
    "completed",
    "passed",
    "submitted_for_signoff",
    "reviewer_name",
    "reviewer_email",
    "evidence_url",
    "evidence_name",
    "evidence_sha256",
    "recorded_at",
];

/// The CSV format, for the API description and the CLI help.
pub const FORMAT_DESCRIPTION: &str = "UTF-8 CSV (RFC 4180: quoted fields may hold commas, quotes and newlines; a \
    semicolon-separated file is recognised from its header), one row per learner result, with a header row naming \
    the columns in any order: achievement (id or slug, required), component (required), email and/or external_id \
    (at least one column required), learner_name, did, score (0-100; a decimal comma is accepted), attempt (from 1), \
    completed, passed, submitted_for_signoff (true/false, yes/no, oui/non or 1/0), reviewer_name, reviewer_email, \
    evidence_url, evidence_name, evidence_sha256, recorded_at (RFC 3339). Header names are case-insensitive; \
    unknown or repeated columns refuse the file. Empty cells are absent values; rows whose cells are all empty are \
    skipped. At most 20 MiB and 200000 rows.";

/// A file read and checked, ready to store as a job.
#[derive(Debug)]
pub struct ParsedFile {
    pub sha256: String,
    pub rows: Vec<NewBulkRow>,
}

impl ParsedFile {
    pub fn rejected(&self) -> usize {
        self.rows.iter().filter(|r| r.status == "rejected").count()
    }
}

fn file_error(reason: impl Into<String>) -> AppError {
    AppError::invalid("file", crate::domain::validation::Reason::Plain(reason.into()))
}

/// Reads a CSV file. File-level faults (not UTF-8, empty, missing or unknown
/// columns, too many rows) refuse the whole file; a row-level fault makes that row
/// rejected and leaves the others alone.
pub fn parse_csv(organization_id: &str, bytes: &[u8]) -> AppResult<ParsedFile> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::PayloadTooLarge { limit: MAX_FILE_BYTES });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(AppError::bad_request(Some("file"), "the file is UTF-16; save it as \"CSV UTF-8\""));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        let byte = bytes.get(offset).copied().unwrap_or(0);
        AppError::bad_request(
            Some("file"),
            format!(
                "the file is not UTF-8: byte 0x{byte:02X} at offset {offset} (line {line}) is not valid UTF-8; \
                 save the file as \"CSV UTF-8\" (it may be Windows-1252 or Latin-1)"
            ),
        )
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(file_error("the file is empty; it needs a header row and at least one data row"));
    }
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if !first_line.contains(',') && first_line.contains(';') {
        b';'
    } else if !first_line.contains(',') && first_line.contains('\t') {
        b'\t'
    } else {
        b','
    };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let header_read =
        reader.read_record(&mut record).map_err(|e| file_error(format!("the header row cannot be read: {e}")))?;
    if !header_read {
        return Err(file_error("the file is empty; it needs a header row and at least one data row"));
    }
    let columns = header_columns(&record)?;
    let width = record.len();
    let mut rows = Vec::new();
    let mut row_number: i64 = 0;
    // The reader counts records, not the newlines inside quoted fields: count lines
    // from the byte offsets, so a row is named by the line it starts on.
    let (mut seen_byte, mut seen_line) = (0usize, 1i64);
    loop {
        // The row starts where the previous one ended, past any blank lines.
        let mut start = usize::try_from(reader.position().byte()).unwrap_or(seen_byte);
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let read = reader.read_record(&mut record);
        if let Some(between) = text.as_bytes().get(seen_byte..start) {
            seen_line += i64::try_from(between.iter().filter(|b| **b == b'\n').count()).unwrap_or(0);
            seen_byte = start;
        }
        let line = seen_line;
        match read {
            Ok(false) => break,
            Ok(true) if record.iter().all(|f| f.trim().is_empty()) => continue,
            Ok(true) => {
                row_number += 1;
                if rows.len() >= MAX_ROWS {
                    return Err(file_error(format!(
                        "the file has more than {MAX_ROWS} rows; split it into several files"
                    )));
                }
                let row = if record.len() != width {
                    rejected(
                        row_number,
                        line,
                        vec![FieldError::new(
                            "row",
                            format!(
                                "has {} fields but the header has {width} (a stray delimiter, or a quote left open?)",
                                record.len()
                            ),
                        )],
                    )
                } else {
                    read_row(organization_id, &columns, &record, row_number, line)
                };
                rows.push(row);
            }
            Err(e) => {
                row_number += 1;
                rows.push(rejected(row_number, line, vec![FieldError::new("row", format!("cannot be read: {e}"))]));
            }
        }
    }
    if rows.is_empty() {
        return Err(file_error("the file has a header row but no data rows"));
    }
    Ok(ParsedFile { sha256: hex::encode(Sha256::digest(bytes)), rows })
}

/// Maps each header cell to a known column; refuses unknown, repeated and missing ones.
fn header_columns(record: &csv::StringRecord) -> AppResult<Vec<&'static str>> {
    let mut v = Violations::new();
    let mut columns = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let name = raw.trim().to_lowercase().replace([' ', '-'], "_");
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) if columns.contains(c) => v.add(*c, format!("column {} repeats the column '{c}'", i + 1).into()),
            Some(c) => columns.push(*c),
            None => {
                let shown = if raw.trim().is_empty() { format!("(column {})", i + 1) } else { raw.trim().to_string() };
                v.add(
                    shown,
                    format!("column {} is not a known column; the columns are {}", i + 1, COLUMNS.join(", ")).into(),
                );
                columns.push("");
            }
        }
    }
    for required in ["achievement", "component"] {
        v.check(columns.contains(&required), required, "this required column is missing".into());
    }
    v.check(
        columns.contains(&"email") || columns.contains(&"external_id"),
        "email",
        "the file needs an email or an external_id column (or both) to identify learners".into(),
    );
    v.into_result()?;
    Ok(columns)
}

fn rejected(row_number: i64, line: i64, errors: Vec<FieldError>) -> NewBulkRow {
    NewBulkRow { row_number, line, fingerprint: None, input: None, status: "rejected", errors }
}

fn cell<'a>(columns: &[&str], record: &'a csv::StringRecord, name: &str) -> Option<&'a str> {
    let i = columns.iter().position(|c| *c == name)?;
    record.get(i).map(str::trim).filter(|s| !s.is_empty())
}

fn boolean(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "oui" | "o" | "vrai" => Some(true),
        "false" | "no" | "n" | "0" | "non" | "faux" => Some(false),
        _ => None,
    }
}

fn read_row(
    organization_id: &str,
    columns: &[&str],
    record: &csv::StringRecord,
    row_number: i64,
    line: i64,
) -> NewBulkRow {
    let get = |name: &str| cell(columns, record, name);
    let owned = |name: &str| get(name).map(str::to_string);
    let mut errors = Vec::new();
    let flag = |name: &str, errors: &mut Vec<FieldError>| {
        let v = get(name)?;
        let b = boolean(v);
        if b.is_none() {
            errors.push(FieldError::new(
                name,
                format!("'{v}' is not a yes/no value: use true/false, yes/no, oui/non or 1/0"),
            ));
        }
        b
    };
    let completed = flag("completed", &mut errors);
    let passed = flag("passed", &mut errors);
    let submitted = flag("submitted_for_signoff", &mut errors);
    let score = get("score").and_then(|v| {
        let n = v.trim_end_matches('%').trim().replace(',', ".").parse::<f64>().ok().filter(|n| n.is_finite());
        if n.is_none() {
            errors.push(FieldError::new("score", format!("'{v}' is not a number")));
        }
        n
    });
    let attempt = get("attempt").and_then(|v| {
        let n = v.parse::<u32>().ok();
        if n.is_none() {
            errors.push(FieldError::new("attempt", format!("'{v}' is not a whole number")));
        }
        n
    });
    let reviewer = (get("reviewer_name").is_some() || get("reviewer_email").is_some())
        .then(|| ReviewerInput { name: owned("reviewer_name"), email: owned("reviewer_email") });
    let evidence =
        if get("evidence_url").is_some() || get("evidence_name").is_some() || get("evidence_sha256").is_some() {
            vec![EvidenceInput {
                url: owned("evidence_url"),
                name: owned("evidence_name").unwrap_or_default(),
                sha256: owned("evidence_sha256"),
                ..Default::default()
            }]
        } else {
            Vec::new()
        };
    let input = ResultInput {
        achievement: owned("achievement").unwrap_or_default(),
        component: owned("component").unwrap_or_default(),
        learner: LearnerInput {
            email: get("email").map(normalize_email),
            external_id: owned("external_id"),
            did: owned("did"),
            name: owned("learner_name"),
        },
        score,
        attempt,
        completed,
        passed,
        submitted_for_signoff: submitted,
        reviewer,
        evidence,
        source: Some(SOURCE.to_string()),
        recorded_at: owned("recorded_at"),
    };
    let mut v = Violations::new();
    input.check(&mut v);
    if let Err(AppError::Validation(found)) = v.into_result() {
        for e in found {
            let column = column_of(&e.field);
            // A cell that could not be read is reported once, by the reader.
            if !errors.iter().any(|known| known.field == column) {
                errors.push(FieldError::new(column, e.reason));
            }
        }
    }
    if !errors.is_empty() {
        return rejected(row_number, line, errors);
    }
    match serde_json::to_string(&input) {
        Ok(json) => {
            let mut h = Sha256::new();
            h.update(organization_id.as_bytes());
            h.update([0]);
            h.update(json.as_bytes());
            NewBulkRow {
                row_number,
                line,
                fingerprint: Some(hex::encode(h.finalize())),
                input: Some(json),
                status: "pending",
                errors: Vec::new(),
            }
        }
        Err(e) => rejected(row_number, line, vec![FieldError::new("row", format!("cannot be stored: {e}"))]),
    }
}

/// Names the CSV column behind a field of a result.
pub fn column_of(field: &str) -> String {
    let mapped = match field {
        "learner" | "learner.email" => "email",
        "learner.externalId" => "external_id",
        "learner.did" => "did",
        "learner.name" => "learner_name",
        "submittedForSignoff" => "submitted_for_signoff",
        "recordedAt" => "recorded_at",
        "reviewer" | "reviewer.name" => "reviewer_name",
        "reviewer.email" => "reviewer_email",
        other => {
            if let Some(rest) = other.strip_prefix("evidence[0].") {
                return format!("evidence_{rest}");
            }
            if other.starts_with("evidence") {
                return "evidence_url".to_string();
            }
            other
        }
    };
    mapped.to_string()
}

/// How the workers run.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// How long a claim holds a row; a crashed worker's rows are claimed again after it.
    pub lease: Duration,
    /// Rows claimed at a time.
    pub batch: i64,
    /// Pause when there is nothing to do.
    pub idle: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions { lease: Duration::from_secs(30), batch: 200, idle: Duration::from_millis(500) }
    }
}

impl WorkerOptions {
    /// The defaults, with the lease from `CREDENCE_BULK_LEASE_SECS` when set.
    pub fn from_env() -> Self {
        let mut o = WorkerOptions::default();
        if let Some(secs) = std::env::var("CREDENCE_BULK_LEASE_SECS").ok().and_then(|s| s.trim().parse::<u64>().ok())
            && secs > 0
        {
            o.lease = Duration::from_secs(secs);
        }
        o
    }
}

fn rejection(errors: Vec<FieldError>) -> RowOutcome {
    RowOutcome { status: "rejected".into(), errors, learner_id: None, credential_id: None }
}

/// Turns a request-level error into the row's errors; `None` for errors that say
/// nothing about the row (database, internal), which are retried.
fn row_errors(err: &AppError) -> Option<Vec<FieldError>> {
    match err {
        AppError::Validation(errors) => {
            Some(errors.iter().map(|e| FieldError::new(column_of(&e.field), e.reason.clone())).collect())
        }
        AppError::Conflict { field, reason } => Some(vec![FieldError::new(column_of(field), reason.clone())]),
        AppError::BadRequest { detail, field } => {
            Some(vec![FieldError::new(field.as_deref().map(column_of).unwrap_or_else(|| "row".into()), detail.clone())])
        }
        AppError::NotFound(_)
        | AppError::Unauthorized(_)
        | AppError::Forbidden(_)
        | AppError::UnsupportedMediaType(_)
        | AppError::PayloadTooLarge { .. } => Some(vec![FieldError::new("row", err.to_string())]),
        AppError::Database(_)
        | AppError::Sqlite(_)
        | AppError::Migration(_)
        | AppError::Internal(_)
        | AppError::TooManyRequests { .. } => None,
    }
}

/// What a claimed row asks for, known before any storage work: a result to record
/// on its achievement, or the outcome the row already has (unreadable, out of
/// attempts, or refused by its achievement's rule).
// One per claimed row, moved once into the writer's job: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum RowWork {
    Record { achievement: Achievement, input: ResultInput, fingerprint: String },
    Settled(RowOutcome),
}

fn out_of_attempts() -> RowOutcome {
    rejection(vec![FieldError::new(
        "row",
        format!("could not be processed in {MAX_ATTEMPTS} attempts; see the server log"),
    )])
}

/// The achievements a batch of rows names, each looked up once.
type Achievements = std::collections::HashMap<String, Achievement>;

/// Reads a claimed row and checks it against its achievement. `Err` only for failures to retry.
async fn prepare_row(
    store: &Store,
    org: &Organization,
    known: &mut Achievements,
    row: &ClaimedRow,
) -> AppResult<RowWork> {
    if row.attempts > MAX_ATTEMPTS {
        return Ok(RowWork::Settled(out_of_attempts()));
    }
    let (Some(input), Some(fingerprint)) = (&row.input, &row.fingerprint) else {
        return Ok(RowWork::Settled(rejection(vec![FieldError::new("row", "the row has no readable content")])));
    };
    let input: ResultInput = serde_json::from_str(input).map_err(|e| {
        AppError::Internal(format!("stored bulk row {}:{} is unreadable: {e}", row.job_id, row.row_number))
    })?;
    // Checked at upload; again here for rows stored before a check was added (retrying them
    // would only fail again).
    let mut v = Violations::new();
    input.check(&mut v);
    if let Err(e) = v.into_result() {
        return rejected_or_retried(e).map(RowWork::Settled);
    }
    let found = match known.get(&input.achievement) {
        Some(achievement) => Ok(achievement.clone()),
        None => issuance::find_offered_achievement(store, org, &input.achievement).await.inspect(|a| {
            known.insert(input.achievement.clone(), a.clone());
        }),
    };
    let checked =
        found.and_then(|achievement| issuance::check_against_rule(&input, &achievement).map(|()| achievement));
    match checked {
        Ok(achievement) => Ok(RowWork::Record { achievement, input, fingerprint: fingerprint.clone() }),
        Err(e) => rejected_or_retried(e).map(RowWork::Settled),
    }
}

/// A row's rejection for errors that are about the row; the error itself (to retry) otherwise.
fn rejected_or_retried(e: AppError) -> AppResult<RowOutcome> {
    match row_errors(&e) {
        Some(errors) => Ok(rejection(errors)),
        None => Err(e),
    }
}

/// What recording a row's result came to; `Err` only for failures to retry.
fn outcome_of(row: &ClaimedRow, recorded: AppResult<Recorded>) -> AppResult<RowOutcome> {
    let recorded = match recorded {
        Ok(recorded) => recorded,
        Err(e) => return rejected_or_retried(e),
    };
    Ok(match recorded {
        Recorded::Status(status) => RowOutcome {
            status: status.state.clone(),
            errors: Vec::new(),
            learner_id: Some(status.learner_id.clone()),
            credential_id: status.credential.map(|c| c.id),
        },
        Recorded::Duplicate { of } => {
            let of =
                of.as_deref()
                    .and_then(|s| s.rsplit_once(':'))
                    .map(|(job, n)| {
                        if job == row.job_id {
                            format!("row {n} of this file")
                        } else {
                            format!("row {n} of job {job}")
                        }
                    })
                    .unwrap_or_else(|| "an earlier row".into());
            RowOutcome {
                status: "duplicate".into(),
                errors: vec![FieldError::new(
                    "row",
                    format!("the same result was already recorded from {of}; skipped"),
                )],
                learner_id: None,
                credential_id: None,
            }
        }
    })
}

/// Records the row's result and its outcome in one unit of work: after a crash
/// either both are there or neither. A rejected row's partial writes are undone
/// (its own savepoint); its outcome is kept. `Ok(false)` when another worker holds
/// the row now; `Err` for failures to retry.
fn run_row(
    tx: &mut Tx<'_>,
    master: &MasterKey,
    org: &Organization,
    work: RowWork,
    row: &ClaimedRow,
    claim: &str,
) -> AppResult<bool> {
    let outcome = match work {
        RowWork::Settled(outcome) => outcome,
        RowWork::Record { achievement, input, fingerprint } => {
            let source = format!("{}:{}", row.job_id, row.row_number);
            let recorded = tx.undo_on_error(|tx| {
                issuance::record_in(tx, master, org, &achievement, input, Some((&fingerprint, &source)))
            });
            outcome_of(row, recorded)?
        }
    };
    tx.finish_bulk_row(row, claim, &outcome)
}

/// Who a row is about, for keeping one learner's rows in file order.
fn learner_key(work: &RowWork) -> Option<String> {
    match work {
        RowWork::Record { input, .. } => input.learner.normalized_email().or_else(|| input.learner.external_id.clone()),
        RowWork::Settled(_) => None,
    }
}

/// Claims one batch of a job's rows and processes it; returns how many rows were
/// claimed (0 when none was free). Completes the job when no row is left pending.
/// Each row is one unit of work ([`Store::issuing_each`]): on the SQLite writer the
/// rows of a batch go in together (they share commits, in file order); on the pool
/// different learners' rows run side by side.
pub async fn work_on_job(
    store: &Store,
    master: &MasterKey,
    org: &Organization,
    job_id: &str,
    opts: &WorkerOptions,
) -> AppResult<usize> {
    work_on_job_as(store, master, org, job_id, opts, &crate::store::new_id()).await
}

/// [`work_on_job`] under the claim `claim` (the serve worker's own, so that it can release
/// what it holds when it stops: [`Store::release_bulk_claims`]).
async fn work_on_job_as(
    store: &Store,
    master: &MasterKey,
    org: &Organization,
    job_id: &str,
    opts: &WorkerOptions,
    claim: &str,
) -> AppResult<usize> {
    let claim = claim.to_string();
    let rows = store.claim_bulk_rows(job_id, &claim, &stamp_after(opts.lease), opts.batch).await?;
    let mut known = Achievements::new();
    let mut prepared = Vec::with_capacity(rows.len());
    for row in &rows {
        prepared.push(prepare_row(store, org, &mut known, row).await);
    }
    // Each row is a unit of work of its own; one learner's rows run in file order.
    let mut calls = Vec::new();
    let mut finished: Vec<Option<AppResult<bool>>> = Vec::with_capacity(rows.len());
    let mut ran = Vec::new();
    for (i, (row, work)) in rows.iter().zip(prepared).enumerate() {
        match work {
            Ok(work) => {
                let (master, org, row, claim) = (master.clone(), org.clone(), row.clone(), claim.clone());
                let order = learner_key(&work);
                calls.push((order, move |tx: &mut Tx<'_>| run_row(tx, &master, &org, work, &row, &claim)));
                ran.push(i);
                finished.push(None);
            }
            Err(e) => finished.push(Some(Err(e))),
        }
    }
    if !calls.is_empty() {
        crate::issuance::prepare_keys(store, master, org).await?;
    }
    for (i, done) in ran.into_iter().zip(store.issuing_each(calls).await) {
        finished[i] = Some(done);
    }
    let finished =
        finished.into_iter().map(|r| r.unwrap_or_else(|| Err(AppError::Internal("a bulk row was not run".into()))));
    for (row, done) in rows.iter().zip(finished) {
        let held = match done {
            Ok(held) => held,
            Err(e) if row.attempts >= MAX_ATTEMPTS => {
                tracing::error!(job = %job_id, row = row.row_number, error = %e, "bulk row failed for the last time");
                store.finish_bulk_row(row, &claim, &out_of_attempts()).await?
            }
            Err(e) => {
                // Left claimed: another attempt is made when the lease runs out.
                tracing::warn!(job = %job_id, row = row.row_number, error = %e, "bulk row failed; it will be retried");
                true
            }
        };
        if !held {
            tracing::info!(job = %job_id, row = row.row_number, "bulk row was taken over by another worker");
        }
    }
    if rows.is_empty() && store.complete_bulk_job_if_done(job_id).await? {
        tracing::info!(job = %job_id, "bulk job completed");
    }
    Ok(rows.len())
}

/// Works on every active job until no row can be claimed; returns the rows claimed.
pub async fn run_pending(store: &Store, master: &MasterKey, opts: &WorkerOptions) -> AppResult<usize> {
    let (_keep, never) = tokio::sync::watch::channel(false);
    run_pending_as(store, master, opts, &crate::store::new_id(), &never).await
}

/// [`run_pending`] under the claim `claim`, stopping between batches once `stop` is true.
async fn run_pending_as(
    store: &Store,
    master: &MasterKey,
    opts: &WorkerOptions,
    claim: &str,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> AppResult<usize> {
    let mut total = 0;
    loop {
        let mut claimed = 0;
        for (job_id, organization_id) in store.active_bulk_jobs().await? {
            if *stop.borrow() {
                return Ok(total + claimed);
            }
            let Some(org) = store.organization_by_id(&organization_id).await? else { continue };
            claimed += work_on_job_as(store, master, &org, &job_id, opts, claim).await?;
        }
        if claimed == 0 {
            return Ok(total);
        }
        total += claimed;
    }
}

/// The background worker of `credence serve`. It claims rows as `claim` and runs until
/// `stop` turns true: then it finishes the batch in hand (each row's outcome is
/// committed with what it issued) and returns. Rows it still holds (a failed row left
/// for a retry, or a batch cut short when the caller gave up waiting) are released by
/// [`Store::release_bulk_claims`] with the same `claim`, so another instance takes them
/// at once rather than when the lease runs out.
pub async fn run_worker(
    store: Store,
    master: Arc<MasterKey>,
    opts: WorkerOptions,
    claim: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    while !*stop.borrow() {
        if let Err(e) = run_pending_as(&store, &master, &opts, &claim, &stop).await {
            tracing::error!(error = %e, "bulk worker failed; retrying");
        }
        tokio::select! {
            _ = tokio::time::sleep(opts.idle) => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!("bulk worker stopped");
}

/// Processes one job to the end (rows leased by other workers are waited for),
/// calling `progress` after every batch. Used by `credence bulk import`.
pub async fn run_job(
    store: &Store,
    master: &MasterKey,
    org: &Organization,
    job_id: &str,
    opts: &WorkerOptions,
    progress: &mut (dyn FnMut(&BulkJob) + Send),
) -> AppResult<BulkJob> {
    loop {
        let claimed = work_on_job(store, master, org, job_id, opts).await?;
        let job = store
            .bulk_job(&org.id, job_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("bulk job {job_id} vanished")))?;
        progress(&job);
        if job.status == "completed" {
            return Ok(job);
        }
        if claimed == 0 {
            tokio::time::sleep(opts.idle).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_newlines_french_names_and_reports_bad_cells_by_column() {
        let csv = "achievement,component,email,learner_name,score,completed,evidence_name,evidence_url\n\
                   a,post,zoé@example.ca,\"Zoé Bélanger-Côté\",85,,\"Rapport\nfinal\",https://ex.ca/r\n\
                   a,post,x@example.ca,X,abc,peut-être,,\n\
                   a,post,y@example.ca,Y,\"92,5\",oui,,\n";
        let parsed = parse_csv("org", csv.as_bytes()).unwrap();
        assert_eq!(parsed.rows.len(), 3);
        assert_eq!(parsed.rows[0].status, "pending", "{:?}", parsed.rows[0].errors);
        assert!(parsed.rows[0].input.as_deref().unwrap().contains("Rapport\\nfinal"));
        assert_eq!(parsed.rows[1].line, 4);
        let fields: Vec<&str> = parsed.rows[1].errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["completed", "score"]);
        assert!(parsed.rows[2].input.as_deref().unwrap().contains("92.5"));
    }

    #[test]
    fn refuses_files_it_cannot_read() {
        let bad = |bytes: &[u8]| parse_csv("org", bytes).unwrap_err();
        assert!(matches!(bad(b""), AppError::Validation(_)));
        assert!(matches!(bad(b"achievement,component,email\n"), AppError::Validation(_)));
        assert!(matches!(bad(b"achievement,component,email\na,b,\xE9@x.ca\n"), AppError::BadRequest { .. }));
        match bad(b"achievement,component,mail\na,b,c\n") {
            AppError::Validation(e) => {
                assert!(e.iter().any(|e| e.field == "mail") && e.iter().any(|e| e.field == "email"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn maps_result_fields_to_columns() {
        assert_eq!(column_of("learner.externalId"), "external_id");
        assert_eq!(column_of("evidence[0].sha256"), "evidence_sha256");
        assert_eq!(column_of("recordedAt"), "recorded_at");
        assert_eq!(column_of("score"), "score");
    }
}
