"""Two revisions of the access data, as Git holds them (never as the working tree has changed them).

Two steps: `read_git` asks Git which commits the refs name, where the pull request started, which
files it changes and what each commit holds (plain `git` plumbing, `rolebook.infra.git`: the gate is a
required check on every push, and importing GitPython would cost more than all of its Git processes);
`revisions` then loads them. This module imports nothing heavy, so the Git step can run while the
models are imported. (The partial load may read a file from the working tree, but only when its content
hashes to the very blob.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rolebook.approvals import BadInput
from rolebook.infra.git import (
    GitFailed,
    changed_between,
    inside_work_tree,
    list_tree,
    merge_base,
    resolve_commit,
    side_by_side,
    write_blobs,
)

if TYPE_CHECKING:  # the loaders and models are imported when the revisions are loaded
    from rolebook.loading import Repository


@dataclass
class GitRevisions:
    """What Git says about a pull request, before anything is loaded."""

    base_sha: str
    merge_base_sha: str
    head_sha: str
    changed_files: list[str]  # relative to the access repository, merge base to head
    listings: dict[str, dict[str, str]]  # commit -> {path: blob id} under roles/ and access/


@dataclass
class Revisions:
    base: Repository  # the base branch: reviewers come from here
    merge_base: Repository  # where the pull request started: the diff starts here
    head: Repository
    base_sha: str
    head_sha: str
    changed_files: list[str]  # relative to the access repository, merge base to head


def _commit(path: Path, ref: str) -> str:
    try:
        return resolve_commit(path, ref)
    except GitFailed as exc:
        if not inside_work_tree(path):
            raise BadInput(f"{path} is not inside a Git repository") from exc
        raise BadInput(f"unknown revision '{ref}': fetch it first (actions/checkout needs fetch-depth: 0)") \
            from exc


def read_git(path: Path, base_ref: str, head_ref: str) -> GitRevisions:
    """The commits, the changed files and each commit's listing; independent Git processes side by side."""
    base, head = side_by_side(lambda: _commit(path, base_ref), lambda: _commit(path, head_ref))
    start = merge_base(path, base, head) or base
    shas = list(dict.fromkeys((base, start, head)))
    try:
        changed, *trees = side_by_side(lambda: changed_between(path, start, head),
                                       *[lambda sha=sha: list_tree(path, sha) for sha in shas])
    except GitFailed as exc:
        raise BadInput(f"cannot read {start[:12]}..{head[:12]} from Git: {exc}") from exc
    return GitRevisions(base, start, head, changed, dict(zip(shas, trees, strict=True)))


def load_at(path: Path, commit: str, files: dict[str, str], dest: Path, label: str) -> Repository:
    """Load `files` ({path: blob id}, the roles/ and access/ folders of `commit`), written out under `dest`."""
    from rolebook.loading import LoadFailed, load_repository

    try:
        return load_repository(write_blobs(path, files, dest))
    except GitFailed as exc:
        raise BadInput(f"the {label} revision {commit[:12]} cannot be read from Git: {exc}") from exc
    except LoadFailed as failed:
        first = failed.errors[0]
        raise BadInput(f"the {label} revision {commit[:12]} cannot be loaded: "
                       f"{first.file}:{first.line}: {first.message} ({len(failed.errors)} problem(s))") from failed


@contextmanager
def revisions(path: Path, found: GitRevisions) -> Iterator[Revisions]:
    base, start, head, listings = found.base_sha, found.merge_base_sha, found.head_sha, found.listings
    from rolebook.policy.pull_request import partial_revisions

    partial = partial_revisions(path, found)
    if partial is not None:
        yield Revisions(*partial, base, head, found.changed_files)
        return
    with tempfile.TemporaryDirectory(prefix="rolebook-approvals-") as tmp:
        root = Path(tmp)
        base_repo = load_at(path, base, listings[base], root / "base", "base")
        start_repo = base_repo if start == base else load_at(path, start, listings[start], root / "start",
                                                             "merge-base")
        head_repo = load_at(path, head, listings[head], root / "head", "head")
        yield Revisions(base_repo, start_repo, head_repo, base, head, found.changed_files)
