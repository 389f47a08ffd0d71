"""Small helpers the rule families share: people's words for people, roles and places."""

from __future__ import annotations

import datetime as dt

from rolebook.loading import Repository
from rolebook.model.files import Grant, GrantStatus, Role


def is_live(grant: Grant, today: dt.date) -> bool:
    """A grant that gives access today: status active and not past its expiry (000: 'Active')."""
    return grant.status is GrantStatus.active and (grant.expires is None or grant.expires >= today)


def person(repo: Repository, employee: str) -> str:
    """'Carl Chen (10000003)', or the bare number for someone the directory does not know."""
    member = repo.staff.get(employee)
    return f"{member.display_name} ({employee})" if member else f"employee {employee}"


def role_name(repo: Repository, role_id: str) -> str:
    role = repo.roles.get(role_id)
    return role.name if role else role_id


def place(repo: Repository, code: str) -> str:
    """A school or office by its name; the code too when the name does not show it."""
    name = repo.location_name(code)
    return name if name != code else f"location {code}"


def quota_words(role: Role) -> str:
    return role.quota.text


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
