-- 0024_model_files: what a model version is, byte for byte. Each row lists one
-- file of a version: where its bytes are (a URI; the registry never stores
-- bytes), its size and SHA-256 (NULL when the source did not say: an MLflow
-- version's `source`), and its role. Append-only: a wrong entry is never
-- rewritten, a new entry replaces it (replaces_id), and each entry is replaced
-- at most once. model_file_checks keeps every `files verify` of an entry: what
-- was found at the URI, and whether it matched.
CREATE TABLE model_files (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_files_artifact REFERENCES artifacts(id),
    uri TEXT NOT NULL
        CONSTRAINT ck_model_files_uri CHECK (length(uri) BETWEEN 1 AND 2048),
    size_bytes BIGINT
        CONSTRAINT ck_model_files_size CHECK (size_bytes IS NULL OR size_bytes >= 0),
    sha256 TEXT
        CONSTRAINT ck_model_files_sha256
        CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
    role TEXT
        CONSTRAINT ck_model_files_role
        CHECK (role IN ('weights', 'config', 'tokenizer', 'environment_lock', 'other')),
    -- The entry this one corrects; the corrected entry is no longer listed.
    replaces_id INTEGER
        CONSTRAINT fk_model_files_replaces REFERENCES model_files(id),
    -- Where the entry came from: a registration (a card import's too), `files add`,
    -- an MLflow import (a version's `source`, its digest unknown).
    origin TEXT NOT NULL
        CONSTRAINT ck_model_files_origin
        CHECK (origin IN ('registration', 'added', 'mlflow')),
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    notes TEXT
);

CREATE INDEX idx_model_files_artifact ON model_files (artifact_id, id);
CREATE UNIQUE INDEX ux_model_files_replaces ON model_files (replaces_id);

CREATE TABLE model_file_checks (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    file_id INTEGER NOT NULL
        CONSTRAINT fk_model_file_checks_file REFERENCES model_files(id),
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_file_checks_artifact REFERENCES artifacts(id),
    checked_at TEXT NOT NULL,
    -- passed: size and digest match; mismatch: either differs; unreachable: not
    -- read (with why); unpinned: read, but the entry has no digest to compare.
    status TEXT NOT NULL
        CONSTRAINT ck_model_file_checks_status
        CHECK (status IN ('passed', 'mismatch', 'unreachable', 'unpinned')),
    size_found BIGINT,
    sha256_found TEXT,
    detail TEXT NOT NULL,
    checked_by TEXT NOT NULL
);

CREATE INDEX idx_model_file_checks_file ON model_file_checks (file_id, id);
CREATE INDEX idx_model_file_checks_artifact ON model_file_checks (artifact_id, id);

CREATE TRIGGER trg_model_files_no_update BEFORE UPDATE ON model_files
BEGIN
    SELECT RAISE(ABORT, 'model_files is append-only');
END;

CREATE TRIGGER trg_model_files_no_delete BEFORE DELETE ON model_files
BEGIN
    SELECT RAISE(ABORT, 'model_files is append-only');
END;

CREATE TRIGGER trg_model_file_checks_no_update BEFORE UPDATE ON model_file_checks
BEGIN
    SELECT RAISE(ABORT, 'model_file_checks is append-only');
END;

CREATE TRIGGER trg_model_file_checks_no_delete BEFORE DELETE ON model_file_checks
BEGIN
    SELECT RAISE(ABORT, 'model_file_checks is append-only');
END;
