-- 0014_external_models_index: a page of external models without reading the catalog.
-- The "external" filter (list --external yes, the models page's Source field)
-- walked every version newest first looking for external ones: 28 ms on SQLite
-- at 100,000 versions with none, growing with the catalog. A partial index holds
-- the external models only, newest first, so an internal registration (most of
-- them) writes no entry in it; internal models are found by the newest-first walk.
CREATE INDEX idx_model_versions_external_recent
    ON model_versions (created_at, artifact_id) WHERE is_external = 1;
