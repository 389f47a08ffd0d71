"""Loading: YAML files to typed models, with every problem reported at its file, line and column.

The models and the loader are imported on first use of a name below, not with the package: a command
that forks the prefetch child (`fast/prefetch.start_early`) does so before pydantic is imported, and
the child never needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rolebook.loading.errors import LoadError, LoadFailed

if TYPE_CHECKING:
    from rolebook.loading.loaded import GrantsRecord, Repository
    from rolebook.loading.repository import load_catalog, load_repository

_LAZY = {"GrantsRecord": "loaded", "Repository": "loaded", "load_catalog": "repository",
         "load_repository": "repository"}

__all__ = ["GrantsRecord", "LoadError", "LoadFailed", "Repository", "load_catalog", "load_repository"]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value
