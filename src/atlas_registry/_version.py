"""The release, alone in a module: the handle reports it without importing the public face."""

__version__ = "0.1.0"
