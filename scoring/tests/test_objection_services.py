"""Objections to a published score: filing within the window by the unit's leader, answering
once, the correction an accepted objection makes, the audit trail and the history."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from blocs.models import AuditEvent
from blocs.tests.factories import AssignmentFactory, MembershipFactory, UnitFactory, UserFactory
from scoring.forms.objections import AnswerForm, ObjectionForm
from scoring.models import (
    Correction,
    Criterion,
    CriterionKind,
    Objection,
    ObjectionState,
    Score,
    ScorecardKind,
    ScoringRound,
    ScoringRules,
)
from scoring.selectors.criteria import Group, Layout
from scoring.selectors.grid import cell_history
from scoring.selectors.objections import FilingChoices, objection_window, round_objections, unit_objections
from scoring.services.objections import correction_reason_max, objection_answer, objection_file
from scoring.services.rounds import round_publish
from scoring.services.scorecards import check_points, final_grid_save
from scoring.tests.factories import close_round, round_with_sample


def leaves_of(scoring_round: ScoringRound) -> dict[str, Criterion]:
    return {
        c.code: c
        for c in Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
    }


def scored_round(world, period: str = "q1", **kwargs) -> ScoringRound:
    """A published round in which every member has 4 points on 1.1 and 3 on 2.1."""
    scoring_round = round_with_sample(world.bloc, period, world.admin, **kwargs)
    leaves = leaves_of(scoring_round)
    units = [world.unit_a, world.unit_b, world.unit_c]
    final_grid_save(
        scoring_round=scoring_round,
        entries={
            **{(u.pk, leaves["1.1"].pk): Decimal(4) for u in units},
            **{(u.pk, leaves["2.1"].pk): Decimal(3) for u in units},
        },
        base_versions={},
        actor=world.secretary,
    )
    close_round(scoring_round, world.admin)
    return round_publish(scoring_round=scoring_round, actor=world.secretary)


@pytest.fixture
def published(world) -> ScoringRound:
    return scored_round(world)


@pytest.fixture
def leaves(published) -> dict[str, Criterion]:
    return leaves_of(published)


def published_on(scoring_round: ScoringRound):
    return timezone.localdate(scoring_round.published_at)


def file(world, scoring_round, criterion=None, **kwargs) -> Objection:
    values = {
        "reason": "Điểm huấn luyện chưa tính kết quả hội thao.",
        "actor": world.leader,
        "unit": world.unit_a,
    }
    values.update(kwargs)
    return objection_file(scoring_round=scoring_round, criterion=criterion, **values)


def final_points(scoring_round, unit, criterion) -> Decimal | None:
    return (
        Score.objects.filter(
            scorecard__round=scoring_round,
            scorecard__kind=ScorecardKind.FINAL,
            scorecard__scored_unit=unit,
            criterion=criterion,
        )
        .values_list("points", flat=True)
        .first()
    )


# --- The window ---------------------------------------------------------------------------------


def test_the_window_ends_the_configured_number_of_days_after_the_publication_day(world, published):
    window = objection_window(scoring_round=published)
    assert window.days == 7
    assert window.last_day == published_on(published) + timedelta(days=7)
    ScoringRules.objects.create(campaign=published.campaign, objection_days=3)
    assert objection_window(scoring_round=published).last_day == published_on(published) + timedelta(days=3)


def test_the_window_counts_local_dates(world, published):
    # 20:00 UTC is 03:00 the next day in Hà Nội: the window counts from the local date.
    moment = timezone.now().replace(hour=20, minute=0, second=0, microsecond=0, tzinfo=UTC)
    ScoringRound.objects.filter(pk=published.pk).update(published_at=moment)
    published.refresh_from_db()
    window = objection_window(scoring_round=published)
    assert window.published_on == moment.date() + timedelta(days=1)


def test_a_leader_files_on_the_last_day_of_the_window(world, published, leaves):
    last_day = published_on(published) + timedelta(days=7)
    objection = file(world, published, leaves["2.1"], requested_points=Decimal("4.5"), today=last_day)
    assert objection.state == ObjectionState.OPEN
    assert (objection.unit, objection.criterion, objection.requested_points) == (
        world.unit_a,
        leaves["2.1"],
        Decimal("4.5"),
    )
    assert objection.filed_by == world.leader
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE).latest("pk")
    assert event.actor == world.leader and "Kiến nghị của Quân khu 1 về tiêu chí 2.1" in event.summary
    record = objection.history.get()
    assert record.history_user == world.leader and record.history_change_reason == "Gửi kiến nghị"


def test_the_day_after_the_window_is_refused_naming_the_last_day(world, published, leaves):
    last_day = published_on(published) + timedelta(days=7)
    with pytest.raises(ValidationError) as caught:
        file(world, published, leaves["2.1"], today=last_day + timedelta(days=1))
    assert f"hết ngày {last_day:%d/%m/%Y}" in caught.value.messages[0]
    assert not Objection.objects.exists()


def test_a_round_that_is_not_published_takes_no_objection(world):
    scoring_round = round_with_sample(world.bloc, actor=world.admin)
    with pytest.raises(ValidationError, match="chưa được công bố"):
        file(world, scoring_round)
    close_round(scoring_round, world.admin)
    with pytest.raises(ValidationError, match="chưa được công bố"):
        file(world, scoring_round)
    assert not Objection.objects.exists()


# --- Who files, for whom, about what --------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer", "secretary", "admin", "observer", "outsider", "nobody"])
def test_only_the_units_leader_files(world, published, leaves, persona):
    with pytest.raises(PermissionDenied):
        file(world, published, leaves["1.1"], actor=world.persona(persona))
    assert not Objection.objects.exists()


def test_a_leader_cannot_file_for_another_unit(world, published, leaves):
    with pytest.raises(PermissionDenied):
        file(world, published, leaves["1.1"], unit=world.unit_b)
    assert not Objection.objects.exists()


def test_a_unit_that_was_not_a_member_in_the_round_cannot_object(world, published):
    newcomer = UnitFactory(name="Quân khu 9")
    MembershipFactory(bloc=world.bloc, unit=newcomer, joined_on=published.ends_on + timedelta(days=1))
    leader = UserFactory()
    AssignmentFactory(user=leader, role="leader", unit=newcomer)
    with pytest.raises(ValidationError) as caught:
        file(world, published, actor=leader, unit=newcomer)
    assert "không phải đơn vị thành viên" in caught.value.message_dict["unit"][0]


def test_a_unit_without_results_cannot_object(world):
    scoring_round = round_with_sample(world.bloc, actor=world.admin)
    close_round(scoring_round, world.admin)
    round_publish(scoring_round=scoring_round, actor=world.secretary)
    with pytest.raises(ValidationError) as caught:
        file(world, scoring_round)
    assert "chưa có kết quả chấm" in caught.value.message_dict["unit"][0]


def test_a_criterion_of_another_rounds_set_or_a_group_is_refused(world, published, leaves):
    other = round_with_sample(world.other_bloc, actor=world.admin)
    foreign = leaves_of(other)["1.1"]
    group = leaves["1.1"].parent
    for criterion in (foreign, group):
        with pytest.raises(ValidationError) as caught:
            file(world, published, criterion)
        assert "không phải một tiêu chí được chấm điểm" in caught.value.message_dict["criterion"][0]
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (Decimal("5.01"), "tối đa 5 điểm"),
        (Decimal("-1"), "không được âm"),
        (Decimal("1.234"), "2 chữ số sau dấu phẩy"),
    ],
)
def test_requested_points_stay_within_the_criterions_range(world, published, leaves, points, message):
    with pytest.raises(ValidationError) as caught:
        file(world, published, leaves["1.1"], requested_points=points)
    assert message in caught.value.message_dict["requested_points"][0]
    assert not Objection.objects.exists()


def test_requested_points_need_a_criterion(world, published):
    with pytest.raises(ValidationError) as caught:
        file(world, published, None, requested_points=Decimal(3))
    assert "requested_points" in caught.value.message_dict


@pytest.mark.parametrize(
    ("reason", "message"), [("  ", "nội dung kiến nghị"), ("x" * 2001, "tối đa 2000 ký tự")]
)
def test_a_reason_is_required_and_bounded(world, published, leaves, reason, message):
    with pytest.raises(ValidationError) as caught:
        file(world, published, leaves["1.1"], reason=reason)
    assert message in caught.value.message_dict["reason"][0]


def test_one_open_objection_per_unit_and_criterion(world, published, leaves):
    first = file(world, published, leaves["1.1"])
    with pytest.raises(ValidationError) as caught:
        file(world, published, leaves["1.1"], reason="Nhắc lại")
    assert "đang chờ trả lời" in caught.value.message_dict["criterion"][0]
    # Another criterion, and the whole result, are separate questions.
    file(world, published, leaves["2.1"])
    file(world, published, None)
    with pytest.raises(ValidationError):
        file(world, published, None)
    # Once answered, the unit may object again.
    objection_answer(objection=first, accept=False, answer="Đã xem xét, giữ nguyên.", actor=world.secretary)
    file(world, published, leaves["1.1"], reason="Bổ sung minh chứng mới")
    assert Objection.objects.filter(unit=world.unit_a).count() == 4


# --- Answers ----------------------------------------------------------------------------------------


def test_accepting_makes_a_correction_with_the_reason_and_the_new_points(world, published, leaves):
    objection = file(world, published, leaves["2.1"], requested_points=Decimal("4.5"))
    answered = objection_answer(
        objection=objection,
        accept=True,
        answer="Đúng, hội thao chưa được tính.",
        new_points=Decimal("4.5"),
        actor=world.secretary,
    )
    assert answered.state == ObjectionState.ACCEPTED
    assert answered.answered_by == world.secretary and answered.answered_at is not None
    correction = Correction.objects.get()
    assert answered.correction == correction
    assert correction.reason == "Chấp nhận kiến nghị của Quân khu 1: Đúng, hội thao chưa được tính."
    assert correction.changes == [{"criterion": "2.1", "old": "3.00", "new": "4.5"}]
    assert correction.made_by == world.secretary
    assert final_points(published, world.unit_a, leaves["2.1"]) == Decimal("4.5")
    assert final_points(published, world.unit_b, leaves["2.1"]) == Decimal(3)
    history = cell_history(scoring_round=published, unit=world.unit_a, criterion=leaves["2.1"])
    assert history.current_final == Decimal("4.5")
    assert history.final[0].reason == correction.reason and history.final[0].old == Decimal(3)
    assert history.corrections == [correction]
    summaries = list(AuditEvent.objects.order_by("-pk").values_list("summary", flat=True)[:2])
    assert "chấp nhận, đính chính tiêu chí 2.1 thành 4,5 điểm" in summaries[0]
    assert summaries[1].startswith("Đính chính điểm")
    assert [r.history_change_reason for r in answered.history.order_by("history_id")] == [
        "Gửi kiến nghị",
        "Chấp nhận kiến nghị",
    ]


def test_a_long_answer_is_cut_to_fit_the_corrections_reason(world, published, leaves):
    objection = file(world, published, leaves["1.1"])
    answer = "Đã xác minh. " * 100
    answered = objection_answer(
        objection=objection, accept=True, answer=answer, new_points=Decimal(5), actor=world.secretary
    )
    reason = answered.correction.reason
    assert len(reason) == correction_reason_max() and reason.endswith("…")
    assert reason.startswith("Chấp nhận kiến nghị của Quân khu 1: Đã xác minh. Đã xác minh.")
    assert answered.answer == answer.strip()
    history = cell_history(scoring_round=published, unit=world.unit_a, criterion=leaves["1.1"])
    assert history.final[0].reason == reason


def test_accepting_needs_new_points_that_differ_and_fit(world, published, leaves):
    objection = file(world, published, leaves["1.1"])
    cases = [
        (None, "phải ghi điểm mới"),
        (Decimal(4), "bằng điểm đang công bố"),
        (Decimal(6), "tối đa 5 điểm"),
    ]
    for points, message in cases:
        with pytest.raises(ValidationError) as caught:
            objection_answer(
                objection=objection, accept=True, answer="Đồng ý", new_points=points, actor=world.secretary
            )
        assert message in caught.value.message_dict["new_points"][0]
    objection.refresh_from_db()
    assert objection.state == ObjectionState.OPEN and not Correction.objects.exists()
    assert final_points(published, world.unit_a, leaves["1.1"]) == Decimal(4)


def test_rejecting_keeps_the_score(world, published, leaves):
    objection = file(world, published, leaves["1.1"], requested_points=Decimal(5))
    answered = objection_answer(
        objection=objection, accept=False, answer="Biên bản kiểm tra ghi đúng 4 điểm.", actor=world.secretary
    )
    assert answered.state == ObjectionState.REJECTED and answered.correction is None
    assert final_points(published, world.unit_a, leaves["1.1"]) == Decimal(4)
    assert not Correction.objects.exists()
    assert "không chấp nhận" in AuditEvent.objects.latest("pk").summary


def test_rejecting_with_new_points_is_refused(world, published, leaves):
    objection = file(world, published, leaves["1.1"])
    with pytest.raises(ValidationError) as caught:
        objection_answer(
            objection=objection, accept=False, answer="Không", new_points=Decimal(5), actor=world.secretary
        )
    assert "new_points" in caught.value.message_dict


def test_accepting_a_general_objection_records_the_answer_only(world, published):
    objection = file(world, published, None, reason="Đề nghị xem lại cách tính điểm thưởng.")
    answered = objection_answer(
        objection=objection, accept=True, answer="Sẽ áp dụng từ quý sau.", actor=world.admin
    )
    assert answered.state == ObjectionState.ACCEPTED and answered.correction is None
    assert not Correction.objects.exists()
    with pytest.raises(ValidationError):
        objection_answer(
            objection=file(world, published, None, reason="Lần nữa"),
            accept=True,
            answer="Có",
            new_points=Decimal(1),
            actor=world.admin,
        )


def test_an_answer_is_required(world, published, leaves):
    objection = file(world, published, leaves["1.1"])
    with pytest.raises(ValidationError) as caught:
        objection_answer(objection=objection, accept=False, answer=" ", actor=world.secretary)
    assert "answer" in caught.value.message_dict


def test_an_answered_objection_cannot_be_answered_again(world, published, leaves):
    objection = file(world, published, leaves["1.1"])
    objection_answer(objection=objection, accept=False, answer="Giữ nguyên.", actor=world.secretary)
    with pytest.raises(ValidationError, match="đã được trả lời"):
        objection_answer(
            objection=objection, accept=True, answer="Đổi ý", new_points=Decimal(5), actor=world.admin
        )
    objection.refresh_from_db()
    assert objection.state == ObjectionState.REJECTED and objection.answered_by == world.secretary
    assert final_points(published, world.unit_a, leaves["1.1"]) == Decimal(4)


@pytest.mark.parametrize("persona", ["leader", "officer", "observer", "other_secretary", "nobody"])
def test_only_the_secretariat_answers(world, published, leaves, persona):
    objection = file(world, published, leaves["1.1"])
    with pytest.raises(PermissionDenied):
        objection_answer(
            objection=objection, accept=True, answer="Có", new_points=Decimal(5), actor=world.persona(persona)
        )
    objection.refresh_from_db()
    assert objection.state == ObjectionState.OPEN


# --- Reads ---------------------------------------------------------------------------------------------


def test_a_rounds_objections_come_open_first_with_the_points_they_are_about(world, published, leaves):
    answered = file(world, published, leaves["1.1"])
    objection_answer(objection=answered, accept=False, answer="Giữ nguyên.", actor=world.secretary)
    waiting = file(world, published, leaves["2.1"])
    listing = round_objections(scoring_round=published)
    assert [row.objection for row in listing.rows] == [waiting, answered]
    assert [row.current_points for row in listing.rows] == [Decimal(3), Decimal(4)]
    assert (listing.open_count, listing.answered_count) == (1, 1)
    assert round_objections(scoring_round=published, unit_ids={world.unit_b.pk}).rows == []


def test_a_units_objections_and_the_rounds_it_may_still_object_to(world, published, leaves):
    file(world, published, leaves["1.1"])
    data = unit_objections(campaign=published.campaign, unit=world.unit_a, user=world.leader)
    assert [o.criterion for o in data.objections] == [leaves["1.1"]]
    assert [r.scoring_round for r in data.open_rounds] == [published] and data.can_file
    later = unit_objections(
        campaign=published.campaign,
        unit=world.unit_a,
        user=world.officer,
        today=published_on(published) + timedelta(days=8),
    )
    assert later.open_rounds == [] and not later.can_file


# --- Fuzzing the forms ----------------------------------------------------------------------------------

TYPED_POINTS = st.one_of(
    st.sampled_from(
        ["", "0", "4,5", "4.5", "5", "5,01", "-1", "1e9", "abc", "1.234,5", "NaN", "٣", "1" * 40, "4,555"]
    ),
    st.text(max_size=10),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


def _leaf(kind: str = CriterionKind.STANDARD) -> tuple[Criterion, FilingChoices]:
    group = Criterion(pk=1, code="1", title="Nhóm", kind=kind, max_points=None)
    leaf = Criterion(pk=2, code="1.1", title="Tiêu chí", kind=kind, max_points=Decimal(5), parent_id=1)
    layout = Layout(criteria_set=None, groups=[Group(node=group, leaves=[leaf])])  # type: ignore[arg-type]
    return leaf, FilingChoices(layout=layout, points={2: Decimal(4)}, pending={}, scored=True)


@given(typed=TYPED_POINTS, criterion=st.sampled_from(["", "2", "1", "x"]))
def test_the_objection_form_never_passes_points_out_of_range(typed, criterion):
    leaf, choices = _leaf()
    form = ObjectionForm(
        {"criterion": criterion, "requested_points": typed, "reason": "Lý do"}, choices=choices
    )
    if form.is_valid():
        points = form.cleaned_data["requested_points"]
        assert points is None or check_points(leaf, points) is None
        assert points is None or form.cleaned_data["criterion"] == leaf
    else:
        assert all(form.errors.values())


@given(typed=TYPED_POINTS, decision=st.sampled_from(["accept", "reject", "", "x"]))
def test_the_answer_form_never_passes_points_out_of_range(typed, decision):
    leaf, _ = _leaf()
    objection = Objection(criterion=leaf)
    form = AnswerForm({"decision": decision, "new_points": typed, "answer": "Trả lời"}, objection=objection)
    if form.is_valid():
        points = form.cleaned_data["new_points"]
        assert decision in ("accept", "reject")
        assert (points is None) is (decision == "reject")
        assert points is None or check_points(leaf, points) is None
