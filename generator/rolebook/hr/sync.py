"""The joiner-mover-leaver loop: from the HR export to a staff directory update and access removals.

Removal of access is never automatic in the source documents, and that is the gap this closes: each
night the HR export is compared with the repository and one change is prepared for review, removing
the access of leavers (everywhere), of movers (at the school they left) and of contractors past their
end date. New hires still pending in HR stay without access. Nothing here merges anything.

A person an open removal PR already holds (its marker, `rolebook.facts.removal_marker`) is left to it:
at the locations that PR removes, and for their staff-directory entry. Only what remains (a grant at
another location, gained since) goes into tonight's change; whatever is still left once that PR is
merged or closed is picked up by the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from rolebook.facts.removal_marker import Holds
from rolebook.hr.mapping import OPTIONAL_COLUMNS, HRMapping
from rolebook.infra import csvio
from rolebook.infra.yamledit import GrantChange, GrantsDocument, dump, flow_list, load, quoted
from rolebook.loading import Repository
from rolebook.model.files import HRStatus, StaffMember
from rolebook.paths import STAFF_FILE

STAFF_HEADER = "yaml-language-server: $schema=../generator/schema/staff.schema.json"


@dataclass(frozen=True)
class HRRecord:
    employee: str
    last_name: str
    first_name: str
    staff_type: str
    position: str
    hr_status: str
    locations: tuple[str, ...]
    values: dict[str, Any]  # optional fields present in the export: git_username, contractor, sponsor, contract_end

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def read_hr_export(path: Path, mapping: HRMapping, display: str | None = None) -> list[HRRecord]:
    """Read the HR export; raises csvio.CsvRejected listing every bad row (a person is never dropped)."""
    shown = display or path.as_posix()
    columns = [
        csvio.Column("employee_number", csvio.employee_number),
        csvio.Column("last_name"),
        csvio.Column("first_name"),
        csvio.Column("staff_type", csvio.choice({k: v.value for k, v in mapping.staff_type.items()}, "staff type")),
        csvio.Column("position"),
        csvio.Column("hr_status", csvio.choice({k: v.value for k, v in mapping.hr_status.items()}, "HR status")),
        csvio.Column("location_codes", csvio.split_list(csvio.location_code, mapping.location_separator),
                     required=False),
        csvio.Column("git_username", csvio.git_username, required=False, optional_column=True),
        csvio.Column("contractor", csvio.boolean, required=False, optional_column=True),
        csvio.Column("sponsor", csvio.employee_number, required=False, optional_column=True),
        csvio.Column("contract_end", csvio.date_parser(mapping.date_format), required=False, optional_column=True),
    ]
    headers = {name: mapping.header(name) for name in [c.name for c in columns]}
    table = csvio.read_csv(path, columns, display=shown, headers=headers)
    records: list[HRRecord] = []
    first_line: dict[str, int] = {}
    problems = []
    for number, (row, line) in enumerate(zip(table.rows, table.lines, strict=True), start=1):
        employee = row["employee_number"]
        if employee in first_line:
            problems.append(csvio.CsvProblem(
                shown, line, f"employee {employee} is listed twice (first on line {first_line[employee]}); "
                "one row per person, with every location in location_codes", number))
            continue
        first_line[employee] = line
        records.append(HRRecord(
            employee=employee, last_name=row["last_name"], first_name=row["first_name"],
            staff_type=row["staff_type"], position=row["position"], hr_status=row["hr_status"],
            locations=tuple(row["location_codes"] or ()),
            values={name: row[name] for name in OPTIONAL_COLUMNS if name in table.present},
        ))
    if problems:
        raise csvio.CsvRejected(problems)
    return records


# ------------------------------------------------------------------ the plan


@dataclass
class Person:
    employee: str
    name: str
    removals: list[tuple[str, GrantChange]] = field(default_factory=list)  # (file, change)
    old_locations: tuple[str, ...] = ()
    new_locations: tuple[str, ...] = ()
    contract_end: dt.date | None = None
    note: str = ""
    held_in: dict[str, int] = field(default_factory=dict)  # location -> the open PR already removing it there
    removed_at: list[str] = field(default_factory=list)  # locations whose grants this change removes

    @property
    def left_locations(self) -> list[str]:
        return [code for code in self.old_locations if code not in self.new_locations]

    @property
    def joined_locations(self) -> list[str]:
        return [code for code in self.new_locations if code not in self.old_locations]

    @property
    def removed_files(self) -> list[str]:
        return sorted({file for file, _ in self.removals})


@dataclass(frozen=True)
class Reassigned:
    """A change of position (or staff type) for someone who keeps access where they work: a mover.

    Their staff-directory entry is left out of the nightly change and goes, with their grants put up
    for review, into a pull request of their own (`rolebook.hr.movers`)."""

    record: HRRecord
    old: StaffMember

    @property
    def employee(self) -> str:
        return self.record.employee


@dataclass
class SyncPlan:
    leavers: list[Person] = field(default_factory=list)
    movers: list[Person] = field(default_factory=list)
    pending: list[Person] = field(default_factory=list)
    expired_contractors: list[Person] = field(default_factory=list)
    added: list[Person] = field(default_factory=list)  # new in the staff directory
    updated: list[Person] = field(default_factory=list)  # details changed in the staff directory
    not_in_export: list[Person] = field(default_factory=list)
    reassigned: list[Reassigned] = field(default_factory=list)  # movers at the same school: their own PR
    in_other_prs: dict[str, int] = field(default_factory=dict)  # employee -> an open PR already holding them
    staff_changed: list[str] = field(default_factory=list)  # whose staff-directory entry this change writes
    files: dict[str, str] = field(default_factory=dict)  # repo-relative path -> new text

    @property
    def removing(self) -> list[Person]:
        return [*self.leavers, *self.movers, *self.expired_contractors]

    @property
    def handled_employees(self) -> list[str]:
        """Whose access this change removes."""
        return sorted({p.employee for p in self.removing if p.removals})

    @property
    def removed_locations(self) -> dict[str, set[str]]:
        """Employee -> the locations (grants files' codes) where this change removes access: the marker."""
        return {p.employee: set(p.removed_at) for p in self.removing if p.removed_at}

    @property
    def left_to_others(self) -> list[Person]:
        return [p for p in self.removing if p.held_in]

    @property
    def title(self) -> str:
        if any(p.removals for p in self.leavers):
            return "Remove access: separated staff"
        if any(p.removals for p in self.removing):
            return "Remove access: staff changes from HR"
        return "Update the staff directory from HR"


def plan_sync(repo: Repository, records: list[HRRecord], today: dt.date, holds: Holds | None = None) -> SyncPlan:
    """Everything one sync changes, leaving to the open removal PRs (`holds`) whom they already hold."""
    held = holds or Holds()
    plan = SyncPlan()
    staff_text = _staff_text(repo)
    staff_data = load(staff_text)
    if staff_data.get("staff") is None:
        staff_data["staff"] = CommentedSeq()
    entries: dict[str, CommentedMap] = {str(e.get("employee")): e for e in staff_data["staff"]}
    exported = {r.employee for r in records}
    for record in records:
        old = repo.staff.get(record.employee)
        entry = entries.get(record.employee)
        holder = held.pr_of(record.employee)
        if holder is not None:
            plan.in_other_prs[record.employee] = holder  # its entry is that PR's to change
        elif entry is None:
            staff_data["staff"].append(_new_entry(record, staff_data["staff"]))
            plan.added.append(Person(record.employee, record.name, new_locations=record.locations))
            plan.staff_changed.append(record.employee)
        elif old is not None and _reassigned(repo, record, old, today):
            plan.reassigned.append(Reassigned(record, old))  # the entry goes in the mover's own PR
        elif update_entry(entry, record):
            plan.updated.append(Person(record.employee, record.name))
            plan.staff_changed.append(record.employee)
        _classify(repo, plan, record, old, today)
    for employee, member in sorted(repo.staff.items()):
        if employee not in exported:
            plan.not_in_export.append(Person(employee, member.display_name, old_locations=tuple(member.locations)))
    new_staff = dump(staff_data, staff_text)
    if new_staff != staff_text:
        plan.files[STAFF_FILE] = new_staff
    _remove_access(repo, plan, held)
    removing = {p.employee for p in plan.removing}
    plan.in_other_prs = {e: n for e, n in plan.in_other_prs.items() if e in removing}
    return plan


def staff_text(repo: Repository) -> str:
    """The staff directory as it is on disk (the text the movers' changes edit too)."""
    return _staff_text(repo)


def _staff_text(repo: Repository) -> str:
    path = repo.root / STAFF_FILE
    if path.exists():
        return path.read_bytes().decode("utf-8")  # as it is: CRLF stays CRLF
    return f"# {STAFF_HEADER}\nstaff: []\n"


def _contract_ended(record: HRRecord, old: StaffMember | None, today: dt.date) -> dt.date | None:
    is_contractor = record.values.get("contractor", old.contractor if old else False)
    contract_end = record.values["contract_end"] if "contract_end" in record.values else (
        old.contract_end if old else None)
    return contract_end if is_contractor and contract_end is not None and contract_end < today else None


def _reassigned(repo: Repository, record: HRRecord, old: StaffMember, today: dt.date) -> bool:
    """A new position or staff type, still working, with grants where they stay: their grants are reviewed."""
    if record.hr_status not in {HRStatus.processed.value, HRStatus.on_leave.value}:
        return False
    if _contract_ended(record, old, today) is not None:
        return False
    if record.position.casefold() == old.position.casefold() and record.staff_type == old.staff_type.value:
        return False
    left = set(old.locations) - set(record.locations)
    return any(grant.employee == record.employee and rec.code not in left for rec, _, grant in repo.iter_grants())


def _classify(repo: Repository, plan: SyncPlan, record: HRRecord, old: StaffMember | None, today: dt.date) -> None:
    person = Person(record.employee, record.name, old_locations=tuple(old.locations) if old else (),
                    new_locations=record.locations)
    if record.hr_status == HRStatus.separated.value:
        plan.leavers.append(person)
        return
    if record.hr_status == HRStatus.pending.value:
        held = sorted({rec.file for rec, _, grant in repo.iter_grants() if grant.employee == record.employee})
        if held:
            person.note = f"already holds access in {', '.join(held)}, although HR has not processed the record"
        plan.pending.append(person)
    contract_end = _contract_ended(record, old, today)
    if contract_end is not None:
        person.contract_end = contract_end
        plan.expired_contractors.append(person)
        return
    if old is not None and person.left_locations:
        plan.movers.append(person)


def _remove_access(repo: Repository, plan: SyncPlan, held: Holds) -> None:
    edited: dict[str, GrantsDocument] = {}
    for person in plan.removing:
        if person in plan.movers:
            records = [rec for code, rec in repo.grants.items() if code in person.left_locations]
        else:
            records = list({rec.file: rec for rec, _, grant in repo.iter_grants()
                            if grant.employee == person.employee}.values())
        files: list[tuple[str, str]] = []
        for record in sorted(records, key=lambda r: r.file):
            holder = held.pr_at(person.employee, record.code)
            if holder is None:
                files.append((record.code, record.file))
            elif any(g.employee == person.employee for g in record.model.grants):
                person.held_in[record.code] = holder  # never removed twice: that PR does it
                plan.in_other_prs.setdefault(person.employee, holder)
        for code, file in files:
            doc = edited.get(file) or GrantsDocument(repo.root / file, file)
            changes = doc.edit(person.employee, remove=None)
            if changes:
                edited[file] = doc
                person.removals.extend((file, change) for change in changes)
                person.removed_at.append(code)
    plan.files.update({file: doc.text() for file, doc in edited.items()})


# ------------------------------------------------------------------ staff directory entries

_ORDER = ("employee", "last_name", "first_name", "staff_type", "position", "hr_status", "locations",
          "git_username", "contractor", "sponsor", "contract_end")


def _wanted(record: HRRecord) -> dict[str, Any]:
    values: dict[str, Any] = {
        "employee": record.employee, "last_name": record.last_name, "first_name": record.first_name,
        "staff_type": record.staff_type, "position": record.position, "hr_status": record.hr_status,
        "locations": list(record.locations),
    }
    for name in ("git_username", "contractor", "sponsor", "contract_end"):
        if name in record.values:
            values[name] = record.values[name]
    if values.get("git_username") is None:
        values.pop("git_username", None)  # a Git username HR does not know is kept from the directory
    return values


def _represent(name: str, value: Any) -> Any:
    if name in {"employee", "sponsor"} and value is not None:
        return quoted(value)
    if name == "locations":
        return flow_list(quoted(code) for code in value)
    return value


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):
        return [str(v) for v in (current or [])] == [str(v) for v in wanted]
    if isinstance(wanted, (bool, dt.date)) or wanted is None:
        return bool(current == wanted)
    return str(current) == str(wanted)


def update_entry(entry: CommentedMap, record: HRRecord) -> bool:
    """Bring one staff-directory entry in line with the HR record; True if anything changed."""
    changed = False
    for name, value in _wanted(record).items():
        if name in {"contractor", "sponsor", "contract_end"} and value in (None, False):
            if name in entry:
                del entry[name]
                changed = True
            continue
        if name in entry and _same(entry[name], value):
            continue
        if name not in entry:
            position = sum(1 for key in _ORDER[: _ORDER.index(name)] if key in entry)
            entry.insert(position, name, _represent(name, value))
        else:
            entry[name] = _represent(name, value)
        changed = True
    return changed


def _new_entry(record: HRRecord, siblings: CommentedSeq) -> CommentedMap:
    entry = CommentedMap()
    for name, value in _wanted(record).items():
        if name in {"contractor", "sponsor", "contract_end"} and value in (None, False):
            continue
        entry[name] = _represent(name, value)
    if siblings and getattr(siblings[0], "fa", None) is not None and siblings[0].fa.flow_style():
        entry.fa.set_flow_style()
    return entry
