"""The district's schools from the spreadsheet it already keeps: code, name, level, enrollment, cluster.

Cells are read as text (a code such as 0045 keeps its zeros); every bad row is reported with its line,
and nothing is used from a file with a bad row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rolebook.adoption import AdoptionError
from rolebook.infra import csvio
from rolebook.model.files import SchoolLevel

LEVELS = {level.value: level.value for level in SchoolLevel}
LEVELS.update({"es": "elementary", "ms": "middle", "hs": "high", "primary": "elementary",
               "secondary": "high", "k-8": "span", "k-12": "span", "6-12": "span"})


@dataclass(frozen=True)
class SchoolRow:
    code: str
    name: str
    level: str
    enrollment: int
    cluster_name: str
    line: int


def _enrollment(text: str) -> int:
    cleaned = text.replace(",", "").replace(" ", "")
    if not cleaned.isdigit():
        raise csvio.CellError(f"'{text}' is not a number of students (write a whole number, e.g. 540)")
    return int(cleaned)


def _name(text: str) -> str:
    if len(text) > 200:
        raise csvio.CellError("is longer than 200 characters")
    return " ".join(text.split())


def cluster_id(name: str) -> str:
    """A cluster's id from its name: 'Local District North' -> 'local-district-north'."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:60] or "cluster"


def read_schools(path: Path) -> list[SchoolRow]:
    """Every school of the CSV; raises AdoptionError listing every bad row with file and line."""
    columns = [
        csvio.Column("code", csvio.location_code),
        csvio.Column("name", _name),
        csvio.Column("level", csvio.choice(LEVELS, "school level")),
        csvio.Column("enrollment", _enrollment),
        csvio.Column("cluster", _name),
    ]
    try:
        table = csvio.read_csv(path, columns, display=path.as_posix())
    except csvio.CsvRejected as rejected:
        raise AdoptionError(_report(rejected)) from None
    rows: list[SchoolRow] = []
    seen: dict[str, int] = {}
    problems: list[csvio.CsvProblem] = []
    for number, (row, line) in enumerate(zip(table.rows, table.lines, strict=True), start=1):
        code = row["code"]
        if code in seen:
            problems.append(csvio.CsvProblem(path.as_posix(), line, f"code: school {code} is listed twice "
                                             f"(first on line {seen[code]}); one row per school", number))
            continue
        seen[code] = line
        rows.append(SchoolRow(code, row["name"], row["level"], row["enrollment"], row["cluster"], line))
    if problems:
        raise AdoptionError(_report(csvio.CsvRejected(problems)))
    if not rows:
        raise AdoptionError(f"{path.as_posix()}: no schools: the file has a header and no rows")
    return rows


def _report(rejected: csvio.CsvRejected) -> str:
    lines = [problem.format() for problem in rejected.problems]
    lines.append("The schools CSV has the columns code, name, level (elementary, middle, high or span), "
                 "enrollment and cluster. Nothing was written: fix the rows above and run again.")
    return "\n".join(lines)
