"""A round's final scores to and from Excel: the template, the import, the export.

The template's sheet “Bảng điểm” has one row per criterion (groups and headings shown, only
leaves scored) and one column per member unit: row 1 holds the unit codes, row 2 their names,
columns A–D the criterion's code, title, kind and maximum. A hidden sheet “_meta” names the
round, so that a workbook of another round is refused as a whole.

The import runs in two steps, like the units import (blocs.services.unit_import):

1. `score_import_plan(scoring_round=…, data=…)` reads the workbook and compares every cell with
   the final scores stored: a change (old → new), unchanged, or invalid with its reason and
   its cell reference ("F7"). It writes nothing and records the version of every final card,
   so that the confirmation can tell whether someone saved in between.
2. `score_import_apply(…)` plans again and writes the changes through `final_grid_save` with
   the versions captured at the preview: a card saved since then stops the whole import
   (ScoreConflict names who and when), and so does any other difference from the plan that was
   confirmed (its `fingerprint`).

An empty cell means “no change”, never “delete”: a unit that fills in only its own column, or
an older copy of the template, cannot wipe scores. Clearing a score is done in the grid.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from scoring.models import CriterionKind, Scorecard, ScorecardKind, ScorecardState, ScoringRound
from scoring.selectors.criteria import Layout
from scoring.selectors.grid import CardTotal, Grid, card_total, grid_for_round
from scoring.selectors.self_assessment import Row, criteria_rows
from scoring.services.scorecards import SaveResult, check_points, final_grid_save
from thidua.lib.excel import (
    HEADER_FILL,
    HEADER_FONT,
    WorkbookError,
    append_row,
    cell_text,
    is_error_value,
    is_formula,
    open_workbook,
    safe_cell_value,
    workbook_bytes,
)
from thidua.lib.numbers import NumberFormatError, format_decimal, parse_decimal
from thidua.lib.text import fold

SHEET = "Bảng điểm"
META_SHEET = "_meta"
GUIDE_SHEET = "Hướng dẫn"
HEADER_ROWS = 2  # row 1: unit codes; row 2: unit names; criteria from row 3
FIRST_UNIT_COLUMN = 5  # E
MAX_ROWS = 1_000
MAX_COLUMNS = 300
TWO_PLACES = Decimal("0.01")


class Header:
    CODE = "Mã tiêu chí"
    TITLE = "Nội dung tiêu chí"
    KIND = "Loại"
    MAX = "Điểm tối đa"


FIXED_HEADERS = (Header.CODE, Header.TITLE, Header.KIND, Header.MAX)
_FIXED_FOLDED = {fold(text) for text in FIXED_HEADERS}
KIND_LABELS = {
    CriterionKind.STANDARD: "Điểm chuẩn",
    CriterionKind.BONUS: "Điểm thưởng",
    CriterionKind.PENALTY: "Điểm trừ (nhập số dương)",
    CriterionKind.VETO: "Phủ quyết (0 hoặc 1)",
}
GROUP_FILL = PatternFill("solid", fgColor="DDE5D6")
HEADING_FILL = PatternFill("solid", fgColor="F1F4EE")
TOTAL_FILL = PatternFill("solid", fgColor="FFF4CC")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is Vietnamese, for the user."""


class ImportRefused(ValueError):
    """Writing was refused (invalid cells, nothing to write, or the plan changed); nothing written."""


# --- What the round holds ---------------------------------------------------------------------


@dataclass(frozen=True)
class MemberUnit:
    pk: int
    code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.code} – {self.name}"


def _units(grid: Grid) -> list[MemberUnit]:
    return [MemberUnit(c.unit.pk, c.unit.code.upper(), c.unit.name) for c in grid.columns]


# --- Writing workbooks ------------------------------------------------------------------------


def _max_text(row: Row) -> Decimal | str | None:
    if row.kind == "group":
        cap = row.group.max_points
        if row.group.kind in (CriterionKind.BONUS, CriterionKind.PENALTY) and cap is not None:
            return f"tối đa {format_decimal(cap)}"
        return cap
    if row.node.kind == CriterionKind.VETO:
        return "0 hoặc 1" if row.is_leaf else None
    return row.node.max_points if row.is_leaf else None


