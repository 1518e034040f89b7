"""The review queue, the pin report and the dataset listing over HTTP: paged reads and one write."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from atlas_registry.client import decode
from atlas_registry.client.calls import part
from atlas_registry.client.catalog_calls import CatalogCalls
from atlas_registry.errors import InputError, ValidationError, Violation

if TYPE_CHECKING:
    from atlas_registry import DatasetRecord, ListingPage, PinCheck, ReviewItem

STATUSES = ("open", "resolved")


def listing_page(kind: str, body: dict[str, Any]) -> Any:
    items = decode.records(decode.kind(kind), body["items"])
    return decode.kind("ListingPage")(items, body["next_page_token"])


def every_item(page_after: Callable[[str | None], Any]) -> Iterator[Any]:
    """Each item of a paged listing, reading the next page only when the last is used up."""
    token = None
    while True:
        page = page_after(token)
        yield from page.items
        token = page.next_page_token
        if token is None:
            return


class ReviewCalls(CatalogCalls):
    """Held legacy facts, each model's newest pin check, and every dataset, a page at a time."""

    def review_page(
        self, status: str | None = "open", *, page_size: int = 1000, page_token: str | None = None
    ) -> ListingPage[ReviewItem]:
        """One page of review items of ``status`` by artifact id (the API pages one status)."""
        if status not in STATUSES:
            raise InputError(f"the review queue is paged by status: {' or '.join(STATUSES)}")
        params = {"status": status, "page_size": page_size, "page_token": page_token}
        page: ListingPage[ReviewItem] = listing_page(
            "ReviewItem", self.session.get("/api/v1/review-queue", params)
        )
        return page

    def list_reviews(
        self, status: str | None = "open", *, artifact_ids: Sequence[str] | None = None
    ) -> list[ReviewItem]:
        """Review items of one status (None: any), of the artifacts ``artifact_ids`` if given."""
        found: list[ReviewItem] = []
        for each in (status,) if status is not None else STATUSES:
            found += self.iter_reviews(each)
        if artifact_ids is not None:
            wanted = set(artifact_ids)
            found = [item for item in found if item.artifact_id in wanted]
        return sorted(found, key=lambda item: item.artifact_id)

    def iter_reviews(self, status: str = "open", *, page_size: int = 1000) -> Iterator[ReviewItem]:
        """Every review item of ``status`` by artifact id, a page read only when reached."""
        return every_item(
            lambda token: self.review_page(status, page_size=page_size, page_token=token)
        )

    def get_review(self, artifact_ref: str) -> ReviewItem:
        found = self.session.get(f"/api/v1/review-queue/{part(artifact_ref)}")
        item: ReviewItem = decode.record(decode.kind("ReviewItem"), found)
        return item

    def resolve_review(
        self, artifact_id: str, assignments: list[str], *, actor: str, notes: str | None = None
    ) -> ReviewItem:
        """Finish a held artifact; each assignment is ``field=value``, as on the command line."""
        del actor
        pairs = {}
        for index, assignment in enumerate(assignments):
            key, equals, value = assignment.partition("=")
            if not equals or not key:
                raise ValidationError(
                    "the assignments are invalid", [Violation(f"[{index}]", "must be FIELD=VALUE")]
                )
            pairs[key] = value
        body: dict[str, Any] = {"set": pairs} | ({"notes": notes} if notes is not None else {})
        found = self.session.post(f"/api/v1/review-queue/{part(artifact_id)}/resolve", body)
        item: ReviewItem = decode.record(decode.kind("ReviewItem"), found)
        return item

    def pin_report_page(
        self,
        *,
        status: str | None = None,
        promoted_only: bool = False,
        page_size: int = 1000,
        page_token: str | None = None,
    ) -> ListingPage[PinCheck]:
        params = {
            "status": status,
            "promoted": "true" if promoted_only else None,
            "page_size": page_size,
            "page_token": page_token,
        }
        page: ListingPage[PinCheck] = listing_page(
            "PinCheck", self.session.get("/api/v1/pin-checks", params)
        )
        return page

    def pin_report(
        self, *, status: str | None = None, promoted_only: bool = False
    ) -> list[PinCheck]:
        """The newest check of every model whose current pin was checked, by model id."""
        return list(self.iter_pin_report(status=status, promoted_only=promoted_only))

    def iter_pin_report(
        self, *, status: str | None = None, promoted_only: bool = False, page_size: int = 1000
    ) -> Iterator[PinCheck]:
        """:meth:`pin_report`, a page read only when reached."""
        return every_item(
            lambda token: self.pin_report_page(
                status=status, promoted_only=promoted_only, page_size=page_size, page_token=token
            )
        )

    def datasets(
        self, *, page_size: int = 50, page_token: str | None = None
    ) -> ListingPage[DatasetRecord]:
        params = {"page_size": page_size, "page_token": page_token}
        page: ListingPage[DatasetRecord] = listing_page(
            "DatasetRecord", self.session.get("/api/v1/datasets", params)
        )
        return page

    def iter_datasets(self, *, page_size: int = 100) -> Iterator[DatasetRecord]:
        """Every dataset in id order, a page read only when reached."""
        return every_item(lambda token: self.datasets(page_size=page_size, page_token=token))
