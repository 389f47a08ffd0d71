"""Two revisions of the access data, read straight from Git (never from the working tree)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import git

from rolebook.approvals import BadInput
from rolebook.gitops import repo_around
from rolebook.loading import LoadFailed, Repository, load_repository

DATA_DIRS = ("roles", "access")


@dataclass
class Revisions:
    base: Repository  # the base branch: reviewers come from here
    merge_base: Repository  # where the pull request started: the diff starts here
    head: Repository
    base_sha: str
    head_sha: str
    changed_files: list[str]  # repository-relative, merge base to head


def open_git(path: Path) -> tuple[git.Repo, str]:
    """The Git repository around `path`, and `path`'s prefix inside it ('' at the top)."""
    found = repo_around(path)
    if found is None:
        raise BadInput(f"{path} is not inside a Git repository")
    return found


def resolve_commit(repo: git.Repo, ref: str) -> git.Commit:
    try:
        return repo.commit(repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}"))
    except (git.BadName, ValueError, git.GitCommandError) as exc:
        raise BadInput(f"unknown revision '{ref}': fetch it first (actions/checkout needs fetch-depth: 0)") \
            from exc


def export(commit: git.Commit, prefix: str, dest: Path) -> Path:
    """Write the roles/ and access/ folders of `commit` under dest; nothing else is needed to load."""
    for folder in DATA_DIRS:
        path = f"{prefix}/{folder}" if prefix else folder
        try:
            tree = commit.tree / path
        except KeyError:
            continue
        for item in tree.traverse():
            if not isinstance(item, git.Blob):
                continue
            relative = PurePosixPath(item.path).relative_to(prefix) if prefix else PurePosixPath(item.path)
            target = dest.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.data_stream.read())
    return dest


def load_at(commit: git.Commit, prefix: str, dest: Path, label: str) -> Repository:
    try:
        return load_repository(export(commit, prefix, dest))
    except LoadFailed as failed:
        first = failed.errors[0]
        raise BadInput(f"the {label} revision {commit.hexsha[:12]} cannot be loaded: "
                       f"{first.file}:{first.line}: {first.message} ({len(failed.errors)} problem(s))") from failed


def changed_files(start: git.Commit, head: git.Commit, prefix: str) -> list[str]:
    paths: set[str] = set()
    for diff in start.diff(head):
        for path in (diff.a_path, diff.b_path):
            if path is None:
                continue
            if prefix:
                if not path.startswith(prefix + "/"):
                    continue
                path = path[len(prefix) + 1:]
            paths.add(path)
    return sorted(paths)


@contextmanager
def revisions(path: Path, base_ref: str, head_ref: str) -> Iterator[Revisions]:
    repo, prefix = open_git(path)
    base, head = resolve_commit(repo, base_ref), resolve_commit(repo, head_ref)
    starts = repo.merge_base(base, head)
    start = starts[0] if starts and isinstance(starts[0], git.Commit) else base
    from rolebook.partial_pr import partial_revisions  # a change to schools' folders only: read just those

    partial = partial_revisions(path, base.hexsha, start.hexsha, head.hexsha)
    if partial is not None:
        yield Revisions(partial[0], partial[1], partial[2], base.hexsha, head.hexsha, partial[3])
        return
    with tempfile.TemporaryDirectory(prefix="rolebook-approvals-") as tmp:
        root = Path(tmp)
        base_repo = load_at(base, prefix, root / "base", "base")
        start_repo = base_repo if start.hexsha == base.hexsha else load_at(start, prefix, root / "start", "merge-base")
        head_repo = load_at(head, prefix, root / "head", "head")
        yield Revisions(base_repo, start_repo, head_repo, base.hexsha, head.hexsha,
                        changed_files(start, head, prefix))
