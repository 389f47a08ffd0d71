"""The MIS login export: when each person last used their access at each location.

`rolebook logins import` stores it normalised at access/logins.csv (one row per person, location and
role; times in UTC when the export gave a zone). An account nobody uses is a risk without a benefit,
so people with access who have not logged in for policy.dormant_after_days, or never, are flagged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rolebook.facts.catalog import find_role
from rolebook.facts.resolve import Access
from rolebook.infra import csvio
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus

LOGINS_FILE = "access/logins.csv"
HEADER = ["employee_number", "location_code", "role", "last_login"]


@dataclass(frozen=True, order=True)
class LoginRecord:
    employee: str
    location: str
    role: str
    last_login: dt.datetime | None


def read_export(path: Path, repo: Repository, display: str | None = None) -> list[LoginRecord]:
    """Read the MIS export; raises csvio.CsvRejected listing every bad row."""

    def role_id(text: str) -> str:
        role = find_role(repo, text)
        if role is None:
            raise csvio.CellError(f"unknown role '{text}' (use a role id or name from `rolebook roles`)")
        return role.id

    table = csvio.read_csv(path, [
        csvio.Column("employee_number", csvio.employee_number),
        csvio.Column("location_code", csvio.location_code),
        csvio.Column("role", role_id),
        csvio.Column("last_login", csvio.iso_datetime, required=False),
    ], display=display)
    return [LoginRecord(r["employee_number"], r["location_code"], r["role"], r["last_login"]) for r in table.rows]


def normalise(records: Iterable[LoginRecord]) -> str:
    """One row per (person, location, role), the latest login kept, sorted: a stable, diffable file."""
    latest: dict[tuple[str, str, str], dt.datetime | None] = {}
    for record in records:
        key = (record.employee, record.location, record.role)
        previous = latest.get(key)
        if key not in latest or (record.last_login is not None and (previous is None or record.last_login > previous)):
            latest[key] = record.last_login
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for (employee, location, role), when in sorted(latest.items()):
        writer.writerow([employee, location, role, when.isoformat(timespec="seconds") if when else ""])
    return out.getvalue()


def read_stored(repo_root: Path) -> list[LoginRecord]:
    path = Path(repo_root) / LOGINS_FILE
    if not path.exists():
        return []
    table = csvio.read_csv(path, [
        csvio.Column("employee_number", csvio.employee_number),
        csvio.Column("location_code", csvio.location_code),
        csvio.Column("role"),
        csvio.Column("last_login", csvio.iso_datetime, required=False),
    ], display=LOGINS_FILE)
    return [LoginRecord(r["employee_number"], r["location_code"], r["role"], r["last_login"]) for r in table.rows]


def load_logins(repo_root: Path | str) -> dict[tuple[str, str], dt.datetime]:
    """{(employee, location): last login} from access/logins.csv; {} when there is no login data.

    A person who never logged in at a location has no entry. Raises csvio.CsvRejected if the stored
    file was edited into a bad state.
    """
    found: dict[tuple[str, str], dt.datetime] = {}
    for record in read_stored(Path(repo_root)):
        if record.last_login is None:
            continue
        key = (record.employee, record.location)
        if key not in found or record.last_login > found[key]:
            found[key] = record.last_login
    return found


def has_login_data(repo_root: Path | str) -> bool:
    return (Path(repo_root) / LOGINS_FILE).exists()


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
