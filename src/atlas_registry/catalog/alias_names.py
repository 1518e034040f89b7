"""What an alias of a line may be called, and what after ``NAME@`` an alias could be.

``NAME@`` already means three things: ``NAME@3`` a version number, ``NAME@promoted``
the gated state, ``NAME@latest`` the newest version. An alias may take none of
those spellings, so ``NAME@X`` always means one thing (see :mod:`.refs`); the
rest of the pattern keeps an alias safe in a URL path, a shell and a file name.
"""

from __future__ import annotations

import re

from atlas_registry.errors import ValidationError, Violation

MAX_ALIAS_LENGTH = 64
# Lower-case letters, digits, '.', '_' and '-', starting with a letter or digit.
ALIAS_NAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{MAX_ALIAS_LENGTH - 1}}}")
# What NAME@ means without an alias (catalog/refs.py).
RESERVED_ALIASES = frozenset({"promoted", "latest"})
SHOWN_CHARACTERS = 80
SHOWN_ALIASES = 20


def alias_problem(name: object) -> str | None:
    """Why ``name`` cannot be an alias, or None when it can."""
    if not isinstance(name, str):
        return "must be text, such as champion"
    if not ALIAS_NAME.fullmatch(name):
        return (
            f"{name[:SHOWN_CHARACTERS]!r} is not an alias name: 1 to {MAX_ALIAS_LENGTH} "
            "lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    if name in RESERVED_ALIASES:
        return f"{name} is reserved: NAME@{name} already names the line's {name} version"
    if name.isdigit():
        return f"{name} is reserved: NAME@{name} names version {int(name)} of the line"
    return None


def check_alias_name(name: object, path: str = "alias") -> str:
    """``name`` when it can be an alias; else a ValidationError saying why, at ``path``."""
    problem = alias_problem(name)
    if problem is not None:
        raise ValidationError("the alias name is invalid", [Violation(path, problem)])
    assert isinstance(name, str)
    return name


def may_be_alias(spec: str) -> bool:
    """True when ``spec`` (what follows ``NAME@``) is spelt like an alias."""
    return alias_problem(spec) is None


def no_such_alias(line: str, alias: str, names: list[str]) -> str:
    """The message of a missing alias, naming the aliases the line has."""
    shown = ", ".join(names[:SHOWN_ALIASES]) + (" ..." if len(names) > SHOWN_ALIASES else "")
    has = f"its aliases are {shown}" if names else "it has no aliases"
    return f"model line {line} has no alias {alias[:80]!r} ({has})"
