//! The storage steps of issuance on the SQLite writer's connection (see
//! [`super::sqlite_writer`]), inside the group transaction: the same SQL and the
//! same row mapping as the pool's versions in this folder, without a hand-off to
//! another thread per statement. Nothing here commits; the writer does.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::bulk_jobs::{ClaimedRow, RowOutcome};
use super::credentials::{
    INSERT_CREDENTIAL, INSERT_STATUS_ENTRY, Issuing, STATUS_INDEX_TRIES, Signed, StoredCredential, Written,
    credential_for_sql, credential_from_row, document_text, status_index_candidate, status_list_full,
};
use super::learners::{
    IDENTIFIER_TAKEN, INSERT_LEARNER, LEARNER_CREATED_TWICE, Learner, SAVE_PROGRESS, UPDATE_LEARNER,
    complete_identifiers, learner_by_sql, learner_from_row, new_learner, one_learner,
};
use super::results::{
    DEDUP_SOURCE, INSERT_RESULT, INSERT_SIGNOFF, NewResult, NewSignoff, RESULTS_WITH_EVIDENCE, ResultInsert,
    SIGNOFF_DECISIONS, SignoffRequest, decision_from_row, evidence_from_row, prepare_signoff, result_columns,
    result_from_row, signoffs_sql,
};
use super::{Store, new_id, now};
use crate::domain::award_evaluation::{RecordedResult, SignoffDecision};
use crate::domain::learner::{EvidenceInput, LearnerInput};
use crate::error::{AppError, AppResult};
use crate::keyring::OpenedKey;
use credence_core::sealed_key::MasterKey;
use credence_core::status_list::StatusPurpose;

/// The writer's connection, inside its transaction, and the store (for URLs).
pub struct SqliteIssuing<'c> {
    pub conn: &'c Connection,
    pub store: &'c Store,
}

