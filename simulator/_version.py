"""The package version, in a module of its own so that any layer can read it without importing
the package's public API (``simulator/__init__.py`` imports the upper layers)."""

__version__ = "0.1.0"
