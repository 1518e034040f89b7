"""The schema's versioning rules (docs/schema_governance.md), held by tests.

A released schema version never changes: stored models record the version that
validated them, so editing a released file would change what that record
means. A change is a new file with a higher version in its name and its `$id`.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from atlas_registry.schema.validation import (
    SCHEMA_FOLDER,
    load_schema,
    released_versions,
    schema_version,
)

RELEASED = Path(__file__).parent / "snapshots" / "schema_versions.json"


def _text(version: str) -> bytes:
    folder = resources.files("atlas_registry") / "schemas" / SCHEMA_FOLDER
    return (folder / f"{version}.json").read_bytes()


def test_a_released_schema_version_is_never_edited() -> None:
    recorded = json.loads(RELEASED.read_text())
    for version, digest in recorded.items():
        assert hashlib.sha256(_text(version)).hexdigest() == digest, (
            f"schema {version} was released and must not change: put the change in a new "
            "version (docs/schema_governance.md) and leave this file as it is"
        )


def test_every_packaged_version_is_recorded_as_released() -> None:
    recorded = json.loads(RELEASED.read_text())
    unrecorded = sorted(set(released_versions()) - set(recorded))
    assert not unrecorded, (
        f"schema version(s) {unrecorded} are packaged but not recorded in "
        f"{RELEASED.name}: add their SHA-256 when the version is released"
    )


def test_each_version_names_itself_in_its_id_and_the_newest_is_in_force() -> None:
    versions = released_versions()
    for version in versions:
        assert json.loads(_text(version))["$id"].rsplit(":", 1)[-1] == version
    assert schema_version(load_schema()) == versions[-1]
    assert len(set(versions)) == len(versions)
