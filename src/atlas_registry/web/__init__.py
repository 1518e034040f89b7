"""The web pages: server-rendered HTML over the same library verbs as the API."""

from atlas_registry.web.pages import router, static_files

__all__ = ["router", "static_files"]
