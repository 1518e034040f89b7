-- Reverts 0004_model_promotion_events. Loses the whole promotion history: back up first.
DROP TABLE model_promotion_events;
DROP FUNCTION promotion_events_append_only();
