"""Git plumbing for pull-request mode: file listings, changed paths and blob contents, a few processes each.

Every command runs in the access repository's folder, so paths come back relative to it (the folder may
sit below the Git repository's top). Blob contents are read with one `git cat-file --batch` process for
all of them, never one process (or one Python object) per file.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

DATA_DIRS = ("roles", "access")


class GitFailed(Exception):
    """A Git command failed (not a repository, an unknown revision...)."""


def run_git(root: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], input=input_bytes, capture_output=True,
                                check=False)
    except OSError as exc:
        raise GitFailed(f"cannot run git: {exc}") from exc
    if result.returncode != 0:
        raise GitFailed(result.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return result.stdout


def _split(output: bytes) -> list[str]:
    return [item.decode("utf-8", "surrogateescape") for item in output.split(b"\0") if item]


def list_tree(root: Path, commit: str) -> dict[str, str]:
    """{path: blob id} of every file under roles/ and access/ at `commit`."""
    found: dict[str, str] = {}
    for entry in _split(run_git(root, "ls-tree", "-r", "-z", commit, "--", *DATA_DIRS)):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            found[path] = parts[2]
    return found


def changed_between(root: Path, start: str, end: str) -> list[str]:
    """Paths (relative to root, anywhere under it) that differ between two commits."""
    return sorted(_split(run_git(root, "diff", "--relative", "--name-only", "--no-renames", "-z", start, end)))


def grep_files(root: Path, words: list[str], folder: str) -> list[str]:
    """Tracked files of the working tree under `folder` that contain any of `words` (fixed strings)."""
    if not words:
        return []
    args = ["grep", "-l", "-z", "-F"]
    for word in words:
        args += ["-e", word]
    try:
        return _split(run_git(root, *args, "--", folder))
    except GitFailed:
        return []  # exit code 1: nothing found


def read_blobs(root: Path, blob_ids: list[str]) -> dict[str, bytes]:
    """The contents of many blobs from one `git cat-file --batch` process."""
    wanted = list(dict.fromkeys(blob_ids))
    if not wanted:
        return {}
    output = run_git(root, "cat-file", "--batch", input_bytes="".join(f"{b}\n" for b in wanted).encode())
    found: dict[str, bytes] = {}
    position = 0
    for blob_id in wanted:
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        found[blob_id] = output[position:position + size]
        position += size + 1
    return found
