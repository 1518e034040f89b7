-- Reverts 0024_model_files. Every listed file and every file check is lost:
-- `migrate down` refuses unless model_files and model_file_checks are named.
DROP TABLE model_file_checks;
DROP TABLE model_files;
