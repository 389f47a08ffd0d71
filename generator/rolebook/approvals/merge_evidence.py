"""Who approved a merged pull request, written into Git as evidence (`rolebook record-approvals`).

After a merge, GitHub holds the reviews and the repository holds only a merge commit ("Merge pull
request #42 from ...", or a squash title) with no word of who approved. This module turns GitHub's own
review list (the REST list-reviews answer) into a record on the merge commit: a note under
`refs/notes/rolebook-approvals` (format and reader: `rolebook.facts.approval_records`).

What counts is what the gate counts (`verdicts.approvals`): each reviewer's latest decisive verdict, and
only an APPROVED one given on the merged head commit; the author's own never. The other standing
verdicts are kept in the record's `not_counted` list with the reason (an approval of an earlier commit,
a dismissed review, changes requested), so an auditor sees them, and no reader takes them for approvals.
Verdicts that a later one of the same person replaced, and reviews by deleted accounts, are left out.

Each login is matched to an employee number in the staff directory at the merge commit's first parent
(the base the approvers were chosen from), never the merged one: a pull request cannot name its own
approver's identity. A login nobody (or two people) had there is recorded with no employee.

The record is rewritten whole and its text is stable, so running again for the same merge gives the
same note and no new commit on the notes ref.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolebook.approvals import BadInput
from rolebook.approvals.verdicts import (
    APPROVED,
    DECISIVE,
    PullRequest,
    PullRequestVerdict,
    approvals,
    standing_verdicts,
)
from rolebook.facts.approval_records import (
    AUTHOR,
    CHANGES_REQUESTED,
    DISMISSED,
    NOTES_REF,
    STALE,
    ApprovalRecord,
    NotCounted,
    RecordedApproval,
)
from rolebook.infra.git import GitFailed, run_git
from rolebook.infra.gitnotes import write_note
from rolebook.paths import STAFF_FILE

COMMIT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
MERGE_PR = re.compile(r"^Merge pull request #(\d+) from ")
SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")


@dataclass(frozen=True)
class MergeCommit:
    sha: str
    parents: tuple[str, ...]
    date: str  # the committer date, ISO 8601: when it reached the mainline
    subject: str

    @property
    def subject_pr(self) -> int | None:
        match = MERGE_PR.match(self.subject) or SQUASH_PR.search(self.subject)
        return int(match.group(1)) if match else None


@dataclass(frozen=True)
class MergedEvent:
    """What a `pull_request` `closed` payload adds: that it was merged, when, and as which commit."""

    pull: PullRequest
    merged: bool | None
    merged_at: str | None
    merge_commit_sha: str | None

    @classmethod
    def from_payload(cls, pull: PullRequest, data: Any) -> MergedEvent:
        raw = data.get("pull_request") if isinstance(data, Mapping) else None
        raw = raw if isinstance(raw, Mapping) else {}
        merged, merged_at, sha = raw.get("merged"), raw.get("merged_at"), raw.get("merge_commit_sha")
        return cls(pull, merged if isinstance(merged, bool) else None,
                   merged_at if isinstance(merged_at, str) and merged_at else None,
                   sha.lower() if isinstance(sha, str) and sha else None)


@dataclass
class Outcome:
    record: ApprovalRecord
    written: bool  # False: the note already said exactly this
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"notes_ref": NOTES_REF, "written": self.written, "warnings": self.warnings,
                "record": {"pr": self.record.pr, "base": self.record.base, "head": self.record.head,
                           "merge_commit": self.record.merge_commit, "merged_at": self.record.merged_at,
                           "approvals": [a.as_dict() for a in self.record.approvals],
                           "not_counted": [n.as_dict() for n in self.record.not_counted]}}


def read_merge_commit(root: Path, ref: str) -> MergeCommit:
    if ref.startswith("-"):
        raise BadInput(f"--merge-commit {ref!r} is not a commit")
    try:
        shown = run_git(root, "show", "-s", "--format=%H%x1f%P%x1f%cI%x1f%s", f"{ref}^{{commit}}", "--")
    except GitFailed as exc:
        raise BadInput(f"--merge-commit {ref}: no such commit in {root} (fetch it first): {exc}") from None
    sha, parents, date, subject = shown.decode("utf-8", "replace").rstrip("\n").split("\x1f", 3)
    return MergeCommit(sha, tuple(parents.split()), date, subject)


def check_reviews_are_of(pr: int, raw: Any, where: str) -> None:
    """Every review that names its pull request (`pull_request_url`) names this one."""
    if not isinstance(raw, list):
        return  # the parser says what is wrong with it
    for index, item in enumerate(raw):
        url = item.get("pull_request_url") if isinstance(item, Mapping) else None
        if isinstance(url, str) and url.rstrip("/").rsplit("/", 1)[-1] != str(pr):
            raise BadInput(f"{where}[{index}]: review {item.get('id')} is of pull request {url}, not of #{pr}: "
                           "give the review list of the merged pull request")


def choose_head(merge: MergeCommit, given: str | None, event: MergedEvent | None) -> str:
    """The pull request's last commit: --head, the event's head.sha, or a merge commit's second parent."""
    from_event = event.pull.head_sha.lower() if event is not None and event.pull.head_sha else None
    head = given.lower() if given else None
    if head and from_event and head != from_event:
        raise BadInput(f"--head {head} differs from the event's pull_request.head.sha {from_event}")
    head = head or from_event
    if head is None:
        if len(merge.parents) == 2:
            return merge.parents[1]
        raise BadInput(f"give --head or --event: {merge.sha[:12]} has one parent (a squash or rebase merge), "
                       "so it does not name the pull request's head commit")
    if not COMMIT_ID.match(head):
        raise BadInput(f"--head {head!r} is not a full commit id (40 hexadecimal characters)")
    if len(merge.parents) == 2 and merge.parents[1] != head:
        raise BadInput(f"the merge commit {merge.sha[:12]} merged {merge.parents[1][:12]}, not the head {head[:12]}:"
                       " is --merge-commit the pull request's merge?")
    return head


