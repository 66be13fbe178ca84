-- The algorithm of an organization's VC-JWTs: EdDSA (its Ed25519 key) or RS256, the
-- algorithm Open Badges 3.0 asks every implementation to support.
ALTER TABLE organizations ADD COLUMN jwt_algorithm TEXT NOT NULL DEFAULT 'EdDSA';

-- Organizations' RSA keys for RS256, made when RS256 is chosen. The private key
-- (PKCS#8 DER) is sealed as the Ed25519 seeds are: under the master key, bound to
-- the key id and organization. They rotate with the Ed25519 keys; retired keys stay
-- so that tokens they signed keep verifying.
CREATE TABLE rsa_signing_keys (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    public_jwk TEXT NOT NULL,
    sealed_key TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX rsa_signing_keys_by_org ON rsa_signing_keys(organization_id);
-- At most one current RSA key per organization, whatever the number of instances.
CREATE UNIQUE INDEX rsa_signing_keys_one_current ON rsa_signing_keys(organization_id) WHERE status = 'current';
