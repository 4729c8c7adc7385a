"""The suy tôn vote through its services: the candidate list from the published ranking, the
2/3 quorum, casting, paper ballots, counting with run-offs and ties, ending without a result,
and the secrecy of the ballot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from awards.models import (
    Ballot,
    BallotCast,
    BallotOutcome,
    BallotRound,
    BallotRoundState,
    Candidate,
    Election,
    ElectionState,
    ReviewState,
    VoteMethod,
)
from awards.selectors.elections import quorum_needed
from awards.services.elections import (
    ballot_cast,
    ballot_round_count,
    ballots_in_box,
    candidate_add,
    candidate_remove,
    election_abandon,
    election_open,
    election_prepare,
    paper_ballots_enter,
)
from awards.tests.test_election_helpers import (
    Voters,
    add_members,
    attend,
    candidate_of,
    make_review,
    opened,
    publish_half_year,
    standing,
)
from blocs.models import AuditEvent
from blocs.tests.factories import AssignmentFactory, UserFactory
from scoring.models import ScoringRules
from scoring.tests.factories import campaign_for


def messages(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


@pytest.fixture
def voters() -> Voters:
    return Voters()


@pytest.fixture
def five(world):
    """A bloc of five member units, all present at the sơ kết."""
    units = add_members(world.bloc, 2)  # with Quân khu 1–3 of the world: five members
    units = [world.unit_a, world.unit_b, world.unit_c, *units]
    review = make_review(world.bloc)
    attend(review, units)
    return review, units


# --- Candidates from the ranking ---------------------------------------------------------------------


def test_prepare_puts_the_three_best_units_on_the_list_with_rank_and_total(world, five):
    review, (a, b, c, d, e) = five
    publish_half_year(review.campaign, {a: 70, b: 95, c: 80, d: 88, e: 60}, actor=world.secretary)

    election = election_prepare(review=review, actor=world.secretary)

    rows = [(c.unit, c.rank, c.total, c.position) for c in election.candidates.order_by("position")]
    assert rows == [(b, 1, Decimal("95.00"), 1), (d, 2, Decimal("88.00"), 2), (c, 3, Decimal("80.00"), 3)]
    assert (election.state, election.member_count, election.present_count) == (ElectionState.SETUP, 5, 5)
    assert "3 đơn vị điểm cao nhất" in election.minutes_note
    assert AuditEvent.objects.filter(summary__startswith="Chuẩn bị bỏ phiếu suy tôn").count() == 1


def test_units_tied_at_the_last_place_all_stand_and_the_note_says_so(world, five):
    review, (a, b, c, d, e) = five
    publish_half_year(review.campaign, {a: 90, b: 85, c: 80, d: 80, e: 70}, actor=world.secretary)

    election = election_prepare(review=review, actor=world.secretary)

    assert [c.unit for c in election.candidates.order_by("position")][:2] == [a, b]
    assert {c.unit for c in election.candidates.all()} == {a, b, c, d}
    assert "đồng hạng 3 (80 điểm) nên cả 2 đơn vị cùng được đưa ra suy tôn; danh sách có 4 đơn vị" in (
        election.minutes_note
    )


def test_a_disqualified_unit_cannot_stand_even_when_it_ranks_first(world, five):
    review, (a, b, c, d, e) = five
    publish_half_year(
        review.campaign, {a: 99, b: 85, c: 80, d: 75, e: 70}, vetoed=(a,), actor=world.secretary
    )

    election = election_prepare(review=review, actor=world.secretary)

    assert [c.unit for c in election.candidates.order_by("position")] == [b, c, d]
    assert f"{a.name} (hạng 1, 99 điểm) vi phạm tiêu chí phủ quyết" in election.minutes_note
    with pytest.raises(ValidationError) as refused:
        candidate_add(election=election, unit=a, actor=world.secretary)
    assert refused.value.message_dict["unit"] == [
        f"{a.name} vi phạm tiêu chí phủ quyết trong 6 tháng đầu năm {review.campaign.year} nên không được "
        "đưa ra suy tôn (đơn vị vi phạm tiêu chí phủ quyết không được là đơn vị dẫn đầu)."
    ]
    assert election.candidates.count() == 3


def test_a_unit_missing_a_quarter_does_not_stand(world, five):
    review, (a, b, c, d, e) = five
    publish_half_year(
        review.campaign, {a: 99, b: 85, c: 80, d: 75, e: 70}, missing_q2=(a,), actor=world.secretary
    )

    election = election_prepare(review=review, actor=world.secretary)

    assert a not in {c.unit for c in election.candidates.all()}
    assert f"{a.name} thiếu điểm Quý II nên không được đưa ra suy tôn." in election.minutes_note
    with pytest.raises(ValidationError, match="thiếu điểm Quý II"):
        candidate_add(election=election, unit=a, actor=world.secretary)


def test_the_number_of_candidates_follows_the_campaign_rules(world, five):
    review, (a, b, c, d, e) = five
    ScoringRules.objects.create(campaign=review.campaign, candidate_count=2)
    publish_half_year(review.campaign, {a: 90, b: 85, c: 80, d: 75, e: 70}, actor=world.secretary)

    election = election_prepare(review=review, actor=world.secretary)

    assert [c.unit for c in election.candidates.order_by("position")] == [a, b]


def test_without_a_published_ranking_the_list_is_empty_and_the_note_explains(world, five):
    review, _units = five

    election = election_prepare(review=review, actor=world.secretary)

    assert election.candidates.count() == 0
    assert election.minutes_note.startswith("Chưa lập được danh sách suy tôn")


def test_prepare_again_refreshes_the_list_and_the_counts_while_in_setup(world, five):
    review, (a, b, c, d, e) = five
    publish_half_year(review.campaign, {a: 90, b: 85, c: 80, d: 75, e: 70}, actor=world.secretary)
    election = election_prepare(review=review, actor=world.secretary)
    candidate_add(election=election, unit=e, actor=world.secretary)
    attend(review, [d], present=False)

    again = election_prepare(review=review, actor=world.secretary)

    assert again.pk == election.pk
    assert {c.unit for c in again.candidates.all()} == {a, b, c}
    assert (again.member_count, again.present_count) == (5, 4)


def test_the_list_cannot_change_once_voting_has_begun(world, five):
    review, (a, b, c, d, e) = five
    publish_half_year(review.campaign, {a: 90, b: 85, c: 80, d: 75, e: 70}, actor=world.secretary)
    election = election_prepare(review=review, actor=world.secretary)
    election_open(election=election, actor=world.secretary)

    for change in (
        lambda: election_prepare(review=review, actor=world.secretary),
        lambda: candidate_add(election=election, unit=d, actor=world.secretary),
        lambda: candidate_remove(candidate=election.candidates.first(), actor=world.secretary),
    ):
        with pytest.raises(ValidationError, match="chỉ thay đổi được trước khi mở bỏ phiếu"):
            change()
    assert election.candidates.count() == 3


def test_candidates_are_added_with_their_rank_and_removed_by_hand(world, five):
    review, (a, b, c, d, e) = five
    publish_half_year(review.campaign, {a: 90, b: 85, c: 80, d: 75, e: 70}, actor=world.secretary)
    election = election_prepare(review=review, actor=world.secretary)

    added = candidate_add(election=election, unit=d, actor=world.secretary)
    candidate_remove(candidate=election.candidates.get(unit=c), actor=world.secretary)

    assert (added.rank, added.total, added.position) == (4, Decimal("75.00"), 4)
    assert [x.unit for x in Election.objects.get(pk=election.pk).candidates.order_by("position")] == [a, b, d]
    note = Election.objects.get(pk=election.pk).minutes_note
    assert f"Thường trực bổ sung {d.name} (hạng 4, 75 điểm) vào danh sách suy tôn." in note
    assert f"Thường trực bỏ {c.name} khỏi danh sách suy tôn." in note
    with pytest.raises(ValidationError, match="đã có trong danh sách suy tôn"):
        candidate_add(election=election, unit=a, actor=world.secretary)


def test_a_unit_of_another_bloc_cannot_stand(world, five):
    review, _units = five
    election = election_prepare(review=review, actor=world.secretary)

    with pytest.raises(ValidationError) as refused:
        candidate_add(election=election, unit=world.other_unit, actor=world.secretary)

    assert refused.value.message_dict["unit"] == [
        f"{world.other_unit.name} không phải là đơn vị thành viên của {world.bloc.name} vào ngày hội nghị "
        f"({review.held_on:%d/%m/%Y}) nên không được đưa ra suy tôn."
    ]


# --- Quorum and opening ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "present", "opens"),
    [(8, 5, False), (8, 6, True), (3, 2, True), (3, 1, False), (9, 6, True)],
)
def test_the_ballot_opens_only_with_two_thirds_of_the_members_present(world, members, present, opens):
    units = [world.unit_a, world.unit_b, world.unit_c, *add_members(world.bloc, members - 3)]
    review = make_review(world.bloc)
    attend(review, units[:present])
    attend(review, units[present:], present=False)
    election = standing(review, units[:2])

    if opens:
        ballot_round = election_open(election=election, actor=world.secretary)
        assert (ballot_round.number, ballot_round.state) == (1, BallotRoundState.OPEN)
        assert set(ballot_round.candidates.all()) == set(election.candidates.all())
        election.refresh_from_db()
        assert (election.state, election.member_count, election.present_count) == (
            ElectionState.VOTING,
            members,
            present,
        )
    else:
        with pytest.raises(ValidationError) as refused:
            election_open(election=election, actor=world.secretary)
        assert messages(refused) == (
            f"Chưa đủ số đơn vị dự hội nghị để bỏ phiếu: có mặt {present}/{members} đơn vị thành viên, "
            f"cần ít nhất {quorum_needed(members)} đơn vị (2/3 số đơn vị thành viên)."
        )
        assert not BallotRound.objects.exists()
        assert Election.objects.get(pk=election.pk).state == ElectionState.SETUP


def test_quorum_is_two_thirds_rounded_up():
    assert [quorum_needed(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)] == [1, 2, 2, 3, 4, 4, 5, 6, 6, 7]


def test_a_unit_of_another_bloc_marked_present_does_not_make_the_quorum(world):
    review = make_review(world.bloc)
    attend(review, [world.unit_a, world.other_unit])
    election = standing(review, [world.unit_a, world.unit_b])

    with pytest.raises(ValidationError, match="có mặt 1/3 đơn vị thành viên"):
        election_open(election=election, actor=world.secretary)


def test_the_ballot_needs_two_candidates(world, five):
    review, units = five
    election = standing(review, units[:1])

    with pytest.raises(
        ValidationError, match=r"Cần ít nhất 2 đơn vị trong danh sách suy tôn để bỏ phiếu \(hiện có 1\)"
    ):
        election_open(election=election, actor=world.secretary)


def test_nothing_happens_once_the_review_is_closed(world, five, voters):
    review, units = five
    ballot_round = opened(review, units[:2])
    review.state = ReviewState.CLOSED
    review.save()
    ballot_round = BallotRound.objects.get(pk=ballot_round.pk)

    with pytest.raises(ValidationError, match="Hội nghị đã chốt kết quả"):
        voters.vote(ballot_round, units[0], units[1])
    with pytest.raises(ValidationError, match="Hội nghị đã chốt kết quả"):
        ballot_round_count(ballot_round=ballot_round, actor=world.secretary)
    with pytest.raises(ValidationError, match="Hội nghị đã chốt kết quả"):
        election_prepare(review=review, actor=world.secretary)
    assert not BallotCast.objects.exists()


# --- Voting and counting -----------------------------------------------------------------------------


def test_a_unit_with_more_than_half_of_the_valid_ballots_wins(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b, c])
    voters.vote_all(ballot_round, {a: a, b: a, c: b, d: a, e: None})

    counted = ballot_round_count(ballot_round=ballot_round, actor=world.secretary)

    assert counted.state == BallotRoundState.COUNTED
    assert (counted.valid_count, counted.invalid_count, counted.outcome) == (4, 1, BallotOutcome.WINNER)
    assert counted.tally == {
        str(candidate_of(ballot_round, a).pk): 3,
        str(candidate_of(ballot_round, b).pk): 1,
        str(candidate_of(ballot_round, c).pk): 0,
    }
    election = Election.objects.get(pk=ballot_round.election_id)
    assert (election.state, election.winner) == (ElectionState.DONE, a)
    assert election.finished_at is not None
    assert BallotRound.objects.filter(election=election).count() == 1
    with pytest.raises(ValidationError, match="Cuộc bỏ phiếu đã có kết quả, không bỏ phiếu được nữa"):
        voters.vote(counted, a, a)


def test_exactly_half_is_not_enough_and_the_top_two_go_to_a_run_off(world, voters):
    units = [world.unit_a, world.unit_b, world.unit_c, *add_members(world.bloc, 3)]
    a, b, c, d, e, f = units
    review = make_review(world.bloc)
    attend(review, units)
    ballot_round = opened(review, [a, b, c])
    voters.vote_all(ballot_round, {a: a, b: a, c: a, d: b, e: b, f: c})

    counted = ballot_round_count(ballot_round=ballot_round, actor=world.secretary)

    assert counted.outcome == BallotOutcome.RUNOFF
    runoff = BallotRound.objects.get(election=counted.election, number=2)
    assert runoff.state == BallotRoundState.OPEN
    assert {x.unit for x in runoff.candidates.all()} == {a, b}
    assert Election.objects.get(pk=counted.election_id).state == ElectionState.VOTING


def test_a_run_off_includes_every_unit_tied_for_second(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b, c, d])
    voters.vote_all(ballot_round, {a: a, b: a, c: b, d: c, e: d})

    ballot_round_count(ballot_round=ballot_round, actor=world.secretary)

    runoff = BallotRound.objects.get(election=ballot_round.election, number=2)
    assert {x.unit for x in runoff.candidates.all()} == {a, b, c, d}


def test_a_run_off_is_between_all_the_units_tied_for_first(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b, c])
    voters.vote_all(ballot_round, {a: a, b: a, c: b, d: b, e: c})

    counted = ballot_round_count(ballot_round=ballot_round, actor=world.secretary)

    assert counted.outcome == BallotOutcome.RUNOFF
    runoff = BallotRound.objects.get(election=ballot_round.election, number=2)
    assert {x.unit for x in runoff.candidates.all()} == {a, b}


def test_a_run_off_that_ends_equal_is_a_tie_and_the_same_units_vote_again(world, five, voters):
    review, (a, b, c, d, e) = five
    first = opened(review, [a, b, c])
    voters.vote_all(first, {a: a, b: a, c: b, d: b, e: c})
    ballot_round_count(ballot_round=first, actor=world.secretary)
    runoff = BallotRound.objects.get(election=first.election, number=2)
    voters.vote_all(runoff, {a: a, b: b, c: a, d: b, e: None})

    counted = ballot_round_count(ballot_round=runoff, actor=world.secretary)

    assert (counted.outcome, counted.valid_count, counted.invalid_count) == (BallotOutcome.TIE, 4, 1)
    third = BallotRound.objects.get(election=first.election, number=3)
    assert {x.unit for x in third.candidates.all()} == {a, b}
    assert third.state == BallotRoundState.OPEN
    assert Election.objects.get(pk=first.election_id).state == ElectionState.VOTING


def test_a_run_off_can_be_won(world, five, voters):
    review, (a, b, c, d, e) = five
    first = opened(review, [a, b, c])
    voters.vote_all(first, {a: a, b: a, c: b, d: b, e: c})
    ballot_round_count(ballot_round=first, actor=world.secretary)
    runoff = BallotRound.objects.get(election=first.election, number=2)
    voters.vote_all(runoff, {a: a, b: b, c: b, d: b, e: a})

    ballot_round_count(ballot_round=runoff, actor=world.secretary)

    assert Election.objects.get(pk=first.election_id).winner == b


def test_all_blank_ballots_in_a_first_round_send_every_unit_to_a_run_off(world, five, voters):
    review, (a, b, c, d, e) = five
    first = opened(review, [a, b])
    voters.vote_all(first, {a: None, b: None, c: None, d: None})

    counted = ballot_round_count(ballot_round=first, actor=world.secretary)

    assert (counted.outcome, counted.valid_count, counted.invalid_count) == (BallotOutcome.RUNOFF, 0, 4)


def test_counting_needs_two_thirds_of_the_members_to_have_voted(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b])
    voters.vote_all(ballot_round, {a: a, b: a, c: b})

    with pytest.raises(ValidationError) as refused:
        ballot_round_count(ballot_round=ballot_round, actor=world.secretary)

    assert messages(refused) == (
        "Mới có 3/5 đơn vị thành viên bỏ phiếu lần thứ 1; cần ít nhất 4 đơn vị (2/3 số đơn vị thành viên) "
        "tham gia thì kết quả mới hợp lệ."
    )
    assert BallotRound.objects.get(pk=ballot_round.pk).state == BallotRoundState.OPEN


def test_a_round_is_counted_once(world, five, voters):
    review, (a, b, c, d, e) = five
    first = opened(review, [a, b])
    voters.vote_all(first, {a: a, b: a, c: a, d: b})
    ballot_round_count(ballot_round=first, actor=world.secretary)

    with pytest.raises(ValidationError, match="Cuộc bỏ phiếu đã có kết quả"):
        ballot_round_count(ballot_round=first, actor=world.secretary)


# --- Who may vote, once ------------------------------------------------------------------------------


def test_a_unit_votes_once_per_round_online(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b])
    voters.vote(ballot_round, c, a)

    with pytest.raises(ValidationError) as refused:
        voters.vote(ballot_round, c, b)

    assert messages(refused) == (
        f"{c.name} đã bỏ phiếu lần thứ 1; mỗi đơn vị chỉ bỏ một phiếu mỗi lần bỏ phiếu."
    )
    assert (BallotCast.objects.count(), Ballot.objects.count()) == (1, 1)


def test_a_unit_that_voted_online_cannot_be_marked_on_paper(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b])
    voters.vote(ballot_round, c, a)

    with pytest.raises(ValidationError) as refused:
        paper_ballots_enter(
            ballot_round=ballot_round,
            counts={candidate_of(ballot_round, a).pk: 1, candidate_of(ballot_round, b).pk: 1},
            invalid=0,
            voted_units=[c, d],
            actor=world.secretary,
        )

    assert refused.value.message_dict["voted_units"] == [
        f"{c.name} đã bỏ phiếu lần thứ 1 (bỏ phiếu trực tuyến), không đánh dấu lại được."
    ]
    assert (BallotCast.objects.count(), Ballot.objects.count()) == (1, 1)


def test_a_unit_that_voted_on_paper_cannot_vote_online(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b])
    paper_ballots_enter(
        ballot_round=ballot_round,
        counts={candidate_of(ballot_round, a).pk: 1},
        invalid=0,
        voted_units=[c],
        actor=world.secretary,
    )

    with pytest.raises(ValidationError, match="đã bỏ phiếu lần thứ 1"):
        voters.vote(ballot_round, c, b)
    assert list(BallotCast.objects.values_list("unit", "method")) == [(c.pk, VoteMethod.PAPER)]


def test_the_leader_of_an_absent_unit_cannot_vote(world, five, voters):
    review, (a, b, c, d, e) = five
    attend(review, [e], present=False)
    ballot_round = opened(review, [a, b])

    with pytest.raises(ValidationError) as refused:
        voters.vote(ballot_round, e, a)

    assert refused.value.message_dict["unit"] == [
        f"{e.name} không có mặt tại hội nghị nên không bỏ phiếu được."
    ]
    assert not BallotCast.objects.exists()


def test_only_the_units_leader_casts_its_ballot(world, five):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b])
    candidate = candidate_of(ballot_round, a)

    for user in (world.officer, world.secretary, world.admin, world.observer):
        with pytest.raises(PermissionDenied, match="Chỉ chỉ huy của đơn vị mới được bỏ phiếu cho đơn vị"):
            ballot_cast(ballot_round=ballot_round, unit=a, candidate=candidate, actor=user)
    assert not BallotCast.objects.exists()


def test_a_leader_of_a_unit_outside_the_bloc_cannot_vote(world, five):
    review, (a, b, *_rest) = five
    ballot_round = opened(review, [a, b])
    attend(review, [world.other_unit])

    with pytest.raises(ValidationError, match="không phải là đơn vị thành viên"):
        ballot_cast(
            ballot_round=ballot_round,
            unit=world.other_unit,
            candidate=candidate_of(ballot_round, a),
            actor=world.outsider,
        )


def test_a_unit_not_on_this_rounds_ballot_cannot_be_chosen(world, five, voters):
    review, (a, b, c, d, e) = five
    first = opened(review, [a, b, c])
    voters.vote_all(first, {a: a, b: a, c: b, d: b, e: c})
    ballot_round_count(ballot_round=first, actor=world.secretary)
    runoff = BallotRound.objects.get(election=first.election, number=2)
    dropped = Candidate.objects.get(election=first.election, unit=c)
    other_election = standing(make_review(world.other_bloc), [world.other_unit])

    for wrong in (dropped, other_election.candidates.get()):
        with pytest.raises(ValidationError) as refused:
            ballot_cast(ballot_round=runoff, unit=a, candidate=wrong, actor=voters.leader(a))
        assert refused.value.message_dict["candidate"] == [
            "Đơn vị được chọn không có trên phiếu bầu lần này."
        ]
    assert not BallotCast.objects.filter(ballot_round=runoff).exists()


def test_a_counted_round_takes_no_more_ballots(world, five, voters):
    review, (a, b, c, d, e) = five
    first = opened(review, [a, b, c])
    voters.vote_all(first, {a: a, b: a, c: b, d: b, e: c})
    ballot_round_count(ballot_round=first, actor=world.secretary)

    with pytest.raises(ValidationError) as refused:
        paper_ballots_enter(ballot_round=first, counts={}, invalid=1, voted_units=[e], actor=world.secretary)
    assert refused.value.message_dict["ballot_round"] == [
        "Lần bỏ phiếu thứ 1 đã kiểm phiếu, không nhận thêm phiếu."
    ]


# --- Paper ballots -----------------------------------------------------------------------------------


def test_paper_ballots_are_counted_with_the_online_ones(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b])
    voters.vote(ballot_round, a, b)

    casts = paper_ballots_enter(
        ballot_round=ballot_round,
        counts={candidate_of(ballot_round, a).pk: 2, candidate_of(ballot_round, b).pk: 1},
        invalid=1,
        voted_units=[b, c, d, e],
        actor=world.secretary,
    )

    assert {(x.unit, x.method, x.cast_by) for x in casts} == {
        (u, VoteMethod.PAPER, world.secretary) for u in (b, c, d, e)
    }
    counted = ballot_round_count(ballot_round=ballot_round, actor=world.secretary)
    assert (counted.valid_count, counted.invalid_count, counted.outcome) == (4, 1, BallotOutcome.RUNOFF)


@pytest.mark.parametrize(
    ("counts", "invalid", "marked", "field", "message"),
    [
        (
            {"a": 2, "b": 1},
            0,
            2,
            "__all__",
            "Tổng số phiếu giấy (3: 3 phiếu bầu, 0 phiếu trắng hoặc không hợp lệ) phải bằng số đơn vị được "
            "đánh dấu đã bỏ phiếu giấy (2).",
        ),
        ({"a": -1, "b": 3}, 0, 2, "counts", "Số phiếu bầu {a} không được âm."),
        ({"a": "2", "b": 0}, 0, 2, "counts", "Số phiếu bầu {a} phải là một số nguyên."),
        ({"a": 1, "b": 0}, -1, 0, "invalid", "Số phiếu trắng, không hợp lệ không được âm."),
        ({"a": 0, "b": 0}, 0, 0, "voted_units", "Đánh dấu các đơn vị đã bỏ phiếu giấy."),
        ({"x": 1}, 0, 1, "counts", "Phiếu giấy chỉ ghi được cho các đơn vị có trên phiếu bầu lần này."),
    ],
)
def test_wrong_paper_ballots_are_refused_with_the_reason_and_nothing_is_saved(
    world, five, counts, invalid, marked, field, message
):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b])
    other = standing(make_review(world.other_bloc), [world.other_unit]).candidates.get()
    keys = {"a": candidate_of(ballot_round, a).pk, "b": candidate_of(ballot_round, b).pk, "x": other.pk}

    with pytest.raises(ValidationError) as refused:
        paper_ballots_enter(
            ballot_round=ballot_round,
            counts={keys[k]: v for k, v in counts.items()},
            invalid=invalid,
            voted_units=[c, d, e][:marked],
            actor=world.secretary,
        )

    assert refused.value.message_dict[field] == [message.format(a=a.name)]
    assert (BallotCast.objects.count(), Ballot.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(summary__contains="phiếu giấy").exists()


def test_absent_and_foreign_units_cannot_be_marked_on_paper(world, five):
    review, (a, b, c, d, e) = five
    attend(review, [e], present=False)
    ballot_round = opened(review, [a, b])

    with pytest.raises(ValidationError) as refused:
        paper_ballots_enter(
            ballot_round=ballot_round,
            counts={candidate_of(ballot_round, a).pk: 2},
            invalid=0,
            voted_units=[e, world.other_unit],
            actor=world.secretary,
        )

    assert refused.value.message_dict["voted_units"] == [
        f"{e.name}, {world.other_unit.name} không có mặt tại hội nghị (hoặc không phải đơn vị thành viên) "
        "nên không bỏ phiếu được."
    ]
    assert not BallotCast.objects.exists()


# --- Ending without a result -------------------------------------------------------------------------


def test_after_a_tie_the_secretariat_may_end_the_election_with_a_reason(world, five, voters):
    review, (a, b, c, d, e) = five
    first = opened(review, [a, b])
    voters.vote_all(first, {a: a, b: b, c: a, d: b})
    ballot_round_count(ballot_round=first, actor=world.secretary)
    election = Election.objects.get(pk=first.election_id)

    with pytest.raises(ValidationError) as refused:
        election_abandon(election=election, reason="   ", actor=world.secretary)
    assert refused.value.message_dict["reason"] == [
        "Phải nêu lý do kết thúc bỏ phiếu mà không bầu được đơn vị dẫn đầu."
    ]
    ended = election_abandon(election=election, reason="Bỏ phiếu lại vẫn bằng phiếu", actor=world.secretary)

    assert (ended.state, ended.winner) == (ElectionState.FAILED, None)
    assert "Lý do: Bỏ phiếu lại vẫn bằng phiếu" in ended.minutes_note
    with pytest.raises(ValidationError, match="không bỏ phiếu được nữa"):
        voters.vote(BallotRound.objects.get(election=election, number=2), e, a)
    with pytest.raises(ValidationError, match="không kết thúc lại được"):
        election_abandon(election=election, reason="Lần nữa", actor=world.secretary)


# --- Secrecy -----------------------------------------------------------------------------------------


def _columns(model) -> set[str]:
    return {field.column for field in model._meta.concrete_fields}


def test_who_voted_and_what_was_chosen_share_no_linking_column():
    casts, ballots = _columns(BallotCast), _columns(Ballot)

    assert casts & ballots == {"id", "ballot_round_id"}
    assert ballots == {"id", "ballot_round_id", "candidate_id"}  # no voter, no time
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"
    assert BallotCast._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}
    assert not any(f.related_model is Ballot for f in BallotCast._meta.get_fields())
    assert not any(f.related_model is BallotCast for f in Ballot._meta.get_fields())
    assert not hasattr(Ballot, "history") and not hasattr(BallotCast, "history")


def test_the_admin_shows_no_ballot_and_no_cast():
    assert not admin.site.is_registered(Ballot)
    assert not admin.site.is_registered(BallotCast)


def test_ballots_come_back_in_the_order_of_their_random_ids_not_as_cast(world, voters):
    units = [world.unit_a, world.unit_b, world.unit_c, *add_members(world.bloc, 17)]
    review = make_review(world.bloc)
    attend(review, units)
    ballot_round = opened(review, units[:2])
    first, second = units[:2]
    # Ten ballots for the first unit, then ten for the second.
    for number, unit in enumerate(units):
        voters.vote(ballot_round, unit, first if number < 10 else second)

    box = ballots_in_box(ballot_round)

    by_id = list(Ballot.objects.filter(ballot_round=ballot_round).values_list("id", "candidate_id"))
    assert box == [candidate for _id, candidate in sorted(by_id)]
    as_cast = [candidate_of(ballot_round, first).pk] * 10 + [candidate_of(ballot_round, second).pk] * 10
    assert sorted(box) == sorted(as_cast)
    assert box != as_cast  # 1 chance in 184,756 of being equal by accident


def test_the_audit_trail_names_the_unit_that_voted_never_its_choice(world, five, voters):
    review, (a, b, c, d, e) = five
    ballot_round = opened(review, [a, b])
    voters.vote(ballot_round, c, b)
    paper_ballots_enter(
        ballot_round=ballot_round,
        counts={candidate_of(ballot_round, a).pk: 1},
        invalid=0,
        voted_units=[d],
        actor=world.secretary,
    )

    events = list(AuditEvent.objects.filter(data__round=ballot_round.pk).exclude(summary__startswith="Mở"))
    online, paper = sorted(events, key=lambda event: event.pk)
    assert online.summary == f"{c.name} đã bỏ phiếu suy tôn lần 1 (trực tuyến) – {review}"
    assert online.data == {"election": ballot_round.election_id, "round": ballot_round.pk, "unit": c.pk}
    assert paper.summary == f"Nhập 1 phiếu giấy suy tôn lần 1 – {review}: {d.name}"
    assert paper.data == {"election": ballot_round.election_id, "round": ballot_round.pk, "units": [d.pk]}
    for event in events:
        assert b.name not in event.summary.replace(str(review), "")
        assert "candidate" not in event.data


def test_every_action_is_audited(world, five, voters):
    review, (a, b, c, d, e) = five
    publish_half_year(review.campaign, {a: 90, b: 85, c: 80, d: 75, e: 70}, actor=world.secretary)
    before = AuditEvent.objects.count()
    election = election_prepare(review=review, actor=world.secretary)
    candidate_remove(candidate=election.candidates.get(unit=c), actor=world.secretary)
    candidate_add(election=election, unit=c, actor=world.secretary)
    first = election_open(election=election, actor=world.secretary)
    voters.vote_all(first, {a: a, b: a, c: a, d: b})
    ballot_round_count(ballot_round=first, actor=world.secretary)

    summaries = list(AuditEvent.objects.order_by("pk").values_list("summary", flat=True)[before:])
    assert [s.split(" – ")[0].split(":")[0] for s in summaries] == [
        "Chuẩn bị bỏ phiếu suy tôn",
        f"Bỏ {c.name} khỏi danh sách suy tôn",
        f"Bổ sung {c.name} vào danh sách suy tôn",
        "Mở bỏ phiếu suy tôn lần 1",
        f"{a.name} đã bỏ phiếu suy tôn lần 1 (trực tuyến)",
        f"{b.name} đã bỏ phiếu suy tôn lần 1 (trực tuyến)",
        f"{c.name} đã bỏ phiếu suy tôn lần 1 (trực tuyến)",
        f"{d.name} đã bỏ phiếu suy tôn lần 1 (trực tuyến)",
        "Kiểm phiếu suy tôn lần 1",
    ]
    assert summaries[-1].endswith(f"{a.name} được suy tôn đơn vị dẫn đầu")


def test_a_second_campaign_year_has_its_own_election(world):
    """One election per review: the one-to-one link holds across reviews of the same bloc."""
    first = make_review(world.bloc)
    second = make_review(world.bloc, campaign=campaign_for(world.bloc, first.campaign.year + 1))
    attend(first, [world.unit_a, world.unit_b])
    attend(second, [world.unit_a, world.unit_b])

    one = election_prepare(review=first, actor=world.secretary)
    two = election_prepare(review=second, actor=world.secretary)

    assert one.pk != two.pk
    assert Election.objects.count() == 2


def test_a_leader_votes_only_for_the_unit_he_leads(world):
    review = make_review(world.bloc)
    attend(review, [world.unit_a, world.unit_b, world.unit_c])
    ballot_round = opened(review, [world.unit_a, world.unit_b])
    user = UserFactory()
    AssignmentFactory(user=user, role="leader", unit=world.unit_b)

    ballot_cast(ballot_round=ballot_round, unit=world.unit_b, candidate=None, actor=user)
    with pytest.raises(PermissionDenied):
        ballot_cast(ballot_round=ballot_round, unit=world.unit_c, candidate=None, actor=user)
