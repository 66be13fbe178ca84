-- An organization has as many status lists per purpose as it needs: list 0 is the one
-- every organization had, and a new list is opened when the newest one fills. Entries
-- and list versions are kept per list.
ALTER TABLE status_entries ADD COLUMN list_number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE status_entries DROP CONSTRAINT status_entries_pkey;
ALTER TABLE status_entries ADD PRIMARY KEY (organization_id, purpose, list_number, list_index);
ALTER TABLE status_entries ALTER COLUMN list_number DROP DEFAULT;

ALTER TABLE status_lists ADD COLUMN list_number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE status_lists DROP CONSTRAINT status_lists_pkey;
ALTER TABLE status_lists ADD PRIMARY KEY (organization_id, purpose, list_number);
ALTER TABLE status_lists ALTER COLUMN list_number DROP DEFAULT;

-- Building a list reads only its set bits: the few revoked or suspended credentials.
CREATE INDEX credentials_revoked ON credentials(organization_id) WHERE revoked_at IS NOT NULL;
CREATE INDEX credentials_suspended ON credentials(organization_id) WHERE suspended = 1;
CREATE INDEX vc_api_credentials_revoked ON vc_api_credentials(organization_id) WHERE revoked_at IS NOT NULL;
CREATE INDEX vc_api_credentials_suspended ON vc_api_credentials(organization_id) WHERE suspended = 1;
