-- peel schema version 1: the policing geography and police.uk open data.
-- Keep in step with ../postgres/0001_geography_and_open_data.sql: a test
-- checks both create the same tables and columns.

CREATE TABLE forces (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    description        TEXT,
    url                TEXT,
    telephone          TEXT,
    engagement_methods TEXT NOT NULL DEFAULT '[]',
    boundary           TEXT
);

CREATE TABLE force_people (
    force_id        TEXT NOT NULL REFERENCES forces(id),
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    rank            TEXT NOT NULL,
    bio             TEXT,
    contact_details TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (force_id, position)
);

CREATE TABLE neighbourhoods (
    force_id        TEXT NOT NULL REFERENCES forces(id),
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    population      INTEGER,
    url_force       TEXT,
    centre_lat      REAL,
    centre_lng      REAL,
    contact_details TEXT NOT NULL DEFAULT '{}',
    links           TEXT NOT NULL DEFAULT '[]',
    locations       TEXT NOT NULL DEFAULT '[]',
    bcu_id          TEXT,
    csp_id          TEXT,
    boundary        TEXT,
    sample          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (force_id, id)
);

CREATE TABLE neighbourhood_people (
    force_id         TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    position         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    rank             TEXT NOT NULL,
    bio              TEXT,
    contact_details  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (force_id, neighbourhood_id, position),
    FOREIGN KEY (force_id, neighbourhood_id) REFERENCES neighbourhoods(force_id, id)
);

CREATE TABLE priorities (
    force_id         TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    position         INTEGER NOT NULL,
    issue            TEXT NOT NULL,
    issue_date       TEXT NOT NULL,
    action           TEXT,
    action_date      TEXT,
    PRIMARY KEY (force_id, neighbourhood_id, position),
    FOREIGN KEY (force_id, neighbourhood_id) REFERENCES neighbourhoods(force_id, id)
);

CREATE TABLE events (
    force_id         TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    position         INTEGER NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT,
    address          TEXT,
    kind             TEXT NOT NULL,
    start_date       TEXT NOT NULL,
    end_date         TEXT,
    contact_details  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (force_id, neighbourhood_id, position),
    FOREIGN KEY (force_id, neighbourhood_id) REFERENCES neighbourhoods(force_id, id)
);

CREATE TABLE postcodes (
    postcode       TEXT PRIMARY KEY,
    latitude       REAL NOT NULL,
    longitude      REAL NOT NULL,
    admin_district TEXT,
    ward           TEXT
);

-- One row per published (anonymised) map point; the id is police.uk's
-- street.id / location_id and never changes once given.
CREATE TABLE locations (
    id          INTEGER PRIMARY KEY,
    latitude    REAL NOT NULL,
    longitude   REAL NOT NULL,
    street_name TEXT NOT NULL DEFAULT '',
    UNIQUE (latitude, longitude)
);

CREATE TABLE crimes (
    id               INTEGER PRIMARY KEY,
    force_id         TEXT NOT NULL REFERENCES forces(id),
    month            TEXT NOT NULL,
    persistent_id    TEXT,
    category         TEXT NOT NULL,
    location_id      INTEGER REFERENCES locations(id),
    lsoa_code        TEXT,
    lsoa_name        TEXT,
    last_outcome     TEXT,
    context          TEXT NOT NULL DEFAULT '',
    reported_by      TEXT NOT NULL,
    falls_within     TEXT NOT NULL,
    location_type    TEXT NOT NULL DEFAULT 'Force',
    location_subtype TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crimes_force_month ON crimes (force_id, month);
CREATE INDEX crimes_month_location ON crimes (month, location_id);
CREATE INDEX crimes_persistent_id ON crimes (persistent_id);

CREATE TABLE outcomes (
    id            INTEGER PRIMARY KEY,
    force_id      TEXT NOT NULL REFERENCES forces(id),
    month         TEXT NOT NULL,
    persistent_id TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    location_id   INTEGER REFERENCES locations(id),
    lsoa_code     TEXT,
    lsoa_name     TEXT
);
CREATE INDEX outcomes_force_month ON outcomes (force_id, month);
CREATE INDEX outcomes_month_location ON outcomes (month, location_id);
CREATE INDEX outcomes_persistent_id ON outcomes (persistent_id);

CREATE TABLE stops (
    id                                  INTEGER PRIMARY KEY,
    force_id                            TEXT NOT NULL REFERENCES forces(id),
    month                               TEXT NOT NULL,
    kind                                TEXT NOT NULL,
    datetime                            TEXT NOT NULL,
    operation                           BOOLEAN,
    operation_name                      TEXT,
    location_id                         INTEGER REFERENCES locations(id),
    gender                              TEXT,
    age_range                           TEXT,
    self_defined_ethnicity              TEXT,
    officer_defined_ethnicity           TEXT,
    legislation                         TEXT,
    object_of_search                    TEXT,
    outcome                             TEXT,
    outcome_linked_to_object_of_search  BOOLEAN,
    removal_of_more_than_outer_clothing BOOLEAN
);
CREATE INDEX stops_force_month ON stops (force_id, month);
CREATE INDEX stops_month_location ON stops (month, location_id);

-- One row per imported force-month file: what makes re-import idempotent.
CREATE TABLE imports (
    kind        TEXT NOT NULL,
    force_id    TEXT NOT NULL,
    month       TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    row_count   INTEGER NOT NULL,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (kind, force_id, month)
);
