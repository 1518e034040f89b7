-- 0025_dataset_lineage: every model trained or evaluated on a dataset, found by an
-- index range (`list --trained-on D`, `--evaluated-on D`, the dataset's page).
--
-- A model names its datasets in its JSON metadata (training_data[].artifact_id,
-- evaluation_dataset.artifact_id), which no index of either database reaches
-- portably. model_dataset_uses holds one row per model, dataset and use, with
-- the model's registration time: its primary key is a dataset's models newest
-- first, the order of every model listing, so a page of them is read in order
-- and stops at its end. It is derived: the registration writes its rows with the
-- model's facts, in the same transaction, and this file fills it from every
-- registered model (adopted legacy models included), so a down and up again
-- rebuilds it whole.
CREATE TABLE IF NOT EXISTS model_dataset_uses (
    dataset_id TEXT NOT NULL
        CONSTRAINT fk_model_dataset_uses_dataset REFERENCES artifacts(id),
    use TEXT NOT NULL
        CONSTRAINT ck_model_dataset_uses_use CHECK (use IN ('trained', 'evaluated')),
    -- model_versions.created_at of the model.
    registered_at TEXT NOT NULL,
    model_id TEXT NOT NULL
        CONSTRAINT fk_model_dataset_uses_model
        REFERENCES model_versions(artifact_id) ON DELETE CASCADE,
    CONSTRAINT pk_model_dataset_uses PRIMARY KEY (dataset_id, use, registered_at, model_id)
) WITHOUT ROWID;

-- Trained on: metadata that is not JSON, or whose training_data is not a list of
-- objects naming a dataset artifact, adds nothing (json_each of '[]').
INSERT OR IGNORE INTO model_dataset_uses (dataset_id, use, registered_at, model_id)
SELECT DISTINCT d.id, 'trained', mv.created_at, mv.artifact_id
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

-- Evaluated on: the column the registration copies evaluation_dataset.artifact_id to.
INSERT OR IGNORE INTO model_dataset_uses (dataset_id, use, registered_at, model_id)
SELECT d.id, 'evaluated', mv.created_at, mv.artifact_id
FROM model_versions mv
JOIN artifacts d ON d.id = mv.eval_dataset_artifact_id AND d.artifact_type = 'dataset';

-- Evaluated on, later: every evaluation recorded on a catalog dataset (0021).
INSERT OR IGNORE INTO model_dataset_uses (dataset_id, use, registered_at, model_id)
SELECT DISTINCT e.dataset_artifact_id, 'evaluated', mv.created_at, e.artifact_id
FROM model_evaluations e
JOIN model_versions mv ON mv.artifact_id = e.artifact_id
JOIN artifacts d ON d.id = e.dataset_artifact_id AND d.artifact_type = 'dataset';
