-- An organization has as many status lists per purpose as it needs: list 0 is the one
-- every organization had, and a new list is opened when the newest one fills. Entries
-- and list versions are kept per list. SQLite cannot change a primary key in place,
-- so both tables are copied.
CREATE TABLE status_entries_by_list (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    purpose TEXT NOT NULL,
    list_number BIGINT NOT NULL,
    list_index BIGINT NOT NULL,
    credential_id TEXT NOT NULL,
    PRIMARY KEY (organization_id, purpose, list_number, list_index)
);
INSERT INTO status_entries_by_list (organization_id, purpose, list_number, list_index, credential_id)
    SELECT organization_id, purpose, 0, list_index, credential_id FROM status_entries;
DROP TABLE status_entries;
ALTER TABLE status_entries_by_list RENAME TO status_entries;
CREATE INDEX status_entries_by_credential ON status_entries(credential_id);

CREATE TABLE status_lists_by_number (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    purpose TEXT NOT NULL,
    list_number BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (organization_id, purpose, list_number)
);
INSERT INTO status_lists_by_number (organization_id, purpose, list_number, version)
    SELECT organization_id, purpose, 0, version FROM status_lists;
DROP TABLE status_lists;
ALTER TABLE status_lists_by_number RENAME TO status_lists;

-- Building a list reads only its set bits: the few revoked or suspended credentials.
CREATE INDEX credentials_revoked ON credentials(organization_id) WHERE revoked_at IS NOT NULL;
CREATE INDEX credentials_suspended ON credentials(organization_id) WHERE suspended = 1;
CREATE INDEX vc_api_credentials_revoked ON vc_api_credentials(organization_id) WHERE revoked_at IS NOT NULL;
CREATE INDEX vc_api_credentials_suspended ON vc_api_credentials(organization_id) WHERE suspended = 1;
