-- Reverts 0014_external_models_index (nothing is lost: an index only).
DROP INDEX IF EXISTS idx_model_versions_external_recent;
