"""The files a model card says the model is, under this registry's ``atlas_registry`` key.

A Hub card has no standard list of files with their digests; a card this
registry writes carries the version's files under ``atlas_registry.files``,
and a card a person writes may say them there too. Each entry is a ``uri``,
or a ``path`` inside the Hub repository, which becomes ``hf://ORG/NAME@REVISION/PATH``
at the revision the import pins. Nothing is fetched from the Hub: a card that
says no files lists none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atlas_registry.catalog.file_entries import checked_entry
from atlas_registry.errors import Violation, under
from atlas_registry.interop.card_out_results import hub_id

_KEYS = {"uri", "path", "sha256", "size_bytes", "role"}


def card_files(
    own: Mapping[str, Any], source_url: str | None, revision: str | None
) -> tuple[list[dict[str, Any]] | None, list[Violation]]:
    """The registration's ``files`` from the card (None when it says none), or why not.

    The entries' digests, sizes and roles are checked with the registration.
    """
    said = own.get("files")
    if said is None:
        return None, []
    where = "atlas_registry.files"
    if not isinstance(said, list):
        return None, [Violation(where, "must be a list of files")]
    repository = hub_id(source_url)
    files, problems = [], []
    for index, item in enumerate(said):
        if not isinstance(item, Mapping) or set(item) - _KEYS:
            allowed = ", ".join(sorted(_KEYS))
            problems.append(Violation(f"{where}[{index}]", f"must be an object of {allowed}"))
            continue
        entry = {key: value for key, value in item.items() if key != "path"}
        path = item.get("path")
        if "uri" not in item and isinstance(path, str):
            if repository is None or not revision:
                problems.append(
                    Violation(
                        f"{where}[{index}].path",
                        "needs a huggingface.co --source-url and a --revision to name the file",
                    )
                )
                continue
            entry["uri"] = f"hf://{repository}@{revision}/{path.lstrip('/')}"
        _, found = checked_entry(entry)  # said with the card's other gaps, in one error
        problems += [under(f"{where}[{index}]", v) for v in found]
        files.append(entry)
    return files, problems
