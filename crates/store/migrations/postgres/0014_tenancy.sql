-- peel schema version 14: tenancy. Every account acts within what its
-- organisation reaches: a police force's organisation names its force, and a
-- council's, housing provider's or victim service's the community safety
-- partnerships it belongs to. Keep in step with ../sqlite/0014_tenancy.sql.

-- The police.uk id of the force a force's organisation is (NULL for other
-- kinds, and for a force nobody has placed yet, which then reaches nothing).
ALTER TABLE organisations ADD COLUMN force_id TEXT;

-- The partnerships a partner organisation belongs to. Not foreign keys: the
-- geography is re-imported, and the store checks each against it when set.
CREATE TABLE organisation_partnerships (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    force_id        TEXT NOT NULL,
    csp_id          TEXT NOT NULL,
    PRIMARY KEY (organisation_id, force_id, csp_id)
);

-- Force organisations made by an older version are placed by their name,
-- where it is exactly a force's own (as police.uk spells it, or an older
-- spelling); `peel org scope` places the rest, and `peel org list` shows
-- which reach nothing.
WITH known (id, name) AS (VALUES
    ('avon-and-somerset', 'avon and somerset constabulary'),
    ('bedfordshire', 'bedfordshire police'),
    ('cambridgeshire', 'cambridgeshire constabulary'),
    ('cheshire', 'cheshire constabulary'),
    ('city-of-london', 'city of london police'),
    ('cleveland', 'cleveland police'),
    ('cumbria', 'cumbria constabulary'),
    ('derbyshire', 'derbyshire constabulary'),
    ('devon-and-cornwall', 'devon & cornwall police'),
    ('devon-and-cornwall', 'devon and cornwall police'),
    ('dorset', 'dorset police'),
    ('durham', 'durham constabulary'),
    ('essex', 'essex police'),
    ('gloucestershire', 'gloucestershire constabulary'),
    ('greater-manchester', 'greater manchester police'),
    ('gwent', 'gwent police'),
    ('hampshire', 'hampshire constabulary'),
    ('hampshire', 'hampshire and isle of wight constabulary'),
    ('dyfed-powys', 'dyfed-powys police'),
    ('hertfordshire', 'hertfordshire constabulary'),
    ('humberside', 'humberside police'),
    ('kent', 'kent police'),
    ('lancashire', 'lancashire constabulary'),
    ('leicestershire', 'leicestershire police'),
    ('leicestershire', 'leicestershire constabulary'),
    ('lincolnshire', 'lincolnshire police'),
    ('merseyside', 'merseyside police'),
    ('metropolitan', 'metropolitan police service'),
    ('metropolitan', 'metropolitan police'),
    ('norfolk', 'norfolk constabulary'),
    ('north-wales', 'north wales police'),
    ('north-yorkshire', 'north yorkshire police'),
    ('northamptonshire', 'northamptonshire police'),
    ('northumbria', 'northumbria police'),
    ('nottinghamshire', 'nottinghamshire police'),
    ('northern-ireland', 'police service of northern ireland'),
    ('south-wales', 'south wales police'),
    ('south-yorkshire', 'south yorkshire police'),
    ('staffordshire', 'staffordshire police'),
    ('suffolk', 'suffolk constabulary'),
    ('surrey', 'surrey police'),
    ('sussex', 'sussex police'),
    ('thames-valley', 'thames valley police'),
    ('warwickshire', 'warwickshire police'),
    ('west-mercia', 'west mercia police'),
    ('west-midlands', 'west midlands police'),
    ('west-yorkshire', 'west yorkshire police'),
    ('wiltshire', 'wiltshire police'),
    ('btp', 'british transport police')
)
UPDATE organisations SET force_id = (SELECT known.id FROM known WHERE known.name = lower(trim(organisations.name)))
WHERE kind = 'force';
