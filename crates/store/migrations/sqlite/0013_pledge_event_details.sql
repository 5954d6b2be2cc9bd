-- peel schema version 13: the rest of a Pledge event as columns, so that
-- almost no event needs its own JSON document stored beside them (a
-- document is most of a row: storing one for every duty doubled what a
-- force-month of events took on disk and to write). Keep in step with
-- ../postgres/0013_pledge_event_details.sql.
--
-- Rows stored before this version keep their documents, which are read
-- in preference to the columns, so nothing needs converting.

-- duty: the officer's reference (a force's own, not a name)
ALTER TABLE pledge_events ADD COLUMN officer_ref TEXT;
-- meeting: how many people came, where the force recorded it
ALTER TABLE pledge_events ADD COLUMN attendance BIGINT;
-- The UTC offset, in seconds, that every time of the event was sent with
-- (3600 for British Summer Time); NULL for UTC. An event whose times were
-- sent with different offsets keeps its document.
ALTER TABLE pledge_events ADD COLUMN utc_offset INTEGER;
