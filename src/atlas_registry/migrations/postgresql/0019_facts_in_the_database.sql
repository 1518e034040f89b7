-- 0019_facts_in_the_database: the invariants the code keeps, kept by the
-- database too, so a bug or a statement typed into a shell cannot break them.
--
-- 1. The legacy text goes only with its artifact. 0008 refused its UPDATE and
--    TRUNCATE; a plain DELETE is refused now too, unless the artifact is gone
--    already (the ON DELETE CASCADE of its foreign key runs after the artifact
--    row is deleted, and sees it deleted).
CREATE FUNCTION legacy_metadata_goes_with_artifact() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM artifacts WHERE id = OLD.artifact_id) THEN
        RAISE EXCEPTION 'model_legacy_metadata is append-only: the legacy text goes only with its artifact'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_legacy_metadata_no_delete BEFORE DELETE ON model_legacy_metadata
    FOR EACH ROW EXECUTE FUNCTION legacy_metadata_goes_with_artifact();

-- 2. An artifact with history cannot be deleted. The foreign keys of the
--    history tables refuse it already; this says so in words, and holds in a
--    session whose foreign keys are not enforced.
CREATE FUNCTION artifacts_keep_history() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM model_promotion_events WHERE artifact_id = OLD.id)
       OR EXISTS (SELECT 1 FROM code_pin_checks WHERE artifact_id = OLD.id)
       OR EXISTS (SELECT 1 FROM code_pin_changes WHERE artifact_id = OLD.id) THEN
        RAISE EXCEPTION 'an artifact with history (promotion events, pin checks or pin changes) cannot be deleted'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_artifacts_keep_history BEFORE DELETE ON artifacts
    FOR EACH ROW EXECUTE FUNCTION artifacts_keep_history();

-- 3. At most one promoted version per line. A line is COALESCE(lineage_id, id)
--    of the version's artifact; line_id copies it onto the version, set by the
--    database on insert and never changed, so a partial unique index can hold
--    the rule. The lifecycle already keeps it (one line's transitions take the
--    line's lock), so existing rows satisfy it; were one not to, the CREATE
--    UNIQUE INDEX below fails, naming the line, and nothing changes.
ALTER TABLE model_versions ADD COLUMN line_id TEXT;

COMMENT ON COLUMN model_versions.line_id IS 'COALESCE(lineage_id, id) of the artifact: its line. Set by the database.';

UPDATE model_versions SET line_id = (
    SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = model_versions.artifact_id
);

CREATE UNIQUE INDEX uq_model_versions_one_promoted_per_line
    ON model_versions (line_id) WHERE promotion_state = 'promoted';

CREATE FUNCTION model_versions_line() RETURNS trigger AS $$
DECLARE
    line TEXT := (SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = NEW.artifact_id);
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.line_id := line;
    ELSIF NEW.line_id IS DISTINCT FROM line THEN
        RAISE EXCEPTION 'model_versions.line_id is the line of the version''s artifact and never changes'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_model_versions_line_on_insert BEFORE INSERT ON model_versions
    FOR EACH ROW EXECUTE FUNCTION model_versions_line();
CREATE TRIGGER trg_model_versions_line_fixed BEFORE UPDATE OF line_id, artifact_id ON model_versions
    FOR EACH ROW EXECUTE FUNCTION model_versions_line();
