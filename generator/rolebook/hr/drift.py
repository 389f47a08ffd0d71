"""Drift: what the live SIS grants against what the repository says.

The repository is the source of truth; the SIS is what actually lets people in. Accounts the SIS has
and the repository does not (orphans, and generic accounts such as "User 1" or "guest", which no
policy allows), and roles that differ, are drift to fix in one place or the other.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from rolebook.facts.catalog import find_role
from rolebook.facts.resolve import effective_access
from rolebook.infra import csvio
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus


@dataclass(frozen=True, order=True)
class SISAccount:
    user_name: str
    employee: str | None
    locations: tuple[str, ...]
    roles: tuple[str, ...]
    line: int


@dataclass(frozen=True, order=True)
class RoleDifference:
    employee: str
    location: str
    role: str


@dataclass
class Drift:
    orphans: list[SISAccount] = field(default_factory=list)
    generic: list[SISAccount] = field(default_factory=list)
    only_in_sis: list[RoleDifference] = field(default_factory=list)
    only_in_repo: list[RoleDifference] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.orphans or self.generic or self.only_in_sis or self.only_in_repo)


@dataclass(frozen=True)
class _Row:
    employee: str | None
    user_name: str
    location: str
    role: str
    line: int


def read_sis_export(path: Path, display: str | None = None) -> list[_Row]:
    table = csvio.read_csv(path, [
        # Generic accounts often have no employee number, so the cell may be empty; if given it must be valid.
        csvio.Column("employee_number", csvio.employee_number, required=False),
        csvio.Column("user_name"),
        csvio.Column("location_code", csvio.location_code),
        csvio.Column("role"),
    ], display=display)
    return [_Row(r["employee_number"], r["user_name"], r["location_code"], r["role"], line)
            for r, line in zip(table.rows, table.lines, strict=True)]


def is_generic(repo: Repository, user_name: str) -> bool:
    name = " ".join(user_name.split())
    return any(re.search(pattern, name, re.IGNORECASE) for pattern in repo.policy.generic_account_patterns)


def compare(repo: Repository, rows: list[_Row], today: dt.date) -> Drift:
    drift = Drift()
    accounts: dict[str, list[_Row]] = {}
    for row in rows:
        accounts.setdefault(row.employee or f"user:{row.user_name.lower()}", []).append(row)
    expected: set[tuple[str, str, str]] = set()
    holders: set[str] = set()
    for access in effective_access(repo):
        grant = access.grant
        if grant.status is GrantStatus.active and (grant.expires is None or grant.expires >= today):
            expected.add((access.employee, access.location, access.role))
            holders.add(access.employee)
    actual: set[tuple[str, str, str]] = set()
    for held in accounts.values():
        first = held[0]
        roles = tuple(sorted({_role_id(repo, r.role) for r in held}))
        account = SISAccount(first.user_name, first.employee, tuple(sorted({r.location for r in held})), roles,
                             first.line)
        if is_generic(repo, first.user_name):
            drift.generic.append(account)
        elif first.employee is None or first.employee not in holders:
            drift.orphans.append(account)
        else:
            actual.update((first.employee, r.location, _role_id(repo, r.role)) for r in held)
    in_sis = {r.employee for r in rows if r.employee}
    drift.only_in_sis = sorted(RoleDifference(*key) for key in actual - expected)
    drift.only_in_repo = sorted(RoleDifference(*key) for key in expected - actual
                                if key[0] not in {a.employee for a in drift.orphans} or key[0] in in_sis)
    drift.orphans.sort()
    drift.generic.sort()
    return drift


def _role_id(repo: Repository, text: str) -> str:
    role = find_role(repo, text)
    return role.id if role else text
