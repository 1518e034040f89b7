-- 0010_model_lines: a model line has a unique human name, e.g. ad-risk-predictor.
-- A line is the set of versions sharing COALESCE(lineage_id, id); its name is
-- kept here against that root, so naming a line changes no version row and
-- versions registered with parent_version_id join their line's name for free.
CREATE TABLE model_lines (
    name TEXT NOT NULL
        CONSTRAINT pk_model_lines PRIMARY KEY
        CONSTRAINT ck_model_lines_name CHECK (
            length(name) BETWEEN 2 AND 100 AND name = lower(name)
        ),
    root_id TEXT NOT NULL
        CONSTRAINT fk_model_lines_root REFERENCES artifacts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
-- One name per line.
CREATE UNIQUE INDEX uq_model_lines_root ON model_lines (root_id);
