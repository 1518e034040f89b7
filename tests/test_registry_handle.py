"""The Registry handle: opened once, schema checked once, every verb behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from atlas_registry import (
    DatabaseNotFoundError,
    ModelRegistration,
    PromotionGateError,
    Registry,
    SchemaAdmin,
    SchemaOutOfDateError,
)
from atlas_registry.store import migration_runner as runner
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def test_open_refuses_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotFoundError, match="atlas-registry migrate"):
        Registry.open(f"sqlite:///{tmp_path / 'none.db'}")


def test_open_refuses_a_database_below_head(db_url: str) -> None:
    with SchemaAdmin.open(db_url, create=True) as admin:
        admin.migrate(to=1)
    with pytest.raises(SchemaOutOfDateError, match="pending: 0002_model_versions"):
        Registry.open(db_url)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_not_sent_to_migrate(url: str) -> None:
    """`migrate --db sqlite://` would migrate a database of its own, then lose it."""
    with pytest.raises(SchemaOutOfDateError, match="in-memory") as refused:
        Registry.open(url)
    assert "migrate --db sqlite:///scratch.db" in str(refused.value)
    assert "memory%3A" not in str(refused.value)


def test_the_schema_is_checked_once_per_handle(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SchemaAdmin.open(db_url, create=True) as admin:
        admin.migrate()
    calls: list[Any] = []
    real = runner.ensure_current

    def counting(database: Any) -> None:
        calls.append(database)
        real(database)

    monkeypatch.setattr(runner, "ensure_current", counting)
    with Registry.open(db_url) as registry:
        record = registry.register_model(
            ModelRegistration(title="m", metadata=logistic_regression(), **PIN)
        )
        assert registry.get_model(record.id) == record
        assert [m.id for m in registry.list_models()] == [record.id]
        registry.promote(record.id, actor="agent-eval")
        assert [e.to_state for e in registry.history(record.id)] == ["promoted"]
    assert len(calls) == 1


def test_the_handle_holds_the_gate_policy_it_was_opened_with(db_url: str, tmp_path: Path) -> None:
    with SchemaAdmin.open(db_url, create=True) as admin:
        admin.migrate()
    strict = tmp_path / "strict.toml"
    strict.write_text('[benchmarks."adni-conversion-v1"]\nmetric = "auroc"\nminimum = 0.9\n')
    with Registry.open(db_url, policy=str(strict)) as registry:
        record = registry.register_model(
            ModelRegistration(title="m", metadata=logistic_regression(), **PIN)
        )
        with pytest.raises(PromotionGateError, match=r"below the minimum 0\.9"):
            registry.promote(record.id, actor="agent-eval")
    with Registry.open(db_url) as registry:
        assert registry.promote(record.id, actor="agent-eval").model.promotion_state == "promoted"
