-- 0027_evaluation_scopes: the token scopes an evaluator held when it recorded an
-- evaluation, and the author a dataset registration's body claimed.
--
-- A gate rule may ask for an evaluation "from a token scope" ([evaluations."B"]
-- scopes = ["review"]): only an evaluation recorded over HTTP by a token that held
-- one of those scopes at that moment counts. A token's scopes are fixed when it is
-- made, but tokens are revoked and made again under the same name, so the scopes
-- are kept with the evaluation, not looked up later. Comma-separated and sorted;
-- NULL for an evaluation recorded without a token (the command line, the library,
-- a card, a registration), which no scope rule counts.
ALTER TABLE model_evaluations ADD COLUMN evaluator_scopes TEXT;

-- Over HTTP a dataset's created_by is the token that registered it; a created_by
-- the body gave that differs from it is kept here, apart, as model_versions keeps
-- a model's (0018). NULL on every other artifact.
ALTER TABLE artifacts ADD COLUMN claimed_by TEXT;
