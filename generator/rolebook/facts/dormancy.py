"""Dormant and never-used access: who holds access at a location and has not logged in there.

An account nobody uses is a risk without a benefit. The login data is the stored MIS export
(`Repository.logins`, read by the loader); the limit is policy.dormant_after_days. The validator
(RB705, RB706) and `rolebook logins report` both flag with `login_flags`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from rolebook.facts.resolve import Access
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus


@dataclass(frozen=True)
class LoginFlag:
    kind: str  # "dormant" or "never"
    employee: str
    location: str
    roles: tuple[str, ...]
    last_login: dt.datetime | None
    days: int  # days since the last login, or since the access was granted
    access: Access  # one of the accesses concerned, for file and line


def login_flags(repo: Repository, accesses: Iterable[Access], logins: dict[tuple[str, str], dt.datetime],
                today: dt.date) -> list[LoginFlag]:
    """Dormant and never-used access, one flag per person and location, for active, unexpired grants."""
    limit = repo.policy.dormant_after_days
    grouped: dict[tuple[str, str], list[Access]] = {}
    for access in accesses:
        grant = access.grant
        if grant.status is not GrantStatus.active or (grant.expires is not None and grant.expires < today):
            continue
        grouped.setdefault((access.employee, access.location), []).append(access)
    flags = []
    for (employee, location), held in sorted(grouped.items()):
        roles = tuple(sorted({a.role for a in held}))
        last = logins.get((employee, location))
        if last is not None:
            idle = (today - last.date()).days
            if idle > limit:
                flags.append(LoginFlag("dormant", employee, location, roles, last, idle, held[0]))
            continue
        since = (today - min(a.grant.granted for a in held)).days
        if since > limit:  # a new grant gets time to be used before it is called unused
            flags.append(LoginFlag("never", employee, location, roles, None, since, held[0]))
    return flags
