-- 0009_restore_catalog_columns: after `migrate down` below 0003 and back up,
-- model_family, framework and metadata_schema_version came back empty and every
-- filter found nothing. The values 0003's down file kept aside are read back;
-- rows it did not keep (a down run by an older version) get family and
-- framework from their stored metadata, and their schema version stays unknown.
CREATE TABLE IF NOT EXISTS model_catalog_columns_saved (
    artifact_id TEXT PRIMARY KEY,
    model_family TEXT,
    framework TEXT,
    metadata_schema_version TEXT
);
UPDATE model_versions mv SET
    model_family = s.model_family,
    framework = s.framework,
    metadata_schema_version = s.metadata_schema_version
FROM model_catalog_columns_saved s
WHERE s.artifact_id = mv.artifact_id AND mv.model_family IS NULL;
UPDATE model_versions mv SET
    model_family = a.metadata::jsonb ->> 'model_family',
    framework = a.metadata::jsonb ->> 'framework'
FROM artifacts a
WHERE a.id = mv.artifact_id AND mv.model_family IS NULL;
DROP TABLE model_catalog_columns_saved;
