-- B1–B4: advocate profiles, motivations, activities (what they took part in, references
-- given), incentives (flagged), settings, reference requests and their timeline.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE advocate_profiles (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    lead_user INTEGER NOT NULL DEFAULT 0,
    modifies_product INTEGER NOT NULL DEFAULT 0,
    notes TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE advocate_motivations (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    motivation TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (contact_id, motivation)
);

CREATE TABLE reference_requests (
    id INTEGER PRIMARY KEY,
    requested_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    requested_by TEXT NOT NULL,
    prospect_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    prospect_name TEXT NOT NULL,
    deal_value INTEGER NOT NULL DEFAULT 0,
    needed_by TEXT,
    activity TEXT NOT NULL,
    criteria_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'requested',
    advocate_contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    outcome TEXT NOT NULL DEFAULT 'open',
    revenue_influenced INTEGER NOT NULL DEFAULT 0,
    last_match_count INTEGER,
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX reference_requests_status_idx ON reference_requests (status);
CREATE INDEX reference_requests_user_idx ON reference_requests (requested_by_user_id);

CREATE TABLE reference_steps (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES reference_requests (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    note TEXT
);
CREATE INDEX reference_steps_request_idx ON reference_steps (request_id);

CREATE TABLE advocate_activities (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    opportunity TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('offered', 'accepted', 'declined', 'completed')),
    occurred_on TEXT NOT NULL,
    request_id INTEGER REFERENCES reference_requests (id) ON DELETE SET NULL,
    notes TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX advocate_activities_contact_idx ON advocate_activities (contact_id, occurred_on);
CREATE INDEX advocate_activities_date_idx ON advocate_activities (occurred_on);

CREATE TABLE incentives (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('gift', 'special_deal')),
    given_on TEXT NOT NULL,
    description TEXT NOT NULL,
    value INTEGER NOT NULL DEFAULT 0,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX incentives_contact_idx ON incentives (contact_id);

ALTER TABLE contacts ADD COLUMN languages TEXT NOT NULL DEFAULT '';

-- Bumped by every committed change, so caches (the advocate snapshot) know when they are stale,
-- whichever process made the change.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('revision', 0);
