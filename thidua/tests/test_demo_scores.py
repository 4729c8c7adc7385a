"""The demo scores: 2024 quarters of Khối thi đua số 2 and Cụm thi đua số 6, shaped so that the
rankings show a tie, a bonus, a penalty and a veto (DESIGN.md §5)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from blocs.models import AuditEvent
from scoring.models import RoundState, Score, Scorecard, ScorecardState, ScoringRound

pytestmark = pytest.mark.django_db

K2 = "Khối thi đua số 2"
C6 = "Cụm thi đua số 6"
QUARTERS = ["q1", "q2", "q3", "q4"]


@pytest.fixture
def seeded():
    call_command("seed_demo", quiet_logins=True)


class Card:
    def __init__(self):
        self.standard = self.bonus = self.penalty = self.core = Decimal(0)
        self.bonus_cap = self.penalty_cap = Decimal(0)
        self.vetoed = False

    @property
    def total(self) -> Decimal:
        """DESIGN.md §5 rule 1."""
        return self.standard + min(self.bonus, self.bonus_cap) - min(self.penalty, self.penalty_cap)


def _cards(bloc: str, kind: str = "final") -> dict[tuple[str, str], Card]:
    cards: dict[tuple[str, str], Card] = defaultdict(Card)
    rows = Score.objects.filter(
        scorecard__kind=kind,
        scorecard__round__campaign__bloc__name=bloc,
        scorecard__round__campaign__year=2024,
    ).values_list(
        "scorecard__round__period",
        "scorecard__scored_unit__code",
        "criterion__kind",
        "criterion__parent__code",
        "criterion__parent__max_points",
        "points",
    )
    for period, unit, kind_, group, cap, points in rows:
        card = cards[(period, unit)]
        if kind_ == "standard":
            card.standard += points
            if group == "2":
                card.core += points
        elif kind_ == "bonus":
            card.bonus, card.bonus_cap = card.bonus + points, cap
        elif kind_ == "penalty":
            card.penalty, card.penalty_cap = card.penalty + points, cap
        elif kind_ == "veto" and points == 1:
            card.vetoed = True
    return cards


def _year_totals(cards: dict[tuple[str, str], Card]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for (_period, unit), card in cards.items():
        totals[unit] += card.total
    return {unit: total / 4 for unit, total in totals.items()}


def test_every_member_has_final_and_submitted_self_cards_in_four_published_rounds(seeded):
    rounds = ScoringRound.objects.filter(campaign__year=2024, campaign__bloc__name__in=[K2, C6])
    assert rounds.count() == 8
    assert set(rounds.values_list("state", flat=True)) == {RoundState.PUBLISHED}
    assert sorted(rounds.filter(campaign__bloc__name=K2).values_list("period", flat=True)) == QUARTERS
    # Published after each quarter's deadline, at historical dates.
    for scoring_round in rounds:
        assert scoring_round.published_at.date() > scoring_round.entry_deadline
        assert scoring_round.published_at.date() < date(2025, 2, 1)

    members = 8 + 4
    assert Scorecard.objects.filter(round__in=rounds, kind="final").count() == members * 4
    selfs = Scorecard.objects.filter(round__in=rounds, kind="self")
    assert selfs.count() == members * 4
    assert set(selfs.values_list("state", flat=True)) == {ScorecardState.SUBMITTED}
    assert selfs.filter(submitted_by__username__startswith="chihuy.").count() == members * 4
    # Every card scores all 23 leaves of the sample set.
    assert Score.objects.filter(scorecard__round__in=rounds).count() == members * 4 * 2 * 23


def test_khoi2_has_a_quarter_tie_and_a_year_tie_that_survive_the_tie_breaks(seeded):
    cards = _cards(K2)
    qk3, qk5 = cards[("q2", "QK3")], cards[("q2", "QK5")]
    assert qk3.total == qk5.total
    assert (qk3.penalty, qk3.core) == (qk5.penalty, qk5.core)

    year = _year_totals(cards)
    assert year["QK2"] == year["QK4"]
    for unit_a, unit_b in [("QK2", "QK4")]:
        assert sum(cards[(q, unit_a)].core for q in QUARTERS) == sum(
            cards[(q, unit_b)].core for q in QUARTERS
        )
        assert sum(cards[(q, unit_a)].penalty for q in QUARTERS) == 0
        assert sum(cards[(q, unit_b)].penalty for q in QUARTERS) == 0
    # Otherwise the totals spread out: a ranking, not a heap of ties.
    assert len(set(year.values())) == len(year) - 1


def test_khoi2_has_a_bonus_a_penalty_and_one_veto_outside_the_lead(seeded):
    cards = _cards(K2)
    assert [key for key, card in cards.items() if card.bonus] == [("q3", "QK1")]
    assert cards[("q3", "QK1")].total == cards[("q3", "QK1")].standard + 3
    assert cards[("q2", "QK9")].penalty == 2
    assert [key for key, card in cards.items() if card.vetoed] == [("q3", "QK7")]

    year = _year_totals(cards)
    assert max(year, key=year.get) != "QK7"
    q3 = {unit: card.total for (period, unit), card in cards.items() if period == "q3"}
    assert max(q3, key=q3.get) != "QK7"


def test_cluster6_school_leads_the_year_and_division_301_is_second(seeded):
    year = _year_totals(_cards(C6))
    ranking = sorted(year, key=year.get, reverse=True)
    assert ranking[:2] == ["TQS-BTLTD", "SD301"]
    assert year["TQS-BTLTD"] > year["SD301"]


def test_scores_are_plausible_and_self_scores_a_little_higher(seeded):
    for bloc, standard_max in [(K2, Decimal(100)), (C6, Decimal(100))]:
        finals, selfs = _cards(bloc), _cards(bloc, kind="self")
        assert finals.keys() == selfs.keys()
        for key, final in finals.items():
            assert Decimal("0.70") * standard_max <= final.standard <= Decimal("0.98") * standard_max
            assert final.standard <= selfs[key].standard <= final.standard + 6
            assert (selfs[key].penalty, selfs[key].vetoed) == (final.penalty, final.vetoed)
        assert sum(s.standard for s in selfs.values()) > sum(f.standard for f in finals.values())


def test_seeding_scores_again_changes_nothing(seeded):
    counts = [
        ScoringRound.objects.count(),
        Scorecard.objects.count(),
        Score.objects.count(),
        AuditEvent.objects.count(),
    ]
    call_command("seed_demo", quiet_logins=True)
    assert counts == [
        ScoringRound.objects.count(),
        Scorecard.objects.count(),
        Score.objects.count(),
        AuditEvent.objects.count(),
    ]
