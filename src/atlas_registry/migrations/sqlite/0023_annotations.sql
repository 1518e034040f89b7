-- 0023_annotations: what is said of a version after it is registered, without
-- touching what was registered as its provenance.
--
-- 1. Tags: key/value labels on a version (scope 'version', subject its artifact
--    id) or on a line (scope 'line', subject the line's root artifact). Every
--    set and every removal is an event, append-only; model_tags holds the
--    current value of each (scope, subject, key), rebuilt from the events.
CREATE TABLE model_tag_events (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL
        CONSTRAINT ck_model_tag_events_scope CHECK (scope IN ('version', 'line')),
    subject_id TEXT NOT NULL
        CONSTRAINT fk_model_tag_events_subject REFERENCES artifacts(id),
    tag_key TEXT NOT NULL
        CONSTRAINT ck_model_tag_events_key CHECK (length(tag_key) BETWEEN 1 AND 64),
    -- The value before (NULL: the key was not set) and after (NULL: removed).
    old_value TEXT,
    new_value TEXT
        CONSTRAINT ck_model_tag_events_value CHECK (new_value IS NULL OR length(new_value) <= 500),
    actor TEXT NOT NULL
        CONSTRAINT ck_model_tag_events_actor CHECK (length(actor) BETWEEN 1 AND 200),
    created_at TEXT NOT NULL,
    CONSTRAINT ck_model_tag_events_change CHECK (old_value IS NOT NULL OR new_value IS NOT NULL)
);

CREATE INDEX idx_model_tag_events_subject ON model_tag_events (subject_id, id);

CREATE TRIGGER trg_model_tag_events_no_update BEFORE UPDATE ON model_tag_events
BEGIN
    SELECT RAISE(ABORT, 'model_tag_events is append-only');
END;

CREATE TRIGGER trg_model_tag_events_no_delete BEFORE DELETE ON model_tag_events
BEGIN
    SELECT RAISE(ABORT, 'model_tag_events is append-only');
END;

CREATE TABLE model_tags (
    scope TEXT NOT NULL
        CONSTRAINT ck_model_tags_scope CHECK (scope IN ('version', 'line')),
    subject_id TEXT NOT NULL
        CONSTRAINT fk_model_tags_subject REFERENCES artifacts(id),
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    -- The event that set this value.
    event_id INTEGER NOT NULL,
    PRIMARY KEY (scope, subject_id, tag_key)
);

-- `list --tag k=v` finds the tagged versions and lines here, not by a scan.
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
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_text_edits_artifact REFERENCES artifacts(id),
    field TEXT NOT NULL
        CONSTRAINT ck_model_text_edits_field CHECK (field IN ('description', 'changelog')),
    before_text TEXT,
    after_text TEXT,
    actor TEXT NOT NULL
        CONSTRAINT ck_model_text_edits_actor CHECK (length(actor) BETWEEN 1 AND 200),
    created_at TEXT NOT NULL
);

CREATE INDEX idx_model_text_edits_artifact ON model_text_edits (artifact_id, id);

CREATE TRIGGER trg_model_text_edits_no_update BEFORE UPDATE ON model_text_edits
BEGIN
    SELECT RAISE(ABORT, 'model_text_edits is append-only');
END;

CREATE TRIGGER trg_model_text_edits_no_delete BEFORE DELETE ON model_text_edits
BEGIN
    SELECT RAISE(ABORT, 'model_text_edits is append-only');
END;

-- 3. A version's description and changelog change only with a recorded edit:
--    the new text must be the newest edit's "after" for that field. An UPDATE
--    typed into a shell, or a second writer in the code, is refused.
CREATE TRIGGER trg_artifacts_text_edited BEFORE UPDATE OF description, changelog ON artifacts
WHEN (NEW.description IS NOT OLD.description AND NEW.description IS NOT (
        SELECT t.after_text FROM model_text_edits t
        WHERE t.artifact_id = NEW.id AND t.field = 'description' ORDER BY t.id DESC LIMIT 1))
  OR (NEW.changelog IS NOT OLD.changelog AND NEW.changelog IS NOT (
        SELECT t.after_text FROM model_text_edits t
        WHERE t.artifact_id = NEW.id AND t.field = 'changelog' ORDER BY t.id DESC LIMIT 1))
BEGIN
    SELECT RAISE(ABORT, 'artifacts.description and changelog change only with an edit recorded in model_text_edits (atlas-registry describe)');
END;

-- 4. A version or line with tag changes or text edits cannot be deleted: its
--    foreign keys refuse it too, but SQLite only on connections that enable them.
CREATE TRIGGER trg_artifacts_keep_annotations BEFORE DELETE ON artifacts
WHEN EXISTS (SELECT 1 FROM model_tag_events WHERE subject_id = OLD.id)
  OR EXISTS (SELECT 1 FROM model_text_edits WHERE artifact_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'an artifact with tag changes or text edits cannot be deleted');
END;
