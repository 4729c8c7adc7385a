"""Importing units from Excel: the plan (preview), the confirmation, and the pages around them."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from blocs.models import AuditEvent, Unit
from blocs.services.unit_import import (
    Action,
    Column,
    ImportFileError,
    unit_import_plan,
)
from blocs.tests.factories import UnitFactory

HEADER = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Cấp", "Tên viết tắt"]
IMPORT_URL = reverse("blocs:unit-import")
PREVIEW_URL = reverse("blocs:unit-import-preview")
CONFIRM_URL = reverse("blocs:unit-import-confirm")
CANCEL_URL = reverse("blocs:unit-import-cancel")
# Every page: session, user, the navigation's roles. The preview adds one query for the whole comparison, however many rows.
UPLOAD_PAGE_QUERIES = 3
PREVIEW_QUERIES = 4
# Uploading reads the units once; no page is rendered (a redirect), so no navigation query.
UPLOAD_QUERIES = 6
# Confirming the three-row file of the test below: the services' writes grow with the rows
# written (the point of an import), never with the units already stored.
CONFIRM_QUERIES = 46
CANCEL_QUERIES = 2


def xlsx(rows: list[list], header: list[str] | None = None, *, formulas_as_text: bool = False) -> bytes:
    """A workbook whose first sheet holds `header` then `rows`. openpyxl stores a text that
    starts with "=" as a formula (data_type "f"); `formulas_as_text` keeps it as text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER if header is None else header)
    for row in rows:
        sheet.append(row)
        if formulas_as_text:
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "don-vi.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def problems_of(plan, number: int) -> list[tuple[str, str]]:
    row = next(row for row in plan.rows if row.number == number)
    return [(problem.column, problem.message) for problem in row.problems]


def unit_snapshot() -> list[tuple]:
    return sorted(
        Unit.objects.values_list("code", "name", "short_name", "parent__code", "echelon", "path", "depth")
    )


# --- The plan -------------------------------------------------------------------------------------


def test_plan_sorts_rows_into_create_update_unchanged(world):
    data = xlsx(
        [
            ["QK1", "Quân khu 1", "ROOT", "khac", ""],  # as stored
            ["QK2", "Quân khu 2 (mới)", "ROOT", "Quân khu, tương đương", "QK2"],  # changed
            ["QK7", "Quân khu 7", "ROOT", "quan khu, tuong duong", ""],  # new; label without accents
        ]
    )
    plan = unit_import_plan(data=data)
    assert [(row.code, row.action) for row in plan.rows] == [
        ("QK1", Action.UNCHANGED),
        ("QK2", Action.UPDATE),
        ("QK7", Action.CREATE),
    ]
    changes = {(c.column, c.old, c.new) for c in plan.rows[1].changes}
    assert changes == {
        (Column.NAME, "Quân khu 2", "Quân khu 2 (mới)"),
        (Column.ECHELON, "Khác", "Quân khu, tương đương"),
        (Column.SHORT_NAME, "(trống)", "QK2"),
    }
    assert plan.rows[2].echelon == "quan_khu"
    assert not plan.has_errors and plan.has_work


def test_plan_accepts_echelon_code_lower_case_codes_and_nfd_names(world):
    name = "Sư đoàn 5"
    plan = unit_import_plan(data=xlsx([["sd5", unicodedata.normalize("NFD", name), "qk1", "su_doan"]]))
    row = plan.rows[0]
    assert (row.code, row.parent_code, row.echelon, row.action) == ("SD5", "QK1", "su_doan", Action.CREATE)
    assert row.name == unicodedata.normalize("NFC", name)


def test_plan_finds_parent_defined_later_in_the_same_file(world):
    plan = unit_import_plan(
        data=xlsx([["E1", "Trung đoàn 1", "F9", "Trung đoàn"], ["F9", "Sư đoàn 9", "QK1", "Sư đoàn"]])
    )
    assert [row.action for row in plan.rows] == [Action.CREATE, Action.CREATE]


