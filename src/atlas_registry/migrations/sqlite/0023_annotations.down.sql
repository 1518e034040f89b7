-- Reverts 0023_annotations. Every tag event and every text edit is lost (the
-- current description and changelog stay in artifacts).
DROP TRIGGER trg_artifacts_keep_annotations;
DROP TRIGGER trg_artifacts_text_edited;
DROP TABLE model_text_edits;
DROP TABLE model_tags;
DROP TABLE model_tag_events;
