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

Two rules keep the loop moving (`policy.removal_approvers`, `policy.escalation`):
- a change that only removes or narrows access (`rolebook.approvals.narrowing`) needs one approval, for
  the whole change, from the removal approvers: any member of the policy's groups and, when it says so,
  any designated approver of any location the change touches;
- when everyone who could sign a requirement is excluded (an author, a requester, the person concerned),
  it climbs the escalation chain (location, local district, access administrators) to the first level
  with someone who may sign, and the checklist says why.
The requesters (`Requested-by:` in the commits or the pull request's body) are authors for all of this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from rolebook.approvals.narrowing import removal_only
from rolebook.approvals.revisions import Revisions
from rolebook.facts.approvers import (
    ApproverSet,
    access_administrators,
    escalation_sets,
    group_approvers,
    group_set,
    is_location_approver,
    location_set,
    login_of,
    next_level_up,
    removal_set,
)
from rolebook.facts.grant_changes import LOSES, GrantChange, grant_changes
from rolebook.loading import Repository
from rolebook.model.files import EscalationStep, LocationKind
from rolebook.paths import GRANTS_FILE

MAX_LISTED_FILES = 20


@dataclass
class Requirement:
    approvers: ApproverSet
    eligible: tuple[str, ...]  # logins that can sign here: the set minus the subject and the author
    items: list[str] = field(default_factory=list)
    approved_by: list[str] = field(default_factory=list)
    escalated_from: str | None = None  # the label of the set nobody in which could sign
    escalation: str = ""  # why, in words: "The only Principal of X is the author of this pull request, so ..."

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
            "escalated_from": self.escalated_from,
            "escalation": self.escalation,
        }


@dataclass
class GateResult:
    base_sha: str
    head_sha: str
    author: str | None
    requirements: list[Requirement]
    changes: list[GrantChange]
    notes: list[str] = field(default_factory=list)  # what the gate left out of its count, and why
    removal_only: bool = False  # only removes or narrows access: one removal approver signs for all
    requesters: tuple[str, ...] = ()  # whom the commits' and the body's `Requested-by:` name

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
            "removal_only": self.removal_only,
            "requesters": list(self.requesters),
        }


_SUBJECT, _AUTHOR, _REQUESTER, _CO_AUTHOR = (
    "the person concerned", "the author of this pull request", "the requester of this pull request",
    "a co-author of this pull request")


class _Collector:
    """Gathers the requirements, one per set of approvers, and climbs the escalation chain for any that
    nobody may sign. Who is excluded is known by why, so that the checklist can say it."""

    def __init__(self, base: Repository, today: dt.date, author: str | None, co_authors: Iterable[str] = (),
                 requesters: Iterable[str] = ()):
        self.base, self.today = base, today
        self.why: dict[str, str] = {}
        for words, reason in ((co_authors, _CO_AUTHOR), (requesters, _REQUESTER), ([author or ""], _AUTHOR)):
            self.why.update({word.lower(): reason for word in words if word})
        for member in base.staff.values():  # an e-mail in the commits names the person the directory gives it
            if member.email and member.git_username and member.email.lower() in self.why:
                self.why.setdefault(member.git_username.lower(), self.why[member.email.lower()])
        self.found: dict[tuple[str, tuple[str, ...], str], Requirement] = {}

    def need(self, approvers: ApproverSet, item: str | Iterable[str], *, subject_logins: Iterable[str | None] = (),
             location: str | None = None) -> None:
        """`item` (one, or several signed together) needs one of `approvers`; `location`: the school or office
        it is about, for the escalation chain's local district."""
        why = dict(self.why) | {login.lower(): _SUBJECT for login in subject_logins if login}
        eligible = tuple(login for login in approvers.logins if login.lower() not in why)
        escalated_from, escalation = None, ""
        if approvers.logins and not eligible:
            for above in escalation_sets(self.base, location, approvers, self.today):
                above_eligible = tuple(login for login in above.logins if login.lower() not in why)
                if above_eligible:
                    escalated_from = approvers.label
                    escalation = f"{_nobody_because(approvers, why)}, so {above.label} approve it instead"
                    approvers, eligible = above, above_eligible
                    break
        key = (approvers.label, eligible, escalation)
        requirement = self.found.setdefault(key, Requirement(approvers, eligible, escalated_from=escalated_from,
                                                             escalation=escalation))
        for one in [item] if isinstance(item, str) else item:
            if one not in requirement.items:
                requirement.items.append(one)


