-- 0001_artifacts: the generic, versioned research-artifact catalog (SPEC 2.1).
-- One row per artifact version. Other platform code inserts minimal rows, so
-- every column but id, artifact_type, title and metadata is nullable or has a default.
-- Timestamps are TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, the same bytes as on SQLite.
CREATE TABLE artifacts (
    id TEXT PRIMARY KEY
        CONSTRAINT ck_artifacts_id CHECK (length(id) BETWEEN 1 AND 200),
    artifact_type TEXT NOT NULL
        CONSTRAINT ck_artifacts_type CHECK (
            length(artifact_type) BETWEEN 1 AND 64
            AND artifact_type ~ '^[a-z0-9_]+$'
        ),
    title TEXT NOT NULL
        CONSTRAINT ck_artifacts_title CHECK (length(title) BETWEEN 1 AND 500),
    description TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_by TEXT,
    created_at TEXT NOT NULL DEFAULT to_char(timezone('UTC', now()), 'YYYY-MM-DD HH24:MI:SS'),
    updated_at TEXT NOT NULL DEFAULT to_char(timezone('UTC', now()), 'YYYY-MM-DD HH24:MI:SS'),
    version_number INTEGER NOT NULL DEFAULT 1
        CONSTRAINT ck_artifacts_version_number CHECK (version_number >= 1),
    parent_version_id TEXT
        CONSTRAINT fk_artifacts_parent REFERENCES artifacts(id),
    version_tag TEXT,
    changelog TEXT,
    is_latest INTEGER NOT NULL DEFAULT 1
        CONSTRAINT ck_artifacts_is_latest CHECK (is_latest IN (0, 1)),
    lifecycle_state TEXT NOT NULL DEFAULT 'active'
        CONSTRAINT ck_artifacts_lifecycle CHECK (
            lifecycle_state IN ('draft', 'active', 'deprecated', 'superseded', 'archived')
        ),
    superseded_by TEXT
        CONSTRAINT fk_artifacts_superseded_by REFERENCES artifacts(id),
    origin_type TEXT DEFAULT 'internal'
        CONSTRAINT ck_artifacts_origin_type CHECK (origin_type IN ('internal', 'external')),
    origin_url TEXT,
    lineage_id TEXT
        CONSTRAINT fk_artifacts_lineage REFERENCES artifacts(id),
    CONSTRAINT ck_artifacts_parent_not_self CHECK (parent_version_id IS NULL OR parent_version_id <> id)
);

COMMENT ON TABLE artifacts IS 'Generic versioned research-artifact catalog; one row per artifact version.';
COMMENT ON COLUMN artifacts.id IS 'Stable identifier, e.g. model-29ce54ef-...; never reused.';
COMMENT ON COLUMN artifacts.artifact_type IS 'Kind of artifact: model, dataset, paper, hypothesis, ... (lowercase word).';
COMMENT ON COLUMN artifacts.title IS 'Human title shown in listings.';
COMMENT ON COLUMN artifacts.description IS 'Free-form description.';
COMMENT ON COLUMN artifacts.metadata IS 'JSON document as text; legacy rows may hold invalid JSON, kept verbatim.';
COMMENT ON COLUMN artifacts.created_by IS 'Agent or person that registered this version.';
COMMENT ON COLUMN artifacts.created_at IS 'UTC YYYY-MM-DD HH:MM:SS.';
COMMENT ON COLUMN artifacts.updated_at IS 'UTC YYYY-MM-DD HH:MM:SS of the last change to this row.';
COMMENT ON COLUMN artifacts.version_number IS '1 for the first version of a lineage, +1 for each later version.';
COMMENT ON COLUMN artifacts.parent_version_id IS 'The version this one was derived from (NULL for a first version).';
COMMENT ON COLUMN artifacts.version_tag IS 'Optional human tag for the version.';
COMMENT ON COLUMN artifacts.changelog IS 'What changed relative to the parent version.';
COMMENT ON COLUMN artifacts.is_latest IS '1 on the newest version of its lineage; at most one per lineage.';
COMMENT ON COLUMN artifacts.lifecycle_state IS 'Catalog lifecycle of the artifact itself (not model promotion).';
COMMENT ON COLUMN artifacts.superseded_by IS 'The version that replaced this one, once replaced.';
COMMENT ON COLUMN artifacts.origin_type IS 'internal (produced on the platform) or external (imported).';
COMMENT ON COLUMN artifacts.origin_url IS 'For external artifacts, where they were obtained.';
COMMENT ON COLUMN artifacts.lineage_id IS 'id of the first version of the lineage; NULL means the row is its own root.';

CREATE UNIQUE INDEX ux_artifacts_latest_per_lineage
    ON artifacts ((COALESCE(lineage_id, id))) WHERE is_latest = 1;
CREATE UNIQUE INDEX ux_artifacts_lineage_version
    ON artifacts ((COALESCE(lineage_id, id)), version_number);
CREATE INDEX idx_artifacts_type ON artifacts (artifact_type);
CREATE INDEX idx_artifacts_parent ON artifacts (parent_version_id);
CREATE INDEX idx_artifacts_lineage ON artifacts (lineage_id);
