-- Each learner's latest evaluated state per achievement, for listings and filters.
CREATE TABLE learner_progress (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    learner_id TEXT NOT NULL REFERENCES learners(id),
    achievement_id TEXT NOT NULL REFERENCES achievements(id),
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (learner_id, achievement_id)
);
CREATE INDEX learner_progress_by_org ON learner_progress(organization_id, achievement_id, state);
