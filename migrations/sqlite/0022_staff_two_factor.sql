-- Optional two-factor sign-in for staff (RFC 6238 codes): the secret sealed under the
-- master key (base64), the one awaiting its first code while being set up, and the
-- last step a code was accepted for, so a code is never accepted twice.
ALTER TABLE staff_accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE staff_accounts ADD COLUMN totp_pending TEXT;
ALTER TABLE staff_accounts ADD COLUMN totp_last_step BIGINT;
