-- Reverts 0025_dataset_lineage. No fact is lost: model_dataset_uses is derived
-- from the stored models, and 0025 rebuilds it when run up again.
DROP TABLE IF EXISTS model_dataset_uses;
