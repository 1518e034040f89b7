"""Promotion: the state machine of a version and the gate in front of ``promoted``.

:mod:`.transitions` moves versions between states (promote, reject, supersede)
and :mod:`.rollback` re-promotes a superseded version, each recording its moves
through :mod:`.moves`; :mod:`.history` reads those records back; :mod:`.policy` reads
the gate policy and says which of its conditions a model does not meet.
"""
