-- Reverts 0029_transition_function. No data is lost: transitions are written from
-- the client again, as before.
DROP FUNCTION atlas_registry_transition(TEXT, TEXT, TEXT, TEXT, TEXT, JSONB, TEXT, TEXT, JSONB, BOOLEAN);
