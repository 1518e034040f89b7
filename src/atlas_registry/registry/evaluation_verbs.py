"""The registry handle's verbs on evaluations: add one, list a version's, find by dataset."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from atlas_registry.catalog import evaluation_pages, evaluations
from atlas_registry.catalog.evaluation_input import EvaluationInput, check_evaluation
from atlas_registry.catalog.evaluations import Evaluation
from atlas_registry.registry.base import Verbs
from atlas_registry.store.paging import ListingPage


class EvaluationVerbs(Verbs):
    """Evaluations added after registration, each its own append-only fact."""

    def add_evaluation(
        self,
        model_ref: str,
        evaluation: EvaluationInput | None = None,
        *,
        by: str,
        scopes: Collection[str] | None = None,
        **fields: Any,
    ) -> Evaluation:
        """Record an evaluation of a version: a benchmark, a catalog dataset (at a revision
        or digest), an optional split, metrics, and the harness's code pin.

        Give an :class:`EvaluationInput`, or its fields as keyword arguments
        (``benchmark_id=``, ``dataset_id=``, ``metrics=``, ``split=``,
        ``dataset_revision=``, ``harness_repo_url=``, ``harness_commit_sha=``,
        ``notes=``); ``by`` is who evaluated (a token's name over HTTP) and ``scopes`` the
        scopes its token holds, kept for the gate's scope rules. Every
        problem is refused with its field named, and nothing is written.
        """
        given = evaluation if evaluation is not None else check_evaluation(**fields)
        return self._on_model(
            lambda model_id: evaluations.add_evaluation(
                self.database, model_id, given, actor=by, scopes=scopes
            ),
            model_ref,
        )

    def evaluations(
        self, model_ref: str, *, limit: int = evaluations.MAX_LISTED
    ) -> list[Evaluation]:
        """A version's evaluations, newest first; its registration's metrics are the first."""
        return self._read(
            lambda db, model_id: evaluations.evaluations_of(db, model_id, limit), model_ref
        )

    def evaluation_page(
        self, model_ref: str, *, page_size: int = 50, page_token: str | None = None
    ) -> ListingPage[Evaluation]:
        """One page of a version's evaluations, newest first, and the next page's token
        (None on the last); a token is good only for the version it was made for."""
        return self._read(
            lambda db, model_id: evaluation_pages.evaluation_page(
                db, model_id, page_size=page_size, page_token=page_token
            ),
            model_ref,
        )

    def versions_evaluated_on(self, dataset_id: str) -> list[str]:
        """The ids of every version with an evaluation on the dataset ``dataset_id``."""
        return evaluations.versions_evaluated_on(self.database, dataset_id)
