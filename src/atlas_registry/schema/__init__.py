"""The schema's rules, pure: no database, no I/O beyond the packaged schema files.

Validation against the model metadata schema, the identifier patterns compiled
from it, and the one rule each for text a person records (actor, notes) and
stored text shown back (control characters made visible).
"""
