"""Per-location CSV and XLSX downloads of the Security Audit Report, safe to open in a spreadsheet.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by spreadsheets as a
formula (CSV injection): a staff name could then run a formula on the auditor's machine. Such cells get
a leading single quote, which spreadsheets show as text. The XLSX is written by xlsxwriter with every
cell a string and formula, URL and number conversion off.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME = "Security Audit Report"


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def neutralised(rows: Sequence[Sequence[object]]) -> list[list[str]]:
    # Millions of cells at district scale: a text that needs nothing is kept without a call.
    return [[cell if type(cell) is str and not cell.startswith(FORMULA_STARTS) else neutralise(cell)
             for cell in row] for row in rows]


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]], safe: bool = False) -> str:
    """The table as CSV; `safe` when the rows are already `neutralised`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows(rows if safe else neutralised(rows))
    return buffer.getvalue()


def xlsx_bytes(title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
               preamble: Sequence[tuple[str, str]] = (), safe: bool = False) -> bytes:
    """One sheet: the report's header lines, then the table. Every cell is written as a string.

    `safe` when the rows are already `neutralised`."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    sheet = workbook.add_worksheet(SHEET_NAME)
    bold = workbook.add_format({"bold": True})
    sheet.write_string(0, 0, neutralise(title), bold)
    row_index = 1
    for label, value in preamble:
        sheet.write_string(row_index, 0, neutralise(label), bold)
        sheet.write_string(row_index, 1, neutralise(value))
        row_index += 1
    row_index += 1
    for column, name in enumerate(header):
        sheet.write_string(row_index, column, neutralise(name), bold)
    first_data = row_index + 1
    for offset, row in enumerate(rows if safe else neutralised(rows)):
        for column, cell in enumerate(row):
            if cell:
                sheet.write_string(first_data + offset, column, cell)
    if header:
        sheet.autofilter(row_index, 0, row_index + len(rows), len(header) - 1)
        sheet.freeze_panes(first_data, 0)
        sheet.set_column(0, len(header) - 1, 16)
    workbook.close()
    return buffer.getvalue()


def write_exports(folder: Path, stem: str, title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                  preamble: Sequence[tuple[str, str]] = ()) -> None:
    """Plain writes: the site is built in a staging folder that replaces the old one whole."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = neutralised(rows)
    # With a byte-order mark: Excel on Windows reads a CSV without one in the system code page, and
    # garbles accented names.
    (folder / f"{stem}.csv").write_text(csv_text(header, safe, safe=True), encoding="utf-8-sig", newline="")
    (folder / f"{stem}.xlsx").write_bytes(xlsx_bytes(title, header, safe, preamble, safe=True))
