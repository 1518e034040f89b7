"""The registry handle's verbs on a version's files: list, add, verify, locate."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog import model_files
from atlas_registry.catalog.file_entries import FileEntry, require_entry
from atlas_registry.catalog.model_files import FileAddition, FileCheck, ModelFile
from atlas_registry.catalog.version_names import version_label
from atlas_registry.errors import NotFoundError, ValidationError, Violation
from atlas_registry.registry.catalog_verbs import CatalogVerbs


@dataclass(frozen=True)
class Location:
    """What a deployment loads for a model reference: the version it names and its URIs."""

    model_id: str
    version: str  # line@N, else the id
    files: list[ModelFile]

    @property
    def uris(self) -> list[str]:
        return [listed.uri for listed in self.files]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "version": self.version,
            "uris": self.uris,
            "files": [listed.to_dict() for listed in self.files],
        }


class FileVerbs(CatalogVerbs):
    """Where a version's bytes are and what they hash to; never the bytes themselves."""

    def files(self, model_ref: str, *, replaced: bool = False) -> list[ModelFile]:
        """The files the version lists, oldest first, each with its newest check;
        ``replaced`` adds the entries later entries corrected."""
        return self._read(
            lambda db, model_id: model_files.files_of(db, model_id, replaced=replaced), model_ref
        )

    def add_file(
        self,
        model_ref: str,
        entry: FileEntry | Mapping[str, Any],
        *,
        actor: str,
        notes: str | None = None,
        replaces: int | None = None,
    ) -> FileAddition:
        """List a file of the version (uri, sha256, size_bytes, role), in one transaction.

        An entry for a URI already listed replaces that entry (its digest, size
        or role was wrong); the very same entry again writes nothing.
        ``replaces`` names the entry (by id) a new URI corrects. Nothing listed
        is ever rewritten.
        """
        # A FileEntry made by hand is checked too: its URI is normalised and held to the rules.
        checked = require_entry(entry.to_dict() if isinstance(entry, FileEntry) else entry)
        if checked.sha256 is None or checked.size_bytes is None:
            missing = [k for k in ("sha256", "size_bytes") if getattr(checked, k) is None]
            raise ValidationError(
                "the file entry is invalid", [Violation(k, "is required") for k in missing]
            )
        if replaces is not None and (isinstance(replaces, bool) or not isinstance(replaces, int)):
            raise ValidationError(
                "the file entry is invalid", [Violation("replaces", "must be a file id")]
            )
        return self._on_model(
            lambda model_id: model_files.add_file(
                self.database, model_id, checked, actor=actor, notes=notes, replaces=replaces
            ),
            model_ref,
        )

    def file_checks(self, model_ref: str, limit: int = 100) -> list[FileCheck]:
        """The newest `limit` recorded checks of the version's files, newest first."""
        return self._read(
            lambda db, model_id: model_files.checks_of_model(db, model_id, limit), model_ref
        )

    def verify_files(
        self,
        model_refs: Iterable[str] = (),
        *,
        promoted_only: bool = False,
        actor: str,
        timeout: float | None = None,
        on_checked: Callable[[int], None] | None = None,
    ) -> list[FileCheck]:
        """Re-read every listed file of the named versions (or of every promoted one),
        and append each outcome; see :mod:`atlas_registry.files.verification`."""
        from atlas_registry.files import verification

        refs = list(model_refs)
        if bool(refs) == promoted_only:
            raise ValidationError(
                "say which versions to check",
                [Violation("models", "name versions, or give promoted_only (not both)")],
            )
        pages: Iterable[list[ModelFile]]
        if refs:
            ids = list(dict.fromkeys(self.resolve(ref) for ref in refs))
            pages = [[f for model_id in ids for f in model_files.files_of(self.database, model_id)]]
        else:
            pages = model_files.promoted_files(self.database)
        return verification.verify_and_record(
            self.database,
            pages,
            actor,
            timeout=timeout or verification.DEFAULT_TIMEOUT,
            on_checked=on_checked,
        )

    def locate(self, model_ref: str) -> Location:
        """The URIs a deployment of ``model_ref`` (e.g. ``NAME@promoted``) would load.

        A version that lists no files is :class:`NotFoundError`: a deployment
        script reading an empty list would load nothing and not know it.
        """
        model = self.get_model(model_ref)
        label = version_label(model.line_name, model.version_number, model.id)
        listed = model_files.files_of(self.database, model.id)
        if not listed:
            raise NotFoundError(
                f"{label} lists no files: list them with `atlas-registry files add {label} "
                "--uri URI --sha256 HEX --size BYTES`"
            )
        return Location(model.id, label, listed)
