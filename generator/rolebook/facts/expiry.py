"""Grants about to expire (and, re-exported from `facts.dormancy`, dormant accounts).

For the dashboard and the nightly job's summary. Everything here only reads a loaded repository;
overdue reviews are `facts.review_status`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rolebook.facts.dormancy import LoginFlag, login_flags
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus

__all__ = ["ExpiringGrant", "LoginFlag", "expiring_grants", "login_flags"]


@dataclass(frozen=True)
class ExpiringGrant:
    employee: str
    name: str | None
    location: str
    roles: tuple[str, ...]
    scope: str  # "direct", "cluster ID", "all-schools"
    expires: dt.date
    days_left: int
    file: str
    line: int


def expiring_grants(repo: Repository, today: dt.date, days: int | None = None) -> list[ExpiringGrant]:
    """Active grants that expire from today to `days` ahead (default policy.expiry_notice_days), soonest first."""
    window = repo.policy.expiry_notice_days if days is None else days
    found = []
    for record, index, grant in repo.iter_grants():
        if grant.expires is None or grant.status is not GrantStatus.active:
            continue
        left = (grant.expires - today).days
        if 0 <= left <= window:
            member = repo.staff.get(grant.employee)
            scope = grant.scope_kind if grant.scope_kind != "cluster" else f"cluster {grant.scope.cluster}"  # type: ignore[union-attr]
            found.append(ExpiringGrant(
                employee=grant.employee, name=member.display_name if member else None, location=record.code,
                roles=tuple(grant.roles), scope="direct" if scope == "location" else scope,
                expires=grant.expires, days_left=left, file=record.file, line=record.line_of(index),
            ))
    found.sort(key=lambda g: (g.expires, g.location, g.employee))
    return found
