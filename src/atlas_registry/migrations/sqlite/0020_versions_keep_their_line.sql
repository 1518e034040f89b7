-- 0020_versions_keep_their_line: an artifact with a version row keeps its line.
--
-- 0019 fixed model_versions.line_id at insert, but the line it copies is
-- COALESCE(lineage_id, id) of the artifact, and the artifact's row could still
-- be moved: an UPDATE of artifacts.lineage_id sent a promoted version into
-- another line, which then held two promoted versions while the index saw one
-- per line_id. No code changes lineage_id or id once the version row exists
-- (a registration writes both at once, a backfill adopts an artifact without
-- moving it), so the database refuses it.
CREATE TRIGGER trg_artifacts_versions_keep_line BEFORE UPDATE OF lineage_id, id ON artifacts
WHEN (NEW.lineage_id IS NOT OLD.lineage_id OR NEW.id IS NOT OLD.id)
  AND EXISTS (SELECT 1 FROM model_versions WHERE artifact_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'artifacts.lineage_id and artifacts.id of a model version never change: they name its line (model_versions.line_id)');
END;
