-- The row `/readyz` writes to prove the database takes writes now: one row per name,
-- updated in place (its size never grows); `writes` counts the probes that were committed.
CREATE TABLE readiness_probes (
    name TEXT PRIMARY KEY,
    checked_at TEXT NOT NULL,
    writes BIGINT NOT NULL
);
