-- Reverts 0009_restore_catalog_columns: nothing to undo; the values it restored
-- are the ones 0003 keeps (0003's own down file keeps them aside again).
SELECT 1;