def test_plan_skips_blank_rows_and_short_name_column_is_optional(world):
    plan = unit_import_plan(
        data=xlsx(
            [["QK1", "Quân khu 1", "ROOT", "Khác"], [None, None, None, None], ["", " ", "", ""]],
            header=HEADER[:4],
        )
    )
    assert len(plan.rows) == 1
    assert plan.rows[0].action == Action.UNCHANGED
    assert plan.has_short_name is False


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["", "Đơn vị A", "", "Khác"], Column.CODE, "Mã đơn vị không được để trống."),
        (["A" * 41, "Đơn vị A", "", "Khác"], Column.CODE, "Mã đơn vị dài 41 ký tự, tối đa 40 ký tự."),
        (["QK 9", "Đơn vị A", "", "Khác"], Column.CODE, "chỉ được gồm chữ cái A–Z không dấu"),
        (["ĐV1", "Đơn vị A", "", "Khác"], Column.CODE, "chỉ được gồm chữ cái A–Z không dấu"),
        (["A1", "", "", "Khác"], Column.NAME, "Tên đơn vị không được để trống."),
        (["A1", "Đ" * 201, "", "Khác"], Column.NAME, "Tên đơn vị dài 201 ký tự, tối đa 200 ký tự."),
        (["A1", "Đơn vị A", "", "Khác", "X" * 61], Column.SHORT_NAME, "Tên viết tắt dài 61 ký tự"),
        (["A1", "Đơn vị A", "KHONGCO", "Khác"], Column.PARENT, "Không có đơn vị mã “KHONGCO”"),
        (["A1", "Đơn vị A", "A1", "Khác"], Column.PARENT, "không thể là cấp trên của chính nó"),
        (["A1", "Đơn vị A", "", "Tiểu khu"], Column.ECHELON, "Cấp “Tiểu khu” không có trong danh mục"),
        (["A1", "Đơn vị A", "", ""], Column.ECHELON, "Chưa ghi cấp của đơn vị"),
        (["A1", '=CONCAT("Đơn","vị")', "", "Khác"], Column.NAME, "Ô chứa công thức"),
        (["=1+1", "Đơn vị A", "", "Khác"], Column.CODE, "Ô chứa công thức"),
    ],
)
def test_plan_reports_each_bad_row_with_column_and_reason(world, row, column, message):
    plan = unit_import_plan(data=xlsx([row]))
    assert plan.has_errors
    problems = problems_of(plan, 2)
    assert any(c == column and message in m for c, m in problems), problems
    assert plan.rows[0].action == Action.ERROR


def test_text_cell_starting_with_equals_counts_as_formula(world):
    data = xlsx([["A1", '=HYPERLINK("http://x")', "", "Khác"]], formulas_as_text=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    plan = unit_import_plan(data=data)
    assert problems_of(plan, 2)[0][0] == Column.NAME
    assert "Ô chứa công thức" in problems_of(plan, 2)[0][1]


def test_duplicate_codes_in_file_are_flagged_on_every_occurrence(world):
    plan = unit_import_plan(
        data=xlsx(
            [["A1", "Đơn vị A", "", "Khác"], ["B1", "Đơn vị B", "", "Khác"], ["a1", "Đơn vị A'", "", "Khác"]]
        )
    )
    assert "bị trùng trong tệp (cũng có ở dòng 4)" in problems_of(plan, 2)[0][1]
    assert "bị trùng trong tệp (cũng có ở dòng 2)" in problems_of(plan, 4)[0][1]
    assert plan.rows[1].action == Action.CREATE


def test_cycle_within_the_file_is_flagged(world):
    plan = unit_import_plan(
        data=xlsx(
            [
                ["A1", "Đơn vị A", "B1", "Khác"],
                ["B1", "Đơn vị B", "C1", "Khác"],
                ["C1", "Đơn vị C", "A1", "Khác"],
            ]
        )
    )
    assert [row.action for row in plan.rows] == [Action.ERROR] * 3
    assert problems_of(plan, 2) == [(Column.PARENT, "Vòng lặp cấp trên: A1 → B1 → C1 → A1.")]


def test_cycle_through_stored_units_is_flagged(world):
    # SD3 lies under QK1; putting QK1 under SD3 closes a loop.
    plan = unit_import_plan(data=xlsx([["QK1", "Quân khu 1", "SD3", "Khác"]]))
    assert problems_of(plan, 2) == [(Column.PARENT, "Vòng lặp cấp trên: QK1 → SD3 → QK1.")]


def test_move_that_breaks_a_stored_loop_path_is_not_a_cycle(world):
    # Both rows together: SD3 goes to the top, QK1 under SD3. No loop in the final tree.
    plan = unit_import_plan(
        data=xlsx([["QK1", "Quân khu 1", "SD3", "Khác"], ["SD3", "Sư đoàn 3", "", "Khác"]])
    )
    assert not plan.has_errors
    assert [row.action for row in plan.rows] == [Action.UPDATE, Action.UPDATE]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Tệp rỗng"),
        (b"\x00\x01\x02garbage" * 100, "không phải là bảng tính Excel .xlsx"),
        ("Mã đơn vị,Tên đơn vị\nQK1,Quân khu 1\n".encode(), "không phải là bảng tính Excel .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "không phải là bảng tính Excel .xlsx"),
    ],
    ids=["empty", "random-bytes", "csv-renamed", "old-xls"],
)
def test_not_a_workbook_is_refused(db, data, message):
    with pytest.raises(ImportFileError, match=message):
        unit_import_plan(data=data)


