-- C3 search, C4 themes, C5 customer language. Kept in step with postgres/0009_themes.sql;
-- the search index is the one engine-specific part (SQLite: FTS5 here, PostgreSQL: a GIN
-- index on the text's tsvector).

-- C4: themes. One theme per evidence item at most; `pinned` members were put there by a
-- person (or by a pinned tag) and survive re-runs.
CREATE TABLE themes (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    named INTEGER NOT NULL DEFAULT 0,
    phrases TEXT NOT NULL DEFAULT '',
    signature TEXT NOT NULL DEFAULT '',
    quotes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE theme_members (
    evidence_id INTEGER PRIMARY KEY REFERENCES evidence (id) ON DELETE CASCADE,
    theme_id INTEGER NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
    pinned INTEGER NOT NULL DEFAULT 0,
    score REAL NOT NULL DEFAULT 0
);
CREATE INDEX theme_members_theme_idx ON theme_members (theme_id, evidence_id);

CREATE TABLE theme_tags (
    theme_id INTEGER NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (theme_id, tag)
);
CREATE UNIQUE INDEX theme_tags_tag_idx ON theme_tags (tag);

-- C3: the full-text index over evidence. `evidence_search` keeps, per item, the filter tokens
-- that were indexed with it (account, kind, level, month, day, segment, industry, tags, theme), so the
-- FTS row can always be removed with exactly what was put in. Triggers keep both in step in
-- the same transaction as the change; the store verifies the counts at start and rebuilds
-- the index if they ever disagree.
CREATE TABLE evidence_search (
    evidence_id INTEGER PRIMARY KEY REFERENCES evidence (id) ON DELETE CASCADE,
    facets TEXT NOT NULL
);

-- The filter tokens of an item, computed from the database as it is now. Values that may hold
-- any text are hex-encoded, so each is one token.
CREATE VIEW evidence_facets AS
SELECT e.id AS id,
    'a' || coalesce(e.account_id, 0) || ' k' || replace(e.kind, '_', '') || ' l' || e.level
    || ' m' || substr(e.occurred_on, 1, 4) || substr(e.occurred_on, 6, 2)
    || ' d' || substr(e.occurred_on, 1, 4) || substr(e.occurred_on, 6, 2) || substr(e.occurred_on, 9, 2)
    || CASE WHEN a.segment IS NULL OR a.segment = '' THEN '' ELSE ' s' || hex(a.segment) END
    || CASE WHEN a.industry IS NULL OR a.industry = '' THEN '' ELSE ' i' || hex(a.industry) END
    || coalesce((SELECT group_concat(' t' || hex(t.tag), '') FROM evidence_tags t WHERE t.evidence_id = e.id), '')
    || coalesce((SELECT ' h' || tm.theme_id FROM theme_members tm WHERE tm.evidence_id = e.id), '')
    AS facets
FROM evidence e LEFT JOIN accounts a ON a.id = e.account_id;

-- What the FTS table indexes (and reads back for highlighting).
CREATE VIEW evidence_search_content AS
SELECT e.id AS id, e.body AS body, s.facets AS facets
FROM evidence e JOIN evidence_search s ON s.evidence_id = e.id;

CREATE VIRTUAL TABLE evidence_fts USING fts5(
    body, facets,
    content = 'evidence_search_content', content_rowid = 'id',
    tokenize = 'porter unicode61'
);

INSERT INTO evidence_search (evidence_id, facets) SELECT id, facets FROM evidence_facets;
INSERT INTO evidence_fts (evidence_fts) VALUES ('rebuild');

CREATE TRIGGER evidence_search_ai AFTER INSERT ON evidence BEGIN
    INSERT INTO evidence_search (evidence_id, facets) SELECT id, facets FROM evidence_facets WHERE id = new.id;
    INSERT INTO evidence_fts (rowid, body, facets) SELECT id, body, facets FROM evidence_search_content WHERE id = new.id;
END;
CREATE TRIGGER evidence_search_bu BEFORE UPDATE OF body, account_id, kind, level, occurred_on ON evidence BEGIN
    INSERT INTO evidence_fts (evidence_fts, rowid, body, facets) SELECT 'delete', id, body, facets FROM evidence_search_content WHERE id = old.id;
END;
CREATE TRIGGER evidence_search_au AFTER UPDATE OF body, account_id, kind, level, occurred_on ON evidence BEGIN
    UPDATE evidence_search SET facets = (SELECT facets FROM evidence_facets WHERE id = new.id) WHERE evidence_id = new.id;
    INSERT INTO evidence_fts (rowid, body, facets) SELECT id, body, facets FROM evidence_search_content WHERE id = new.id;
END;
CREATE TRIGGER evidence_search_bd BEFORE DELETE ON evidence BEGIN
    INSERT INTO evidence_fts (evidence_fts, rowid, body, facets) SELECT 'delete', id, body, facets FROM evidence_search_content WHERE id = old.id;
END;

CREATE TRIGGER evidence_tags_search_bi BEFORE INSERT ON evidence_tags
WHEN NOT EXISTS (SELECT 1 FROM evidence_tags WHERE evidence_id = new.evidence_id AND tag = new.tag) BEGIN
    INSERT INTO evidence_fts (evidence_fts, rowid, body, facets) SELECT 'delete', id, body, facets FROM evidence_search_content WHERE id = new.evidence_id;
END;
CREATE TRIGGER evidence_tags_search_ai AFTER INSERT ON evidence_tags BEGIN
    UPDATE evidence_search SET facets = (SELECT facets FROM evidence_facets WHERE id = new.evidence_id)
        WHERE evidence_id = new.evidence_id AND EXISTS (SELECT 1 FROM evidence WHERE id = new.evidence_id);
    INSERT INTO evidence_fts (rowid, body, facets) SELECT id, body, facets FROM evidence_search_content WHERE id = new.evidence_id;
END;
CREATE TRIGGER evidence_tags_search_bd BEFORE DELETE ON evidence_tags BEGIN
    INSERT INTO evidence_fts (evidence_fts, rowid, body, facets) SELECT 'delete', id, body, facets FROM evidence_search_content WHERE id = old.evidence_id;
END;
CREATE TRIGGER evidence_tags_search_ad AFTER DELETE ON evidence_tags BEGIN
    UPDATE evidence_search SET facets = (SELECT facets FROM evidence_facets WHERE id = old.evidence_id)
        WHERE evidence_id = old.evidence_id AND EXISTS (SELECT 1 FROM evidence WHERE id = old.evidence_id);
    INSERT INTO evidence_fts (rowid, body, facets) SELECT id, body, facets FROM evidence_search_content WHERE id = old.evidence_id;
END;

CREATE TRIGGER accounts_search_bu BEFORE UPDATE OF segment, industry ON accounts BEGIN
    INSERT INTO evidence_fts (evidence_fts, rowid, body, facets)
        SELECT 'delete', c.id, c.body, c.facets FROM evidence e JOIN evidence_search_content c ON c.id = e.id WHERE e.account_id = old.id;
END;
CREATE TRIGGER accounts_search_au AFTER UPDATE OF segment, industry ON accounts BEGIN
    UPDATE evidence_search SET facets = (SELECT facets FROM evidence_facets f WHERE f.id = evidence_search.evidence_id)
        WHERE evidence_id IN (SELECT id FROM evidence WHERE account_id = new.id);
    INSERT INTO evidence_fts (rowid, body, facets)
        SELECT c.id, c.body, c.facets FROM evidence e JOIN evidence_search_content c ON c.id = e.id WHERE e.account_id = new.id;
END;

-- Theme membership is a filter too (C4 re-runs change it in bulk; only changed rows fire).
CREATE TRIGGER theme_members_search_bi BEFORE INSERT ON theme_members BEGIN
    INSERT INTO evidence_fts (evidence_fts, rowid, body, facets) SELECT 'delete', id, body, facets FROM evidence_search_content WHERE id = new.evidence_id;
END;
CREATE TRIGGER theme_members_search_ai AFTER INSERT ON theme_members BEGIN
    UPDATE evidence_search SET facets = (SELECT facets FROM evidence_facets WHERE id = new.evidence_id)
        WHERE evidence_id = new.evidence_id AND EXISTS (SELECT 1 FROM evidence WHERE id = new.evidence_id);
    INSERT INTO evidence_fts (rowid, body, facets) SELECT id, body, facets FROM evidence_search_content WHERE id = new.evidence_id;
END;
CREATE TRIGGER theme_members_search_bu BEFORE UPDATE OF theme_id, evidence_id ON theme_members BEGIN
    INSERT INTO evidence_fts (evidence_fts, rowid, body, facets) SELECT 'delete', id, body, facets FROM evidence_search_content WHERE id = old.evidence_id;
END;
CREATE TRIGGER theme_members_search_au AFTER UPDATE OF theme_id, evidence_id ON theme_members BEGIN
    UPDATE evidence_search SET facets = (SELECT facets FROM evidence_facets WHERE id = new.evidence_id)
        WHERE evidence_id = new.evidence_id AND EXISTS (SELECT 1 FROM evidence WHERE id = new.evidence_id);
    INSERT INTO evidence_fts (rowid, body, facets) SELECT id, body, facets FROM evidence_search_content WHERE id = new.evidence_id;
END;
CREATE TRIGGER theme_members_search_bd BEFORE DELETE ON theme_members BEGIN
    INSERT INTO evidence_fts (evidence_fts, rowid, body, facets) SELECT 'delete', id, body, facets FROM evidence_search_content WHERE id = old.evidence_id;
END;
CREATE TRIGGER theme_members_search_ad AFTER DELETE ON theme_members BEGIN
    UPDATE evidence_search SET facets = (SELECT facets FROM evidence_facets WHERE id = old.evidence_id)
        WHERE evidence_id = old.evidence_id AND EXISTS (SELECT 1 FROM evidence WHERE id = old.evidence_id);
    INSERT INTO evidence_fts (rowid, body, facets) SELECT id, body, facets FROM evidence_search_content WHERE id = old.evidence_id;
END;

CREATE TABLE theme_runs (
    id INTEGER PRIMARY KEY,
    items INTEGER NOT NULL,
    themes INTEGER NOT NULL,
    kept INTEGER NOT NULL,
    created INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    silhouette REAL,
    millis INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- C5: the company's own vocabulary.
CREATE TABLE glossary (
    id INTEGER PRIMARY KEY,
    term TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('product', 'marketing', 'feature', 'other')),
    note TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX glossary_term_idx ON glossary (lower(term));
