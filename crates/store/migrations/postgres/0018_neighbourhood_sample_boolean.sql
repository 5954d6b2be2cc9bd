-- peel schema version 18: on SQLite, a neighbourhood's `sample` flag becomes
-- the BOOLEAN it always was here (../sqlite/0018_neighbourhood_sample_boolean.sql).
-- Nothing changes on PostgreSQL; the version keeps both engines in step.
SELECT 1;
