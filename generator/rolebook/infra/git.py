"""Git plumbing for pull-request mode and the approval gate: revisions, file listings, changed paths and
blob contents, one short `git` process each.

Every command runs in the access repository's folder, so paths come back relative to it (the folder may
sit below the Git repository's top). Blob contents are read with one `git cat-file --batch` process for
all of them, never one process (or one Python object) per file. Plain `git` processes rather than
GitPython: importing GitPython alone costs more than every process these commands start. Commands that
do not depend on each other run side by side (`side_by_side`).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar, cast

DATA_DIRS = ("roles", "access")
T = TypeVar("T")


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


def in_background(call: Callable[[], T]) -> Callable[[], T]:
    """Start `call` in a thread at once; the function returned waits for its result (or raises its error).

    For Git work that can go on while this thread imports modules or computes: a thread waiting on a
    Git process holds no lock, so the process runs on another core in the meantime.
    """
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to whoever waits for the result
            outcome.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        done, value = outcome[0]
        if not done:
            raise value
        return cast(T, value)

    return result


def side_by_side(*calls: Callable[[], Any]) -> list[Any]:
    """The result of each call, in order, the calls running at the same time (see `in_background`).

    The first exception, in the order of `calls`, is raised once all of them have finished.
    """
    waits = [*calls[:1], *(in_background(call) for call in calls[1:])]
    outcomes: list[tuple[bool, Any]] = []
    for wait in waits:
        try:
            outcomes.append((True, wait()))
        except BaseException as exc:  # raised below, once every call is over
            outcomes.append((False, exc))
    for done, value in outcomes:
        if not done:
            raise value
    return [value for _, value in outcomes]


def _split(output: bytes) -> list[str]:
    return [item.decode("utf-8", "surrogateescape") for item in output.split(b"\0") if item]


def inside_work_tree(root: Path) -> bool:
    try:
        return run_git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except GitFailed:
        return False


def resolve_commit(root: Path, ref: str) -> str:
    """The commit id `ref` names (a branch, a tag, an id...); GitFailed when it names none."""
    if ref.startswith("-"):  # never read as an option
        raise GitFailed(f"not a revision: {ref!r}")
    found = run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    if not found:
        raise GitFailed(f"not a revision: {ref!r}")
    return found


def merge_base(root: Path, one: str, other: str) -> str | None:
    """The best common ancestor of two revisions, or None (unrelated histories, no HEAD yet...)."""
    try:
        found = run_git(root, "merge-base", one, other).decode().strip()
    except GitFailed:
        return None
    return found.split()[0] if found else None


def worktree_changes(root: Path, commit: str, folders: tuple[str, ...] = DATA_DIRS) -> tuple[
        list[str], dict[str, str]]:
    """(the paths under `folders` that differ between `commit` and the working tree, untracked files
    included (ignored ones not), and `commit`'s listing of `folders`, as `list_tree` gives it).

    Renames count as the old and the new path. The three Git processes run side by side: comparing
    the working tree and listing its untracked files each look at every file of it.
    """
    changed, untracked, listing = side_by_side(
        lambda: run_git(root, "diff", "--relative", "--name-only", "--no-renames", "-z", commit, "--", *folders),
        lambda: run_git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *folders),
        lambda: list_tree(root, commit, folders))
    return sorted(set(_split(changed)) | set(_split(untracked))), listing


def list_tree(root: Path, commit: str, paths: tuple[str, ...] = DATA_DIRS) -> dict[str, str]:
    """{path: blob id} of every file under `paths` (roles/ and access/) at `commit`."""
    found: dict[str, str] = {}
    for entry in _split(run_git(root, "ls-tree", "-r", "-z", commit, "--", *paths)):
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


def write_blobs(root: Path, files: dict[str, str], dest: Path) -> Path:
    """Write `files` ({path: blob id}, from `list_tree`) below `dest`, at the same relative paths."""
    contents = read_blobs(root, list(files.values()))
    for path, blob_id in files.items():
        if blob_id not in contents:
            raise GitFailed(f"blob {blob_id} ({path}) is missing")
        target = dest.joinpath(*PurePosixPath(path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(contents[blob_id])
    return dest
