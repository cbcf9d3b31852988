-- D1–D8: customer events with rooms, sessions and speakers; guest lists; notes captured at
-- events become evidence that points back at the event.
-- Kept column for column in step with postgres/0008_events.sql.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('conference', 'user_group', 'roundtable', 'holiday_lunch', 'community_session')),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    place TEXT,
    city TEXT,
    industry TEXT,
    description TEXT,
    customer_target REAL NOT NULL DEFAULT 0.3333333333333333,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX events_date_idx ON events (starts_on);

CREATE TABLE event_rooms (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    main_stage INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX event_rooms_name_idx ON event_rooms (event_id, lower(name));

-- Times are wall-clock times in the event's time zone, as YYYY-MM-DDTHH:MM.
CREATE TABLE event_sessions (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    room_id INTEGER NOT NULL REFERENCES event_rooms (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('keynote', 'panel', 'workshop', 'demo', 'qa', 'fireside')),
    focus TEXT NOT NULL DEFAULT 'other' CHECK (focus IN ('customer_issues', 'roadmap', 'other')),
    topic TEXT,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX event_sessions_event_idx ON event_sessions (event_id, starts_at);
CREATE INDEX event_sessions_room_idx ON event_sessions (room_id);

CREATE TABLE event_speakers (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES event_sessions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'staff', 'academic', 'partner')),
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    name TEXT,
    organization TEXT,
    CHECK (kind <> 'customer' OR contact_id IS NOT NULL),
    CHECK (contact_id IS NOT NULL OR name IS NOT NULL)
);
CREATE INDEX event_speakers_session_idx ON event_speakers (session_id);
CREATE INDEX event_speakers_contact_idx ON event_speakers (contact_id);

CREATE TABLE event_guests (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    invited_on TEXT,
    rsvp TEXT NOT NULL DEFAULT 'pending' CHECK (rsvp IN ('pending', 'yes', 'maybe', 'no')),
    attended INTEGER NOT NULL DEFAULT 0,
    rep TEXT,
    key_guest INTEGER NOT NULL DEFAULT 0,
    wants_to_meet TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX event_guests_contact_idx ON event_guests (event_id, contact_id);
CREATE INDEX event_guests_by_contact_idx ON event_guests (contact_id);

ALTER TABLE evidence ADD COLUMN event_id INTEGER REFERENCES events (id) ON DELETE SET NULL;
CREATE INDEX evidence_event_idx ON evidence (event_id);
