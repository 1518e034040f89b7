"""The fast lane (``-m "not slow"``): which runs of a test it keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _mark_postgresql_twins_slow


@dataclass
class _CallSpec:
    params: dict[str, Any]


@dataclass
class _Item:
    """What the lane marking reads of a collected pytest item, and the marks it adds."""

    originalname: str
    params: dict[str, Any]
    path: Path = Path("tests/test_example.py")
    cls: Any = None
    marks: list[str] = field(default_factory=list)

    @property
    def callspec(self) -> _CallSpec:
        return _CallSpec(self.params)

    def add_marker(self, mark: pytest.MarkDecorator) -> None:
        self.marks.append(mark.name)


def _marked(*items: _Item) -> list[list[str]]:
    _mark_postgresql_twins_slow(list(items))  # type: ignore[arg-type]
    return [item.marks for item in items]


def test_the_postgresql_run_of_a_test_that_also_runs_on_sqlite_is_slow() -> None:
    on_sqlite = _Item("test_a", {"backend": "sqlite", "size": 5})
    on_postgresql = _Item("test_a", {"backend": "postgresql", "size": 5})
    assert _marked(on_postgresql, on_sqlite) == [["postgresql_twin", "slow"], []]


def test_a_module_wide_backend_pairs_the_same_way() -> None:
    on_sqlite = _Item("test_b", {"shared_backend": "sqlite"})
    on_postgresql = _Item("test_b", {"shared_backend": "postgresql"})
    assert _marked(on_sqlite, on_postgresql) == [[], ["postgresql_twin", "slow"]]


def test_a_test_that_runs_on_postgresql_alone_stays_in_the_fast_lane() -> None:
    assert _marked(_Item("test_c", {"backend": "postgresql"})) == [[]]


def test_only_the_same_test_with_the_same_other_parameters_is_a_twin() -> None:
    sqlite_small = _Item("test_d", {"backend": "sqlite", "size": 1})
    postgresql_big = _Item("test_d", {"backend": "postgresql", "size": 2})
    other_test = _Item("test_e", {"backend": "postgresql", "size": 1})
    other_module = _Item("test_d", {"backend": "postgresql", "size": 1}, Path("tests/test_x.py"))
    assert _marked(sqlite_small, postgresql_big, other_test, other_module) == [[], [], [], []]
