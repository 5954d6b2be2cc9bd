-- peel schema version 18: a neighbourhood's `sample` flag is a BOOLEAN, as on
-- PostgreSQL (version 1 declared it INTEGER here; the values 0 and 1 read the
-- same, but the schema-parity test now compares column kinds too). Keep in
-- step with ../postgres/0018_neighbourhood_sample_boolean.sql, which has
-- nothing to change.
ALTER TABLE neighbourhoods ADD COLUMN sample_flag BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE neighbourhoods SET sample_flag = (sample <> 0);
ALTER TABLE neighbourhoods DROP COLUMN sample;
ALTER TABLE neighbourhoods RENAME COLUMN sample_flag TO sample;
