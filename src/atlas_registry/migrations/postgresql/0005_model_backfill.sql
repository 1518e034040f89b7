-- 0005_model_backfill: what the legacy backfill keeps and what it leaves to people.
-- model_legacy_metadata holds each legacy artifact's original metadata text verbatim
-- (byte for byte), with the trace of mapping rules applied, before the backfill
-- replaces artifacts.metadata with schema-valid metadata.
CREATE TABLE model_legacy_metadata (
    artifact_id TEXT NOT NULL PRIMARY KEY
        CONSTRAINT fk_legacy_metadata_artifact REFERENCES artifacts(id) ON DELETE CASCADE,
    -- The legacy artifacts.metadata text exactly as it was.
    original_metadata TEXT NOT NULL,
    -- SHA-256 of original_metadata (UTF-8), to prove it is unchanged.
    original_sha256 TEXT NOT NULL,
    -- JSON: the mapping rules applied and the facts held for review.
    mapping_json TEXT NOT NULL,
    captured_at TEXT NOT NULL DEFAULT to_char(timezone('UTC', now()), 'YYYY-MM-DD HH24:MI:SS')
);

-- model_review_queue: legacy facts the backfill would not guess. A blocking item
-- has no model_versions row until a person resolves it through the catalog.
CREATE TABLE model_review_queue (
    artifact_id TEXT NOT NULL PRIMARY KEY
        CONSTRAINT fk_review_queue_artifact REFERENCES artifacts(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'open'
        CONSTRAINT ck_review_queue_status CHECK (status IN ('open', 'resolved')),
    -- 1 when required facts are missing, so the model could not be registered yet.
    blocking INTEGER NOT NULL
        CONSTRAINT ck_review_queue_blocking CHECK (blocking IN (0, 1)),
    -- JSON list of {"field": ..., "reason": ...}.
    reasons_json TEXT NOT NULL,
    -- JSON: the registration the backfill could map unambiguously (the start of a resolution).
    proposed_json TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT to_char(timezone('UTC', now()), 'YYYY-MM-DD HH24:MI:SS'),
    updated_at TEXT NOT NULL DEFAULT to_char(timezone('UTC', now()), 'YYYY-MM-DD HH24:MI:SS'),
    resolved_at TEXT,
    resolved_by TEXT,
    resolution_notes TEXT
);

CREATE INDEX idx_review_queue_status ON model_review_queue (status);
