"""Services and selectors behind the units pages: import apply, export, stored files, tree, history."""

from __future__ import annotations

import io
import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from blocs.forms.units import normalise_unit_code
from blocs.models import AuditEvent, Unit
from blocs.selectors.units import unit_history, unit_search, unit_tree, units_for_export
from blocs.services import unit_import
from blocs.services.unit_import import (
    ImportFileError,
    ImportRefused,
    import_file_discard,
    import_file_load,
    import_file_store,
    unit_import_apply,
    unit_import_plan,
)
from blocs.services.units import unit_update
from blocs.tests.factories import UnitFactory

HEADER = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Cấp", "Tên viết tắt"]


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def apply(data: bytes, actor) -> unit_import.ImportResult:
    return unit_import_apply(data=data, fingerprint=unit_import_plan(data=data).fingerprint, actor=actor)


def tree_state() -> dict[str, tuple[str | None, str, int]]:
    """code → (parent code, path made of codes, depth), checked against the stored paths."""
    units = {unit.pk: unit for unit in Unit.objects.all()}
    state = {}
    for unit in units.values():
        codes = "/".join(units[int(pk)].code for pk in unit.path.strip("/").split("/"))
        state[unit.code] = (unit.parent.code if unit.parent_id else None, codes, unit.depth)
    return state


# --- Applying an import -------------------------------------------------------------------------------


def test_apply_creates_parents_before_children_whatever_the_file_order(world):
    data = xlsx(
        [
            ["C1", "Đại đội 1", "B1", "Đại đội", ""],
            ["B1", "Tiểu đoàn 1", "E1", "Tiểu đoàn", ""],
            ["E1", "Trung đoàn 1", "SD3", "Trung đoàn", "E1"],
        ]
    )
    result = apply(data, world.admin)
    assert result.created == ["E1", "B1", "C1"]
    state = tree_state()
    assert state["C1"] == ("B1", "ROOT/QK1/SD3/E1/B1/C1", 5)
    assert Unit.objects.get(code="E1").short_name == "E1"


def test_apply_moves_in_an_order_that_never_passes_through_a_cycle(world):
    # Today: ROOT → QK1 → SD3. After: SD3 at the top, QK1 under it (and QK1's subtree with it).
    UnitFactory(code="E9", name="Trung đoàn 9", parent=world.unit_a)
    data = xlsx([["QK1", "Quân khu 1", "SD3", "Khác", ""], ["SD3", "Sư đoàn 3", "", "Khác", ""]])
    result = apply(data, world.admin)
    assert sorted(result.updated) == ["QK1", "SD3"]
    state = tree_state()
    assert state["SD3"] == (None, "SD3", 0)
    assert state["QK1"] == ("SD3", "SD3/QK1", 1)
    assert state["E9"] == ("QK1", "SD3/QK1/E9", 2)


def test_apply_records_an_import_event_and_a_change_per_unit(world):
    before = AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE).count()
    unit_import_apply(
        data=(
            data := xlsx(
                [["N1", "Đơn vị mới", "ROOT", "Khác", ""], ["QK2", "Quân khu Hai", "ROOT", "Khác", ""]]
            )
        ),
        fingerprint=unit_import_plan(data=data).fingerprint,
        actor=world.admin,
        filename="dv.xlsx",
    )
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.IMPORT)
    assert event.summary == "Nhập đơn vị từ Excel “dv.xlsx”: 1 tạo mới, 1 thay đổi"
    assert event.data["created"] == ["N1"] and event.data["updated"] == ["QK2"]
    assert len(event.data["sha256"]) == 64
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE).count() == before + 2


