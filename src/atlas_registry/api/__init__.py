"""The HTTP API: FastAPI routes over the library's verbs, errors as RFC 9457 problems."""

from atlas_registry.api.app import create_app
from atlas_registry.api.server import APP_FACTORY, configure, run

__all__ = ["APP_FACTORY", "configure", "create_app", "run"]
