-- 0004_model_promotion_events: the append-only history of promotion transitions.
-- Every change of model_versions.promotion_state appends one row here in the same
-- transaction. Rows are never updated or deleted (triggers refuse it), and an
-- artifact with history cannot be deleted (the foreign key has no cascade).
CREATE TABLE model_promotion_events (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_promotion_events_artifact REFERENCES artifacts(id),
    from_state TEXT NOT NULL
        CONSTRAINT ck_promotion_events_from
        CHECK (from_state IN ('candidate', 'promoted', 'rejected', 'superseded')),
    to_state TEXT NOT NULL
        CONSTRAINT ck_promotion_events_to
        CHECK (to_state IN ('candidate', 'promoted', 'rejected', 'superseded')),
    actor TEXT NOT NULL
        CONSTRAINT ck_promotion_events_actor CHECK (length(actor) BETWEEN 1 AND 200),
    notes TEXT,
    override INTEGER NOT NULL DEFAULT 0
        CONSTRAINT ck_promotion_events_override CHECK (override IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT to_char(timezone('UTC', now()), 'YYYY-MM-DD HH24:MI:SS'),
    CONSTRAINT ck_promotion_events_override_notes
        CHECK (override = 0 OR length(trim(coalesce(notes, ''))) > 0)
);

COMMENT ON TABLE model_promotion_events IS 'Append-only history of promotion transitions.';
COMMENT ON COLUMN model_promotion_events.actor IS 'Who made the transition (agent id or user name).';
COMMENT ON COLUMN model_promotion_events.override IS '1 when the evaluation gate was overridden; notes say why.';

CREATE INDEX idx_promotion_events_artifact ON model_promotion_events (artifact_id, id);
CREATE INDEX idx_promotion_events_recent ON model_promotion_events (created_at, id);

CREATE FUNCTION promotion_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'model_promotion_events is append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_promotion_events_no_update BEFORE UPDATE ON model_promotion_events
    FOR EACH ROW EXECUTE FUNCTION promotion_events_append_only();
CREATE TRIGGER trg_promotion_events_no_delete BEFORE DELETE ON model_promotion_events
    FOR EACH ROW EXECUTE FUNCTION promotion_events_append_only();
