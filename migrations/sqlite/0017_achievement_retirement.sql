-- A retired micro-credential is issued no more; the credentials issued before stay
-- valid and its versions stay resolvable. NULL while it is offered.
ALTER TABLE achievements ADD COLUMN retired_at TEXT;
