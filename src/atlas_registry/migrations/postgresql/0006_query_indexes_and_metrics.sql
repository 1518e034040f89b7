-- 0006_query_indexes_and_metrics: make list filters and metric leaderboards fast at
-- millions of model versions.
-- List queries return the newest registrations first, so each filter gets an index
-- that ends in (created_at, artifact_id): the database walks it in order and stops
-- at the page size instead of sorting every match. The single-column indexes of
-- 0003 they replace are dropped (the contract indexes of 0002 stay).
DROP INDEX idx_model_versions_framework;
DROP INDEX idx_model_versions_benchmark;
CREATE INDEX idx_model_versions_state_family_recent
    ON model_versions (promotion_state, model_family, created_at, artifact_id);
CREATE INDEX idx_model_versions_trained_by_recent
    ON model_versions (trained_by, created_at, artifact_id);
CREATE INDEX idx_model_versions_benchmark_recent
    ON model_versions (benchmark_id, created_at, artifact_id);
CREATE INDEX idx_model_versions_recent ON model_versions (created_at, artifact_id);

-- model_metrics: evaluation metrics as typed rows, one per (model, metric), so a
-- leaderboard ("top 10 by auroc within benchmark X") is an index range scan.
-- Written with model_versions.eval_metrics_json, which stays the source of truth.
CREATE TABLE model_metrics (
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_metrics_artifact REFERENCES artifacts(id) ON DELETE CASCADE,
    -- Copy of model_versions.benchmark_id (fixed at registration).
    benchmark_id TEXT,
    metric TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    CONSTRAINT pk_model_metrics PRIMARY KEY (artifact_id, metric)
);
CREATE INDEX idx_model_metrics_leaderboard ON model_metrics (benchmark_id, metric, value);

-- Rows written before this migration; values that are not JSON objects contribute nothing.
INSERT INTO model_metrics (artifact_id, benchmark_id, metric, value)
SELECT s.artifact_id, s.benchmark_id, m.key, (m.value #>> '{}')::double precision
FROM (
    SELECT artifact_id, benchmark_id, eval_metrics_json::jsonb AS metrics
    FROM model_versions WHERE eval_metrics_json IS NOT NULL
) s
CROSS JOIN LATERAL jsonb_each(
    CASE WHEN jsonb_typeof(s.metrics) = 'object' THEN s.metrics ELSE '{}'::jsonb END
) m
WHERE jsonb_typeof(m.value) = 'number';
