-- Reverts 0010_model_lines. Loses the names of model lines (the versions stay).
DROP TABLE model_lines;
