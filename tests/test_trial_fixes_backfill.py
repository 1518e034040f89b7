"""A backfilled version's first evaluation is dated when its metrics were recorded."""

from __future__ import annotations

from sqlalchemy import text

from atlas_registry import Registry


def test_an_adopted_versions_first_evaluation_carries_the_artifacts_created_time(
    legacy_url: str,
) -> None:
    registry = Registry.open(legacy_url)
    try:
        registry.backfill()
        with registry.database.transaction() as conn:
            rows = conn.execute(text("SELECT id, created_at FROM artifacts"))
            created = {str(row[0]): str(row[1]) for row in rows}
        adopted = [m for m in registry.list_models() if m.eval_metrics]
        assert adopted
        for model in adopted:
            [first] = [e for e in registry.evaluations(model.id) if e.origin == "registration"]
            assert first.created_at == created[model.id], model.id
            # The version was registered (adopted) now; its metrics are older than that.
            assert first.created_at <= model.registered_at
        risk = [m for m in adopted if created[m.id] == "2025-04-03 08:15:00"]
        assert len(risk) == 1
        assert registry.evaluations(risk[0].id)[-1].created_at == "2025-04-03 08:15:00"
    finally:
        registry.close()
