-- peel schema version 2: Policing Pledge events, neighbourhood settings and
-- local standards (issue 4). Keep in step with ../postgres/0002_pledge_events.sql:
-- a test checks both create the same tables and columns.

-- One row per event force systems sent. Re-sending the same (force, type,
-- id) replaces the row, so a reply arriving later updates its message.
CREATE TABLE pledge_events (
    force_id         TEXT NOT NULL REFERENCES forces(id),
    type             TEXT NOT NULL,
    id               TEXT NOT NULL,
    -- London calendar month (YYYY-MM) of the event's first time: what
    -- compliance for a force-month selects on.
    month            TEXT NOT NULL,
    -- Victim plans with an end: the London month the end falls in, so plans
    -- active in a month are found without reading every plan.
    last_month       TEXT,
    neighbourhood_id TEXT,
    -- The validated event in peel's canonical JSON.
    event            TEXT NOT NULL,
    PRIMARY KEY (force_id, type, id)
);
CREATE INDEX pledge_events_force_month ON pledge_events (force_id, month);

-- A neighbourhood's Pledge configuration: whether the urban or the rural
-- emergency attendance limit applies (urban when there is no row).
CREATE TABLE pledge_neighbourhood_settings (
    force_id         TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    area             TEXT NOT NULL DEFAULT 'urban',
    PRIMARY KEY (force_id, neighbourhood_id),
    FOREIGN KEY (force_id, neighbourhood_id) REFERENCES neighbourhoods(force_id, id)
);

-- Local standards: a force's ('' neighbourhood) or a Neighbourhood
-- Agreement's stricter version of a national standard, as JSON.
CREATE TABLE pledge_standards (
    force_id         TEXT NOT NULL REFERENCES forces(id),
    neighbourhood_id TEXT NOT NULL DEFAULT '',
    commitment       TEXT NOT NULL,
    version          TEXT NOT NULL,
    standard         TEXT NOT NULL,
    PRIMARY KEY (force_id, neighbourhood_id, commitment)
);
