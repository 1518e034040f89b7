"""The web pages: server-rendered HTML over the same library verbs as the API."""

from atlas_registry.web import ranking_pages  # noqa: F401  (registers /compare and /leaderboards)
from atlas_registry.web.pages import router, static_files
from atlas_registry.web.problem_types import problem_router

__all__ = ["problem_router", "router", "static_files"]
