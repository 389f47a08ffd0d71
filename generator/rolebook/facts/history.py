"""Git history of access/, read in one pass per build: who asked for each grant, and who approved it.

One `git log` over the mainline (first parents) with each merge's diff against the mainline, so a pull
request merged with `--no-ff` shows as one commit that added its grant lines, carrying the PR number in
its subject ("Merge pull request #42 from ..."). A squash merge ("Title (#42)") and a direct commit on
main work the same way.

Commit text is not evidence of approval: anyone who can push writes any `Approved-by:` trailer they like,
and a commit made straight to main had no review at all. So trailers are kept as what they are (the
commit's words) and never read as approvals. An approval counts only when the forge recorded it: the
post-merge workflow writes GitHub's reviews of each merged pull request as a note on its merge commit
(`rolebook record-approvals`, `facts.approval_records`), and those notes fill `Commit.approvals`. A
commit without one says "not recorded". Notes are not fetched by a plain clone: run
`git fetch origin 'refs/notes/*:refs/notes/*'` before building, or every approver reads "not recorded".

`Commit.before_rolebook` marks what came before the repository was run through pull requests, so the
audit can say so instead of "not recorded". The rule, on the mainline history of access/: a commit is
before Rolebook when it is not a pull request's (no PR number in its subject, no approval record) and
either it is the repository's first commit (no parent) or no pull request's commit is older than it
(every commit up to the first pull request merge: the import, the first data). A direct commit made
after the first pull request merge is not before Rolebook: its approvers stay "not recorded", which is
what the auditor should see of a change that skipped review.

The result is cached under build/.cache by HEAD's sha and the approval notes' sha (a new note is a new
cache entry), so a second build of the same commit does not read Git again, and a build after a merge
reads only the commits the merge added (`read_history`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolebook.facts.approval_records import NOTES_REF, ApprovalRecord, RecordedApproval, read_approval_records
from rolebook.infra.fileio import write_atomic
from rolebook.infra.git import git_text, side_by_side
from rolebook.infra.gitnotes import object_ids
from rolebook.paths import ACCESS_DIR, DATA_DIRS

CACHE_VERSION = 3  # 2: approvals are no longer read from trailers; 3: approvals from the notes
RECORD = "\x00"
FIELD = "\x1f"
LOG_FORMAT = "%x00%H%x1f%P%x1f%an%x1f%cI%x1f%B%x1f"  # git expands %x00/%x1f: argv cannot hold NUL
EMPLOYEE_LINE = re.compile(r"""employee:\s*["']?([0-9]{8})""")
MERGE_PR = re.compile(r"^Merge pull request #(\d+) from (\S+)")
SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")
TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s*(\S.*)$")
NOT_RECORDED = "not recorded"  # what the audit shows for who approved, until the forge's record is read
# A diff's file headers, and its added or removed lines that name an employee.
DIFF_LINE = re.compile(r"""^(?:(?P<header>diff|\+\+\+|---) (?P<target>[^\n]*)"""
                       r"""|(?P<sign>[+-])[^\n]*?employee:\s*["']?(?P<employee>[0-9]{8}))""", re.MULTILINE)


