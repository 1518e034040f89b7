-- 0024_model_files: what a model version is, byte for byte. Each row lists one
-- file of a version: where its bytes are (a URI; the registry never stores
-- bytes), its size and SHA-256 (NULL when the source did not say: an MLflow
-- version's `source`), and its role. Append-only: a wrong entry is never
-- rewritten, a new entry replaces it (replaces_id), and each entry is replaced
-- at most once. model_file_checks keeps every `files verify` of an entry: what
-- was found at the URI, and whether it matched.
CREATE TABLE model_files (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_files_artifact REFERENCES artifacts(id),
    uri TEXT NOT NULL
        CONSTRAINT ck_model_files_uri CHECK (length(uri) BETWEEN 1 AND 2048),
    size_bytes BIGINT
        CONSTRAINT ck_model_files_size CHECK (size_bytes IS NULL OR size_bytes >= 0),
    sha256 TEXT
        CONSTRAINT ck_model_files_sha256 CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'),
    role TEXT
        CONSTRAINT ck_model_files_role
        CHECK (role IN ('weights', 'config', 'tokenizer', 'environment_lock', 'other')),
    replaces_id INTEGER
        CONSTRAINT fk_model_files_replaces REFERENCES model_files(id),
    origin TEXT NOT NULL
        CONSTRAINT ck_model_files_origin
        CHECK (origin IN ('registration', 'added', 'mlflow')),
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    notes TEXT
);

COMMENT ON TABLE model_files IS 'Append-only list of each model version''s files: URI, size, SHA-256, role.';
COMMENT ON COLUMN model_files.replaces_id IS 'The entry this one corrects; the corrected entry is no longer listed.';
COMMENT ON COLUMN model_files.sha256 IS 'Lower-case hex SHA-256 of the bytes; NULL when the source did not say.';

CREATE INDEX idx_model_files_artifact ON model_files (artifact_id, id);
CREATE UNIQUE INDEX ux_model_files_replaces ON model_files (replaces_id);

CREATE TABLE model_file_checks (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_id INTEGER NOT NULL
        CONSTRAINT fk_model_file_checks_file REFERENCES model_files(id),
    artifact_id TEXT NOT NULL
        CONSTRAINT fk_model_file_checks_artifact REFERENCES artifacts(id),
    checked_at TEXT NOT NULL,
    status TEXT NOT NULL
        CONSTRAINT ck_model_file_checks_status
        CHECK (status IN ('passed', 'mismatch', 'unreachable', 'unpinned')),
    size_found BIGINT,
    sha256_found TEXT,
    detail TEXT NOT NULL,
    checked_by TEXT NOT NULL
);

COMMENT ON TABLE model_file_checks IS 'Append-only outcomes of re-reading listed model files (files verify).';

CREATE INDEX idx_model_file_checks_file ON model_file_checks (file_id, id);
CREATE INDEX idx_model_file_checks_artifact ON model_file_checks (artifact_id, id);

CREATE FUNCTION model_files_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_model_files_no_update BEFORE UPDATE ON model_files
    FOR EACH ROW EXECUTE FUNCTION model_files_append_only();
CREATE TRIGGER trg_model_files_no_delete BEFORE DELETE ON model_files
    FOR EACH ROW EXECUTE FUNCTION model_files_append_only();
CREATE TRIGGER trg_model_files_no_truncate BEFORE TRUNCATE ON model_files
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();
CREATE TRIGGER trg_model_file_checks_no_update BEFORE UPDATE ON model_file_checks
    FOR EACH ROW EXECUTE FUNCTION model_files_append_only();
CREATE TRIGGER trg_model_file_checks_no_delete BEFORE DELETE ON model_file_checks
    FOR EACH ROW EXECUTE FUNCTION model_files_append_only();
CREATE TRIGGER trg_model_file_checks_no_truncate BEFORE TRUNCATE ON model_file_checks
    FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_truncate();
