"""Per-location CSV and XLSX downloads of the Security Audit Report, safe to open in a spreadsheet.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by spreadsheets as a
formula (CSV injection): a staff name could then run a formula on the auditor's machine. Such cells get
a leading single quote, which spreadsheets show as text.

The XLSX is written here, not by a spreadsheet library: at a thousand schools a library's workbook per
school (about 20 ms each) was most of the site's render. An .xlsx is a zip of a few XML parts; every cell
is a shared string (never a formula, a number or a URL). The table's cells and strings come first, the
few lines that change with every build (title, commit, build time) last, so a build reuses the compressed
sheet and table strings of a location whose rows did not change (`SheetPart`, kept by the site build)
and only compresses its own few lines. The zip entries carry a fixed date: the same rows give the same
bytes, build after build.
"""

from __future__ import annotations

import csv
import io
import operator
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME = "Security Audit Report"
COLUMN_WIDTH = "16.7109375"  # 16 characters, as Excel stores it
DEFLATE_LEVEL = 6  # zip's usual level: a tenth of the XML's size


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


def csv_bytes(header: Sequence[str], safe_rows: Sequence[Sequence[str]]) -> bytes:
    """The download's bytes: with a byte-order mark, as Excel on Windows reads a CSV without one in the
    system code page and garbles accented names."""
    return csv_text(header, safe_rows, safe=True).encode("utf-8-sig")


# ---------------------------------------------------------------------------------------------- XML text
_NEEDS_WORK = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]|_x[0-9A-Fa-f]{4}_|^\s|\s$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _xml_text(text: str) -> str:
    """A <t> element holding `text` as Excel reads it back: XML-escaped; a character XML cannot hold as
    `_xHHHH_`, and a text that already looks like that escaped itself (`_x005F_`), as the format says."""
    if not _NEEDS_WORK.search(text):
        return f"<t>{text}</t>"
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<t{space}>{text}</t>"


class _Strings(dict[str, str]):
    """text -> a shared-string cell after its `<c r="B12"`, numbering each new text in the table of
    shared strings (`texts`): most values recur from row to row, and are stored once. An empty text is an
    empty cell: each row writes every cell, so a row is joined without a test per cell."""

    def __init__(self) -> None:
        super().__init__({"": "/>"})
        self.texts: list[str] = []

    def __missing__(self, text: str) -> str:
        self[text] = cell = f' t="s"><v>{len(self.texts)}</v></c>'
        self.texts.append(text)
        return cell


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


# ---------------------------------------------------------------------------------------------- parts
@dataclass(frozen=True)
class Deflated:
    """A zip entry's data, deflated, with its CRC-32 and size."""

    data: bytes
    crc: int
    size: int


@dataclass(frozen=True)
class SheetPart:
    """What a workbook keeps from one build to the next while its rows stay the same: the sheet's XML
    and the table's shared strings (all but the title and preamble, which are numbered after them), both
    deflated. The strings end with a sync flush, a deflate stream that is not yet final: the build's own
    strings are compressed after it and the two are one stream (a zip entry's CRC-32 goes on from the
    first part's)."""

    sheet: Deflated
    strings: Deflated  # `<sst ...>` and the table's `<si>`s, not final
    count: int  # shared strings in the table part
    filter_range: str  # "$A$10:$U$57", the autofilter's cells, or "" without a header

    def to_bytes(self) -> bytes:
        sheet, strings = self.sheet, self.strings
        line = f"{sheet.crc} {sheet.size} {len(sheet.data)} {strings.crc} {strings.size} {self.count} "
        return (line + self.filter_range + "\n").encode() + sheet.data + strings.data

    @classmethod
    def from_bytes(cls, stored: bytes) -> SheetPart:
        line, _, data = stored.partition(b"\n")
        fields = line.decode().split(" ")
        sheet_crc, sheet_size, sheet_length, strings_crc, strings_size, count = map(int, fields[:6])
        return cls(Deflated(data[:sheet_length], sheet_crc, sheet_size),
                   Deflated(data[sheet_length:], strings_crc, strings_size), count, fields[6])


