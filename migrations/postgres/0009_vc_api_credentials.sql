-- Credentials an organization signed through the W3C VC API (`/credentials/issue`) with
-- status entries. The service keeps not their documents, only what their status-list
-- bits need: each row is the `credential_id` of its `status_entries`.
CREATE TABLE vc_api_credentials (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    -- The document's own `id`, by which the VC API's status update names it: one per organization.
    credential_id TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    revoked_at TEXT,
    suspended BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX vc_api_credentials_by_document ON vc_api_credentials(organization_id, credential_id);
