"""An option that takes one value is refused when given twice.

Click keeps the last value of an option given twice, so
``list --state promoted --state candidate`` listed the candidates only,
looking filtered as asked (the API refuses the same repeat with a 400). Every
command and command group is made by a :class:`CommandApp`; each reads its
command line with Click's own parser first and fails with a usage error
(exit 2) naming the option. Options that keep every value, and flags, are
unaffected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


def refuse_repeats(command: TyperCommand | TyperGroup, ctx: Any, args: list[str]) -> None:
    """Fail ``ctx`` if ``args`` give one of ``command``'s single-valued options twice."""
    if ctx.resilient_parsing:  # completing a command line, not running it
        return
    # Click's parser lists each parameter once per appearance, in order.
    _values, _rest, order = command.make_parser(ctx).parse_args(args=list(args))
    repeated = [
        param
        for param, seen in Counter(order).items()
        if seen > 1 and param.param_type_name == "option" and not _takes_many(param)
    ]
    if repeated:
        names = ", ".join(max(param.opts, key=len) for param in repeated)
        were, each = ("were", "each takes") if len(repeated) > 1 else ("was", "it takes")
        ctx.fail(f"{names} {were} given more than once; {each} one value")


def _takes_many(param: Any) -> bool:
    """Options that keep every value, and flags (given twice, a flag says the same thing)."""
    return any(getattr(param, kind, False) for kind in ("multiple", "count", "is_flag"))


class OneValueCommand(TyperCommand):
    """A command that refuses a single-valued option given more than once."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        refuse_repeats(self, ctx, args)
        return super().parse_args(ctx, args)


class OneValueGroup(TyperGroup):
    """A command group whose own options refuse being given more than once."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        refuse_repeats(self, ctx, args)
        return super().parse_args(ctx, args)


class CommandApp(typer.Typer):
    """A Typer application of :class:`OneValueGroup` and :class:`OneValueCommand`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(cls=OneValueGroup, **options)

    def command(  # type: ignore[override]
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().command(name, cls=cls or OneValueCommand, **options)