impl SqliteIssuing<'_> {
    fn learner_by(&self, organization_id: &str, column: &str, value: &str) -> AppResult<Option<Learner>> {
        let mut stmt = self.conn.prepare_cached(&learner_by_sql(column))?;
        let mut rows = stmt.query(params![organization_id, value])?;
        rows.next()?.map(learner_from_row).transpose()
    }

    pub fn learner(&self, organization_id: &str, id: &str) -> AppResult<Option<Learner>> {
        self.learner_by(organization_id, "id", id)
    }

    /// As [`Store::decide_signoff`]: false when the link was already used or has expired.
    pub fn decide_signoff(&self, id: &str, approved: bool, comment: Option<&str>) -> AppResult<bool> {
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        let done = self.conn.prepare_cached(super::results::DECIDE_SIGNOFF)?.execute(params![
            now,
            i64::from(approved),
            comment,
            id
        ])?;
        Ok(done == 1)
    }

    pub fn find_learner(&self, organization_id: &str, input: &LearnerInput) -> AppResult<Option<Learner>> {
        if let Some(e) = input.normalized_email()
            && let Some(l) = self.learner_by(organization_id, "email", &e)?
        {
            return Ok(Some(l));
        }
        match &input.external_id {
            Some(x) => self.learner_by(organization_id, "external_id", x),
            None => Ok(None),
        }
    }

    /// As [`Store::find_or_create_learner`]; inside the writer's transaction nobody
    /// else writes, so there is nothing to retry.
    pub fn find_or_create_learner(&self, organization_id: &str, input: &LearnerInput) -> AppResult<Learner> {
        let email = input.normalized_email();
        let by_email = match &email {
            Some(e) => self.learner_by(organization_id, "email", e)?,
            None => None,
        };
        let by_external = match &input.external_id {
            Some(x) => self.learner_by(organization_id, "external_id", x)?,
            None => None,
        };
        match one_learner(by_email, by_external)? {
            Some(mut learner) => {
                if complete_identifiers(&mut learner, email.as_deref(), input) {
                    self.conn
                        .prepare_cached(UPDATE_LEARNER)?
                        .execute(params![
                            learner.email,
                            learner.external_id,
                            learner.did,
                            learner.display_name,
                            learner.id,
                            organization_id
                        ])
                        .map_err(|e| AppError::sqlite_unique_violation_as(e, "learner", IDENTIFIER_TAKEN))?;
                }
                Ok(learner)
            }
            None => {
                let learner = new_learner(email.as_deref(), input);
                self.conn
                    .prepare_cached(INSERT_LEARNER)?
                    .execute(params![
                        learner.id,
                        organization_id,
                        learner.email,
                        learner.external_id,
                        learner.did,
                        learner.display_name,
                        learner.salt,
                        now()
                    ])
                    .map_err(|e| AppError::sqlite_unique_violation_as(e, "learner", LEARNER_CREATED_TWICE))?;
                Ok(learner)
            }
        }
    }

    pub fn insert_result(&self, r: &NewResult<'_>) -> AppResult<ResultInsert> {
        let c = result_columns(r)?;
        let done = self.conn.prepare_cached(INSERT_RESULT)?.execute(params![
            new_id(),
            r.organization_id,
            r.learner_id,
            r.achievement_id,
            r.result.component,
            c.score,
            c.attempt,
            c.completed,
            c.passed,
            c.submitted,
            c.evidence,
            r.source,
            r.result.recorded_at,
            r.dedup.map(|(key, _)| key),
            r.dedup.map(|(_, source)| source),
        ])?;
        if done == 1 {
            return Ok(ResultInsert::Inserted);
        }
        let Some((key, _)) = r.dedup else {
            return Err(AppError::Internal("a result without a dedup key was not inserted".into()));
        };
        let source: Option<Option<String>> = self
            .conn
            .prepare_cached(DEDUP_SOURCE)?
            .query_row(params![r.organization_id, key], |row| row.get(0))
            .optional()?;
        Ok(ResultInsert::AlreadyRecorded { source: source.flatten() })
    }

    pub fn results_with_evidence(
        &self,
        learner_id: &str,
        achievement_id: &str,
    ) -> AppResult<(Vec<RecordedResult>, Vec<EvidenceInput>)> {
        let mut stmt = self.conn.prepare_cached(RESULTS_WITH_EVIDENCE)?;
        let mut rows = stmt.query(params![learner_id, achievement_id])?;
        let mut results = Vec::new();
        let mut evidence = Vec::new();
        while let Some(row) = rows.next()? {
            results.push(result_from_row(row)?);
            evidence.extend(evidence_from_row(row)?);
        }
        Ok((results, evidence))
    }

    pub fn signoff_decisions(&self, learner_id: &str, achievement_id: &str) -> AppResult<Vec<SignoffDecision>> {
        let mut stmt = self.conn.prepare_cached(SIGNOFF_DECISIONS)?;
        let mut rows = stmt.query(params![learner_id, achievement_id])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(decision_from_row(row)?);
        }
        Ok(out)
    }

    pub fn credential_for(&self, learner_id: &str, achievement_id: &str) -> AppResult<Option<StoredCredential>> {
        let mut stmt = self.conn.prepare_cached(&credential_for_sql())?;
        let mut rows = stmt.query(params![learner_id, achievement_id])?;
        rows.next()?.map(credential_from_row).transpose()
    }

    pub fn signoffs(&self, learner_id: &str, achievement_id: &str) -> AppResult<Vec<SignoffRequest>> {
        let now = crate::domain::credential::format_time(time::OffsetDateTime::now_utc());
        let mut stmt = self.conn.prepare_cached(&signoffs_sql())?;
        let mut rows = stmt.query(params![learner_id, achievement_id])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(super::results::signoff_from_row(row, &now)?);
        }
        Ok(out)
    }

    pub fn create_signoff(&self, s: &NewSignoff<'_>) -> AppResult<SignoffRequest> {
        let (id, token_hash, expires_at, request) = prepare_signoff(&self.store.public_url, s);
        self.conn.prepare_cached(INSERT_SIGNOFF)?.execute(params![
            id,
            s.organization_id,
            s.learner_id,
            s.achievement_id,
            s.component,
            s.reviewer_kind,
            s.reviewer_name,
            s.reviewer_email,
            token_hash,
            expires_at,
            now()
        ])?;
        Ok(request)
    }

    /// The organization's current key, opened; made (and stored) if it has none yet.
    pub fn current_signing_key(&self, organization_id: &str, master: &MasterKey) -> AppResult<OpenedKey> {
        let mut stmt = self.conn.prepare_cached(super::signing_keys::CURRENT_KEY)?;
        let mut rows = stmt.query(params![organization_id])?;
        if let Some(row) = rows.next()? {
            return super::signing_keys::open_key_row(row, organization_id, master);
        }
        let (sealed, opened) = super::signing_keys::new_key(organization_id, master);
        let info = &opened.info;
        self.conn
            .prepare_cached(super::signing_keys::INSERT_KEY)?
            .execute(params![
                info.id,
                organization_id,
                info.public_key_multibase,
                sealed,
                super::signing_keys::CURRENT,
                info.created_at
            ])
            .map_err(|e| AppError::sqlite_unique_violation_as(e, "status", super::signing_keys::KEY_TAKEN))?;
        Ok(opened)
    }

    /// As [`Store::write_credential`], inside the writer's transaction. That
    /// transaction holds SQLite's write lock from its start, so a learner the
    /// caller found without the credential cannot get it from anyone else here:
    /// the insert finding one is an error (and undoes the request), never `None`.
    pub fn write_credential(
        &self,
        c: &Issuing<'_>,
        sign: impl FnOnce(Vec<Value>) -> AppResult<Signed>,
    ) -> AppResult<Option<Written>> {
        let mut statuses = Vec::new();
        for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
            let index = self.allocate_status_index(c.organization_id, purpose, c.id)?;
            statuses.push(self.store.status_entry(c.organization_slug, purpose, index));
        }
        let signed = sign(statuses)?;
        let issued_at = now();
        let inserted = self.conn.prepare_cached(INSERT_CREDENTIAL)?.execute(params![
            c.id,
            c.organization_id,
            c.learner_id,
            c.achievement_id,
            c.achievement_version,
            document_text(&signed.document)?,
            signed.jwt,
            c.award_kind,
            c.award_narrative,
            issued_at,
            signed.valid_until,
        ])?;
        if inserted == 0 {
            return Err(AppError::Internal("the learner already holds this credential".into()));
        }
        self.conn
            .prepare_cached(super::achievements::COUNT_ISSUED)?
            .execute(params![c.achievement_id, c.achievement_version])?;
        let (token, hash) = super::claims::new_token();
        self.conn.prepare_cached(super::claims::INSERT_CLAIM)?.execute(params![c.id, hash, now()])?;
        Ok(Some(Written { signed, issued_at, claim_url: self.store.claim_url(&token) }))
    }

    fn allocate_status_index(
        &self,
        organization_id: &str,
        purpose: StatusPurpose,
        credential_id: &str,
    ) -> AppResult<i64> {
        let mut stmt = self.conn.prepare_cached(INSERT_STATUS_ENTRY)?;
        for _ in 0..STATUS_INDEX_TRIES {
            let candidate = status_index_candidate();
            if stmt.execute(params![organization_id, purpose.as_str(), candidate, credential_id])? == 1 {
                return Ok(candidate);
            }
        }
        Err(status_list_full(purpose))
    }

    /// As [`Store::idempotent_response`]: `(request hash, status, body)` of a used key.
    pub fn idempotent_response(&self, organization_id: &str, key: &str) -> AppResult<Option<(String, u16, String)>> {
        let mut stmt = self.conn.prepare_cached(super::credentials::IDEMPOTENT_RESPONSE)?;
        let mut rows = stmt.query(params![organization_id, key])?;
        let Some(row) = rows.next()? else { return Ok(None) };
        let status: i64 = row.get("status")?;
        Ok(Some((row.get("request_hash")?, u16::try_from(status).unwrap_or(500), row.get("body")?)))
    }

    /// Stores the answer to an idempotent request, in the savepoint of the work it answers.
    pub fn store_answer(
        &self,
        organization_id: &str,
        key: &str,
        request_hash: &str,
        status: u16,
        body: &str,
    ) -> AppResult<()> {
        self.conn.prepare_cached(super::credentials::STORE_ANSWER)?.execute(params![
            organization_id,
            key,
            request_hash,
            i64::from(status),
            body,
            now()
        ])?;
        Ok(())
    }

    /// As [`Store::finish_bulk_row`]: false when another worker holds the row now.
    pub fn finish_bulk_row(&self, row: &ClaimedRow, claim: &str, outcome: &RowOutcome) -> AppResult<bool> {
        let done = self.conn.prepare_cached(super::bulk_jobs::FINISH_ROW)?.execute(params![
            outcome.status,
            super::bulk_jobs::errors_json(&outcome.errors)?,
            outcome.learner_id,
            outcome.credential_id,
            now(),
            row.job_id,
            row.row_number,
            claim
        ])?;
        Ok(done == 1)
    }

    /// Runs `work` in a savepoint of its own: when it fails, what it wrote is undone
    /// and the rest of the writer's job goes on.
    pub fn undo_on_error<T>(&self, work: impl FnOnce() -> AppResult<T>) -> AppResult<T> {
        self.conn.execute_batch("SAVEPOINT step")?;
        let out = work();
        if out.is_err() {
            self.conn.execute_batch("ROLLBACK TO step")?;
        }
        self.conn.execute_batch("RELEASE step")?;
        out
    }

    pub fn save_progress(
        &self,
        organization_id: &str,
        learner_id: &str,
        achievement_id: &str,
        state: &str,
    ) -> AppResult<()> {
        self.conn.prepare_cached(SAVE_PROGRESS)?.execute(params![
            organization_id,
            learner_id,
            achievement_id,
            state,
            now()
        ])?;
        Ok(())
    }
}
