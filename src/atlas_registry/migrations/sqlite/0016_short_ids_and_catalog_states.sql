-- 0016_short_ids_and_catalog_states: short ids, and a model's catalog state that
-- agrees with its promotion state.
--
-- A generated id ends in a UUID whose last hex digits are random (version 7
-- and version 4 alike), while a version-7 id begins with its creation time, so
-- ids made together share their first 19 characters. The short id a person
-- copies is the id's last 8 characters; this index on them answers a short id
-- from the index, at any catalog size. The expression is written the same on
-- both databases (SQLite and PostgreSQL each have substr and length).
CREATE INDEX idx_artifacts_short_id ON artifacts (substr(id, length(id) - 7));
-- lifecycle_state of a registered model follows its promotion state
-- (lifecycle.CATALOG_STATES); rows written before kept 'active' after a
-- rejection or a supersession, or a legacy value after adoption.
UPDATE artifacts SET lifecycle_state = (
    SELECT CASE mv.promotion_state
        WHEN 'rejected' THEN 'archived'
        WHEN 'superseded' THEN 'superseded'
        ELSE 'active'
    END
    FROM model_versions mv WHERE mv.artifact_id = artifacts.id
)
WHERE id IN (SELECT artifact_id FROM model_versions);
