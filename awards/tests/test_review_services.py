"""Reviews through the services: creating one with its attendance list and drafted report,
editing, recording attendance, writing sections, confirming it was held, closing it (what it
needs first, what it freezes) and issuing a new version of its ranking after a correction."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from awards.models import Election, ElectionState, LeadingBasis, Review, ReviewSection, ReviewState
from awards.services import reviews as services
from awards.services.review_drafts import SECTIONS
from awards.tests.factories import campaign_with_rounds, held_review, review_for
from blocs.models import AuditEvent, Membership
from blocs.tests.factories import MembershipFactory, UnitFactory
from campaigns.services.campaigns import drive_create
from campaigns.services.pledges import pledge_create, pledge_item_add, pledge_open, pledge_sign
from campaigns.tests.factories import leader_for
from scoring.models import RankingSnapshot, Scorecard, ScorecardKind, ScoringRound, ScoringRules
from scoring.services.scorecards import final_grid_save
from scoring.services.snapshots import snapshot_as_rows, snapshot_is_intact
from scoring.tests.factories import campaign_for

YEAR = 2024


def by_score(campaign) -> None:
    ScoringRules.objects.update_or_create(campaign=campaign, defaults={"leading_by": "score"})


def voted(review: Review, winner, state=ElectionState.DONE) -> Election:
    return Election.objects.create(review=review, state=state, winner=winner, member_count=3, present_count=3)


def errors_of(caught) -> dict[str, list[str]]:
    exc = caught.value
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def texts(review: Review) -> dict[str, str]:
    return dict(review.sections.values_list("key", "body"))


# --- Creating ---------------------------------------------------------------------------------


def test_a_review_lists_the_members_of_its_day_and_drafts_every_section(world):
    left = UnitFactory(code="QK4", name="Quân khu 4")
    MembershipFactory(bloc=world.bloc, unit=left, joined_on=date(2020, 1, 1)).__class__.objects.filter(
        unit=left
    ).update(left_on=date(2024, 6, 30))
    later = UnitFactory(code="QK5", name="Quân khu 5")
    MembershipFactory(bloc=world.bloc, unit=later, joined_on=date(2024, 12, 1))
    review = review_for(world.bloc, "so_ket", YEAR, actor=world.secretary, held_on=date(2024, 7, 18))
    assert review.state == ReviewState.PREPARING
    assert sorted(review.attendance.values_list("unit__name", flat=True)) == [
        "Quân khu 1",
        "Quân khu 2",
        "Quân khu 3",
    ]
    assert not review.attendance.filter(present=True).exists()
    sections = list(review.sections.order_by("position"))
    assert [s.key for s in sections] == [key for key, _ in SECTIONS]
    assert (
        sections[0].title == "I. Đặc điểm tình hình"
        and sections[5].title == "II.5. Hoạt động của khối thi đua"
    )
    assert all(s.body and not s.edited for s in sections)
    assert AuditEvent.objects.filter(
        summary__startswith="Tạo hội nghị sơ kết 6 tháng đầu năm 2024 của Khối thi đua số 2"
    ).exists()


def test_the_drafts_are_written_from_the_data(world):
    campaign = campaign_for(world.bloc, YEAR)
    drive_create(
        campaign=campaign,
        name="Mừng Đảng, mừng xuân, ra quân quyết thắng",
        starts_on=date(2024, 1, 8),
        ends_on=date(2024, 2, 29),
        targets=["100% quân số tham gia"],
        actor=world.admin,
    )
    pledge = pledge_create(campaign=campaign, title="Giao ước thi đua năm 2024", actor=world.admin)
    pledge_item_add(pledge=pledge, content="Quân số khỏe", target_value=Decimal("98"), actor=world.admin)
    pledge = pledge_open(pledge=pledge, actor=world.admin, on=date(2024, 1, 10))
    leader = leader_for(world.unit_a)
    pledge_sign(pledge=pledge, unit=world.unit_a, password="Mat-khau-123", actor=leader)
    review = review_for(
        world.bloc,
        "so_ket",
        YEAR,
        actor=world.secretary,
        shares={world.unit_a: "0.95", world.unit_b: "0.85", world.unit_c: "0.85"},
        extra={(world.unit_c, "8.1"): "2"},
    )
    body = texts(review)
    assert (
        "Khối thi đua số 2 gồm 3 đơn vị thành viên: Quân khu 1, Quân khu 2 và Quân khu 3."
        in body["tinh_hinh"]
    )
    assert "giao ước thi đua “Giao ước thi đua năm 2024”" in body["lanh_dao"]
    assert "1/3 đơn vị đã ký; còn Quân khu 2 và Quân khu 3 chưa ký" in body["lanh_dao"]
    assert "đã công bố kết quả 2/2 đợt chấm của kỳ (Quý I và Quý II)" in body["lanh_dao"]
    assert "Quân khu 1 đứng đầu với" in body["noi_dung"] and "xếp loại Xuất sắc" in body["noi_dung"]
    assert "Về xếp loại:" in body["noi_dung"]
    assert "Quân khu 2 và Quân khu 3 bằng điểm" not in body["noi_dung"]  # the penalty separates them
    assert (
        "đợt “Mừng Đảng, mừng xuân, ra quân quyết thắng” từ ngày 08/01 đến ngày 29/02/2024"
        in body["cao_diem"]
    )
    assert "100% quân số tham gia" in body["cao_diem"]
    assert "Quân khu 3 (2 điểm)" in body["han_che"]
    assert "Quân khu 2 và Quân khu 3 chưa ký giao ước “Giao ước thi đua năm 2024”" in body["han_che"]
    assert "xếp thứ Nhất: Quân khu 1" in body["de_xuat"]
    assert "6 tháng cuối năm 2024" in body["phuong_huong"]
    assert "Hội nghị sơ kết được tổ chức ngày 15/07/2024 tại Hội trường Bộ Tư lệnh" in body["hoat_dong_khoi"]
    for text in body.values():
        assert "…" not in text and "[" not in text and "XXX" not in text


def test_ties_are_named_in_the_results(world):
    review = review_for(
        world.bloc, "so_ket", YEAR, shares={world.unit_a: "0.95", world.unit_b: "0.85", world.unit_c: "0.85"}
    )
    assert "Quân khu 2 và Quân khu 3 bằng điểm" in texts(review)["noi_dung"]
    assert "đồng hạng 2" in texts(review)["noi_dung"]


def test_a_review_without_published_rounds_says_so(world):
    review = review_for(world.bloc, "tong_ket", YEAR, rounds=False)
    assert "Chưa có đợt chấm điểm nào của năm 2024 được công bố kết quả" in texts(review)["noi_dung"]


@pytest.mark.parametrize(
    ("kind", "held_on"),
    [("so_ket", date(2023, 12, 31)), ("so_ket", date(2025, 1, 10)), ("tong_ket", date(2025, 2, 1))],
)
def test_a_date_outside_the_campaigns_window_is_refused(world, kind, held_on):
    campaign = campaign_for(world.bloc, YEAR)
    with pytest.raises(ValidationError) as caught:
        services.review_create(
            campaign=campaign, kind=kind, held_on=held_on, place="Hà Nội", actor=world.admin
        )
    assert "Ngày tổ chức hội nghị phải" in errors_of(caught)["held_on"][0]
    assert not Review.objects.exists()


def test_a_tong_ket_may_be_held_in_january_of_the_next_year(world):
    review = services.review_create(
        campaign=campaign_for(world.bloc, YEAR),
        kind="tong_ket",
        held_on=date(2025, 1, 16),
        place="Hà Nội",
        actor=world.admin,
    )
    assert review.held_on == date(2025, 1, 16)


def test_a_second_review_of_the_same_kind_is_refused(world):
    review = review_for(world.bloc, "so_ket", YEAR, rounds=False)
    with pytest.raises(ValidationError) as caught:
        services.review_create(
            campaign=review.campaign,
            kind="so_ket",
            held_on=date(2024, 7, 1),
            place="Hà Nội",
            actor=world.admin,
        )
    assert "đã có hội nghị sơ kết 6 tháng đầu năm" in errors_of(caught)["kind"][0]
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"place": "  "}, "place", "Địa điểm không được để trống."),
        ({"place": "x" * 201}, "place", "Địa điểm dài tối đa 200 ký tự"),
        ({"chaired_by": "y" * 201}, "chaired_by", "Người chủ trì dài tối đa 200 ký tự"),
        ({"kind": "dai_hoi"}, "kind", "Loại hội nghị phải là"),
    ],
)
def test_bad_fields_are_refused_by_name(world, fields, field, message):
    data = {"kind": "so_ket", "held_on": date(2024, 7, 1), "place": "Hà Nội"} | fields
    with pytest.raises(ValidationError) as caught:
        services.review_create(campaign=campaign_for(world.bloc, YEAR), actor=world.admin, **data)
    assert errors_of(caught)[field][0].startswith(message)


def test_the_host_must_be_a_member_on_the_day(world):
    with pytest.raises(ValidationError) as caught:
        services.review_create(
            campaign=campaign_for(world.bloc, YEAR),
            kind="so_ket",
            held_on=date(2024, 7, 1),
            place="Hà Nội",
            host_unit=world.other_unit,
            actor=world.admin,
        )
    assert errors_of(caught)["host_unit"] == [
        "Sư đoàn 301 không là thành viên của Khối thi đua số 2 vào ngày 01/07/2024."
    ]


def test_moving_the_date_brings_the_attendance_to_that_days_members(world):
    review = review_for(world.bloc, "tong_ket", YEAR, rounds=False, held_on=date(2024, 11, 20))
    services.attendance_set(
        review=review,
        present={world.unit_a.pk: True},
        representatives={world.unit_a.pk: "Đại tá A"},
        actor=world.admin,
    )
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(left_on=date(2024, 12, 1))
    newcomer = UnitFactory(code="QK7", name="Quân khu 7")
    MembershipFactory(bloc=world.bloc, unit=newcomer, joined_on=date(2024, 12, 5))
    services.review_update(
        review=review, held_on=date(2024, 12, 20), place="Thái Nguyên", actor=world.secretary
    )
    review.refresh_from_db()
    assert (review.held_on, review.place) == (date(2024, 12, 20), "Thái Nguyên")
    rows = {a.unit.name: (a.present, a.representative) for a in review.attendance.select_related("unit")}
    assert rows == {
        "Quân khu 1": (True, "Đại tá A"),
        "Quân khu 2": (False, ""),
        "Quân khu 7": (False, ""),
    }


# --- Attendance and sections -------------------------------------------------------------------


def test_attendance_records_who_came_and_who_represented_them(world):
    review = review_for(world.bloc, "so_ket", YEAR, rounds=False)
    services.attendance_set(
        review=review,
        present={world.unit_a.pk: True, world.unit_b.pk: True, world.unit_c.pk: False},
        representatives={world.unit_a.pk: "  Đại tá   Nguyễn Văn A, Phó Chính ủy "},
        actor=world.secretary,
    )
    rows = {a.unit_id: a for a in review.attendance.all()}
    assert [rows[u.pk].present for u in (world.unit_a, world.unit_b, world.unit_c)] == [True, True, False]
    assert rows[world.unit_a.pk].representative == "Đại tá Nguyễn Văn A, Phó Chính ủy"
    assert AuditEvent.objects.filter(summary__contains="2/3 đơn vị có mặt").exists()


def test_attendance_of_a_unit_that_is_not_a_member_is_refused(world):
    review = review_for(world.bloc, "so_ket", YEAR, rounds=False)
    with pytest.raises(ValidationError) as caught:
        services.attendance_set(
            review=review, present={world.unit_a.pk: True, world.other_unit.pk: True}, actor=world.secretary
        )
    assert errors_of(caught)["present"] == [
        "Sư đoàn 301 không là thành viên của Khối thi đua số 2 vào ngày 15/07/2024."
    ]
    assert not review.attendance.filter(present=True).exists()


def test_a_representative_longer_than_the_field_is_refused(world):
    review = review_for(world.bloc, "so_ket", YEAR, rounds=False)
    with pytest.raises(ValidationError, match="Người dự của Quân khu 1 dài tối đa 200 ký tự"):
        services.attendance_set(
            review=review,
            present={world.unit_a.pk: True},
            representatives={world.unit_a.pk: "x" * 201},
            actor=world.secretary,
        )
    assert not review.attendance.filter(present=True).exists()


def test_a_section_edited_then_regenerated_from_new_data(world):
    campaign = campaign_with_rounds(world.bloc, YEAR, ["q1"])
    review = services.review_create(
        campaign=campaign, kind="so_ket", held_on=date(2024, 7, 15), place="Hà Nội", actor=world.admin
    )
    section = review.sections.get(key="lanh_dao")
    assert "1/2 đợt chấm" in section.body
    section = services.section_update(
        section=section, body="Thường trực  đa\u0303 làm việc.", actor=world.secretary
    )
    assert (section.body, section.edited, section.updated_by) == (
        "Thường trực đã làm việc.",
        True,
        world.secretary,
    )
    campaign_with_rounds(world.bloc, YEAR, ["q2"])
    section = services.section_regenerate(section=section, actor=world.secretary)
    assert section.edited is False and "2/2 đợt chấm" in section.body
    assert section.history.count() == 3  # created, edited, regenerated: the edit is kept


@pytest.mark.parametrize(
    ("body", "message"), [("   ", "không được để trống"), ("x" * 20001, "dài tối đa 20000 ký tự")]
)
def test_a_section_refuses_an_empty_or_too_long_text(world, body, message):
    review = review_for(world.bloc, "so_ket", YEAR, rounds=False)
    section = review.sections.get(key="bai_hoc")
    with pytest.raises(ValidationError, match=message):
        services.section_update(section=section, body=body, actor=world.secretary)
    assert ReviewSection.objects.get(pk=section.pk).edited is False


# --- Holding -------------------------------------------------------------------------------------


def test_a_review_is_held_from_its_day_with_someone_present(world):
    review = review_for(world.bloc, "so_ket", YEAR, rounds=False)
    with pytest.raises(ValidationError, match="Chưa ghi đơn vị nào có mặt"):
        services.review_mark_held(review=review, actor=world.secretary, today=date(2024, 7, 15))
    services.attendance_set(review=review, present={world.unit_a.pk: True}, actor=world.secretary)
    with pytest.raises(ValidationError, match="chỉ xác nhận đã tổ chức được từ ngày đó"):
        services.review_mark_held(review=review, actor=world.secretary, today=date(2024, 7, 14))
    review = services.review_mark_held(review=review, actor=world.secretary, today=date(2024, 7, 15))
    assert review.state == ReviewState.HELD
    with pytest.raises(ValidationError, match="đã được xác nhận tổ chức"):
        services.review_mark_held(review=review, actor=world.secretary, today=date(2024, 7, 16))


# --- Closing -----------------------------------------------------------------------------------


def test_closing_needs_every_round_of_the_period_published(world):
    review = held_review(review_for(world.bloc, "tong_ket", YEAR, unpublished=("q3",)))
    ScoringRound.objects.filter(campaign=review.campaign, period="q4").delete()
    voted(review, world.unit_a)
    with pytest.raises(ValidationError) as caught:
        services.review_close(review=review, actor=world.secretary)
    assert (
        "Chưa công bố kết quả các đợt chấm: Quý III (đang nhập điểm), Quý IV (chưa mở đợt chấm)."
        in caught.value.messages[0]
    )
    assert Review.objects.get(pk=review.pk).state == ReviewState.HELD
    assert not RankingSnapshot.objects.exists()


def test_closing_needs_the_review_held(world):
    review = review_for(world.bloc, "so_ket", YEAR)
    voted(review, world.unit_a)
    with pytest.raises(ValidationError, match="Hội nghị chưa được xác nhận là đã tổ chức."):
        services.review_close(review=review, actor=world.secretary)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (None, "Chưa tổ chức bỏ phiếu suy tôn đơn vị dẫn đầu."),
        (ElectionState.VOTING, "Cuộc bỏ phiếu suy tôn chưa có kết quả (đang bỏ phiếu)."),
        (ElectionState.FAILED, "Cuộc bỏ phiếu suy tôn không bầu được đơn vị dẫn đầu."),
    ],
)
def test_closing_by_vote_needs_an_election_with_a_winner(world, state, message):
    review = held_review(review_for(world.bloc, "so_ket", YEAR))
    if state is not None:
        voted(review, None, state=state)
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.review_close(review=review, actor=world.secretary)


def test_closing_by_score_needs_a_single_leader(world):
    review = held_review(
        review_for(
            world.bloc, "so_ket", YEAR, shares={world.unit_a: "0.9", world.unit_b: "0.9", world.unit_c: "0.8"}
        )
    )
    by_score(review.campaign)
    with pytest.raises(ValidationError, match="Quân khu 1, Quân khu 2 đồng hạng 1: chưa xác định được"):
        services.review_close(review=review, actor=world.secretary)


def test_closing_by_vote_freezes_the_ranking_and_records_the_winner(world):
    review = held_review(review_for(world.bloc, "so_ket", YEAR))
    voted(review, world.unit_b)  # the vote may acclaim a unit that is not first on points
    review = services.review_close(review=review, actor=world.secretary)
    assert review.state == ReviewState.CLOSED
    assert (review.leading_unit, review.leading_basis) == (world.unit_b, LeadingBasis.VOTE)
    assert review.closed_by == world.secretary and review.closed_at is not None
    snapshot = review.snapshot
    assert (snapshot.period, snapshot.version) == ("h1", 1) and snapshot_is_intact(snapshot)
    assert [row.name for row in snapshot_as_rows(snapshot)] == ["Quân khu 1", "Quân khu 2", "Quân khu 3"]
    assert AuditEvent.objects.filter(
        summary="Chốt kết quả hội nghị sơ kết 6 tháng đầu năm 2024 của Khối thi đua số 2: đơn vị dẫn đầu "
        "Quân khu 2 (theo kết quả suy tôn)"
    ).exists()


def test_closing_redrafts_the_sections_nobody_edited_with_the_final_results(world):
    review = held_review(review_for(world.bloc, "so_ket", YEAR))
    assert "được bình xét, suy tôn bằng bỏ phiếu kín" in texts(review)["de_xuat"]
    services.section_update(
        section=review.sections.get(key="bai_hoc"), body="Bài học riêng.", actor=world.admin
    )
    voted(review, world.unit_b)
    services.review_close(review=review, actor=world.secretary)
    body = texts(review)
    assert "Đơn vị dẫn đầu 6 tháng đầu năm 2024: Quân khu 2 (theo kết quả suy tôn)." in body["de_xuat"]
    assert body["bai_hoc"] == "Bài học riêng."


def test_closing_by_score_takes_the_first_unit(world):
    review = held_review(review_for(world.bloc, "so_ket", YEAR))
    by_score(review.campaign)
    review = services.review_close(review=review, actor=world.admin)
    assert (review.leading_unit, review.leading_basis) == (world.unit_a, LeadingBasis.SCORE)


def test_a_closed_review_is_read_only(world):
    review = held_review(review_for(world.bloc, "so_ket", YEAR))
    by_score(review.campaign)
    review = services.review_close(review=review, actor=world.admin)
    section = review.sections.first()
    for action in (
        lambda: services.section_update(section=section, body="Sửa", actor=world.admin),
        lambda: services.section_regenerate(section=section, actor=world.admin),
        lambda: services.attendance_set(review=review, present={world.unit_a.pk: False}, actor=world.admin),
        lambda: services.review_update(review=review, place="Nơi khác", actor=world.admin),
        lambda: services.review_close(review=review, actor=world.admin),
    ):
        with pytest.raises(ValidationError, match="đã chốt kết quả"):
            action()
    assert ReviewSection.objects.get(pk=section.pk).body == section.body


# --- A correction after closing ----------------------------------------------------------------


def correct(review: Review, unit, actor, share: str = "1") -> None:
    """A correction of the unit's Q2 final card (a published round): every standard leaf at `share`."""
    scoring_round = ScoringRound.objects.get(campaign=review.campaign, period="q2")
    card = Scorecard.objects.get(round=scoring_round, scored_unit=unit, kind=ScorecardKind.FINAL)
    entries = {
        (unit.pk, score.criterion_id): score.criterion.max_points * Decimal(share)
        for score in card.scores.select_related("criterion").filter(criterion__kind="standard")
    }
    final_grid_save(
        scoring_round=scoring_round,
        entries=entries,
        base_versions={unit.pk: card.version},
        actor=actor,
        reason="Đính chính theo kiến nghị của đơn vị",
    )


