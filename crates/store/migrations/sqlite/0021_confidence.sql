-- peel schema version 21: survey responses on public confidence in the
-- police. Keep in step with ../postgres/0021_confidence.sql.
--
-- One row per anonymised response to one measure (a respondent answering
-- three questions is three rows); nothing identifies the respondent. The
-- file's answer is kept beside whether the measure counts it as positive,
-- so a figure can be recounted from the rows. `bcu_id` names one of the
-- force's BCUs when the survey says which (checked on import, not by a key,
-- so re-importing a force's areas does not need its responses removed).
-- An import replaces every row of each source its file names.
CREATE TABLE confidence_responses (
    force_id         TEXT NOT NULL REFERENCES forces(id),
    bcu_id           TEXT,
    neighbourhood_id TEXT,
    month            TEXT NOT NULL,
    measure          TEXT NOT NULL,
    response         TEXT NOT NULL,
    positive         BOOLEAN NOT NULL,
    weight           REAL NOT NULL CHECK (weight > 0),
    source           TEXT NOT NULL
);
CREATE INDEX confidence_responses_force_month ON confidence_responses (force_id, month);
CREATE INDEX confidence_responses_source ON confidence_responses (source);

-- The smallest unweighted base an estimate is published on. No row means
-- peel's default (100, as ONS-style suppression); `peel confidence
-- min-base` sets it.
CREATE TABLE confidence_settings (
    id                  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    min_unweighted_base INTEGER NOT NULL CHECK (min_unweighted_base >= 0)
);