def _write_grid(
    sheet,
    *,
    layout: Layout,
    units: list[MemberUnit],
    values: dict[int, dict[int, Decimal]],
    validations: bool,
) -> dict[int, int]:
    """Write header rows and one row per criterion; return the sheet row of every leaf."""
    safe_cell_value(sheet.cell(row=1, column=1), Header.CODE)
    safe_cell_value(sheet.cell(row=1, column=2), Header.TITLE)
    safe_cell_value(sheet.cell(row=1, column=3), Header.KIND)
    safe_cell_value(sheet.cell(row=1, column=4), Header.MAX)
    safe_cell_value(sheet.cell(row=2, column=2), "Dòng 1: mã đơn vị · dòng 2: tên đơn vị →")
    for offset, unit in enumerate(units):
        column = FIRST_UNIT_COLUMN + offset
        safe_cell_value(sheet.cell(row=1, column=column), unit.code)
        safe_cell_value(sheet.cell(row=2, column=column), unit.name)
        sheet.column_dimensions[get_column_letter(column)].width = 16
    for row_number in (1, 2):
        for column in range(1, FIRST_UNIT_COLUMN + len(units)):
            cell = sheet.cell(row=row_number, column=column)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = CENTER if column >= FIRST_UNIT_COLUMN else WRAP
    sheet.row_dimensions[2].height = 48
    for letter, width in zip("ABCD", (11, 60, 20, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=FIRST_UNIT_COLUMN).coordinate

    last_column = get_column_letter(FIRST_UNIT_COLUMN + max(len(units), 1) - 1)
    leaf_rows: dict[int, int] = {}
    validation_by_rule: dict[tuple, DataValidation] = {}
    for number, row in enumerate(criteria_rows(layout), start=HEADER_ROWS + 1):
        code_cell = safe_cell_value(sheet.cell(row=number, column=1), row.node.code)
        code_cell.number_format = "@"  # keep "1.10" as typed, not as the number 1.1
        title = ("    " * max(row.depth - 1, 0)) + row.node.title
        safe_cell_value(sheet.cell(row=number, column=2), title).alignment = WRAP
        kind = "Nhóm" if row.kind == "group" else KIND_LABELS[row.node.kind]
        safe_cell_value(sheet.cell(row=number, column=3), kind if row.kind != "heading" else "")
        safe_cell_value(sheet.cell(row=number, column=4), _max_text(row))
        if row.kind != "leaf":
            fill = GROUP_FILL if row.kind == "group" else HEADING_FILL
            for column in range(1, FIRST_UNIT_COLUMN + len(units)):
                cell = sheet.cell(row=number, column=column)
                cell.fill = fill
                if row.kind == "group":
                    cell.font = HEADER_FONT
            continue
        leaf_rows[row.node.pk] = number
        for offset, unit in enumerate(units):
            value = values.get(unit.pk, {}).get(row.node.pk)
            safe_cell_value(sheet.cell(row=number, column=FIRST_UNIT_COLUMN + offset), value)
        if validations and units:
            rule = _validation_rule(row)
            validation = validation_by_rule.get(rule)
            if validation is None:
                validation = _validation(row)
                validation_by_rule[rule] = validation
                sheet.add_data_validation(validation)
            validation.add(f"{get_column_letter(FIRST_UNIT_COLUMN)}{number}:{last_column}{number}")
    return leaf_rows


def _validation_rule(row: Row) -> tuple:
    if row.node.kind == CriterionKind.VETO:
        return ("veto",)
    return ("decimal", str(row.node.max_points))


def _validation(row: Row) -> DataValidation:
    """Excel's own check while typing; the import checks again, whatever the file says."""
    if row.node.kind == CriterionKind.VETO:
        return DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2="1",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Tiêu chí phủ quyết",
            error="Chỉ nhập 0 (không vi phạm) hoặc 1 (có vi phạm).",
        )
    maximum = format(row.node.max_points.normalize(), "f")
    return DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2=maximum,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Điểm không hợp lệ",
        error=f"Nhập một số từ 0 đến {format_decimal(row.node.max_points)}.",
    )


def _write_meta(workbook: Workbook, scoring_round: ScoringRound, layout: Layout, units: list[MemberUnit]):
    meta = workbook.create_sheet(META_SHEET)
    append_row(meta, ["round", scoring_round.pk])
    append_row(meta, ["criteria_set", scoring_round.criteria_set_id])
    append_row(meta, ["generated_at", timezone.now().isoformat(timespec="seconds")])
    append_row(meta, ["units", *[unit.code for unit in units]])
    append_row(meta, ["criteria", *[leaf.code for leaf in layout.leaves]])
    meta.sheet_state = "hidden"