def test_zip_that_is_not_a_workbook_is_refused(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    with pytest.raises(ImportFileError, match="không phải là bảng tính Excel"):
        unit_import_plan(data=buffer.getvalue())


def test_broken_workbook_part_is_refused(db):
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx([["A1", "Đơn vị A", "", "Khác"]]))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    with pytest.raises(ImportFileError, match="bị hỏng"):
        unit_import_plan(data=buffer.getvalue())


def test_missing_columns_and_header_only_are_refused(db):
    with pytest.raises(ImportFileError, match="không thấy cột “Mã đơn vị cấp trên”, “Cấp”"):
        unit_import_plan(data=xlsx([["A1", "Đơn vị A"]], header=["Mã đơn vị", "Tên đơn vị"]))
    with pytest.raises(ImportFileError, match="chưa có đơn vị nào"):
        unit_import_plan(data=xlsx([]))


# --- The pages --------------------------------------------------------------------------------------


def test_upload_page_offers_form_and_template(world, client_for):
    response = client_for(world.admin).get(IMPORT_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="file"' in body and "Tệp Excel (.xlsx)" in body
    assert reverse("blocs:unit-import-template") in body


def test_good_file_goes_to_preview_and_confirm_applies_exactly_the_preview(world, client_for):
    client = client_for(world.admin)
    data = xlsx(
        [
            ["E2", "Trung đoàn 2", "F7", "Trung đoàn", ""],
            ["F7", "Sư đoàn 7", "QK1", "Sư đoàn", "F7"],
            ["QK2", "Quân khu 2", "ROOT", "Quân khu, tương đương", "QK2"],
            ["QK3", "Quân khu 3", "ROOT", "Khác", ""],
        ]
    )
    response = client.post(IMPORT_URL, {"file": upload(data)})
    assert response.status_code == 302 and response["Location"] == PREVIEW_URL
    assert Unit.objects.filter(code__in=["E2", "F7"]).count() == 0

    preview = client.get(PREVIEW_URL)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert plan.counts == {"create": 2, "update": 1, "unchanged": 1, "error": 0}
    body = preview.content.decode()
    assert "Xác nhận nhập (2 tạo mới, 1 thay đổi)" in body
    assert "Tên viết tắt: (trống) → QK2" in body
    stored_file = Path(settings.MEDIA_ROOT) / "imports" / f"{client.session['unit_import']['token']}.xlsx"
    assert stored_file.read_bytes() == data

    confirm = preview.context["confirm_form"].initial
    response = client.post(CONFIRM_URL, confirm)
    assert response.status_code == 302 and response["Location"] == reverse("blocs:unit-list")

    f7 = Unit.objects.get(code="F7")
    e2 = Unit.objects.get(code="E2")
    assert (f7.name, f7.parent, f7.echelon, f7.short_name) == ("Sư đoàn 7", world.unit_a, "su_doan", "F7")
    assert (e2.parent, e2.echelon, e2.depth) == (f7, "trung_doan", 3)
    assert f7.history.get().history_user == world.admin
    assert e2.path == f"{f7.path}{e2.pk}/"
    world.unit_b.refresh_from_db()
    assert world.unit_b.short_name == "QK2"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.IMPORT)
    assert event.actor == world.admin
    assert event.data["created"] == ["F7", "E2"] and event.data["updated"] == ["QK2"]
    assert "don-vi.xlsx" in event.summary
    assert "unit_import" not in client.session
    assert not stored_file.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Đã nhập đơn vị từ Excel: 2 đơn vị tạo mới, 1 đơn vị thay đổi."]


