-- peel schema version 11: local ASB service standards and victim contacts.
-- Keep in step with ../postgres/0011_asb_standards.sql: a test checks both
-- create the same tables and columns. Instants are TEXT in the fixed UTC
-- form of 0004.
--
-- No foreign key points at csps: importing a force's areas replaces its
-- rows, and standards and cases must outlive that.

-- Each partnership's published standards, one row per version. A case is
-- judged by the newest version adopted when it was opened. The document is
-- the JSON peel_core::asb::Standards reads.
CREATE TABLE asb_standards (
    id         INTEGER PRIMARY KEY,
    force_id   TEXT NOT NULL,
    csp_id     TEXT NOT NULL,
    version    TEXT NOT NULL,
    document   TEXT NOT NULL,
    adopted_at TEXT NOT NULL,
    adopted_by TEXT NOT NULL,
    UNIQUE (force_id, csp_id, version)
);

-- The partnership a case is handled under. Cases opened before this version
-- have none, and are judged by the national default.
ALTER TABLE asb_cases ADD COLUMN force_id TEXT;
ALTER TABLE asb_cases ADD COLUMN csp_id TEXT;

-- Each contact with or update to the victim: when, how and by whom.
CREATE TABLE asb_victim_contacts (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES asb_cases(id),
    contacted_at TEXT NOT NULL,
    method       TEXT NOT NULL,
    note         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX asb_victim_contacts_case ON asb_victim_contacts (case_id, contacted_at);
