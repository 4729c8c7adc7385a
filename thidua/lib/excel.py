"""Excel workbooks (.xlsx) read from uploads and written for download, with openpyxl.

Reading: an upload is untrusted. It must be a real .xlsx (a zip of XML parts), not too big once
unzipped, and formulas are reported as such (the workbook is opened with `data_only=False`, so a
formula cell keeps `data_type == "f"` and its text instead of a cached result we could not
verify).

Writing: openpyxl turns any text starting with "=" into a formula (`data_type = "f"`), and
Excel or LibreOffice may run text starting with "+", "-" or "@" as one when a user edits the
cell. `safe_cell_value` stores such text as a plain string cell with the "quote prefix" style
(what Excel does when you type an apostrophe first): the value itself is unchanged, so an
exported file reads back exactly, yet no spreadsheet will evaluate it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text a spreadsheet may take for a formula (OWASP "CSV injection"); tab and CR too.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A small upload can unzip to gigabytes (a "zip bomb"); refuse before openpyxl inflates it.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


class WorkbookError(ValueError):
    """The bytes are not a workbook we can read; the message is Vietnamese, for the user."""


def open_workbook(data: bytes, *, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES):
    """Open an uploaded .xlsx read-only, formulas kept as formulas. Raises `WorkbookError`."""
    if not data:
        raise WorkbookError("Tệp rỗng: không có dữ liệu nào.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError(
            "Tệp không phải là bảng tính Excel .xlsx (có thể là tệp .xls cũ, .csv hoặc tệp khác đã "
            "đổi tên). Hãy mở tệp bằng Excel và lưu lại dưới dạng “Excel Workbook (.xlsx)”."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookError("Tệp bị hỏng, không đọc được nội dung bảng tính.") from exc
    if unzipped > max_unzipped_bytes:
        raise WorkbookError("Tệp quá lớn khi giải nén; hãy chia thành nhiều tệp nhỏ hơn.")
    if "xl/workbook.xml" not in names:
        raise WorkbookError("Tệp nén không phải là bảng tính Excel .xlsx.")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, TypeError, …) on broken parts
        raise WorkbookError("Tệp bảng tính bị hỏng hoặc không đúng định dạng .xlsx.") from exc


def iter_rows(sheet) -> Iterator[tuple[int, tuple]]:
    """(row number, cells) for every row of a read-only sheet; wraps openpyxl's parse errors."""
    try:
        yield from enumerate(sheet.iter_rows(), start=1)
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError("Tệp bảng tính bị hỏng: không đọc được các dòng dữ liệu.") from exc


def is_formula(cell) -> bool:
    """A cell holding a formula: openpyxl's formula type, or text that starts with "="."""
    if cell is None:
        return False
    if getattr(cell, "data_type", None) == "f":
        return True
    value = cell.value
    return isinstance(value, str) and value.lstrip().startswith("=")


def is_error_value(cell) -> bool:
    """A cell holding an error value such as #REF! or #N/A."""
    return cell is not None and getattr(cell, "data_type", None) == "e"


def cell_text(cell) -> str:
    """The text of a cell as a user typed it: numbers without ".0", dates as dd/mm/yyyy."""
    value = None if cell is None else cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def safe_cell_value(cell: Cell, value: Any) -> Cell:
    """Put `value` into `cell` so that no spreadsheet runs it as a formula.

    Text starting with = + - @ (or a tab / carriage return) becomes a string cell with the
    quote-prefix style: shown and read back as exactly the same text, never evaluated.
    """
    if isinstance(value, (str, int, float, Decimal, date, datetime, time)) or value is None:
        cell.value = value
    else:
        cell.value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(sheet: Worksheet, values: Iterable[Any]) -> int:
    """Append one row of values through `safe_cell_value`; returns the row number."""
    cells = [safe_cell_value(Cell(sheet), value) for value in values]
    sheet.append(cells)
    return cells[0].row if cells else sheet.max_row


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF1EA")


def new_sheet(title: str, headers: list[str], widths: list[int] | None = None) -> tuple[Workbook, Worksheet]:
    """A workbook whose first sheet has a bold, frozen header row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for column, header in enumerate(headers, start=1):
        cell = safe_cell_value(sheet.cell(row=1, column=column), header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    return workbook, sheet


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
