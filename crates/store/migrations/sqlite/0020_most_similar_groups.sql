-- peel schema version 20: what comparisons between forces rest on. Keep in
-- step with ../postgres/0020_most_similar_groups.sql.
--
-- Where a force's population (the sum of its partnerships') comes from, as
-- the areas file states it, so a page giving rates per 1,000 residents can
-- say whose count of residents, and of which year, it divides by.
ALTER TABLE forces ADD COLUMN population_source TEXT;
ALTER TABLE forces ADD COLUMN population_year INTEGER;

-- A published list of most similar groups: each force's peers in the
-- publisher's order (rank 1 first), at most seven. Asymmetric: a row says
-- who is compared with `force_id`, not the reverse. A force with a row in
-- `peer_group_sources` and none here has no peers (the City of London).
-- An import replaces the whole list in one transaction.
CREATE TABLE peer_group_sources (
    force_id TEXT PRIMARY KEY REFERENCES forces(id),
    source   TEXT NOT NULL,
    year     INTEGER NOT NULL
);
CREATE TABLE peer_groups (
    force_id TEXT NOT NULL REFERENCES peer_group_sources(force_id),
    rank     INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 7),
    peer_id  TEXT NOT NULL REFERENCES forces(id),
    PRIMARY KEY (force_id, rank),
    UNIQUE (force_id, peer_id)
);

-- The variables peel computes its own groups from: one value per force and
-- variable, each with its source and year. An import replaces every value
-- of the variables its file names.
CREATE TABLE force_variables (
    force_id TEXT NOT NULL REFERENCES forces(id),
    variable TEXT NOT NULL,
    value    REAL NOT NULL,
    source   TEXT NOT NULL,
    year     INTEGER NOT NULL,
    PRIMARY KEY (force_id, variable)
);
