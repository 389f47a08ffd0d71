"""A whole-result cache for `rolebook validate`: an unchanged repository answers without loading anything.

The key is a digest of what the answer depends on: Git's blob ids of every tracked file under roles/
and access/ (`git ls-files -s` gives them without reading a file), the content of files `git status`
reports as modified or untracked there, the rolebook code (version and the size and time of each of its
modules), today's date and the command's options. Any change to any of them is a different key, so a
stale answer is never shown. Results live in `.rolebook-cache/` (git-ignored); only the latest is kept.
There is no cache outside Git, in CI (a fresh checkout never hits it), or when anything under
`.rolebook-cache/` is committed: an answer is only trusted if this machine wrote it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import rolebook
from rolebook.infra.fileio import write_atomic

CACHE_DIR = ".rolebook-cache"
FORMAT = 1
DATA_DIRS = ("roles", "access")


def cache_key(root: Path, *options: object) -> str | None:
    """The digest of the repository's data and the options, or None when it cannot be known (no Git)."""
    if os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return None
    listed = _git(root, "ls-files", "-s", "-z", "--", *DATA_DIRS)
    status = _git(root, "-c", "status.relativePaths=false", "status", "--porcelain=v1", "-z",
                  "--untracked-files=all", "--ignored=matching", "--no-renames", "--", *DATA_DIRS)
    committed = _git(root, "ls-files", "--", CACHE_DIR)
    if listed is None or status is None or committed is None or committed.strip():
        return None
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{rolebook.__version__}\0{_code_stamp()}\0{options!r}\0".encode())
    digest.update(listed)
    digest.update(status)
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None:
        return None
    base = Path(os.fsdecode(top.strip()))
    for entry in status.split(b"\0"):
        if len(entry) < 4:
            continue
        path = base / os.fsdecode(entry[3:])
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"-")
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()


def load(root: Path, key: str | None) -> Any:
    if key is None:
        return None
    try:
        return json.loads((root / CACHE_DIR / f"validate-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def store(root: Path, key: str | None, value: Any) -> None:
    if key is None:
        return
    folder = root / CACHE_DIR
    try:
        for old in folder.glob("validate-*.json"):
            old.unlink(missing_ok=True)
        if not (folder / ".gitignore").exists():
            write_atomic(folder / ".gitignore", "*\n")
        write_atomic(folder / f"validate-{key}.json", json.dumps(value))
    except OSError:
        pass  # a read-only checkout: no cache, same answer


def _code_stamp() -> str:
    package = Path(rolebook.__file__).parent
    stamps = []
    for path in sorted(package.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        stamps.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()


def _git(root: Path, *args: str) -> bytes | None:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError:
        return None
    return result.stdout if result.returncode == 0 else None
