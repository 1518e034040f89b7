"""The web pages: server-rendered HTML over the same library verbs as the API."""

# Imported for their routes, which join the pages' router: /history, /compare, /leaderboards
# /datasets and /webhooks.
from atlas_registry.web import (  # noqa: F401
    dataset_pages,
    history_pages,
    ranking_pages,
    webhook_pages,
)
from atlas_registry.web.pages import router, static_files
from atlas_registry.web.problem_types import problem_router

__all__ = ["problem_router", "router", "static_files"]
