"""The registry handle's verbs on aliases: set, delete, list, their history, and as-of reads.

``NAME@ALIAS`` itself is read wherever a model is (:mod:`..catalog.refs`); these
verbs move aliases and answer what one (or ``promoted``) named at a past time,
which is what a log line written under ``NAME@champion`` is joined on.
"""

from __future__ import annotations

from atlas_registry.catalog import aliases
from atlas_registry.catalog.aliases import AliasMove, LineAlias, NamedAt
from atlas_registry.lifecycle import alias_moves
from atlas_registry.lifecycle.alias_moves import AliasChange
from atlas_registry.records import ModelRecord
from atlas_registry.registry.catalog_verbs import CatalogVerbs


class AliasVerbs(CatalogVerbs):
    """Named, movable pointers to versions of a line, and what they named when."""

    def set_alias(
        self,
        line: str,
        alias: str,
        *,
        to_version: int,
        actor: str,
        notes: str | None = None,
        override: bool = False,
    ) -> AliasChange:
        """Point ``alias`` of ``line`` (its name) at version ``to_version``; the move is recorded.

        An alias the policy gates (``[aliases]``) is refused, as a promotion is,
        on a version that does not meet its rule, unless ``override`` with notes
        saying why (the move records it). Setting it to the version it already
        names records nothing (``changed`` is False).
        """
        return alias_moves.set_alias(
            self.database,
            line,
            alias,
            to_version=to_version,
            actor=actor,
            notes=notes,
            override=override,
            policy=self.policy,
        )

    def delete_alias(
        self, line: str, alias: str, *, actor: str, notes: str | None = None
    ) -> AliasChange:
        """Remove ``alias`` from ``line``; its history keeps every move, the delete included."""
        return alias_moves.delete_alias(self.database, line, alias, actor=actor, notes=notes)

    def aliases(self, line: str) -> list[LineAlias]:
        """Every live alias of ``line`` by name, with the version it names and its last move."""
        return aliases.list_aliases(self.database, line)

    def alias_history(self, line: str, alias: str | None = None) -> list[AliasMove]:
        """Every move of the line's aliases (or of one), oldest first, deletes included."""
        return aliases.alias_history(self.database, line, alias)

    def named_at(self, ref: str, at: str) -> NamedAt:
        """What ``ref`` (``LINE@ALIAS`` or ``LINE@promoted``) named at ``at``, ISO 8601 with a
        zone; NotFoundError when it named nothing then, ValidationError for a bad time."""
        return aliases.named_at(self.database, ref, at)

    def model_at(self, ref: str, at: str) -> ModelRecord:
        """The version ``ref`` (``LINE@ALIAS`` or ``LINE@promoted``) named at ``at``."""
        return self.get_model(self.named_at(ref, at).artifact_id)
