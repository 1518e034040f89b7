-- Reverts 0026_event_log. Events of facts the other tables keep come back with
-- 0026 again; the others are lost, so `migrate down` asks for --drop registry_events.
DROP TABLE registry_events;
DROP FUNCTION registry_events_append_only();
