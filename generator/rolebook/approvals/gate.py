"""The approval gate: for every change, who must sign, and whether a valid approval says they did.

Rules (from the district's documents, enforced on the data of the base branch):
- a grant at a school: the school's approvers (holders of policy.approver_roles with a Git username);
- a grant at an office: the office's approver group;
- a role with `extra_approval`: each of those groups as well (SPED Operations for SPED roles);
- a grant to an approver themselves, or of an approver role: the next level up (the local district);
- roles/, the policy, the district, groups and staff files, and anything that is not a grants file:
  the access administrators;
- a grant in a school's file whose scope reaches beyond the school (a cluster, all schools): also the
  approvers who span that reach (the cluster's local district, the access administrators for all
  schools); the checklist counts the schools from the district file, never from a partial load;
- nobody signs for their own grant, and the pull request's authors never count: its author and everyone
  who wrote, committed or co-authored one of its commits (`rolebook.approvals.authors`).

Every input that decides who must sign is read from the base: the roles' `extra_approval`, the policy's
approver roles, the groups, the district and the staff. The head only ever adds signatures: its roles'
`extra_approval` groups (a change that drops them still needs the groups the base names) and, for a role
its policy makes an approver role, the level up. A change to a role's own file needs the groups that role
names as well as the access administrators. A login two staff records claim maps to nobody (RB108).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from rolebook.approvals.revisions import Revisions
from rolebook.facts.approvers import (
    ApproverSet,
    access_administrators,
    group_approvers,
    group_set,
    is_location_approver,
    location_set,
    login_of,
    next_level_up,
)
from rolebook.facts.grant_changes import LOSES, GrantChange, grant_changes
from rolebook.loading import Repository
from rolebook.model.files import LocationKind
from rolebook.paths import GRANTS_FILE

MAX_LISTED_FILES = 20


@dataclass
class Requirement:
    approvers: ApproverSet
    eligible: tuple[str, ...]  # logins that can sign here: the set minus the subject and the author
    items: list[str] = field(default_factory=list)
    approved_by: list[str] = field(default_factory=list)

    @property
    def satisfied(self) -> bool:
        return bool(self.approved_by)

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.approvers.label,
            "note": self.approvers.note,
            "reviewers": list(self.approvers.logins),  # the JSON key is a published contract
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
    notes: list[str] = field(default_factory=list)  # what the gate left out of its count, and why

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
            "notes": list(self.notes),
        }


class _Collector:
    def __init__(self, author: str | None, co_authors: Iterable[str] = ()):
        self.authors = {(author or "").lower()} | {name.lower() for name in co_authors}
        self.found: dict[tuple[str, tuple[str, ...]], Requirement] = {}

    def need(self, approvers: ApproverSet, item: str, *, subject_logins: tuple[str | None, ...] = ()) -> None:
        excluded = self.authors | {login.lower() for login in subject_logins if login}
        eligible = tuple(login for login in approvers.logins if login.lower() not in excluded)
        key = (approvers.label, eligible)
        requirement = self.found.setdefault(key, Requirement(approvers, eligible))
        if item not in requirement.items:
            requirement.items.append(item)


def true_reach(repo: Repository, change: GrantChange) -> list[str]:
    """The schools a wide grant reaches, from the district file (every load reads it whole): a partial
    load resolves a wide grant only at the schools it read, so `change.locations` can under-count."""
    if change.via == "all-schools":
        return list(repo.schools)
    if change.via == "cluster":
        return [code for code, school in repo.schools.items() if school.cluster == change.cluster]
    return list(change.locations)


def spanning_set(base: Repository, change: GrantChange) -> ApproverSet | None:
    """Who signs for a school file's grant reaching beyond the school: the cluster's local district for a
    cluster scope, the access administrators for all schools. None for a grant that stays at its school,
    and for offices' files (district offices sign for district-wide scopes: the office's group)."""
    if change.source_kind is not LocationKind.school or change.via == "direct":
        return None
    cluster = base.clusters.get(change.cluster or "") if change.via == "cluster" else None
    if cluster is not None and cluster.approvers and group_approvers(base, cluster.approvers):
        return group_set(base, cluster.approvers, f"a grant in one school's file reaching cluster {change.cluster}")
    what = f"cluster {change.cluster}" if change.via == "cluster" else "all schools"
    return access_administrators(base, f"a grant in one school's file reaching {what}")


def _role_groups(revisions: Revisions, role_id: str) -> list[str]:
    """The groups a grant of this role needs: the base's `extra_approval`, plus any the head adds."""
    found: list[str] = []
    for repo in (revisions.base, revisions.head):
        role = repo.roles.get(role_id)
        for group_id in role.extra_approval if role else ():
            if group_id not in found:
                found.append(group_id)
    return found


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
        where = f"from {place(change.source)}, via {reach} ({len(true_reach(head, change))} schools)"
    text = f"{person(change.employee)} {change.kind} {role_name} {where}"
    if change.details:
        text += ": " + "; ".join(change.details)
    return text


