-- 0002_model_versions: per-version facts of model artifacts, as queryable columns
-- (SPEC 2.2 contract DDL). Same columns, defaults, checks and indexes as SQLite;
-- created_at defaults to the same 'YYYY-MM-DD HH:MM:SS' UTC text as datetime('now').
CREATE TABLE model_versions (
    artifact_id TEXT PRIMARY KEY
        CONSTRAINT fk_model_versions_artifact REFERENCES artifacts(id) ON DELETE CASCADE,
    is_external INTEGER NOT NULL DEFAULT 0
        CONSTRAINT ck_model_versions_is_external CHECK (is_external IN (0, 1)),
    external_source_url TEXT,
    external_source_version TEXT,
    base_model_id TEXT
        CONSTRAINT fk_model_versions_base_model REFERENCES artifacts(id),
    code_repo_url TEXT,
    code_commit_sha TEXT,
    code_entrypoint TEXT,
    training_started_at TEXT,
    training_completed_at TEXT,
    trained_by TEXT,
    gpu_allocation_id TEXT,
    training_params_json TEXT,
    eval_metrics_json TEXT,
    eval_dataset_artifact_id TEXT
        CONSTRAINT fk_model_versions_eval_dataset REFERENCES artifacts(id),
    benchmark_id TEXT,
    promotion_state TEXT NOT NULL DEFAULT 'candidate'
        CONSTRAINT ck_model_versions_promotion_state
        CHECK (promotion_state IN ('candidate', 'promoted', 'rejected', 'superseded')),
    promotion_notes TEXT,
    created_at TEXT NOT NULL DEFAULT to_char(timezone('UTC', now()), 'YYYY-MM-DD HH24:MI:SS')
);

COMMENT ON TABLE model_versions IS 'Per-version facts of model artifacts (SPEC 2.2).';
COMMENT ON COLUMN model_versions.artifact_id IS 'The model artifact; deleting it deletes this row.';
COMMENT ON COLUMN model_versions.is_external IS '1 when obtained from outside (HF, GitHub, Zenodo).';
COMMENT ON COLUMN model_versions.external_source_version IS 'Immutable pin: HF revision, GitHub SHA, Zenodo version.';
COMMENT ON COLUMN model_versions.base_model_id IS 'The model this one was fine-tuned from.';
COMMENT ON COLUMN model_versions.code_entrypoint IS 'Training script, e.g. forge/training/train_celltype.py.';
COMMENT ON COLUMN model_versions.trained_by IS 'agent_id of the trainer.';
COMMENT ON COLUMN model_versions.gpu_allocation_id IS 'resource_allocations.id reference.';
COMMENT ON COLUMN model_versions.training_params_json IS 'JSON object of training hyperparameters/config.';
COMMENT ON COLUMN model_versions.eval_metrics_json IS 'JSON object of evaluation metric name -> number.';

CREATE INDEX idx_model_versions_base ON model_versions (base_model_id);
CREATE INDEX idx_model_versions_trained_by ON model_versions (trained_by);
CREATE INDEX idx_model_versions_promotion ON model_versions (promotion_state);
