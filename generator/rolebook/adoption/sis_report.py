"""The SIS's Security Audit Report, as exported: CSV or XLSX, one per school or one for the district.

The report's columns are the district's (000: Location Code, Employee Number, School Name, User Role(s),
Last Name, First Name, Last Login Date, Staff Type, Status). Every cell is read as text: an employee
number keeps its leading zeros in a CSV, and a formula-looking cell is only ever the text it is. A row
that cannot be read is reported with its file and line, never silently dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rolebook.adoption import AdoptionError

# Our field -> the headers the report may use for it (compared case-insensitively, spaces collapsed).
HEADERS: dict[str, tuple[str, ...]] = {
    "location": ("location code", "location", "school code"),
    "employee": ("employee number", "staff number", "employee no", "employee"),
    "school_name": ("school name",),
    "roles": ("user role(s)", "user role (s)", "user roles", "user role", "user role name", "role"),
    "last_name": ("last name",),
    "first_name": ("first name",),
    "last_login": ("last login date", "last login"),
    "staff_type": ("staff type",),
    "status": ("status",),
}
REQUIRED = {"location": "Location Code", "employee": "Employee Number", "roles": "User Role(s)"}
ROLE_SEPARATORS = re.compile(r"[;|\n]")
MAX_ROWS = 2_000_000


@dataclass(frozen=True)
class ReportRow:
    file: str
    line: int
    location: str
    employee: str
    roles: tuple[str, ...]
    last_name: str
    first_name: str
    staff_type: str
    active: bool
    last_login: dt.datetime | None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class ReportRead:
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file:line: what is wrong", rows left out


def _normal(header: str) -> str:
    return " ".join(str(header).replace("\ufeff", "").split()).lower()


def _text(value: object) -> str:
    """A cell as text: an XLSX number without '.0', a date as YYYY-MM-DD, everything else as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()


def _cells(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every row of a CSV or XLSX file, header first."""
    shown = path.as_posix()
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_cells(path)
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise AdoptionError(f"{shown}: cannot read the report: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise AdoptionError(f"{shown}: the report is not UTF-8 text; export it as CSV UTF-8 or XLSX") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    try:
        for cells in reader:
            yield line, [cell.strip() for cell in cells]
            line = reader.line_num + 1
    except csv.Error as exc:
        raise AdoptionError(f"{shown}:{line}: the row cannot be read ({exc}); nothing was imported") from None


def _xlsx_cells(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise AdoptionError(f"{path.as_posix()}: reading XLSX needs openpyxl: pip install openpyxl") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise AdoptionError(f"{path.as_posix()}: not a readable XLSX workbook ({exc}); export the report "
                            "again as Excel or CSV") from None
    try:
        sheet = book.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_text(value) for value in values]
    finally:
        book.close()


def _positions(header: list[str], shown: str) -> dict[str, int]:
    found = {_normal(cell): index for index, cell in enumerate(header)}
    positions: dict[str, int] = {}
    for name, names in HEADERS.items():
        for candidate in names:
            if candidate in found:
                positions[name] = found[candidate]
                break
    missing = [shown_name for name, shown_name in REQUIRED.items() if name not in positions]
    if missing:
        raise AdoptionError(f"{shown}:1: the report has no column {', '.join(repr(m) for m in missing)}; "
                            f"its header is: {', '.join(h for h in header if h)}. The Security Audit Report's "
                            "columns are Location Code, Employee Number, School Name, User Role(s), Last Name, "
                            "First Name, Last Login Date, Staff Type, Status")
    return positions


def parse_login(text: str) -> dt.datetime | None:
    """The report's Last Login Date: ISO, or MM/DD/YYYY with an optional time; '' or 'Never' is none."""
    if not text or text.lower() in {"never", "n/a", "-"}:
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S",
                    "%m/%d/%Y %H:%M", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"last login date '{text}' is not a date (YYYY-MM-DD or MM/DD/YYYY)") from None


def read_report(path: Path, read: ReportRead) -> None:
    """Add the rows of one report to `read`; rows that cannot be imported go to `read.problems`."""
    shown = path.as_posix()
    rows = _cells(path)
    first = next(rows, None)
    if first is None or not any(first[1]):
        raise AdoptionError(f"{shown}: the report is empty: a header row is expected")
    header = first[1]
    positions = _positions(header, shown)
    for count, (line, cells) in enumerate(rows):
        if count >= MAX_ROWS:
            raise AdoptionError(f"{shown}: more than {MAX_ROWS:,} rows: split the report")
        if not any(cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        value = {name: cells[index] for name, index in positions.items()}
        problem, row = _row(shown, line, value)
        if problem:
            read.problems.append(f"{shown}:{line}: {problem}")
        elif row is not None:
            read.rows.append(row)


def _row(shown: str, line: int, value: dict[str, str]) -> tuple[str | None, ReportRow | None]:
    employee, location = value["employee"].strip(), value["location"].strip()
    if not re.fullmatch(r"[0-9]{8}", employee):
        hint = " (a spreadsheet may have dropped leading zeros: keep the column as text)" if employee.isdigit() else ""
        return f"employee number '{employee[:40]}' is not 8 digits{hint}", None
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}", location):
        return f"location code '{location[:40]}' is not a location code", None
    roles = tuple(dict.fromkeys(" ".join(p.split()) for p in ROLE_SEPARATORS.split(value["roles"]) if p.strip()))
    if not roles:
        return "no user role", None
    status = value.get("status", "active").strip().lower() or "active"
    if status not in {"active", "inactive"}:
        return f"status '{value['status'][:40]}' is neither Active nor Inactive", None
    try:
        last_login = parse_login(value.get("last_login", "").strip())
    except ValueError as exc:
        return str(exc), None
    return None, ReportRow(shown, line, location, employee, roles, value.get("last_name", ""),
                           value.get("first_name", ""), value.get("staff_type", ""), status == "active", last_login)
