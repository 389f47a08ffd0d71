"""Dormant and never-used access, per role: who holds a role at a location and has not used it there.

The district's Security Audit Report defines Last Login as "the last time the user successfully logged
in with that user role" (000): a Health Office role unused for 213 days is dormant even while the
person's Office Manager role at the same school is used every day. The login data is the stored MIS
export (`Repository.logins`, read by the loader), one row per person, location and role. An export
that only knows one last login per person and location (no role column) is stored with the role `*`
(`ANY_ROLE`): then every role held there is judged by that one date, as before.

The limit is the role's own `dormant_after_days` when it has one (a Health Office role may be allowed
less idle time than Teacher), else policy.dormant_after_days. The validator (RB705, RB706) and
`rolebook logins report` both flag with `login_flags`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from rolebook.facts.resolve import Access
from rolebook.loading import Repository
from rolebook.loading.records import LoginRecord
from rolebook.model.files import GrantStatus

# The role of a login row from an export without per-role data: "a login at this location, any role".
ANY_ROLE = "*"

LastLogins = dict[tuple[str, str, str], dt.datetime]


@dataclass(frozen=True)
class LoginFlag:
    kind: str  # "dormant" or "never"
    employee: str
    location: str
    roles: tuple[str, ...]  # the roles concerned (those sharing this last login and this grant)
    last_login: dt.datetime | None
    days: int  # days since the last login in these roles, or since the access was granted
    access: Access  # the access to one of these roles, for file and line
    limit: int = 0  # the idle days allowed for these roles (the role's, else the policy's)


def last_logins(records: Iterable[LoginRecord]) -> LastLogins:
    """{(employee, location, role): last login}; a role never used there has no entry.

    `role` is a role id, or ANY_ROLE for a row of an export without per-role data."""
    found: LastLogins = {}
    for record in records:
        if record.last_login is None:
            continue
        key = (record.employee, record.location, record.role)
        if key not in found or record.last_login > found[key]:
            found[key] = record.last_login
    return found


def last_login_in_role(logins: LastLogins, employee: str, location: str, role: str) -> dt.datetime | None:
    """The last login in this role here: its own row, else the location-wide row of a per-person export."""
    own = logins.get((employee, location, role))
    return own if own is not None else logins.get((employee, location, ANY_ROLE))


def dormancy_limit(repo: Repository, role_id: str) -> int:
    """The idle days a holder of the role is allowed: the role's own limit, else the policy's."""
    role = repo.roles.get(role_id)
    own = role.dormant_after_days if role is not None else None
    return own if own is not None else repo.policy.dormant_after_days


def login_flags(repo: Repository, accesses: Iterable[Access], records: Iterable[LoginRecord],
                today: dt.date) -> list[LoginFlag]:
    """Dormant and never-used roles, for active, unexpired grants.

    One flag per person, location, grant and last login: roles of one grant unused since the same day
    are said once, a role used recently is not flagged because another one is, nor the other way round.
    """
    logins = last_logins(records)
    held: dict[tuple[str, str, str], Access] = {}  # (employee, location, role) -> the first access to it
    for access in accesses:
        grant = access.grant
        if grant.status is not GrantStatus.active or (grant.expires is not None and grant.expires < today):
            continue
        held.setdefault((access.employee, access.location, access.role), access)
    grouped: dict[tuple[str, str, str, str, int, dt.datetime | None], list[Access]] = {}
    for (employee, location, role), access in held.items():
        last = last_login_in_role(logins, employee, location, role)
        limit = dormancy_limit(repo, role)
        if last is not None:
            if (today - last.date()).days <= limit:
                continue
            kind = "dormant"
        else:
            if (today - access.grant.granted).days <= limit:  # a new grant gets time to be used first
                continue
            kind = "never"
        grouped.setdefault((employee, location, kind, access.source.file, access.index, last), []).append(access)
    flags = []
    for (employee, location, kind, _file, _index, last), found in sorted(grouped.items(), key=_order):
        roles = tuple(sorted(a.role for a in found))
        since = last.date() if last is not None else found[0].grant.granted
        limit = min(dormancy_limit(repo, role) for role in roles)
        flags.append(LoginFlag(kind, employee, location, roles, last, (today - since).days, found[0], limit))
    return flags


def _order(item: tuple[tuple[str, str, str, str, int, dt.datetime | None], list[Access]]) -> tuple[object, ...]:
    (employee, location, kind, file, index, last), _found = item
    return (employee, location, kind, file, index, last or dt.datetime.min)
