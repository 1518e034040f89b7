-- 0029_transition_function: a promotion, a rejection or a retirement in one call.
--
-- A transition written from the client is two round trips of eight statements
-- (lock, line, model; states, catalog rows, history, event lock, events), and
-- on PostgreSQL the client's per-statement work was most of its time. This
-- function does the same work on the server, in the caller's transaction, with
-- the same lock, the same checks and the same rows as lifecycle/moves.py:
--
--   1. the line's advisory lock (the key catalog/lines.py takes: the prefix
--      comes in p_context), then the version read under it;
--   2. the version must be in p_from_state (the one state lifecycle/transitions.py
--      allows the move from) and, for a promotion, meet the gate p_gate describes
--      (below);
--   3. the line's promoted version, if another, leaves 'promoted' first (the
--      one-promoted-per-line index checks row by row), then the version moves;
--      each state change with no ELSE, so a version no longer in its state
--      fails the NOT NULL as the client's UPDATE does;
--   4. the catalog rows (lifecycle_state from p_context's mapping, superseded_by
--      of the versions it retires), the history rows, and last the event log:
--      the event id lock is the last lock the transaction takes, as
--      store/events/pending.py requires, then the events and the notification.
--      With p_write_events false (a caller whose unit of work records more
--      events) the log is left to the caller, which writes it at its COMMIT.
--
-- It raises nothing of its own. A version it does not move (not there, not in
-- the state the move needs, or not shown to meet the gate) is answered with one
-- row whose refused column says why, and nothing written: the client then runs
-- its own transition, whose errors are the ones a person reads on SQLite too.
-- So the gate here only has to be sure when it passes: it passes a version on
-- the conditions the version's own row decides (metrics recorded, a
-- reproducibility pin, the benchmark threshold, compared with the exact values
-- of the policy's bounds), and refuses whenever a condition needs what only
-- the client reads (pin checks, file checks, evaluation rules that reach it)
-- or the row holds something it cannot read the way the client does.
CREATE FUNCTION atlas_registry_transition(
    p_model_id TEXT,
    p_from_state TEXT,
    p_to_state TEXT,
    p_actor TEXT,
    p_notes TEXT,
    p_gate JSONB,
    p_now TEXT,
    p_short_id TEXT,
    p_context JSONB,
    p_write_events BOOLEAN
) RETURNS TABLE (
    out_refused TEXT,
    out_model_id TEXT,
    out_from_state TEXT,
    out_to_state TEXT,
    out_notes TEXT,
    out_event_id INTEGER
) AS $$
DECLARE
    v_root TEXT;
    v_version INTEGER;
    v_line TEXT;
    v_row model_versions;  -- the table's row type
    v_metrics JSONB;
    v_threshold JSONB;
    v_value JSONB;
    v_retired TEXT[];
    v_note TEXT;
    v_ids INTEGER[];
    v_states JSONB := p_context -> 'catalog_states';
    v_cut INTEGER := (p_context ->> 'notes_chars')::INTEGER;
