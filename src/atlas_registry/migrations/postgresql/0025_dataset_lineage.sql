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
);

-- Metadata that is not JSON adds nothing (the cast would abort the migration):
-- read through a function of this session only, gone when it ends.
CREATE OR REPLACE FUNCTION pg_temp.metadata_or_null(text) RETURNS jsonb AS $$
BEGIN
    RETURN $1::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$ LANGUAGE plpgsql IMMUTABLE;

-- Trained on: a training_data that is not a list of objects naming a dataset
-- artifact adds nothing.
INSERT INTO model_dataset_uses (dataset_id, use, registered_at, model_id)
SELECT DISTINCT d.id, 'trained', m.created_at, m.artifact_id
FROM (
    SELECT mv.artifact_id, mv.created_at,
        pg_temp.metadata_or_null(a.metadata) -> 'training_data' AS training
    FROM model_versions mv JOIN artifacts a ON a.id = mv.artifact_id
) AS m
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(m.training) = 'array' THEN m.training ELSE '[]'::jsonb END
) AS item
JOIN artifacts d ON d.artifact_type = 'dataset' AND d.id = (
    CASE WHEN jsonb_typeof(item -> 'artifact_id') = 'string' THEN item ->> 'artifact_id' END
)
ON CONFLICT DO NOTHING;

-- Evaluated on: the column the registration copies evaluation_dataset.artifact_id to.
INSERT INTO model_dataset_uses (dataset_id, use, registered_at, model_id)
SELECT d.id, 'evaluated', mv.created_at, mv.artifact_id
FROM model_versions mv
JOIN artifacts d ON d.id = mv.eval_dataset_artifact_id AND d.artifact_type = 'dataset'
ON CONFLICT DO NOTHING;

-- Evaluated on, later: every evaluation recorded on a catalog dataset (0021).
INSERT INTO model_dataset_uses (dataset_id, use, registered_at, model_id)
SELECT DISTINCT e.dataset_artifact_id, 'evaluated', mv.created_at, e.artifact_id
FROM model_evaluations e
JOIN model_versions mv ON mv.artifact_id = e.artifact_id
JOIN artifacts d ON d.id = e.dataset_artifact_id AND d.artifact_type = 'dataset'
ON CONFLICT DO NOTHING;

-- The planner reads a dataset's uses in order only when it knows how many there are.
ANALYZE model_dataset_uses;
