-- Reverts 0016_short_ids_and_catalog_states: drops the short-id index (short ids
-- are then found by reading every model). The catalog states it derived stay:
-- they are the ones every transition writes, and the values they replaced were
-- the ones that contradicted the promotion state.
DROP INDEX IF EXISTS idx_artifacts_short_id;
