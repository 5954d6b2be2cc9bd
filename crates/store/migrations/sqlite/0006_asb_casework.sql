-- peel schema version 6: anti-social behaviour reports, cases, tools and
-- powers, repeat-victim findings, risk assessments and the versioned rule
-- sets that made each decision. Keep in step with
-- ../postgres/0006_asb_casework.sql: a test checks both create the same
-- tables and columns. Instants are TEXT in the fixed UTC form; dates are
-- TEXT YYYY-MM-DD, so both compare as text.

-- Rule sets loaded by an ASB coordinator. The one shipped with peel is not
-- stored: it is compiled in. The newest row is the current one.
CREATE TABLE asb_rule_sets (
    id        INTEGER PRIMARY KEY,
    version   TEXT NOT NULL UNIQUE,
    document  TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL
);

CREATE TABLE asb_cases (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    status         TEXT NOT NULL,
    owner_org_id   INTEGER NOT NULL REFERENCES organisations(id),
    owner_user_id  INTEGER NOT NULL REFERENCES users(id),
    opened_at      TEXT NOT NULL,
    closed_at      TEXT,
    outcome        TEXT,
    closure_notes  TEXT
);
CREATE INDEX asb_cases_owner ON asb_cases (owner_org_id, status);

CREATE TABLE asb_reports (
    id                  INTEGER PRIMARY KEY,
    channel             TEXT NOT NULL,
    referred_by         TEXT NOT NULL,
    category            TEXT NOT NULL,
    hate_related        BOOLEAN NOT NULL,
    occurred_at         TEXT NOT NULL,
    location            TEXT NOT NULL,
    location_postcode   TEXT NOT NULL,
    location_key        TEXT NOT NULL,
    description         TEXT NOT NULL,
    recorded_at         TEXT NOT NULL,
    recorded_by_user_id INTEGER NOT NULL REFERENCES users(id),
    recorded_by_org_id  INTEGER NOT NULL REFERENCES organisations(id),
    -- The rule set whose repeat-victim rule judged this report.
    rules_version       TEXT NOT NULL,
    repeat_victim       BOOLEAN NOT NULL,
    case_id             INTEGER REFERENCES asb_cases(id)
);
CREATE INDEX asb_reports_recorded ON asb_reports (recorded_at);
CREATE INDEX asb_reports_location ON asb_reports (location_key);
CREATE INDEX asb_reports_org ON asb_reports (recorded_by_org_id);
CREATE INDEX asb_reports_case ON asb_reports (case_id);

-- The reporter (role 'reporter') and victims (role 'victim') of each report,
-- with the normalised keys that repeat-victim matching compares.
CREATE TABLE asb_report_people (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES asb_reports(id),
    role          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    email         TEXT NOT NULL,
    address       TEXT NOT NULL,
    postcode      TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    phone_key     TEXT NOT NULL,
    email_key     TEXT NOT NULL,
    address_key   TEXT NOT NULL,
    -- Victims only: reports in the rule's window (this one included).
    repeat_count  INTEGER NOT NULL,
    repeat_victim BOOLEAN NOT NULL
);
CREATE INDEX asb_report_people_report ON asb_report_people (report_id);
CREATE INDEX asb_report_people_name ON asb_report_people (name_key);
CREATE INDEX asb_report_people_address ON asb_report_people (address_key);

-- Which earlier reports made a victim a repeat victim.
CREATE TABLE asb_repeat_matches (
    person_id         INTEGER NOT NULL REFERENCES asb_report_people(id),
    earlier_report_id INTEGER NOT NULL REFERENCES asb_reports(id),
    PRIMARY KEY (person_id, earlier_report_id)
);

CREATE TABLE asb_risk_assessments (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES asb_reports(id),
    rules_version TEXT NOT NULL,
    answers       TEXT NOT NULL,
    score         INTEGER NOT NULL,
    band          TEXT NOT NULL,
    escalated_by  TEXT NOT NULL,
    -- High risk only: the multi-agency review is due by this date.
    review_due_on TEXT,
    assessed_at   TEXT NOT NULL,
    assessed_by   INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX asb_risk_assessments_report ON asb_risk_assessments (report_id);

CREATE TABLE asb_case_shares (
    case_id         INTEGER NOT NULL REFERENCES asb_cases(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    shared_at       TEXT NOT NULL,
    shared_by       INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (case_id, organisation_id)
);
CREATE INDEX asb_case_shares_org ON asb_case_shares (organisation_id);

CREATE TABLE asb_case_actions (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES asb_cases(id),
    kind        TEXT NOT NULL,
    taken_on    TEXT NOT NULL,
    description TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX asb_case_actions_case ON asb_case_actions (case_id);

CREATE TABLE asb_case_tools (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES asb_cases(id),
    tool        TEXT NOT NULL,
    used_on     TEXT NOT NULL,
    review_on   TEXT NOT NULL,
    notes       TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX asb_case_tools_case ON asb_case_tools (case_id);
CREATE INDEX asb_case_tools_review ON asb_case_tools (review_on);

-- The case timeline: one line per change, in order.
CREATE TABLE asb_case_events (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES asb_cases(id),
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX asb_case_events_case ON asb_case_events (case_id, id);
