-- E1–E3: saved quarterly-review agendas (E2; the analysis is derived from the agenda and the
-- vocabulary whenever it is shown), the analyzer's remembered corrections, and indexes for
-- the scorecard and dashboards.
CREATE TABLE quarterly_reviews (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    held_on TEXT,
    format TEXT NOT NULL CHECK (format IN ('csv', 'markdown')),
    agenda TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX quarterly_reviews_held_idx ON quarterly_reviews (held_on);

CREATE TABLE agenda_vocabulary (
    id INTEGER PRIMARY KEY,
    phrase TEXT NOT NULL UNIQUE,
    class TEXT NOT NULL CHECK (class IN ('product', 'sales', 'operations', 'customer_value')),
    example TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Touchpoints by day (the scorecard's and dashboards' touch log reads a window of days through
-- it); commitments by due date with what "kept on time" needs, so counting reads the index only.
CREATE INDEX touchpoints_date_idx ON touchpoints (occurred_on, account_id);
CREATE INDEX commitments_due_idx ON commitments (due_on, status, closed_on, account_id);
