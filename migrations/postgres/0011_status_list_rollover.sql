-- An organization has as many status lists per purpose as it needs: list 0 is the one
-- every organization had, and a new list is opened when the newest one fills. Entries
-- and list versions are kept per list.
ALTER TABLE status_entries ADD COLUMN list_number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE status_entries DROP CONSTRAINT status_entries_pkey;
ALTER TABLE status_entries ADD PRIMARY KEY (organization_id, purpose, list_number, list_index);
ALTER TABLE status_entries ALTER COLUMN list_number DROP DEFAULT;
ALTER TABLE status_entries ADD COLUMN is_set BIGINT NOT NULL DEFAULT 0;

ALTER TABLE status_lists ADD COLUMN list_number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE status_lists DROP CONSTRAINT status_lists_pkey;
ALTER TABLE status_lists ADD PRIMARY KEY (organization_id, purpose, list_number);
ALTER TABLE status_lists ALTER COLUMN list_number DROP DEFAULT;

-- Each entry carries its bit, set when its credential is revoked (or suspended), so
-- that building a list reads only its set entries, through a partial index.
UPDATE status_entries SET is_set = 1 WHERE purpose = 'revocation' AND credential_id IN
    (SELECT id FROM credentials WHERE revoked_at IS NOT NULL
     UNION SELECT id FROM vc_api_credentials WHERE revoked_at IS NOT NULL);
UPDATE status_entries SET is_set = 1 WHERE purpose = 'suspension' AND credential_id IN
    (SELECT id FROM credentials WHERE suspended = 1
     UNION SELECT id FROM vc_api_credentials WHERE suspended = 1);
CREATE INDEX status_entries_set ON status_entries(organization_id, purpose, list_number, list_index) WHERE is_set = 1;
