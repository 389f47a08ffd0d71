"""`rolebook apply --export FILE`: for an SIS without an API, the change set as the SIS's own import file.

The change set runs from the last exported commit (recorded in the apply notes) to HEAD: the live
access (active, not expired, not separated: the same as SCIM provisioning) of each side, compared, one
row per role added or removed at a location. Each side is judged on its own day (the last export's day,
and today), so a grant that expired in between is a removal. The columns and the action words are the
policy's (`apply.export_columns`, `apply.export_actions`); every cell is protected against formula
injection as the audit report's downloads are. The run, with its commit range, is recorded like any other.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from rolebook.apply.evidence import head_commit, now, record
from rolebook.apply.plan import live_access
from rolebook.apply.revision import RevisionUnreadable, load_revision
from rolebook.facts.applied import EXPORT_TARGET, ApplyRun, last_applied, read_runs
from rolebook.facts.resolve import effective_access
from rolebook.loading import Repository
from rolebook.model.files import ExportField
from rolebook.output.site.exports import neutralise


@dataclass(frozen=True)
class ExportRow:
    action: str  # "add" or "remove"
    employee: str
    location: str
    role: str


@dataclass
class Export:
    base: str | None  # the last exported commit; None: everything is new
    commit: str
    rows: list[ExportRow]
    text: str  # the CSV


class ExportFailed(Exception):
    """The last exported revision cannot be read back."""


def change_set(root: Path, head: Repository, today: dt.date) -> Export:
    commit = head_commit(root)
    last = last_applied(root, EXPORT_TARGET, read_runs(root))
    before: set[tuple[str, str, str]] = set()
    base: Repository | None = None
    if last is not None:
        base = _revision(root, last.commit)
        day = dt.date.fromisoformat(last.finished[:10]) if last.finished else today
        before = {key for key, is_live in live_access(base, day).items() if is_live}
    after = {key for key, is_live in live_access(head, today).items() if is_live}
    rows = [ExportRow("remove", *key) for key in before - after] + [ExportRow("add", *key) for key in after - before]
    rows.sort(key=lambda r: (r.location, r.employee, r.action != "remove", r.role))
    return Export(last.commit if last else None, commit, rows, _csv(head, base, rows, commit))


def record_export(root: Path, export: Export, started: str) -> str | None:
    adds = sum(1 for r in export.rows if r.action == "add")
    run = ApplyRun(target=EXPORT_TARGET, commit=export.commit, base=export.base, started=started, finished=now(),
                   result="complete", counts={"add": adds, "remove": len(export.rows) - adds})
    return record(root, run)


def _csv(head: Repository, base: Repository | None, rows: list[ExportRow], commit: str) -> str:
    settings = head.policy.apply
    expires = _expiry(head, {(r.employee, r.location, r.role) for r in rows if r.action == "add"})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(column.header) for column in settings.export_columns])
    for row in rows:
        member = head.staff.get(row.employee) or (base.staff.get(row.employee) if base else None)
        role = head.roles.get(row.role) or (base.roles.get(row.role) if base else None)
        values: dict[ExportField, object] = {
            ExportField.action: settings.export_actions.get(row.action, row.action),  # type: ignore[call-overload]
            ExportField.employee: row.employee,
            ExportField.last_name: member.last_name if member else "",
            ExportField.first_name: member.first_name if member else "",
            ExportField.location: row.location,
            ExportField.location_name: head.location_name(row.location),
            ExportField.role: row.role,
            ExportField.role_name: role.name if role else row.role,
            ExportField.expires: expires.get((row.employee, row.location, row.role), ""),
            ExportField.commit: commit[:12],
        }
        writer.writerow([neutralise(values[column.field]) for column in settings.export_columns])
    return buffer.getvalue()


def _expiry(repo: Repository, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    if not keys:
        return {}
    people = {employee for employee, _, _ in keys}
    found: dict[tuple[str, str, str], str] = {}
    for access in effective_access(repo, employees=people):
        key = (access.employee, access.location, access.role)
        if key in keys and access.grant.expires is not None:
            found[key] = max(found.get(key, ""), access.grant.expires.isoformat())
    return found


def _revision(root: Path, commit: str) -> Repository:
    try:
        return load_revision(root, commit)
    except RevisionUnreadable as exc:
        raise ExportFailed(f"the last exported commit cannot be read back: {exc}") from None