GUIDE_LINES = (
    "Trang “Bảng điểm”: mỗi cột từ cột E là một đơn vị (dòng 1 là mã, dòng 2 là tên), mỗi dòng là một tiêu chí.",
    "Chỉ nhập điểm vào các ô của tiêu chí (các dòng tô màu là nhóm tiêu chí, không nhập).",
    "Nhập số, có thể dùng dấu phẩy thập phân (ví dụ 9,5); tối đa 2 chữ số sau dấu phẩy; không vượt điểm tối đa ở cột D.",
    "Điểm trừ nhập số dương (ví dụ 2 nghĩa là trừ 2 điểm). Tiêu chí phủ quyết nhập 0 (không vi phạm) hoặc 1 (có vi phạm).",
    "Ô để trống nghĩa là giữ nguyên điểm đang có; muốn xóa điểm, hãy xóa trên bảng nhập điểm của hệ thống.",
    "Không dùng công thức; không đổi mã tiêu chí ở cột A và mã đơn vị ở dòng 1; không đổi tên trang “Bảng điểm”.",
    "Khi tải lên, hệ thống chỉ ra từng ô sẽ thay đổi và từng ô lỗi; chưa có gì được ghi cho tới khi cán bộ thi đua xác nhận.",
)


@transaction.atomic
def score_template(*, scoring_round: ScoringRound, actor, request: HttpRequest | None = None) -> bytes:
    """The round's entry workbook with the final scores stored now."""
    grid = grid_for_round(scoring_round=scoring_round)
    layout, units = grid.layout, _units(grid)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    _write_grid(
        sheet,
        layout=layout,
        units=units,
        values={unit.pk: grid.values_of(unit.pk) for unit in units},
        validations=True,
    )
    guide = workbook.create_sheet(GUIDE_SHEET)
    append_row(guide, [f"Bảng điểm {scoring_round}"])
    guide["A1"].font = HEADER_FONT
    for line in GUIDE_LINES:
        append_row(guide, [line])
    guide.column_dimensions["A"].width = 120
    _write_meta(workbook, scoring_round, layout, units)
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        summary=f"Tải tệp mẫu nhập điểm {scoring_round}",
        actor=actor,
        request=request,
        data={"round": scoring_round.pk},
    )
    return workbook_bytes(workbook)


def _summary_rows(sheet, start: int, units: list[MemberUnit], totals: dict[int, CardTotal | None]) -> int:
    lines = (
        ("Điểm chuẩn", lambda t: t.standard),
        ("Điểm thưởng (tính, theo mức tối đa của nhóm)", lambda t: t.bonus),
        ("Điểm trừ (tính, theo mức tối đa của nhóm)", lambda t: t.penalty),
        ("Tổng điểm", lambda t: t.total),
        ("Phủ quyết", lambda t: "Vi phạm" if t.vetoed else "Không"),
    )
    for offset, (label, value_of) in enumerate(lines):
        number = start + offset
        safe_cell_value(sheet.cell(row=number, column=2), label)
        for column in range(1, FIRST_UNIT_COLUMN + len(units)):
            cell = sheet.cell(row=number, column=column)
            cell.fill = TOTAL_FILL
            cell.font = HEADER_FONT
        for index, unit in enumerate(units):
            unit_totals = totals.get(unit.pk)
            if unit_totals is not None:
                safe_cell_value(
                    sheet.cell(row=number, column=FIRST_UNIT_COLUMN + index), value_of(unit_totals)
                )
    return start + len(lines)


RULE_TEXT = (
    "Tổng điểm = điểm chuẩn + điểm thưởng (mỗi nhóm thưởng tính tối đa bằng điểm tối đa của nhóm) "
    "− điểm trừ (mỗi nhóm trừ tính tối đa bằng điểm tối đa của nhóm). Đơn vị vi phạm tiêu chí phủ quyết "
    "vẫn được xếp hạng nhưng không được suy tôn dẫn đầu, không được đề nghị tặng cờ."
)


