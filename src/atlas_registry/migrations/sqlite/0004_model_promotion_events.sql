-- 0004_model_promotion_events: the append-only history of promotion transitions.
-- Every change of model_versions.promotion_state appends one row here in the same
-- transaction. Rows are never updated or deleted (triggers refuse it), and an
-- artifact with history cannot be deleted (the foreign key has no cascade), so
-- the audit trail outlives any clean-up.
CREATE TABLE model_promotion_events (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    -- The model version whose state changed.
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_promotion_events_artifact REFERENCES artifacts(id),
    from_state TEXT NOT NULL
        CONSTRAINT ck_promotion_events_from
        CHECK (from_state IN ('candidate', 'promoted', 'rejected', 'superseded')),
    to_state TEXT NOT NULL
        CONSTRAINT ck_promotion_events_to
        CHECK (to_state IN ('candidate', 'promoted', 'rejected', 'superseded')),
    -- Who made the transition (agent id or user name).
    actor TEXT NOT NULL
        CONSTRAINT ck_promotion_events_actor CHECK (length(actor) BETWEEN 1 AND 200),
    notes TEXT,
    -- 1 when the evaluation gate was overridden; notes then say why.
    override INTEGER NOT NULL DEFAULT 0
        CONSTRAINT ck_promotion_events_override CHECK (override IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    CONSTRAINT ck_promotion_events_override_notes
        CHECK (override = 0 OR length(trim(coalesce(notes, ''))) > 0)
);

CREATE INDEX idx_promotion_events_artifact ON model_promotion_events (artifact_id, id);
CREATE INDEX idx_promotion_events_recent ON model_promotion_events (created_at, id);

CREATE TRIGGER trg_promotion_events_no_update BEFORE UPDATE ON model_promotion_events
BEGIN
    SELECT RAISE(ABORT, 'model_promotion_events is append-only');
END;

CREATE TRIGGER trg_promotion_events_no_delete BEFORE DELETE ON model_promotion_events
BEGIN
    SELECT RAISE(ABORT, 'model_promotion_events is append-only');
END;