def test_file_with_bad_rows_shows_every_reason_and_cannot_be_confirmed(world, client_for):
    client = client_for(world.admin)
    data = xlsx(
        [
            ["A1", "Đơn vị A", "KHONGCO", "Khác"],
            ["A1", "", "", "Cấp lạ"],
            ["B1", "Đơn vị B", "", "Khác"],
        ]
    )
    client.post(IMPORT_URL, {"file": upload(data)})
    preview = client.get(PREVIEW_URL)
    body = preview.content.decode()
    assert "Tệp có 2 dòng lỗi nên chưa thể nhập." in body
    assert "Dòng 2, cột “Mã đơn vị cấp trên”: Không có đơn vị mã “KHONGCO”" in body
    assert "Dòng 3, cột “Tên đơn vị”: Tên đơn vị không được để trống." in body
    assert "Dòng 3, cột “Cấp”: Cấp “Cấp lạ” không có trong danh mục" in body
    assert body.index("Dòng 3, cột “Tên đơn vị”") < body.index("Dòng 3, cột “Cấp”")  # in column order
    assert "Xác nhận nhập" not in body

    # A hand-made confirmation is refused all the same, and nothing is written.
    before = unit_snapshot()
    confirm = preview.context["confirm_form"].initial
    response = client.post(CONFIRM_URL, confirm)
    assert response.status_code == 400
    assert "Tệp còn 2 dòng lỗi" in response.content.decode()
    assert unit_snapshot() == before
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "không phải là bảng tính Excel .xlsx"),
        ("QK1;Quân khu 1\n".encode(), "không phải là bảng tính Excel .xlsx"),
    ],
    ids=["png", "csv"],
)
def test_upload_of_something_else_answers_400_with_a_message(world, client_for, data, message):
    client = client_for(world.admin)
    before = unit_snapshot()
    response = client.post(IMPORT_URL, {"file": upload(data, "don-vi.xlsx")})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert unit_snapshot() == before
    assert "unit_import" not in client.session
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists()


def test_empty_upload_and_missing_file_answer_400(world, client_for):
    client = client_for(world.admin)
    response = client.post(IMPORT_URL, {"file": upload(b"")})
    assert response.status_code == 400
    assert "Tệp rỗng" in response.content.decode()
    response = client.post(IMPORT_URL, {})
    assert response.status_code == 400
    assert "Hãy chọn tệp Excel cần nhập." in response.content.decode()


def test_upload_over_the_size_limit_answers_400(world, client_for, settings):
    settings.UNIT_IMPORT_MAX_BYTES = 1024
    data = xlsx([[f"A{i}", f"Đơn vị {i}", "", "Khác"] for i in range(300)])
    assert len(data) > 1024
    response = client_for(world.admin).post(IMPORT_URL, {"file": upload(data)})
    assert response.status_code == 400
    assert "Tệp quá lớn" in response.content.decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda confirm: {**confirm, "token": "00000000-0000-4000-8000-000000000000"},
        lambda confirm: {**confirm, "token": "../../etc/passwd"},
        lambda confirm: {"fingerprint": confirm["fingerprint"]},
        lambda confirm: {"token": confirm["token"], "fingerprint": "0" * 64},
    ],
    ids=["other-token", "path-token", "missing-token", "other-fingerprint"],
)
def test_confirm_with_tampered_or_missing_token_is_refused(world, client_for, tamper):
    client = client_for(world.admin)
    client.post(IMPORT_URL, {"file": upload(xlsx([["A1", "Đơn vị A", "", "Khác"]]))})
    confirm = client.get(PREVIEW_URL).context["confirm_form"].initial
    before = unit_snapshot()
    response = client.post(CONFIRM_URL, tamper(confirm))
    assert response.status_code == 400
    assert unit_snapshot() == before
    assert not Unit.objects.filter(code="A1").exists()


def test_confirm_without_an_upload_in_this_session_is_refused(world, client_for):
    response = client_for(world.admin).post(
        CONFIRM_URL, {"token": "00000000-0000-4000-8000-000000000000", "fingerprint": "0" * 64}
    )
    assert response.status_code == 400
    assert "Phiên nhập không hợp lệ hoặc đã hết hạn" in response.content.decode()


def test_confirm_refuses_a_file_changed_on_the_server(world, client_for):
    client = client_for(world.admin)
    client.post(IMPORT_URL, {"file": upload(xlsx([["A1", "Đơn vị A", "", "Khác"]]))})
    confirm = client.get(PREVIEW_URL).context["confirm_form"].initial
    stored = Path(settings.MEDIA_ROOT) / "imports" / f"{confirm['token']}.xlsx"
    stored.write_bytes(xlsx([["A1", "Đơn vị khác hẳn", "", "Khác"]]))
    response = client.post(CONFIRM_URL, confirm)
    assert response.status_code == 400
    assert "đã bị thay đổi" in response.content.decode()
    assert not Unit.objects.filter(code="A1").exists()


