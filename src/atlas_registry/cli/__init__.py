"""The ``atlas-registry`` command line: parse, call one library verb, format, exit."""

from atlas_registry.cli.app import app, main

__all__ = ["app", "main"]
