"""Evidence of every apply run: a Git note on the commit applied (`refs/notes/rolebook-apply`).

Why a note and not a file in the repository: recording a run must not make a commit on main (that would
start every workflow again, need a push past branch protection and race the next merge), and a note
belongs to exactly the commit it speaks of. Each run appends one JSON line (`facts.applied.ApplyRun`):
target, commit range, start and end, result, counts and the ids of the users it created. The notes
travel with `git fetch/push origin refs/notes/rolebook-apply`, which the apply workflow does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rolebook.facts.applied import NOTES_REF, ApplyRun
from rolebook.infra.git import GitFailed, run_git, worktree_changes
from rolebook.infra.gitnotes import append_note


class NoCommit(Exception):
    """There is no commit to record a run against (not a Git repository, no commit yet)."""


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def head_commit(root: Path) -> str:
    try:
        return run_git(root, "rev-parse", "--verify", "HEAD^{commit}").decode().strip()
    except GitFailed as exc:
        raise NoCommit(f"{root} has no commit to apply (apply records each run against a commit): {exc}") from None


def uncommitted_data(root: Path, commit: str) -> list[str]:
    """Files of roles/ and access/ that differ from `commit`: what a run would apply without a record of it."""
    changed, _ = worktree_changes(root, commit)
    return changed


def record(root: Path, run: ApplyRun) -> str | None:
    """Append the run to its commit's note; the problem, in words, when Git refuses."""
    try:
        append_note(root, NOTES_REF, run.commit, run.to_json())
    except GitFailed as exc:
        return f"the run could not be recorded in {NOTES_REF}: {exc}"
    return None
