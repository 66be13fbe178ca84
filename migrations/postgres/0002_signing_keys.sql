-- Organizations' Ed25519 signing keys. The seed is sealed (XChaCha20-Poly1305)
-- under the master key, bound to the key id and organization. Retired keys stay
-- so that credentials they signed keep verifying.
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    public_key_multibase TEXT NOT NULL,
    sealed_seed TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX signing_keys_by_org ON signing_keys(organization_id);
-- At most one current key per organization, whatever the number of instances.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys(organization_id) WHERE status = 'current';
