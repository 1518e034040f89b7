"""The registry handle's verbs on datasets: register, list and read them, and reverse lineage.

Datasets are catalog artifacts (``artifact_type = 'dataset'``) that models name
in ``training_data`` and ``evaluation_dataset``; these verbs make them without
SQL and answer which models use one. The model listings take the
``trained_on`` and ``evaluated_on`` filters (:class:`~atlas_registry.ModelFilters`);
an empty listing filtered by a dataset that does not exist says so, as an
empty listing of a misspelt line does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atlas_registry.catalog import datasets
from atlas_registry.catalog.dataset_lineage import DATASET_FILTERS
from atlas_registry.catalog.dataset_records import DatasetRecord, DatasetRegistration, DatasetUse
from atlas_registry.catalog.model_listing import Page
from atlas_registry.records import ModelRecord
from atlas_registry.registry.catalog_verbs import CatalogVerbs
from atlas_registry.store.paging import ListingPage


class DatasetVerbs(CatalogVerbs):
    """Dataset artifacts, and the models trained or evaluated on each."""

    def register_dataset(
        self,
        registration: DatasetRegistration | Mapping[str, Any],
        *,
        actor: str | None = None,
    ) -> DatasetRecord:
        """Register a dataset (a record, or its JSON document); returns it as stored.

        Every problem is listed at once (ValidationError, with paths); an id in
        use is AlreadyExistsError. ``actor``: who is known to register it (a
        token's name over HTTP), recorded as ``created_by``.
        """
        if not isinstance(registration, DatasetRegistration):
            registration = DatasetRegistration.from_dict(registration)
        return datasets.register_dataset(self.database, registration, actor=actor)

    def dataset(self, dataset_id: str) -> DatasetRecord:
        """One dataset artifact, legacy rows included (their metadata as stored)."""
        return datasets.get_dataset(self.database, dataset_id)

    def datasets(
        self, *, page_size: int = 50, page_token: str | None = None
    ) -> ListingPage[DatasetRecord]:
        """Every dataset artifact in id order, a page at a time."""
        return datasets.dataset_page(self.database, page_size=page_size, page_token=page_token)

    def dataset_use(self, dataset_id: str, *, limit: int = 100) -> DatasetUse:
        """The dataset with every model trained and evaluated on it, promoted versions first."""
        return datasets.dataset_use(self.database, dataset_id, limit=limit)

    def list_models(self, **filters: Any) -> list[ModelRecord]:
        found = super().list_models(**filters)
        if not found:
            self._require_datasets(filters)
        return found

    def list_page(
        self, *, page_size: int = 50, page_token: str | None = None, **filters: Any
    ) -> Page:
        page = super().list_page(page_size=page_size, page_token=page_token, **filters)
        if not page.items:
            self._require_datasets(filters)
        return page

    def _require_datasets(self, filters: Mapping[str, Any]) -> None:
        """A misspelt dataset id is not an unused dataset: NotFoundError names it."""
        for name in DATASET_FILTERS:
            if isinstance(filters.get(name), str):
                self.dataset(filters[name])
