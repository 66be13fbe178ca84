-- Organization staff who work in the console (/console) with a password, rather than
-- machines with API keys. One account per email address.
CREATE TABLE staff_accounts (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    -- issuer-admin, issuer or viewer.
    role TEXT NOT NULL,
    -- argon2id, as a PHC string.
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

-- Invitations to create an account: the link's token is kept as its SHA-256 only.
CREATE TABLE staff_invitations (
    token_hash TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT
);

-- Signed-in sessions, by the SHA-256 of the cookie's token, each with the token its
-- forms must carry (CSRF).
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES staff_accounts(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX staff_sessions_by_account ON staff_sessions(account_id);

-- Failed sign-ins, counted per email address and per client address to slow guessing.
CREATE TABLE sign_in_failures (
    email TEXT NOT NULL,
    client TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures(email, failed_at);
CREATE INDEX sign_in_failures_by_client ON sign_in_failures(client, failed_at);
