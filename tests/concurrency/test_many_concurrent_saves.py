"""Two hundred saves on one scoring round at once, from many secretaries (PostgreSQL only).

Twenty-four threads, each with its own database connection and its own user, work through 200
cells (20 member units × 10 criteria), unit by unit so that several of them write the same
unit's card at the same moment. Each save is what the grid page does: read the card's version,
send the cell with it. A save refused because someone else saved the card first (ScoreConflict,
which names who) is reloaded and sent again, as the user does after reading the conflict panel.

At the end every one of the 200 values is stored (no lost update), each cell has exactly one
Score row and each unit one final card (no duplicate row), each card's version counts the saves
that changed it, and each save left one history row and one audit event."""

from __future__ import annotations

import queue
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count

from blocs.models import AuditEvent, User
from blocs.tests.factories import AssignmentFactory, BlocFactory, MembershipFactory, UnitFactory, UserFactory
from scoring.models import Criterion, Score, Scorecard, ScorecardKind
from scoring.services.scorecards import ScoreConflict, final_grid_save
from scoring.tests.factories import round_with_sample

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and real threads"
    ),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

UNITS = 20
CRITERIA = 10
WRITERS = 24  # threads, each a different secretary with its own connection
MAX_ATTEMPTS = 200


def value_for(criterion: Criterion, unit_index: int) -> Decimal:
    """A valid value that differs from cell to cell, so a value landing in the wrong cell shows."""
    top = int(criterion.max_points * 100)
    return Decimal((unit_index * 37 + criterion.position * 11) % top + 1) / 100


@pytest.fixture
def busy_round():
    root = UnitFactory(code="BQP", name="Bộ Quốc phòng")
    bloc = BlocFactory(name="Khối thi đua số 2", organiser=root)
    units = []
    for number in range(1, UNITS + 1):
        unit = UnitFactory(code=f"DV{number:02}", name=f"Đơn vị {number}", parent=root)
        MembershipFactory(bloc=bloc, unit=unit)
        units.append(unit)
    writers = []
    for number in range(1, WRITERS + 1):
        user = UserFactory(username=f"thuky{number:02}", full_name=f"Thư ký số {number}")
        AssignmentFactory(user=user, role="secretary", bloc=bloc)
        writers.append(user)
    scoring_round = round_with_sample(bloc, "q1", actor=writers[0])
    leaves = list(
        Criterion.objects.filter(
            criteria_set=scoring_round.criteria_set, children__isnull=True, kind="standard"
        ).order_by("pk")[:CRITERIA]
    )
    assert len(leaves) == CRITERIA
    return scoring_round, units, writers, leaves


def test_two_hundred_concurrent_saves_lose_nothing_and_duplicate_nothing(busy_round):
    scoring_round, units, writers, leaves = busy_round
    expected = {
        (unit.pk, leaf.pk): value_for(leaf, index) for index, unit in enumerate(units) for leaf in leaves
    }
    assert len(expected) == 200
    cells: queue.Queue = queue.Queue()
    for cell in expected:  # unit by unit: neighbouring saves collide on the same card
        cells.put(cell)
    conflicts: list[str] = []
    errors: list[BaseException] = []
    saves = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(WRITERS)

    def writer(user_pk: int) -> None:
        try:
            actor = User.objects.get(pk=user_pk)
            barrier.wait(timeout=30)
            while True:
                try:
                    unit_id, criterion_id = cells.get_nowait()
                except queue.Empty:
                    return
                for _attempt in range(MAX_ATTEMPTS):
                    card = Scorecard.objects.filter(
                        round=scoring_round, scored_unit_id=unit_id, kind=ScorecardKind.FINAL
                    ).first()
                    try:
                        final_grid_save(
                            scoring_round=scoring_round,
                            entries={(unit_id, criterion_id): expected[(unit_id, criterion_id)]},
                            base_versions={unit_id: card.version if card else 0},
                            actor=actor,
                        )
                    except ScoreConflict as conflict:
                        with lock:
                            conflicts.append(conflict.cards[0].updated_by)
                        continue
                    with lock:
                        saves[0] += 1
                    break
                else:
                    raise AssertionError(f"cell {(unit_id, criterion_id)} never saved")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=writer, args=(user.pk,)) for user in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert errors == []
    print(
        f"\n200 saves by {WRITERS} writers in {elapsed:.1f} s, {len(conflicts)} conflicts refused and retried"
    )

    # Every save went through once, and collisions really happened (and named a secretary).
    assert saves[0] == 200
    assert conflicts and all(name.startswith("Thư ký số") for name in conflicts)
    # No lost update: every value is there, in its own cell.
    stored = {
        (unit_id, criterion_id): points
        for unit_id, criterion_id, points in Score.objects.filter(scorecard__round=scoring_round).values_list(
            "scorecard__scored_unit_id", "criterion_id", "points"
        )
    }
    assert stored == expected
    # No duplicate row: one Score per cell, one final card per unit, each card moved once per save.
    assert not Score.objects.values("scorecard", "criterion").annotate(n=Count("pk")).filter(n__gt=1).exists()
    cards = Scorecard.objects.filter(round=scoring_round)
    assert cards.count() == UNITS
    assert set(cards.values_list("kind", "version")) == {(ScorecardKind.FINAL, CRITERIA)}
    # Each save is in the cell history and the audit trail, once.
    assert Score.history.filter(scorecard__round=scoring_round, history_type="+").count() == 200
    saved_events = AuditEvent.objects.filter(kind="change", summary__startswith="Lưu điểm")
    assert saved_events.count() == 200