def requirements(revisions: Revisions, author: str | None, today: dt.date,
                 co_authors: Iterable[str] = ()) -> GateResult:
    """`co_authors`: everyone else who wrote the pull request's commits (`authors.commit_identities`)."""
    base, start, head = revisions.base, revisions.merge_base, revisions.head
    collector = _Collector(author, co_authors)
    changes = grant_changes(start, head)
    touched_by_grants: set[str] = set()
    for change in changes:
        touched_by_grants.add(change.source)
        subject = (login_of(base, change.employee), login_of(head, change.employee))
        item = describe(head, base, change)
        if change.role in base.policy.approver_roles or is_location_approver(base, change.source,
                                                                             change.employee, today):
            collector.need(next_level_up(base, change.source), item, subject_logins=subject)
        else:
            collector.need(location_set(base, change.source, today), item, subject_logins=subject)
            if change.role in head.policy.approver_roles:  # the head makes it an approver role: never less
                collector.need(next_level_up(base, change.source), item, subject_logins=subject)
        if (spanning := spanning_set(base, change)) is not None:
            collector.need(spanning, item, subject_logins=subject)
        if change.kind == LOSES:
            continue  # removing access needs the location's signature, not the extra groups'
        for group_id in _role_groups(revisions, change.role):
            collector.need(group_set(base, group_id), item, subject_logins=subject)

    other_files: list[str] = []
    role_files: dict[str, list[str]] = {}
    for role_id, source in base.role_sources.items():
        role_files.setdefault(source.display, []).append(role_id)
    for path in revisions.changed_files:
        match = GRANTS_FILE.match(path)
        if match is None:
            other_files.append(path)
            for role_id in role_files.get(path, ()):  # a role's own definition: its groups sign too
                for group_id in _role_groups(revisions, role_id):
                    collector.need(group_set(base, group_id), f"changes to {path}")
        elif match.group(2) not in touched_by_grants:
            collector.need(location_set(base, match.group(2), today),
                           f"edits to {path} that change no access")
    if other_files:
        listed = other_files[:MAX_LISTED_FILES]
        more = f" and {len(other_files) - len(listed)} more file(s)" if len(other_files) > len(listed) else ""
        collector.need(access_administrators(base), "changes to " + ", ".join(listed) + more)
    return GateResult(revisions.base_sha, revisions.head_sha, author, list(collector.found.values()), changes)


def apply_approvals(result: GateResult, approved: set[str], notes: Iterable[str] = ()) -> GateResult:
    """Mark each requirement with the eligible approvers whose approval stands on the head commit;
    `notes` say what was left out of the count (`verdicts.ignored_verdicts`)."""
    result.notes.extend(notes)
    for requirement in result.requirements:
        requirement.approved_by = [login for login in requirement.eligible if login.lower() in approved]
    return result
