-- 0013_code_pin_checks: the outcome of every check of a model's pin against its
-- repository (`atlas-registry pins verify`). Append-only: a newer check is a new
-- row, so the record of when a pin stopped resolving (a force-push, a deleted
-- mirror) is kept. The gate's require_verified_code_pin reads the newest row.
CREATE TABLE code_pin_checks (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_code_pin_checks_artifact REFERENCES artifacts(id),
    checked_at TEXT NOT NULL,
    -- 'code' checks code_repo_url/code_commit_sha, 'external' the external source pin.
    pin_kind TEXT NOT NULL
        CONSTRAINT ck_code_pin_checks_kind CHECK (pin_kind IN ('code', 'external')),
    -- The repository URL and the pin exactly as the model held them when checked.
    repo_url TEXT,
    pinned TEXT,
    -- The full commit the pin resolved to; NULL when it resolved to none.
    commit_found TEXT,
    -- 1/0 when the entrypoint was looked for at the commit; NULL when it was not.
    entrypoint_found INTEGER
        CONSTRAINT ck_code_pin_checks_entrypoint CHECK (entrypoint_found IN (0, 1)),
    status TEXT NOT NULL
        CONSTRAINT ck_code_pin_checks_status
        CHECK (status IN ('verified', 'failed', 'missing', 'unreachable', 'not_checkable')),
    detail TEXT NOT NULL,
    checked_by TEXT NOT NULL
);

CREATE INDEX idx_code_pin_checks_artifact ON code_pin_checks (artifact_id, id);

CREATE TRIGGER trg_code_pin_checks_no_update BEFORE UPDATE ON code_pin_checks
BEGIN
    SELECT RAISE(ABORT, 'code_pin_checks is append-only');
END;

CREATE TRIGGER trg_code_pin_checks_no_delete BEFORE DELETE ON code_pin_checks
BEGIN
    SELECT RAISE(ABORT, 'code_pin_checks is append-only');
END;
