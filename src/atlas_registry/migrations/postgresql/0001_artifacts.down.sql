-- Reverts 0001_artifacts. Destroys the whole catalog: back up first.
DROP TABLE artifacts;
