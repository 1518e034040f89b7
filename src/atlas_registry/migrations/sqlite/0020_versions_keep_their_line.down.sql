-- Reverts 0020_versions_keep_their_line: only the code keeps a version's
-- artifact in its line.
DROP TRIGGER IF EXISTS trg_artifacts_versions_keep_line;
