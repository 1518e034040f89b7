"""A page says where a model's facts came from as they did: backfill provenance only for a
backfilled model, and a review item's source text named by what it is."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from atlas_registry import Registry
from atlas_registry.api import create_app
from tests.test_backfill import add_legacy
from tests.test_pins import LabRepo, _force_push_away, _internal, _verify, lab  # noqa: F401


def _review_section(page: str, model_id: str) -> str:
    sections: list[str] = re.findall(
        r'<section class="panel review-item">.*?</section>', page, re.S
    )
    [found] = [s for s in sections if f"/models/{model_id}" in s]
    return found


def test_a_repaired_pin_is_no_backfill_and_its_review_shows_the_registered_metadata(
    registry: Registry,
    lab: LabRepo,  # noqa: F811
) -> None:
    model = _internal(registry, lab.experiment, training_completed_at="2026-01-05T12:00:00Z")
    _force_push_away(lab, "experiment", lab.released)
    _verify(registry, lab, model)
    registry.suggest_pin(model, locations=lab.locations)
    assert registry.provenance(model) is None  # open in review, never backfilled
    assert not registry.get_review(model).from_backfill
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        open_item = _review_section(client.get("/review").text, model)
        registry.resolve_review(
            model, [f"code_commit_sha={lab.released}"], actor="rev", notes="force-pushed"
        )
        page = client.get(f"/models/{model}").text
        resolved = _review_section(client.get("/review?status=resolved").text, model)
    assert registry.provenance(model) is None
    assert "Backfill provenance" not in page
    assert "Legacy text" not in page
    for item in (open_item, resolved):
        assert "Legacy text" not in item
        assert "<summary>Registered metadata</summary>" in item
        assert "logistic_regression" in item  # the metadata it was registered with


def test_a_backfilled_model_keeps_its_legacy_text_and_provenance(registry: Registry) -> None:
    add_legacy(registry.database, "legacy-sourced", {"model_type": "logreg", "auc": "0.8"})
    registry.backfill()
    assert registry.get_review("legacy-sourced").from_backfill
    provenance = registry.provenance("legacy-sourced")
    assert provenance is not None
    assert "logreg" in provenance.excerpt
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        item = _review_section(client.get("/review").text, "legacy-sourced")
    assert "<summary>Legacy text</summary>" in item
    assert "Registered metadata" not in item
