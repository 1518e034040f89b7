-- Reverts 0013_code_pin_checks. The record of every pin check is lost.
DROP TABLE code_pin_checks;