@transaction.atomic
def score_export(*, scoring_round: ScoringRound, actor, request: HttpRequest | None = None) -> bytes:
    """The round's final and self scores with each unit's total (DESIGN.md §5 rule 1)."""
    grid = grid_for_round(scoring_round=scoring_round)
    layout, units = grid.layout, _units(grid)
    values = {
        kind: {unit.pk: grid.values_of(unit.pk, kind=kind) for unit in units}
        for kind in (ScorecardKind.FINAL, ScorecardKind.SELF)
    }
    # A unit with no score on a card has no total yet (shown empty, not 0).
    totals = {
        kind: {
            unit.pk: card_total(layout, values[kind][unit.pk]) if values[kind][unit.pk] else None
            for unit in units
        }
        for kind in values
    }
    self_cards = {column.unit.pk: column.self_card for column in grid.columns}

    workbook = Workbook()
    summary = workbook.active
    summary.title = "Tổng hợp"
    headers = [
        "STT",
        "Mã đơn vị",
        "Tên đơn vị",
        "Điểm chuẩn",
        "Điểm thưởng (tính)",
        "Điểm trừ (tính)",
        "Tổng điểm",
        "Phủ quyết",
        "Tổng điểm tự chấm",
        "Phiếu tự chấm",
    ]
    append_row(summary, [f"Kết quả chấm điểm {scoring_round}"])
    summary["A1"].font = Font(bold=True, size=13)
    append_row(
        summary,
        [
            f"Xuất lúc {timezone.localtime():%H:%M %d/%m/%Y}; trạng thái đợt: {scoring_round.get_state_display()}."
        ],
    )
    append_row(summary, headers)
    for cell in summary[3]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = CENTER
    for index, unit in enumerate(units, start=1):
        final = totals[ScorecardKind.FINAL][unit.pk]
        own = totals[ScorecardKind.SELF][unit.pk]
        self_card = self_cards[unit.pk]
        append_row(
            summary,
            [
                index,
                unit.code,
                unit.name,
                final.standard if final else None,
                final.bonus if final else None,
                final.penalty if final else None,
                final.total if final else None,
                ("Vi phạm" if final.vetoed else "Không") if final else "Chưa chấm",
                own.total if own else None,
                _self_state(self_card),
            ],
        )
    note_row = summary.max_row + 2
    safe_cell_value(summary.cell(row=note_row, column=1), RULE_TEXT)
    summary.cell(row=note_row, column=1).alignment = WRAP
    summary.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=len(headers))
    summary.row_dimensions[note_row].height = 45
    for letter, width in zip("ABCDEFGHIJ", (6, 14, 40, 12, 14, 12, 12, 12, 14, 22), strict=True):
        summary.column_dimensions[letter].width = width
    summary.freeze_panes = "D4"

    for title, kind in (("Điểm chốt", ScorecardKind.FINAL), ("Điểm tự chấm", ScorecardKind.SELF)):
        sheet = workbook.create_sheet(title)
        leaf_rows = _write_grid(sheet, layout=layout, units=units, values=values[kind], validations=False)
        end = _summary_rows(sheet, max([*leaf_rows.values(), HEADER_ROWS]) + 2, units, totals[kind])
        if kind == ScorecardKind.SELF:
            safe_cell_value(sheet.cell(row=end, column=2), "Phiếu tự chấm")
            for index, unit in enumerate(units):
                safe_cell_value(
                    sheet.cell(row=end, column=FIRST_UNIT_COLUMN + index),
                    _self_state(self_cards[unit.pk]),
                ).alignment = CENTER
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        summary=f"Xuất điểm {scoring_round} ra Excel",
        actor=actor,
        request=request,
        data={"round": scoring_round.pk, "units": len(units)},
    )
    return workbook_bytes(workbook)


def _self_state(card: Scorecard | None) -> str:
    if card is None:
        return "Chưa có"
    if card.state == ScorecardState.SUBMITTED and card.submitted_at:
        return f"Đã gửi {timezone.localtime(card.submitted_at):%d/%m/%Y}"
    return card.get_state_display()


# --- Reading an upload -------------------------------------------------------------------------


@dataclass(frozen=True)
class CellChange:
    ref: str
    row: int
    column: int
    unit: MemberUnit
    criterion_id: int
    criterion_code: str
    criterion_title: str
    old: Decimal | None
    new: Decimal


@dataclass(frozen=True)
class CellProblem:
    ref: str
    row: int
    column: int
    unit: str  # the unit as the file names it, or ""
    criterion: str  # the criterion code as the file names it, or ""
    reason: str


