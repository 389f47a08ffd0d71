"""The published site: the public role guide and the internal audit site (MkDocs + Material).

`generate_site` renders the pages (no MkDocs); `run_mkdocs` builds them; `build_site` does both.

The names are imported when first used (PEP 562): MkDocs imports the internal build's hook
(`mkdocs_hook`, in this package) in every `mkdocs build`, and the hook needs none of the renderer.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rolebook.output.site.generate import KINDS, SiteError, generate_site
    from rolebook.output.site.mkdocs_runner import MkDocsFailed, run_mkdocs

_PROVIDERS = {"KINDS": "generate", "SiteError": "generate", "generate_site": "generate",
              "MkDocsFailed": "mkdocs_runner", "run_mkdocs": "mkdocs_runner"}


def __getattr__(name: str) -> Any:
    module = _PROVIDERS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def build_site(repo_root: Path, kind: str, out_dir: Path | None = None, site_dir: Path | None = None,
               today: dt.date | None = None) -> Path:
    """Generate and build one site; return the folder of the built site."""
    from rolebook.output.site.generate import generate_site
    from rolebook.output.site.mkdocs_runner import run_mkdocs

    out = out_dir or repo_root / "build" / kind
    config = generate_site(repo_root, kind, out, site_dir=site_dir, today=today)
    return run_mkdocs(config)


__all__ = ["KINDS", "MkDocsFailed", "SiteError", "build_site", "generate_site", "run_mkdocs"]
