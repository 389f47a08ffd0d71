"""Who approves a change (a pull request's approvers), derived from the data of one revision (always the
base branch's).

A school's approvers are the holders of an approver role (policy.approver_roles, e.g. principal) in the
school's own grants file who have a Git username. An office's approvers are its `approvers` group. The
next level up is the local district (the cluster's approvers group). Everything else belongs to the
access administrators. Each set knows its level on the policy's escalation chain (`policy.escalation`),
so that a requirement nobody at its level may sign climbs to the next (`escalation_sets`); a change
that only removes access is signed once by the policy's removal approvers (`removal_set`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from rolebook.loading import Repository
from rolebook.model.files import EscalationStep, GrantStatus, HRStatus, StaffMember

# A set that is no step of the chain (SPED Operations, a role's extra groups, the removal approvers)
# sits between the local district and the access administrators: it climbs to the access administrators.
_RANK = {EscalationStep.location: 0.0, EscalationStep.local_district: 1.0, EscalationStep.access_administrators: 2.0}
_OFF_CHAIN_RANK = 1.5


@dataclass(frozen=True, slots=True)
class Approver:
    login: str
    employee: str
    name: str


@dataclass(frozen=True, slots=True)
class ApproverSet:
    """Who can sign for something: any one of `approvers`. `label` says in whose name they sign."""

    label: str
    approvers: tuple[Approver, ...]
    note: str = ""  # why this set stands in for the usual one (no approver at a school, ...)
    level: EscalationStep | None = None  # its step on the escalation chain; None: no step of it
    titled: bool = False  # `label` names a post ("Principal of X"), not a group ("Access administrators")

    @property
    def logins(self) -> tuple[str, ...]:
        return tuple(a.login for a in self.approvers)


_SHARED: dict[int, tuple[dict[str, StaffMember], frozenset[str]]] = {}


def shared_logins(repo: Repository) -> frozenset[str]:
    """Lowercase logins that more than one staff record claims (rule RB108). Such a login maps to nobody:
    an approval must be one person's signature. Worked out once per staff directory."""
    known = _SHARED.get(id(repo))
    if known is not None and known[0] is repo.staff:
        return known[1]
    counts = Counter(m.git_username.lower() for m in repo.staff.values() if m.git_username)
    shared = frozenset(login for login, count in counts.items() if count > 1)
    _SHARED[id(repo)] = (repo.staff, shared)
    return shared


def _approver(repo: Repository, employee: str) -> Approver | None:
    person = repo.staff.get(employee)
    if person is None or not person.git_username or person.hr_status is HRStatus.separated:
        return None
    if person.git_username.lower() in shared_logins(repo):
        return None  # two records claim the login: it is nobody's signature until RB108 is fixed
    return Approver(person.git_username, employee, person.display_name)


def _unique(approvers: list[Approver]) -> tuple[Approver, ...]:
    seen: dict[str, Approver] = {}
    for approver in approvers:
        seen.setdefault(approver.login.lower(), approver)
    return tuple(sorted(seen.values(), key=lambda r: r.login.lower()))


def group_approvers(repo: Repository, group_id: str | None) -> tuple[Approver, ...]:
    group = repo.groups.get(group_id or "")
    if group is None:
        return ()
    return _unique([r for member in group.members if (r := _approver(repo, member)) is not None])


def group_set(repo: Repository, group_id: str, note: str = "") -> ApproverSet:
    group = repo.groups.get(group_id)
    label = group.name if group else f"group {group_id} (not defined in access/groups.yaml)"
    return ApproverSet(label, group_approvers(repo, group_id), note)


def access_administrators(repo: Repository, note: str = "") -> ApproverSet:
    found = group_set(repo, repo.policy.access_administrators, note)
    return ApproverSet(found.label, found.approvers, note, EscalationStep.access_administrators)


def school_approver_employees(repo: Repository, code: str, today: dt.date) -> list[str]:
    """Employees holding an approver role in the school's own file, by an active, unexpired grant."""
    record = repo.grants.get(code)
    if record is None:
        return []
    wanted = set(repo.policy.approver_roles)
    return [
        grant.employee for grant in record.model.grants
        if wanted & set(grant.roles) and grant.status is GrantStatus.active
        and (grant.expires is None or grant.expires >= today)
    ]


def school_approvers(repo: Repository, code: str, today: dt.date) -> tuple[Approver, ...]:
    return _unique([r for e in school_approver_employees(repo, code, today) if (r := _approver(repo, e))])


