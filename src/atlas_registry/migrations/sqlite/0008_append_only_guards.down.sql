-- Reverts 0008_append_only_guards.
DROP TRIGGER trg_legacy_metadata_no_update;