def test_apply_without_short_name_column_keeps_stored_short_names(world):
    Unit.objects.filter(pk=world.unit_b.pk).update(short_name="QK2")
    workbook = Workbook()
    workbook.active.append(HEADER[:4])
    workbook.active.append(["QK2", "Quân khu Hai", "ROOT", "Khác"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    apply(buffer.getvalue(), world.admin)
    world.unit_b.refresh_from_db()
    assert (world.unit_b.name, world.unit_b.short_name) == ("Quân khu Hai", "QK2")


def test_apply_refuses_bad_rows_and_writes_nothing(world):
    data = xlsx([["N1", "Đơn vị mới", "ROOT", "Khác", ""], ["N2", "", "ROOT", "Khác", ""]])
    with pytest.raises(ImportRefused, match="Tệp còn 1 dòng lỗi"):
        apply(data, world.admin)
    assert not Unit.objects.filter(code="N1").exists()


def test_apply_refuses_a_plan_other_than_the_one_previewed(world):
    data = xlsx([["QK2", "Quân khu Hai", "ROOT", "Khác", ""]])
    fingerprint = unit_import_plan(data=data).fingerprint
    unit_update(unit=world.unit_b, actor=world.admin, name="Quân khu II")
    with pytest.raises(ImportRefused, match="đã thay đổi từ lúc xem trước"):
        unit_import_apply(data=data, fingerprint=fingerprint, actor=world.admin)
    world.unit_b.refresh_from_db()
    assert world.unit_b.name == "Quân khu II"


def test_apply_is_all_or_nothing_when_a_service_refuses_midway(world, monkeypatch):
    real_update = unit_import.unit_update

    def failing_update(*, unit, actor, **changes):
        if unit.code == "QK3":
            raise ValidationError({"name": "Tên đơn vị bị từ chối."})
        return real_update(unit=unit, actor=actor, **changes)

    monkeypatch.setattr(unit_import, "unit_update", failing_update)
    data = xlsx(
        [
            ["N1", "Đơn vị mới", "ROOT", "Khác", ""],
            ["QK2", "Quân khu Hai", "ROOT", "Khác", ""],
            ["QK3", "Quân khu Ba", "ROOT", "Khác", ""],
        ]
    )
    with pytest.raises(ImportRefused, match=r"Dòng 4 \(QK3\): Tên đơn vị bị từ chối."):
        apply(data, world.admin)
    assert not Unit.objects.filter(code="N1").exists()
    assert Unit.objects.get(code="QK2").name == "Quân khu 2"
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT).exists()


# --- The file kept between preview and confirmation ----------------------------------------------------------


def test_stored_file_round_trip_and_discard(db):
    stored = import_file_store(data=b"PK fake bytes")
    assert uuid.UUID(stored.token).version == 4
    path = Path(settings.MEDIA_ROOT) / "imports" / f"{stored.token}.xlsx"
    assert path.read_bytes() == b"PK fake bytes"
    assert import_file_load(token=stored.token, sha256=stored.sha256) == b"PK fake bytes"
    with pytest.raises(ImportFileError, match="đã bị thay đổi"):
        import_file_load(token=stored.token, sha256="0" * 64)
    import_file_discard(token=stored.token)
    with pytest.raises(ImportFileError, match="không còn trên máy chủ"):
        import_file_load(token=stored.token, sha256=stored.sha256)


@pytest.mark.parametrize("token", ["../../settings", "", "not-a-uuid", "/etc/passwd"])
def test_stored_file_token_must_be_a_uuid(db, token):
    with pytest.raises(ImportFileError):
        import_file_load(token=token, sha256="0" * 64)


def test_storing_a_file_drops_day_old_leftovers(db):
    old = import_file_store(data=b"old")
    old_path = Path(settings.MEDIA_ROOT) / "imports" / f"{old.token}.xlsx"
    day_ago = time.time() - 25 * 3600
    os.utime(old_path, (day_ago, day_ago))
    recent = import_file_store(data=b"recent")
    assert not old_path.exists()
    assert (Path(settings.MEDIA_ROOT) / "imports" / f"{recent.token}.xlsx").exists()


# --- Selectors and the code rule -------------------------------------------------------------------------------


def test_tree_siblings_follow_vietnamese_order_at_every_level(world):
    for name in ["Tiểu đoàn 2", "Tiểu đoàn 10", "Đại đội trinh sát", "Ban Tham mưu"]:
        UnitFactory(name=name, parent=world.child_a)
    rows = [(row.unit.name, row.level) for row in unit_tree(user=world.admin) if row.level == 3]
    assert [name for name, _ in rows] == ["Ban Tham mưu", "Đại đội trinh sát", "Tiểu đoàn 10", "Tiểu đoàn 2"]


def test_search_uses_short_names_too(world):
    unit_update(unit=world.unit_a, actor=world.admin, short_name="QK Việt Bắc")
    assert [unit.code for unit in unit_search(user=world.admin, text="viet bac")] == ["QK1"]


def test_history_names_parents_and_labels_fields_in_vietnamese(world):
    unit_update(unit=world.child_a, actor=world.admin, parent=world.unit_b, is_active=False)
    entries = unit_history(unit=world.child_a)
    changes = {(c.label, c.old, c.new) for c in entries[0].changes}
    assert changes == {
        ("Đơn vị cấp trên", "Quân khu 1 (QK1)", "Quân khu 2 (QK2)"),
        ("Đang hoạt động", "Có", "Không"),
    }
    created = entries[-1]
    assert created.kind_label == "Tạo mới"
    assert ("Mã đơn vị", "", "SD3") in {(c.label, c.old, c.new) for c in created.changes}


def test_history_shows_the_latest_50_changes(world):
    for index in range(55):
        unit_update(unit=world.unit_c, actor=world.admin, short_name=f"Q{index}")
    entries = unit_history(unit=world.unit_c)
    assert len(entries) == 50
    assert [(c.old, c.new) for c in entries[0].changes] == [("Q53", "Q54")]


def test_export_rows_carry_the_parent_code_even_when_the_parent_is_hidden(world):
    rows = units_for_export(user=world.outsider)
    assert [(row.code, row.parent_code) for row in rows] == [("ROOT", ""), ("SD301", "ROOT")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("qk1", "QK1"), (" sd-312 ", "SD-312"), ("A.B_C-1", "A.B_C-1"), ("X" * 40, "X" * 40)],
)
def test_unit_code_is_upper_cased(raw, expected):
    assert normalise_unit_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "QK 1", "ĐV1", "qk/1", "Ａ1", "X" * 41, "QK1;DROP"])
def test_unit_code_rejects_bad_values(raw):
    with pytest.raises(ValidationError):
        normalise_unit_code(raw)