def test_a_correction_after_closing_leaves_the_review_snapshot_and_a_reissue_makes_version_2(world):
    review = held_review(review_for(world.bloc, "so_ket", YEAR))
    by_score(review.campaign)
    review = services.review_close(review=review, actor=world.admin)
    frozen = [(r.name, r.total, r.rank) for r in snapshot_as_rows(review.snapshot)]
    with pytest.raises(ValidationError, match="không khác phiên bản 1"):
        services.review_snapshot_reissue(review=review, reason="Không có gì", actor=world.secretary)

    correct(review, world.unit_c, world.admin)
    review.refresh_from_db()
    assert [(r.name, r.total, r.rank) for r in snapshot_as_rows(review.snapshot)] == frozen
    with pytest.raises(ValidationError, match="Lý do lập phiên bản mới không được để trống."):
        services.review_snapshot_reissue(review=review, reason=" ", actor=world.secretary)
    second = services.review_snapshot_reissue(
        review=review, reason="Đính chính điểm Quý II của Quân khu 3", actor=world.secretary
    )
    assert (second.version, second.reason) == (2, "Đính chính điểm Quý II của Quân khu 3")
    review.refresh_from_db()
    assert review.snapshot.version == 1 and review.leading_unit == world.unit_a
    assert [(r.name, r.total, r.rank) for r in snapshot_as_rows(review.snapshot)] == frozen
    assert [r.name for r in snapshot_as_rows(second)][1] == "Quân khu 3"
    assert AuditEvent.objects.filter(summary__startswith="Lập phiên bản 2 kết quả xếp hạng").exists()


def test_a_reissue_needs_a_closed_review(world):
    review = review_for(world.bloc, "so_ket", YEAR)
    with pytest.raises(ValidationError, match="sau khi hội nghị đã chốt kết quả"):
        services.review_snapshot_reissue(review=review, reason="Đính chính", actor=world.secretary)
