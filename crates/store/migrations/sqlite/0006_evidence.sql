-- C1, C2: the voice of the customer. Every piece of customer text is one evidence row; rows
-- that come from a touchpoint note, an NPS comment or a review point back at it (and follow it
-- when it changes or goes), rows split from a transcript point at the moment in the recording.
-- Kept column for column in step with postgres/0006_evidence.sql.
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('video', 'audio')),
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    recorded_on TEXT,
    file_name TEXT,
    link TEXT,
    duration_ms INTEGER,
    consent TEXT NOT NULL DEFAULT 'none' CHECK (consent IN ('none', 'internal', 'external')),
    transcript_format TEXT CHECK (transcript_format IN ('text', 'srt', 'vtt')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX media_account_idx ON media (account_id);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    body TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('touchpoint', 'nps', 'transcript', 'event', 'review', 'pasted', 'import')),
    account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    occurred_on TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('problem', 'wish', 'praise', 'why_bought', 'existential_threat', 'recommendation', 'language')),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    suggested INTEGER NOT NULL DEFAULT 1,
    sentiment REAL NOT NULL DEFAULT 0,
    touchpoint_id INTEGER UNIQUE REFERENCES touchpoints (id) ON DELETE CASCADE,
    nps_response_id INTEGER UNIQUE REFERENCES nps_responses (id) ON DELETE CASCADE,
    review_id INTEGER UNIQUE REFERENCES reviews (id) ON DELETE CASCADE,
    media_id INTEGER REFERENCES media (id) ON DELETE CASCADE,
    media_start_ms INTEGER,
    media_end_ms INTEGER,
    created_by TEXT NOT NULL DEFAULT 'import',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX evidence_account_idx ON evidence (account_id, occurred_on);
CREATE INDEX evidence_contact_idx ON evidence (contact_id);
CREATE INDEX evidence_date_idx ON evidence (occurred_on);
CREATE INDEX evidence_media_idx ON evidence (media_id, media_start_ms);

CREATE TABLE evidence_tags (
    evidence_id INTEGER NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (evidence_id, tag)
);
CREATE INDEX evidence_tags_tag_idx ON evidence_tags (tag, evidence_id);
