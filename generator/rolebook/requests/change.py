"""A prepared change: edited files, a branch name and a commit message; shown, written or committed."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import git

from rolebook.fileio import write_atomic
from rolebook.requests import RequestError
from rolebook.requests.yamledit import GrantsDocument


@dataclass
class Trailers:
    requested_by: str
    reason: str
    employees: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def one_line(text: str) -> str:
            return " ".join(text.split())

        out = [f"Requested-by: {one_line(self.requested_by)}"]
        out += [f"Employee: {one_line(e)}" for e in self.employees]
        out += [f"Role: {one_line(r)}" for r in self.roles]
        out += [f"Location: {one_line(loc)}" for loc in self.locations]
        out.append(f"Reason: {one_line(self.reason) or '(not given)'}")
        return out


@dataclass
class Change:
    root: Path
    documents: list[GrantsDocument]
    subject: str
    body: str
    trailers: Trailers
    branch: str

    @property
    def message(self) -> str:
        parts = [self.subject.strip()]
        if self.body.strip():
            parts.append(self.body.strip())
        parts.append("\n".join(self.trailers.lines()))
        return "\n\n".join(parts) + "\n"

    def diff(self) -> str:
        chunks = []
        for doc in self.documents:
            before = (doc.original or "").splitlines(keepends=True)
            after = doc.text().splitlines(keepends=True)
            chunks.append("".join(difflib.unified_diff(
                before, after, fromfile=f"a/{doc.relative}" if doc.original is not None else "/dev/null",
                tofile=f"b/{doc.relative}")))
        return "".join(chunks)

    def write(self) -> list[Path]:
        written = []
        for doc in self.documents:
            if doc.changed:
                write_atomic(doc.path, doc.text())
                written.append(doc.path)
        return written


def branch_name(*parts: str) -> str:
    cleaned = [re.sub(r"[^A-Za-z0-9]+", "-", p).strip("-").lower() for p in parts]
    return "access/" + "-".join(p for p in cleaned if p)[:120]


def requested_by(repo: git.Repo | None, given: str | None) -> str:
    if given:
        return given
    if repo is not None:
        reader = repo.config_reader()
        name = reader.get_value("user", "name", default="")
        email = reader.get_value("user", "email", default="")
        if name:
            return f"{name} <{email}>" if email else str(name)
    return "(unknown)"


def open_repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise RequestError(f"{root} is not inside a Git repository: use --no-commit to edit files only") from exc


def commit(change: Change, *, new_branch: bool) -> str:
    """Write the files, then (optionally on a new branch) commit only them. Returns the branch name."""
    repo = open_repo(change.root)
    paths = [doc.path for doc in change.documents if doc.changed]
    top = Path(repo.working_tree_dir or ".")
    dirty = {(top / item.a_path).resolve() for item in repo.index.diff(None) if item.a_path}
    if repo.head.is_valid():
        dirty |= {(top / item.a_path).resolve() for item in repo.index.diff("HEAD") if item.a_path}
    clash = [p for p in paths if p.resolve() in dirty]
    if clash:
        raise RequestError(f"{clash[0]} has uncommitted changes: commit or set them aside first, "
                           "or use --no-commit")
    branch = repo.active_branch.name if not repo.head.is_detached else "HEAD"
    if new_branch:
        branch = _free_branch(repo, change.branch)
        repo.git.switch("-c", branch)
    change.write()
    relative = [str(p.resolve().relative_to(Path(repo.working_tree_dir or ".").resolve())) for p in paths]
    repo.git.add("--", *relative)
    repo.git.commit("-m", change.message, "--", *relative)
    return branch


def _free_branch(repo: git.Repo, wanted: str) -> str:
    existing = {head.name for head in repo.heads}
    if wanted not in existing:
        return wanted
    number = 2
    while f"{wanted}-{number}" in existing:
        number += 1
    return f"{wanted}-{number}"
