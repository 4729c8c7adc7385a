"""A round's scores in Excel: the template, the import (upload, preview, confirm) and the export."""

from __future__ import annotations

import io
import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from blocs.models import AuditEvent
from blocs.tests.factories import MembershipFactory, UnitFactory
from scoring.models import Correction, Criterion, Score, Scorecard, ScorecardKind
from scoring.services.criteria import criteria_set_create, criteria_set_load_tree
from scoring.services.score_excel import ImportFileError, score_import_plan, score_template
from scoring.services.scorecards import check_points, final_grid_save, self_card_save
from scoring.tests.factories import campaign_for, close_round, published_round, round_with_sample

SHEET = "Bảng điểm"


@pytest.fixture
def scoring_round(world):
    return round_with_sample(world.bloc, "q1", actor=world.admin)


def url(name: str, scoring_round) -> str:
    return reverse(f"scoring:{name}", args=[scoring_round.pk])


def leaves(scoring_round) -> dict[str, Criterion]:
    return {
        c.code: c
        for c in Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
    }


def final_scores(scoring_round) -> dict[tuple[str, str], Decimal]:
    return {
        (s.scorecard.scored_unit.code, s.criterion.code): s.points
        for s in Score.objects.filter(
            scorecard__round=scoring_round, scorecard__kind=ScorecardKind.FINAL
        ).select_related("scorecard__scored_unit", "criterion")
    }


def save_final(scoring_round, actor, values: dict[tuple, str]) -> None:
    """values: (unit, criterion code) → points, saved through the grid's service."""
    crit = leaves(scoring_round)
    versions = {
        card.scored_unit_id: card.version
        for card in Scorecard.objects.filter(round=scoring_round, kind=ScorecardKind.FINAL)
    }
    final_grid_save(
        scoring_round=scoring_round,
        entries={(unit.pk, crit[code].pk): Decimal(value) for (unit, code), value in values.items()},
        base_versions=versions,
        actor=actor,
    )


def locate(sheet) -> tuple[dict[str, int], dict[str, int]]:
    """Columns by unit code (row 1) and rows by criterion code (column A)."""
    units = {str(c.value): c.column for c in sheet[1][4:] if c.value}
    rows = {
        str(sheet.cell(row=r, column=1).value): r
        for r in range(3, sheet.max_row + 1)
        if sheet.cell(row=r, column=1).value
    }
    return units, rows


