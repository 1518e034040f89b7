-- Reverts 0007_metrics_of_adopted_models: nothing to undo. The rows it added are
-- derived from model_versions.eval_metrics_json and are what every registration
-- writes anyway; removing them would take backfilled models off the leaderboards again.
SELECT 1;