BEGIN
    SELECT COALESCE(a.lineage_id, a.id), a.version_number INTO v_root, v_version
    FROM artifacts a WHERE a.id = p_model_id;
    IF v_root IS NULL THEN
        RETURN QUERY SELECT 'missing'::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT,
            NULL::INTEGER;
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended((p_context ->> 'line_lock') || v_root, 0));
    SELECT * INTO v_row FROM model_versions mv WHERE mv.artifact_id = p_model_id;
    IF NOT FOUND OR v_row.promotion_state IS DISTINCT FROM p_from_state THEN
        RETURN QUERY SELECT 'state'::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT,
            NULL::INTEGER;
        RETURN;
    END IF;
    SELECT n.name INTO v_line FROM model_lines n WHERE n.root_id = v_root;

    IF p_gate IS NOT NULL THEN
        IF v_row.eval_metrics_json IS NOT NULL THEN
            BEGIN
                v_metrics := v_row.eval_metrics_json::JSONB;
            EXCEPTION WHEN OTHERS THEN  -- NaN or worse: the client reads it its own way
                v_metrics := '"unread"'::JSONB;
            END;
        END IF;
        IF (p_gate ->> 'files')::BOOLEAN
            OR ((p_gate ->> 'pin_checks')::BOOLEAN AND v_row.is_external = 0)
            OR (p_gate -> 'evaluation_benchmarks') ? v_row.benchmark_id
            OR (p_gate -> 'evaluation_lines') ? v_line
            OR (p_gate -> 'evaluation_families') ? v_row.model_family
            OR (v_metrics IS NOT NULL AND jsonb_typeof(v_metrics) <> 'object')
            OR ((p_gate ->> 'metrics')::BOOLEAN AND (v_metrics IS NULL OR v_metrics = '{}'))
            OR ((p_gate ->> 'pin')::BOOLEAN AND (
                CASE WHEN v_row.is_external = 1
                    THEN COALESCE(v_row.external_source_url, '') = ''
                        OR COALESCE(v_row.external_source_version, '') = ''
                    ELSE COALESCE(v_row.code_repo_url, '') = ''
                        OR COALESCE(v_row.code_commit_sha, '') = ''
                END))
        THEN
            RETURN QUERY SELECT 'gate'::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT,
                NULL::INTEGER;
            RETURN;
        END IF;
        v_threshold := p_gate -> 'benchmarks' -> COALESCE(v_row.benchmark_id, '');
        IF v_threshold IS NOT NULL THEN
            v_value := v_metrics -> (v_threshold ->> 'metric');
            IF v_value IS NULL OR jsonb_typeof(v_value) <> 'number'
                OR abs(v_value::NUMERIC) >= 1e308
                OR v_value::NUMERIC < (v_threshold ->> 'minimum')::NUMERIC
                OR v_value::NUMERIC > (v_threshold ->> 'maximum')::NUMERIC
            THEN
                RETURN QUERY SELECT 'gate'::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT,
                    NULL::INTEGER;
                RETURN;
            END IF;
        END IF;
    END IF;

    IF p_to_state = 'promoted' THEN
        -- The line's promoted version (any other): one probe of the index that keeps
        -- one per line, as lifecycle/transitions.py's PROMOTED_IN_LINE.
        SELECT array_agg(mv.artifact_id ORDER BY a.version_number) INTO v_retired
        FROM model_versions mv JOIN artifacts a ON a.id = mv.artifact_id
        WHERE mv.line_id = v_root AND mv.promotion_state = 'promoted'
            AND mv.artifact_id <> p_model_id;
    END IF;
    v_retired := COALESCE(v_retired, ARRAY[]::TEXT[]);
    v_note := 'superseded by ' || COALESCE(v_line || '@' || v_version, p_short_id);

    IF cardinality(v_retired) > 0 THEN
        UPDATE model_versions mv
        SET promotion_state = CASE WHEN mv.promotion_state = 'promoted' THEN 'superseded' END,
            promotion_notes = v_note
        WHERE mv.artifact_id = ANY (v_retired);
    END IF;
    UPDATE model_versions mv
    SET promotion_state = CASE WHEN mv.promotion_state = p_from_state THEN p_to_state END,
        promotion_notes = p_notes
    WHERE mv.artifact_id = p_model_id;
    UPDATE artifacts a
    SET superseded_by = CASE WHEN a.id = p_model_id THEN a.superseded_by ELSE p_model_id END,
        lifecycle_state = v_states ->> CASE WHEN a.id = p_model_id THEN p_to_state
                                             ELSE 'superseded' END,
        updated_at = p_now
    WHERE a.id = p_model_id OR a.id = ANY (v_retired);

    WITH moved AS (
        SELECT m.id, m.from_state, m.to_state, m.notes, m.ord
        FROM (
            SELECT r.id, 'promoted' AS from_state, 'superseded' AS to_state, v_note AS notes,
                r.ord
            FROM unnest(v_retired) WITH ORDINALITY AS r(id, ord)
            UNION ALL
            SELECT p_model_id, p_from_state, p_to_state, p_notes, cardinality(v_retired) + 1
        ) m
        ORDER BY m.ord
    ), written AS (
        INSERT INTO model_promotion_events
            (artifact_id, from_state, to_state, actor, notes, override, created_at)
        SELECT moved.id, moved.from_state, moved.to_state, p_actor, moved.notes, 0, p_now
        FROM moved ORDER BY moved.ord
        RETURNING id
    )
    SELECT array_agg(written.id ORDER BY written.id) INTO v_ids FROM written;

    IF p_write_events THEN
        PERFORM pg_advisory_xact_lock(hashtextextended(p_context ->> 'id_lock', 0));
        INSERT INTO registry_events (event_type, occurred_at, actor, model_id, line_id, payload)
        SELECT 'model.' || m.to_state, p_now, p_actor, m.id, v_root,
            '{"from_state":' || to_json(m.from_state)::TEXT
            || ',"to_state":' || to_json(m.to_state)::TEXT
            || ',"override":false,"notes":'
            || COALESCE(to_json(CASE WHEN length(m.notes) > v_cut
                                     THEN left(m.notes, v_cut) || chr(8230)  -- '...' in ASCII: sent in the database's encoding
                                     ELSE m.notes END)::TEXT, 'null')
            || '}'
        FROM (
            SELECT r.id, 'promoted' AS from_state, 'superseded' AS to_state, v_note AS notes,
                r.ord
            FROM unnest(v_retired) WITH ORDINALITY AS r(id, ord)
            UNION ALL
            SELECT p_model_id, p_from_state, p_to_state, p_notes, cardinality(v_retired) + 1
        ) m
        ORDER BY m.ord;
        PERFORM pg_notify(p_context ->> 'channel', '');
    END IF;

    RETURN QUERY
    SELECT NULL::TEXT, r.id, 'promoted'::TEXT, 'superseded'::TEXT, v_note, v_ids[r.ord::INTEGER]
    FROM unnest(v_retired) WITH ORDINALITY AS r(id, ord)
    UNION ALL
    SELECT NULL::TEXT, p_model_id, p_from_state, p_to_state, p_notes,
        v_ids[cardinality(v_ids)];
END;
$$ LANGUAGE plpgsql;

COMMENT ON FUNCTION atlas_registry_transition(TEXT, TEXT, TEXT, TEXT, TEXT, JSONB, TEXT, TEXT,
    JSONB, BOOLEAN) IS 'One lifecycle transition (promote, reject, retire) with its history and events.';
