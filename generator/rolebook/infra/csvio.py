"""Reading the CSV exports of other systems (HR, MIS logins, SIS user roles), strictly.

Every bad row is reported with its line number and the whole file is refused: a record is never
dropped silently, because a dropped leaver keeps their access. Cells are only ever read as text, so a
cell such as `=HYPERLINK(...)` or `@SUM(1)` stays the text it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EMPLOYEE_PATTERN = re.compile(r"^[0-9]{8}$")
LOCATION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
GIT_USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
MAX_CSV_BYTES = 256 * 1024 * 1024
_TRUE = {"true", "yes", "y", "1", "t", "x"}
_FALSE = {"false", "no", "n", "0", "f", ""}


class CellError(ValueError):
    """A cell that cannot be read; the message says what is wrong and how to fix it."""


@dataclass(frozen=True, slots=True)
class CsvProblem:
    file: str
    line: int
    message: str
    row: int | None = None  # 1-based data row (the header is not counted); None for file-level problems

    def format(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: row {self.row}: {self.message}" if self.row is not None else f"{where}: {self.message}"


class CsvRejected(Exception):
    """The file has bad rows; nothing from it may be used. Carries every problem, not just the first."""

    def __init__(self, problems: list[CsvProblem]):
        super().__init__(f"{len(problems)} problem(s) in the CSV file")
        self.problems = problems


Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Column:
    """One logical column: its name, how to read a cell, and whether a value is required."""

    name: str
    parse: Parser = str
    required: bool = True
    optional_column: bool = False  # the header itself may be absent


@dataclass
class CsvTable:
    file: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the file line each row starts on
    present: set[str] = field(default_factory=set)  # logical columns the header has


# ------------------------------------------------------------------ cell parsers


def employee_number(text: str) -> str:
    if not EMPLOYEE_PATTERN.match(text):
        hint = " (a spreadsheet may have dropped leading zeros: keep the column as text)" if text.isdigit() else ""
        raise CellError(f"'{text}' is not an 8-digit employee number{hint}")
    return text


def location_code(text: str) -> str:
    if not LOCATION_PATTERN.match(text):
        raise CellError(f"'{text}' is not a location code (letters, digits and dashes)")
    return text


def git_username(text: str) -> str:
    if not GIT_USERNAME_PATTERN.match(text):
        raise CellError(f"'{text}' is not a valid Git username")
    return text


def boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(f"'{text}' is not yes or no (use true/false, yes/no, y/n or 1/0)")


def date_parser(date_format: str = "%Y-%m-%d") -> Parser:
    def parse(text: str) -> dt.date:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            example = dt.date(2027, 6, 30).strftime(date_format)
            shown = date_format.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
            raise CellError(f"'{text}' is not a date in the form {shown} (e.g. {example})") from None
    return parse


iso_date = date_parser()


def iso_datetime(text: str) -> dt.datetime:
    """An ISO 8601 date and time; a zone-aware value is converted to UTC, a naive one kept as it is."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise CellError(f"'{text}' is not an ISO date and time (e.g. 2026-11-02T08:15:00Z)") from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def choice(values: Mapping[str, str], what: str) -> Parser:
    """A closed set of words, matched case-insensitively, mapped to our own words."""
    lowered = {key.strip().lower(): value for key, value in values.items()}

    def parse(text: str) -> str:
        found = lowered.get(text.strip().lower())
        if found is None:
            raise CellError(f"unknown {what} '{text}' (expected one of: {', '.join(sorted(values))})")
        return found
    return parse


def split_list(item: Parser, separator: str = ";") -> Parser:
    def parse(text: str) -> list[Any]:
        return [item(part.strip()) for part in text.split(separator) if part.strip()]
    return parse


# ------------------------------------------------------------------ reading


