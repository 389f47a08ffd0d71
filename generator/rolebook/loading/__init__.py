"""Loading: YAML files to typed models, with every problem reported at its file, line and column."""

from rolebook.loading.errors import LoadError, LoadFailed
from rolebook.loading.loaded import GrantsRecord, Repository
from rolebook.loading.repository import load_catalog, load_repository

__all__ = ["GrantsRecord", "LoadError", "LoadFailed", "Repository", "load_catalog", "load_repository"]
