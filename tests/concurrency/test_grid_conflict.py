"""Two secretaries saving the same grid at the same moment (PostgreSQL only).

`final_grid_save` locks the round row (SELECT … FOR UPDATE) and then compares each card's
version with the one the writer loaded. Real threads, each with its own connection, are
released together behind a barrier with the same base versions: exactly one save wins, the
other is refused with ScoreConflict naming the winner, no value is lost and no cell gets two
Score rows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count

from blocs.models import User
from blocs.tests.factories import AssignmentFactory, BlocFactory, MembershipFactory, UnitFactory, UserFactory
from scoring.models import Criterion, Score, Scorecard, ScorecardKind
from scoring.services.scorecards import SaveResult, ScoreConflict, final_grid_save
from scoring.tests.factories import round_with_sample

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
            connection.close()  # each thread has its own connection; don't leak it

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a saving thread hung"
    return results


@pytest.fixture
def setting():
    root = UnitFactory(code="BQP", name="Bộ Quốc phòng")
    bloc = BlocFactory(name="Khối thi đua số 2", organiser=root)
    units = []
    for number in (1, 2, 3):
        unit = UnitFactory(code=f"QK{number}", name=f"Quân khu {number}", parent=root)
        MembershipFactory(bloc=bloc, unit=unit)
        units.append(unit)
    secretaries = []
    for name in ("Nguyễn Thị Lan", "Trần Văn Hùng"):
        user = UserFactory(full_name=name)
        AssignmentFactory(user=user, role="secretary", bloc=bloc)
        secretaries.append(user)
    scoring_round = round_with_sample(bloc, "q1", actor=secretaries[0])
    leaves = {
        c.code: c
        for c in Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
    }
    return scoring_round, units, secretaries, leaves


def saver(scoring_round, entries, versions, user: User) -> Callable:
    def call():
        return final_grid_save(
            scoring_round=scoring_round,
            entries=entries,
            base_versions=versions,
            actor=User.objects.get(pk=user.pk),
        )

    return call


def final_values() -> dict[tuple[int, str], Decimal]:
    return {
        (unit_id, code): points
        for unit_id, code, points in Score.objects.filter(scorecard__kind=ScorecardKind.FINAL).values_list(
            "scorecard__scored_unit_id", "criterion__code", "points"
        )
    }


def assert_one_row_per_cell() -> None:
    duplicates = Score.objects.values("scorecard", "criterion").annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicates.exists()
    cards = Scorecard.objects.values("round", "scored_unit", "kind").annotate(n=Count("pk")).filter(n__gt=1)
    assert not cards.exists()


@pytest.mark.parametrize("repeat", range(3))
def test_two_saves_of_the_same_grid_one_wins_and_the_other_is_told_who(setting, repeat):
    scoring_round, (qk1, qk2, _qk3), (lan, hung), leaves = setting
    mine = {(qk1.pk, leaves["1.1"].pk): Decimal("4"), (qk2.pk, leaves["2.1"].pk): Decimal("9")}
    theirs = {(qk1.pk, leaves["1.1"].pk): Decimal("3.5"), (qk1.pk, leaves["1.2"].pk): Decimal("5")}
    base = {qk1.pk: 0, qk2.pk: 0}

    results = run_together([saver(scoring_round, mine, base, lan), saver(scoring_round, theirs, base, hung)])

    won = [r for r in results if isinstance(r, SaveResult)]
    lost = [r for r in results if isinstance(r, ScoreConflict)]
    assert (len(won), len(lost)) == (1, 1), results
    winner, entries = (lan, mine) if isinstance(results[0], SaveResult) else (hung, theirs)
    [card] = lost[0].cards  # Quân khu 1, the unit both wrote
    assert (card.unit_name, card.updated_by, card.version) == ("Quân khu 1", winner.full_name, 1)
    stored = final_values()
    expected = {(unit_id, Criterion.objects.get(pk=c).code): v for (unit_id, c), v in entries.items()}
    assert stored == expected  # the winner's values, all of them; nothing of the loser's
    assert_one_row_per_cell()


def test_the_refused_writer_saves_after_reviewing_and_nothing_is_lost(setting):
    scoring_round, (qk1, _qk2, _qk3), (lan, hung), leaves = setting
    mine = {(qk1.pk, leaves["1.1"].pk): Decimal("4")}
    theirs = {(qk1.pk, leaves["1.2"].pk): Decimal("5")}

    results = run_together(
        [saver(scoring_round, mine, {qk1.pk: 0}, lan), saver(scoring_round, theirs, {qk1.pk: 0}, hung)]
    )

    [conflict] = [r for r in results if isinstance(r, ScoreConflict)]
    loser_entries = mine if isinstance(results[0], ScoreConflict) else theirs
    loser = lan if loser_entries is mine else hung
    saver(scoring_round, loser_entries, {qk1.pk: conflict.cards[0].version}, loser)()
    assert final_values() == {(qk1.pk, "1.1"): Decimal("4"), (qk1.pk, "1.2"): Decimal("5")}
    assert Scorecard.objects.get(scored_unit=qk1, kind=ScorecardKind.FINAL).version == 2
    assert_one_row_per_cell()


def test_saves_of_different_units_at_the_same_moment_both_go_through(setting):
    scoring_round, (qk1, qk2, qk3), (lan, hung), leaves = setting
    first = {(qk1.pk, leaves["1.1"].pk): Decimal("4"), (qk2.pk, leaves["1.1"].pk): Decimal("3")}
    second = {(qk3.pk, leaves["1.1"].pk): Decimal("5")}

    results = run_together([saver(scoring_round, first, {}, lan), saver(scoring_round, second, {}, hung)])

    assert all(isinstance(r, SaveResult) for r in results), results
    assert final_values() == {
        (qk1.pk, "1.1"): Decimal("4"),
        (qk2.pk, "1.1"): Decimal("3"),
        (qk3.pk, "1.1"): Decimal("5"),
    }
    assert_one_row_per_cell()
