-- Reverts 0018_idempotency_and_claims. Kept answers are lost (a retry after the
-- revert writes again), and so is every claimed author a body gave, and who named each line.
ALTER TABLE model_lines DROP COLUMN named_by;
ALTER TABLE model_versions DROP COLUMN claimed_by;
DROP TABLE idempotency_keys;
