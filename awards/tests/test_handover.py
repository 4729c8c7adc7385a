"""Next year's chair and deputy (DESIGN.md §4): the proposal's rule with its explanation, and
what closing a tổng kết records through the chair-term service."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from awards.models import Election, ElectionState, ReviewState
from awards.services.handover import handover_proposal
from awards.services.reviews import review_close
from awards.tests.factories import held_review, review_for
from blocs.models import ChairTerm, Membership
from blocs.services.organisation import chair_term_set
from blocs.tests.factories import MembershipFactory, UnitFactory
from scoring.models import ScoringRules

YEAR = 2024


@pytest.fixture
def four(world):
    """A fourth member, so that chair, deputy and a third choice all exist. Shares by code:
    Quân khu 1 95 %, Quân khu 2 90 %, Quân khu 3 85 %, Quân khu 4 80 %."""
    unit = UnitFactory(code="QK4", name="Quân khu 4")
    MembershipFactory(bloc=world.bloc, unit=unit)
    return unit


def year_end(world, **kwargs):
    review = review_for(world.bloc, "tong_ket", YEAR, actor=world.admin, **kwargs)
    ScoringRules.objects.update_or_create(campaign=review.campaign, defaults={"leading_by": "score"})
    return review


def this_year(world, chair, deputy=None):
    chair_term_set(bloc=world.bloc, year=YEAR, chair=chair, deputy=deputy, actor=world.admin)


def test_the_leading_unit_chairs_next_year_and_the_next_best_is_deputy(world, four):
    this_year(world, world.unit_c, world.unit_b)
    proposal = handover_proposal(review=year_end(world))
    assert (proposal.year, proposal.chair, proposal.deputy) == (2025, world.unit_a, world.unit_b)
    assert proposal.lines == [
        "Đơn vị dẫn đầu năm 2024: Quân khu 1 (xếp thứ nhất theo điểm).",
        "Đề xuất Quân khu 1 làm khối trưởng năm 2025 vì là đơn vị dẫn đầu năm 2024.",
        "Đề xuất Quân khu 2 làm khối phó năm 2025 vì là đơn vị xếp hạng cao nhất, ngoài Quân khu 1, "
        "không vi phạm tiêu chí phủ quyết (hạng 2).",
    ]


def test_a_leading_unit_that_chairs_this_year_hands_over_to_the_deputy(world, four):
    this_year(world, world.unit_a, four)
    proposal = handover_proposal(review=year_end(world))
    assert (proposal.chair, proposal.deputy) == (four, world.unit_a)
    assert (
        "Quân khu 1 là khối trưởng năm 2024; theo quy tắc luân phiên, một đơn vị không làm khối trưởng hai năm liền."
        in proposal.lines
    )
    assert "Đề xuất Quân khu 4 làm khối trưởng năm 2025 vì là khối phó năm 2024." in proposal.lines


def test_without_a_deputy_the_best_ranked_other_unit_chairs(world, four):
    this_year(world, world.unit_a)
    proposal = handover_proposal(review=year_end(world))
    assert (proposal.chair, proposal.deputy) == (world.unit_b, world.unit_a)
    assert "Khối thi đua số 2 không có khối phó năm 2024." in proposal.lines
    assert any(
        line.startswith("Đề xuất Quân khu 2 làm khối trưởng năm 2025 vì là đơn vị xếp hạng cao nhất (hạng 2)")
        for line in proposal.lines
    )


def test_a_cluster_speaks_of_cum_truong(world):
    review = review_for(world.other_bloc, "tong_ket", YEAR, actor=world.admin)
    ScoringRules.objects.update_or_create(campaign=review.campaign, defaults={"leading_by": "score"})
    proposal = handover_proposal(review=review)
    assert (proposal.chair_word, proposal.deputy_word) == ("cụm trưởng", "cụm phó")
    assert proposal.chair == world.other_unit and proposal.deputy is None
    assert "Không có đơn vị nào khác đủ điều kiện làm cụm phó năm 2025." in proposal.lines


def test_a_unit_leaving_the_bloc_is_passed_over(world, four):
    this_year(world, world.unit_c)
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_a).update(left_on=date(2024, 12, 31))
    proposal = handover_proposal(review=year_end(world))
    assert (proposal.chair, proposal.deputy) == (world.unit_b, world.unit_c)
    assert "Quân khu 1 không còn là thành viên của Khối thi đua số 2 từ ngày 01/01/2025." in proposal.lines
    assert world.unit_a not in proposal.members


def test_a_unit_with_a_veto_is_not_deputy(world, four):
    this_year(world, world.unit_c)
    review = year_end(world, extra={(world.unit_b, "9.1"): "1"})
    proposal = handover_proposal(review=review)
    assert (proposal.chair, proposal.deputy) == (world.unit_a, world.unit_c)


def test_the_vote_winner_is_the_leading_unit(world, four):
    this_year(world, world.unit_a)
    review = review_for(world.bloc, "tong_ket", YEAR, actor=world.admin)
    Election.objects.create(review=review, state=ElectionState.DONE, winner=world.unit_c)
    proposal = handover_proposal(review=review)
    assert (proposal.chair, proposal.deputy) == (world.unit_c, world.unit_a)
    assert proposal.lines[0] == "Đơn vị dẫn đầu năm 2024: Quân khu 3 (theo kết quả suy tôn)."


# --- Recorded when the tổng kết closes -----------------------------------------------------------


def test_closing_records_the_proposal_as_next_years_chair_term(world, four):
    this_year(world, world.unit_c)
    review = review_close(review=held_review(year_end(world)), actor=world.secretary)
    term = ChairTerm.objects.get(bloc=world.bloc, year=2025)
    assert (term.chair, term.deputy, term.decided_on) == (world.unit_a, world.unit_b, review.held_on)
    assert term.reason == (
        "Theo đề xuất tại hội nghị tổng kết năm 2024 (15/12/2024): Đề xuất Quân khu 1 làm khối trưởng năm 2025 "
        "vì là đơn vị dẫn đầu năm 2024. Đề xuất Quân khu 2 làm khối phó năm 2025 vì là đơn vị xếp hạng cao nhất, "
        "ngoài Quân khu 1, không vi phạm tiêu chí phủ quyết (hạng 2)."
    )
    assert review.state == ReviewState.CLOSED


def test_the_secretariats_other_choice_needs_a_reason(world, four):
    this_year(world, world.unit_c)
    review = held_review(year_end(world))
    with pytest.raises(ValidationError) as caught:
        review_close(review=review, actor=world.secretary, chair=four, deputy=world.unit_a)
    assert caught.value.message_dict == {
        "handover_reason": ["Chọn khác đề xuất theo quy tắc luân phiên thì phải ghi rõ lý do."]
    }
    assert not ChairTerm.objects.filter(year=2025).exists()
    review = review_close(
        review=review,
        actor=world.secretary,
        chair=four,
        deputy=world.unit_a,
        handover_reason="Hội nghị thống nhất giao Quân khu 4 đăng cai các hoạt động năm 2025.",
    )
    term = ChairTerm.objects.get(bloc=world.bloc, year=2025)
    assert (term.chair, term.deputy) == (four, world.unit_a)
    assert term.reason == "Hội nghị thống nhất giao Quân khu 4 đăng cai các hoạt động năm 2025."
    report = dict(review.sections.values_list("key", "body"))
    assert "Hội nghị thống nhất khối trưởng năm 2025: Quân khu 4; khối phó: Quân khu 1." in report["de_xuat"]


def test_chair_and_deputy_must_differ(world, four):
    review = held_review(year_end(world))
    with pytest.raises(ValidationError) as caught:
        review_close(
            review=review, actor=world.secretary, chair=four, deputy=four, handover_reason="Thống nhất"
        )
    assert caught.value.message_dict == {"deputy": ["Khối trưởng và khối phó phải là hai đơn vị khác nhau."]}
    assert review.__class__.objects.get(pk=review.pk).state == ReviewState.HELD


def test_a_unit_that_is_not_a_member_next_year_is_refused(world, four):
    review = held_review(year_end(world))
    Membership.objects.filter(bloc=world.bloc, unit=four).update(left_on=date(2024, 12, 31))
    with pytest.raises(ValidationError) as caught:
        review_close(
            review=review, actor=world.secretary, chair=four, deputy=world.unit_a, handover_reason="Lý do"
        )
    assert caught.value.message_dict == {
        "chair": ["Quân khu 4 không là thành viên của Khối thi đua số 2 vào ngày 01/01/2025."]
    }
    with pytest.raises(ValidationError):
        review_close(
            review=review,
            actor=world.secretary,
            chair=world.unit_a,
            deputy=world.other_unit,
            handover_reason="Lý do",
        )
    assert not ChairTerm.objects.filter(year=2025).exists()


def test_a_so_ket_leaves_the_chair_terms_alone(world):
    review = review_for(world.bloc, "so_ket", YEAR, actor=world.admin)
    ScoringRules.objects.update_or_create(campaign=review.campaign, defaults={"leading_by": "score"})
    review_close(review=held_review(review), actor=world.secretary)
    assert not ChairTerm.objects.exists()