@dataclass
class ScoreImportPlan:
    round_id: int
    changes: list[CellChange] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    unchanged: int = 0
    units: list[MemberUnit] = field(default_factory=list)
    criteria: int = 0
    base_versions: dict[int, int] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.problems)

    @property
    def entries(self) -> dict[tuple[int, int], Decimal | None]:
        return {(change.unit.pk, change.criterion_id): change.new for change in self.changes}

    @property
    def changed_units(self) -> int:
        return len({change.unit.pk for change in self.changes})

    @property
    def fingerprint(self) -> str:
        """A hash of what confirming would write and refuse: same fingerprint, same writes."""
        payload = {
            "round": self.round_id,
            "changes": [
                [c.unit.pk, c.criterion_id, None if c.old is None else str(c.old), str(c.new)]
                for c in self.changes
            ],
            "problems": [[p.ref, p.reason] for p in self.problems],
        }
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _ref(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _iter_rows(sheet):
    """Rows of a read-only sheet, bounded: a cell placed far away cannot make the server walk a
    million empty rows."""
    try:
        yield from enumerate(sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1), start=1)
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError("Tệp bảng tính bị hỏng: không đọc được các dòng dữ liệu.") from exc


def _is_blank(cell) -> bool:
    return cell is None or cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


def normalise_points(value: Decimal) -> Decimal:
    """ "9,500" is 9.5: trailing zeros past the second decimal are not a third decimal."""
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        try:
            rounded = value.quantize(TWO_PLACES)
        except InvalidOperation:  # too many digits to round: the rules refuse it
            return value
        if rounded == value:
            return rounded
    return value


def _read_value(cell) -> tuple[Decimal | None, str | None]:
    """The number a cell holds, or the reason it holds none."""
    if _is_blank(cell):
        return None, None
    if is_formula(cell):
        return None, "Ô chứa công thức; hãy thay bằng giá trị (Dán đặc biệt → Chỉ giá trị)."
    if is_error_value(cell):
        return None, f"Ô chứa giá trị lỗi {cell_text(cell)}, không phải là số."
    value = cell.value
    if isinstance(value, bool):
        return None, f"“{cell_text(cell)}” không phải là số."
    if isinstance(value, (datetime, date, time)):
        return None, "Ô chứa ngày tháng, không phải là số điểm (kiểm tra định dạng ô)."
    try:
        number = parse_decimal(value if isinstance(value, (int, float, Decimal, str)) else str(value))
    except NumberFormatError:
        return None, f"“{str(value).strip()[:30]}” không phải là số (ví dụ hợp lệ: 9,5)."
    return (None if number is None else normalise_points(number)), None


def _meta_round(workbook) -> str | None:
    if META_SHEET not in workbook.sheetnames:
        return None
    for _number, cells in _iter_rows(workbook[META_SHEET]):
        if cells and cell_text(cells[0]).strip() == "round":
            return cell_text(cells[1]).strip() if len(cells) > 1 else ""
        break
    return None


def _data_sheet(workbook):
    if SHEET in workbook.sheetnames:
        return workbook[SHEET]
    for name in workbook.sheetnames:
        if name not in (META_SHEET, GUIDE_SHEET):
            return workbook[name]
    raise ImportFileError(f"Tệp không có trang “{SHEET}”. Hãy dùng tệp mẫu của đợt chấm.")


def score_import_plan(*, scoring_round: ScoringRound, data: bytes) -> ScoreImportPlan:
    """Read an uploaded workbook and say, cell by cell, what importing it would do. Writes
    nothing. Raises ImportFileError when the file as a whole cannot be used. The queries of
    `grid_for_round` (four), whatever the size of the file."""
    try:
        workbook = open_workbook(data)
    except WorkbookError as exc:
        raise ImportFileError(str(exc)) from exc
    try:
        meta_round = _meta_round(workbook)
        if meta_round is not None and meta_round != str(scoring_round.pk):
            raise ImportFileError(
                "Tệp là bảng điểm của một đợt chấm khác; hãy tải tệp mẫu của đợt chấm này rồi nhập lại."
            )
        rows = list(_iter_rows(_data_sheet(workbook)))
    except WorkbookError as exc:
        raise ImportFileError(str(exc)) from exc
    finally:
        workbook.close()
    if not rows:
        raise ImportFileError(f"Trang “{SHEET}” trống: không có dòng tiêu đề và dữ liệu.")
    if len(rows) > MAX_ROWS and any(not _is_blank(cell) for cell in rows[MAX_ROWS][1]):
        raise ImportFileError(f"Trang “{SHEET}” có quá {MAX_ROWS} dòng; đây không phải là tệp mẫu bảng điểm.")
    return _plan(scoring_round, rows)