@dataclass
class Commit:
    sha: str
    parents: list[str]
    author: str
    date: str  # ISO 8601, the committer date: when it reached the mainline
    subject: str
    trailers: dict[str, list[str]] = field(default_factory=dict)
    # file -> {"added": [employee, ...], "removed": [employee, ...]}
    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def short(self) -> str:
        return self.sha[:8]

    # Approvals the forge recorded for this commit's pull request (its note under refs/notes/rolebook-
    # approvals). Never read from the commit's text: `Approved-by:` trailers are claims, not records.
    approvals: tuple[RecordedApproval, ...] = ()
    recorded_pr: int | None = None  # the pull request the record names (a rebase merge's subject has none)
    before_rolebook: bool = False  # set by History, by the rule in the module's docstring

    @property
    def pr(self) -> int | None:
        if match := MERGE_PR.match(self.subject) or SQUASH_PR.search(self.subject):
            return int(match.group(1))
        return self.recorded_pr

    @property
    def recorded_approvers(self) -> list[str]:
        """The logins of the recorded approvals."""
        return [approval.login for approval in self.approvals]

    @property
    def approvers(self) -> list[str]:
        """Who approved, as the forge recorded it; `NOT_RECORDED` when nothing was recorded."""
        return self.recorded_approvers or [NOT_RECORDED]

    def attach(self, record: ApprovalRecord) -> None:
        self.approvals, self.recorded_pr = record.approvals, record.pr

    def to_cache(self) -> dict[str, Any]:
        data = {key: value for key, value in vars(self).items() if key != "before_rolebook"}
        data["approvals"] = [approval.as_dict() for approval in self.approvals]
        return data

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> Commit:
        approvals = tuple(RecordedApproval.from_dict(a) for a in data.pop("approvals", []))
        return cls(**data, approvals=approvals)

    @property
    def request(self) -> str:
        """How the auditor finds the change: the PR number, or the commit."""
        return f"PR #{self.pr}" if self.pr is not None else f"commit {self.short}"


@dataclass
class History:
    head: str | None = None
    dirty: bool = False
    commits: list[Commit] = field(default_factory=list)  # newest first
    _introduced: dict[tuple[str, str], Commit] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._mark_before_rolebook()
        for commit in self.commits:  # newest first: the first commit seen adding a line is the latest
            for file, change in commit.changes.items():
                for employee in change.get("added", []):
                    self._introduced.setdefault((file, employee), commit)

    def introduced(self, file: str, employee: str) -> Commit | None:
        """The most recent commit whose diff added this employee's grant line to this file."""
        return self._introduced.get((file, employee))

    @property
    def available(self) -> bool:
        return self.head is not None

    def _mark_before_rolebook(self) -> None:
        """`before_rolebook` by the module docstring's rule: the commits older than the first pull
        request's (all of them when there is none yet), and the first commit, unless they are a PR's."""
        first_pr = max((i for i, c in enumerate(self.commits) if c.pr is not None), default=None)
        for index, commit in enumerate(self.commits):  # newest first: older commits have larger indexes
            older = first_pr is None or index > first_pr
            commit.before_rolebook = commit.pr is None and (older or not commit.parents)


def read_history(root: Path, cache_dir: Path | None = None, paths: tuple[str, ...] = (ACCESS_DIR,)) -> History:
    """The history of `paths` at HEAD with the recorded approvals, from the cache when this HEAD and
    these approval notes were read before. Empty outside Git.

    After a merge, the history cached for an earlier HEAD on the new HEAD's mainline is reused: only the
    commits since are read from Git, and the notes are read again (one may have been added or changed
    for any commit). The result is the one a full read gives (tests/test_history_cache.py)."""
    head, notes = object_ids(root, ["HEAD", NOTES_REF])
    if not head:
        return History()
    dirty = bool(git_text(root, "status", "--porcelain", "--", *DATA_DIRS))
    name = f"{CACHE_PREFIX}{head}.json" if notes is None else f"{CACHE_PREFIX}{head}-notes-{notes}.json"
    cache = cache_dir / name if cache_dir is not None else None
    if cache is not None and (cached := _cached_commits(cache)) is not None:
        return History(head=head, dirty=dirty, commits=cached)
    earlier = _earlier_mainline(root, cache_dir, head) if cache_dir is not None else None
    since = f"{earlier[0]}..HEAD" if earlier is not None else "HEAD"
    output, records = side_by_side(
        lambda: git_text(root, "log", "--first-parent", "--diff-merges=first-parent", "-p", "--unified=0",
                         "--no-color", "--no-ext-diff", "--no-renames", f"--format={LOG_FORMAT}", since,
                         "--", *paths) or "",
        lambda: read_approval_records(root) if notes is not None else {})
    commits = parse_log(output)
    if earlier is not None:
        commits += earlier[1]
    for commit in commits:
        commit.approvals, commit.recorded_pr = (), None  # an earlier read's notes may have changed since
        if (record := records.get(commit.sha)) is not None:
            commit.attach(record)
    if cache is not None:
        write_atomic(cache, json.dumps({"version": CACHE_VERSION, "commits": [c.to_cache() for c in commits]}))
        _prune(cache)
    return History(head=head, dirty=dirty, commits=commits)


