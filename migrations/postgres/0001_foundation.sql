-- Organizations, API keys, competency frameworks and achievement definitions.
-- Times are RFC 3339 UTC text; flags are BIGINT 0/1 (portable through sqlx::Any).

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT,
    email TEXT,
    description TEXT,
    logo TEXT,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    organization_id TEXT REFERENCES organizations(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_keys_by_org ON api_keys(organization_id);

CREATE TABLE frameworks (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    owner_id TEXT REFERENCES organizations(id),
    latest_version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE framework_versions (
    framework_id TEXT NOT NULL REFERENCES frameworks(id),
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (framework_id, version)
);

CREATE TABLE achievements (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    slug TEXT NOT NULL,
    latest_version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (organization_id, slug)
);

CREATE TABLE achievement_versions (
    achievement_id TEXT NOT NULL REFERENCES achievements(id),
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    issued_count BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (achievement_id, version)
);
