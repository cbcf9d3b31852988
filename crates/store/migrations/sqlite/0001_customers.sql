-- A1–A5: accounts, contacts, touchpoints, commitments, NPS responses.
-- Dates are ISO text (YYYY-MM-DD), timestamps RFC 3339 text in UTC; booleans 0/1.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    name TEXT NOT NULL,
    industry TEXT,
    region TEXT,
    country TEXT,
    city TEXT,
    employees INTEGER,
    segment TEXT,
    lifecycle TEXT NOT NULL DEFAULT 'customer' CHECK (lifecycle IN ('prospect', 'customer', 'former')),
    products TEXT NOT NULL DEFAULT '',
    annual_revenue INTEGER NOT NULL DEFAULT 0,
    cost_to_serve INTEGER NOT NULL DEFAULT 0,
    discount INTEGER NOT NULL DEFAULT 0,
    customer_since TEXT,
    renewal_date TEXT,
    owner TEXT,
    at_risk INTEGER NOT NULL DEFAULT 0,
    at_risk_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX accounts_name_idx ON accounts (name);
CREATE INDEX accounts_industry_idx ON accounts (industry);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT,
    role TEXT,
    email TEXT,
    phone TEXT,
    city TEXT,
    topics TEXT NOT NULL DEFAULT '',
    reference_consent TEXT NOT NULL DEFAULT 'no' CHECK (reference_consent IN ('no', 'ask_first', 'yes')),
    do_not_contact INTEGER NOT NULL DEFAULT 0,
    public_link TEXT,
    audience_size INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contacts_account_idx ON contacts (account_id);
CREATE INDEX contacts_name_idx ON contacts (name);

CREATE TABLE touchpoints (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    staff TEXT,
    notes TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX touchpoints_account_idx ON touchpoints (account_id, occurred_on);

CREATE TABLE touchpoint_contacts (
    touchpoint_id INTEGER NOT NULL REFERENCES touchpoints (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (touchpoint_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX touchpoint_contacts_contact_idx ON touchpoint_contacts (contact_id);

CREATE TABLE commitments (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    owner TEXT,
    due_on TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'missed')),
    closed_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX commitments_account_idx ON commitments (account_id);

CREATE TABLE nps_responses (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    comment TEXT,
    responded_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX nps_account_idx ON nps_responses (account_id, responded_on, score);
CREATE INDEX nps_responded_idx ON nps_responses (responded_on, account_id, score);
