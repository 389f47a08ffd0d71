"""Commit prepared files to a branch, for a pull request: in the working tree, or beside it.

Two ways, because two kinds of caller need them:

- `touch_worktree=True` (request, revoke, transfer, offboard: a person at their checkout) writes the
  files, switches to the new branch (or stays on the current one) and commits only those files, the
  way the person would by hand; it refuses when one of the files has uncommitted changes.
- `touch_worktree=False` (HR sync, reviews: a scheduled job or a person on `main`) builds the commit on a
  temporary index with HEAD as its parent and points the branch at it; the working tree is untouched.
  Running again with the same content makes no new commit (same parent, same tree), which is what keeps
  the nightly job from churning its PR.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rolebook.infra.fileio import write_atomic

if TYPE_CHECKING:  # GitPython is imported by the functions that commit: the rules only need last_commit_of
    import git


class BranchError(Exception):
    """The change cannot be committed (not a Git repository, no commit yet, branch checked out, dirty file)."""


@dataclass(frozen=True)
class BranchResult:
    branch: str
    commit: str | None  # the branch's head after the run; None when nothing differs from the base
    base: str
    created: bool  # a new commit was made (False: nothing to change, or the branch already had it)
    changed: bool  # the change differs from the base at all


def open_repo(root: Path, *, inside: bool = False) -> git.Repo:
    """The repository at `root` (`inside`: the one around it, for commits made in the working tree)."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=inside)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        if inside:
            raise BranchError(f"{root} is not inside a Git repository: use --no-commit to edit files only") \
                from None
        raise BranchError(f"{root} is not a Git repository; use --no-branch to write the files in place") from None
    if not inside and not repo.head.is_valid():
        raise BranchError("the repository has no commit yet; commit the access data first")
    return repo


def current_branch(repo: git.Repo) -> str:
    return repo.active_branch.name if not repo.head.is_detached else "HEAD"


def free_branch(repo: git.Repo, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... when a branch of that name exists already."""
    existing = {head.name for head in repo.heads}
    if wanted not in existing:
        return wanted
    number = 2
    while f"{wanted}-{number}" in existing:
        number += 1
    return f"{wanted}-{number}"


def commit_to_branch(root: Path, branch: str | None, files: Mapping[str, str | None], message: str, *,
                     touch_worktree: bool = False) -> BranchResult:
    """Commit `files` ({root-relative path: text, or None to delete}) on top of HEAD, on `branch`.

    With `touch_worktree`, `branch` None (or the current branch) commits on the current branch and any
    other name is created and switched to; without it, `branch` must not be the checked-out one.
    """
    if touch_worktree:
        return _commit_in_worktree(root, branch, files, message)
    if branch is None:
        raise ValueError("a commit beside the working tree needs a branch name")
    return _commit_beside_worktree(root, branch, files, message)


def _commit_in_worktree(root: Path, branch: str | None, files: Mapping[str, str | None],
                        message: str) -> BranchResult:
    repo = open_repo(root, inside=True)
    paths = [root / relative for relative in files]
    top = Path(repo.working_tree_dir or ".")
    dirty = {(top / item.a_path).resolve() for item in repo.index.diff(None) if item.a_path}
    if repo.head.is_valid():
        dirty |= {(top / item.a_path).resolve() for item in repo.index.diff("HEAD") if item.a_path}
    clash = [p for p in paths if p.resolve() in dirty]
    if clash:
        raise BranchError(f"{clash[0]} has uncommitted changes: commit or set them aside first, "
                          "or use --no-commit")
    base = repo.head.commit.hexsha if repo.head.is_valid() else ""
    current = current_branch(repo)
    if branch is not None and branch != current:
        repo.git.switch("-c", branch)
    else:
        branch = current
    for path, text in zip(paths, files.values(), strict=True):
        if text is None:
            path.unlink(missing_ok=True)
        else:
            write_atomic(path, text)
    relative = [str(p.resolve().relative_to(top.resolve())) for p in paths]
    repo.git.add("--", *relative)
    repo.git.commit("-m", message, "--", *relative)
    return BranchResult(branch, repo.head.commit.hexsha, base, True, True)


def _commit_beside_worktree(root: Path, branch: str, files: Mapping[str, str | None],
                            message: str) -> BranchResult:
    import git

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
    import git
    from gitdb.base import IStream

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
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
        found = repo.git.log("-1", "--first-parent", "--format=%H", "--", relative)  # the merge, on main
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, ValueError):
        return None
    return found.strip() or None
