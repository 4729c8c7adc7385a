"""Units to and from Excel: the import (plan, then apply on confirmation) and the export.

The import runs in two steps so that nothing is written before the admin has seen it:

1. `unit_import_plan(data=…)` reads the workbook and compares it with the database: every row
   is a creation, a change (old → new), unchanged, or an error with its reason. It writes
   nothing. Its `fingerprint` is a hash of what it would do.
2. `unit_import_apply(data=…, fingerprint=…)` plans again inside one transaction and applies the
   rows through `unit_create` / `unit_update` only when no row is bad and the plan is still the
   one the admin confirmed (same fingerprint); otherwise it refuses and writes nothing.

Between the two steps the uploaded file waits on the server (`import_file_store`), named by a
random token; the view keeps the token and the file's SHA-256 in the session, so the
confirmation re-reads the very bytes that were previewed and trusts nothing from the client.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from blocs.forms.units import (
    UNIT_NAME_MAX_LENGTH,
    UNIT_SHORT_NAME_MAX_LENGTH,
    normalise_unit_code,
)
from blocs.models import AuditEvent, Echelon, Unit
from blocs.selectors.units import units_for_export
from blocs.services.audit import audit_record
from blocs.services.units import unit_create, unit_update
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
from thidua.lib.text import fold, nfc

# Applying runs in the request (about 3 ms a row); keep it well inside the server's timeout.
MAX_ROWS = 5_000
IMPORT_DIR_NAME = "imports"
STALE_AFTER_SECONDS = 24 * 3600


class Column:
    CODE = "Mã đơn vị"
    NAME = "Tên đơn vị"
    PARENT = "Mã đơn vị cấp trên"
    ECHELON = "Cấp"
    SHORT_NAME = "Tên viết tắt"


COLUMNS = (Column.CODE, Column.NAME, Column.PARENT, Column.ECHELON, Column.SHORT_NAME)
REQUIRED_COLUMNS = (Column.CODE, Column.NAME, Column.PARENT, Column.ECHELON)
COLUMN_WIDTHS = [16, 48, 20, 26, 18]

# "Cấp" accepts the Vietnamese label (accents and case do not matter) or the code value.
_ECHELONS: dict[str, str] = {}
for _value, _label in Echelon.choices:
    _ECHELONS[fold(_label)] = _value
    _ECHELONS[fold(_value)] = _value


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is Vietnamese, for the user."""


class ImportRefused(ValueError):
    """Applying was refused (bad rows, or the data changed since the preview); nothing written."""


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


ACTION_LABELS = {
    Action.CREATE: "Tạo mới",
    Action.UPDATE: "Thay đổi",
    Action.UNCHANGED: "Không đổi",
    Action.ERROR: "Lỗi",
}


@dataclass(frozen=True)
class RowProblem:
    column: str
    message: str


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: str
    new: str


@dataclass
class ImportRow:
    number: int  # the row number Excel shows
    code: str = ""
    name: str = ""
    short_name: str | None = None  # None: the file has no short-name column, keep what is stored
    parent_code: str = ""
    echelon: str = ""
    problems: list[RowProblem] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    unit_id: int | None = None
    action: str = Action.ERROR

    def problem(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(column, message))

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def echelon_label(self) -> str:
        return Echelon(self.echelon).label if self.echelon in Echelon.values else ""


