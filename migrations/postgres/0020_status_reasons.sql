-- Why a credential was revoked or suspended: for the organization (revocation_reason,
-- suspension_reason: never shown outside it) and, only when the issuer writes one,
-- for the public (public_reason: shown on the badge page while the status lasts).
-- Until now the revocation reason was shown publicly; it becomes private, and no
-- public reason is made up for credentials revoked before.
ALTER TABLE credentials ADD COLUMN suspension_reason TEXT;
ALTER TABLE credentials ADD COLUMN public_reason TEXT;
