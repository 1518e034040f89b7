-- Reverts 0015_event_filter_indexes (nothing is lost: indexes only).
DROP INDEX IF EXISTS idx_promotion_events_actor;
DROP INDEX IF EXISTS idx_promotion_events_overrides;
