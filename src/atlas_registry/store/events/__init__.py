"""The event log: one ordered, append-only record of every change, and following it.

:mod:`.types` is the vocabulary, :mod:`.record` the one way a writer adds to
the log (inside its own transaction), :mod:`.feed` the reads after a cursor,
:mod:`.wakeups` what wakes a waiting reader when new events commit.
"""
