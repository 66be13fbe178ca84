-- The console's sign-off queue: an organization's requests, newest first.
CREATE INDEX signoff_requests_queue ON signoff_requests (organization_id, created_at DESC, id DESC);
