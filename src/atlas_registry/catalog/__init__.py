"""Where models are written and read: the catalog of versions, lines and facts.

Preparing a registration (:mod:`.prepare`), the one writer of versions
(:mod:`.registrar`) and of their facts (:mod:`.facts`), adoption of legacy rows,
named lines, model references, the read side (:mod:`.queries`), leaderboards and
metric directions, recorded pin checks, and checking or re-stamping stored
models against a schema version.
"""
