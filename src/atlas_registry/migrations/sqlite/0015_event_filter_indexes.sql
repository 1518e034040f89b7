-- 0015_event_filter_indexes: the history's two filters without reading all of it.
-- "Overrides only" (the history page, GET /api/v1/events?overrides_only=true)
-- and "by actor" (?actor=) walked the events newest first until a page
-- matched: with few or no matches, the whole history, 15 ms on SQLite at
-- 300,000 events, growing with it. Overrides are rare, so their index is
-- partial: a plain transition writes no entry in it. The actor's index serves
-- an audit of one agent's or person's transitions, newest first.
CREATE INDEX idx_promotion_events_overrides
    ON model_promotion_events (id) WHERE override = 1;
CREATE INDEX idx_promotion_events_actor ON model_promotion_events (actor, id);
