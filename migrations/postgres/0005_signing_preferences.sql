-- How an organization signs: the Data Integrity cryptosuite, and whether a VC-JWT
-- form of each credential is issued as well.
ALTER TABLE organizations ADD COLUMN cryptosuite TEXT NOT NULL DEFAULT 'eddsa-rdfc-2022';
ALTER TABLE organizations ADD COLUMN issue_jwt BIGINT NOT NULL DEFAULT 0;
