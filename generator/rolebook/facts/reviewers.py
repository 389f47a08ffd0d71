"""Who may review a school's access: its approvers, and its cluster's approvers group.

The designated reviewer is a holder of one of policy.approver_roles at that school (the principal),
identified by the Git username in the staff directory, or a member of the approvers group of the
school's cluster (the local district). Nobody decides on their own access.
"""

from __future__ import annotations

from rolebook.facts.resolve import Access
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus


def login_index(repo: Repository) -> dict[str, str]:
    """Git username (lowercase, as GitHub logins are case-insensitive) -> employee number."""
    return {m.git_username.lower(): m.employee for m in repo.staff.values() if m.git_username}


def designated_reviewers(repo: Repository, school: str, accesses: list[Access]) -> dict[str, str]:
    """{login (lowercase): employee} of everyone who may review `school`."""
    employees: set[str] = set()
    approver_roles = set(repo.policy.approver_roles)
    for access in accesses:
        if (access.location == school and access.role in approver_roles
                and access.grant.status is GrantStatus.active):
            employees.add(access.employee)
    place = repo.schools.get(school)
    cluster = repo.clusters.get(place.cluster) if place else None
    if cluster is not None and cluster.approvers and cluster.approvers in repo.groups:
        employees.update(repo.groups[cluster.approvers].members)
    return {
        member.git_username.lower(): member.employee
        for employee in sorted(employees)
        if (member := repo.staff.get(employee)) is not None and member.git_username
    }


def first_school_approver(repo: Repository, school: str, accesses: list[Access]) -> str | None:
    """The login to pre-fill as reviewer: a holder of an approver role at the school itself."""
    approver_roles = set(repo.policy.approver_roles)
    for access in accesses:
        if access.location == school and access.role in approver_roles and access.via == "direct":
            member = repo.staff.get(access.employee)
            if member is not None and member.git_username:
                return member.git_username
    return None
