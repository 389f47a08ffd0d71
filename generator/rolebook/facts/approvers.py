"""Who approves a change (a pull request's approvers), derived from the data of one revision (always the
base branch's).

A school's approvers are the holders of an approver role (policy.approver_roles, e.g. principal) in the
school's own grants file who have a Git username. An office's approvers are its `approvers` group. The
next level up is the local district (the cluster's approvers group). Everything else belongs to the
access administrators.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from rolebook.loading import Repository
from rolebook.model.files import GrantStatus, HRStatus, StaffMember


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
    return group_set(repo, repo.policy.access_administrators, note)


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
            return ApproverSet(approver_title(repo, code), found)
        return access_administrators(repo, f"{repo.location_name(code)} has no approver with a Git username")
    office = repo.offices.get(code)
    if office is not None and office.approvers and group_approvers(repo, office.approvers):
        return group_set(repo, office.approvers)
    return access_administrators(repo, f"{repo.location_name(code)} has no approver group with Git usernames")


def is_location_approver(repo: Repository, code: str, employee: str, today: dt.date) -> bool:
    if code in repo.schools:
        return employee in school_approver_employees(repo, code, today)
    office = repo.offices.get(code)
    group = repo.groups.get(office.approvers or "") if office else None
    return group is not None and employee in group.members


def next_level_up(repo: Repository, code: str) -> ApproverSet:
    """Who signs for an approver's own access: the local district, else the access administrators."""
    school = repo.schools.get(code)
    office = repo.offices.get(code)
    cluster_id = school.cluster if school else (office.cluster if office else None)
    cluster = repo.clusters.get(cluster_id or "")
    if cluster is not None and cluster.approvers and group_approvers(repo, cluster.approvers):
        return group_set(repo, cluster.approvers)
    return access_administrators(repo, f"{repo.location_name(code)} has no level above it with approvers")


def login_of(repo: Repository, employee: str) -> str | None:
    person = repo.staff.get(employee)
    return person.git_username if person else None
