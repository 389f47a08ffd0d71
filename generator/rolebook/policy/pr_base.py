"""Pull-request mode: the base revision of the data, and what the change touches.

The base is read from Git (plain `git` plumbing, `rolebook.infra.git`), never by checking anything out:
the blobs of roles/, access/ and .github/CODEOWNERS at the merge base are written to a temporary folder
and loaded like any repository. The working tree (with uncommitted and untracked files) is the head.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from rolebook.infra.git import (
    DATA_DIRS,
    GitFailed,
    inside_work_tree,
    list_tree,
    merge_base,
    resolve_commit,
    worktree_changes,
    write_blobs,
)

EXTRA_FILES = (".github/CODEOWNERS",)


class BaseUnavailable(Exception):
    """The base revision cannot be read: not a Git repository, or an unknown ref."""


@dataclass
class Change:
    base_sha: str
    changed: list[str]  # paths under roles/ and access/, relative to the access repository root, posix style
    base_files: dict[str, str] = field(default_factory=dict)  # {path: blob id} under roles/ and access/ at base

    def scope(self) -> set[str] | None:
        """Location codes the change can affect, or None when it may affect everything.

        Only files in locations' folders changed (grants, reviews): those locations. Anything else
        under roles/ or access/ (district, groups, staff, policy, roles): everything.
        """
        codes: set[str] = set()
        for path in self.changed:
            parts = PurePosixPath(path).parts
            if parts[:1] not in (("roles",), ("access",)):
                continue
            if len(parts) >= 4 and parts[1] in {"schools", "offices"}:  # a location's own folder
                codes.add(parts[2])
            else:
                return None
        return codes


def resolve_base(root: Path, ref: str) -> str:
    """The commit to compare with: where the branch started from `ref`, not later work on the base branch."""
    try:
        target = resolve_commit(root, ref)
    except GitFailed as exc:
        if not inside_work_tree(root):
            raise BaseUnavailable(f"{root} is not inside a Git repository") from exc
        raise BaseUnavailable(f"unknown Git revision '{ref}'") from exc
    return merge_base(root, target, "HEAD") or target  # no HEAD yet, or unrelated histories: the ref itself


def changed_files(root: Path, ref: str) -> Change:
    """Files under roles/ and access/ that differ between the merge base and the working tree, untracked
    ones included (nothing else can change the scope)."""
    base = resolve_base(root, ref)
    try:
        return Change(base, *worktree_changes(root, base))
    except GitFailed as exc:
        raise BaseUnavailable(f"cannot compare the working tree with {ref}: {exc}") from exc


@contextmanager
def base_tree(root: Path, ref: str) -> Iterator[Path]:
    """A temporary folder holding the base revision's roles/, access/ and CODEOWNERS."""
    base = resolve_base(root, ref)
    with tempfile.TemporaryDirectory(prefix="rolebook-base-") as folder:
        target = Path(folder)
        try:
            listed = list_tree(root, base, DATA_DIRS + EXTRA_FILES)
            # CODEOWNERS itself: a folder of that name is not it
            write_blobs(root, {path: blob for path, blob in listed.items()
                               if path in EXTRA_FILES or path.startswith(tuple(f"{d}/" for d in DATA_DIRS))}, target)
        except GitFailed as exc:
            raise BaseUnavailable(f"cannot read the files of {ref}: {exc}") from exc
        (target / "access").mkdir(exist_ok=True)
        (target / "roles").mkdir(exist_ok=True)
        yield target
