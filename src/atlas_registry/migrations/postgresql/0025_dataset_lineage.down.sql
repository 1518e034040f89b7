-- Reverts 0025_dataset_lineage. No fact is lost: model_training_datasets is
-- derived from the models' metadata, and 0025 rebuilds it when run up again.
DROP INDEX IF EXISTS idx_model_versions_evaluated_on;
DROP TABLE IF EXISTS model_training_datasets;
