-- Reverts 0003_model_catalog_columns (the contract columns are untouched).
DROP INDEX idx_model_versions_eval_dataset;
DROP INDEX idx_model_versions_benchmark;
DROP INDEX idx_model_versions_framework;
DROP INDEX idx_model_versions_family;
ALTER TABLE model_versions DROP COLUMN metadata_schema_version;
ALTER TABLE model_versions DROP COLUMN framework;
ALTER TABLE model_versions DROP COLUMN model_family;
