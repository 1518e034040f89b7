-- 0029_transition_function: nothing on SQLite. On PostgreSQL this number creates
-- the function that makes a lifecycle transition in one call; SQLite runs in the
-- client's process, where a transition costs no round trip, so the client writes
-- it as before. The number is kept so both databases share one migration history.
SELECT 1;
