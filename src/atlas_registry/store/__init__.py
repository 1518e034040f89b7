"""Where the database code lives: the floor every other room stands on.

The engine and its units of work (:mod:`.db`), the plain-SQL session, the
table names, the migration runner and baseline adoption, keyset paging, and
the files the registry writes whole. Nothing here knows a model's rules.
"""
