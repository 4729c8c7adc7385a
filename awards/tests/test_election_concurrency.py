"""Ballots cast at the same moment (PostgreSQL only).

Every workflow of a vote locks the election row, then the round (SELECT … FOR UPDATE), so that
a unit's second ballot sees the first, and a count sees every ballot cast before it. These
tests start real threads, each with its own database connection, behind a barrier so that they
reach the lock together."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from awards.models import Ballot, BallotCast, BallotRound, BallotRoundState
from awards.services.elections import ballot_cast, ballot_round_count
from awards.tests.test_election_helpers import add_members, attend, candidate_of, make_review, opened
from blocs.tests.factories import BlocFactory, UnitFactory
from campaigns.tests.factories import leader_for

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and real threads"
    ),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def run_together(calls: list[Callable]) -> list:
    """Run each call in its own thread, all released at once; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index: int, call: Callable) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # reported to the test thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a voting thread hung"
    return results


@pytest.fixture
def vote():
    """A bloc of four present members and round 1 open between the first two."""
    bloc = BlocFactory(organiser=UnitFactory(name="Bộ Tư lệnh Thủ đô Hà Nội"))
    units = add_members(bloc, 4, prefix="Trung đoàn")
    review = make_review(bloc)
    attend(review, units)
    return units, opened(review, units[:2])


def test_two_leaders_of_the_same_unit_voting_at_once_leave_one_ballot(vote):
    units, ballot_round = vote
    unit = units[2]
    commanders = [leader_for(unit), leader_for(unit)]  # the commander and the commissar
    choices = [candidate_of(ballot_round, units[0]), candidate_of(ballot_round, units[1])]

    results = run_together(
        [
            lambda user=user, choice=choice: ballot_cast(
                ballot_round=ballot_round, unit=unit, candidate=choice, actor=user
            )
            for user, choice in zip(commanders, choices, strict=True)
        ]
    )

    casts = [r for r in results if isinstance(r, BallotCast)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert (len(casts), len(refusals)) == (1, 1), results
    assert refusals[0].messages == [
        f"{unit.name} đã bỏ phiếu lần thứ 1; mỗi đơn vị chỉ bỏ một phiếu mỗi lần bỏ phiếu."
    ]
    assert BallotCast.objects.filter(ballot_round=ballot_round).count() == 1
    assert Ballot.objects.filter(ballot_round=ballot_round).count() == 1


def test_a_ballot_racing_the_count_is_counted_or_refused_never_lost(vote):
    units, ballot_round = vote
    voters = {unit: leader_for(unit) for unit in units}
    for unit in units[:3]:
        ballot_cast(
            ballot_round=ballot_round,
            unit=unit,
            candidate=candidate_of(ballot_round, units[0]),
            actor=voters[unit],
        )
    last = units[3]

    cast, counted = run_together(
        [
            lambda: ballot_cast(
                ballot_round=ballot_round,
                unit=last,
                candidate=candidate_of(ballot_round, units[1]),
                actor=voters[last],
            ),
            lambda: ballot_round_count(ballot_round=ballot_round, actor=None),
        ]
    )

    assert isinstance(counted, BallotRound), counted
    counted = BallotRound.objects.get(pk=ballot_round.pk)
    assert counted.state == BallotRoundState.COUNTED
    if isinstance(cast, BallotCast):
        assert counted.valid_count == 4
    else:
        assert isinstance(cast, ValidationError), cast
        assert counted.valid_count == 3
    assert Ballot.objects.filter(ballot_round=ballot_round).count() == counted.valid_count
