-- 0025_dataset_lineage: every model trained or evaluated on a dataset, found by an
-- index lookup (`list --trained-on D`, `--evaluated-on D`, the dataset's page).
--
-- 1. A model's training datasets are named inside its JSON metadata
--    (training_data[].artifact_id), which no index of either database can reach
--    portably. model_training_datasets holds one row per model and dataset it
--    names, keyed by the dataset first. It is derived: the registration writes
--    its rows with the model's facts, in the same transaction, and this file
--    fills it from the stored metadata of every registered model (adopted legacy
--    models included), so a down and up again rebuilds it whole.
CREATE TABLE IF NOT EXISTS model_training_datasets (
    dataset_id TEXT NOT NULL
        CONSTRAINT fk_model_training_datasets_dataset REFERENCES artifacts(id),
    model_id TEXT NOT NULL
        CONSTRAINT fk_model_training_datasets_model
        REFERENCES model_versions(artifact_id) ON DELETE CASCADE,
    CONSTRAINT pk_model_training_datasets PRIMARY KEY (dataset_id, model_id)
) WITHOUT ROWID;

-- Metadata that is not JSON, or whose training_data is not a list of objects
-- naming a dataset artifact, adds nothing (json_each of '[]').
INSERT OR IGNORE INTO model_training_datasets (dataset_id, model_id)
SELECT DISTINCT d.id, mv.artifact_id
FROM model_versions mv
JOIN artifacts a ON a.id = mv.artifact_id
JOIN json_each(COALESCE(
    CASE WHEN json_valid(a.metadata) THEN
        CASE WHEN json_type(a.metadata, '$.training_data') = 'array'
            THEN json_extract(a.metadata, '$.training_data') END
    END, '[]')) AS item
JOIN artifacts d ON d.artifact_type = 'dataset' AND d.id = (
    CASE WHEN item.type = 'object' THEN
        CASE WHEN json_type(item.value, '$.artifact_id') = 'text'
            THEN json_extract(item.value, '$.artifact_id') END
    END);

-- 2. The models evaluated on a dataset: 0012 dropped the index of
--    eval_dataset_artifact_id when no query read it; reverse lineage does. Only
--    models that name a dataset artifact have an entry.
CREATE INDEX IF NOT EXISTS idx_model_versions_evaluated_on
    ON model_versions (eval_dataset_artifact_id, artifact_id)
    WHERE eval_dataset_artifact_id IS NOT NULL;
