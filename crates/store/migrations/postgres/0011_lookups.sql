-- Indexes for lookups added after the features that need them: a contact's latest NPS
-- answer (automatic nominations of promoters, B1/#8) without scanning every response.
CREATE INDEX nps_contact_idx ON nps_responses (contact_id, responded_on);
