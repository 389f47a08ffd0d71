"""The published site: the public role guide and the internal audit site (MkDocs + Material).

`generate_site` renders the pages (no MkDocs); `run_mkdocs` builds them; `build_site` does both.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rolebook.output.site.generate import KINDS, SiteError, generate_site
from rolebook.output.site.mkdocs_runner import MkDocsFailed, run_mkdocs


def build_site(repo_root: Path, kind: str, out_dir: Path | None = None, site_dir: Path | None = None,
               today: dt.date | None = None) -> Path:
    """Generate and build one site; return the folder of the built site."""
    out = out_dir or repo_root / "build" / kind
    config = generate_site(repo_root, kind, out, site_dir=site_dir, today=today)
    return run_mkdocs(config)


__all__ = ["KINDS", "MkDocsFailed", "SiteError", "build_site", "generate_site", "run_mkdocs"]
