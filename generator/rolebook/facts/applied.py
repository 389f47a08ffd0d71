"""When the repository reached the live systems: the records `rolebook apply` leaves in Git notes.

Every run of `rolebook apply` (SCIM or the SIS import file) appends one JSON line to the note of the
commit it applied, under `refs/notes/rolebook-apply`: the target, the commit range, when, the result,
the counts, and the SCIM ids of the users it created (what marks them as Rolebook's). This module
only reads those records: for apply itself (the last applied commit, the users it owns) and for the
audit site (when each grant reached the live system).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rolebook.infra.gitnotes import first_parents, read_notes

NOTES_REF = "refs/notes/rolebook-apply"
EXPORT_TARGET = "export"
COMPLETE = "complete"


@dataclass(frozen=True)
class ApplyRun:
    """One run of `rolebook apply`, as recorded."""

    target: str  # "scim <url>" or "export"
    commit: str
    base: str | None  # the last applied commit the run started from (the export's range starts there)
    started: str  # ISO 8601, UTC
    finished: str
    result: str  # "complete", "partial", "stopped", "failed"
    counts: dict[str, int] = field(default_factory=dict)
    created_users: dict[str, str] = field(default_factory=dict)  # employee -> SCIM id

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ApplyRun:
        counts = data.get("counts") or {}
        created = data.get("created_users") or {}
        return cls(target=str(data["target"]), commit=str(data["commit"]),
                   base=str(data["base"]) if data.get("base") else None, started=str(data.get("started", "")),
                   finished=str(data.get("finished", "")), result=str(data.get("result", "")),
                   counts={str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {},
                   created_users={str(k): str(v) for k, v in created.items()} if isinstance(created, dict) else {})

    def to_json(self) -> str:
        return json.dumps({"target": self.target, "commit": self.commit, "base": self.base,
                           "started": self.started, "finished": self.finished, "result": self.result,
                           "counts": self.counts, "created_users": self.created_users}, sort_keys=True)


def scim_target(url: str) -> str:
    """The name a SCIM service provider's runs are recorded under: its base URL, never credentials."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return "scim " + urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def read_runs(root: Path) -> list[ApplyRun]:
    """Every recorded run, oldest first (by when it finished). Lines that are not records are skipped."""
    runs: list[ApplyRun] = []
    for text in read_notes(root, NOTES_REF).values():
        for line in text.splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                runs.append(ApplyRun.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue
    # Records keep seconds only: two runs in one second are told apart by their commits' age on the
    # mainline (the older commit was applied first), never by the order Git happens to list notes in.
    age = {sha: position for position, sha in enumerate(reversed(first_parents(root)))}
    runs.sort(key=lambda run: (run.finished, age.get(run.commit, len(age)), run.started))
    return runs


def last_applied(root: Path, target: str, runs: list[ApplyRun] | None = None) -> ApplyRun | None:
    """The newest complete run for `target` whose commit is on HEAD's mainline (another branch's does not count)."""
    mainline = {sha: position for position, sha in enumerate(first_parents(root))}
    done = [run for run in (read_runs(root) if runs is None else runs)
            if run.target == target and run.result == COMPLETE and run.commit in mainline]
    return min(done, key=lambda run: (mainline[run.commit], _desc(run.finished)), default=None)


def created_users(runs: list[ApplyRun], target: str) -> dict[str, str]:
    """{employee: SCIM id} of every user Rolebook created on `target`, in any run (later runs win)."""
    found: dict[str, str] = {}
    for run in runs:
        if run.target == target:
            found.update(run.created_users)
    return found


@dataclass(frozen=True)
class LiveRecord:
    """When each mainline commit's content first reached a live system, by a complete apply run."""

    reached: dict[str, str]  # commit id -> ISO time of the first complete run at it or at a later commit

    def when(self, commit: str) -> str | None:
        return self.reached.get(commit)


def reached_live(root: Path, target: str | None = None) -> LiveRecord:
    """For the audit site: a grant introduced by commit C reached the live system at `when(C)`.

    A run applies its commit and everything before it on the mainline, so C's content is live from
    the earliest complete run at C or at any later mainline commit. `target`: one system only (None:
    any SCIM service provider; an export counts only when asked for by its name, EXPORT_TARGET).
    """
    mainline = first_parents(root)
    earliest: dict[str, str] = {}
    for run in read_runs(root):
        if run.result != COMPLETE or run.target != (target or run.target) or (
                target is None and run.target == EXPORT_TARGET):  # an export file is not yet the live system
            continue
        if run.commit not in earliest or run.finished < earliest[run.commit]:
            earliest[run.commit] = run.finished
    reached: dict[str, str] = {}
    best: str | None = None
    for sha in mainline:  # newest first: the best so far covers every newer commit
        if sha in earliest and (best is None or earliest[sha] < best):
            best = earliest[sha]
        if best is not None:
            reached[sha] = best
    return LiveRecord(reached)


def _desc(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)
