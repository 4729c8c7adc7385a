"""Small, exact data for ranking tests: a criteria tree whose every number is known, rounds in
any state, and cards written straight to the tables (the selector reads tables, not services).

The tree (standard maximum 50):

    1   Chính trị                 standard   1.1 (10), 1.2 (10)
    2   Huấn luyện (core)         standard   2.1 (20), 2.2 → 2.2.1 (5), 2.2.2 (5)   (three levels)
    3   Điểm thưởng (cap 5)       bonus      3.1 (5), 3.2 (5)
    4   Điểm trừ (cap 4)          penalty    4.1 (10), 4.2 (10)
    5   Phủ quyết                 veto       5.1
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from blocs.models import Bloc, Membership, Unit
from blocs.tests.factories import MembershipFactory, UnitFactory
from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory
from scoring.models import (
    CriteriaSet,
    Criterion,
    CriterionKind,
    RoundState,
    Score,
    Scorecard,
    ScorecardKind,
    ScorecardState,
    ScoringRound,
    ScoringRules,
)

YEAR = 2024
QUARTER_DATES = {
    "q1": (date(YEAR, 1, 1), date(YEAR, 3, 31)),
    "q2": (date(YEAR, 4, 1), date(YEAR, 6, 30)),
    "q3": (date(YEAR, 7, 1), date(YEAR, 9, 30)),
    "q4": (date(YEAR, 10, 1), date(YEAR, 12, 31)),
    "year": (date(YEAR, 11, 1), date(YEAR, 12, 31)),
}
TREE = [
    ("1", "Chính trị", CriterionKind.STANDARD, None, False, [("1.1", 10, []), ("1.2", 10, [])]),
    (
        "2",
        "Huấn luyện",
        CriterionKind.STANDARD,
        None,
        True,
        [("2.1", 20, []), ("2.2", None, [("2.2.1", 5), ("2.2.2", 5)])],
    ),
    ("3", "Điểm thưởng", CriterionKind.BONUS, 5, False, [("3.1", 5, []), ("3.2", 5, [])]),
    ("4", "Điểm trừ", CriterionKind.PENALTY, 4, False, [("4.1", 10, []), ("4.2", 10, [])]),
    ("5", "Phủ quyết", CriterionKind.VETO, None, False, [("5.1", None, [])]),
]


def criteria_set(campaign: Campaign) -> CriteriaSet:
    """The campaign's set with the tree above (made once per campaign)."""
    existing = campaign.criteria_sets.first()
    if existing:
        return existing
    found = CriteriaSet.objects.create(campaign=campaign, name="Bộ tiêu chí kiểm thử", version=1)
    for position, (code, title, kind, cap, core, children) in enumerate(TREE, start=1):
        group = Criterion.objects.create(
            criteria_set=found,
            code=code,
            title=title,
            kind=kind,
            max_points=cap,
            is_core=core,
            position=position,
        )
        for index, (child_code, child_max, grandchildren) in enumerate(children, start=1):
            child = Criterion.objects.create(
                criteria_set=found,
                parent=group,
                code=child_code,
                title=f"Tiêu chí {child_code}",
                kind=kind,
                max_points=None if child_max is None else Decimal(child_max),
                position=index,
            )
            for sub, (sub_code, sub_max) in enumerate(grandchildren, start=1):
                Criterion.objects.create(
                    criteria_set=found,
                    parent=child,
                    code=sub_code,
                    title=f"Tiêu chí {sub_code}",
                    kind=kind,
                    max_points=Decimal(sub_max),
                    position=sub,
                )
    return found


def campaign_of(bloc: Bloc, year: int = YEAR, **rules) -> Campaign:
    """The bloc's campaign of `year`, with ScoringRules saved when `rules` are given."""
    campaign = Campaign.objects.filter(bloc=bloc, year=year).first() or CampaignFactory(bloc=bloc, year=year)
    if rules:
        ScoringRules.objects.update_or_create(campaign=campaign, defaults=rules)
        campaign.refresh_from_db()
    return campaign


def make_round(campaign: Campaign, period: str, state: str = RoundState.PUBLISHED) -> ScoringRound:
    starts_on, ends_on = QUARTER_DATES[period]
    shift = campaign.year - YEAR
    starts_on, ends_on = (
        starts_on.replace(year=starts_on.year + shift),
        ends_on.replace(year=ends_on.year + shift),
    )
    found = ScoringRound.objects.filter(campaign=campaign, period=period).first()
    if found:
        return found
    return ScoringRound.objects.create(
        campaign=campaign,
        criteria_set=criteria_set(campaign),
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
        entry_deadline=ends_on + timedelta(days=10),
        state=state,
    )


def card(
    scoring_round: ScoringRound,
    unit: Unit,
    points: dict[str, float | str | int],
    *,
    kind: str = ScorecardKind.FINAL,
    author: Unit | None = None,
    state: str = ScorecardState.SUBMITTED,
) -> Scorecard:
    """A scorecard of `unit` in the round with the given points by criterion code."""
    scorecard = Scorecard.objects.create(
        round=scoring_round, scored_unit=unit, kind=kind, author_unit=author, state=state
    )
    leaves = {c.code: c for c in Criterion.objects.filter(criteria_set=scoring_round.criteria_set)}
    Score.objects.bulk_create(
        Score(scorecard=scorecard, criterion=leaves[code], points=Decimal(str(value)))
        for code, value in points.items()
    )
    return scorecard


def standard(total: float | int | str, *, core: float | int | str | None = None) -> dict[str, str]:
    """Standard points adding up to `total` (at most 50): `core` of them in the core group
    (default: whatever the 20 points of group 1 cannot hold)."""
    total = Decimal(str(total))
    core = Decimal(str(core)) if core is not None else max(total - 20, Decimal(0))
    rest = total - core
    if not (0 <= rest <= 20 and 0 <= core <= 30):
        raise ValueError(f"standard({total}, core={core}): does not fit the test tree")
    points = {
        "1.1": min(rest, Decimal(10)),
        "1.2": max(rest - 10, Decimal(0)),
        "2.1": min(core, Decimal(20)),
        "2.2.1": min(max(core - 20, Decimal(0)), Decimal(5)),
        "2.2.2": max(core - 25, Decimal(0)),
    }
    return {code: str(value) for code, value in points.items()}


def member(bloc: Bloc, name: str, code: str, joined_on: date = date(2020, 1, 1)) -> Unit:
    unit = UnitFactory(name=name, code=code)
    MembershipFactory(bloc=bloc, unit=unit, joined_on=joined_on)
    return unit


def members_of(bloc: Bloc) -> list[Unit]:
    return [
        m.unit for m in Membership.objects.filter(bloc=bloc).select_related("unit").order_by("unit__code")
    ]
