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
UPDATE model_versions SET
    model_family = (SELECT s.model_family FROM model_catalog_columns_saved s
                    WHERE s.artifact_id = model_versions.artifact_id),
    framework = (SELECT s.framework FROM model_catalog_columns_saved s
                 WHERE s.artifact_id = model_versions.artifact_id),
    metadata_schema_version = (SELECT s.metadata_schema_version FROM model_catalog_columns_saved s
                               WHERE s.artifact_id = model_versions.artifact_id)
WHERE model_family IS NULL
  AND artifact_id IN (SELECT artifact_id FROM model_catalog_columns_saved);
UPDATE model_versions SET
    model_family = (SELECT json_extract(a.metadata, '$.model_family') FROM artifacts a
                    WHERE a.id = model_versions.artifact_id AND json_valid(a.metadata)),
    framework = (SELECT json_extract(a.metadata, '$.framework') FROM artifacts a
                 WHERE a.id = model_versions.artifact_id AND json_valid(a.metadata))
WHERE model_family IS NULL;
DROP TABLE model_catalog_columns_saved;
