-- peel schema version 8: what Pledge compliance reads of each event, as
-- typed columns, so a force-month of a million events is computed without
-- decoding any JSON. Keep in step with ../sqlite/0008_pledge_event_columns.sql.
--
-- Rows stored before this version get their columns from their JSON when
-- peel next opens the database (Store::migrate), by the same code that fills
-- them on ingest; until then `first_at` is NULL, and the partial index
-- finds those rows without reading the table.

-- Epoch seconds (UTC) of the event's times. `first_at` is the time that
-- decides its month: received_at (call, message, dissatisfaction),
-- created_at (incident), start (duty, victim plan), held_at (meeting) or at
-- (victim update). `second_at` is when it was done or ended: answered_at,
-- arrived_at, replied_at, acknowledged_at, or the end of a duty or plan.
ALTER TABLE pledge_events ADD COLUMN first_at BIGINT;
ALTER TABLE pledge_events ADD COLUMN second_at BIGINT;
ALTER TABLE pledge_events ADD COLUMN appointment_at BIGINT;
-- Some time has a fraction of a second, which the columns above drop:
-- compliance then reads that event's JSON, so no figure depends on it.
ALTER TABLE pledge_events ADD COLUMN subsecond BOOLEAN;
ALTER TABLE pledge_events ADD COLUMN generated BOOLEAN;
-- call
ALTER TABLE pledge_events ADD COLUMN channel TEXT;
-- incident
ALTER TABLE pledge_events ADD COLUMN grade INTEGER;
ALTER TABLE pledge_events ADD COLUMN area TEXT;
ALTER TABLE pledge_events ADD COLUMN cancelled BOOLEAN;
-- duty
ALTER TABLE pledge_events ADD COLUMN minutes_in_neighbourhood BIGINT;
-- meeting
ALTER TABLE pledge_events ADD COLUMN kind TEXT;
-- victim plan and update
ALTER TABLE pledge_events ADD COLUMN crime_ref TEXT;
ALTER TABLE pledge_events ADD COLUMN agreed_interval_days BIGINT;

CREATE INDEX pledge_events_unconverted ON pledge_events (force_id) WHERE first_at IS NULL;
