"""Run `mkdocs build --strict` on a generated config, in its own process.

Not quiet: with --quiet MkDocs drops its warnings before --strict can count them, so a broken link
would pass. The output is kept and shown only when the build fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class MkDocsFailed(Exception):
    def __init__(self, config: Path, output: str):
        super().__init__(f"mkdocs build --strict failed for {config}")
        self.config = config
        self.output = output


def run_mkdocs(config: Path, strict: bool = True) -> Path:
    """Build the site of a generated config; return the site folder."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    args = [sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(config)]
    if strict:
        args.append("--strict")
    result = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise MkDocsFailed(config, (result.stdout + result.stderr).strip())
    return site_dir_of(config)


def site_dir_of(config: Path) -> Path:
    """The site_dir a generated config names (relative to the config's folder)."""
    for line in config.read_text(encoding="utf-8").splitlines():
        if line.startswith("site_dir:"):
            value = line.split(":", 1)[1].strip().strip("'\"")
            return (config.parent / value).resolve()
    return (config.parent / "site").resolve()
