-- Reverts 0027_evaluation_scopes. The scopes each evaluator held are lost (a scope
-- rule of the gate then counts no evaluation), and so is every author a dataset
-- registration's body claimed.
ALTER TABLE artifacts DROP COLUMN claimed_by;
ALTER TABLE model_evaluations DROP COLUMN evaluator_scopes;