def fill(data: bytes, cells: dict[tuple[str, str], object], *, extra=None) -> bytes:
    """The workbook with `cells` ((unit code, criterion code) → value) typed in; `extra`
    (sheet → None) may change anything else."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[SHEET]
    units, rows = locate(sheet)
    for (unit_code, code), value in cells.items():
        sheet.cell(row=rows[code], column=units[unit_code]).value = value
    if extra:
        extra(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(data: bytes, name: str = "bang-diem.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def template(client, scoring_round) -> bytes:
    response = client.get(url("excel-template", scoring_round))
    assert response.status_code == 200
    return response.content


def upload_and_preview(client, scoring_round, data: bytes):
    response = client.post(url("excel-import", scoring_round), {"file": xlsx_upload(data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(url("excel-import-preview", scoring_round))


# --- The template -------------------------------------------------------------------------------------


def test_template_has_units_criteria_maxima_and_current_scores(world, client_for, scoring_round):
    save_final(scoring_round, world.secretary, {(world.unit_b, "2.1"): "9.5"})
    data = template(client_for(world.secretary), scoring_round)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [SHEET, "Hướng dẫn", "_meta"]
    assert workbook["_meta"].sheet_state == "hidden"
    assert workbook["_meta"]["B1"].value == scoring_round.pk
    sheet = workbook[SHEET]
    assert [c.value for c in sheet[1][:4]] == ["Mã tiêu chí", "Nội dung tiêu chí", "Loại", "Điểm tối đa"]
    assert [c.value for c in sheet[1][4:]] == ["QK1", "QK2", "QK3"]
    assert [c.value for c in sheet[2][4:]] == ["Quân khu 1", "Quân khu 2", "Quân khu 3"]
    assert sheet.freeze_panes == "E3"
    assert sheet.column_dimensions["B"].width >= 50
    units, rows = locate(sheet)
    assert sheet.cell(row=rows["2.1"], column=4).value == 10
    assert sheet.cell(row=rows["9.1"], column=4).value == "0 hoặc 1"
    assert sheet.cell(row=rows["2.1"], column=units["QK2"]).value == 9.5
    assert sheet.cell(row=rows["2.1"], column=units["QK1"]).value is None
    assert "1" in rows and rows["1"] < rows["1.1"]  # the group row before its criteria
    assert len(sheet.data_validations.dataValidation) >= 2
    assert len(leaves(scoring_round)) == len([code for code in rows if "." in code])


def test_template_and_export_are_safe_from_formula_injection(world, client_for, scoring_round):
    evil = UnitFactory(code="EVIL", name='=HYPERLINK("http://x","bấm")')
    MembershipFactory(bloc=world.bloc, unit=evil)
    client = client_for(world.secretary)
    for name in ("excel-template", "excel-export"):
        response = client.get(url(name, scoring_round))
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook[SHEET if name == "excel-template" else "Điểm chốt"]
        cell = next(c for c in sheet[2] if c.value and str(c.value).startswith("=HYPERLINK"))
        assert cell.data_type == "s" and cell.quotePrefix
    summary = load_workbook(io.BytesIO(client.get(url("excel-export", scoring_round)).content))["Tổng hợp"]
    name_cell = next(row[2] for row in summary.iter_rows(min_row=4) if row[1].value == "EVIL")
    assert name_cell.data_type == "s" and name_cell.quotePrefix


# --- Upload and preview -------------------------------------------------------------------------------


def test_template_round_trip_previews_exactly_the_changed_cells(world, client_for, scoring_round):
    save_final(scoring_round, world.secretary, {(world.unit_a, "1.1"): "4", (world.unit_b, "2.1"): "9.5"})
    client = client_for(world.secretary)
    data = fill(
        template(client, scoring_round),
        {
            ("QK1", "1.1"): 4,  # unchanged
            ("QK1", "1.2"): "4,50",  # new, decimal comma
            ("QK2", "2.1"): 8,  # changed
            ("QK3", "8.1"): 2,  # a penalty, positive
            ("QK3", "9.2"): 1,  # a veto triggered
        },
    )
    preview = upload_and_preview(client, scoring_round, data)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert not plan.problems
    got = {(c.unit.code, c.criterion_code): (c.old, c.new) for c in plan.changes}
    assert got == {
        ("QK1", "1.2"): (None, Decimal("4.5")),
        ("QK2", "2.1"): (Decimal("9.5"), Decimal("8")),
        ("QK3", "8.1"): (None, Decimal("2")),
        ("QK3", "9.2"): (None, Decimal("1")),
    }
    assert plan.unchanged == 1  # QK1's 1.1, typed again as it was
    refs = {c.ref for c in plan.changes}
    assert all(ref[0] in "EFG" for ref in refs)
    body = preview.content.decode()
    assert "9,5" in body and "Xác nhận nhập 4 ô" in body
    assert final_scores(scoring_round) == {("QK1", "1.1"): Decimal("4"), ("QK2", "2.1"): Decimal("9.5")}


def test_bad_cells_are_each_listed_with_their_reason(world, client_for, scoring_round):
    client = client_for(world.secretary)

    def extra(sheet):
        units, rows = locate(sheet)
        sheet.cell(row=1, column=8).value = "XYZ"  # an unknown unit
        sheet.cell(row=rows["1.1"], column=8).value = 3
        last = sheet.max_row + 1
        sheet.cell(row=last, column=1).value = "99.9"  # an unknown criterion
        sheet.cell(row=last, column=5).value = 1
        sheet.cell(row=rows["1"], column=units["QK2"]).value = 5  # a group row

    data = fill(
        template(client, scoring_round),
        {
            ("QK1", "1.1"): "abc",
            ("QK1", "1.2"): 7,
            ("QK1", "1.3"): -1,
            ("QK1", "9.1"): 2,
            ("QK2", "1.1"): "=2+2",
            ("QK2", "1.2"): date(2026, 1, 5),
            ("QK2", "1.3"): 1.125,
            ("QK3", "1.1"): 3,  # a good cell among the bad
        },
        extra=extra,
    )
    preview = upload_and_preview(client, scoring_round, data)
    plan = preview.context["plan"]
    reasons = {p.ref: p.reason for p in plan.problems}
    workbook = load_workbook(io.BytesIO(data))
    units, rows = locate(workbook[SHEET])

    def ref(unit_code, code):
        return f"{'EFGH'[units[unit_code] - 5]}{rows[code]}"

    assert "không phải là số" in reasons[ref("QK1", "1.1")]
    assert "tối đa 5 điểm, đã nhập 7" in reasons[ref("QK1", "1.2")]
    assert "không được âm" in reasons[ref("QK1", "1.3")]
    assert "chỉ nhận 0 (không vi phạm) hoặc 1" in reasons[ref("QK1", "9.1")]
    assert "công thức" in reasons[ref("QK2", "1.1")]
    assert "ngày tháng" in reasons[ref("QK2", "1.2")]
    assert "2 chữ số sau dấu phẩy" in reasons[ref("QK2", "1.3")]
    assert "“XYZ” không phải là đơn vị" in reasons["H1"]
    assert "“99.9” không có trong bộ tiêu chí" in reasons[f"A{workbook[SHEET].max_row}"]
    assert "nhóm tiêu chí" in reasons[ref("QK2", "1")]
    assert len(plan.problems) == 10
    assert [(c.unit.code, c.criterion_code) for c in plan.changes] == [("QK3", "1.1")]
    body = preview.content.decode()
    assert "Tệp có 10 ô lỗi" in body and "Xác nhận nhập" not in body
    problem_rows = [p for p in plan.problems if p.unit]
    assert any(p.unit == "QK1 – Quân khu 1" and p.criterion == "1.1" for p in problem_rows)

    # Confirming anyway is refused; nothing is written.
    confirm = {"token": client.session["score_import"]["token"], "fingerprint": plan.fingerprint}
    response = client.post(url("excel-import-confirm", scoring_round), confirm)
    assert response.status_code == 400
    assert "ô lỗi" in response.content.decode()
    assert final_scores(scoring_round) == {}


def test_duplicated_columns_and_rows_and_cells_outside_the_grid_are_refused(world, client_for, scoring_round):
    client = client_for(world.secretary)

    def extra(sheet):
        units, rows = locate(sheet)
        sheet.cell(row=1, column=8).value = "qk1"  # QK1 again, lower case
        sheet.cell(row=rows["1.1"], column=8).value = 2
        sheet.cell(row=rows["1.1"], column=10).value = 2  # a column without a unit code
        last = sheet.max_row + 1
        sheet.cell(row=last, column=1).value = "1.1"  # 1.1 again
        sheet.cell(row=last, column=5).value = 1
        sheet.cell(row=last + 1, column=6).value = 1  # a row without a criterion code
        sheet.cell(row=last + 2, column=1).value = "Ghi chú: không có gì"  # harmless, nothing to write

    data = fill(template(client, scoring_round), {("QK1", "1.1"): 3}, extra=extra)
    plan = upload_and_preview(client, scoring_round, data).context["plan"]
    reasons = {p.ref: p.reason for p in plan.problems}
    sheet = load_workbook(io.BytesIO(data))[SHEET]
    last = sheet.max_row - 2
    row = next(r for r in range(3, last) if sheet.cell(row=r, column=1).value == "1.1")
    assert set(reasons) == {"H1", f"J{row}", f"A{last}", f"F{last + 1}"}
    assert "QK1 đã có ở cột E" in reasons["H1"]
    assert "không có mã đơn vị" in reasons[f"J{row}"]
    assert f"Tiêu chí 1.1 đã có ở dòng {row}" in reasons[f"A{last}"]
    assert "không có mã tiêu chí" in reasons[f"F{last + 1}"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("ngau-nhien.xlsx", os.urandom(2048), "không phải là bảng tính Excel .xlsx"),
        ("rong.xlsx", b"", "rỗng"),
        ("bang-diem.csv", "Mã tiêu chí,QK1\n1.1,5\n".encode(), "không phải là bảng tính Excel .xlsx"),
        ("nen.xlsx", None, "không phải là bảng tính Excel .xlsx"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(world, client_for, scoring_round, name, data, message):
    if data is None:  # a zip, but not a workbook
        buffer = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "x")
        data = buffer.getvalue()
    client = client_for(world.secretary)
    response = client.post(url("excel-import", scoring_round), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "score_import" not in client.session


def test_a_score_workbook_over_the_size_limit_is_refused_unread(world, client_for, scoring_round, settings):
    settings.SCORE_IMPORT_MAX_BYTES = 1024
    client = client_for(world.secretary)
    big = SimpleUploadedFile("bang-diem.xlsx", b"PK\x03\x04" + os.urandom(4096))
    response = client.post(url("excel-import", scoring_round), {"file": big})
    assert response.status_code == 400
    assert "Tệp quá lớn" in response.content.decode()
    assert "score_import" not in client.session


def test_a_workbook_without_the_template_shape_is_refused(world, client_for, scoring_round):
    workbook = Workbook()
    workbook.active.append(["Họ tên", "Điểm"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client_for(world.secretary).post(
        url("excel-import", scoring_round), {"file": xlsx_upload(buffer.getvalue())}
    )
    assert response.status_code == 400
    assert "Mã tiêu chí" in response.content.decode()


def test_a_workbook_of_another_round_is_refused(world, client_for, scoring_round):
    other = round_with_sample(world.bloc, "q2", actor=world.admin)
    client = client_for(world.secretary)
    data = fill(template(client, other), {("QK1", "1.1"): 3})
    response = client.post(url("excel-import", scoring_round), {"file": xlsx_upload(data)})
    assert response.status_code == 400
    assert "đợt chấm khác" in response.content.decode()


def test_a_formula_cell_is_refused_even_as_the_only_change(world, client_for, scoring_round):
    client = client_for(world.secretary)
    data = fill(template(client, scoring_round), {("QK1", "2.1"): "=SUM(1,2)"})
    plan = upload_and_preview(client, scoring_round, data).context["plan"]
    assert [p.reason for p in plan.problems] == [
        "Ô chứa công thức; hãy thay bằng giá trị (Dán đặc biệt → Chỉ giá trị)."
    ]
    assert not plan.changes


# --- Confirm -------------------------------------------------------------------------------------------


def test_confirm_writes_through_the_grid_service(world, client_for, scoring_round):
    client = client_for(world.secretary)
    data = fill(template(client, scoring_round), {("QK1", "1.1"): 5, ("QK2", "7.1"): "2,5"})
    preview = upload_and_preview(client, scoring_round, data)
    form = preview.context["confirm_form"]
    response = client.post(
        url("excel-import-confirm", scoring_round),
        {"token": form["token"].value(), "fingerprint": form["fingerprint"].value()},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:grid", args=[scoring_round.pk])
    assert final_scores(scoring_round) == {("QK1", "1.1"): Decimal("5"), ("QK2", "7.1"): Decimal("2.5")}
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT, summary__contains="bang-diem.xlsx").exists()
    assert "score_import" not in client.session
    # The same file again changes nothing.
    again = upload_and_preview(client, scoring_round, data)
    assert not again.context["plan"].changes and again.context["plan"].unchanged == 2


@pytest.mark.parametrize("tamper", ["other-token", "no-token", "bad-fingerprint", "no-session"])
def test_a_tampered_or_missing_token_is_refused(world, client_for, scoring_round, tamper):
    client = client_for(world.secretary)
    data = fill(template(client, scoring_round), {("QK1", "1.1"): 5})
    preview = upload_and_preview(client, scoring_round, data)
    form = preview.context["confirm_form"]
    post = {"token": form["token"].value(), "fingerprint": form["fingerprint"].value()}
    if tamper == "other-token":
        post["token"] = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    elif tamper == "no-token":
        del post["token"]
    elif tamper == "bad-fingerprint":
        post["fingerprint"] = "0" * 64
    else:
        client.post(url("excel-import-cancel", scoring_round))
    response = client.post(url("excel-import-confirm", scoring_round), post)
    assert response.status_code == 400
    assert final_scores(scoring_round) == {}


def test_a_save_between_preview_and_confirm_stops_the_import(world, client_for, scoring_round):
    client = client_for(world.secretary)
    data = fill(template(client, scoring_round), {("QK1", "1.1"): 5, ("QK2", "1.1"): 4})
    preview = upload_and_preview(client, scoring_round, data)
    form = preview.context["confirm_form"]
    world.admin.full_name = "Lê Quản Trị"
    world.admin.save()
    save_final(scoring_round, world.admin, {(world.unit_a, "1.1"): "1"})
    response = client.post(
        url("excel-import-confirm", scoring_round),
        {"token": form["token"].value(), "fingerprint": form["fingerprint"].value()},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Lê Quản Trị" in body and "chưa có điểm nào được ghi" in body
    assert final_scores(scoring_round) == {("QK1", "1.1"): Decimal("1")}
    # The preview shown again is the new one; confirming it now writes.
    again = response.context["confirm_form"]
    response = client.post(
        url("excel-import-confirm", scoring_round),
        {"token": again["token"].value(), "fingerprint": again["fingerprint"].value()},
    )
    assert response.status_code == 302
    assert final_scores(scoring_round) == {("QK1", "1.1"): Decimal("5"), ("QK2", "1.1"): Decimal("4")}


def test_closed_round_previews_but_does_not_write(world, client_for, scoring_round):
    client = client_for(world.secretary)
    data = fill(template(client, scoring_round), {("QK1", "1.1"): 5})
    close_round(scoring_round, world.admin)
    preview = upload_and_preview(client, scoring_round, data)
    assert not preview.context["can_confirm"]
    form = preview.context["confirm_form"]
    response = client.post(
        url("excel-import-confirm", scoring_round),
        {"token": form["token"].value(), "fingerprint": form["fingerprint"].value()},
    )
    assert response.status_code == 400
    assert "khóa sổ" in response.content.decode()
    assert final_scores(scoring_round) == {}


def test_published_round_needs_a_reason_and_records_a_correction(world, client_for):
    scoring_round = published_round(world.bloc, "q2", world.admin)
    client = client_for(world.secretary)
    data = fill(template(client, scoring_round), {("QK1", "1.1"): 5})
    form = upload_and_preview(client, scoring_round, data).context["confirm_form"]
    post = {"token": form["token"].value(), "fingerprint": form["fingerprint"].value()}
    response = client.post(url("excel-import-confirm", scoring_round), post)
    assert response.status_code == 400
    assert "phải nêu lý do" in response.content.decode()
    assert final_scores(scoring_round) == {}
    response = client.post(
        url("excel-import-confirm", scoring_round), {**post, "reason": "Phúc tra theo biên bản"}
    )
    assert response.status_code == 302
    assert Correction.objects.get().reason == "Phúc tra theo biên bản"


# --- Export --------------------------------------------------------------------------------------------


def capped_round(world):
    """A round on a small set whose bonus and penalty caps bind."""
    campaign = campaign_for(world.bloc)
    criteria_set = criteria_set_create(campaign=campaign, name="Bộ nhỏ", actor=world.admin)
    criteria_set_load_tree(
        criteria_set=criteria_set,
        groups=[
            {
                "code": "1",
                "title": "Chuẩn",
                "children": [
                    {"code": "1.1", "title": "A", "max": 10},
                    {"code": "1.2", "title": "B", "max": 10},
                ],
            },
            {
                "code": "2",
                "title": "Thưởng",
                "kind": "bonus",
                "max": 3,
                "children": [
                    {"code": "2.1", "title": "C", "max": 5},
                    {"code": "2.2", "title": "D", "max": 5},
                ],
            },
            {
                "code": "3",
                "title": "Trừ",
                "kind": "penalty",
                "max": 4,
                "children": [
                    {"code": "3.1", "title": "+SUM(1;2)", "max": 5},
                    {"code": "3.2", "title": "E", "max": 5},
                ],
            },
            {"code": "4", "title": "Phủ quyết", "kind": "veto", "children": [{"code": "4.1", "title": "F"}]},
        ],
        actor=world.admin,
    )
    return round_with_sample(world.bloc, "q3", world.admin, campaign=campaign)


def test_export_totals_follow_rule_1_with_caps_and_veto(world, client_for):
    scoring_round = capped_round(world)
    save_final(
        scoring_round,
        world.secretary,
        {
            (world.unit_a, "1.1"): "9",
            (world.unit_a, "1.2"): "8.5",
            (world.unit_a, "2.1"): "5",
            (world.unit_a, "2.2"): "1",  # bonus 6, capped at 3
            (world.unit_a, "3.1"): "5",
            (world.unit_a, "3.2"): "2",  # penalty 7, capped at 4
            (world.unit_b, "1.1"): "7",
            (world.unit_b, "2.1"): "1",
            (world.unit_b, "3.2"): "1",
            (world.unit_b, "4.1"): "1",  # a veto
        },
    )
    crit = leaves(scoring_round)
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={crit["1.1"].pk: Decimal(10), crit["1.2"].pk: Decimal(10)},
        base_version=0,
        actor=world.officer,
    )
    response = client_for(world.secretary).get(url("excel-export", scoring_round))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Tổng hợp", "Điểm chốt", "Điểm tự chấm"]
    summary = {row[1]: row for row in workbook["Tổng hợp"].iter_rows(min_row=4, max_row=6, values_only=True)}
    assert summary["QK1"][3:9] == (17.5, 3, 4, 16.5, "Không", 20)
    assert summary["QK2"][3:8] == (7, 1, 1, 7, "Vi phạm")
    assert summary["QK3"][3:8] == (None, None, None, None, "Chưa chấm")
    final = workbook["Điểm chốt"]
    values = {
        row[1]: row[4:7] for row in final.iter_rows(values_only=True) if row[1] in ("Tổng điểm", "Phủ quyết")
    }
    assert values["Tổng điểm"] == (16.5, 7, None)
    assert values["Phủ quyết"] == ("Không", "Vi phạm", None)
    title = next(c for c in final["B"] if c.value == "+SUM(1;2)")
    assert title.data_type == "s" and title.quotePrefix
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, summary__contains="Xuất điểm").exists()


# --- Access and query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("leader", 403),
        ("officer", 403),
        ("observer", 403),
        ("outsider", 404),
        ("other_secretary", 404),
        ("nobody", 404),
    ],
)
def test_only_the_secretariat_uses_the_excel_pages(world, client_for, scoring_round, persona, status):
    client = client_for(world.persona(persona))
    for name in ("excel-template", "excel-export", "excel-import", "excel-import-preview"):
        assert client.get(url(name, scoring_round)).status_code == status
    for name in ("excel-import", "excel-import-confirm", "excel-import-cancel"):
        assert client.post(url(name, scoring_round)).status_code == status


def test_admin_may_use_the_excel_pages(world, client_for, scoring_round):
    client = client_for(world.admin)
    assert client.get(url("excel-import", scoring_round)).status_code == 200
    assert client.get(url("excel-export", scoring_round)).status_code == 200


def test_plan_reads_a_file_without_meta_sheet(world, scoring_round):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Trang tính 1"
    sheet.append(["Mã tiêu chí", "Nội dung tiêu chí", "Loại", "Điểm tối đa", "QK2"])
    sheet.append([None, None, None, None, "Quân khu 2"])
    sheet.append(["2.1", "x", "", 10, 6])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = score_import_plan(scoring_round=scoring_round, data=buffer.getvalue())
    assert [(c.ref, c.unit.code, c.new) for c in plan.changes] == [("E3", "QK2", Decimal(6))]
    with pytest.raises(ImportFileError):
        score_import_plan(scoring_round=scoring_round, data=b"PK\x03\x04garbage")


# Every page: session, user, the navigation's roles; the preview also saves the session (savepoint,
# update, release), which keeps the versions it was computed on. The preview: the round, the permission, the criteria, the member units, their cards,
# their scores.
PREVIEW_QUERIES = 12


@pytest.mark.parametrize("extra_units", [1, 12])
def test_preview_query_count_does_not_grow_with_units_or_cells(
    world, client_for, django_assert_num_queries, extra_units
):
    scoring_round = round_with_sample(world.bloc, "q1", actor=world.admin)
    for i in range(extra_units):
        MembershipFactory(bloc=world.bloc, unit=UnitFactory(code=f"XU{i}", name=f"Đơn vị thêm {i}"))
    client = client_for(world.secretary)
    workbook = load_workbook(io.BytesIO(template(client, scoring_round)))
    sheet = workbook[SHEET]
    units, rows = locate(sheet)
    for column in units.values():
        for code, row in rows.items():
            if "." in code and not code.startswith("9"):
                sheet.cell(row=row, column=column).value = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.post(url("excel-import", scoring_round), {"file": xlsx_upload(buffer.getvalue())})
    with django_assert_num_queries(PREVIEW_QUERIES):
        response = client.get(url("excel-import-preview", scoring_round))
    assert response.status_code == 200
    assert len(response.context["plan"].changes) == (3 + extra_units) * 21


# --- Fuzzing the reader ---------------------------------------------------------------------------------

CELL_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-50, max_value=50),
    st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-20, max_value=20, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.text(alphabet="0123456789,.-+ =aé#", max_size=8),
    st.booleans(),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
)


def _fuzz_round(world):
    """One round and its template for every example of a run: the database is not reset
    between hypothesis examples."""
    if not hasattr(world, "fuzz"):
        scoring_round = round_with_sample(world.bloc, "q4", actor=world.admin)
        world.fuzz = (scoring_round, score_template(scoring_round=scoring_round, actor=None))
    return world.fuzz


FUZZ_CELLS = st.tuples(
    st.sampled_from(["QK1", "QK2", "QK3"]), st.sampled_from(["1.1", "2.1", "7.1", "8.1", "9.1"])
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.dictionaries(FUZZ_CELLS, CELL_VALUES, max_size=12))
def test_any_cell_is_a_change_unchanged_or_a_problem_never_a_crash(world, cells):
    scoring_round, data = _fuzz_round(world)
    plan = score_import_plan(scoring_round=scoring_round, data=fill(data, cells))
    crit = leaves(scoring_round)
    for change in plan.changes:
        assert check_points(crit[change.criterion_code], change.new) is None
    filled = sum(
        1
        for value in cells.values()
        if value is not None and not (isinstance(value, str) and not value.strip())
    )
    assert len(plan.changes) + plan.unchanged + len(plan.problems) == filled
