-- 0026_event_log: one ordered, append-only log of every change, followable by id.
--
-- A consumer keeps the last id it read and asks for the events after it; ids are
-- handed out in commit order (SQLite serialises writers from BEGIN IMMEDIATE), so
-- an event never appears behind a cursor that has passed it. The payload is a
-- small JSON object (the code bounds it); actor is NULL where nobody is known.
CREATE TABLE registry_events (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    event_type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    actor TEXT,
    model_id TEXT,
    -- COALESCE(lineage_id, id) of the model's artifact: its line, named or not.
    line_id TEXT,
    payload TEXT NOT NULL
);

CREATE INDEX idx_registry_events_type ON registry_events (event_type, id);
CREATE INDEX idx_registry_events_line ON registry_events (line_id, id);

CREATE TRIGGER trg_registry_events_no_update BEFORE UPDATE ON registry_events
BEGIN
    SELECT RAISE(ABORT, 'registry_events is append-only');
END;

CREATE TRIGGER trg_registry_events_no_delete BEFORE DELETE ON registry_events
BEGIN
    SELECT RAISE(ABORT, 'registry_events is append-only');
END;

-- The past, so a consumer starting at 0 sees it too: every fact the tables
-- already hold, in the order it happened (time, then a fixed rank of kinds, then
-- the row's own key), numbered from 1.
INSERT INTO registry_events (id, event_type, occurred_at, actor, model_id, line_id, payload)
SELECT row_number() OVER (ORDER BY occurred_at, rank_of_kind, source_key),
       event_type, occurred_at, actor, model_id, line_id, payload
FROM (
    SELECT CASE WHEN l.artifact_id IS NULL THEN 'model.registered' ELSE 'model.adopted' END
               AS event_type,
           mv.created_at AS occurred_at, a.created_by AS actor, a.id AS model_id,
           COALESCE(a.lineage_id, a.id) AS line_id,
           json_object('version', a.version_number) AS payload,
           0 AS rank_of_kind, a.id AS source_key
    FROM model_versions mv
    JOIN artifacts a ON a.id = mv.artifact_id
    LEFT JOIN model_legacy_metadata l ON l.artifact_id = mv.artifact_id
    UNION ALL
    SELECT 'line.named', ml.created_at, ml.named_by, ml.root_id, ml.root_id,
           json_object('name', ml.name), 1, ml.name
    FROM model_lines ml
    UNION ALL
    SELECT 'review.opened', q.created_at, NULL, q.artifact_id,
           (SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = q.artifact_id),
           json_object('blocking', q.blocking), 2, q.artifact_id
    FROM model_review_queue q
    UNION ALL
    SELECT 'pin.checked', c.checked_at, c.checked_by, c.artifact_id,
           (SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = c.artifact_id),
           json_object('check_id', c.id, 'status', c.status), 3, printf('%020d', c.id)
    FROM code_pin_checks c
    UNION ALL
    SELECT 'pin.changed', p.changed_at, p.changed_by, p.artifact_id,
           (SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = p.artifact_id),
           json_object('change_id', p.id, 'commit', p.new_commit_sha), 4, printf('%020d', p.id)
    FROM code_pin_changes p
    UNION ALL
    SELECT CASE
               WHEN e.from_state = 'superseded' AND e.to_state = 'promoted' THEN 'model.rolled_back'
               ELSE 'model.' || e.to_state
           END,
           e.created_at, e.actor, e.artifact_id,
           (SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = e.artifact_id),
           json_object('from_state', e.from_state, 'to_state', e.to_state,
                       'override', json(CASE WHEN e.override <> 0 THEN 'true' ELSE 'false' END),
                       'notes', substr(e.notes, 1, 500)),
           5, printf('%020d', e.id)
    FROM model_promotion_events e
    UNION ALL
    SELECT 'review.resolved', q.resolved_at, q.resolved_by, q.artifact_id,
           (SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = q.artifact_id),
           json_object('status', q.status), 6, q.artifact_id
    FROM model_review_queue q WHERE q.resolved_at IS NOT NULL
    UNION ALL
    SELECT 'token.created', t.created_at, NULL, NULL, NULL,
           json_object('name', t.name), 7, t.id
    FROM api_tokens t
    UNION ALL
    SELECT 'token.revoked', t.revoked_at, NULL, NULL, NULL,
           json_object('name', t.name), 8, t.id
    FROM api_tokens t WHERE t.revoked_at IS NOT NULL
)
ORDER BY 1;
