"""What the model page shows of its line's aliases: each live alias, and every move of each."""

from __future__ import annotations

from dataclasses import dataclass

from atlas_registry import AliasMove, LineAlias, ModelRecord, Registry

# The newest moves shown on the page; the JSON twin lists every one.
SHOWN_MOVES = 50


@dataclass(frozen=True)
class AliasPanel:
    """A named line's aliases, its newest moves (newest first) and how many there are in all."""

    line: str
    aliases: list[LineAlias]
    moves: list[AliasMove]
    total_moves: int

    @property
    def moves_url(self) -> str:
        return f"/api/v1/lines/{self.line}/alias-moves"


def alias_panel(found: Registry, model: ModelRecord) -> AliasPanel | None:
    """The panel of ``model``'s line, or None for a version of an unnamed line (no NAME@ALIAS)."""
    if not model.line_name:
        return None
    moves = found.alias_history(model.line_name)
    newest = list(reversed(moves[-SHOWN_MOVES:]))
    return AliasPanel(model.line_name, found.aliases(model.line_name), newest, len(moves))
