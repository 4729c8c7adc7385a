"""Award decisions: matching the approved nominations, a note for what does not match, no
second award of a title to a unit in one year."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from awards.models import AwardDecision, AwardRecord
from awards.services.decisions import award_decision_record
from awards.services.nominations import nomination_decide, nomination_list_submit, nominations_generate
from awards.tests.test_nominations_support import (
    BANG_KHEN_BQP,
    FLAG_BQP,
    QUYET_THANG,
    TIEN_TIEN,
    catalogue,
    world_review,
)


@pytest.fixture
def titles(db):
    return catalogue()


@pytest.fixture
def decided(world, titles):
    nomination_list = nominations_generate(review=world_review(world), actor=world.secretary)
    nomination_list_submit(nomination_list=nomination_list, actor=world.secretary)
    for nomination in nomination_list.nominations.all():
        approve = nomination.title.name != BANG_KHEN_BQP
        nomination_decide(
            nomination=nomination,
            approve=approve,
            reason="" if approve else "Hết chỉ tiêu.",
            actor=world.admin,
        )
    return nomination_list


def record(world, titles, grants, **kwargs):
    kwargs.setdefault("number", "123/QĐ-BQP")
    kwargs.setdefault("signed_on", date(2025, 1, 20))
    kwargs.setdefault("issuer", "Bộ trưởng Bộ Quốc phòng")
    kwargs.setdefault("year", 2024)
    return award_decision_record(
        grants=[(getattr(world, unit), titles[name]) for unit, name in grants],
        actor=world.secretary,
        **kwargs,
    )


def test_a_decision_matching_approved_nominations_links_each_record(world, titles, decided):
    decision = record(
        world,
        titles,
        [("unit_a", FLAG_BQP), ("unit_a", QUYET_THANG), ("unit_b", TIEN_TIEN)],
        nomination_list=decided,
        summary="Tặng Cờ thi đua và danh hiệu năm 2024",
    )
    records = {(r.unit.code, r.title.name): r for r in decision.records.select_related("unit", "title")}
    assert set(records) == {("QK1", FLAG_BQP), ("QK1", QUYET_THANG), ("QK2", TIEN_TIEN)}
    assert all(r.nomination is not None and r.note == "" and r.year == 2024 for r in records.values())


def test_a_grant_without_an_approved_nomination_needs_a_note(world, titles, decided):
    with pytest.raises(ValidationError) as exc:
        record(world, titles, [("unit_a", QUYET_THANG), ("unit_b", BANG_KHEN_BQP)], nomination_list=decided)
    message = exc.value.error_dict["note"][0].messages[0]
    assert "Quân khu 2 – Bằng khen của Bộ trưởng Bộ Quốc phòng" in message
    assert "Quân khu 1" not in message
    assert not AwardDecision.objects.exists() and not AwardRecord.objects.exists()
    decision = record(
        world,
        titles,
        [("unit_a", QUYET_THANG), ("unit_b", BANG_KHEN_BQP)],
        nomination_list=decided,
        note="Bộ trưởng quyết định tặng thêm theo đề nghị của Cục Tuyên huấn.",
    )
    extra = decision.records.get(unit=world.unit_b)
    assert extra.nomination is None and extra.note.startswith("Bộ trưởng quyết định tặng thêm")
    assert decision.records.get(unit=world.unit_a).note == ""


def test_a_decision_without_a_list_is_recorded_with_a_note(world, titles):
    with pytest.raises(ValidationError, match="không khớp danh sách đề nghị nào"):
        record(world, titles, [("unit_c", TIEN_TIEN)])
    decision = record(world, titles, [("unit_c", TIEN_TIEN)], note="Quyết định nhập lại từ hồ sơ giấy.")
    assert decision.records.get().note == "Quyết định nhập lại từ hồ sơ giấy."


def test_a_second_award_of_a_title_the_same_year_is_refused_with_the_earlier_decision(world, titles, decided):
    record(world, titles, [("unit_a", QUYET_THANG)], nomination_list=decided)
    with pytest.raises(ValidationError) as exc:
        record(world, titles, [("unit_a", QUYET_THANG)], number="124/QĐ-BQP", nomination_list=decided)
    message = exc.value.error_dict["grants"][0].messages[0]
    assert message.startswith(
        "Quân khu 1 đã được khen Đơn vị Quyết thắng năm 2024 theo Quyết định số 123/QĐ-BQP"
    )
    assert "một thành tích chỉ khen một lần" in message
    assert AwardDecision.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"grants": []}, "grants", "ít nhất một đơn vị"),
        ({"grants": [("unit_a", QUYET_THANG), ("unit_a", QUYET_THANG)]}, "grants", "được ghi hai lần"),
        ({"year": 2023}, "year", "là của năm 2024"),
    ],
)
def test_bad_decisions_are_refused_with_the_field_named(world, titles, decided, changes, field, text):
    grants = changes.pop("grants", [("unit_a", QUYET_THANG)])
    with pytest.raises(ValidationError) as exc:
        record(world, titles, grants, nomination_list=decided, **changes)
    assert any(text in m for m in exc.value.message_dict[field])
    assert not AwardRecord.objects.exists()


def test_a_duplicate_decision_number_of_the_same_issuer_is_refused(world, titles, decided):
    record(world, titles, [("unit_a", QUYET_THANG)], nomination_list=decided)
    with pytest.raises(ValidationError) as exc:
        record(world, titles, [("unit_b", TIEN_TIEN)], nomination_list=decided)
    assert "Đã có quyết định số 123/QĐ-BQP của Bộ trưởng Bộ Quốc phòng." in exc.value.message_dict["number"]


def test_a_draft_list_takes_no_decision(world, titles):
    nomination_list = nominations_generate(review=world_review(world), actor=world.secretary)
    with pytest.raises(ValidationError) as exc:
        record(world, titles, [("unit_a", QUYET_THANG)], nomination_list=nomination_list, note="x")
    assert "nomination_list" in exc.value.message_dict
