-- 0019_facts_in_the_database: the invariants the code keeps, kept by the
-- database too, so a bug or a statement typed into a shell cannot break them.
--
-- 1. The legacy text goes only with its artifact. 0008 refused its UPDATE; a
--    plain DELETE is refused now too, unless the artifact is gone already (the
--    ON DELETE CASCADE of its foreign key deletes it after the artifact row).
CREATE TRIGGER trg_legacy_metadata_no_delete BEFORE DELETE ON model_legacy_metadata
WHEN EXISTS (SELECT 1 FROM artifacts WHERE id = OLD.artifact_id)
BEGIN
    SELECT RAISE(ABORT, 'model_legacy_metadata is append-only: the legacy text goes only with its artifact');
END;

-- 2. An artifact with history cannot be deleted. The foreign keys of the
--    history tables refuse it already, but only while foreign keys are on; a
--    shell opened without them would orphan the audit trail.
CREATE TRIGGER trg_artifacts_keep_history BEFORE DELETE ON artifacts
WHEN EXISTS (SELECT 1 FROM model_promotion_events WHERE artifact_id = OLD.id)
  OR EXISTS (SELECT 1 FROM code_pin_checks WHERE artifact_id = OLD.id)
  OR EXISTS (SELECT 1 FROM code_pin_changes WHERE artifact_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'an artifact with history (promotion events, pin checks or pin changes) cannot be deleted');
END;

-- 3. At most one promoted version per line. A line is COALESCE(lineage_id, id)
--    of the version's artifact; line_id copies it onto the version, set by the
--    database on insert and never changed, so a partial unique index can hold
--    the rule. The lifecycle already keeps it (one line's transitions take the
--    line's lock), so existing rows satisfy it; were one not to, the CREATE
--    UNIQUE INDEX below fails, naming model_versions.line_id, and nothing changes.
ALTER TABLE model_versions ADD COLUMN line_id TEXT;

UPDATE model_versions SET line_id = (
    SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = model_versions.artifact_id
);

CREATE UNIQUE INDEX uq_model_versions_one_promoted_per_line
    ON model_versions (line_id) WHERE promotion_state = 'promoted';

CREATE TRIGGER trg_model_versions_line_on_insert AFTER INSERT ON model_versions
BEGIN
    UPDATE model_versions SET line_id = (
        SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = NEW.artifact_id
    ) WHERE artifact_id = NEW.artifact_id;
END;

CREATE TRIGGER trg_model_versions_line_fixed BEFORE UPDATE OF line_id, artifact_id ON model_versions
WHEN NEW.line_id IS NOT (
    SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = NEW.artifact_id
)
BEGIN
    SELECT RAISE(ABORT, 'model_versions.line_id is the line of the version''s artifact and never changes');
END;
