"""The approval gate: for every change, who must sign, and whether a valid approval says they did.

Rules (from the district's documents, enforced on the data of the base branch):
- a grant at a school: the school's approvers (holders of policy.approver_roles with a Git username);
- a grant at an office: the office's approver group;
- a role with `extra_approval`: each of those groups as well (SPED Operations for SPED roles);
- a grant to an approver themselves, or of an approver role: the next level up (the local district);
- roles/, the policy, the district, groups and staff files, and anything that is not a grants file:
  the access administrators;
- nobody signs for their own grant, and the pull request's author never counts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from rolebook.approvals.revisions import Revisions
from rolebook.facts.approvers import (
    ReviewerSet,
    access_administrators,
    group_set,
    is_location_approver,
    location_set,
    login_of,
    next_level_up,
)
from rolebook.facts.grant_changes import LOSES, GrantChange, grant_changes
from rolebook.loading import Repository

GRANTS_FILE = re.compile(r"^access/(schools|offices)/([^/]+)/grants\.ya?ml$")
MAX_LISTED_FILES = 20


@dataclass
class Requirement:
    reviewers: ReviewerSet
    eligible: tuple[str, ...]  # logins that can sign here: the set minus the subject and the author
    items: list[str] = field(default_factory=list)
    approved_by: list[str] = field(default_factory=list)

    @property
    def satisfied(self) -> bool:
        return bool(self.approved_by)

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.reviewers.label,
            "note": self.reviewers.note,
            "reviewers": list(self.reviewers.logins),
            "eligible": list(self.eligible),
            "items": list(self.items),
            "satisfied": self.satisfied,
            "approved_by": list(self.approved_by),
        }


@dataclass
class GateResult:
    base_sha: str
    head_sha: str
    author: str | None
    requirements: list[Requirement]
    changes: list[GrantChange]

    @property
    def satisfied(self) -> bool:
        return all(r.satisfied for r in self.requirements)

    def as_dict(self) -> dict[str, object]:
        return {
            "satisfied": self.satisfied,
            "base": self.base_sha,
            "head": self.head_sha,
            "author": self.author,
            "requirements": [r.as_dict() for r in self.requirements],
        }


class _Collector:
    def __init__(self, author: str | None):
        self.author = (author or "").lower()
        self.found: dict[tuple[str, tuple[str, ...]], Requirement] = {}

    def need(self, reviewers: ReviewerSet, item: str, *, subject_logins: tuple[str | None, ...] = ()) -> None:
        excluded = {self.author} | {login.lower() for login in subject_logins if login}
        eligible = tuple(login for login in reviewers.logins if login.lower() not in excluded)
        key = (reviewers.label, eligible)
        requirement = self.found.setdefault(key, Requirement(reviewers, eligible))
        if item not in requirement.items:
            requirement.items.append(item)


def describe(head: Repository, base: Repository, change: GrantChange) -> str:
    def person(employee: str) -> str:
        member = head.staff.get(employee) or base.staff.get(employee)
        return member.display_name if member else f"employee {employee}"

    def place(code: str) -> str:
        return head.location_name(code) if code in head.schools or code in head.offices else base.location_name(code)

    role = head.roles.get(change.role) or base.roles.get(change.role)
    role_name = role.name if role else change.role
    if change.via == "direct":
        where = f"at {place(change.source)}"
    else:
        reach = f"cluster {change.cluster}" if change.via == "cluster" else "all schools"
        where = f"from {place(change.source)}, via {reach} ({len(change.locations)} schools)"
    text = f"{person(change.employee)} {change.kind} {role_name} {where}"
    if change.details:
        text += ": " + "; ".join(change.details)
    return text


def requirements(revisions: Revisions, author: str | None, today: dt.date) -> GateResult:
    base, start, head = revisions.base, revisions.merge_base, revisions.head
    collector = _Collector(author)
    changes = grant_changes(start, head)
    touched_by_grants: set[str] = set()
    for change in changes:
        touched_by_grants.add(change.source)
        subject = (login_of(base, change.employee), login_of(head, change.employee))
        item = describe(head, base, change)
        approver_role = change.role in base.policy.approver_roles or change.role in head.policy.approver_roles
        if approver_role or is_location_approver(base, change.source, change.employee, today):
            collector.need(next_level_up(base, change.source), item, subject_logins=subject)
        else:
            collector.need(location_set(base, change.source, today), item, subject_logins=subject)
        if change.kind == LOSES:
            continue  # removing access needs the location's signature, not the extra groups'
        role = head.roles.get(change.role) or base.roles.get(change.role)
        for group_id in role.extra_approval if role else ():
            collector.need(group_set(base, group_id), item, subject_logins=subject)

    other_files: list[str] = []
    for path in revisions.changed_files:
        match = GRANTS_FILE.match(path)
        if match is None:
            other_files.append(path)
        elif match.group(2) not in touched_by_grants:
            collector.need(location_set(base, match.group(2), today),
                           f"edits to {path} that change no access")
    if other_files:
        listed = other_files[:MAX_LISTED_FILES]
        more = f" and {len(other_files) - len(listed)} more file(s)" if len(other_files) > len(listed) else ""
        collector.need(access_administrators(base), "changes to " + ", ".join(listed) + more)
    return GateResult(revisions.base_sha, revisions.head_sha, author, list(collector.found.values()), changes)


def apply_approvals(result: GateResult, approved: set[str]) -> GateResult:
    """Mark each requirement with the eligible reviewers whose approval stands on the head commit."""
    for requirement in result.requirements:
        requirement.approved_by = [login for login in requirement.eligible if login.lower() in approved]
    return result
