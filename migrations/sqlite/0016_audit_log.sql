-- Every change to an organization's records: what changed, who changed it (a staff
-- member, an API key, a reviewer through their link, or the service itself) and when.
-- Rows are only ever added; issuer-admins read them newest first.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    actor_name TEXT,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX audit_log_newest ON audit_log (organization_id, at DESC, id DESC);
