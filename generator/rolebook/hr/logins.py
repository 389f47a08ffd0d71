"""The MIS login export: when each person last used their access at each location.

`rolebook logins import` reads the export (`read_export`, roles by name or id) and stores it normalised
at access/logins.csv (`normalise`: one row per person, location and role; times in UTC when the export
gave a zone). Reading the stored file back is the loader's (`rolebook.loading.records`, on
`Repository.logins`); flagging dormant and never-used access is a fact (`rolebook.facts.dormancy`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

from rolebook.facts.catalog import find_role
from rolebook.infra import csvio
from rolebook.loading import Repository
from rolebook.loading.records import LOGINS_HEADER, LoginRecord


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
    writer.writerow(LOGINS_HEADER)
    for (employee, location, role), when in sorted(latest.items()):
        writer.writerow([employee, location, role, when.isoformat(timespec="seconds") if when else ""])
    return out.getvalue()
