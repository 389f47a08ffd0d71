"""The repository as it was at an applied commit, read from Git blobs into a temporary folder.

The guard reads the last applied revision's grants files (was an acknowledgement already there?) and
the export compares the last exported revision with HEAD. Nothing is checked out.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rolebook.infra.git import GitFailed, list_tree, write_blobs
from rolebook.loading import LoadFailed, Repository, load_repository
from rolebook.paths import ACCESS_DIR, ROLES_DIR


class RevisionUnreadable(Exception):
    """The commit's data cannot be read back (gone from this clone, or it no longer loads)."""


def load_revision(root: Path, commit: str) -> Repository:
    with tempfile.TemporaryDirectory(prefix="rolebook-applied-") as folder:
        target = Path(folder)
        try:
            write_blobs(root, list_tree(root, commit), target)
        except GitFailed as exc:
            raise RevisionUnreadable(f"cannot read the files of commit {commit[:12]}: {exc}") from None
        (target / ACCESS_DIR).mkdir(exist_ok=True)
        (target / ROLES_DIR).mkdir(exist_ok=True)
        try:
            return load_repository(target)
        except LoadFailed as exc:
            raise RevisionUnreadable(f"the data of commit {commit[:12]} does not load: {exc}") from None
