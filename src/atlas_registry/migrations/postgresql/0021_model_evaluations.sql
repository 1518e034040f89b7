-- 0021_model_evaluations: a version holds any number of evaluations, each its
-- own append-only fact: the benchmark, the evaluation data (a catalog dataset
-- at a revision or digest, or the data reference a registration or a card
-- gave), an optional split, typed metrics, who evaluated, when, and the
-- harness's own code pin. The metrics given at registration become each
-- version's first evaluation (origin 'registration', id 'reg-' || artifact id),
-- built here from model_versions and model_metrics, backfilled models included.
CREATE TABLE model_evaluations (
    id TEXT NOT NULL PRIMARY KEY,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_evaluations_artifact REFERENCES artifacts(id) ON DELETE CASCADE,
    -- 'registration': the metrics the version was registered with (derivable from
    -- model_versions); 'evaluate': added later; 'card': a model card's model-index result.
    origin TEXT NOT NULL
        CONSTRAINT ck_model_evaluations_origin CHECK (origin IN ('registration', 'evaluate', 'card')),
    benchmark_id TEXT,
    dataset_artifact_id TEXT
        CONSTRAINT fk_model_evaluations_dataset REFERENCES artifacts(id),
    -- The dataset's revision or digest the evaluation read.
    dataset_revision TEXT,
    -- What names the data on a leaderboard: the dataset's id, else its URL or card name.
    dataset_key TEXT NOT NULL,
    -- The data reference as given (JSON object), for display and card export.
    dataset_json TEXT,
    split TEXT,
    harness_repo_url TEXT,
    harness_commit_sha TEXT,
    evaluated_by TEXT,
    notes TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT ck_model_evaluations_harness
        CHECK (harness_commit_sha IS NULL OR harness_repo_url IS NOT NULL)
);

CREATE INDEX idx_model_evaluations_artifact ON model_evaluations (artifact_id, created_at, id);
CREATE INDEX idx_model_evaluations_dataset ON model_evaluations (dataset_artifact_id, artifact_id)
    WHERE dataset_artifact_id IS NOT NULL;

