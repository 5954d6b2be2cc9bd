-- peel schema version 15: the data version, and British Transport Police
-- crimes located as police.uk locates them. Keep in step with
-- ../postgres/0015_data_version.sql.
--
-- Every write of the open data advances the version in the same
-- transaction, by the triggers below: an import of a force-month (which
-- always writes its row in `imports`), a boundary, a neighbourhood's
-- details, a force's details or its areas. A running `peel serve` serves
-- the open data from memory and rebuilds it when it sees a version newer
-- than the one it built from, so an import from another process (or from
-- another machine sharing the PostgreSQL database) reaches every server.
-- Triggers rather than code, so that no writer can forget: the crimes,
-- outcomes, stops and map points of a force-month are only ever written
-- with its `imports` row, so those large tables need none.
CREATE TABLE data_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 1);

-- SQLite has only row triggers; these tables take few rows per write.
CREATE TRIGGER imports_insert_data_version AFTER INSERT ON imports
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER imports_update_data_version AFTER UPDATE ON imports
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER imports_delete_data_version AFTER DELETE ON imports
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER forces_insert_data_version AFTER INSERT ON forces
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER forces_update_data_version AFTER UPDATE ON forces
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER forces_delete_data_version AFTER DELETE ON forces
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER force_people_insert_data_version AFTER INSERT ON force_people
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER force_people_update_data_version AFTER UPDATE ON force_people
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER force_people_delete_data_version AFTER DELETE ON force_people
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER neighbourhoods_insert_data_version AFTER INSERT ON neighbourhoods
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER neighbourhoods_update_data_version AFTER UPDATE ON neighbourhoods
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER neighbourhoods_delete_data_version AFTER DELETE ON neighbourhoods
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER neighbourhood_people_insert_data_version AFTER INSERT ON neighbourhood_people
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER neighbourhood_people_update_data_version AFTER UPDATE ON neighbourhood_people
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER neighbourhood_people_delete_data_version AFTER DELETE ON neighbourhood_people
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER priorities_insert_data_version AFTER INSERT ON priorities
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER priorities_update_data_version AFTER UPDATE ON priorities
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER priorities_delete_data_version AFTER DELETE ON priorities
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER events_insert_data_version AFTER INSERT ON events
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER events_update_data_version AFTER UPDATE ON events
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER events_delete_data_version AFTER DELETE ON events
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bcus_insert_data_version AFTER INSERT ON bcus
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bcus_update_data_version AFTER UPDATE ON bcus
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bcus_delete_data_version AFTER DELETE ON bcus
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER csps_insert_data_version AFTER INSERT ON csps
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER csps_update_data_version AFTER UPDATE ON csps
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER csps_delete_data_version AFTER DELETE ON csps
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;

-- police.uk shows the crimes British Transport Police report with
-- `location_type` "BTP"; versions before 15 stored "Force" for them.
UPDATE crimes SET location_type = 'BTP' WHERE force_id = 'btp' OR reported_by = 'British Transport Police';
