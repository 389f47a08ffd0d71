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

Three kinds of change are read from the files for what they are:
- an access review left submitted or completed: everyone it names as deciding approves it, and each
  must be a designated reviewer who decides nothing about themselves (`rolebook.approvals.review_decisions`);
- the restoration of a lost super user, and nothing else: one approval from the senior managers
  (`policy.senior_managers`) replaces every other requirement (`rolebook.approvals.restoration`);
- a new position or staff type for someone holding grants: their locations' approvers sign too
  (`rolebook.approvals.staff_moves`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from rolebook.approvals.narrowing import removal_only
from rolebook.approvals.restoration import restored_super_user
from rolebook.approvals.review_decisions import Decider, decided_reviews, deciders
from rolebook.approvals.revisions import Revisions
from rolebook.approvals.staff_moves import moves
from rolebook.facts.approvers import (
    Approver,
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
from rolebook.facts.reviewers import login_index
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
    missing: str = ""  # what is missing, in words, while it is not satisfied (a review's decider)
    refused: list[str] = field(default_factory=list)  # why nobody's approval can satisfy it

    @property
    def satisfied(self) -> bool:
        return bool(self.approved_by) and not self.refused

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
            "missing": "" if self.satisfied else self.missing,
            "refused": list(self.refused),
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
    restores_super_user: str | None = None  # the employee a lost super user's restoration puts back

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
            "restores_super_user": self.restores_super_user,
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
        self.author = (author or "").lower()
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

    def need_exactly(self, approvers: ApproverSet, item: str, *, subject_logins: Iterable[str | None] = ()) -> None:
        """`item` needs one of `approvers` and nobody else: no escalation (a senior manager's signature)."""
        why = dict(self.why) | {login.lower(): _SUBJECT for login in subject_logins if login}
        eligible = tuple(login for login in approvers.logins if login.lower() not in why)
        requirement = self.found.setdefault((approvers.label, eligible, ""), Requirement(approvers, eligible))
        requirement.items.append(item)

    def need_decider(self, decider: Decider, head_sha: str) -> None:
        """A review's decider signs it themselves: only the pull request's author is never counted (on
        GitHub, the app that committed the ticks), and nobody stands in for them."""
        employee = login_index(self.base).get(decider.login.lower(), "")
        member = self.base.staff.get(employee)
        approver = Approver(decider.login, employee, member.display_name if member else decider.login)
        approvers = ApproverSet(f"named as deciding in {decider.file}", (approver,))
        is_author = decider.login.lower() == self.author
        eligible = () if decider.refused or is_author else (decider.login,)
        missing = f"`{decider.login}` is named as deciding in `{decider.file}` but has not approved `{head_sha}`"
        if is_author:
            missing += " (and cannot: they are the author of this pull request, whose approval never counts)"
        listed = decider.items[:MAX_LISTED_FILES]
        more = f" and {len(decider.items) - len(listed)} more" if len(decider.items) > len(listed) else ""
        item = "; ".join(listed) + more if listed else "the review, as its reviewer"
        self.found[(f"review {decider.file} {decider.login.lower()}", eligible, "")] = Requirement(
            approvers, eligible, [item], missing=missing, refused=list(decider.refused))


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
    restored = restored_super_user(base, start, head, revisions.changed_files)
    if restored is not None:
        _restoration_requirement(collector, revisions, restored)
        return GateResult(revisions.base_sha, revisions.head_sha, author, list(collector.found.values()), changes,
                          requesters=requesters, restores_super_user=restored)
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


def _restoration_requirement(collector: _Collector, revisions: Revisions, employee: str) -> None:
    """One approval from the base's senior managers, never the person restored (nor the authors)."""
    base, head = revisions.base, revisions.head
    group_id = base.policy.senior_managers
    member = head.staff.get(employee) or base.staff.get(employee)
    name = member.display_name if member else f"employee {employee}"
    admins = base.groups.get(base.policy.access_administrators)
    item = (f"restoring {name} ({employee}) as a super user: back in "
            f"{admins.name if admins else base.policy.access_administrators}, with their locked or "
            "suspended grants active again")
    if group_id is None:
        approvers = ApproverSet("the senior managers", (), "roles/policy.yaml names no senior_managers group, so "
                                "nobody can sign a super user's restoration: name one there first")
    else:
        found = group_set(base, group_id)
        note = "" if found.approvers else (f"the group '{group_id}' has no member with a Git username, so nobody "
                                           "can sign a super user's restoration: add one in access/groups.yaml")
        approvers = ApproverSet(found.label, found.approvers, note)
    collector.need_exactly(approvers, item, subject_logins=(login_of(base, employee), login_of(head, employee)))


def _usual_requirements(collector: _Collector, revisions: Revisions, changes: list[GrantChange],
                        today: dt.date) -> None:
    base, head = revisions.base, revisions.head
    decided = decided_reviews(revisions.merge_base, head, revisions.changed_files)
    for now, earlier in decided:
        for decider in deciders(base, now, earlier):
            collector.need_decider(decider, revisions.head_sha)
    signed_by_deciders = {now.file for now, _ in decided}
    for move in moves(revisions.merge_base, head):
        subject = (login_of(base, move.employee), login_of(head, move.employee))
        for code in move.locations:
            collector.need(location_set(base, code, today), move.said, subject_logins=subject, location=code)
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
        if path in signed_by_deciders:
            continue  # its deciders sign it, above
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