def read_csv(path: Path, columns: Iterable[Column], *, display: str | None = None,
             headers: Mapping[str, str] | None = None) -> CsvTable:
    """Read `path` into rows of {logical column name: parsed value}.

    `headers` maps a logical column name to the header the export uses (the HR mapping). Raises
    CsvRejected listing every bad row, with its line number, when anything is wrong.
    """
    shown = display or path.as_posix()
    columns = list(columns)
    headers = dict(headers or {})
    text = _read_text(path, shown)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[CsvProblem] = []
    table = CsvTable(file=shown)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CsvRejected([CsvProblem(shown, 1, f"the header cannot be read: {exc}")]) from None
    if not header or not any(cell.strip() for cell in header):
        raise CsvRejected([CsvProblem(shown, 1, "the file is empty: a header row is expected")])
    positions = _header_positions(header, columns, headers, shown)
    table.present = set(positions)
    line = reader.line_num + 1
    row_number = 0
    while True:
        start = line
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_number += 1
            problems.append(CsvProblem(shown, start, f"the row cannot be read: {exc}", row_number))
            break  # the reader cannot resynchronise after a broken quote
        line = reader.line_num + 1
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line is not a record
        row_number += 1
        if len(cells) != len(header):
            problems.append(CsvProblem(
                shown, start, f"{len(cells)} column(s), but the header has {len(header)} "
                "(check for a missing or extra comma, or an unquoted comma inside a value)", row_number))
            continue
        row, row_problems = _parse_row(cells, columns, positions)
        problems.extend(CsvProblem(shown, start, message, row_number) for message in row_problems)
        if not row_problems:
            table.rows.append(row)
            table.lines.append(start)
    if problems:
        raise CsvRejected(problems)
    return table


def _read_text(path: Path, shown: str) -> str:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise CsvRejected([CsvProblem(shown, 1, f"file is over {MAX_CSV_BYTES:,} bytes")])
        raw = path.read_bytes()
    except OSError as exc:
        raise CsvRejected([CsvProblem(shown, 1, f"cannot read file: {exc.strerror}")]) from None
    try:
        return raw.decode("utf-8-sig")  # Excel writes a byte-order mark at the start of "CSV UTF-8"
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvRejected([CsvProblem(shown, line, "the file is not UTF-8 text; export it as CSV UTF-8")]) from None


def _header_positions(header: list[str], columns: list[Column], headers: Mapping[str, str],
                      shown: str) -> dict[str, int]:
    found = {cell.strip().lower(): index for index, cell in enumerate(header)}
    positions: dict[str, int] = {}
    missing = []
    for column in columns:
        wanted = headers.get(column.name, column.name)
        index = found.get(wanted.strip().lower())
        if index is None:
            if not column.optional_column:
                missing.append(wanted)
            continue
        positions[column.name] = index
    if missing:
        raise CsvRejected([CsvProblem(
            shown, 1, f"missing column(s): {', '.join(missing)}; the header has: {', '.join(header)} "
            "(rename the columns, or map them in access/hr-mapping.yaml)")])
    return positions


def _parse_row(cells: list[str], columns: list[Column], positions: dict[str, int]) -> tuple[dict[str, Any], list[str]]:
    row: dict[str, Any] = {}
    problems: list[str] = []
    for column in columns:
        index = positions.get(column.name)
        raw = cells[index].strip() if index is not None else ""
        if not raw:
            if column.required:
                problems.append(f"{column.name}: a value is required")
            row[column.name] = None
            continue
        try:
            row[column.name] = column.parse(raw)
        except CellError as exc:
            problems.append(f"{column.name}: {exc}")
    return row, problems


def report(rejected: CsvRejected) -> str:
    """Every problem on its own line, then a count, for the terminal."""
    lines = [problem.format() for problem in rejected.problems]
    rows = len({p.row for p in rejected.problems if p.row is not None})
    lines.append(f"\n{len(rejected.problems)} problem(s) in {rows} row(s): nothing was imported. "
                 "Fix the rows above and run the command again.")
    return "\n".join(lines)
