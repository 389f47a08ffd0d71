"""The MIS login export: when each person last used their access at each location.

`rolebook logins import` reads the export (`read_export`, roles by name or id) and stores it normalised
at access/logins.csv (`normalise`: one row per person, location and role; times in UTC when the export
gave a zone).

The MIS's Last Login is per user role ("the last time the user successfully logged in with that user
role", 000), so the export's `role` column is what lets a role nobody uses be told from a person who
uses another one. An export without that column (one last login per person and location, the older
form) is still read: its rows are stored with the role `*` (`facts.dormancy.ANY_ROLE`), and every role
held there is then judged by that one date. Reading the stored file back is the loader's (`rolebook.loading.records`, on
`Repository.logins`); flagging dormant and never-used access is a fact (`rolebook.facts.dormancy`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

from rolebook.facts.catalog import find_role
from rolebook.facts.dormancy import ANY_ROLE
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
        # Absent: the per-person form. Present, every row names its role (checked below, as the
        # reader cannot require a value only when the column is there).
        csvio.Column("role", role_id, required=False, optional_column=True),
        csvio.Column("last_login", csvio.iso_datetime, required=False),
    ], display=display)
    if "role" not in table.present:
        return [LoginRecord(r["employee_number"], r["location_code"], ANY_ROLE, r["last_login"]) for r in table.rows]
    empty = [csvio.CsvProblem(table.file, line, "role: a value is required (the role this last login was "
                              "made with; leave the column out if the export has no roles)", number)
             for number, (line, row) in enumerate(zip(table.lines, table.rows, strict=True), start=1)
             if row["role"] is None]
    if empty:
        raise csvio.CsvRejected(empty)
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