CREATE TABLE model_evaluation_metrics (
    evaluation_id TEXT NOT NULL
        CONSTRAINT fk_model_evaluation_metrics_evaluation
        REFERENCES model_evaluations(id) ON DELETE CASCADE,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_evaluation_metrics_artifact REFERENCES artifacts(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    CONSTRAINT pk_model_evaluation_metrics PRIMARY KEY (evaluation_id, metric)
);

-- Leaderboards: the newest evaluation of each version per (benchmark, dataset,
-- split, metric), where dataset_key and split_key '*' mean "any". Derived from
-- the two tables above (each evaluation replaces its version's older entries),
-- so a leaderboard is an index range scan in value order.
CREATE TABLE model_evaluation_board (
    benchmark_id TEXT NOT NULL,
    dataset_key TEXT NOT NULL,
    split_key TEXT NOT NULL,
    metric TEXT NOT NULL,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_evaluation_board_artifact REFERENCES artifacts(id) ON DELETE CASCADE,
    value DOUBLE PRECISION NOT NULL,
    -- The evaluation the entry ranks (no foreign key: derived rows go with their artifact,
    -- and a check per entry would slow every registration for nothing).
    evaluation_id TEXT NOT NULL,
    CONSTRAINT pk_model_evaluation_board
        PRIMARY KEY (benchmark_id, dataset_key, split_key, metric, artifact_id)
);
CREATE INDEX idx_model_evaluation_board_rank
    ON model_evaluation_board (benchmark_id, dataset_key, split_key, metric, value, artifact_id);
-- Leaderboards no longer read model_metrics: its index would only slow every registration.
DROP INDEX IF EXISTS idx_model_metrics_leaderboard;

-- Every version's first evaluation: what it was registered with.
INSERT INTO model_evaluations (id, artifact_id, origin, benchmark_id, dataset_artifact_id,
    dataset_revision, dataset_key, dataset_json, evaluated_by, created_at)
SELECT 'reg-' || s.artifact_id, s.artifact_id, 'registration', s.benchmark_id,
    s.eval_dataset_artifact_id,
    s.reference ->> 'version',
    COALESCE(s.eval_dataset_artifact_id, 'url:' || (s.reference ->> 'url'), ''),
    s.reference::text,
    s.created_by, s.created_at
FROM (
    SELECT mv.artifact_id, mv.benchmark_id, mv.eval_dataset_artifact_id, a.created_by,
        mv.created_at,
        CASE WHEN jsonb_typeof(a.metadata::jsonb -> 'evaluation_dataset') = 'object'
        THEN a.metadata::jsonb -> 'evaluation_dataset' END AS reference
    FROM model_versions mv
    JOIN artifacts a ON a.id = mv.artifact_id
    WHERE EXISTS (SELECT 1 FROM model_metrics mm WHERE mm.artifact_id = mv.artifact_id)
      AND NOT EXISTS (SELECT 1 FROM model_evaluations e WHERE e.id = 'reg-' || mv.artifact_id)
) s;

INSERT INTO model_evaluation_metrics (evaluation_id, artifact_id, metric, value)
SELECT 'reg-' || mm.artifact_id, mm.artifact_id, mm.metric, mm.value FROM model_metrics mm;

INSERT INTO model_evaluation_board
    (benchmark_id, dataset_key, split_key, metric, artifact_id, value, evaluation_id)
SELECT e.benchmark_id, '*', '*', m.metric, m.artifact_id, m.value, e.id
FROM model_evaluations e JOIN model_evaluation_metrics m ON m.evaluation_id = e.id
WHERE e.benchmark_id IS NOT NULL
UNION ALL
SELECT e.benchmark_id, e.dataset_key, '*', m.metric, m.artifact_id, m.value, e.id
FROM model_evaluations e JOIN model_evaluation_metrics m ON m.evaluation_id = e.id
WHERE e.benchmark_id IS NOT NULL AND e.dataset_key <> '';

COMMENT ON TABLE model_evaluations IS 'Append-only evaluations of model versions; origin registration is the registration''s own metrics.';
COMMENT ON TABLE model_evaluation_metrics IS 'Append-only typed metrics of each evaluation.';
COMMENT ON TABLE model_evaluation_board IS 'Derived: the newest evaluation of each version per benchmark, dataset, split and metric.';

-- Append-only: no UPDATE, no TRUNCATE, and a row leaves only with its artifact
-- (the ON DELETE CASCADE of its foreign key, which runs once the artifact row is gone).
CREATE FUNCTION model_evaluations_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION model_evaluations_go_with_artifact() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM artifacts WHERE id = OLD.artifact_id) THEN
        RAISE EXCEPTION USING
            MESSAGE = TG_TABLE_NAME || ' is append-only: an evaluation goes only with its artifact',
            ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_model_evaluations_no_update BEFORE UPDATE ON model_evaluations
    FOR EACH ROW EXECUTE FUNCTION model_evaluations_append_only();
CREATE TRIGGER trg_model_evaluations_no_delete BEFORE DELETE ON model_evaluations
    FOR EACH ROW EXECUTE FUNCTION model_evaluations_go_with_artifact();
CREATE TRIGGER trg_model_evaluations_no_truncate BEFORE TRUNCATE ON model_evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();
CREATE TRIGGER trg_model_evaluation_metrics_no_update BEFORE UPDATE ON model_evaluation_metrics
    FOR EACH ROW EXECUTE FUNCTION model_evaluations_append_only();
CREATE TRIGGER trg_model_evaluation_metrics_no_delete BEFORE DELETE ON model_evaluation_metrics
    FOR EACH ROW EXECUTE FUNCTION model_evaluations_go_with_artifact();
CREATE TRIGGER trg_model_evaluation_metrics_no_truncate BEFORE TRUNCATE ON model_evaluation_metrics
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();

-- An artifact holding evaluations added after its registration has history:
-- deleting it would lose them.
CREATE OR REPLACE FUNCTION artifacts_keep_history() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM model_promotion_events WHERE artifact_id = OLD.id)
       OR EXISTS (SELECT 1 FROM code_pin_checks WHERE artifact_id = OLD.id)
       OR EXISTS (SELECT 1 FROM code_pin_changes WHERE artifact_id = OLD.id)
       OR EXISTS (SELECT 1 FROM model_evaluations
                  WHERE artifact_id = OLD.id AND origin <> 'registration') THEN
        RAISE EXCEPTION 'an artifact with history (promotion events, pin checks, pin changes or evaluations) cannot be deleted'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
