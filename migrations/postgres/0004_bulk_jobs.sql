-- Bulk issuance: an uploaded CSV becomes a job whose rows are stored at upload
-- and processed by workers that claim them with conditional UPDATEs and a lease.

CREATE TABLE bulk_jobs (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    -- queued, running or completed.
    status TEXT NOT NULL,
    file_name TEXT,
    file_sha256 TEXT NOT NULL,
    total_rows BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT
);
CREATE INDEX bulk_jobs_by_org ON bulk_jobs(organization_id, created_at);
CREATE INDEX bulk_jobs_by_status ON bulk_jobs(status);

CREATE TABLE bulk_job_rows (
    job_id TEXT NOT NULL REFERENCES bulk_jobs(id),
    row_number BIGINT NOT NULL,
    -- The file line the row starts on (a quoted newline makes rows span lines).
    line BIGINT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    -- SHA-256 of the organization and the normalized row: the same row in a
    -- later job is a duplicate.
    fingerprint TEXT,
    -- The row as a result (JSON), or NULL when it could not be read.
    input TEXT,
    -- pending, issued, awaiting_signoff, in_progress, locked_out, revoked,
    -- suspended, duplicate or rejected.
    status TEXT NOT NULL,
    -- JSON array of {field, reason}, naming CSV columns.
    errors TEXT,
    learner_id TEXT,
    credential_id TEXT,
    claimed_by TEXT,
    lease_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    processed_at TEXT,
    PRIMARY KEY (job_id, row_number)
);
CREATE INDEX bulk_job_rows_by_status ON bulk_job_rows(job_id, status);

-- A result recorded from a bulk row carries the row's fingerprint, so that
-- processing a row again (after a crash) or the same row from a later file
-- never records it twice. NULL for results recorded through the API.
ALTER TABLE assessment_results ADD COLUMN dedup_key TEXT;
ALTER TABLE assessment_results ADD COLUMN dedup_source TEXT;
CREATE UNIQUE INDEX assessment_results_dedup ON assessment_results(organization_id, dedup_key);
