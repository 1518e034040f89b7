-- 0022_model_aliases: named, movable pointers to versions of a line (champion,
-- staging, shadow ...), and every move of each.
--
-- model_alias_moves is the fact: each set, move and delete of an alias, with
-- the version it left, the version it now names (NULL: deleted), who moved it,
-- why, when, and whether it overrode the gate the policy puts on the alias. It is append-only, so what an alias named at any past time
-- (an as-of read) can always be answered from it. model_aliases is the
-- current state, one row per live alias, so reading NAME@ALIAS is one primary
-- key lookup; every change to it is also a row of model_alias_moves.
--
-- A line is keyed by its root artifact (model_lines.root_id), as its versions
-- are (model_versions.line_id): an alias stays with its line if the line's name
-- is repaired. The database refuses an alias that names a version of another
-- line.
CREATE TABLE IF NOT EXISTS model_alias_moves (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    line_id TEXT NOT NULL
        CONSTRAINT fk_model_alias_moves_line REFERENCES artifacts(id),
    alias TEXT NOT NULL
        CONSTRAINT ck_model_alias_moves_alias CHECK (length(alias) BETWEEN 1 AND 64),
    from_artifact_id TEXT
        CONSTRAINT fk_model_alias_moves_from REFERENCES artifacts(id),
    -- The version the alias names from this move on; NULL when the move deleted it.
    artifact_id TEXT
        CONSTRAINT fk_model_alias_moves_to REFERENCES artifacts(id),
    moved_by TEXT NOT NULL,
    notes TEXT,
    -- 1 when the move named a version the policy's gate for this alias refused.
    override INTEGER NOT NULL DEFAULT 0
        CONSTRAINT ck_model_alias_moves_override CHECK (override IN (0, 1)),
    moved_at TEXT NOT NULL
);

-- An as-of read: the newest move of one alias at or before a time.
CREATE INDEX IF NOT EXISTS idx_model_alias_moves_as_of
    ON model_alias_moves (line_id, alias, moved_at, id);

CREATE TABLE IF NOT EXISTS model_aliases (
    line_id TEXT NOT NULL
        CONSTRAINT fk_model_aliases_line REFERENCES artifacts(id),
    alias TEXT NOT NULL
        CONSTRAINT ck_model_aliases_alias CHECK (length(alias) BETWEEN 1 AND 64),
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_aliases_version REFERENCES model_versions(artifact_id),
    move_id INTEGER NOT NULL
        CONSTRAINT fk_model_aliases_move REFERENCES model_alias_moves(id),
    PRIMARY KEY (line_id, alias)
);

CREATE TRIGGER IF NOT EXISTS trg_model_alias_moves_no_update BEFORE UPDATE ON model_alias_moves
BEGIN
    SELECT RAISE(ABORT, 'model_alias_moves is append-only');
END;

CREATE TRIGGER IF NOT EXISTS trg_model_alias_moves_no_delete BEFORE DELETE ON model_alias_moves
BEGIN
    SELECT RAISE(ABORT, 'model_alias_moves is append-only');
END;

CREATE TRIGGER IF NOT EXISTS trg_model_alias_moves_own_line BEFORE INSERT ON model_alias_moves
WHEN NEW.artifact_id IS NOT NULL AND (
    SELECT line_id FROM model_versions WHERE artifact_id = NEW.artifact_id
) IS NOT NEW.line_id
BEGIN
    SELECT RAISE(ABORT, 'model_alias_moves.artifact_id must be a version of the alias''s own line');
END;

CREATE TRIGGER IF NOT EXISTS trg_model_aliases_own_line_insert BEFORE INSERT ON model_aliases
WHEN (SELECT line_id FROM model_versions WHERE artifact_id = NEW.artifact_id) IS NOT NEW.line_id
BEGIN
    SELECT RAISE(ABORT, 'model_aliases.artifact_id must be a version of the alias''s own line');
END;

CREATE TRIGGER IF NOT EXISTS trg_model_aliases_own_line_update BEFORE UPDATE ON model_aliases
WHEN (SELECT line_id FROM model_versions WHERE artifact_id = NEW.artifact_id) IS NOT NEW.line_id
BEGIN
    SELECT RAISE(ABORT, 'model_aliases.artifact_id must be a version of the alias''s own line');
END;
