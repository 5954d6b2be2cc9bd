-- peel schema version 19: the open-data indexes no query uses any more.
-- Keep in step with the other engine's 0019_open_data_unused_indexes.sql.
--
-- Every answer about crimes, outcomes and stops comes from the open data
-- held in memory, built by reading these tables whole; nothing looks rows
-- up by persistent id or by month and map point. Those indexes only slowed
-- imports: their keys arrive in random order, and for a national year
-- (about 6.5 million crimes) keeping them cost more than writing the rows.
-- `(force_id, month)` stays on each table: replacing a force-month and
-- exporting one find its rows by it.
DROP INDEX IF EXISTS crimes_month_location;
DROP INDEX IF EXISTS crimes_persistent_id;
DROP INDEX IF EXISTS outcomes_month_location;
DROP INDEX IF EXISTS outcomes_persistent_id;
DROP INDEX IF EXISTS stops_month_location;
