"""The revisions of a pull request the approval gate judges, as Git holds them (never the working tree).

Two steps: `read_git` asks Git which commits the refs name, where the pull request started, which
files it changes and what each commit holds; `revisions` then loads them. Both are pull-request mode's
(`rolebook.policy.pull_request`, which also decides when a partial load answers); here their problems
become the gate's `BadInput` (exit code 2). This module imports nothing heavy, so the Git step can run
while the models are imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rolebook.approvals import BadInput
from rolebook.policy import pull_request
from rolebook.policy.pull_request import BaseUnavailable, GitRevisions

if TYPE_CHECKING:  # the loaders and models are imported when the revisions are loaded
    from rolebook.loading import Repository


@dataclass
class Revisions:
    base: Repository  # the base branch: reviewers come from here
    merge_base: Repository  # where the pull request started: the diff starts here
    head: Repository
    base_sha: str
    head_sha: str
    changed_files: list[str]  # relative to the access repository, merge base to head


def read_git(path: Path, base_ref: str, head_ref: str) -> GitRevisions:
    """The commits, the changed files and each commit's listing (`pull_request.read_git`)."""
    try:
        return pull_request.read_git(path, base_ref, head_ref)
    except BaseUnavailable as exc:
        raise BadInput(str(exc)) from exc


def _changes_a_review(found: GitRevisions) -> bool:
    """A review's deciders are checked against its designated reviewers, who may hold their approver role
    by a grant in any file (an office's, another school's wide one): such a pull request is loaded whole,
    as one with a wide grant is."""
    from rolebook.loading.records import is_review_file

    return any(is_review_file(path) for path in found.changed_files)


@contextmanager
def revisions(path: Path, found: GitRevisions) -> Iterator[Revisions]:
    try:
        with pull_request.gate_revisions(path, found, partial_load=not _changes_a_review(found)) as (
                base, start, head):
            yield Revisions(base, start, head, found.base_sha, found.head_sha, found.changed_files)
    except BaseUnavailable as exc:
        raise BadInput(str(exc)) from exc
