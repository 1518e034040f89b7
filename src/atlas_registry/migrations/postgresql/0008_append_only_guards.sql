-- 0008_append_only_guards: the promotion history and the legacy text cannot be
-- erased wholesale. Row triggers (0004) refuse UPDATE and DELETE of history,
-- but TRUNCATE fires no row trigger; these statement triggers refuse it, also
-- when it arrives through TRUNCATE ... CASCADE from artifacts. The legacy text
-- is kept verbatim: it may go with its artifact (ON DELETE CASCADE) but never change.
CREATE FUNCTION registry_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: TRUNCATE would erase it',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_promotion_events_no_truncate BEFORE TRUNCATE ON model_promotion_events
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();
CREATE TRIGGER trg_legacy_metadata_no_truncate BEFORE TRUNCATE ON model_legacy_metadata
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();

CREATE FUNCTION legacy_metadata_verbatim() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'model_legacy_metadata keeps the legacy text verbatim'
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_legacy_metadata_no_update BEFORE UPDATE ON model_legacy_metadata
    FOR EACH ROW EXECUTE FUNCTION legacy_metadata_verbatim();
