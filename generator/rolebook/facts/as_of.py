"""Access as it stood at the end of a past day, read from the Git history of the mainline.

"In force at the end of DATE" means: the newest mainline (first-parent) commit of HEAD whose committer
date is before the next midnight, UTC. The committer date is when a change reached the mainline (a
`--no-ff` merge, a squash merge or a direct commit); the author date says when it was written, which for
a pull request can be weeks earlier. Dates are UTC days, so one date means the same commit on every
machine, whatever its time zone.

The data at that commit is read from Git blobs into a temporary folder and loaded by the one loader
(as pull-request mode loads its base: no checkout), and the effective access comes from facts/resolve.py.
Who approved each grant is the commit that last added its line before that date (`Approvals`), with the
approvals the forge recorded for it (facts/history.py).
"""

from __future__ import annotations

import bisect
import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rolebook.facts.grant_status import status_label
from rolebook.facts.history import Commit, History, read_history
from rolebook.facts.resolve import Access
from rolebook.infra.git import GitFailed, git_text, list_tree, write_blobs
from rolebook.loading import LoadError, Repository

NO_VALUE = "—"


class AsOfError(Exception):
    """The date cannot be answered from the history: the message says why and what to give instead."""


@dataclass(frozen=True)
class MainlineCommit:
    sha: str
    committed: dt.datetime  # the committer date, in UTC
    position: int  # 0 for HEAD, counting back along first parents

    @property
    def short(self) -> str:
        return self.sha[:12]


def parse_day(text: str) -> dt.date:
    """A date given on the command line, as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AsOfError(f"'{text}' is not a date: write it as YYYY-MM-DD, for example 2026-03-01") from None


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after `day`, UTC: a commit counts for the day when it is earlier than this."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def read_mainline(root: Path) -> list[MainlineCommit]:
    """HEAD's first-parent commits, newest first, with their committer dates in UTC; empty outside Git."""
    output = git_text(root, "log", "--first-parent", "--format=%H %cI", "HEAD") or ""
    found: list[MainlineCommit] = []
    for line in output.splitlines():
        sha, _, when = line.partition(" ")
        if sha and when:
            found.append(MainlineCommit(sha, dt.datetime.fromisoformat(when).astimezone(dt.UTC), len(found)))
    return found


def commit_at(mainline: list[MainlineCommit], day: dt.date, today: dt.date) -> MainlineCommit:
    """The mainline commit in force at the end of `day` (UTC), or AsOfError saying why there is none."""
    if not mainline:
        raise AsOfError("the repository has no Git history to read (not a Git repository, or no commit yet)")
    if day > today:
        raise AsOfError(f"{day.isoformat()} is in the future (today is {today.isoformat()}): "
                        "give a date up to today")
    limit = end_of(day)
    for commit in mainline:  # newest first: the first one committed before the limit is in force
        if commit.committed < limit:
            return commit
    first = mainline[-1].committed.date().isoformat()
    raise AsOfError(f"{day.isoformat()} is before the repository's first commit ({first}, UTC): "
                    f"give a date from {first} on")


@contextmanager
def repository_at(root: Path, commit: MainlineCommit) -> Iterator[tuple[Repository, list[LoadError]]]:
    """The data (roles/ and access/) at `commit`, loaded from its blobs in a temporary folder that lives
    as long as the with-block. A file that did not load then is left out and its problems returned."""
    from rolebook.loading.repository import load_tolerant

    with tempfile.TemporaryDirectory(prefix="rolebook-as-of-") as folder:
        try:
            files = list_tree(root, commit.sha)
            write_blobs(root, files, Path(folder))
        except GitFailed as exc:
            raise AsOfError(f"commit {commit.short} cannot be read from Git: {exc}") from exc
        yield load_tolerant(Path(folder))


# ---------------------------------------------------------------------- who approved, as of a commit
@dataclass(frozen=True)
class Approval:
    """Who approved a grant line and when, for the columns of the as-of views."""

    request: str  # "PR #42", "commit 1a2b3c4d", or NO_VALUE when no commit added the line
    pr: int | None
    sha: str | None
    approved_by: str
    approved_on: str  # YYYY-MM-DD

    def columns(self) -> dict[str, str | int | None]:
        return {"request": self.request, "pr": self.pr, "commit": self.sha,
                "approved_by": self.approved_by, "approved_on": self.approved_on}


