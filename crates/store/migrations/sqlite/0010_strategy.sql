-- C2, C7: recordings stored as files get their size and content type; strategy sessions
-- gather recordings and evidence to review together, with discussion notes per item; action
-- items link to the evidence and themes behind them.
-- Kept column for column in step with postgres/0010_strategy.sql.
ALTER TABLE media ADD COLUMN file_size INTEGER;
ALTER TABLE media ADD COLUMN content_type TEXT;
CREATE INDEX media_contact_idx ON media (contact_id);

CREATE TABLE strategy_sessions (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    attendees TEXT,
    notes TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX strategy_sessions_held_idx ON strategy_sessions (held_on);

CREATE TABLE strategy_items (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES strategy_sessions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    media_id INTEGER REFERENCES media (id) ON DELETE CASCADE,
    evidence_id INTEGER REFERENCES evidence (id) ON DELETE CASCADE,
    discussion TEXT,
    CHECK ((media_id IS NULL) <> (evidence_id IS NULL))
);
CREATE INDEX strategy_items_session_idx ON strategy_items (session_id, position);
CREATE INDEX strategy_items_media_idx ON strategy_items (media_id);
CREATE INDEX strategy_items_evidence_idx ON strategy_items (evidence_id);

CREATE TABLE action_items (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES strategy_sessions (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done')),
    done_on TEXT,
    notes TEXT,
    created_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX action_items_owner_idx ON action_items (status, owner);
CREATE INDEX action_items_session_idx ON action_items (session_id);

CREATE TABLE action_evidence (
    action_id INTEGER NOT NULL REFERENCES action_items (id) ON DELETE CASCADE,
    evidence_id INTEGER NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, evidence_id)
);
CREATE INDEX action_evidence_evidence_idx ON action_evidence (evidence_id);

-- Themes (C4) are re-run, merged and split, so a theme an action names may go away: the link
-- keeps the label it had, and no foreign key ends the link.
CREATE TABLE action_themes (
    action_id INTEGER NOT NULL REFERENCES action_items (id) ON DELETE CASCADE,
    theme_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (action_id, theme_id)
);
CREATE INDEX action_themes_theme_idx ON action_themes (theme_id);
