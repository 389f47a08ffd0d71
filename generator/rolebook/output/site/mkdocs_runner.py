"""Run `mkdocs build --strict` on a generated config, in its own process.

Not quiet: with --quiet MkDocs drops its warnings before --strict can count them, so a broken link
would pass. The output is kept and shown only when the build fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
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
    site = site_dir_of(config)
    _remove_aside(site)
    result = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise MkDocsFailed(config, (result.stdout + result.stderr).strip())
    return site


def _remove_aside(site: Path) -> None:
    """The last build's site out of MkDocs' way (what --clean would remove first), removed by a thread
    while MkDocs builds the new one: at district scale, thousands of files and half a second of
    unlinking. The process waits for the thread before it exits (cli._leave)."""
    if not site.is_dir() or os.path.ismount(site):  # none yet, or a file system of its own
        return
    old = site.with_name(f"{site.name}.old")
    shutil.rmtree(old, ignore_errors=True)  # an earlier build's, cut short
    try:
        site.rename(old)
    except OSError:  # one that cannot be moved: MkDocs' --clean empties it
        return
    threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True},
                     name="rolebook-remove-old-site").start()


def site_dir_of(config: Path) -> Path:
    """The site_dir a generated config names (relative to the config's folder)."""
    for line in config.read_text(encoding="utf-8").splitlines():
        if line.startswith("site_dir:"):
            value = line.split(":", 1)[1].strip().strip("'\"")
            return (config.parent / value).resolve()
    return (config.parent / "site").resolve()
