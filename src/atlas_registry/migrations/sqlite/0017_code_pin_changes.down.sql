-- Reverts 0017_code_pin_changes. The record of every re-pin is lost.
DROP TABLE code_pin_changes;
