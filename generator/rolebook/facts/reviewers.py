"""Who may review a school's or an office's access: its approvers, and the level above them.

A school's designated reviewer is a holder of one of policy.approver_roles at that school (the
principal), identified by the Git username in the staff directory, or a member of the approvers group
of the school's cluster (the local district). An office's is a member of its approver group
(`approvers` in access/district.yaml), or of the level above it that decides the approvers' own
items: the office's cluster approvers group, else the access administrators. Nobody decides on their
own access.

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
from rolebook.paths import GROUPS_FILE, OFFICES_FOLDER, SCHOOLS_FOLDER, STAFF_FILE, grants_file_path, review_path


def login_index(repo: Repository) -> dict[str, str]:
    """Git username (lowercase, as GitHub logins are case-insensitive) -> employee number."""
    return {m.git_username.lower(): m.employee for m in repo.staff.values() if m.git_username}


def is_office(repo: Repository, code: str) -> bool:
    """True for an office's code (access/offices/<code>/), False for a school's."""
    return code not in repo.schools and code in repo.offices


def review_locations(repo: Repository) -> list[str]:
    """Every location reviewed, in a stable order: the schools by code, then the offices by code."""
    return sorted(repo.schools) + sorted(code for code in repo.offices if code not in repo.schools)


def location_review_path(repo: Repository, code: str, period: str) -> str:
    """The review file of one school or office for one period."""
    return review_path(code, period, OFFICES_FOLDER if is_office(repo, code) else SCHOOLS_FOLDER)


def _office_groups(repo: Repository, code: str) -> list[str]:
    """An office's reviewer groups: its approver group, then the level above (its cluster's approvers
    group, else the access administrators), who decide the approvers' own items."""
    office = repo.offices[code]
    cluster = repo.clusters.get(office.cluster or "")
    above = cluster.approvers if cluster is not None and cluster.approvers else repo.policy.access_administrators
    return [group for group in dict.fromkeys([office.approvers or "", above]) if group]


def designated_reviewers(repo: Repository, school: str, accesses: list[Access]) -> dict[str, str]:
    """{login (lowercase): employee} of everyone who may review `school` (a school's or an office's code)."""
    employees: set[str] = set()
    if is_office(repo, school):
        for group_id in _office_groups(repo, school):
            employees.update(repo.groups[group_id].members if group_id in repo.groups else ())
        return _logins_of(repo, employees)
    approver_roles = set(repo.policy.approver_roles)
    for access in accesses:
        if (access.location == school and access.role in approver_roles
                and access.grant.status is GrantStatus.active):
            employees.add(access.employee)
    place = repo.schools.get(school)
    cluster = repo.clusters.get(place.cluster) if place else None
    if cluster is not None and cluster.approvers and cluster.approvers in repo.groups:
        employees.update(repo.groups[cluster.approvers].members)
    return _logins_of(repo, employees)


def _logins_of(repo: Repository, employees: set[str]) -> dict[str, str]:
    return {
        member.git_username.lower(): member.employee
        for employee in sorted(employees)
        if (member := repo.staff.get(employee)) is not None and member.git_username
    }


def first_school_approver(repo: Repository, school: str, accesses: list[Access]) -> str | None:
    """The login to pre-fill as reviewer: a holder of an approver role at the school itself, or the
    first member of an office's approver group."""
    if is_office(repo, school):
        group = repo.groups.get(repo.offices[school].approvers or "")
        return next((member.git_username for employee in (group.members if group else [])
                     if (member := repo.staff.get(employee)) is not None and member.git_username), None)
    approver_roles = set(repo.policy.approver_roles)
    for access in accesses:
        if access.location == school and access.role in approver_roles and access.via == "direct":
            member = repo.staff.get(access.employee)
            if member is not None and member.git_username:
                return member.git_username
    return None


def review_requests(repo: Repository, school: str, accesses: list[Access]) -> tuple[list[str], list[str]]:
    """Whom to ask for a school's review: (logins, team slugs). The school's approvers by login; the
    cluster's approvers group as its GitHub team when it names one, else its members by login. For an
    office: its approver group, the same way (team, else members), and the level above it too when one
    of those approvers holds a grant in the office's file (their own item is the level above's to decide)."""
    if is_office(repo, school):
        groups = _office_groups(repo, school)
        own = repo.groups.get(repo.offices[school].approvers or "")
        record = repo.grants.get(school)
        holders = {grant.employee for grant in record.model.grants} if record is not None else set()
        office_users, office_teams = _group_requests(repo, groups[0], [])
        if len(groups) > 1 and own is not None and holders & set(own.members):
            more_users, more_teams = _group_requests(repo, groups[1], office_users)
            return more_users, office_teams + [team for team in more_teams if team not in office_teams]
        return office_users, office_teams
    approver_roles = set(repo.policy.approver_roles)
    users: list[str] = []
    for access in accesses:
        if (access.location == school and access.role in approver_roles
                and access.grant.status is GrantStatus.active):
            member = repo.staff.get(access.employee)
            if member is not None and member.git_username and member.git_username not in users:
                users.append(member.git_username)
    place = repo.schools.get(school)
    cluster = repo.clusters.get(place.cluster) if place else None
    return _group_requests(repo, cluster.approvers if cluster is not None else None, users)


def _group_requests(repo: Repository, group_id: str | None, users: list[str]) -> tuple[list[str], list[str]]:
    """`users` plus a group: as its GitHub team when it names one, else its members by login."""
    teams: list[str] = []
    group = repo.groups.get(group_id) if group_id else None
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
    office = is_office(repo, school)
    grants = _blob(repo.root, commit, grants_file_path(OFFICES_FOLDER if office else SCHOOLS_FOLDER, school))
    if not isinstance(grants, dict):
        return None
    approver_roles = set(repo.policy.approver_roles)
    employees = set() if office else {
        str(grant.get("employee")) for grant in grants.get("grants") or [] if isinstance(grant, dict)
        and approver_roles & set(grant.get("roles") or []) and grant.get("status", "active") == "active"
    }
    place = repo.schools.get(school)
    cluster = repo.clusters.get(place.cluster) if place else None
    wanted = set(_office_groups(repo, school)) if office else (
        {cluster.approvers} if cluster is not None and cluster.approvers else set())
    if wanted:  # the groups as the commit had them
        groups = _blob(repo.root, commit, GROUPS_FILE)
        for group in (groups or {}).get("groups") or [] if isinstance(groups, dict) else []:
            if isinstance(group, dict) and group.get("id") in wanted:
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