def _plan(scoring_round: ScoringRound, rows: list[tuple[int, tuple]]) -> ScoreImportPlan:
    header = rows[0][1]
    code_column = next(
        (index for index, cell in enumerate(header) if fold(cell_text(cell)) == fold(Header.CODE)), None
    )
    if code_column is None:
        raise ImportFileError(
            f"Dòng 1 của trang “{SHEET}” phải có cột “{Header.CODE}”; hãy dùng tệp mẫu của đợt chấm."
        )
    if len(header) > MAX_COLUMNS and not _is_blank(header[MAX_COLUMNS]):
        raise ImportFileError(
            f"Trang “{SHEET}” có quá {MAX_COLUMNS} cột; đây không phải là tệp mẫu bảng điểm."
        )

    grid = grid_for_round(scoring_round=scoring_round)
    layout = grid.layout
    leaves = {leaf.code: leaf for leaf in layout.leaves}
    not_scored = {group.node.code for group in layout.groups}
    not_scored |= {node.code for group in layout.groups for node in group.headings.values()}
    by_code = {unit.code: unit for unit in _units(grid)}
    stored = grid.final
    plan = ScoreImportPlan(round_id=scoring_round.pk, criteria=len(leaves), base_versions=grid.versions)

    def problem(row: int, column: int, reason: str, unit: str = "", criterion: str = "") -> None:
        plan.problems.append(CellProblem(_ref(row, column + 1), row, column + 1, unit, criterion, reason))

    fixed_columns = {index for index, cell in enumerate(header) if fold(cell_text(cell)) in _FIXED_FOLDED}
    # Columns: which unit each one is.
    unit_columns: dict[int, MemberUnit | None] = {}
    seen_units: dict[str, int] = {}
    for index, cell in enumerate(header[:MAX_COLUMNS]):
        if index <= code_column or index in fixed_columns:
            continue
        text = cell_text(cell).strip()
        if is_formula(cell):
            problem(1, index, "Ô tiêu đề chứa công thức; hãy ghi mã đơn vị.")
            unit_columns[index] = None
            continue
        if not text:
            continue
        code = text.upper()
        unit = by_code.get(code)
        if unit is None:
            problem(
                1,
                index,
                f"Mã đơn vị “{text[:40]}” không phải là đơn vị của khối/cụm trong đợt chấm này; "
                "các ô của cột này bị bỏ qua.",
                unit=text[:40],
            )
            unit_columns[index] = None
        elif code in seen_units:
            problem(
                1,
                index,
                f"Đơn vị {code} đã có ở cột {get_column_letter(seen_units[code] + 1)}; "
                "mỗi đơn vị chỉ một cột.",
                unit=unit.label,
            )
            unit_columns[index] = None
        else:
            seen_units[code] = index
            unit_columns[index] = unit
    plan.units = [unit for unit in unit_columns.values() if unit is not None]
    if not plan.units and not plan.problems:
        raise ImportFileError(
            f"Dòng 1 của trang “{SHEET}” không có mã đơn vị nào (từ cột E); hãy dùng tệp mẫu của đợt chấm."
        )

    seen_criteria: dict[str, int] = {}
    for number, cells in rows[1:MAX_ROWS]:
        code_cell = cells[code_column] if code_column < len(cells) else None
        code = "" if is_formula(code_cell) else cell_text(code_cell).strip()
        filled = [
            (index, cells[index])
            for index in range(code_column + 1, min(len(cells), MAX_COLUMNS))
            if not _is_blank(cells[index]) and index not in fixed_columns
        ]
        if is_formula(code_cell):
            problem(number, code_column, "Ô mã tiêu chí chứa công thức; hãy ghi mã tiêu chí.")
            continue
        if not code:
            if number <= HEADER_ROWS:
                continue  # the unit names
            for index, _cell in filled:
                problem(number, index, "Dòng không có mã tiêu chí ở cột A; ô này bị bỏ qua.")
            continue
        if code in not_scored:
            for index, _cell in filled:
                column_unit = unit_columns.get(index)
                problem(
                    number,
                    index,
                    f"{code} là nhóm tiêu chí, không chấm trực tiếp; hãy nhập điểm ở các tiêu chí con.",
                    unit=column_unit.label if column_unit else "",
                    criterion=code,
                )
            continue
        criterion = leaves.get(code)
        first_row = seen_criteria.setdefault(code, number) if criterion is not None else None
        if not filled:
            continue  # a row with nothing to write cannot be wrong
        if criterion is None:
            problem(
                number,
                code_column,
                f"Mã tiêu chí “{code[:20]}” không có trong bộ tiêu chí của đợt chấm; dòng này bị bỏ qua.",
                criterion=code[:20],
            )
            continue
        if first_row != number:
            problem(
                number,
                code_column,
                f"Tiêu chí {code} đã có ở dòng {first_row}; dòng này bị bỏ qua.",
                criterion=code,
            )
            continue
        for index, cell in filled:
            if index not in unit_columns:
                problem(number, index, "Cột không có mã đơn vị ở dòng 1; ô này bị bỏ qua.", criterion=code)
                continue
            unit = unit_columns[index]
            if unit is None:
                continue  # the header cell already says why
            value, reason = _read_value(cell)
            if reason is None and value is not None:
                reason = check_points(criterion, value)
            if reason is not None:
                problem(number, index, reason, unit=unit.label, criterion=code)
                continue
            if value is None:
                continue
            old = stored.get((unit.pk, criterion.pk))
            if old is not None and old == value:
                plan.unchanged += 1
                continue
            plan.changes.append(
                CellChange(
                    ref=_ref(number, index + 1),
                    row=number,
                    column=index + 1,
                    unit=unit,
                    criterion_id=criterion.pk,
                    criterion_code=code,
                    criterion_title=criterion.title,
                    old=old,
                    new=value,
                )
            )
    plan.problems.sort(key=lambda p: (p.row, p.column))
    if not seen_criteria and not plan.problems:
        raise ImportFileError(
            f"Trang “{SHEET}” không có dòng tiêu chí nào (mã tiêu chí ở cột A, từ dòng 3); hãy dùng tệp mẫu."
        )
    return plan


