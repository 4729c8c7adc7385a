"""Criteria sets to and from Excel.

Reading turns the first sheet of an uploaded workbook into the tree that
`criteria_set_load_tree` takes (the shape of data/sample_criteria.json). It writes nothing:
the view hands the tree to the service, which checks it again and loads it all or nothing.

The sheet has one row per node, with a header row naming the columns (any order, accents and
case do not matter): "Mã", "Nội dung", "Loại", "Điểm tối đa", "Trọng tâm". The tree comes from
the codes: "2" is a group, "2.3" a criterion of group "2", "2.3.1" a sub-criterion of "2.3".
Every bad row is reported with its row number, and formulas are refused (we cannot verify
a cached result, and a formula may be a way to smuggle content).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from campaigns.models import Campaign
from scoring.models import CriteriaSet, CriterionKind
from scoring.services.criteria import criteria_set_create, criteria_set_load_tree
from thidua.lib.excel import (
    WorkbookError,
    append_row,
    cell_text,
    is_error_value,
    is_formula,
    iter_rows,
    new_sheet,
    open_workbook,
    workbook_bytes,
)
from thidua.lib.numbers import NumberFormatError, format_decimal, parse_decimal
from thidua.lib.text import fold, nfc

MAX_ROWS = 500
MAX_DEPTH = 3  # group → criterion → sub-criterion
MAX_CODE = 20
MAX_TITLE = 500
HEADER_SEARCH_ROWS = 10
MAX_PROBLEMS = 50


class Column:
    CODE = "Mã"
    TITLE = "Nội dung"
    KIND = "Loại"
    MAX = "Điểm tối đa"
    CORE = "Trọng tâm"


COLUMNS = (Column.CODE, Column.TITLE, Column.KIND, Column.MAX, Column.CORE)
REQUIRED_COLUMNS = (Column.CODE, Column.TITLE, Column.MAX)
COLUMN_WIDTHS = [10, 70, 18, 14, 12]
# Header spellings accepted besides the column names themselves.
_HEADER_ALIASES = {
    "ma tieu chi": Column.CODE,
    "stt": Column.CODE,
    "noi dung tieu chi": Column.TITLE,
    "tieu chi": Column.TITLE,
    "loai diem": Column.KIND,
    "diem toi da": Column.MAX,
    "diem chuan": Column.MAX,
    "nhiem vu trong tam": Column.CORE,
}

KIND_LABELS = {
    CriterionKind.STANDARD: "Điểm chuẩn",
    CriterionKind.BONUS: "Điểm thưởng",
    CriterionKind.PENALTY: "Điểm trừ",
    CriterionKind.VETO: "Phủ quyết",
}
_KINDS: dict[str, str] = {}
for _kind, _label in KIND_LABELS.items():
    _KINDS[fold(_label)] = _kind
    _KINDS[fold(_kind)] = _kind
    _KINDS[fold(CriterionKind(_kind).label)] = _kind
_KINDS.update({"chuan": "standard", "thuong": "bonus", "tru": "penalty", "phu quyet": "veto"})
_YES = {"x", "co", "1", "true", "yes"}
_CODE = re.compile(r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$")


@dataclass
class _Row:
    number: int
    code: str
    title: str
    kind: str | None  # None: the column is empty, the node follows its group
    max_points: Decimal | None
    core: bool
    children: list[_Row] = field(default_factory=list)

    @property
    def parent_code(self) -> str | None:
        return self.code.rpartition(".")[0] or None

    @property
    def depth(self) -> int:
        return self.code.count(".") + 1


def _header_positions(cells) -> dict[str, int] | None:
    wanted = {fold(column): column for column in COLUMNS} | _HEADER_ALIASES
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = wanted.get(fold(cell_text(cell)).rstrip(" :*"))
        if column and column not in positions:
            positions[column] = index
    return positions if Column.CODE in positions and Column.TITLE in positions else None


def _missing_header_message() -> str:
    names = ", ".join(f"“{c}”" for c in COLUMNS)
    return (
        f"Không tìm thấy dòng tiêu đề cột trong {HEADER_SEARCH_ROWS} dòng đầu của trang tính đầu tiên. "
        f"Cần các cột {names} (cột “Loại” và “Trọng tâm” có thể bỏ). Hãy dùng tệp mẫu."
    )


def _read_row(
    number: int, cells: tuple, positions: dict[str, int], problems: list[str], bad_codes: set[str]
) -> _Row | None:
    """One data row, or None when it is blank or bad (its problems are added, and its code to
    `bad_codes` so that its parent and children are not reported again for its absence)."""
    by_column = {column: cells[index] if index < len(cells) else None for column, index in positions.items()}
    if all(cell is None or cell_text(cell).strip() == "" for cell in by_column.values()):
        return None
    bad = False
    texts: dict[str, str] = {}
    code_cell = by_column.get(Column.CODE)
    if code_cell is not None and not is_formula(code_cell) and not is_error_value(code_cell):
        bad_code = nfc(cell_text(code_cell)).rstrip(".")
    else:
        bad_code = ""
    for column, cell in by_column.items():
        if is_formula(cell):
            problems.append(
                f"Dòng {number}, cột “{column}”: ô chứa công thức; hãy thay bằng giá trị "
                "(Dán đặc biệt → Chỉ giá trị)."
            )
            bad = True
        elif is_error_value(cell):
            problems.append(f"Dòng {number}, cột “{column}”: ô chứa giá trị lỗi {cell_text(cell)}.")
            bad = True
        else:
            texts[column] = nfc(cell_text(cell))
    if bad:
        bad_codes.add(bad_code)
        return None

    code = texts.get(Column.CODE, "").rstrip(".")
    title = texts.get(Column.TITLE, "")
    where = f"Dòng {number}" + (f" (mã “{code[:MAX_CODE]}”)" if code else "")
    if not code:
        problems.append(f"Dòng {number}, cột “Mã”: chưa ghi mã tiêu chí (ví dụ 2 hoặc 2.3).")
        bad = True
    elif len(code) > MAX_CODE:
        problems.append(f"{where}, cột “Mã”: mã dài {len(code)} ký tự, tối đa {MAX_CODE} ký tự.")
        bad = True
    elif not _CODE.match(code):
        problems.append(
            f"{where}, cột “Mã”: mã chỉ gồm chữ số hoặc chữ cái không dấu ngăn bằng dấu chấm, ví dụ 2.3 hoặc 2.3.1."
        )
        bad = True
    elif code.count(".") >= MAX_DEPTH:
        problems.append(f"{where}, cột “Mã”: tối đa 3 cấp (nhóm, tiêu chí, tiêu chí con), ví dụ 2.3.1.")
        bad = True
    if not title:
        problems.append(f"{where}, cột “Nội dung”: nội dung tiêu chí không được để trống.")
        bad = True
    elif len(title) > MAX_TITLE:
        problems.append(f"{where}, cột “Nội dung”: dài {len(title)} ký tự, tối đa {MAX_TITLE} ký tự.")
        bad = True

    kind = None
    if kind_text := texts.get(Column.KIND, ""):
        kind = _KINDS.get(fold(kind_text))
        if kind is None:
            labels = ", ".join(KIND_LABELS.values())
            problems.append(
                f"{where}, cột “Loại”: “{kind_text[:40]}” không phải là loại tiêu chí ({labels})."
            )
            bad = True

    max_points = None
    if max_text := texts.get(Column.MAX, ""):
        try:
            max_points = parse_decimal(max_text)
        except NumberFormatError as exc:
            problems.append(f"{where}, cột “Điểm tối đa”: {exc}")
            bad = True
        else:
            if max_points is not None and max_points <= 0:
                problems.append(f"{where}, cột “Điểm tối đa”: phải lớn hơn 0.")
                bad = True
            elif max_points is not None and (max_points >= 10_000 or max_points.as_tuple().exponent < -2):
                problems.append(
                    f"{where}, cột “Điểm tối đa”: tối đa 4 chữ số phần nguyên và 2 chữ số thập phân."
                )
                bad = True

    core = fold(texts.get(Column.CORE, "")) in _YES
    if bad:
        bad_codes.add(code)
        return None
    return _Row(number, code, title, kind, max_points, core)


def _read_rows(data: bytes) -> tuple[list[_Row], list[str], set[str]]:
    workbook = open_workbook(data)
    problems: list[str] = []
    rows: list[_Row] = []
    bad_codes: set[str] = set()
    try:
        if not workbook.worksheets:
            raise WorkbookError("Bảng tính không có trang tính nào.")
        sheet = workbook.worksheets[0]
        positions: dict[str, int] | None = None
        for number, cells in iter_rows(sheet):
            if positions is None:
                positions = _header_positions(cells)
                if positions is None and number >= HEADER_SEARCH_ROWS:
                    raise WorkbookError(_missing_header_message())
                if positions is not None and (missing := [c for c in REQUIRED_COLUMNS if c not in positions]):
                    names = ", ".join(f"“{c}”" for c in missing)
                    raise WorkbookError(f"Dòng {number} (tiêu đề cột): thiếu cột {names}. Hãy dùng tệp mẫu.")
                continue
            row = _read_row(number, cells, positions, problems, bad_codes)
            if row is not None:
                rows.append(row)
            if len(rows) + len(problems) > MAX_ROWS:
                raise WorkbookError(f"Tệp có quá nhiều dòng; một bộ tiêu chí có tối đa {MAX_ROWS} dòng.")
        if positions is None:
            raise WorkbookError(_missing_header_message())
    finally:
        workbook.close()
    return rows, problems, bad_codes - {""}


def _build(rows: list[_Row], problems: list[str], bad_codes: set[str]) -> list[_Row]:
    """Attach rows to their parents by code and check what depends on the tree. Rows already
    refused (`bad_codes`) still count as present, so one mistake is reported once."""
    bad_parents = {code.rpartition(".")[0] for code in bad_codes}
    by_code: dict[str, _Row] = {}
    for row in rows:
        if row.code in by_code:
            problems.append(
                f"Dòng {row.number}: mã “{row.code}” bị trùng với dòng {by_code[row.code].number}."
            )
        else:
            by_code[row.code] = row
    groups: list[_Row] = []
    for row in by_code.values():
        if row.parent_code is None:
            groups.append(row)
        elif (parent := by_code.get(row.parent_code)) is None:
            if row.parent_code in bad_codes:
                continue
            problems.append(
                f"Dòng {row.number} (mã “{row.code}”): không có dòng nào mang mã “{row.parent_code}” làm nhóm cha."
            )
        else:
            parent.children.append(row)

    def check(row: _Row, group_kind: str | None) -> None:
        where = f"Dòng {row.number} (mã “{row.code}”)"
        if group_kind is not None and row.kind is not None and row.kind != group_kind:
            problems.append(
                f"{where}, cột “Loại”: tiêu chí con phải cùng loại với nhóm ({KIND_LABELS[group_kind]})."
            )
        kind = group_kind or row.kind or CriterionKind.STANDARD
        row.kind = kind
        if row.core and group_kind is not None:
            problems.append(
                f"{where}, cột “Trọng tâm”: chỉ đánh dấu nhiệm vụ trọng tâm ở nhóm (mã không có dấu chấm)."
            )
        if kind == CriterionKind.VETO:
            row.max_points = None
        elif row.code in bad_parents:
            pass  # a child was refused: the sums and "is it a leaf" are not known yet
        elif not row.children and row.max_points is None:
            problems.append(f"{where}, cột “Điểm tối đa”: tiêu chí phải có điểm tối đa.")
        elif row.children and group_kind is None and kind in (CriterionKind.BONUS, CriterionKind.PENALTY):
            if row.max_points is None:
                problems.append(
                    f"{where}, cột “Điểm tối đa”: nhóm {KIND_LABELS[kind].lower()} phải ghi mức tối đa của cả nhóm."
                )
        elif row.children and row.max_points is not None:
            total = _leaf_total(row)
            if total is not None and total != row.max_points:
                problems.append(
                    f"{where}, cột “Điểm tối đa”: ghi {format_decimal(row.max_points)} nhưng tổng điểm các "
                    f"tiêu chí con là {format_decimal(total)} (để trống thì hệ thống tự cộng)."
                )
        for child in row.children:
            check(child, kind)

    for group in groups:
        check(group, None)
    return groups


def _leaf_total(row: _Row) -> Decimal | None:
    if not row.children:
        return row.max_points
    totals = [_leaf_total(child) for child in row.children]
    return None if any(t is None for t in totals) else sum(totals, Decimal(0))


def _shape(row: _Row) -> dict:
    node: dict = {"code": row.code, "title": row.title, "kind": row.kind}
    if row.max_points is not None and (
        not row.children or row.kind in (CriterionKind.BONUS, CriterionKind.PENALTY)
    ):
        node["max"] = str(row.max_points)
    if row.core:
        node["core"] = True
    if row.children:
        node["children"] = [_shape(child) for child in row.children]
    return node


def read_criteria_sheet(data: bytes) -> list[dict]:
    """The criteria tree of an uploaded .xlsx, in the shape `criteria_set_load_tree` takes.

    Raises ValidationError with every problem (at most MAX_PROBLEMS), each naming its row."""
    try:
        rows, problems, bad_codes = _read_rows(data)
    except WorkbookError as exc:
        raise ValidationError(str(exc)) from exc
    if not rows and not problems:
        raise ValidationError("Tệp chỉ có dòng tiêu đề, chưa có tiêu chí nào.")
    groups = _build(rows, problems, bad_codes)
    if not groups and not problems:
        problems.append("Tệp không có nhóm tiêu chí nào (mã không có dấu chấm, ví dụ 1, 2, 3).")
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"… và {len(problems) - MAX_PROBLEMS} lỗi khác.")
        raise ValidationError(shown)
    return [_shape(group) for group in groups]


def criteria_sheet_bytes(groups: list[dict], title: str = "Tiêu chí") -> bytes:
    """A workbook in the import's columns for a tree in the sample shape: the template to
    fill in, or a set to edit and import back."""
    workbook, sheet = new_sheet(title, list(COLUMNS), COLUMN_WIDTHS)

    def write(node: dict, group_kind: str | None) -> None:
        kind = node.get("kind") or group_kind or CriterionKind.STANDARD
        maximum = node.get("max")
        if maximum is not None and kind != CriterionKind.VETO:
            number = Decimal(str(maximum))
            maximum = int(number) if number == number.to_integral_value() else float(number)
        else:
            maximum = None
        append_row(
            sheet,
            [
                node["code"],
                node["title"],
                KIND_LABELS.get(kind, kind) if group_kind is None else "",
                maximum,
                "x" if node.get("core") else "",
            ],
        )
        for child in node.get("children") or []:
            write(child, kind)

    for group in groups:
        write(group, None)
    notes = workbook.create_sheet("Hướng dẫn")
    for line in (
        "Mỗi dòng của trang đầu là một nhóm, tiêu chí hoặc tiêu chí con; dòng 1 là tiêu đề cột, giữ nguyên.",
        "Mã: nhóm ghi 1, 2, 3…; tiêu chí của nhóm 2 ghi 2.1, 2.2…; tiêu chí con của 2.3 ghi 2.3.1… "
        "Nên định dạng cột Mã là Văn bản (Text) để Excel không đổi 2.10 thành 2.1.",
        "Loại: Điểm chuẩn, Điểm thưởng, Điểm trừ hoặc Phủ quyết; chỉ cần ghi ở dòng của nhóm, "
        "tiêu chí con theo loại của nhóm.",
        "Điểm tối đa: ghi ở từng tiêu chí (được dùng dấu phẩy, ví dụ 2,5). Nhóm điểm chuẩn để trống thì "
        "hệ thống tự cộng; nhóm điểm thưởng, điểm trừ ghi mức tối đa của cả nhóm. Tiêu chí phủ quyết "
        "không có điểm (chỉ Có/Không).",
        "Trọng tâm: ghi x ở nhóm nhiệm vụ trọng tâm (dùng để xét khi bằng điểm).",
        "Không dùng công thức; chỉ nhập giá trị.",
    ):
        append_row(notes, [line])
    notes.column_dimensions["A"].width = 110
    return workbook_bytes(workbook)


def default_set_name(campaign: Campaign) -> str:
    return f"Bộ tiêu chí chấm điểm thi đua năm {campaign.year}"


@transaction.atomic
def criteria_import_tree(
    *, campaign: Campaign, groups: list[dict], name: str, actor
) -> tuple[CriteriaSet, int]:
    """Load a tree (from the sample file or a sheet) into the campaign's current set, or into
    a new set when it has none. All or nothing; a frozen current set is refused (a new version
    must be made first, so that the scores already given keep their criteria)."""
    criteria_set = campaign.criteria_sets.select_for_update().order_by("-version").first()
    if criteria_set is None:
        criteria_set = criteria_set_create(campaign=campaign, name=name, actor=actor)
    count = criteria_set_load_tree(criteria_set=criteria_set, groups=groups, actor=actor)
    criteria_set.refresh_from_db()
    return criteria_set, count
