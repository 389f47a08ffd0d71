"""Every use of Git in Rolebook: plumbing (revisions, listings, changed paths, blobs, history) and
commits of prepared files to a branch.

Plumbing is for pull-request mode, the approval gate, the result cache and the site's history: one short
`git` process each. Every command runs in the access repository's folder, so paths come back relative to
it (the folder may sit below the Git repository's top). Blob contents are read with one
`git cat-file --batch` process for all of them, never one process (or one Python object) per file.
Plain `git` processes rather than GitPython: importing GitPython alone costs more than every process
these commands start. Commands that do not depend on each other run side by side (`side_by_side`).

Commits (`commit_to_branch`) use GitPython, imported inside the functions that need it, so the fast
paths never pay for it. Two ways, because two kinds of caller need them:

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
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from rolebook.infra.fileio import write_atomic
from rolebook.paths import DATA_DIRS

if TYPE_CHECKING:  # GitPython: imported by the functions that commit, never at import time
    import git

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


def git_output(root: Path, *args: str) -> bytes | None:
    """The output of a Git command, or None when it fails (not a repository, no HEAD, no `git` at all):
    for readers that answer without Git too (the result cache, the site's history)."""
    try:
        return run_git(root, *args)
    except GitFailed:
        return None


def git_text(root: Path, *args: str) -> str | None:
    """`git_output` as text: UTF-8 (bad bytes replaced), line ends as `\n`."""
    output = git_output(root, *args)
    if output is None:
        return None
    return output.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


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
    return dict(stream_blobs(root, blob_ids))


def stream_blobs(root: Path, blob_ids: list[str]) -> Iterator[tuple[str, bytes]]:
    """(blob id, contents) of many blobs from one `git cat-file --batch` process, each as Git writes it:
    the caller can work on one blob while Git reads the next, and never holds all of them (the site's
    history reads hundreds of megabytes of past versions). A missing blob is left out."""
    wanted = list(dict.fromkeys(blob_ids))
    if not wanted:
        return
    try:
        process = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise GitFailed(f"cannot run git: {exc}") from exc
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    errors: list[bytes] = []
    # The ids are written by a thread, the errors read by another: Git's pipes would fill otherwise.
    feeder = threading.Thread(target=_write_and_close, args=(process.stdin, "".join(f"{b}\n" for b in wanted).encode()),
                              daemon=True)
    drainer = threading.Thread(target=lambda: errors.append(process.stderr.read() if process.stderr else b""),
                               daemon=True)
    feeder.start()
    drainer.start()
    out = process.stdout
    complete = False
    try:
        for blob_id in wanted:
            header = out.readline().split()
            if len(header) != 3:  # "<id> missing", or the end of the output when Git stopped
                if not header:
                    break
                continue
            size = int(header[2])
            contents = out.read(size)
            out.read(1)  # the newline after each blob
            yield blob_id, contents
        else:
            complete = True
    finally:
        out.close()
        code = process.wait()
        feeder.join()
        drainer.join()
        process.stderr.close()
    if not complete or code != 0:
        raise GitFailed(b"".join(errors).decode("utf-8", "replace").strip() or "git cat-file failed")


def _write_and_close(pipe: IO[bytes], data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.close()
    except OSError:  # Git stopped reading: the reader sees it
        pass


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


# ---------------------------------------------------------------- commits (GitPython)


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
