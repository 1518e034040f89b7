-- Reverts 0019_facts_in_the_database: the legacy text can be deleted with a
-- plain DELETE again, and only the lifecycle's lock keeps one promoted version
-- per line.
DROP TRIGGER IF EXISTS trg_model_versions_line_fixed ON model_versions;
DROP TRIGGER IF EXISTS trg_model_versions_line_on_insert ON model_versions;
DROP FUNCTION IF EXISTS model_versions_line();
DROP INDEX IF EXISTS uq_model_versions_one_promoted_per_line;
ALTER TABLE model_versions DROP COLUMN IF EXISTS line_id;
DROP TRIGGER IF EXISTS trg_artifacts_keep_history ON artifacts;
DROP FUNCTION IF EXISTS artifacts_keep_history();
DROP TRIGGER IF EXISTS trg_legacy_metadata_no_delete ON model_legacy_metadata;
DROP FUNCTION IF EXISTS legacy_metadata_goes_with_artifact();
