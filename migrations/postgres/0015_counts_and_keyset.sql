-- issuedCount is counted from the credentials where it is shown, instead of a
-- counter row that every issuing transaction updated and held until it committed
-- (on PostgreSQL, concurrent issuances of one achievement queued on that row).
CREATE INDEX credentials_by_achievement ON credentials(achievement_id, achievement_version);
ALTER TABLE achievement_versions DROP COLUMN issued_count;
-- Bumped by every edit in place: an issuing transaction checks that the version it
-- signed is still the stored one (see store/achievements.rs, "edit_lock").
ALTER TABLE achievement_versions ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- Keyset pagination: listings continue after the last row seen, in index order,
-- instead of counting past an OFFSET.
DROP INDEX credentials_by_org;
CREATE INDEX credentials_by_org ON credentials(organization_id, issued_at, id);
CREATE INDEX learner_progress_by_update ON learner_progress(organization_id, updated_at, learner_id, achievement_id);
