"""Pages of award decisions and award histories, and the Excel export of a bloc's awards."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from awards.models import AwardDecision, AwardRecord
from awards.services.decisions import award_decision_record
from awards.services.nominations import nomination_decide, nomination_list_submit, nominations_generate
from awards.tests.test_nominations_support import (
    FLAG_BQP,
    QUYET_THANG,
    TIEN_TIEN,
    add_members,
    catalogue,
    grant,
    world_review,
)
from blocs.models import AuditEvent

OUTSIDERS = ["other_secretary", "outsider", "nobody"]


@pytest.fixture
def titles(db):
    return catalogue()


@pytest.fixture
def decided(world, titles):
    nomination_list = nominations_generate(review=world_review(world), actor=world.secretary)
    nomination_list_submit(nomination_list=nomination_list, actor=world.secretary)
    for nomination in nomination_list.nominations.all():
        nomination_decide(nomination=nomination, approve=True, actor=world.admin)
    return nomination_list


def form_data(decided, **changes):
    data = {
        "danh_sach": str(decided.pk),
        "number": "1234/QĐ-BQP",
        "signed_on": "20/01/2025",
        "issuer": "Bộ trưởng Bộ Quốc phòng",
        "year": "2024",
        "summary": "Tặng Cờ thi đua, danh hiệu thi đua năm 2024",
        "nominations": [str(n.pk) for n in decided.nominations.all()],
        "note": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def create_url(world):
    return reverse("awards:decision-create", args=[world.bloc.pk])


def test_the_secretary_records_a_decision_from_the_approved_nominations(world, client_for, decided):
    response = client_for(world.secretary).post(create_url(world), form_data(decided))
    decision = AwardDecision.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "awards:decision-detail", args=[decision.pk]
    )
    assert decision.records.count() == 4 and decision.nomination_list == decided
    page = client_for(world.leader).get(response["Location"]).content.decode()
    assert page.count('data-testid="record"') == 4


def test_the_form_preselects_the_approved_nominations(world, client_for, decided):
    response = client_for(world.secretary).get(create_url(world) + f"?danh-sach={decided.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.initial["nominations"]) == set(decided.nominations.values_list("pk", flat=True))
    assert form.initial["year"] == 2024


def test_an_extra_grant_needs_a_note(world, client_for, decided, titles):
    data = form_data(decided, unit_1=str(world.unit_c.pk), title_1=str(titles[TIEN_TIEN].pk))
    client = client_for(world.secretary)
    response = client.post(create_url(world), data)
    assert response.status_code == 400
    assert "Quân khu 3 – Đơn vị tiên tiến" in response.context["form"].errors["note"][0]
    assert not AwardDecision.objects.exists()
    response = client.post(create_url(world), {**data, "note": "Bộ trưởng khen thêm."})
    assert response.status_code == 302
    assert AwardRecord.objects.get(unit=world.unit_c).note == "Bộ trưởng khen thêm."


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"number": ""}, "number", "Số quyết định: không được để trống."),
        ({"signed_on": "32/01/2025"}, "signed_on", "Ngày ký: "),
        ({"year": "hai"}, "year", "Năm thi đua được khen: nhập năm"),
        ({"issuer": ""}, "issuer", "Cấp quyết định: không được để trống."),
        ({"nominations": []}, "nominations", "Đơn vị được khen: chọn ít nhất một đơn vị."),
        (
            {"nominations": ["999999"]},
            "nominations",
            "Khen theo đề nghị: chọn trong các đề nghị đã được đồng ý.",
        ),
        ({"year": "2023"}, "year", "là của năm 2024"),
        ({"unit_1": "x"}, "unit_1", "Đơn vị khác 1: chọn một đơn vị thành viên."),
        ({"unit_2": "UNIT_A"}, "title_2", "Danh hiệu cho đơn vị khác 2: chọn danh hiệu được khen."),
        ({"danh_sach": "999999"}, "__all__", "Danh sách đề nghị: không thuộc khối/cụm này"),
    ],
)
def test_bad_input_on_the_decision_form_answers_400_naming_the_field(
    world, client_for, decided, changes, field, text
):
    changes = {k: (str(world.unit_a.pk) if v == "UNIT_A" else v) for k, v in changes.items()}
    response = client_for(world.secretary).post(create_url(world), form_data(decided, **changes))
    assert response.status_code == 400
    assert any(text in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert not AwardDecision.objects.exists()


def test_a_duplicate_award_is_refused_with_the_reason(world, client_for, decided, titles):
    grant(world.unit_a, titles[QUYET_THANG], 2024, by=world.admin)
    response = client_for(world.secretary).post(create_url(world), form_data(decided))
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert any("Quân khu 1 đã được khen Đơn vị Quyết thắng năm 2024" in e for e in errors)
    assert AwardDecision.objects.count() == 1


@pytest.mark.parametrize("persona", ["observer", "leader", "officer"])
def test_readers_may_not_record_decisions(world, client_for, decided, persona):
    client = client_for(world.persona(persona))
    assert client.get(create_url(world)).status_code == 403
    assert client.post(create_url(world), form_data(decided)).status_code == 403
    assert not AwardDecision.objects.exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_on_decision_pages(world, client_for, decided, titles, persona):
    decision = award_decision_record(
        number="1/QĐ",
        signed_on=date(2025, 1, 2),
        issuer="Bộ Quốc phòng",
        year=2024,
        grants=[(world.unit_a, titles[FLAG_BQP])],
        nomination_list=decided,
        actor=world.admin,
    )
    client = client_for(world.persona(persona))
    assert client.post(create_url(world), form_data(decided)).status_code == 404
    assert client.get(reverse("awards:decision-detail", args=[decision.pk])).status_code == 404
    assert AwardDecision.objects.count() == 1


# --- Histories --------------------------------------------------------------------------------------


@pytest.fixture
def history(world, titles):
    grant(world.unit_a, titles[QUYET_THANG], 2022, by=world.admin)
    grant(world.unit_a, titles[QUYET_THANG], 2023, by=world.admin)
    grant(world.unit_b, titles[TIEN_TIEN], 2023, by=world.admin)
    grant(world.other_unit, titles[TIEN_TIEN], 2023, by=world.admin)


@pytest.mark.parametrize("persona", ["admin", "secretary", "observer", "leader", "officer"])
def test_a_units_award_history_lists_years_titles_and_decisions(world, client_for, history, persona):
    response = client_for(world.persona(persona)).get(reverse("awards:unit-awards", args=[world.unit_a.pk]))
    assert response.status_code == 200
    assert [y.year for y in response.context["years"]] == [2023, 2022]
    page = response.content.decode()
    assert "Đơn vị Quyết thắng" in page and "Quyết định số 1/QĐ-BQP" in page


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_on_a_units_history(world, client_for, history, persona):
    assert (
        client_for(world.persona(persona))
        .get(reverse("awards:unit-awards", args=[world.unit_a.pk]))
        .status_code
        == 404
    )


@pytest.mark.parametrize("persona", ["admin", "secretary", "observer", "leader", "officer"])
def test_the_blocs_awards_per_year_hold_only_its_members(world, client_for, history, persona):
    response = client_for(world.persona(persona)).get(reverse("awards:bloc-awards", args=[world.bloc.pk]))
    assert response.status_code == 200
    years = response.context["years"]
    assert [(y.year, [(r.unit.code, r.title.name) for r in y.records]) for y in years] == [
        (2023, [("QK1", QUYET_THANG), ("QK2", TIEN_TIEN)]),
        (2022, [("QK1", QUYET_THANG)]),
    ]


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("admin", True), ("secretary", True), ("observer", True), ("leader", True), ("officer", False)],
)
def test_the_blocs_awards_offer_its_nomination_lists_to_their_readers_only(
    world, client_for, decided, persona, shown
):
    """A unit's staff officer reads the awards, not the proposals (DESIGN.md §6): he is not
    offered the lists, whose page would refuse him."""
    response = client_for(world.persona(persona)).get(reverse("awards:bloc-awards", args=[world.bloc.pk]))
    assert response.status_code == 200
    assert (reverse("awards:nominations", args=[decided.review_id]) in response.content.decode()) is shown


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_on_the_blocs_awards_and_export(world, client_for, history, persona):
    client = client_for(world.persona(persona))
    assert client.get(reverse("awards:bloc-awards", args=[world.bloc.pk])).status_code == 404
    assert client.get(reverse("awards:bloc-awards-excel", args=[world.bloc.pk])).status_code == 404


def test_the_export_is_a_formula_safe_workbook_and_is_audited(world, client_for, history, titles):
    AwardRecord.objects.filter(unit=world.unit_b).update(note='=HYPERLINK("x")')
    response = client_for(world.observer).get(reverse("awards:bloc-awards-excel", args=[world.bloc.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Năm", "Đơn vị", "Mã đơn vị", "Danh hiệu, hình thức khen thưởng")
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [
        (2023, "QK1", QUYET_THANG),
        (2023, "QK2", TIEN_TIEN),
        (2022, "QK1", QUYET_THANG),
    ]
    note_cell = sheet.cell(row=3, column=10)
    assert note_cell.value == '=HYPERLINK("x")' and note_cell.data_type == "s"
    assert AuditEvent.objects.filter(kind="export", actor=world.observer).exists()


@pytest.mark.parametrize(("extra", "expected"), [(0, 9), (5, 9)])
def test_history_pages_run_a_fixed_number_of_queries(
    world, client_for, titles, django_assert_num_queries, extra, expected
):
    for unit in add_members(world.bloc, extra):
        grant(unit, titles[TIEN_TIEN], 2023, by=world.admin)
    grant(world.unit_a, titles[QUYET_THANG], 2023, by=world.admin)
    client = client_for(world.observer)
    with django_assert_num_queries(expected):
        client.get(reverse("awards:bloc-awards", args=[world.bloc.pk]))
