"""A prepared change: edited files, a branch name and a commit message; shown, written or committed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rolebook.infra import git as infra_git  # GitPython is `git` below
from rolebook.infra.fileio import write_atomic
from rolebook.requests import RequestError

if TYPE_CHECKING:  # GitPython, for the annotations: rolebook.infra.git imports it when it commits
    import git


class EditedFile(Protocol):
    """One file a change edits: a grants file (`GrantsDocument`) or another YAML file (`groups.yaml`)."""

    path: Path
    relative: str
    original: str | None

    def text(self) -> str: ...

    @property
    def changed(self) -> bool: ...


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
    documents: Sequence[EditedFile]
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
        return infra_git.open_repo(root, inside=True)
    except infra_git.BranchError as exc:
        raise RequestError(str(exc)) from exc


def commit(change: Change, *, new_branch: bool) -> str:
    """Write the files, then (optionally on a new branch) commit only them. Returns the branch name."""
    files: dict[str, str | None] = {doc.relative: doc.text() for doc in change.documents if doc.changed}
    try:
        branch = infra_git.free_branch(open_repo(change.root), change.branch) if new_branch else None
        return infra_git.commit_to_branch(change.root, branch, files, change.message, touch_worktree=True).branch
    except infra_git.BranchError as exc:
        raise RequestError(str(exc)) from exc
