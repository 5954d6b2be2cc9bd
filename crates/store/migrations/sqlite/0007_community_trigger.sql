-- peel schema version 7: the Community Trigger (ASB case review, Anti-social
-- Behaviour, Crime and Policing Act 2014 ss104-105). Keep in step with
-- ../postgres/0007_community_trigger.sql: a test checks both create the same
-- tables and columns. Days are TEXT (2026-11-25), instants TEXT in the fixed
-- UTC form of 0004.
--
-- No foreign key points at csps: importing a force's areas replaces its
-- rows, and case reviews must outlive that. The store checks the CSP exists
-- when a procedure is adopted.

-- Each partnership's published procedure, one row per version; the newest
-- is in force. The document is the JSON peel_core::trigger::Procedure reads.
CREATE TABLE trigger_procedures (
    id         INTEGER PRIMARY KEY,
    force_id   TEXT NOT NULL,
    csp_id     TEXT NOT NULL,
    version    TEXT NOT NULL,
    document   TEXT NOT NULL,
    adopted_at TEXT NOT NULL,
    adopted_by TEXT NOT NULL,
    UNIQUE (force_id, csp_id, version)
);

-- An application, with the procedure version in force when it arrived and
-- the automatic threshold check made then (JSON, with its reasons).
CREATE TABLE trigger_applications (
    id                INTEGER PRIMARY KEY,
    force_id          TEXT NOT NULL,
    csp_id            TEXT NOT NULL,
    procedure_id      INTEGER NOT NULL REFERENCES trigger_procedures(id),
    received_on       TEXT NOT NULL,
    applicant_name    TEXT NOT NULL,
    applicant_contact TEXT NOT NULL,
    on_behalf_of      TEXT,
    consent           BOOLEAN NOT NULL,
    summary           TEXT NOT NULL,
    vulnerable        BOOLEAN NOT NULL,
    discretion_by     TEXT,
    discretion_reason TEXT,
    evaluation        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL
);
CREATE INDEX trigger_applications_csp ON trigger_applications (force_id, csp_id, received_on);

-- The complaints an application cites, numbered as the applicant listed
-- them. A later migration adds a nullable report_id linking a stored ASB report.
CREATE TABLE trigger_complaints (
    application_id INTEGER NOT NULL REFERENCES trigger_applications(id),
    number         INTEGER NOT NULL,
    complainant    TEXT NOT NULL,
    agency         TEXT NOT NULL,
    incident       TEXT NOT NULL,
    behaviour_on   TEXT NOT NULL,
    complained_on  TEXT NOT NULL,
    hate_related   BOOLEAN NOT NULL,
    PRIMARY KEY (application_id, number)
);

-- The relevant bodies' threshold decision, with the procedure version and
-- the evaluation it rests on.
CREATE TABLE trigger_decisions (
    application_id    INTEGER PRIMARY KEY REFERENCES trigger_applications(id),
    decided_on        TEXT NOT NULL,
    threshold_met     BOOLEAN NOT NULL,
    met_by            TEXT,
    procedure_version TEXT NOT NULL,
    evaluation        TEXT NOT NULL,
    reason            TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    recorded_by       TEXT NOT NULL
);

-- Every other step: acknowledged, meeting, recommendations, appeal-lodged,
-- appeal-decided (outcome: upheld or not-upheld). Each at most once.
CREATE TABLE trigger_steps (
    application_id INTEGER NOT NULL REFERENCES trigger_applications(id),
    step           TEXT NOT NULL,
    on_date        TEXT NOT NULL,
    outcome        TEXT,
    notes          TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    PRIMARY KEY (application_id, step)
);

-- The review's recommendations and to whom each was made.
CREATE TABLE trigger_recommendations (
    application_id INTEGER NOT NULL REFERENCES trigger_applications(id),
    number         INTEGER NOT NULL,
    recipient      TEXT NOT NULL,
    action         TEXT NOT NULL,
    PRIMARY KEY (application_id, number)
);
