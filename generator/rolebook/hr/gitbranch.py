"""Commit files to a branch without checking it out, so a run never disturbs the working tree.

A scheduled job or a person on `main` prepares a change for a pull request: the files go into a
commit whose parent is HEAD, on a named branch. Running again with the same content makes no new
commit (same parent, same tree), which is what keeps the nightly job from churning its PR.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import git
from gitdb.base import IStream

BRANCH_PREFIX = "refs/heads/"


class BranchError(Exception):
    """The change cannot be committed (not a Git repository, no commit yet, branch checked out)."""


@dataclass(frozen=True)
class BranchResult:
    branch: str
    commit: str | None  # the branch's head after the run; None when nothing differs from the base
    base: str
    created: bool  # a new commit was made (False: nothing to change, or the branch already had it)
    changed: bool  # the change differs from the base at all


def open_repo(root: Path) -> git.Repo:
    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise BranchError(f"{root} is not a Git repository; use --no-branch to write the files in place") from None
    if not repo.head.is_valid():
        raise BranchError("the repository has no commit yet; commit the access data first")
    return repo


def commit_to_branch(root: Path, branch: str, files: Mapping[str, str | None], message: str) -> BranchResult:
    """Commit `files` ({repo-relative path: text, or None to delete}) on top of HEAD, on `branch`."""
    repo = open_repo(root)
    if not repo.head.is_detached and repo.active_branch.name == branch:
        raise BranchError(f"branch {branch} is checked out; switch to the base branch (e.g. main) and run again")
    base = repo.head.commit
    tree_sha = _tree_with(repo, base.hexsha, files)
    existing = repo.heads[branch] if branch in [h.name for h in repo.heads] else None
    if tree_sha == base.tree.hexsha:
        return BranchResult(branch, existing.commit.hexsha if existing else None, base.hexsha, False, False)
    if existing is not None:
        head = existing.commit
        if head.tree.hexsha == tree_sha and [p.hexsha for p in head.parents] == [base.hexsha]:
            return BranchResult(branch, head.hexsha, base.hexsha, False, True)
    # Dated as its base: the same change on the same base is then the same commit, byte for byte, so a
    # fresh CI clone that prepares it again pushes nothing and the open PR sees no new push.
    when = base.committed_datetime
    commit = git.Commit.create_from_tree(repo, repo.tree(tree_sha), message, parent_commits=[base], head=False,
                                         author_date=when, commit_date=when)
    repo.create_head(branch, commit, force=True)
    return BranchResult(branch, commit.hexsha, base.hexsha, True, True)


def _tree_with(repo: git.Repo, base: str, files: Mapping[str, str | None]) -> str:
    with tempfile.TemporaryDirectory(prefix="rolebook-index-") as folder:
        env = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        repo.git.read_tree(base, env=env)
        for path, text in sorted(files.items()):
            if text is None:
                repo.git.update_index("--force-remove", "--", path, env=env)
                continue
            data = text.encode("utf-8")
            blob = repo.odb.store(IStream(git.Blob.type, len(data), io.BytesIO(data)))
            repo.git.update_index("--add", "--cacheinfo", f"100644,{blob.hexsha.decode()}," + path, env=env)
        return str(repo.git.write_tree(env=env))


def last_commit_of(root: Path, relative: str) -> str | None:
    """The commit that last changed a file (the evidence a review was merged), or None outside Git."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
        found = repo.git.log("-1", "--first-parent", "--format=%H", "--", relative)  # the merge, on main
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, ValueError):
        return None
    return found.strip() or None
