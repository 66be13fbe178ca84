-- The transactional outbox: a message is written in the same transaction as what
-- causes it (a credential issued, a sign-off requested), and the mailer delivers it
-- later, with retries. A message is leased before it is sent, so that several
-- instances never send it at once, and marked sent once the server accepted it.
CREATE TABLE outbox_messages (
    id TEXT PRIMARY KEY,
    organization_id TEXT REFERENCES organizations(id),
    -- credential-issued, signoff-requested, ...
    kind TEXT NOT NULL,
    -- What the message is about (a credential, a sign-off request), for the console.
    subject_id TEXT,
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- When it may be sent next.
    due_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    -- A sender holds it until then.
    leased_until TEXT,
    sent_at TEXT,
    -- Given up: refused for good, or still failing a day after it was written.
    failed_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_messages_due ON outbox_messages (due_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_messages_by_organization ON outbox_messages (organization_id, created_at DESC, id DESC);
