-- peel schema version 9: Open311 GeoReport v2 intake. Keep in step with the
-- other engine's 0009_open311.sql: a test checks both create the same tables
-- and columns.

-- The token given back with each service request taken over Open311, so
-- apps that wait for a token can find their request (GET tokens/{token}).
-- Reports themselves live in asb_reports (channel 'open311').
CREATE TABLE open311_tokens (
    token     TEXT PRIMARY KEY,
    report_id BIGINT NOT NULL UNIQUE REFERENCES asb_reports(id),
    issued_at TEXT NOT NULL
);
