-- Reference program operations (extends B1, B3, B4, F3): consent per activity type, nominations
-- of would-be advocates, feedback after an activity (one-time links for advocates), manager
-- confirmation, and the competitor an account replaced. Kept column for column in step with
-- postgres/0007_reference_ops.sql.
--
-- A contact's single `reference_consent` stays: it is the consent for every activity type
-- that has no record of its own here, so existing consent keeps working unchanged.
CREATE TABLE contact_consents (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    activity TEXT NOT NULL CHECK (activity IN ('reference_call', 'site_visit', 'speaking', 'media', 'case_study', 'video', 'review', 'logo', 'quote')),
    consent TEXT NOT NULL CHECK (consent IN ('no', 'ask_first', 'yes')),
    given_on TEXT NOT NULL,
    expires_on TEXT,
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (contact_id, activity)
);
CREATE INDEX contact_consents_expiry_idx ON contact_consents (expires_on);

CREATE TABLE nominations (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL UNIQUE REFERENCES contacts (id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('manual', 'nps_promoter', 'praise')),
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'nominated' CHECK (status IN ('nominated', 'contacted', 'recruited', 'active', 'declined')),
    nominated_by TEXT NOT NULL,
    nominated_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    touched_at TEXT NOT NULL,
    touched_by TEXT NOT NULL
);
CREATE INDEX nominations_status_idx ON nominations (status, touched_at);

CREATE TABLE reference_feedback (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES reference_requests (id) ON DELETE CASCADE,
    side TEXT NOT NULL CHECK (side IN ('rep', 'advocate')),
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    helped INTEGER NOT NULL,
    prospect_asked TEXT,
    comments TEXT,
    would_repeat INTEGER,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (request_id, side)
);

CREATE TABLE feedback_links (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES reference_requests (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX feedback_links_request_idx ON feedback_links (request_id);

ALTER TABLE reference_requests ADD COLUMN confirmed_by TEXT;
ALTER TABLE reference_requests ADD COLUMN confirmed_at TEXT;
CREATE INDEX reference_requests_advocate_idx ON reference_requests (advocate_contact_id, status);
ALTER TABLE accounts ADD COLUMN competitor_replaced TEXT;
