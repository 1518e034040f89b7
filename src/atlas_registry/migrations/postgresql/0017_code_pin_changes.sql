-- 0017_code_pin_changes: every change of a registered model's code pin, made
-- through the review queue (`pins suggest`, then `review resolve --set`). The
-- pin on model_versions is the current one; this keeps the one it replaced,
-- the new one, who changed it, why, and the failed check that justified it.
-- Append-only: provenance is corrected by adding a row, never by rewriting one.
CREATE TABLE code_pin_changes (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_code_pin_changes_artifact REFERENCES artifacts(id),
    changed_at TEXT NOT NULL,
    old_repo_url TEXT,
    old_commit_sha TEXT,
    old_entrypoint TEXT,
    new_repo_url TEXT NOT NULL,
    new_commit_sha TEXT NOT NULL,
    new_entrypoint TEXT,
    replaced_check_id INTEGER
        CONSTRAINT fk_code_pin_changes_check REFERENCES code_pin_checks(id),
    changed_by TEXT NOT NULL,
    notes TEXT
);

COMMENT ON TABLE code_pin_changes IS 'Append-only record of code pins changed through the review queue.';
COMMENT ON COLUMN code_pin_changes.replaced_check_id IS 'The newest check of the old pin when it was replaced; NULL for a first pin.';

CREATE INDEX idx_code_pin_changes_artifact ON code_pin_changes (artifact_id, id);

CREATE FUNCTION code_pin_changes_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'code_pin_changes is append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_code_pin_changes_no_update BEFORE UPDATE ON code_pin_changes
    FOR EACH ROW EXECUTE FUNCTION code_pin_changes_append_only();
CREATE TRIGGER trg_code_pin_changes_no_delete BEFORE DELETE ON code_pin_changes
    FOR EACH ROW EXECUTE FUNCTION code_pin_changes_append_only();
CREATE TRIGGER trg_code_pin_changes_no_truncate BEFORE TRUNCATE ON code_pin_changes
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();
