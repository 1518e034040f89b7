"""Recording file checks waits for PostgreSQL as often for a version of many files as of one."""

from __future__ import annotations

from atlas_registry import ModelRegistration, Registry
from tests.payloads import logistic_regression
from tests.test_round_trips import pg_registry, round_trips

__all__ = ["pg_registry"]  # the fixture, used by name


def _version_with_files(registry: Registry, title: str, count: int) -> str:
    entries = [
        {"uri": f"file:///absent/{title}/part-{n}.bin", "sha256": "a" * 64, "size_bytes": 1}
        for n in range(count)
    ]
    registration = ModelRegistration(title=title, metadata=logistic_regression(), files=entries)
    return registry.register_model(registration).id


def test_checks_of_many_files_cost_the_round_trips_of_one(pg_registry: Registry) -> None:
    one = _version_with_files(pg_registry, "one", 1)
    many = _version_with_files(pg_registry, "many", 12)
    waits_one = round_trips(pg_registry, lambda: pg_registry.verify_files([one], actor="n"))
    waits_many = round_trips(pg_registry, lambda: pg_registry.verify_files([many], actor="n"))
    assert waits_many == waits_one
    assert len(pg_registry.file_checks(many)) == 12
