-- Reverts 0005_model_backfill. Loses the preserved legacy metadata and the review
-- queue: back up first (backfilled artifacts.metadata no longer holds the legacy text).
DROP TABLE model_review_queue;
DROP TABLE model_legacy_metadata;