def test_confirm_refuses_when_units_changed_since_the_preview(world, client_for):
    client = client_for(world.admin)
    client.post(IMPORT_URL, {"file": upload(xlsx([["QK2", "Quân khu 2 mới", "ROOT", "Khác"]]))})
    confirm = client.get(PREVIEW_URL).context["confirm_form"].initial
    UnitFactory(code="X1", name="Đơn vị chen vào")  # irrelevant: plan unchanged
    Unit.objects.filter(pk=world.unit_b.pk).update(echelon="su_doan")  # relevant: QK2's echelon
    response = client.post(CONFIRM_URL, confirm)
    assert response.status_code == 400
    assert "Dữ liệu đơn vị đã thay đổi từ lúc xem trước" in response.content.decode()
    world.unit_b.refresh_from_db()
    assert world.unit_b.name == "Quân khu 2"
    # The page shows the new comparison, and confirming that one works.
    response = client.post(CONFIRM_URL, response.context["confirm_form"].initial)
    assert response.status_code == 302
    world.unit_b.refresh_from_db()
    assert (world.unit_b.name, world.unit_b.echelon) == ("Quân khu 2 mới", "khac")


def test_cancel_discards_the_stored_file(world, client_for):
    client = client_for(world.admin)
    client.post(IMPORT_URL, {"file": upload(xlsx([["A1", "Đơn vị A", "", "Khác"]]))})
    token = client.session["unit_import"]["token"]
    response = client.post(CANCEL_URL)
    assert response.status_code == 302
    assert "unit_import" not in client.session
    assert not (Path(settings.MEDIA_ROOT) / "imports" / f"{token}.xlsx").exists()
    assert client.get(PREVIEW_URL).status_code == 302


@pytest.mark.parametrize("persona", ["secretary", "observer", "leader", "officer", "outsider", "nobody"])
def test_only_admins_may_import(world, client_for, persona):
    client = client_for(world.persona(persona))
    data = xlsx([["A1", "Đơn vị A", "", "Khác"]])
    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {"file": upload(data)}).status_code == 403
    assert client.get(PREVIEW_URL).status_code == 403
    assert client.post(CONFIRM_URL, {"token": "x", "fingerprint": "y"}).status_code == 403
    assert client.post(CANCEL_URL).status_code == 403
    assert not Unit.objects.filter(code="A1").exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("extra_units", "rows"), [(5, 5), (50, 60)])
def test_preview_query_count_does_not_grow_with_rows(
    world, client_for, django_assert_num_queries, extra_units, rows
):
    client = client_for(world.admin)
    root = Unit.objects.get(code="ROOT")
    for _ in range(extra_units):
        UnitFactory(parent=root)
    data = xlsx([[f"N{i}", f"Đơn vị mới {i}", "ROOT", "Khác"] for i in range(rows)])
    client.post(IMPORT_URL, {"file": upload(data)})
    with django_assert_num_queries(PREVIEW_QUERIES):
        assert client.get(PREVIEW_URL).status_code == 200


@pytest.mark.parametrize("extra_units", [5, 50])
def test_upload_page_query_count(world, client_for, django_assert_num_queries, extra_units):
    root = Unit.objects.get(code="ROOT")
    for _ in range(extra_units):
        UnitFactory(parent=root)
    client = client_for(world.admin)
    with django_assert_num_queries(UPLOAD_PAGE_QUERIES):
        assert client.get(IMPORT_URL).status_code == 200


@pytest.mark.parametrize("extra_units", [5, 50])
def test_upload_and_confirm_query_counts_do_not_grow_with_stored_units(
    world, client_for, django_assert_num_queries, extra_units
):
    root = Unit.objects.get(code="ROOT")
    for _ in range(extra_units):
        UnitFactory(parent=root)
    client = client_for(world.admin)
    data = xlsx(
        [
            ["N1", "Đơn vị mới 1", "ROOT", "Khác"],
            ["N2", "Đơn vị mới 2", "N1", "Khác"],
            ["QK2", "QK Hai", "ROOT", "Khác"],
        ]
    )
    with django_assert_num_queries(UPLOAD_QUERIES):
        assert client.post(IMPORT_URL, {"file": upload(data)}).status_code == 302
    confirm = client.get(PREVIEW_URL).context["confirm_form"].initial
    with django_assert_num_queries(CONFIRM_QUERIES):
        assert client.post(CONFIRM_URL, confirm).status_code == 302
    with django_assert_num_queries(CANCEL_QUERIES):
        assert client.post(CANCEL_URL).status_code == 302


def test_too_many_rows_are_refused(db, monkeypatch):
    monkeypatch.setattr("blocs.services.unit_import.MAX_ROWS", 3)
    data = xlsx([[f"A{i}", f"Đơn vị {i}", "", "Khác"] for i in range(4)])
    with pytest.raises(ImportFileError, match="mỗi lần nhập tối đa 3 đơn vị"):
        unit_import_plan(data=data)