def _nobody_because(approvers: ApproverSet, why: dict[str, str]) -> str:
    """"The only Principal of X is the author of this pull request", "Each of the 3 approvers in ..."."""
    reasons = [why[login.lower()] for login in approvers.logins]
    if len(reasons) == 1:
        who = approvers.label if approvers.titled else f"member of {approvers.label}"
        return f"The only {who} is {reasons[0]}"
    kinds = list(dict.fromkeys(reasons))
    listed = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
    return f"Each of the {len(reasons)} approvers in {approvers.label} is {listed}"


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
        found = group_set(base, cluster.approvers, f"a grant in one school's file reaching cluster {change.cluster}")
        return ApproverSet(found.label, found.approvers, found.note, EscalationStep.local_district)
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
                 co_authors: Iterable[str] = (), requesters: Iterable[str] = ()) -> GateResult:
    """`co_authors`: everyone else who wrote the pull request's commits (`authors.commit_people`);
    `requesters`: whom its `Requested-by:` lines name. Both only ever take approvers out."""
    base, start, head = revisions.base, revisions.merge_base, revisions.head
    requesters = tuple(sorted({word.lower() for word in requesters if word}))
    collector = _Collector(base, today, author, co_authors, requesters)
    changes = grant_changes(start, head)
    removal = removal_only(start, head, changes, revisions.changed_files)
    if removal is not None:
        _removal_requirement(collector, revisions, changes, removal.staff_items, removal.staff_subjects, today)
    else:
        _usual_requirements(collector, revisions, changes, today)
    return GateResult(revisions.base_sha, revisions.head_sha, author, list(collector.found.values()), changes,
                      removal_only=removal is not None, requesters=requesters)


def _removal_requirement(collector: _Collector, revisions: Revisions, changes: list[GrantChange],
                         staff_items: list[str], staff_subjects: list[str], today: dt.date) -> None:
    """One requirement for the whole change: any one removal approver, never the people losing access."""
    base, head = revisions.base, revisions.head
    locations = list(dict.fromkeys(change.source for change in changes))
    employees = [*(change.employee for change in changes), *staff_subjects]
    subjects = [login for e in employees for login in (login_of(base, e), login_of(head, e))]
    items = [describe(head, base, change) for change in changes] + staff_items
    collector.need(removal_set(base, locations, today), items, subject_logins=subjects)


def _usual_requirements(collector: _Collector, revisions: Revisions, changes: list[GrantChange],
                        today: dt.date) -> None:
    base, head = revisions.base, revisions.head
    touched_by_grants: set[str] = set()
    for change in changes:
        touched_by_grants.add(change.source)
        subject = (login_of(base, change.employee), login_of(head, change.employee))
        item, code = describe(head, base, change), change.source
        if change.role in base.policy.approver_roles or is_location_approver(base, change.source,
                                                                             change.employee, today):
            collector.need(next_level_up(base, change.source), item, subject_logins=subject, location=code)
        else:
            collector.need(location_set(base, change.source, today), item, subject_logins=subject, location=code)
            if change.role in head.policy.approver_roles:  # the head makes it an approver role: never less
                collector.need(next_level_up(base, change.source), item, subject_logins=subject, location=code)
        if (spanning := spanning_set(base, change)) is not None:
            collector.need(spanning, item, subject_logins=subject, location=code)
        if change.kind == LOSES:
            continue  # removing access needs the location's signature, not the extra groups'
        for group_id in _role_groups(revisions, change.role):
            collector.need(group_set(base, group_id), item, subject_logins=subject, location=code)

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
                           f"edits to {path} that change no access", location=match.group(2))
    if other_files:
        listed = other_files[:MAX_LISTED_FILES]
        more = f" and {len(other_files) - len(listed)} more file(s)" if len(other_files) > len(listed) else ""
        collector.need(access_administrators(base), "changes to " + ", ".join(listed) + more)


def apply_approvals(result: GateResult, approved: set[str], notes: Iterable[str] = ()) -> GateResult:
    """Mark each requirement with the eligible approvers whose approval stands on the head commit;
    `notes` say what was left out of the count (`verdicts.ignored_verdicts`)."""
    result.notes.extend(notes)
    for requirement in result.requirements:
        requirement.approved_by = [login for login in requirement.eligible if login.lower() in approved]
    return result
