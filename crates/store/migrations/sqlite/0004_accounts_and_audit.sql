-- peel schema version 4: back-office accounts, organisations, sessions, API
-- tokens and the hash-chained audit log. Keep in step with
-- ../postgres/0004_accounts_and_audit.sql: a test checks both create the same
-- tables and columns. Instants are TEXT in one fixed UTC form
-- (2026-11-25T20:26:06.123456Z) so they compare as text on both engines.

CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- Names are unique ignoring case, as `peel user add --org NAME` finds them.
CREATE UNIQUE INDEX organisations_name_lower ON organisations (lower(name));

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    -- Stored lower-case; the sign-in name.
    email           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    role            TEXT NOT NULL,
    -- argon2id, PHC string form.
    password_hash   TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    failed_since    TEXT,
    locked_until    TEXT,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TEXT NOT NULL,
    password_set_at TEXT NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

-- Only the SHA-256 of the session token is kept: a copy of this table does
-- not let anyone sign in. A session ends at expires_at, or earlier when
-- unused for the configured idle time (last_seen_at moves on each use).
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Append-only. Each row's hash covers its fields and the previous row's hash.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    purpose   TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- The last entry's number and hash. Appends update it first, which
-- serialises them (SQLite's write lock; a row lock on PostgreSQL), and verify
-- compares it with the log's end to catch entries removed from the end.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The application never changes or removes audit entries; refuse it here
-- too. (Someone able to drop these triggers can still tamper, and the hash
-- chain is what reveals that.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
