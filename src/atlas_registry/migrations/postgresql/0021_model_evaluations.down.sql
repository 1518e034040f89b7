-- Reverts 0021_model_evaluations. The first evaluation of each version is its
-- registration (model_versions keeps it); any evaluation added later is lost,
-- so `migrate down` refuses unless model_evaluations is named to discard.
CREATE OR REPLACE FUNCTION artifacts_keep_history() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM model_promotion_events WHERE artifact_id = OLD.id)
       OR EXISTS (SELECT 1 FROM code_pin_checks WHERE artifact_id = OLD.id)
       OR EXISTS (SELECT 1 FROM code_pin_changes WHERE artifact_id = OLD.id) THEN
        RAISE EXCEPTION 'an artifact with history (promotion events, pin checks or pin changes) cannot be deleted'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE INDEX IF NOT EXISTS idx_model_metrics_leaderboard ON model_metrics (benchmark_id, metric, value);
DROP TABLE model_evaluation_board;
DROP TABLE model_evaluation_metrics;
DROP TABLE model_evaluations;
DROP FUNCTION model_evaluations_go_with_artifact();
DROP FUNCTION model_evaluations_append_only();