UNKNOWN = Approval(NO_VALUE, None, None, NO_VALUE, NO_VALUE)


def describe(commit: Commit) -> Approval:
    """A commit's approval as the audit shows it: the recorded approvers (name and login) and the date of
    the last approval; an import before Rolebook, a PR without a recorded approval, or a direct commit
    say so, with the date the commit reached the mainline."""
    recorded = commit.approvals
    if recorded:
        names = ", ".join(f"{a.name} ({a.login})" if a.name else a.login for a in recorded)
        on = max(a.submitted_at for a in recorded)[:10]
        return Approval(commit.request, commit.pr, commit.sha, names, on)
    if commit.before_rolebook:
        label = "before Rolebook: imported, no approval on record"
    elif commit.pr is not None:
        label = f"PR #{commit.pr}: no approval recorded"
    else:
        label = "direct commit: no review"
    return Approval(commit.request, commit.pr, commit.sha, label, commit.date[:10])


class Approvals:
    """Per grants file and employee, the commit that last added their line before a mainline position.

    `History.introduced` answers for HEAD; a past date needs the latest such commit at or before it, so
    every adding commit is kept, in mainline order.
    """

    def __init__(self, history: History, mainline: list[MainlineCommit]):
        position = {commit.sha: commit.position for commit in mainline}
        self._added: dict[tuple[str, str], list[int]] = {}
        self._commits: dict[int, Commit] = {}
        for commit in reversed(history.commits):  # oldest first
            at = position.get(commit.sha)
            if at is None:
                continue
            self._commits[at] = commit
            for file, change in commit.changes.items():
                for employee in change.get("added", []):
                    self._added.setdefault((file, employee), []).append(-at)  # ascending
        self._described: dict[int, Approval] = {}

    def at(self, file: str, employee: str, position: int) -> Approval:
        """The approval of `employee`'s line in `file` as the commit at `position` has it."""
        added = self._added.get((file, employee))
        if not added:
            return UNKNOWN
        index = bisect.bisect_right(added, -position) - 1  # the newest adding commit not after `position`
        if index < 0:
            return UNKNOWN
        at = -added[index]
        if at not in self._described:
            self._described[at] = describe(self._commits[at])
        return self._described[at]


# ---------------------------------------------------------------------- one date, whole
@dataclass
class AsOfView:
    """The repository as it stood at the end of `day`, with who approved each grant line by then."""

    day: dt.date
    commit: MainlineCommit
    repo: Repository
    problems: list[LoadError]  # files that did not load at that commit (left out)
    approvals: Approvals

    def approval(self, access: Access) -> Approval:
        return self.approvals.at(access.source.file, access.employee, self.commit.position)

    def status(self, access: Access) -> str:
        """Active, Inactive, Locked or Suspended on that day (an expiry counts as of the day, not today)."""
        return status_label(access.grant.status, access.grant.expires, self.day)

    @property
    def label(self) -> str:
        return (f"as of the end of {self.day.isoformat()} (UTC): commit {self.commit.short}, "
                f"committed {self.commit.committed.isoformat()}")

    def header(self) -> dict[str, str]:
        """What `--format json` says about the date, beside the rows."""
        return {"date": self.day.isoformat(), "commit": self.commit.sha,
                "committed": self.commit.committed.isoformat(), "rule": IN_FORCE_RULE}


IN_FORCE_RULE = "the newest mainline (first-parent) commit whose committer date is before the next midnight, UTC"


@contextmanager
def as_of(root: Path, text: str, today: dt.date) -> Iterator[AsOfView]:
    """The view at the end of the day `text` names; AsOfError for bad text, a future date, a date before
    the first commit, or a commit Git cannot read."""
    day = parse_day(text)
    mainline = read_mainline(root)
    commit = commit_at(mainline, day, today)
    cache = root / "build" / ".cache"
    history = read_history(root, cache if cache.parent.is_dir() else None)
    approvals = Approvals(history, mainline)
    with repository_at(root, commit) as (repo, problems):
        yield AsOfView(day, commit, repo, problems, approvals)
