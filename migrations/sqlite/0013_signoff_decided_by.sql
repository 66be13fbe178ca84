-- Who decided a sign-off, as the reviewer confirmed it on the page (or the API caller
-- gave it): the name and role recorded with the decision.
ALTER TABLE signoff_requests ADD COLUMN decided_by_name TEXT;
ALTER TABLE signoff_requests ADD COLUMN decided_by_role TEXT;
