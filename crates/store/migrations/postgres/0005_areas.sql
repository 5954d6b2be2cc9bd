-- peel schema version 5: basic command units (BCUs) and community safety
-- partnerships (CSPs), configured per force, and the force's commentary.
-- A CSP covers one local authority; a crime's CSP follows from its LSOA.

ALTER TABLE forces ADD COLUMN commentary TEXT;

CREATE TABLE bcus (
    force_id   TEXT NOT NULL REFERENCES forces(id),
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    commentary TEXT,
    sample     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (force_id, id)
);

CREATE TABLE csps (
    force_id             TEXT NOT NULL REFERENCES forces(id),
    id                   TEXT NOT NULL,
    name                 TEXT NOT NULL,
    bcu_id               TEXT NOT NULL,
    local_authority      TEXT NOT NULL,
    local_authority_code TEXT,
    population           BIGINT,
    PRIMARY KEY (force_id, id),
    FOREIGN KEY (force_id, bcu_id) REFERENCES bcus(force_id, id)
);