def check_event(pr: int, merge: MergeCommit, event: MergedEvent | None) -> None:
    if merge.subject_pr is not None and merge.subject_pr != pr:
        raise BadInput(f"the merge commit {merge.sha[:12]} is of pull request #{merge.subject_pr} "
                       f"({merge.subject!r}), not of #{pr}")
    if event is None:
        return
    if event.pull.number is not None and event.pull.number != pr:
        raise BadInput(f"--event is about pull request #{event.pull.number}, not #{pr}")
    if event.merged is False:
        raise BadInput(f"--event: pull request #{pr} was closed without being merged: nothing to record")
    if event.merge_commit_sha and event.merge_commit_sha != merge.sha:
        raise BadInput(f"--event: pull request #{pr} was merged as {event.merge_commit_sha[:12]}, "
                       f"not {merge.sha[:12]}")


def staff_at(root: Path, base: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """{lowercase login: (employee, name)} from the staff directory at `base`, and what stopped it."""
    from pydantic import ValidationError

    from rolebook.loading.yamlfile import parse_bytes
    from rolebook.model.files import StaffFile

    try:
        raw = run_git(root, "cat-file", "blob", f"{base}:./{STAFF_FILE}")
    except GitFailed:
        return {}, [f"{STAFF_FILE} is not in the base {base[:12]}: approvals recorded without employee numbers"]
    parsed = parse_bytes(raw, root / STAFF_FILE, f"{STAFF_FILE} at {base[:12]}")
    problem = parsed.errors[0].format() if parsed.errors else None
    members = []
    if problem is None:
        try:
            members = StaffFile.model_validate(parsed.data or {}).staff
        except ValidationError as exc:
            problem = f"{STAFF_FILE} at {base[:12]}: {exc.errors()[0].get('msg', 'not a staff file')}"
    if problem is not None:
        return {}, [f"{problem}: approvals recorded without employee numbers"]
    found: dict[str, tuple[str, str]] = {}
    shared: set[str] = set()
    for member in members:
        if member.git_username:
            login = member.git_username.lower()
            if login in found:
                shared.add(login)
            found[login] = (member.employee, member.display_name)
    warnings = [f"{STAFF_FILE} at {base[:12]}: login {login} belongs to more than one person: recorded "
                "without an employee number" for login in sorted(shared)]
    return {k: v for k, v in found.items() if k not in shared}, warnings


def _latest(verdicts: Iterable[PullRequestVerdict]) -> dict[str, PullRequestVerdict]:
    """Each person's latest decisive verdict, by the rule of `verdicts.standing_verdicts`."""
    latest: dict[str, PullRequestVerdict] = {}
    for verdict in sorted(verdicts, key=lambda v: v.order):
        if verdict.state in DECISIVE and not verdict.deleted_account:
            latest[verdict.login.lower()] = verdict
    return latest


def _timestamp(verdict: PullRequestVerdict, raw_times: Mapping[int, str]) -> str:
    if verdict.id in raw_times:
        return raw_times[verdict.id]  # as GitHub gave it
    return verdict.submitted_at.isoformat() if verdict.submitted_at else ""


def build_record(pr: int, merge: MergeCommit, head: str, merged_at: str, verdicts: list[PullRequestVerdict],
                 raw_times: Mapping[int, str], author: str | None,
                 people: Mapping[str, tuple[str, str]]) -> tuple[ApprovalRecord, list[str]]:
    counted = approvals(verdicts, head, author)
    standing = standing_verdicts(verdicts, head)
    recorded: list[RecordedApproval] = []
    skipped: list[NotCounted] = []
    warnings: list[str] = []
    for key, verdict in sorted(_latest(verdicts).items()):
        when = _timestamp(verdict, raw_times)
        if key in counted:
            employee, name = people.get(key, (None, None))
            if employee is None:
                warnings.append(f"approver {verdict.login} has no record in {STAFF_FILE} at the base "
                                f"{merge.parents[0][:12]}: recorded without an employee number")
            recorded.append(RecordedApproval(verdict.login, employee, name, verdict.commit_id or head, when,
                                             verdict.id))
            continue
        state = standing[key]
        reason = (AUTHOR if state.state == APPROVED and state.current else STALE if state.state == APPROVED
                  else DISMISSED if state.state == "DISMISSED" else CHANGES_REQUESTED)
        skipped.append(NotCounted(verdict.login, verdict.state, verdict.commit_id, when or None, verdict.id, reason))
    record = ApprovalRecord(pr=pr, base=merge.parents[0], head=head, merge_commit=merge.sha, merged_at=merged_at,
                            approvals=tuple(recorded), not_counted=tuple(skipped))
    return record, warnings


def record_approvals(root: Path, pr: int, merge_ref: str, verdicts: list[PullRequestVerdict],
                     raw_times: Mapping[int, str], head_ref: str | None, event: MergedEvent | None) -> Outcome:
    """Decide which approvals stood on the merged head and write them as the merge commit's note."""
    if event is not None and event.merged is False:
        raise BadInput(f"--event: pull request #{pr} was closed without being merged: nothing to record")
    merge = read_merge_commit(root, merge_ref)
    if not merge.parents:
        raise BadInput(f"--merge-commit {merge.sha[:12]} is the repository's first commit, not a pull request's merge")
    check_event(pr, merge, event)
    head = choose_head(merge, head_ref, event)
    merged_at = (event.merged_at if event is not None else None) or merge.date
    people, warnings = staff_at(root, merge.parents[0])
    author = event.pull.author if event is not None else None
    record, more = build_record(pr, merge, head, merged_at, verdicts, raw_times, author, people)
    try:
        written = write_note(root, NOTES_REF, merge.sha, record.to_json())
    except GitFailed as exc:
        raise BadInput(f"the record could not be written to {NOTES_REF}: {exc}") from None
    return Outcome(record, written, warnings + more)
