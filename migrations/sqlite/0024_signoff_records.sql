-- Signed records of sign-offs approved after the credential was issued (non-blocking
-- employer or expert validation): each an EndorsementCredential of the issuer about the
-- credential, kept as signed and served from the credential's URL.
CREATE TABLE signoff_records (
    id TEXT PRIMARY KEY,
    signoff_id TEXT NOT NULL UNIQUE REFERENCES signoff_requests(id),
    credential_id TEXT NOT NULL REFERENCES credentials(id),
    document TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX signoff_records_by_credential ON signoff_records (credential_id, created_at);
