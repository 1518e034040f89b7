-- 0008_append_only_guards: the legacy text is kept verbatim. It may go with its
-- artifact (ON DELETE CASCADE) but never change. (SQLite has no TRUNCATE: a
-- DELETE of every row fires the row triggers 0004 put on the history.)
CREATE TRIGGER trg_legacy_metadata_no_update BEFORE UPDATE ON model_legacy_metadata
BEGIN
    SELECT RAISE(ABORT, 'model_legacy_metadata keeps the legacy text verbatim');
END;
