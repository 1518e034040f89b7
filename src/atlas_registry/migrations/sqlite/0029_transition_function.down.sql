-- Reverts 0029_transition_function, which changed nothing on SQLite.
SELECT 1;
