-- 0023_annotations: what is said of a version after it is registered, without
-- touching what was registered as its provenance.
--
-- 1. Tags: key/value labels on a version (scope 'version', subject its artifact
--    id) or on a line (scope 'line', subject the line's root artifact). Every
--    set and every removal is an event, append-only; model_tags holds the
--    current value of each (scope, subject, key), rebuilt from the events.
CREATE TABLE model_tag_events (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope TEXT NOT NULL
        CONSTRAINT ck_model_tag_events_scope CHECK (scope IN ('version', 'line')),
    subject_id TEXT NOT NULL
        CONSTRAINT fk_model_tag_events_subject REFERENCES artifacts(id),
    tag_key TEXT NOT NULL
        CONSTRAINT ck_model_tag_events_key CHECK (char_length(tag_key) BETWEEN 1 AND 64),
    old_value TEXT,
    new_value TEXT
        CONSTRAINT ck_model_tag_events_value CHECK (new_value IS NULL OR char_length(new_value) <= 500),
    actor TEXT NOT NULL
        CONSTRAINT ck_model_tag_events_actor CHECK (char_length(actor) BETWEEN 1 AND 200),
    created_at TEXT NOT NULL,
    CONSTRAINT ck_model_tag_events_change CHECK (old_value IS NOT NULL OR new_value IS NOT NULL)
);

COMMENT ON TABLE model_tag_events IS 'Append-only record of every tag set or removed on a version or a line.';
COMMENT ON COLUMN model_tag_events.old_value IS 'The value before; NULL when the key was not set.';
COMMENT ON COLUMN model_tag_events.new_value IS 'The value after; NULL when the tag was removed.';

CREATE INDEX idx_model_tag_events_subject ON model_tag_events (subject_id, id);

CREATE FUNCTION model_annotations_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_model_tag_events_no_update BEFORE UPDATE ON model_tag_events
    FOR EACH ROW EXECUTE FUNCTION model_annotations_append_only();
CREATE TRIGGER trg_model_tag_events_no_delete BEFORE DELETE ON model_tag_events
    FOR EACH ROW EXECUTE FUNCTION model_annotations_append_only();
CREATE TRIGGER trg_model_tag_events_no_truncate BEFORE TRUNCATE ON model_tag_events
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();

CREATE TABLE model_tags (
    scope TEXT NOT NULL
        CONSTRAINT ck_model_tags_scope CHECK (scope IN ('version', 'line')),
    subject_id TEXT NOT NULL
        CONSTRAINT fk_model_tags_subject REFERENCES artifacts(id),
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    PRIMARY KEY (scope, subject_id, tag_key)
);

COMMENT ON TABLE model_tags IS 'The current value of each tag, derived from model_tag_events.';

CREATE INDEX idx_model_tags_value ON model_tags (tag_key, tag_value, scope, subject_id);

INSERT INTO model_tags (scope, subject_id, tag_key, tag_value, event_id)
SELECT e.scope, e.subject_id, e.tag_key, e.new_value, e.id
FROM model_tag_events e
WHERE e.new_value IS NOT NULL
  AND e.id = (
    SELECT max(n.id) FROM model_tag_events n
    WHERE n.scope = e.scope AND n.subject_id = e.subject_id AND n.tag_key = e.tag_key
  );

-- 2. Edits of a version's description and changelog: the text before and
--    after, who, when. Append-only. The current text stays in artifacts.
CREATE TABLE model_text_edits (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_text_edits_artifact REFERENCES artifacts(id),
    field TEXT NOT NULL
        CONSTRAINT ck_model_text_edits_field CHECK (field IN ('description', 'changelog')),
    before_text TEXT,
    after_text TEXT,
    actor TEXT NOT NULL
        CONSTRAINT ck_model_text_edits_actor CHECK (char_length(actor) BETWEEN 1 AND 200),
    created_at TEXT NOT NULL
);

COMMENT ON TABLE model_text_edits IS 'Append-only record of every edit of a version''s description or changelog.';

CREATE INDEX idx_model_text_edits_artifact ON model_text_edits (artifact_id, id);

CREATE TRIGGER trg_model_text_edits_no_update BEFORE UPDATE ON model_text_edits
    FOR EACH ROW EXECUTE FUNCTION model_annotations_append_only();
CREATE TRIGGER trg_model_text_edits_no_delete BEFORE DELETE ON model_text_edits
    FOR EACH ROW EXECUTE FUNCTION model_annotations_append_only();
CREATE TRIGGER trg_model_text_edits_no_truncate BEFORE TRUNCATE ON model_text_edits
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();

-- 3. A version's description and changelog change only with a recorded edit:
--    the new text must be the newest edit's "after" for that field. An UPDATE
--    typed into a shell, or a second writer in the code, is refused.
CREATE FUNCTION artifacts_text_edited() RETURNS trigger AS $$
BEGIN
    IF (NEW.description IS DISTINCT FROM OLD.description AND NEW.description IS DISTINCT FROM (
            SELECT t.after_text FROM model_text_edits t
            WHERE t.artifact_id = NEW.id AND t.field = 'description' ORDER BY t.id DESC LIMIT 1))
       OR (NEW.changelog IS DISTINCT FROM OLD.changelog AND NEW.changelog IS DISTINCT FROM (
            SELECT t.after_text FROM model_text_edits t
            WHERE t.artifact_id = NEW.id AND t.field = 'changelog' ORDER BY t.id DESC LIMIT 1))
    THEN
        RAISE EXCEPTION 'artifacts.description and changelog change only with an edit recorded in model_text_edits (atlas-registry describe)'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_artifacts_text_edited BEFORE UPDATE OF description, changelog ON artifacts
    FOR EACH ROW EXECUTE FUNCTION artifacts_text_edited();

-- 4. A version or line with tag changes or text edits cannot be deleted (the
--    foreign keys refuse it too; this names why).
CREATE FUNCTION artifacts_keep_annotations() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM model_tag_events WHERE subject_id = OLD.id)
       OR EXISTS (SELECT 1 FROM model_text_edits WHERE artifact_id = OLD.id)
    THEN
        RAISE EXCEPTION 'an artifact with tag changes or text edits cannot be deleted'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_artifacts_keep_annotations BEFORE DELETE ON artifacts
    FOR EACH ROW EXECUTE FUNCTION artifacts_keep_annotations();
