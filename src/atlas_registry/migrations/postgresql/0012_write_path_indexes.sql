-- 0012_write_path_indexes: every index a registration writes is one a query uses.
-- Each index is written on every registration and makes its commit touch more
-- pages; tests/test_indexes.py requires every index to appear in the plan of a
-- query the registry runs.
-- Merged (the contract's names stay; each now also serves newest-first pages):
--   idx_model_versions_trained_by (trained_by) and idx_model_versions_trained_by_recent
--     become idx_model_versions_trained_by (trained_by, created_at, artifact_id).
--   idx_model_versions_promotion (promotion_state) and idx_model_versions_state_family_recent
--     become idx_model_versions_promotion (promotion_state, model_family, created_at, artifact_id).
-- Dropped, no query uses them:
--   idx_model_versions_eval_dataset, idx_artifacts_parent, idx_artifacts_lineage
--     (no query filters on these columns; lines are found through the
--     COALESCE(lineage_id, id) indexes of 0001), and idx_promotion_events_recent
--     (history pages by event id, the primary key).
DROP INDEX IF EXISTS idx_model_versions_trained_by;
DROP INDEX IF EXISTS idx_model_versions_trained_by_recent;
CREATE INDEX idx_model_versions_trained_by
    ON model_versions (trained_by, created_at, artifact_id);
DROP INDEX IF EXISTS idx_model_versions_promotion;
DROP INDEX IF EXISTS idx_model_versions_state_family_recent;
CREATE INDEX idx_model_versions_promotion
    ON model_versions (promotion_state, model_family, created_at, artifact_id);
DROP INDEX IF EXISTS idx_model_versions_eval_dataset;
DROP INDEX IF EXISTS idx_artifacts_parent;
DROP INDEX IF EXISTS idx_artifacts_lineage;
DROP INDEX IF EXISTS idx_promotion_events_recent;
