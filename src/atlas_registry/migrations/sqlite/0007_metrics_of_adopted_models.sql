-- Backfilled (adopted) models written before 0007 got no model_metrics rows, so
-- no leaderboard listed them. Give every model whose metrics are missing its
-- rows from model_versions.eval_metrics_json, the source of truth, exactly as
-- 0006 did for the models of its day; models that have rows are left alone.
INSERT INTO model_metrics (artifact_id, benchmark_id, metric, value)
SELECT mv.artifact_id, mv.benchmark_id, m.key, m.value
FROM model_versions mv,
     json_each(COALESCE(CASE WHEN json_valid(mv.eval_metrics_json) THEN
         CASE WHEN json_type(mv.eval_metrics_json) = 'object' THEN mv.eval_metrics_json END
     END, '{}')) m
WHERE m.type IN ('integer', 'real')
  AND NOT EXISTS (SELECT 1 FROM model_metrics mm WHERE mm.artifact_id = mv.artifact_id);
