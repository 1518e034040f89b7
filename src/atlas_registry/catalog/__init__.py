"""Where models are written and read: the catalog of versions, lines and facts.

Preparing a registration (:mod:`.prepare`), the one writer of versions
(:mod:`.registrar`) and of their facts (:mod:`.facts`), adoption of legacy rows,
named lines (joined :mod:`.lines`, named :mod:`.line_naming`, listed
:mod:`.line_listing`, versions named :mod:`.version_names`), model references,
the read side (:mod:`.queries`, :mod:`.model_listing` and its :mod:`.model_filters`,
:mod:`.lineage`), leaderboards and metric
directions, recorded pin checks, and checking or re-stamping stored models
against a schema version.
"""