@dataclass
class ImportPlan:
    rows: list[ImportRow]
    has_short_name: bool

    def of(self, action: str) -> list[ImportRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def counts(self) -> dict[str, int]:
        return {
            action: sum(1 for row in self.rows if row.action == action)
            for action in (Action.CREATE, Action.UPDATE, Action.UNCHANGED, Action.ERROR)
        }

    @property
    def has_errors(self) -> bool:
        return any(row.action == Action.ERROR for row in self.rows)

    @property
    def has_work(self) -> bool:
        return any(row.action in (Action.CREATE, Action.UPDATE) for row in self.rows)

    @property
    def fingerprint(self) -> str:
        """A hash of what applying would do: same fingerprint, same writes."""
        payload = [
            [row.number, row.action, row.code, row.name, row.short_name, row.parent_code, row.echelon]
            + [[c.column, c.old, c.new] for c in row.changes]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    updated: list[str]


# --- Reading -------------------------------------------------------------------------------------


def _header_positions(header_cells) -> dict[str, int]:
    wanted = {fold(column): column for column in COLUMNS}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header_cells):
        column = wanted.get(fold(cell_text(cell)))
        if column and column not in positions:
            positions[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        names = ", ".join(f"“{column}”" for column in missing)
        raise ImportFileError(
            f"Dòng 1 của trang tính đầu tiên phải là tiêu đề cột; không thấy cột {names}. Hãy dùng tệp mẫu."
        )
    return positions


def _read_rows(data: bytes) -> tuple[list[ImportRow], bool]:
    try:
        workbook = open_workbook(data)
    except WorkbookError as exc:
        raise ImportFileError(str(exc)) from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError("Bảng tính không có trang tính nào.")
        sheet = workbook.worksheets[0]
        positions: dict[str, int] | None = None
        rows: list[ImportRow] = []
        for number, cells in iter_rows(sheet):
            if positions is None:
                positions = _header_positions(cells)
                continue
            row = _read_row(number, cells, positions)
            if row is not None:
                rows.append(row)
                if len(rows) > MAX_ROWS:
                    limit = f"{MAX_ROWS:,}".replace(",", ".")
                    raise ImportFileError(f"Tệp có quá nhiều dòng; mỗi lần nhập tối đa {limit} đơn vị.")
    except WorkbookError as exc:
        raise ImportFileError(str(exc)) from exc
    finally:
        workbook.close()
    if positions is None:
        raise ImportFileError("Trang tính đầu tiên trống: không có dòng tiêu đề và dữ liệu.")
    if not rows:
        raise ImportFileError("Tệp chỉ có dòng tiêu đề, chưa có đơn vị nào.")
    return rows, Column.SHORT_NAME in positions


def _read_row(number: int, cells: tuple, positions: dict[str, int]) -> ImportRow | None:
    """One data row; None when the row is blank."""
    by_column = {column: cells[index] if index < len(cells) else None for column, index in positions.items()}
    if all(
        cell is None or cell.value is None or cell_text(cell).strip() == "" for cell in by_column.values()
    ):
        return None
    row = ImportRow(number=number)
    texts: dict[str, str | None] = {}
    for column, cell in by_column.items():
        if is_formula(cell):
            row.problem(column, "Ô chứa công thức; hãy thay bằng giá trị (Dán đặc biệt → Chỉ giá trị).")
            texts[column] = None
        elif is_error_value(cell):
            row.problem(column, f"Ô chứa giá trị lỗi {cell_text(cell)}.")
            texts[column] = None
        else:
            texts[column] = nfc(cell_text(cell))

    if (code := texts.get(Column.CODE)) is not None:
        try:
            row.code = normalise_unit_code(code)
        except ValidationError as exc:
            row.code = code.upper()[:60]
            row.problem(Column.CODE, exc.messages[0])

    if (name := texts.get(Column.NAME)) is not None:
        row.name = name
        if not name:
            row.problem(Column.NAME, "Tên đơn vị không được để trống.")
        elif len(name) > UNIT_NAME_MAX_LENGTH:
            row.problem(
                Column.NAME, f"Tên đơn vị dài {len(name)} ký tự, tối đa {UNIT_NAME_MAX_LENGTH} ký tự."
            )

    if Column.SHORT_NAME in texts and (short_name := texts[Column.SHORT_NAME]) is not None:
        row.short_name = short_name
        if len(short_name) > UNIT_SHORT_NAME_MAX_LENGTH:
            row.problem(
                Column.SHORT_NAME,
                f"Tên viết tắt dài {len(short_name)} ký tự, tối đa {UNIT_SHORT_NAME_MAX_LENGTH} ký tự.",
            )
    elif Column.SHORT_NAME in texts:
        row.short_name = ""

    if (parent_code := texts.get(Column.PARENT)) is not None:
        row.parent_code = parent_code.upper()

    if (echelon := texts.get(Column.ECHELON)) is not None:
        if not echelon:
            row.problem(Column.ECHELON, "Chưa ghi cấp của đơn vị (ví dụ: Sư đoàn, Lữ đoàn, Cơ quan, Khác).")
        elif value := _ECHELONS.get(fold(echelon)):
            row.echelon = value
        else:
            row.problem(
                Column.ECHELON,
                f"Cấp “{echelon[:40]}” không có trong danh mục (xem trang “Danh mục cấp” của tệp mẫu).",
            )
    return row


# --- Planning ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    pk: int
    name: str
    short_name: str
    parent_code: str
    echelon: str


def _stored_units() -> dict[str, _Stored]:
    """Every unit by code: one query. The import compares with the whole tree (admins only)."""
    return {
        code.upper(): _Stored(pk, name, short_name, (parent_code or "").upper(), echelon)
        for pk, code, name, short_name, parent_code, echelon in Unit.objects.values_list(
            "pk", "code", "name", "short_name", "parent__code", "echelon"
        )
    }


def _check_codes(rows: list[ImportRow]) -> dict[str, ImportRow]:
    """Flag codes that appear more than once; return the rows by code (unique codes only)."""
    numbers: dict[str, list[int]] = {}
    for row in rows:
        if row.code:
            numbers.setdefault(row.code, []).append(row.number)
    by_code: dict[str, ImportRow] = {}
    for row in rows:
        if not row.code:
            continue
        seen = numbers[row.code]
        if len(seen) > 1:
            others = ", ".join(str(n) for n in seen if n != row.number)
            row.problem(Column.CODE, f"Mã “{row.code}” bị trùng trong tệp (cũng có ở dòng {others}).")
        else:
            by_code[row.code] = row
    return by_code


def _check_parents(rows: list[ImportRow], by_code: dict[str, ImportRow], stored: dict[str, _Stored]) -> None:
    """Unknown parents and cycles, on the tree as it would be after the import: the file's
    parents over the stored ones. A parent may be defined anywhere in the same file."""
    final_parent = {code: unit.parent_code for code, unit in stored.items()}
    final_parent.update({code: row.parent_code for code, row in by_code.items()})
    for row in rows:
        if not row.parent_code or not row.code:
            continue
        if row.parent_code == row.code:
            row.problem(Column.PARENT, "Đơn vị không thể là cấp trên của chính nó.")
            continue
        if row.parent_code not in final_parent:
            row.problem(
                Column.PARENT,
                f"Không có đơn vị mã “{row.parent_code[:40]}”, trong hệ thống cũng như trong tệp.",
            )
            continue
        if row.code not in by_code:
            continue  # a duplicated code: already an error, its place in the tree is unknown
        chain = [row.code]
        current = row.parent_code
        seen = {row.code}
        while current and current not in seen:
            chain.append(current)
            seen.add(current)
            current = final_parent.get(current, "")
        if current == row.code:
            path = " → ".join([*chain, row.code])
            row.problem(Column.PARENT, f"Vòng lặp cấp trên: {path}.")


def _compare(row: ImportRow, stored: dict[str, _Stored], has_short_name: bool) -> None:
    if row.problems:
        row.problems.sort(key=lambda problem: COLUMNS.index(problem.column))
        row.action = Action.ERROR
        return
    existing = stored.get(row.code)
    if existing is None:
        row.action = Action.CREATE
        return
    row.unit_id = existing.pk
    pairs = [
        (Column.NAME, existing.name, row.name),
        (Column.PARENT, existing.parent_code, row.parent_code),
        (Column.ECHELON, existing.echelon, row.echelon),
    ]
    if has_short_name and row.short_name is not None:
        pairs.append((Column.SHORT_NAME, existing.short_name, row.short_name))
    for column, old, new in pairs:
        if old != new:
            if column == Column.ECHELON:
                old, new = _echelon_label(old), _echelon_label(new)
            row.changes.append(FieldChange(column, old or "(trống)", new or "(trống)"))
    row.action = Action.UPDATE if row.changes else Action.UNCHANGED


def _echelon_label(value: str) -> str:
    return Echelon(value).label if value in Echelon.values else value


def _plan(rows: list[ImportRow], has_short_name: bool, stored: dict[str, _Stored]) -> ImportPlan:
    by_code = _check_codes(rows)
    _check_parents(rows, by_code, stored)
    for row in rows:
        _compare(row, stored, has_short_name)
    return ImportPlan(rows=rows, has_short_name=has_short_name)


def unit_import_plan(*, data: bytes) -> ImportPlan:
    """Read an uploaded workbook and say, row by row, what importing it would do. Writes
    nothing. Raises ImportFileError when the file as a whole cannot be used. One query."""
    rows, has_short_name = _read_rows(data)
    return _plan(rows, has_short_name, _stored_units())


# --- Applying ------------------------------------------------------------------------------------


def _final_depths(plan: ImportPlan, stored: dict[str, _Stored]) -> dict[str, int]:
    """Depth of each row's unit in the tree after the import, so that parents are written
    before their children and a move never passes through a cycle midway."""
    parent_of = {code: unit.parent_code for code, unit in stored.items()}
    parent_of.update({row.code: row.parent_code for row in plan.rows})
    depths: dict[str, int] = {}
    for row in plan.rows:
        steps, current = 0, row.code
        while parent_of.get(current):
            steps += 1
            current = parent_of[current]
            if steps > len(parent_of):  # pragma: no cover - the plan already refuses cycles
                raise ImportRefused("Vòng lặp cấp trên trong dữ liệu.")
        depths[row.code] = steps
    return depths


@transaction.atomic
def unit_import_apply(
    *,
    data: bytes,
    fingerprint: str,
    actor,
    filename: str = "",
    request: HttpRequest | None = None,
) -> ImportResult:
    """Apply an import the admin has confirmed, all rows or none. Refused when any row is bad
    or when the plan is no longer the one previewed (`fingerprint`)."""
    rows, has_short_name = _read_rows(data)
    # Lock the units the file names, so that nobody edits them between planning and writing.
    list(
        Unit.objects.select_for_update()
        .filter(code__in=[row.code for row in rows if row.code])
        .values_list("pk", flat=True)
    )
    stored = _stored_units()
    plan = _plan(rows, has_short_name, stored)
    if plan.has_errors:
        bad = plan.counts[Action.ERROR]
        raise ImportRefused(
            f"Tệp còn {bad} dòng lỗi; hãy sửa tệp rồi tải lên lại. Chưa có thay đổi nào được ghi."
        )
    if plan.fingerprint != fingerprint:
        raise ImportRefused(
            "Dữ liệu đơn vị đã thay đổi từ lúc xem trước. Hãy xem lại bảng đối chiếu rồi xác nhận lại."
        )
    depths = _final_depths(plan, stored)
    pk_by_code = {code: unit.pk for code, unit in stored.items()}
    # Parents as they are now. A unit's path is copied from its parent's, so a move (which
    # rewrites the paths of a whole subtree) empties this cache.
    fresh: dict[int, Unit] = {}

    def parent_for(code: str) -> Unit | None:
        if not code:
            return None
        pk = pk_by_code[code]
        if pk not in fresh:
            fresh[pk] = Unit.objects.get(pk=pk)
        return fresh[pk]

    created: list[str] = []
    updated: list[str] = []
    for row in sorted(plan.rows, key=lambda r: (depths[r.code], r.number)):
        if row.action not in (Action.CREATE, Action.UPDATE):
            continue
        parent = parent_for(row.parent_code)
        try:
            if row.action == Action.CREATE:
                unit = unit_create(
                    code=row.code,
                    name=row.name,
                    short_name=row.short_name or "",
                    parent=parent,
                    echelon=row.echelon,
                    actor=actor,
                )
                pk_by_code[row.code] = unit.pk
                fresh[unit.pk] = unit
                created.append(row.code)
            else:
                changes = _changed_fields(row, parent)
                unit_update(unit=Unit.objects.get(pk=row.unit_id), actor=actor, **changes)
                if "parent" in changes:
                    fresh.clear()
                else:
                    fresh.pop(row.unit_id, None)
                updated.append(row.code)
        except ValidationError as exc:
            raise ImportRefused(f"Dòng {row.number} ({row.code}): {' '.join(exc.messages)}") from exc
    audit_record(
        kind=AuditEvent.Kind.IMPORT,
        summary=(
            f"Nhập đơn vị từ Excel{f' “{filename}”' if filename else ''}: "
            f"{len(created)} tạo mới, {len(updated)} thay đổi"
        ),
        actor=actor,
        request=request,
        data={
            "file": filename[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "created": created,
            "updated": updated,
        },
    )
    return ImportResult(created=created, updated=updated)


def _changed_fields(row: ImportRow, parent: Unit | None) -> dict:
    columns = {change.column for change in row.changes}
    values = {
        Column.NAME: ("name", row.name),
        Column.PARENT: ("parent", parent),
        Column.ECHELON: ("echelon", row.echelon),
        Column.SHORT_NAME: ("short_name", row.short_name or ""),
    }
    return dict(values[column] for column in columns)


# --- The file waiting between preview and confirmation --------------------------------------------


@dataclass(frozen=True)
class StoredImport:
    token: str
    sha256: str


def _import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / IMPORT_DIR_NAME


def _import_path(token: str) -> Path:
    # The token is parsed as a UUID, so it can never name a file outside the folder.
    return _import_dir() / f"{uuid.UUID(str(token))}.xlsx"


def import_file_store(*, data: bytes) -> StoredImport:
    """Keep an uploaded file until it is confirmed or cancelled; drop day-old leftovers."""
    folder = _import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STALE_AFTER_SECONDS
    for old in folder.glob("*.xlsx"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:  # pragma: no cover - another request removed it first
            pass
    token = str(uuid.uuid4())
    _import_path(token).write_bytes(data)
    return StoredImport(token=token, sha256=hashlib.sha256(data).hexdigest())


def import_file_load(*, token: str, sha256: str) -> bytes:
    """The stored file, only if it is still there and unchanged."""
    try:
        data = _import_path(token).read_bytes()
    except (OSError, ValueError) as exc:
        raise ImportFileError("Tệp đã tải lên không còn trên máy chủ; hãy tải tệp lên lại.") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ImportFileError("Tệp trên máy chủ đã bị thay đổi; hãy tải tệp lên lại.")
    return data


def import_file_discard(*, token: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        _import_path(token).unlink(missing_ok=True)


# --- Workbooks for download ------------------------------------------------------------------------


@transaction.atomic
def unit_export(*, actor, request: HttpRequest | None = None) -> bytes:
    """The units `actor` may see as a workbook in the import's columns (an export imports back
    with no change), and an EXPORT audit event."""
    rows = units_for_export(user=actor)
    workbook, sheet = new_sheet("Đơn vị", list(COLUMNS), COLUMN_WIDTHS)
    for row in rows:
        append_row(sheet, [row.code, row.name, row.parent_code, row.echelon_label, row.short_name])
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        summary=f"Xuất danh sách {len(rows)} đơn vị ra Excel",
        actor=actor,
        request=request,
        data={"count": len(rows)},
    )
    return workbook_bytes(workbook)


def unit_import_template() -> bytes:
    """The import template: header row, two example rows, and the list of echelons."""
    workbook, sheet = new_sheet("Đơn vị", list(COLUMNS), COLUMN_WIDTHS)
    append_row(sheet, ["BQP", "Bộ Quốc phòng", "", Echelon.MINISTRY.label, "BQP"])
    append_row(sheet, ["QK1", "Quân khu 1", "BQP", Echelon.MILITARY_REGION.label, "QK1"])
    guide = workbook.create_sheet("Danh mục cấp")
    append_row(guide, ["Cấp (ghi đúng một trong các tên sau)", "Mã"])
    for value, label in Echelon.choices:
        append_row(guide, [label, value])
    guide.column_dimensions["A"].width = 40
    notes = workbook.create_sheet("Hướng dẫn")
    for line in (
        "Mỗi dòng của trang “Đơn vị” là một đơn vị; dòng 1 là tiêu đề cột, giữ nguyên.",
        "Mã đơn vị: chữ cái A–Z không dấu, chữ số, các dấu - _ . ; tối đa 40 ký tự; không trùng nhau.",
        "Đơn vị đã có mã trong hệ thống sẽ được cập nhật; mã mới sẽ được tạo mới.",
        "Mã đơn vị cấp trên: để trống nếu là đơn vị cấp cao nhất; có thể là đơn vị ở dòng khác trong tệp.",
        "Cấp: ghi tên cấp như trang “Danh mục cấp”.",
        "Không dùng công thức; chỉ nhập giá trị.",
    ):
        append_row(notes, [line])
    notes.column_dimensions["A"].width = 100
    return workbook_bytes(workbook)
