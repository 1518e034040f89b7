"""Reads of a SQLite registry on the bare driver, for processes that live a fraction of a second.

A CLI ``list``, or a ``show`` of a model by its id, is a few fixed statements,
yet importing SQLAlchemy to run them costs more than everything else the
process does. ``data/fast_reads.json`` holds the library's own statements as
text, compiled for SQLite by :mod:`.generate` (and checked against the library
by the tests); :mod:`.sqlite_reads` (the listing) and :mod:`.show_reads` (one
model) run them with the standard ``sqlite3`` module. A read it is not sure to
answer exactly as the library would returns None, and the caller asks the
library instead.
"""
