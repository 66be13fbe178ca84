-- Platform admins in the console: a staff account may also administer the platform
-- (every organization), while it still belongs to its home organization. Only the
-- command line or another platform admin grants it, through an invitation that says so.
-- Flags are integers, as everywhere in this schema (read the same through sqlx Any).
ALTER TABLE staff_accounts ADD COLUMN platform_admin BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff_invitations ADD COLUMN platform_admin BIGINT NOT NULL DEFAULT 0;
