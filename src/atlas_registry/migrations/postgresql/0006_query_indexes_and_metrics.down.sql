-- Reverts 0006_query_indexes_and_metrics (model_metrics is derived data: nothing is lost).
DROP TABLE model_metrics;
DROP INDEX idx_model_versions_recent;
DROP INDEX idx_model_versions_benchmark_recent;
DROP INDEX idx_model_versions_trained_by_recent;
DROP INDEX idx_model_versions_state_family_recent;
CREATE INDEX idx_model_versions_framework ON model_versions (framework);
CREATE INDEX idx_model_versions_benchmark ON model_versions (benchmark_id);
