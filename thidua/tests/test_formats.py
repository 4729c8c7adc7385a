"""Formats: Django's locale formats for Vietnamese, and Excel cells that never run as formulas."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django import forms
from django.utils import formats, translation
from openpyxl import Workbook, load_workbook

from thidua.lib.excel import (
    WorkbookError,
    append_row,
    cell_text,
    is_formula,
    new_sheet,
    open_workbook,
    safe_cell_value,
    workbook_bytes,
)
from thidua.lib.forms import DateField

# --- Django formats ------------------------------------------------------------------------------


def test_vietnamese_date_input_formats_are_day_first():
    with translation.override("vi"):
        input_formats = formats.get_format("DATE_INPUT_FORMATS")
        assert input_formats[0] == "%d/%m/%Y"
        assert "%m/%d/%Y" not in input_formats
        assert formats.get_format("DATE_FORMAT") == "d/m/Y"
        assert formats.get_format("DECIMAL_SEPARATOR") == ","


def test_plain_django_date_field_reads_day_first_under_vietnamese():
    with translation.override("vi"):
        assert forms.DateField().clean("05/06/2025") == date(2025, 6, 5)


def test_project_date_field_reads_day_first_in_any_language():
    with translation.override("en"):
        assert DateField().clean("05/06/2025") == date(2025, 6, 5)


def test_date_template_filter_shows_dd_mm_yyyy():
    from django.template import Context, Template

    with translation.override("vi"):
        rendered = Template('{{ day|date:"d/m/Y" }} {{ day }}').render(Context({"day": date(2025, 6, 5)}))
    assert rendered == "05/06/2025 05/06/2025"


# --- Excel: what openpyxl does, and what safe_cell_value does about it -------------------------------------


def saved(workbook: Workbook) -> tuple[str, Workbook]:
    content = workbook_bytes(workbook)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return xml, load_workbook(io.BytesIO(content), data_only=False)


def test_openpyxl_turns_text_starting_with_equals_into_a_formula():
    workbook = Workbook()
    workbook.active["A1"] = '=HYPERLINK("http://evil","x")'
    assert workbook.active["A1"].data_type == "f"
    xml, _ = saved(workbook)
    assert "<f>HYPERLINK" in xml


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "=1+1"]
)
def test_safe_cell_value_stores_formula_like_text_as_quoted_text(text):
    workbook = Workbook()
    cell = safe_cell_value(workbook.active["A1"], text)
    assert cell.data_type == "s" and cell.quotePrefix is True
    xml, reloaded = saved(workbook)
    assert "<f>" not in xml
    assert 't="inlineStr"' in xml
    back = reloaded.active["A1"]
    assert (back.value, back.data_type, back.quotePrefix) == (text, "s", True)


@pytest.mark.parametrize("value", ["Quân khu 1", "QK1", 12, 9.5, None, date(2025, 6, 5)])
def test_safe_cell_value_leaves_ordinary_values_alone(value):
    workbook = Workbook()
    cell = safe_cell_value(workbook.active["A1"], value)
    assert cell.value == value
    assert cell.quotePrefix is False


def test_append_row_and_new_sheet_write_safe_rows():
    workbook, sheet = new_sheet("Đơn vị", ["Mã", "Tên"], [10, 30])
    assert append_row(sheet, ["A1", "=1+1"]) == 2
    assert append_row(sheet, ["A2", "Bình thường"]) == 3
    xml, reloaded = saved(workbook)
    assert "<f>" not in xml
    rows = [[c.value for c in row] for row in reloaded.active.iter_rows()]
    assert rows == [["Mã", "Tên"], ["A1", "=1+1"], ["A2", "Bình thường"]]
    assert reloaded.active.freeze_panes == "A2"


def test_reading_flags_formulas_whether_stored_as_formula_or_text():
    workbook = Workbook()
    workbook.active["A1"] = "=1+1"
    safe_cell_value(workbook.active["A2"], "=1+1")
    workbook.active["A3"] = "1+1"
    readonly = open_workbook(workbook_bytes(workbook))
    cells = [row[0] for row in readonly.worksheets[0].iter_rows()]
    assert [c.data_type for c in cells] == ["f", "s", "s"]
    assert [is_formula(c) for c in cells] == [True, True, False]


def test_cell_text_reads_numbers_and_dates_as_typed():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([12.0, 9.5, date(2025, 6, 5), True, None, " QK1 "])
    row = next(open_workbook(workbook_bytes(workbook)).worksheets[0].iter_rows())
    assert [cell_text(c) for c in row] == ["12", "9.5", "05/06/2025", "TRUE", "", " QK1 "]


def test_open_workbook_refuses_zip_bombs():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (2 * 1024 * 1024))
    with pytest.raises(WorkbookError, match="quá lớn khi giải nén"):
        open_workbook(buffer.getvalue(), max_unzipped_bytes=1024 * 1024)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Tệp rỗng"),
        (b"not a zip", "không phải là bảng tính Excel"),
        (b"PK\x03\x04broken", "không phải là bảng tính Excel"),
    ],
)
def test_open_workbook_refuses_non_workbooks(data, message):
    with pytest.raises(WorkbookError, match=message):
        open_workbook(data)
