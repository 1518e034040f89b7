-- 0002_model_versions: per-version facts of model artifacts, as queryable columns
-- (SPEC 2.2 contract DDL, verbatim in meaning). One row per model artifact version.
CREATE TABLE model_versions (
    -- The model artifact this row describes; deleting the artifact deletes the row.
    artifact_id TEXT NOT NULL PRIMARY KEY
        CONSTRAINT fk_model_versions_artifact REFERENCES artifacts(id) ON DELETE CASCADE,
    -- 1 when the model was obtained from outside (Hugging Face, GitHub, Zenodo).
    is_external INTEGER NOT NULL DEFAULT 0
        CONSTRAINT ck_model_versions_is_external CHECK (is_external IN (0, 1)),
    external_source_url TEXT,
    -- Immutable pin of the external source: HF revision, GitHub SHA, Zenodo version.
    external_source_version TEXT,
    -- The model this one was fine-tuned from.
    base_model_id TEXT
        CONSTRAINT fk_model_versions_base_model REFERENCES artifacts(id),
    code_repo_url TEXT,
    code_commit_sha TEXT,
    -- Script or module that trains the model, e.g. 'forge/training/train_celltype.py'.
    code_entrypoint TEXT,
    training_started_at TEXT,
    training_completed_at TEXT,
    -- agent_id of the trainer.
    trained_by TEXT,
    -- resource_allocations.id of the GPU allocation used for training.
    gpu_allocation_id TEXT,
    -- JSON object of training hyperparameters/config.
    training_params_json TEXT,
    -- JSON object of evaluation metric name -> number.
    eval_metrics_json TEXT,
    eval_dataset_artifact_id TEXT
        CONSTRAINT fk_model_versions_eval_dataset REFERENCES artifacts(id),
    benchmark_id TEXT,
    promotion_state TEXT NOT NULL DEFAULT 'candidate'
        CONSTRAINT ck_model_versions_promotion_state
        CHECK (promotion_state IN ('candidate', 'promoted', 'rejected', 'superseded')),
    promotion_notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE INDEX idx_model_versions_base ON model_versions (base_model_id);
CREATE INDEX idx_model_versions_trained_by ON model_versions (trained_by);
CREATE INDEX idx_model_versions_promotion ON model_versions (promotion_state);
