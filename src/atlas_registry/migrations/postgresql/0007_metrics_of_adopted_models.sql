-- Backfilled (adopted) models written before 0007 got no model_metrics rows, so
-- no leaderboard listed them. Give every model whose metrics are missing its
-- rows from model_versions.eval_metrics_json, the source of truth, exactly as
-- 0006 did for the models of its day; models that have rows are left alone.
INSERT INTO model_metrics (artifact_id, benchmark_id, metric, value)
SELECT s.artifact_id, s.benchmark_id, m.key, (m.value #>> '{}')::double precision
FROM (
    SELECT artifact_id, benchmark_id, eval_metrics_json::jsonb AS metrics
    FROM model_versions mv
    WHERE eval_metrics_json IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM model_metrics mm WHERE mm.artifact_id = mv.artifact_id)
) s
CROSS JOIN LATERAL jsonb_each(
    CASE WHEN jsonb_typeof(s.metrics) = 'object' THEN s.metrics ELSE '{}'::jsonb END
) m
WHERE jsonb_typeof(m.value) = 'number';
