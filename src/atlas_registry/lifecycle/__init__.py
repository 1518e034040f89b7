"""Promotion: the state machine of a version and the gate in front of ``promoted``.

:mod:`.transitions` moves versions between states (promote, reject, supersede)
and records each move; :mod:`.rollback` re-promotes a superseded version the
same way; :mod:`.history` reads those records back; :mod:`.policy` reads
the gate policy and says which of its conditions a model does not meet.
"""
