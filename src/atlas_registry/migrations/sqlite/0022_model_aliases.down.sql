-- Reverts 0022_model_aliases. Every alias and the record of every move of one
-- are lost: `migrate down` refuses unless told to drop them.
DROP TABLE IF EXISTS model_aliases;
DROP TABLE IF EXISTS model_alias_moves;
