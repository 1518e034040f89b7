-- Reverts 0003_model_catalog_columns (the contract columns are untouched).
-- The columns' values are kept aside in model_catalog_columns_saved, which
-- 0009 reads back when the migrations are applied again: a round trip down and
-- up keeps every model's family, framework and validating schema version.
DROP TABLE IF EXISTS model_catalog_columns_saved;
CREATE TABLE model_catalog_columns_saved AS
    SELECT artifact_id, model_family, framework, metadata_schema_version FROM model_versions;
DROP INDEX idx_model_versions_eval_dataset;
DROP INDEX idx_model_versions_benchmark;
DROP INDEX idx_model_versions_framework;
DROP INDEX idx_model_versions_family;
ALTER TABLE model_versions DROP COLUMN metadata_schema_version;
ALTER TABLE model_versions DROP COLUMN framework;
ALTER TABLE model_versions DROP COLUMN model_family;
