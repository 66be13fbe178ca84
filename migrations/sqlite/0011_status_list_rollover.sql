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
    is_set BIGINT NOT NULL DEFAULT 0,
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

-- Each entry carries its bit, set when its credential is revoked (or suspended), so
-- that building a list reads only its set entries, through a partial index.
UPDATE status_entries SET is_set = 1 WHERE purpose = 'revocation' AND credential_id IN
    (SELECT id FROM credentials WHERE revoked_at IS NOT NULL
     UNION SELECT id FROM vc_api_credentials WHERE revoked_at IS NOT NULL);
UPDATE status_entries SET is_set = 1 WHERE purpose = 'suspension' AND credential_id IN
    (SELECT id FROM credentials WHERE suspended = 1
     UNION SELECT id FROM vc_api_credentials WHERE suspended = 1);
CREATE INDEX status_entries_set ON status_entries(organization_id, purpose, list_number, list_index) WHERE is_set = 1;