def sheet_part(header: Sequence[str], safe_rows: Sequence[Sequence[str]], preamble_lines: int) -> SheetPart:
    """The sheet: the title and `preamble_lines` label/value lines (they change with every build: their
    shared strings come after the table's), an empty line, the header, the table."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
           'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
           'officeDocument/2006/relationships">']
    header_row = preamble_lines + 3  # 1-based: title, preamble, an empty line
    last_row = header_row + len(safe_rows)
    width = max([len(header), *(len(row) for row in safe_rows)], default=0)
    columns = [_column(i) for i in range(max(width, 1))]
    strings = _Strings()
    cell = strings.__getitem__
    table = []
    if header:
        table.append(f'<row r="{header_row}">' + "".join(
            f'<c r="{columns[i]}{header_row}" s="1"{cell(neutralise(name))}' for i, name in enumerate(header))
            + "</row>")
    for number, row in enumerate(safe_rows, start=header_row + 1):
        references = [f'<c r="{column}{number}"' for column in columns[:len(row)]]
        table.append(f'<row r="{number}">{"".join(map(operator.add, references, map(cell, row)))}</row>')
    own = len(strings.texts)  # the title is string `own`, each preamble line's label and value follow
    out.append(f'<dimension ref="A1:{columns[-1]}{last_row if header else preamble_lines + 1}"/>')
    if header:
        out.append(f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="{header_row}" '
                   f'topLeftCell="A{header_row + 1}" activePane="bottomLeft" state="frozen"/>'
                   f'<selection pane="bottomLeft"/></sheetView></sheetViews>')
    else:
        out.append('<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>')
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if header:
        out.append(f'<cols><col min="1" max="{len(header)}" width="{COLUMN_WIDTH}" customWidth="1"/></cols>')
    out.append(f'<sheetData><row r="1"><c r="A1" s="1" t="s"><v>{own}</v></c></row>')
    for line in range(preamble_lines):
        r = line + 2
        out.append(f'<row r="{r}"><c r="A{r}" s="1" t="s"><v>{own + 2 * line + 1}</v></c>'
                   f'<c r="B{r}" t="s"><v>{own + 2 * line + 2}</v></c></row>')
    out.extend(table)
    out.append("</sheetData>")
    filter_range = ""
    if header:
        last_column = columns[len(header) - 1]
        out.append(f'<autoFilter ref="A{header_row}:{last_column}{last_row}"/>')
        filter_range = f"$A${header_row}:${last_column}${last_row}"
    out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
               "</worksheet>")
    total = own + 1 + 2 * preamble_lines
    shared = (f'{_XML}<sst xmlns="{_MAIN}" count="{total}" uniqueCount="{total}">'
              + "".join([f"<si>{_xml_text(text)}</si>" for text in strings.texts])).encode("utf-8")
    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    return SheetPart(_deflated("".join(out).encode("utf-8")),
                     Deflated(compressor.compress(shared) + compressor.flush(zlib.Z_SYNC_FLUSH),
                              zlib.crc32(shared), len(shared)), own, filter_range)


def xlsx_from_sheet(title: str, preamble: Sequence[tuple[str, str]], sheet: SheetPart) -> bytes:
    """The workbook: the fixed parts, the shared strings (the table's, then this build's title and
    preamble), the sheet."""
    strings = [neutralise(title)]
    for label, value in preamble:
        strings += [neutralise(label), neutralise(value)]
    own = ("".join(f"<si>{_xml_text(s)}</si>" for s in strings) + "</sst>").encode("utf-8")
    kept = sheet.strings
    shared = Deflated(kept.data + _deflate(own), zlib.crc32(own, kept.crc), kept.size + len(own))
    names = (f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
             f"'{SHEET_NAME}'!{sheet.filter_range}</definedName></definedNames>" if sheet.filter_range else "")
    workbook = (f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
                f'<sheets><sheet name="{SHEET_NAME}" sheetId="1" r:id="rId1"/></sheets>{names}</workbook>')
    zip_file = _Zip()
    for name, text in ((_CONTENT_TYPES_NAME, _CONTENT_TYPES), ("_rels/.rels", _PACKAGE_RELS),
                       ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                       ("xl/styles.xml", _STYLES)):
        zip_file.add(name, _deflated(text.encode("utf-8")))
    zip_file.add("xl/sharedStrings.xml", shared)
    zip_file.add("xl/worksheets/sheet1.xml", sheet.sheet)
    return zip_file.close()


def xlsx_bytes(title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
               preamble: Sequence[tuple[str, str]] = (), safe: bool = False) -> bytes:
    """One sheet: the report's header lines, then the table. Every cell is written as a string.

    `safe` when the rows are already `neutralised`."""
    safe_rows = rows if safe else neutralised(rows)
    return xlsx_from_sheet(title, preamble, sheet_part(header, safe_rows, len(preamble)))  # type: ignore[arg-type]


def write_exports(folder: Path, stem: str, title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                  preamble: Sequence[tuple[str, str]] = ()) -> None:
    """Plain writes: the site is built in a staging folder that replaces the old one whole."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = neutralised(rows)
    (folder / f"{stem}.csv").write_bytes(csv_bytes(header, safe))
    (folder / f"{stem}.xlsx").write_bytes(xlsx_bytes(title, header, safe, preamble, safe=True))


# ---------------------------------------------------------------------------------------------- the zip
def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _deflated(data: bytes) -> Deflated:
    return Deflated(_deflate(data), zlib.crc32(data), len(data))


class _Zip:
    """A zip archive of deflated entries, all dated 1980-01-01 00:00 (zip's first date): reproducible."""

    DATE, TIME = (0 << 9) | (1 << 5) | 1, 0

    def __init__(self) -> None:
        self.body = bytearray()
        self.directory = bytearray()
        self.count = 0

    def add(self, name: str, part: Deflated) -> None:
        encoded = name.encode("utf-8")
        offset = len(self.body)
        fields = (20, 0, 8, self.TIME, self.DATE, part.crc, len(part.data), part.size, len(encoded))
        self.body += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + encoded + part.data
        self.directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0,
                                      offset) + encoded
        self.count += 1

    def close(self) -> bytes:
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, self.count, self.count, len(self.directory),
                          len(self.body), 0)
        return bytes(self.body + self.directory + end)


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES_NAME = "[Content_Types].xml"
_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OFFICE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.styles+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_OFFICE}.sharedStrings+xml"/></Types>')
_PACKAGE_RELS = (f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                 f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}"><fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