# --- Writing an import --------------------------------------------------------------------------


@transaction.atomic
def score_import_apply(
    *,
    scoring_round: ScoringRound,
    data: bytes,
    fingerprint: str,
    base_versions: dict[int, int],
    actor,
    reason: str = "",
    filename: str = "",
    request: HttpRequest | None = None,
) -> SaveResult:
    """Write an import that was previewed, all cells or none.

    Refused (ImportRefused) when a cell is invalid or there is nothing to write; ScoreConflict
    when a card was saved after the preview (`base_versions`); ValidationError when the round
    no longer takes scores or a correction lacks its reason; ImportRefused again when the plan
    is not the one previewed (`fingerprint`), in which case the writes are rolled back."""
    plan = score_import_plan(scoring_round=scoring_round, data=data)
    if plan.has_errors:
        raise ImportRefused(
            f"Tệp còn {len(plan.problems)} ô lỗi; hãy sửa tệp rồi tải lên lại. Chưa có điểm nào được ghi."
        )
    if not plan.changes:
        raise ImportRefused("Tệp không có ô điểm nào khác với điểm đang lưu; không có gì để ghi.")
    result = final_grid_save(
        scoring_round=scoring_round,
        entries=plan.entries,
        base_versions=base_versions,
        actor=actor,
        reason=reason,
    )
    if plan.fingerprint != fingerprint:
        raise ImportRefused(
            "Dữ liệu điểm hoặc danh sách đơn vị đã thay đổi từ lúc xem trước; hãy xem lại bảng đối chiếu "
            "rồi xác nhận lại. Chưa có điểm nào được ghi."
        )
    audit_record(
        kind=AuditEvent.Kind.IMPORT,
        summary=(
            f"Nhập điểm từ Excel{f' “{filename}”' if filename else ''} cho {scoring_round}: "
            f"{len(plan.changes)} ô của {plan.changed_units} đơn vị"
        ),
        actor=actor,
        request=request,
        data={
            "round": scoring_round.pk,
            "file": filename[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "cells": len(plan.changes),
        },
    )
    return result
