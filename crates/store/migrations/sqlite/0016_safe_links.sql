-- peel schema version 16: every stored link is http, https, mailto or tel
-- (peel_core::url::SafeUrl). Keep in step with ../postgres/0016_safe_links.sql:
-- a test checks both create the same tables and columns.
--
-- Links written by older versions were not checked. Right after this
-- migration peel checks each one once (crates/store/src/links.rs): an
-- unsafe link is removed from where it was and listed here, with where it
-- was and why, for `peel migrate` to report.
CREATE TABLE unsafe_links_removed (
    id         INTEGER PRIMARY KEY,
    removed_at TEXT NOT NULL,
    place      TEXT NOT NULL,
    field      TEXT NOT NULL,
    link       TEXT NOT NULL,
    reason     TEXT NOT NULL
);

-- A row here while that check is due; peel deletes it when done.
CREATE TABLE link_check_due (
    id INTEGER PRIMARY KEY
);
INSERT INTO link_check_due (id) VALUES (1);
