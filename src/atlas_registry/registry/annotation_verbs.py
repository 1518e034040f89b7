"""The registry handle's verbs on annotations: tags, and edits of description and changelog.

What is said of a version after its registration, each change kept with who
and when (:mod:`atlas_registry.catalog.tags`, :mod:`atlas_registry.catalog.text_edits`).
Provenance is not among it: a version's facts change only through a new version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from atlas_registry.catalog import tags, text_edits
from atlas_registry.catalog.tags import TagChanges, TagEvent, Tags
from atlas_registry.catalog.text_edits import TextEdit, TextEdits
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.registry.base import Verbs


class AnnotationVerbs(Verbs):
    """Tags on versions and lines; the description and changelog, edited with their history."""

    # ------------------------------------------------------------ tags

    def change_tags(
        self,
        ref: str,
        *,
        actor: str,
        set: Mapping[str, str] | None = None,
        remove: Iterable[str] = (),
    ) -> TagChanges:
        """Set and remove tags of a version or a line in one transaction.

        ``ref``: a line's bare name tags the line (its tags reach every version
        of it, later ones included); ``NAME@N``, ``NAME@promoted`` or an id tags
        one version. A tag set to the value it has, or removed while not set,
        records nothing and is listed in ``unchanged``.
        """
        to_set = tags.checked_tags(set or {}, "set")
        to_remove = tags.checked_keys(remove, "remove")
        if not to_set and not to_remove:
            raise ValidationError(
                "nothing to change", [Violation("$", "give tags to set or keys to remove")]
            )
        with self.database.session(write=True) as session:
            subject = tags.subject_of(session, ref)
            return tags.change_tags_in(
                self.database, session, subject, to_set=to_set, to_remove=to_remove, actor=actor
            )

    def set_tags(self, ref: str, values: Mapping[str, str], *, actor: str) -> TagChanges:
        """Set each ``key: value`` of ``values`` on ``ref`` (see :meth:`change_tags`)."""
        return self.change_tags(ref, actor=actor, set=values)

    def remove_tags(self, ref: str, keys: Iterable[str], *, actor: str) -> TagChanges:
        """Remove each of ``keys`` from ``ref`` (see :meth:`change_tags`)."""
        return self.change_tags(ref, actor=actor, remove=keys)

    def tags_of(self, ref: str) -> Tags:
        """The tags of a line (bare name) or a version, with a version's line's tags."""
        with self.database.single_read_session() as session:
            return tags.tags_in(session, tags.subject_of(session, ref))

    def tag_history(self, ref: str) -> list[TagEvent]:
        """Every change of the tags of a line (bare name) or a version, newest first."""
        with self.database.single_read_session() as session:
            return tags.history_in(session, tags.subject_of(session, ref))

    def effective_tags(self, model_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """Each version's effective tags (its line's, its own winning per key), by id."""
        return tags.effective_tags(self.database, list(model_ids))

    # ------------------------------------------------------------ description and changelog

    def edit_text(self, model_ref: str, changes: Mapping[str, Any], *, actor: str) -> TextEdits:
        """Set a version's ``description`` and/or ``changelog`` (None or "" clears one).

        Each real change is kept (before, after, who, when). Any other field is
        refused: what was registered as provenance changes only by a new version.
        """
        return self._on_model(
            lambda model_id: text_edits.edit_text(self.database, model_id, changes, actor=actor),
            model_ref,
        )

    def text_history(self, model_ref: str) -> list[TextEdit]:
        """Every edit of a version's description and changelog, newest first."""
        return self._read(text_edits.text_history, model_ref)
