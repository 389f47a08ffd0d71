"""Read the HR export's separations: a CSV with an employee number and a status per row.

Cells are data, never formulas: a cell like `=HYPERLINK(...)` is just an unknown value and its row is
rejected by number. Every malformed row is reported before anything is changed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from rolebook.requests import RequestError

NUMBER_HEADERS = {"employee_number", "employee number", "employee", "employee no", "employee_no"}
STATUS_HEADERS = {"hr_status", "status", "hr status"}
SEPARATED = {"separated", "retired", "terminated", "resigned", "deceased"}
NOT_SEPARATED = {"processed", "active", "pending", "on-leave", "on leave", "leave", "leave of absence"}
MAX_REPORTED = 20


@dataclass(frozen=True, slots=True)
class HRRow:
    row: int
    employee: str
    separated: bool


def _header_index(header: list[str], names: set[str]) -> int | None:
    for index, cell in enumerate(header):
        if cell.strip().lstrip("\ufeff").strip().lower() in names:
            return index
    return None


def _shown(cell: str) -> str:
    # repr() shows a formula-looking or control-character cell as inert quoted text.
    return repr(cell[:40])


def read_hr_export(path: Path) -> list[HRRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RequestError(f"{path}: cannot read the HR export: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise RequestError(f"{path}: the HR export is not UTF-8 text (save it as CSV UTF-8)") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise RequestError(f"{path}: the HR export is empty")
    number_at, status_at = _header_index(header, NUMBER_HEADERS), _header_index(header, STATUS_HEADERS)
    if number_at is None or status_at is None:
        raise RequestError(f"{path}:1: the header needs the columns employee_number and hr_status "
                           f"(or 'Employee Number' and 'Status'); found: {', '.join(map(_shown, header))}")
    rows: list[HRRow] = []
    problems: list[str] = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"{path}:{line}: expected {len(header)} columns, found {len(cells)}")
            continue
        number, status = cells[number_at].strip(), cells[status_at].strip().lower()
        if not re.fullmatch(r"[0-9]{8}", number):
            problems.append(f"{path}:{line}: employee number {_shown(number)} is not 8 digits "
                            "(a spreadsheet may have dropped a leading zero)")
            continue
        if status not in SEPARATED and status not in NOT_SEPARATED:
            problems.append(f"{path}:{line}: unknown status {_shown(cells[status_at])}; expected one of "
                            f"{', '.join(sorted(SEPARATED | NOT_SEPARATED))}")
            continue
        rows.append(HRRow(line, number, status in SEPARATED))
    if problems:
        more = f"\n... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        raise RequestError("the HR export has malformed rows; nothing was changed:\n"
                           + "\n".join(problems[:MAX_REPORTED]) + more)
    return rows
