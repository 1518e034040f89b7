-- 0013_code_pin_checks: the outcome of every check of a model's pin against its
-- repository (`atlas-registry pins verify`). Append-only: a newer check is a new
-- row, so the record of when a pin stopped resolving (a force-push, a deleted
-- mirror) is kept. The gate's require_verified_code_pin reads the newest row.
CREATE TABLE code_pin_checks (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_code_pin_checks_artifact REFERENCES artifacts(id),
    checked_at TEXT NOT NULL,
    pin_kind TEXT NOT NULL
        CONSTRAINT ck_code_pin_checks_kind CHECK (pin_kind IN ('code', 'external')),
    repo_url TEXT,
    pinned TEXT,
    commit_found TEXT,
    entrypoint_found INTEGER
        CONSTRAINT ck_code_pin_checks_entrypoint CHECK (entrypoint_found IN (0, 1)),
    status TEXT NOT NULL
        CONSTRAINT ck_code_pin_checks_status
        CHECK (status IN ('verified', 'failed', 'missing', 'unreachable', 'not_checkable')),
    detail TEXT NOT NULL,
    checked_by TEXT NOT NULL
);

COMMENT ON TABLE code_pin_checks IS 'Append-only outcomes of checking model pins against their repositories.';
COMMENT ON COLUMN code_pin_checks.pinned IS 'The commit SHA or source version exactly as the model held it when checked.';
COMMENT ON COLUMN code_pin_checks.commit_found IS 'The full commit the pin resolved to; NULL when none.';

CREATE INDEX idx_code_pin_checks_artifact ON code_pin_checks (artifact_id, id);

CREATE FUNCTION code_pin_checks_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'code_pin_checks is append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_code_pin_checks_no_update BEFORE UPDATE ON code_pin_checks
    FOR EACH ROW EXECUTE FUNCTION code_pin_checks_append_only();
CREATE TRIGGER trg_code_pin_checks_no_delete BEFORE DELETE ON code_pin_checks
    FOR EACH ROW EXECUTE FUNCTION code_pin_checks_append_only();
CREATE TRIGGER trg_code_pin_checks_no_truncate BEFORE TRUNCATE ON code_pin_checks
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();
