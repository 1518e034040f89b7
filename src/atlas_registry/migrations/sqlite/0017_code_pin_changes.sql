-- 0017_code_pin_changes: every change of a registered model's code pin, made
-- through the review queue (`pins suggest`, then `review resolve --set`). The
-- pin on model_versions is the current one; this keeps the one it replaced,
-- the new one, who changed it, why, and the failed check that justified it.
-- Append-only: provenance is corrected by adding a row, never by rewriting one.
CREATE TABLE code_pin_changes (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_code_pin_changes_artifact REFERENCES artifacts(id),
    changed_at TEXT NOT NULL,
    -- The pin before the change (all NULL when the model had none).
    old_repo_url TEXT,
    old_commit_sha TEXT,
    old_entrypoint TEXT,
    new_repo_url TEXT NOT NULL,
    new_commit_sha TEXT NOT NULL,
    new_entrypoint TEXT,
    -- The newest check of the old pin when it was replaced (NULL for a first pin).
    replaced_check_id INTEGER
        CONSTRAINT fk_code_pin_changes_check REFERENCES code_pin_checks(id),
    changed_by TEXT NOT NULL,
    notes TEXT
);

CREATE INDEX idx_code_pin_changes_artifact ON code_pin_changes (artifact_id, id);

CREATE TRIGGER trg_code_pin_changes_no_update BEFORE UPDATE ON code_pin_changes
BEGIN
    SELECT RAISE(ABORT, 'code_pin_changes is append-only');
END;

CREATE TRIGGER trg_code_pin_changes_no_delete BEFORE DELETE ON code_pin_changes
BEGIN
    SELECT RAISE(ABORT, 'code_pin_changes is append-only');
END;
