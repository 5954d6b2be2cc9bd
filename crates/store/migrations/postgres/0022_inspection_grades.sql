-- peel schema version 22: HMICFRS's own PEEL grades of a force, entered by
-- the force's administrators from the inspectorate's published report, so
-- the report card can show them beside peel's grades and tell the two apart
-- (issue 18). Keep in step with ../sqlite/0022_inspection_grades.sql.
--
-- One row per force, inspection and question ("PEEL 2023–25", "Responding
-- to the public"); entering the same again replaces the grade. `grade` is a
-- grade of the scale in force when it was entered; `source_url` is the
-- published report it was copied from. Who entered it is in the audit log.
CREATE TABLE inspection_grades (
    force_id     TEXT NOT NULL REFERENCES forces(id),
    inspection   TEXT NOT NULL,
    question     TEXT NOT NULL,
    grade        TEXT NOT NULL,
    published_on TEXT NOT NULL,
    source_url   TEXT NOT NULL,
    entered_at   TEXT NOT NULL,
    PRIMARY KEY (force_id, inspection, question)
);
