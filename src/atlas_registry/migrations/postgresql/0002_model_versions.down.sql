-- Reverts 0002_model_versions. Loses every model's version facts: back up first.
DROP TABLE model_versions;
DROP TABLE IF EXISTS model_catalog_columns_saved;
