-- Reverts 0008_append_only_guards: history and legacy text can be truncated again.
DROP TRIGGER trg_legacy_metadata_no_update ON model_legacy_metadata;
DROP FUNCTION legacy_metadata_verbatim();
DROP TRIGGER trg_legacy_metadata_no_truncate ON model_legacy_metadata;
DROP TRIGGER trg_promotion_events_no_truncate ON model_promotion_events;
DROP FUNCTION registry_refuse_truncate();
