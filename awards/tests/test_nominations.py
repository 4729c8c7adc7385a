"""Nominations from a closed review: generation, the secretariat's changes with and without a
written justification, submission and the higher level's decisions."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from awards.models import Nomination, NominationList, UnitFlag
from awards.services import nominations as services
from awards.tests.test_nominations_support import (
    BANG_KHEN_BQP,
    BANG_KHEN_TTG,
    FLAG_BQP,
    FLAG_COMMAND,
    QUYET_THANG,
    TIEN_TIEN,
    add_members,
    catalogue,
    closed_review,
    grant,
    world_review,
)
from blocs.models import AuditEvent
from blocs.tests.factories import AssignmentFactory, UserFactory


def rows_of(nomination_list):
    return [
        (n.unit.code, n.title.name, n.basis, n.passes)
        for n in nomination_list.nominations.select_related("unit", "title").order_by("position")
    ]


@pytest.fixture
def titles(db):
    return catalogue()


def test_generation_proposes_the_leader_for_the_flag_and_the_best_for_titles_within_quotas(world, titles):
    review = world_review(world)
    nomination_list = services.nominations_generate(review=review, actor=world.secretary)
    assert rows_of(nomination_list) == [
        ("QK1", FLAG_BQP, "leading", True),
        ("QK1", QUYET_THANG, "classification", True),
        ("QK2", TIEN_TIEN, "classification", True),
        ("QK2", BANG_KHEN_BQP, "classification", True),
    ]
    flag = nomination_list.nominations.get(title__name=FLAG_BQP)
    assert [c["text"] for c in flag.checks] == [
        "Là đơn vị dẫn đầu năm 2024: đạt",
        "Không vi phạm tiêu chí phủ quyết: đạt",
        "Được đề nghị Đơn vị Quyết thắng năm 2024 trong cùng danh sách (chờ quyết định): đạt",
        "Không có vụ việc kỷ luật, thanh tra, khiếu nại đang xem xét: đạt",
    ]
    qt = nomination_list.nominations.get(title__name=QUYET_THANG)
    assert (qt.rank, str(qt.total), qt.classification) == (1, "95.50", "Xuất sắc")
    assert qt.checks[0]["text"] == "Xếp loại Xuất sắc (yêu cầu từ Xuất sắc trở lên): đạt"
    assert qt.checks[-1]["rule"] == "quota" and qt.checks[-1]["text"].startswith("Trong chỉ tiêu: suất 1/1")
    assert AuditEvent.objects.filter(summary__startswith="Lập danh sách đề nghị khen thưởng").exists()


def test_a_cluster_of_a_command_proposes_the_command_level_flag(world, titles):
    units = add_members(world.other_bloc, 3)
    world.other_bloc.organiser = world.unit_a  # a quân khu organises the cluster
    world.other_bloc.save()
    rows = [(world.other_unit, 1, "Xuất sắc", 96), *[(u, i + 2, "Tốt", 85 - i) for i, u in enumerate(units)]]
    review = closed_review(world.other_bloc, rows, leading=world.other_unit, made_by=world.admin)
    nomination_list = services.nominations_generate(review=review, actor=world.admin)
    assert rows_of(nomination_list)[0] == ("SD301", FLAG_COMMAND, "leading", True)


def test_the_leading_unit_is_considered_first_for_the_title_its_flag_needs(world, titles):
    # Quân khu 2 ranks first but Quân khu 1 won the vote: the one Quyết thắng seat goes to the leader.
    rows = [
        (world.unit_b, 1, "Xuất sắc", 97),
        (world.unit_a, 2, "Xuất sắc", 95),
        (world.unit_c, 3, "Khá", 70),
    ]
    nomination_list = services.nominations_generate(
        review=world_review(world, rows=rows), actor=world.secretary
    )
    assert ("QK1", QUYET_THANG, "classification", True) in rows_of(nomination_list)
    assert all(n.passes for n in nomination_list.nominations.all())


def test_a_disqualified_or_flagged_unit_is_not_proposed_where_a_rule_bars_it(world, titles):
    """A veto bars every title whose rules say so (all the ranking-based ones by default)."""
    UnitFlag.objects.create(
        unit=world.unit_a,
        kind="inspection",
        note="Thanh tra tài chính",
        opened_on=date(2024, 11, 1),
        created_by=world.admin,
    )
    rows = [
        (world.unit_a, 1, "Xuất sắc", 96),
        (world.unit_b, 2, "Xuất sắc", 92, True),
        (world.unit_c, 3, "Tốt", 82),
    ]
    nomination_list = services.nominations_generate(
        review=world_review(world, rows=rows), actor=world.secretary
    )
    assert rows_of(nomination_list) == [
        ("QK1", FLAG_BQP, "leading", False),
        ("QK3", TIEN_TIEN, "classification", True),
        ("QK3", BANG_KHEN_BQP, "classification", True),
    ]
    flag = nomination_list.nominations.get(title__name=FLAG_BQP)
    failed = [c["text"] for c in flag.checks if not c["passed"]]
    assert failed == [
        "Chưa được tặng và không được đề nghị Đơn vị Quyết thắng năm 2024: không đạt",
        "Đang thanh tra, kiểm tra từ 01/11/2024 (Thanh tra tài chính): không đạt",
    ]


@pytest.mark.parametrize(
    ("state", "kind", "message"),
    [
        ("held", "tong_ket", "chưa chốt kết quả xếp hạng"),
        ("closed", "so_ket", "chỉ lập danh sách đề nghị từ hội nghị tổng kết năm"),
    ],
)
def test_generation_needs_a_closed_year_end_review(world, titles, state, kind, message):
    review = world_review(world, kind=kind)
    type(review).objects.filter(pk=review.pk).update(state=state)
    with pytest.raises(ValidationError, match=message):
        services.nominations_generate(review=review, actor=world.secretary)
    assert not NominationList.objects.exists()


def test_generation_runs_once_per_review(world, titles):
    review = world_review(world)
    services.nominations_generate(review=review, actor=world.secretary)
    with pytest.raises(ValidationError, match="đã có danh sách"):
        services.nominations_generate(review=review, actor=world.secretary)


# --- Quotas at the boundary through generation --------------------------------------------------------


@pytest.mark.parametrize(("members", "expected"), [(7, 1), (4, 1), (10, 2)])
def test_quyet_thang_seats_follow_the_bloc_size(world, titles, members, expected):
    extra = add_members(world.bloc, members - 3)
    units = [world.unit_a, world.unit_b, world.unit_c, *extra]
    rows = [(u, i + 1, "Xuất sắc", 99 - i) for i, u in enumerate(units)]
    nomination_list = services.nominations_generate(
        review=world_review(world, rows=rows), actor=world.secretary
    )
    assert nomination_list.nominations.filter(title__name=QUYET_THANG).count() == expected


def test_without_at_least_one_a_bloc_of_four_gets_no_seat(world, titles):
    titles[QUYET_THANG].quota_at_least_one = False
    titles[QUYET_THANG].save()
    extra = add_members(world.bloc, 1)
    rows = [
        (u, i + 1, "Xuất sắc", 99 - i)
        for i, u in enumerate([world.unit_a, world.unit_b, world.unit_c, *extra])
    ]
    nomination_list = services.nominations_generate(
        review=world_review(world, rows=rows), actor=world.secretary
    )
    assert not nomination_list.nominations.filter(title__name=QUYET_THANG).exists()
    flag = nomination_list.nominations.get(title__name=FLAG_BQP)
    assert not flag.passes  # the flag needs Đơn vị Quyết thắng the same year


# --- Adding, removing, justifying ------------------------------------------------------------------


@pytest.fixture
def drafted(world, titles):
    return services.nominations_generate(review=world_review(world), actor=world.secretary)


def test_a_nomination_over_the_quota_is_refused_with_the_reason(world, titles, drafted):
    before = drafted.nominations.count()
    with pytest.raises(ValidationError) as exc:
        services.nomination_add(
            nomination_list=drafted, unit=world.unit_b, title=titles[QUYET_THANG], actor=world.secretary
        )
    message = exc.value.error_dict["justification"][0].messages[0]
    assert message.startswith("Không thêm được Quân khu 2 – Đơn vị Quyết thắng: ")
    assert "Xếp loại Tốt (yêu cầu từ Xuất sắc trở lên): không đạt" in message
    assert "Vượt chỉ tiêu: đề nghị thứ 2 khi chỉ có 1 suất" in message
    assert drafted.nominations.count() == before


def test_a_nomination_over_the_quota_is_kept_with_a_written_justification(world, titles, drafted):
    nomination = services.nomination_add(
        nomination_list=drafted,
        unit=world.unit_b,
        title=titles[QUYET_THANG],
        justification="  Đơn vị hoàn thành xuất sắc nhiệm vụ diễn tập khu vực phòng thủ năm 2024.  ",
        actor=world.secretary,
    )
    assert not nomination.passes and nomination.basis == "manual"
    assert (
        nomination.justification == "Đơn vị hoàn thành xuất sắc nhiệm vụ diễn tập khu vực phòng thủ năm 2024."
    )
    # The one within the quota keeps its seat: the added one takes the last seat.
    assert drafted.nominations.get(unit=world.unit_a, title=titles[QUYET_THANG]).passes


def test_a_passing_nomination_is_added_without_justification(world, titles, drafted):
    nomination = services.nomination_add(
        nomination_list=drafted, unit=world.unit_c, title=titles["Giấy khen"], actor=world.secretary
    )
    assert nomination.passes and nomination.checks[-1]["rule"] == "no_pending_flag"


@pytest.mark.parametrize(
    ("unit", "title", "field", "text"),
    [
        ("other_unit", "Giấy khen", "unit", "không phải đơn vị thành viên"),
        ("unit_a", "Chiến sĩ thi đua cơ sở", "title", "danh hiệu cá nhân"),
        ("unit_a", QUYET_THANG, "title", "đã được đề nghị"),
    ],
)
def test_add_refuses_non_members_individual_titles_and_duplicates(
    world, titles, drafted, unit, title, field, text
):
    with pytest.raises(ValidationError) as exc:
        services.nomination_add(
            nomination_list=drafted,
            unit=getattr(world, unit),
            title=titles[title],
            justification="Lý do",
            actor=world.secretary,
        )
    assert text in exc.value.error_dict[field][0].messages[0]


def test_removing_a_nomination_frees_its_seat_and_rechecks_the_flag(world, titles, drafted):
    extra = services.nomination_add(
        nomination_list=drafted,
        unit=world.unit_b,
        title=titles[QUYET_THANG],
        justification="Giải trình",
        actor=world.secretary,
    )
    services.nomination_remove(
        nomination=drafted.nominations.get(unit=world.unit_a, title=titles[QUYET_THANG]),
        actor=world.secretary,
    )
    extra.refresh_from_db()
    assert [c["passed"] for c in extra.checks if c["rule"] == "quota"] == [True]
    flag = drafted.nominations.get(title=titles[FLAG_BQP])
    assert not flag.passes


def test_submit_refuses_unjustified_failures_then_accepts_once_justified(world, titles, drafted):
    services.nomination_remove(
        nomination=drafted.nominations.get(unit=world.unit_a, title=titles[QUYET_THANG]),
        actor=world.secretary,
    )
    with pytest.raises(ValidationError) as exc:
        services.nomination_list_submit(nomination_list=drafted, actor=world.secretary)
    assert "Quân khu 1 – Cờ thi đua của Bộ Quốc phòng" in exc.value.messages[0]
    drafted.refresh_from_db()
    assert drafted.state == "draft"
    flag = drafted.nominations.get(title=titles[FLAG_BQP])
    services.nomination_justify(
        nomination=flag,
        justification="Đơn vị đã được đề nghị Đơn vị Quyết thắng ở danh sách của Quân khu.",
        actor=world.secretary,
    )
    services.nomination_list_submit(nomination_list=drafted, actor=world.secretary)
    drafted.refresh_from_db()
    assert drafted.state == "submitted" and drafted.submitted_by == world.secretary
    assert set(drafted.nominations.values_list("state", flat=True)) == {"submitted"}
    with pytest.raises(ValidationError, match="đã trình"):
        services.nomination_add(
            nomination_list=drafted, unit=world.unit_c, title=titles["Giấy khen"], actor=world.secretary
        )


def test_the_flag_title_same_year_is_satisfied_by_a_record_of_that_year(world, titles):
    grant(world.unit_a, titles[QUYET_THANG], 2024, by=world.admin)
    nomination_list = services.nominations_generate(review=world_review(world), actor=world.secretary)
    flag = nomination_list.nominations.get(title=titles[FLAG_BQP])
    assert flag.checks[2]["text"] == "Đã được tặng Đơn vị Quyết thắng năm 2024: đạt"


def test_consecutive_years_are_read_from_the_award_history(world, titles, drafted):
    grant(world.unit_a, titles[QUYET_THANG], 2023, by=world.admin)
    nomination = services.nomination_add(
        nomination_list=drafted, unit=world.unit_a, title=titles[BANG_KHEN_TTG], actor=world.secretary
    )
    assert nomination.passes
    assert (
        "Đạt Đơn vị Quyết thắng 2 năm liên tục (2023–2024) (năm 2024 đang đề nghị)"
        in nomination.checks[0]["text"]
    )


# --- Decisions of the higher level -------------------------------------------------------------------


@pytest.fixture
def submitted(world, drafted):
    return services.nomination_list_submit(nomination_list=drafted, actor=world.secretary)


def test_an_observer_with_the_right_approves_and_rejects_with_a_reason(world, titles, submitted):
    approver = UserFactory(username="approver")
    AssignmentFactory(user=approver, role="observer", bloc=world.bloc, can_approve_awards=True)
    nominations = list(submitted.nominations.order_by("position"))
    with pytest.raises(ValidationError) as exc:
        services.nomination_decide(nomination=nominations[0], approve=False, reason="  ", actor=approver)
    assert "reason" in exc.value.error_dict
    services.nomination_decide(
        nomination=nominations[0], approve=False, reason="Chờ kết quả thanh tra.", actor=approver
    )
    for nomination in nominations[1:]:
        services.nomination_decide(nomination=nomination, approve=True, actor=approver)
    submitted.refresh_from_db()
    assert submitted.state == "decided"
    first = Nomination.objects.get(pk=nominations[0].pk)
    assert (first.state, first.decision_reason, first.decided_by) == (
        "rejected",
        "Chờ kết quả thanh tra.",
        approver,
    )
    with pytest.raises(ValidationError, match="đã được xét"):
        services.nomination_decide(nomination=first, approve=True, actor=approver)


@pytest.mark.parametrize("persona", ["observer", "secretary", "leader", "other_secretary"])
def test_only_admins_and_approvers_of_the_bloc_decide(world, submitted, persona):
    nomination = submitted.nominations.first()
    with pytest.raises(PermissionDenied):
        services.nomination_decide(nomination=nomination, approve=True, actor=world.persona(persona))
    nomination.refresh_from_db()
    assert nomination.state == "submitted"


def test_an_approver_of_another_bloc_cannot_decide(world, submitted):
    approver = UserFactory(username="approver_other")
    AssignmentFactory(user=approver, role="observer", bloc=world.other_bloc, can_approve_awards=True)
    with pytest.raises(PermissionDenied):
        services.nomination_decide(nomination=submitted.nominations.first(), approve=True, actor=approver)


def test_a_draft_list_is_not_decided(world, drafted):
    with pytest.raises(ValidationError, match="chưa được trình"):
        services.nomination_decide(nomination=drafted.nominations.first(), approve=True, actor=world.admin)
