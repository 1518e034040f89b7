"""A client's ``limit`` reaches the server: more than the route's default page comes back."""

from __future__ import annotations

from atlas_registry import ModelRegistration, Registry, connect
from atlas_registry.client import RemoteRegistry
from tests.payloads import logistic_regression
from tests.server_helpers import served

DEFAULT_FILE_CHECKS = 100  # what `GET .../file-checks` answers without a limit


def test_file_checks_beyond_the_default_page(migrated_url: str) -> None:
    entries = [
        {"uri": f"file:///absent/part-{n}.bin", "sha256": "a" * 64, "size_bytes": 1}
        for n in range(DEFAULT_FILE_CHECKS + 5)
    ]
    with Registry.open(migrated_url) as local:
        token = local.create_token("nightly", ["register"]).token
        model = local.register_model(
            ModelRegistration(title="sharded", metadata=logistic_regression(), files=entries)
        )
        local.verify_files([model.id], actor="nightly")
        with served(migrated_url) as base, connect(base, token=token) as remote:
            assert isinstance(remote, RemoteRegistry)
            every = remote.file_checks(model.id, limit=len(entries))
            assert len(every) == len(entries)
            assert every == local.file_checks(model.id, limit=len(entries))
            assert remote.file_checks(model.id) == local.file_checks(model.id)
            assert len(remote.file_checks(model.id)) == DEFAULT_FILE_CHECKS
            assert remote.pin_checks(model.id, limit=50) == local.pin_checks(model.id, limit=50)
