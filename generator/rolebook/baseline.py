"""Pull-request mode: the base revision of the data, and what the change touches.

The base is read from Git (gitpython), never by checking anything out: the blobs of roles/, access/
and .github/CODEOWNERS at the merge base are written to a temporary folder and loaded like any
repository. The working tree (with uncommitted and untracked files) is the head.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import git

from rolebook.gitops import repo_around

DATA_DIRS = ("roles", "access")
EXTRA_FILES = (".github/CODEOWNERS",)


class BaseUnavailable(Exception):
    """The base revision cannot be read: not a Git repository, or an unknown ref."""


@dataclass
class Change:
    base_sha: str
    changed: list[str]  # paths relative to the access repository root, posix style

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


def _open(root: Path) -> tuple[git.Repo, str]:
    found = repo_around(root)
    if found is None:
        raise BaseUnavailable(f"{root} is not inside a Git repository")
    repo, prefix = found
    return repo, prefix + "/" if prefix else ""


def resolve_base(root: Path, ref: str) -> tuple[git.Repo, git.Commit, str]:
    repo, prefix = _open(root)
    try:
        target = repo.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError) as exc:
        raise BaseUnavailable(f"unknown Git revision '{ref}'") from exc
    try:  # compare with where the branch started, not with later work on the base branch
        bases = repo.merge_base(target, repo.head.commit)
        base = bases[0] if bases else target
    except (ValueError, git.GitCommandError):
        base = target
    return repo, base, prefix


def changed_files(root: Path, ref: str) -> Change:
    """Files that differ between the merge base and the working tree, untracked ones included."""
    repo, base, prefix = resolve_base(root, ref)
    paths: set[str] = set()
    for diff in base.diff(None):
        for path in (diff.a_path, diff.b_path):
            if path and path.startswith(prefix):
                paths.add(path[len(prefix):])
    for path in repo.untracked_files:
        if path.startswith(prefix):
            paths.add(path[len(prefix):])
    return Change(base.hexsha, sorted(paths))


@contextmanager
def base_tree(root: Path, ref: str) -> Iterator[Path]:
    """A temporary folder holding the base revision's roles/, access/ and CODEOWNERS."""
    _repo, base, prefix = resolve_base(root, ref)
    with tempfile.TemporaryDirectory(prefix="rolebook-base-") as folder:
        target = Path(folder)
        for name in DATA_DIRS:
            try:
                tree = base.tree / (prefix + name)
            except KeyError:
                continue
            for item in tree.traverse():
                if isinstance(item, git.Blob):
                    _write_blob(target, str(item.path)[len(prefix):], item)
        for name in EXTRA_FILES:
            try:
                blob = base.tree / (prefix + name)
            except KeyError:
                continue
            if isinstance(blob, git.Blob):
                _write_blob(target, name, blob)
        (target / "access").mkdir(exist_ok=True)
        (target / "roles").mkdir(exist_ok=True)
        yield target


def _write_blob(target: Path, relative: str, blob: git.Blob) -> None:
    path = target / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob.data_stream.read())