def approver_title(repo: Repository, code: str) -> str:
    names = [repo.roles[r].name if r in repo.roles else r for r in repo.policy.approver_roles]
    return f"{' or '.join(names)} of {repo.location_name(code)}"


def location_set(repo: Repository, code: str, today: dt.date) -> ApproverSet:
    """Who signs for a grant in this school's or office's file."""
    if code in repo.schools:
        found = school_approvers(repo, code, today)
        if found:
            return ApproverSet(approver_title(repo, code), found, level=EscalationStep.location, titled=True)
        return access_administrators(repo, f"{repo.location_name(code)} has no approver with a Git username")
    office = repo.offices.get(code)
    if office is not None and office.approvers and group_approvers(repo, office.approvers):
        found_set = group_set(repo, office.approvers)
        return ApproverSet(found_set.label, found_set.approvers, level=EscalationStep.location)
    return access_administrators(repo, f"{repo.location_name(code)} has no approver group with Git usernames")


def is_location_approver(repo: Repository, code: str, employee: str, today: dt.date) -> bool:
    if code in repo.schools:
        return employee in school_approver_employees(repo, code, today)
    office = repo.offices.get(code)
    group = repo.groups.get(office.approvers or "") if office else None
    return group is not None and employee in group.members


def next_level_up(repo: Repository, code: str) -> ApproverSet:
    """Who signs for an approver's own access: the local district, else the access administrators."""
    found = local_district(repo, code)
    if found is not None:
        return found
    return access_administrators(repo, f"{repo.location_name(code)} has no level above it with approvers")


def local_district(repo: Repository, code: str) -> ApproverSet | None:
    """The approvers group of the cluster (local district) a school or office belongs to, if it has one."""
    school = repo.schools.get(code)
    office = repo.offices.get(code)
    cluster_id = school.cluster if school else (office.cluster if office else None)
    cluster = repo.clusters.get(cluster_id or "")
    if cluster is None or not cluster.approvers or not group_approvers(repo, cluster.approvers):
        return None
    found = group_set(repo, cluster.approvers)
    return ApproverSet(found.label, found.approvers, level=EscalationStep.local_district)


def escalation_sets(repo: Repository, code: str | None, below: ApproverSet, today: dt.date) -> list[ApproverSet]:
    """The sets above `below` on the policy's escalation chain, nearest first: who signs instead when
    nobody in `below` may. `code`: the location the requirement is about (None: none, e.g. a group's
    signature); a step that has no approvers there is skipped."""
    chain = list(repo.policy.escalation)
    if below.level in chain:
        above = chain[chain.index(below.level) + 1:]
    else:
        rank = _RANK[below.level] if below.level is not None else _OFF_CHAIN_RANK
        above = [step for step in chain if _RANK[step] > rank]
    found: list[ApproverSet] = []
    for step in above:
        if step is EscalationStep.access_administrators:
            found.append(access_administrators(repo))
        elif code is not None and step is EscalationStep.local_district:
            if (district := local_district(repo, code)) is not None:
                found.append(district)
        elif code is not None and step is EscalationStep.location:
            found.append(location_set(repo, code, today))
    return [s for s in found if s.label != below.label]


def location_approvers(repo: Repository, code: str, today: dt.date) -> tuple[Approver, ...]:
    """The designated approvers of one school (its approver-role holders) or office (its approvers group),
    with no stand-in: empty when it has none."""
    if code in repo.schools:
        return school_approvers(repo, code, today)
    office = repo.offices.get(code)
    return group_approvers(repo, office.approvers) if office is not None and office.approvers else ()


def removal_set(repo: Repository, locations: list[str], today: dt.date) -> ApproverSet:
    """Who signs a change that only removes or narrows access, once for the whole change
    (`policy.removal_approvers`): any member of its groups, and, with `location_approvers`, any designated
    approver of any location the change touches."""
    settings = repo.policy.removal_approvers
    names: list[str] = []
    approvers: list[Approver] = []
    for group_id in settings.groups:
        group = group_set(repo, group_id)
        names.append(group.label)
        approvers.extend(group.approvers)
    if settings.location_approvers and locations:
        places = [repo.location_name(code) for code in locations]
        names.append("a designated approver of " + (", ".join(places[:-1]) + " or " + places[-1]
                                                    if len(places) > 1 else places[0]))
        for code in locations:
            approvers.extend(location_approvers(repo, code, today))
    label = " or ".join(names) if names else "the removal approvers (policy.removal_approvers names nobody)"
    return ApproverSet(label, _unique(approvers))


def login_of(repo: Repository, employee: str) -> str | None:
    person = repo.staff.get(employee)
    return person.git_username if person else None
