"""Downloads of a school's audit report: CSV and XLSX, safe to open in a spreadsheet.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by spreadsheets as a
formula (CSV injection): a staff name could then run a formula on the auditor's machine. Such cells get
a leading single quote, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

from rolebook.fileio import write_atomic

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def xlsx_bytes(title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
               preamble: Sequence[tuple[str, str]] = ()) -> bytes:
    """One sheet: the report's header lines, then the table. Every cell is written as a string."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    sheet = workbook.add_worksheet("Security Audit Report")
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
    for offset, row in enumerate(rows):
        for column, cell in enumerate(row):
            sheet.write_string(first_data + offset, column, neutralise(cell))
    if header:
        sheet.autofilter(row_index, 0, row_index + len(rows), len(header) - 1)
        sheet.freeze_panes(first_data, 0)
        sheet.set_column(0, len(header) - 1, 16)
    workbook.close()
    return buffer.getvalue()


def write_exports(folder: Path, stem: str, title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                  preamble: Sequence[tuple[str, str]] = ()) -> None:
    write_atomic(folder / f"{stem}.csv", csv_text(header, rows))
    write_atomic(folder / f"{stem}.xlsx", xlsx_bytes(title, header, rows, preamble))
