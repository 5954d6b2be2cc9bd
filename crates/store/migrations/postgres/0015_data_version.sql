-- peel schema version 15: the data version, and British Transport Police
-- crimes located as police.uk locates them. Keep in step with
-- ../sqlite/0015_data_version.sql.
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

-- Row triggers, as on SQLite: a statement trigger would also fire for
-- statements that change nothing (seeding the forces on every start).
-- The notification reaches listening servers when the transaction
-- commits, and not at all if it rolls back; PostgreSQL sends one per
-- transaction however many rows fired it.
CREATE FUNCTION advance_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1 WHERE id = 1;
    PERFORM pg_notify('peel_data_version', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER imports_data_version AFTER INSERT OR UPDATE OR DELETE ON imports
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();
CREATE TRIGGER forces_data_version AFTER INSERT OR UPDATE OR DELETE ON forces
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();
CREATE TRIGGER force_people_data_version AFTER INSERT OR UPDATE OR DELETE ON force_people
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();
CREATE TRIGGER neighbourhoods_data_version AFTER INSERT OR UPDATE OR DELETE ON neighbourhoods
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();
CREATE TRIGGER neighbourhood_people_data_version AFTER INSERT OR UPDATE OR DELETE ON neighbourhood_people
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();
CREATE TRIGGER priorities_data_version AFTER INSERT OR UPDATE OR DELETE ON priorities
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();
CREATE TRIGGER events_data_version AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();
CREATE TRIGGER bcus_data_version AFTER INSERT OR UPDATE OR DELETE ON bcus
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();
CREATE TRIGGER csps_data_version AFTER INSERT OR UPDATE OR DELETE ON csps
    FOR EACH ROW EXECUTE FUNCTION advance_data_version();

-- police.uk shows the crimes British Transport Police report with
-- `location_type` "BTP"; versions before 15 stored "Force" for them.
UPDATE crimes SET location_type = 'BTP' WHERE force_id = 'btp' OR reported_by = 'British Transport Police';
