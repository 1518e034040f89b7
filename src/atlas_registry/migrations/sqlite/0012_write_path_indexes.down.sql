-- Reverts 0012_write_path_indexes: the indexes come back as they were (nothing is lost).
DROP INDEX IF EXISTS idx_model_versions_trained_by;
CREATE INDEX idx_model_versions_trained_by ON model_versions (trained_by);
CREATE INDEX IF NOT EXISTS idx_model_versions_trained_by_recent
    ON model_versions (trained_by, created_at, artifact_id);
DROP INDEX IF EXISTS idx_model_versions_promotion;
CREATE INDEX idx_model_versions_promotion ON model_versions (promotion_state);
CREATE INDEX IF NOT EXISTS idx_model_versions_state_family_recent
    ON model_versions (promotion_state, model_family, created_at, artifact_id);
CREATE INDEX IF NOT EXISTS idx_model_versions_eval_dataset
    ON model_versions (eval_dataset_artifact_id);
CREATE INDEX IF NOT EXISTS idx_artifacts_parent ON artifacts (parent_version_id);
CREATE INDEX IF NOT EXISTS idx_artifacts_lineage ON artifacts (lineage_id);
CREATE INDEX IF NOT EXISTS idx_promotion_events_recent
    ON model_promotion_events (created_at, id);
