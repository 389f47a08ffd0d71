"""Who may review a school's access: its approvers, and its cluster's approvers group.

The designated reviewer is a holder of one of policy.approver_roles at that school (the principal),
identified by the Git username in the staff directory, or a member of the approvers group of the
school's cluster (the local district). Nobody decides on their own access.

A completed review is judged by the data it was made at (`designated_reviewers_at`), so a principal
suspended since does not turn last term's evidence wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rolebook.facts.resolve import Access
from rolebook.infra.git import GitFailed, run_git
from rolebook.loading import Repository
from rolebook.loading.yamlfile import parse_bytes
from rolebook.model.files import GrantStatus
from rolebook.paths import GROUPS_FILE, SCHOOLS_DIR, STAFF_FILE


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


def review_requests(repo: Repository, school: str, accesses: list[Access]) -> tuple[list[str], list[str]]:
    """Whom to ask for a school's review: (logins, team slugs). The school's approvers by login; the
    cluster's approvers group as its GitHub team when it names one, else its members by login."""
    approver_roles = set(repo.policy.approver_roles)
    users: list[str] = []
    for access in accesses:
        if (access.location == school and access.role in approver_roles
                and access.grant.status is GrantStatus.active):
            member = repo.staff.get(access.employee)
            if member is not None and member.git_username and member.git_username not in users:
                users.append(member.git_username)
    teams: list[str] = []
    place = repo.schools.get(school)
    cluster = repo.clusters.get(place.cluster) if place else None
    group = repo.groups.get(cluster.approvers) if cluster is not None and cluster.approvers else None
    if group is not None and group.github_team:
        teams.append(group.github_team)
    elif group is not None:
        for employee in group.members:
            member = repo.staff.get(employee)
            if member is not None and member.git_username and member.git_username not in users:
                users.append(member.git_username)
    return users, teams


# The data a completed review was made at, read from history only when today's data disagrees with it.
_AT_COMMIT: dict[tuple[str, str, str], dict[str, str] | None] = {}


def designated_reviewers_at(repo: Repository, commit: str, school: str) -> dict[str, str] | None:
    """{login: employee} of the school's designated reviewers in the data of `commit`, or None when that
    commit cannot be read.

    A history read, kept cheap: two small blobs of that commit, the school's grants file (who held an
    approver role there, and whether it was active) and the groups file (the cluster's approvers then),
    read with one `git cat-file` each; logins come from today's staff directory, and the commit's own
    directory is read only for someone no longer in it. Cached per commit and school for the process;
    the rules ask only for a completed review that today's data would flag, which is rare.
    """
    key = (str(repo.root), commit, school)
    if key not in _AT_COMMIT:
        _AT_COMMIT[key] = _designated_at(repo, commit, school)
    return _AT_COMMIT[key]


def _blob(root: Path, commit: str, path: str) -> Any:
    """One file of `commit`, parsed by the loader's own YAML reader (plain data), or None."""
    try:
        raw = run_git(root, "cat-file", "blob", f"{commit}:{path}")
    except GitFailed:
        return None
    parsed = parse_bytes(raw, Path(path), path)
    return None if parsed.errors else parsed.data


def _designated_at(repo: Repository, commit: str, school: str) -> dict[str, str] | None:
    grants = _blob(repo.root, commit, f"{SCHOOLS_DIR}/{school}/grants.yaml")
    if not isinstance(grants, dict):
        return None
    approver_roles = set(repo.policy.approver_roles)
    employees = {
        str(grant.get("employee")) for grant in grants.get("grants") or [] if isinstance(grant, dict)
        and approver_roles & set(grant.get("roles") or []) and grant.get("status", "active") == "active"
    }
    place = repo.schools.get(school)
    cluster = repo.clusters.get(place.cluster) if place else None
    if cluster is not None and cluster.approvers:
        groups = _blob(repo.root, commit, GROUPS_FILE)
        for group in (groups or {}).get("groups") or [] if isinstance(groups, dict) else []:
            if isinstance(group, dict) and group.get("id") == cluster.approvers:
                employees.update(str(member) for member in group.get("members") or [])
    logins = {employee: member.git_username for employee in employees
              if (member := repo.staff.get(employee)) is not None and member.git_username}
    if len(logins) < len(employees):  # someone has left the directory since: read it as it was then
        staff = _blob(repo.root, commit, STAFF_FILE)
        for entry in (staff or {}).get("staff") or [] if isinstance(staff, dict) else []:
            if isinstance(entry, dict) and str(entry.get("employee")) in employees and entry.get("git_username"):
                logins.setdefault(str(entry["employee"]), str(entry["git_username"]))
    return {login.lower(): employee for employee, login in sorted(logins.items())}


def evidence_commit(root: Path, relative: str) -> str | None:
    """The commit that last changed the review file `relative` (on the first-parent line: the merge),
    provided the file is still exactly as that commit has it; None otherwise (or outside Git)."""
    try:
        found = run_git(root, "log", "-1", "--first-parent", "--format=%H", "--", relative).decode().strip()
        if not found:
            return None
        then = run_git(root, "rev-parse", f"{found}:{relative}").decode().strip()
        now = run_git(root, "hash-object", "--", relative).decode().strip()
    except (GitFailed, OSError):
        return None
    return found if then == now else None
