-- Learners, their assessment results, sign-offs, issued credentials, status lists
-- and idempotency records.

CREATE TABLE learners (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    email TEXT,
    external_id TEXT,
    did TEXT,
    display_name TEXT,
    salt TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (organization_id, email),
    UNIQUE (organization_id, external_id)
);

CREATE TABLE assessment_results (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    learner_id TEXT NOT NULL REFERENCES learners(id),
    achievement_id TEXT NOT NULL REFERENCES achievements(id),
    component TEXT NOT NULL,
    score DOUBLE PRECISION,
    attempt BIGINT,
    completed BIGINT,
    passed BIGINT,
    submitted_for_signoff BIGINT NOT NULL DEFAULT 0,
    evidence TEXT,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX assessment_results_by_learner ON assessment_results(learner_id, achievement_id);

CREATE TABLE signoff_requests (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    learner_id TEXT NOT NULL REFERENCES learners(id),
    achievement_id TEXT NOT NULL REFERENCES achievements(id),
    component TEXT NOT NULL,
    reviewer_kind TEXT NOT NULL,
    reviewer_name TEXT,
    reviewer_email TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    decided_at TEXT,
    approved BIGINT,
    comment TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX signoff_requests_by_learner ON signoff_requests(learner_id, achievement_id);

CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    learner_id TEXT NOT NULL REFERENCES learners(id),
    achievement_id TEXT NOT NULL REFERENCES achievements(id),
    achievement_version BIGINT NOT NULL,
    document TEXT NOT NULL,
    jwt TEXT,
    award_kind TEXT NOT NULL,
    award_narrative TEXT,
    issued_at TEXT NOT NULL,
    valid_until TEXT,
    revoked_at TEXT,
    revocation_reason TEXT,
    suspended BIGINT NOT NULL DEFAULT 0,
    -- Exactly one credential per learner and achievement.
    UNIQUE (learner_id, achievement_id)
);
CREATE INDEX credentials_by_org ON credentials(organization_id, issued_at);

-- One row per allocated status-list index; the primary key makes every index unique.
CREATE TABLE status_entries (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    purpose TEXT NOT NULL,
    list_index BIGINT NOT NULL,
    credential_id TEXT NOT NULL,
    PRIMARY KEY (organization_id, purpose, list_index)
);
CREATE INDEX status_entries_by_credential ON status_entries(credential_id);

-- A version per list, bumped on every change: the ETag of the list credential.
CREATE TABLE status_lists (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    purpose TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (organization_id, purpose)
);

CREATE TABLE idempotency_keys (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (organization_id, idempotency_key)
);
