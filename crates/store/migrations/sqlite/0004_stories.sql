-- B5, B6: authentic customer stories with the contacts who tell them and their media links;
-- third-party educators (review sites, analyst firms), reviews advocates post on them, and
-- the buyer-journey survey of where new customers learned about us.
-- Kept column for column in step with postgres/0004_stories.sql.
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stage TEXT NOT NULL CHECK (stage IN ('awareness', 'consideration', 'decision', 'onboarding', 'expansion')),
    approval TEXT NOT NULL DEFAULT 'draft' CHECK (approval IN ('draft', 'sent_for_approval', 'approved', 'declined')),
    challenge TEXT,
    context TEXT,
    result TEXT,
    good TEXT,
    bad TEXT,
    ugly TEXT,
    not_a_fit TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX stories_account_idx ON stories (account_id);

CREATE TABLE story_contacts (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (story_id, contact_id)
);
CREATE INDEX story_contacts_contact_idx ON story_contacts (contact_id);

CREATE TABLE story_media (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (story_id, position)
);

CREATE TABLE third_parties (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('review_site', 'analyst_firm')),
    url TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Names are matched ignoring case (imports name third parties).
CREATE UNIQUE INDEX third_parties_name_idx ON third_parties (lower(name));

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    third_party_id INTEGER NOT NULL REFERENCES third_parties (id) ON DELETE CASCADE,
    reviewed_on TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title TEXT,
    link TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX reviews_contact_idx ON reviews (contact_id);
CREATE INDEX reviews_third_party_idx ON reviews (third_party_id, reviewed_on);

-- One row per source an account named; exactly one of third_party_id and other_source is set.
CREATE TABLE source_responses (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    third_party_id INTEGER REFERENCES third_parties (id) ON DELETE CASCADE,
    other_source TEXT CHECK (other_source IN ('peer_recommendation', 'event', 'search', 'sales_outreach', 'social_media', 'other')),
    responded_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((third_party_id IS NULL) <> (other_source IS NULL))
);
CREATE INDEX source_responses_account_idx ON source_responses (account_id);
CREATE INDEX source_responses_third_party_idx ON source_responses (third_party_id);
CREATE INDEX source_responses_date_idx ON source_responses (responded_on);
