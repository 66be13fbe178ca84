-- A learner's claim of a credential: the private claim link (only the SHA-256 of
-- its token), what the learner chose for the badge page, and the counts the
-- issuer reads. One row per credential, written in the issuing transaction.
CREATE TABLE credential_claims (
    credential_id TEXT PRIMARY KEY REFERENCES credentials(id),
    token_hash TEXT NOT NULL UNIQUE,
    link_created_at TEXT NOT NULL,
    -- First claim; NULL until the learner saves the claim form.
    claimed_at TEXT,
    -- Last time the learner saved the form.
    updated_at TEXT,
    display_name TEXT,
    did TEXT,
    -- JSON array of the indexes (in the credential's evidence list) the learner hid.
    hidden_evidence TEXT NOT NULL DEFAULT '[]',
    -- Counters, each bumped by a single UPDATE ... SET n = n + 1.
    shared_count BIGINT NOT NULL DEFAULT 0,
    downloaded_count BIGINT NOT NULL DEFAULT 0,
    verified_count BIGINT NOT NULL DEFAULT 0
);

-- Credentials issued before claims existed get a claim whose link cannot be
-- opened (no SHA-256 hex digest starts with "none:"); the issuer makes a link
-- with POST .../credentials/{id}/claim-link.
INSERT INTO credential_claims (credential_id, token_hash, link_created_at)
SELECT id, 'none:' || id, issued_at FROM credentials;
