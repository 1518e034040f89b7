-- Reverts 0019_facts_in_the_database: the legacy text can be deleted with a
-- plain DELETE again, an artifact with history only with foreign keys off, and
-- only the lifecycle's lock keeps one promoted version per line.
DROP TRIGGER IF EXISTS trg_model_versions_line_fixed;
DROP TRIGGER IF EXISTS trg_model_versions_line_on_insert;
DROP INDEX IF EXISTS uq_model_versions_one_promoted_per_line;
ALTER TABLE model_versions DROP COLUMN line_id;
DROP TRIGGER IF EXISTS trg_artifacts_keep_history;
DROP TRIGGER IF EXISTS trg_legacy_metadata_no_delete;
