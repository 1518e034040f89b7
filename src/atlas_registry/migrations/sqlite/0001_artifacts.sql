-- 0001_artifacts: the generic, versioned research-artifact catalog (SPEC 2.1).
-- One row per artifact version. Other platform code inserts minimal rows, so
-- every column but id, artifact_type, title and metadata is nullable or has a default.
CREATE TABLE artifacts (
    -- Stable identifier, e.g. 'model-29ce54ef-...'; never reused.
    id TEXT NOT NULL PRIMARY KEY
        CONSTRAINT ck_artifacts_id CHECK (length(id) BETWEEN 1 AND 200),
    -- Kind of artifact: model, dataset, paper, hypothesis, ... (lowercase word).
    artifact_type TEXT NOT NULL
        CONSTRAINT ck_artifacts_type CHECK (
            length(artifact_type) BETWEEN 1 AND 64
            AND artifact_type = lower(artifact_type)
            AND artifact_type NOT GLOB '*[^a-z0-9_]*'
        ),
    -- Human title shown in listings.
    title TEXT NOT NULL
        CONSTRAINT ck_artifacts_title CHECK (length(title) BETWEEN 1 AND 500),
    -- Free-form description.
    description TEXT,
    -- JSON document as text. Legacy rows may hold text that is not valid JSON;
    -- it is kept verbatim, so no JSON check is enforced here.
    metadata TEXT NOT NULL DEFAULT '{}',
    -- Agent or person that registered this version.
    created_by TEXT,
    -- UTC 'YYYY-MM-DD HH:MM:SS'.
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    -- UTC 'YYYY-MM-DD HH:MM:SS' of the last change to this row.
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    -- 1 for the first version of a lineage, +1 for each later version.
    version_number INTEGER NOT NULL DEFAULT 1
        CONSTRAINT ck_artifacts_version_number CHECK (version_number >= 1),
    -- The version this one was derived from (NULL for a first version).
    parent_version_id TEXT
        CONSTRAINT fk_artifacts_parent REFERENCES artifacts(id),
    -- Optional human tag for the version, e.g. 'v2' or '2026-03-release'.
    version_tag TEXT,
    -- What changed relative to the parent version.
    changelog TEXT,
    -- 1 on the newest version of its lineage; at most one per lineage.
    is_latest INTEGER NOT NULL DEFAULT 1
        CONSTRAINT ck_artifacts_is_latest CHECK (is_latest IN (0, 1)),
    -- Catalog lifecycle of the artifact itself (not model promotion).
    lifecycle_state TEXT NOT NULL DEFAULT 'active'
        CONSTRAINT ck_artifacts_lifecycle CHECK (
            lifecycle_state IN ('draft', 'active', 'deprecated', 'superseded', 'archived')
        ),
    -- The version that replaced this one, once it has been replaced.
    superseded_by TEXT
        CONSTRAINT fk_artifacts_superseded_by REFERENCES artifacts(id),
    -- Where the artifact came from: produced on the platform or imported.
    origin_type TEXT DEFAULT 'internal'
        CONSTRAINT ck_artifacts_origin_type CHECK (origin_type IN ('internal', 'external')),
    -- For external artifacts, where they were obtained.
    origin_url TEXT,
    -- id of the first version of the lineage; NULL means the row is its own root.
    lineage_id TEXT
        CONSTRAINT fk_artifacts_lineage REFERENCES artifacts(id),
    CONSTRAINT ck_artifacts_parent_not_self CHECK (parent_version_id IS NULL OR parent_version_id <> id)
);

-- At most one latest version per lineage.
CREATE UNIQUE INDEX ux_artifacts_latest_per_lineage
    ON artifacts (COALESCE(lineage_id, id)) WHERE is_latest = 1;
-- Version numbers are unique within a lineage.
CREATE UNIQUE INDEX ux_artifacts_lineage_version
    ON artifacts (COALESCE(lineage_id, id), version_number);
CREATE INDEX idx_artifacts_type ON artifacts (artifact_type);
CREATE INDEX idx_artifacts_parent ON artifacts (parent_version_id);
CREATE INDEX idx_artifacts_lineage ON artifacts (lineage_id);
