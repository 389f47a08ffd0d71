"""Who approved a merged pull request, as recorded in Git: one note per merge commit.

`rolebook record-approvals` (the post-merge workflow record-approvals.yml) writes, on the commit that a
pull request's merge put on the mainline, a JSON note under `refs/notes/rolebook-approvals`: the pull
request, its base and head, when it was merged, and every approval that stood on the merged head, taken
from GitHub's own reviews (the REST list-reviews answer), never from commit text. This module is the
format and its reader; the writer is `rolebook.approvals.merge_evidence`.

Notes travel only when asked for. A fresh clone has none until it runs

    git fetch origin 'refs/notes/*:refs/notes/*'

which is what the site's workflow and an auditor's clone do before `rolebook build --internal`.
A note is as trustworthy as the right to push to the repository: who may push `refs/notes/*` is the
setup's business (site/setup.md), and the record can always be written again from GitHub's reviews.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolebook.infra.gitnotes import read_notes

NOTES_REF = "refs/notes/rolebook-approvals"
FORMAT_VERSION = 1

# Why a verdict on the pull request did not count, in the record's own words (`not_counted[].reason`).
STALE = "approved an earlier commit"  # a push after it voided it, as the gate counts
DISMISSED = "dismissed"
CHANGES_REQUESTED = "changes requested"
AUTHOR = "the pull request's author"


@dataclass(frozen=True)
class RecordedApproval:
    """One approval that stood on the merged head commit."""

    login: str
    employee: str | None  # from the staff directory at the merge's base; None when no one had the login
    name: str | None
    commit_id: str  # the commit approved: the pull request's head
    submitted_at: str  # ISO 8601, as GitHub gave it
    review_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"login": self.login, "employee": self.employee, "name": self.name, "commit_id": self.commit_id,
                "submitted_at": self.submitted_at, "review_id": self.review_id}

    @classmethod
    def from_dict(cls, data: Any) -> RecordedApproval:
        if not isinstance(data, dict) or not isinstance(data.get("login"), str) or not data["login"]:
            raise ValueError("an approval without a login")
        review_id = data.get("review_id")
        return cls(login=data["login"], employee=_text_or_none(data.get("employee")),
                   name=_text_or_none(data.get("name")), commit_id=str(data.get("commit_id") or ""),
                   submitted_at=str(data.get("submitted_at") or ""),
                   review_id=review_id if isinstance(review_id, int) and not isinstance(review_id, bool) else None)


@dataclass(frozen=True)
class NotCounted:
    """A reviewer's standing verdict that was not an approval of the merged head, kept for the auditor."""

    login: str
    state: str  # GitHub's, uppercase: APPROVED (on an earlier commit), DISMISSED, CHANGES_REQUESTED
    commit_id: str | None
    submitted_at: str | None
    review_id: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"login": self.login, "state": self.state, "commit_id": self.commit_id,
                "submitted_at": self.submitted_at, "review_id": self.review_id, "reason": self.reason}


@dataclass(frozen=True)
class ApprovalRecord:
    """The note on one merge commit."""

    pr: int
    base: str  # the merge commit's first parent: the data the approvers were taken from
    head: str  # the pull request's last commit, the one the approvals are for
    merge_commit: str
    merged_at: str
    approvals: tuple[RecordedApproval, ...] = ()
    not_counted: tuple[NotCounted, ...] = field(default=())

    def to_json(self) -> str:
        """Stable text (sorted keys and lists), so that recording the same merge twice gives the same note."""
        data = {"version": FORMAT_VERSION, "pr": self.pr, "base": self.base, "head": self.head,
                "merge_commit": self.merge_commit, "merged_at": self.merged_at,
                "approvals": [a.as_dict() for a in self.approvals],
                "not_counted": [n.as_dict() for n in self.not_counted]}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ApprovalRecord:
        """The record in a note; ValueError when the note is not one (a note someone wrote by hand)."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise ValueError("not a rolebook-approvals record")
        pr = data.get("pr")
        if not isinstance(pr, int) or isinstance(pr, bool):
            raise ValueError("the record has no pull request number")
        approvals = data.get("approvals")
        if not isinstance(approvals, list):
            raise ValueError("the record has no list of approvals")
        return cls(pr=pr, base=str(data.get("base") or ""), head=str(data.get("head") or ""),
                   merge_commit=str(data.get("merge_commit") or ""), merged_at=str(data.get("merged_at") or ""),
                   approvals=tuple(RecordedApproval.from_dict(a) for a in approvals))


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_records(notes: dict[str, str]) -> dict[str, ApprovalRecord]:
    """{commit: record} of the notes that are records. A note that is not one is left out, never guessed at."""
    records: dict[str, ApprovalRecord] = {}
    for commit, text in notes.items():
        try:
            records[commit] = ApprovalRecord.from_json(text)
        except (ValueError, TypeError):
            continue
    return records


def read_approval_records(root: Path) -> dict[str, ApprovalRecord]:
    """Every record under `NOTES_REF`, by the commit it is attached to (one `git notes` read)."""
    return parse_records(read_notes(root, NOTES_REF))