CACHE_PREFIX = "history-"
KEPT_READS = 3  # cached reads kept in build/.cache: the newest, for the next build to continue from


def _cached_commits(path: Path) -> list[Commit] | None:
    """The commits of a cached read; None when there is none or it does not read (then Git is read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") == CACHE_VERSION:
            return [Commit.from_cache(c) for c in data["commits"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def _earlier_mainline(root: Path, cache_dir: Path, head: str) -> tuple[str, list[Commit]] | None:
    """(an earlier HEAD, its cached commits) when that HEAD is on the current HEAD's mainline (first
    parents): the history since it, plus its own, is HEAD's. The newest such read is taken."""
    for path in _reads(cache_dir)[:KEPT_READS]:
        earlier = path.name[len(CACHE_PREFIX):].split("-", 1)[0].removesuffix(".json")
        if len(earlier) != len(head):
            continue
        if earlier != head:  # (the same HEAD with other notes: nothing to read but the notes)
            # The commits since, each with its parents, oldest last: the oldest's first parent must be it.
            since = (git_text(root, "rev-list", "--first-parent", "--parents", f"{earlier}..{head}") or ""
                     ).splitlines()
            oldest = since[-1].split() if since else []
            if len(oldest) < 2 or oldest[1] != earlier:
                continue
        commits = _cached_commits(path)
        if commits is not None:
            return earlier, commits
    return None


def _prune(kept: Path) -> None:
    """Only the newest few reads stay: a district's history is megabytes, and each merge makes a read."""
    try:
        for old in _reads(kept.parent)[KEPT_READS:]:
            if old != kept:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _reads(cache_dir: Path) -> list[Path]:
    """The cached reads of the history, newest first (none when the folder cannot be read)."""
    try:
        return sorted(cache_dir.glob(f"{CACHE_PREFIX}*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return []


def parse_log(output: str) -> list[Commit]:
    commits: list[Commit] = []
    for chunk in output.split(RECORD)[1:]:
        parts = chunk.split(FIELD, 5)
        if len(parts) < 6:
            continue
        sha, parents, author, date, body, diff = parts
        lines = body.strip().splitlines()
        commit = Commit(sha=sha, parents=parents.split(), author=author, date=date,
                        subject=lines[0] if lines else "", trailers=parse_trailers(lines[1:]))
        _read_diff(commit, diff)
        commits.append(commit)
    return commits


def parse_trailers(lines: list[str]) -> dict[str, list[str]]:
    """Trailers are the `Key: value` lines of the message's last paragraph (git's own rule, simplified)."""
    paragraph: list[str] = []
    for line in reversed(lines):
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.insert(0, line)
    trailers: dict[str, list[str]] = {}
    for line in paragraph:
        if match := TRAILER.match(line.strip()):
            trailers.setdefault(match.group(1).lower(), []).append(match.group(2).strip())
    return trailers


def _read_diff(commit: Commit, diff: str) -> None:
    """Employee lines added and removed per file. One regular expression over the whole diff: the first
    commit of a district adds every grant, tens of megabytes that a loop over lines reads slowly."""
    current: str | None = None
    for match in DIFF_LINE.finditer(diff):
        header, target, employee = match.group("header"), match.group("target"), match.group("employee")
        if header is not None:
            if header == "diff":
                current = None
            elif (target := target.strip()).startswith(("a/", "b/")):
                current = target[2:]  # "+++ /dev/null" for a deleted file keeps the "--- a/" name
            continue
        if current is not None and employee is not None:
            kind = "added" if match.group("sign") == "+" else "removed"
            commit.changes.setdefault(current, {"added": [], "removed": []})[kind].append(employee)
