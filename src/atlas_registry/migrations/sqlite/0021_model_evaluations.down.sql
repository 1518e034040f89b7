-- Reverts 0021_model_evaluations. The first evaluation of each version is its
-- registration (model_versions keeps it); any evaluation added later is lost,
-- so `migrate down` refuses unless model_evaluations is named to discard.
DROP TRIGGER IF EXISTS trg_artifacts_keep_history;
CREATE TRIGGER trg_artifacts_keep_history BEFORE DELETE ON artifacts
WHEN EXISTS (SELECT 1 FROM model_promotion_events WHERE artifact_id = OLD.id)
  OR EXISTS (SELECT 1 FROM code_pin_checks WHERE artifact_id = OLD.id)
  OR EXISTS (SELECT 1 FROM code_pin_changes WHERE artifact_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'an artifact with history (promotion events, pin checks or pin changes) cannot be deleted');
END;
CREATE INDEX IF NOT EXISTS idx_model_metrics_leaderboard ON model_metrics (benchmark_id, metric, value);
DROP TABLE model_evaluation_board;
DROP TABLE model_evaluation_metrics;
DROP TABLE model_evaluations;
