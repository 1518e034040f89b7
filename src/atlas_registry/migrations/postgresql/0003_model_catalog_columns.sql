-- 0003_model_catalog_columns: facts the catalog filters on, kept as columns beside
-- the contract columns so list queries never parse JSON.
-- model_family / framework mirror the validated metadata; metadata_schema_version
-- records which version of model_artifact_metadata.json validated the row.
ALTER TABLE model_versions ADD COLUMN model_family TEXT;
ALTER TABLE model_versions ADD COLUMN framework TEXT;
ALTER TABLE model_versions ADD COLUMN metadata_schema_version TEXT;
CREATE INDEX idx_model_versions_family ON model_versions (model_family, framework);
CREATE INDEX idx_model_versions_framework ON model_versions (framework);
CREATE INDEX idx_model_versions_benchmark ON model_versions (benchmark_id);
CREATE INDEX idx_model_versions_eval_dataset ON model_versions (eval_dataset_artifact_id);
COMMENT ON COLUMN model_versions.model_family IS 'Mirror of metadata.model_family, for filtering.';
COMMENT ON COLUMN model_versions.framework IS 'Mirror of metadata.framework, for filtering.';
COMMENT ON COLUMN model_versions.metadata_schema_version IS 'Version of model_artifact_metadata.json that validated the metadata.';
