"""Demo scores: the four 2024 quarters of Khối thi đua số 2 and Cụm thi đua số 6.

Each bloc's 2024 campaign gets the sample criteria set (scoring/data/sample_criteria.json)
and rounds Q1–Q4 with their quarter dates. Every round runs the real workflow under a demo
clock: each unit's leader drafts and sends its self-assessment, the secretariat saves the
whole final grid, closes the round after the deadline and publishes it.

The numbers are invented (seeded random, so every run gives the same ones) but shaped to show
what the rules do (DESIGN.md §5):

- standard points run at 70–98 % of the maximum; self scores are a little higher than finals;
- Khối thi đua số 2: Quân khu 3 and Quân khu 5 tie on total in Q2, and Quân khu 2 and
  Quân khu 4 tie on the year mean; in both pairs the penalties and the core group (2) are
  equal too, so the tie survives the tie-break rules and the ranking shows "=";
- Quân khu 1 earns bonus points (7.1) in Q3; Quân khu 9 has penalty points (8.1) in Q2;
  Quân khu 7 triggers veto 9.1 (a serious safety incident, with its penalty 8.2) in Q3;
- Cụm thi đua số 6: Trường Quân sự Bộ Tư lệnh Thủ đô has the best 2024 year total (it was
  the leading unit and took the chair for 2025), Sư đoàn Bộ binh 301 is second.

Rounds close ten days after the quarter, except Cụm thi đua số 6's Q4: the cluster held its
tổng kết on 01/11/2024, so its fourth inspection ran in late October.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from blocs.models import Membership, User
from campaigns.models import Campaign
from scoring.models import CriteriaSet, Criterion, CriterionKind, RoundPeriod, ScoringRound
from scoring.services.criteria import criteria_set_from_sample, sample_tree
from scoring.services.rounds import round_close, round_create, round_publish
from scoring.services.scorecards import final_grid_save, self_card_save, self_card_submit
from thidua.demo.campaigns import demo_clock

YEAR = 2024
SEED = 20240329
QUARTERS: dict[str, tuple[date, date]] = {
    RoundPeriod.Q1: (date(YEAR, 1, 1), date(YEAR, 3, 31)),
    RoundPeriod.Q2: (date(YEAR, 4, 1), date(YEAR, 6, 30)),
    RoundPeriod.Q3: (date(YEAR, 7, 1), date(YEAR, 9, 30)),
    RoundPeriod.Q4: (date(YEAR, 10, 1), date(YEAR, 12, 31)),
}
CORE_GROUP = "2"

# Values are kept in quarter points (0.25) as integers so that sums and ties are exact.
Card = dict[str, int]


@dataclass
class BlocPlan:
    bloc_name: str
    secretary: str
    # Each unit's usual share of the standard maximum; the quarters vary around it.
    strengths: dict[str, float]
    deadlines: dict[str, date]
    # (period, unit code, leaf code, points) set on the final card, and on the self card.
    events: list[tuple[str, str, str, Decimal]] = field(default_factory=list)
    quarter_tie: tuple[str, str, str] | None = None  # (period, unit kept, unit matched to it)
    year_tie: tuple[str, str] | None = None  # (unit kept, unit matched to it)


def _deadlines(q4: date) -> dict[str, date]:
    deadlines = {period: end + timedelta(days=10) for period, (_start, end) in QUARTERS.items()}
    deadlines[RoundPeriod.Q4] = q4
    return deadlines


PLANS = [
    BlocPlan(
        bloc_name="Khối thi đua số 2",
        secretary="thuky.k2",
        strengths={
            "QK1": 0.93,
            "QK2": 0.88,
            "QK3": 0.86,
            "QK4": 0.87,
            "QK5": 0.85,
            "QK7": 0.84,
            "QK9": 0.82,
            "BTLTD": 0.90,
        },
        deadlines=_deadlines(date(YEAR + 1, 1, 10)),
        events=[
            (RoundPeriod.Q3, "QK1", "7.1", Decimal(3)),  # thành tích đột xuất được khen
            (RoundPeriod.Q2, "QK9", "8.1", Decimal(2)),  # quân nhân vi phạm kỷ luật
            (RoundPeriod.Q3, "QK7", "9.1", Decimal(1)),  # mất an toàn nghiêm trọng: phủ quyết
            (RoundPeriod.Q3, "QK7", "8.2", Decimal(5)),  # … and its penalty
        ],
        quarter_tie=(RoundPeriod.Q2, "QK3", "QK5"),
        year_tie=("QK2", "QK4"),
    ),
    BlocPlan(
        bloc_name="Cụm thi đua số 6",
        secretary="thuky.c6",
        strengths={"TQS-BTLTD": 0.95, "SD301": 0.91, "TRD452": 0.86, "CT-HATHANH": 0.80},
        deadlines=_deadlines(date(YEAR, 10, 25)),
    ),
]


@dataclass(frozen=True)
class Leaf:
    code: str
    group: str
    kind: str
    max_q: int  # quarter points; 4 for a yes/no veto (0 or 1 point)


def sample_leaves() -> list[Leaf]:
    """The sample set's scored leaves, in order."""
    leaves: list[Leaf] = []

    def visit(node: dict, group: str, kind: str) -> None:
        kind = node.get("kind", kind)
        children = node.get("children") or []
        if not children:
            max_q = 4 if kind == CriterionKind.VETO else int(Decimal(str(node["max"])) * 4)
            leaves.append(Leaf(code=str(node["code"]), group=group, kind=kind, max_q=max_q))
        for child in children:
            visit(child, group, kind)

    for group in sample_tree()[1]:
        visit(group, str(group["code"]), group.get("kind", CriterionKind.STANDARD))
    return leaves


def group_caps() -> dict[str, int]:
    """Caps (in quarter points) of the sample's bonus and penalty groups."""
    return {
        str(g["code"]): int(Decimal(str(g["max"])) * 4)
        for g in sample_tree()[1]
        if g.get("kind") in (CriterionKind.BONUS, CriterionKind.PENALTY)
    }


def total_q(card: Card, leaves: list[Leaf], caps: dict[str, int]) -> int:
    """DESIGN.md §5 rule 1 in quarter points: standard + capped bonus − capped penalty."""
    standard = bonus = penalty = 0
    for leaf in leaves:
        value = card.get(leaf.code, 0)
        if leaf.kind == CriterionKind.STANDARD:
            standard += value
        elif leaf.kind == CriterionKind.BONUS:
            bonus += value
        elif leaf.kind == CriterionKind.PENALTY:
            penalty += value
    bonus_cap = next((caps[leaf.group] for leaf in leaves if leaf.kind == CriterionKind.BONUS), 0)
    penalty_cap = next((caps[leaf.group] for leaf in leaves if leaf.kind == CriterionKind.PENALTY), 0)
    return standard + min(bonus, bonus_cap) - min(penalty, penalty_cap)


def _shift(card: Card, leaves: list[Leaf], delta: int) -> None:
    """Move a card's total by `delta` quarter points through its non-core standard leaves,
    keeping every leaf between 70 % of its maximum and the maximum."""
    adjustable = [leaf for leaf in leaves if leaf.kind == CriterionKind.STANDARD and leaf.group != CORE_GROUP]
    while delta:
        moved = False
        for leaf in adjustable:
            if not delta:
                break
            step = 1 if delta > 0 else -1
            value = card[leaf.code] + step
            if int(leaf.max_q * 0.7) <= value <= leaf.max_q:
                card[leaf.code] = value
                delta -= step
                moved = True
        if not moved:
            raise ValueError("Không điều chỉnh được điểm để tạo trường hợp bằng điểm.")


def plan_scores(plan: BlocPlan) -> tuple[dict[tuple[str, str], Card], dict[tuple[str, str], Card]]:
    """Final and self cards of every (period, unit code), in quarter points."""
    rng = random.Random(f"{SEED}:{plan.bloc_name}")
    leaves = sample_leaves()
    caps = group_caps()
    finals: dict[tuple[str, str], Card] = {}
    for period in QUARTERS:
        for code, strength in plan.strengths.items():
            level = min(0.98, max(0.70, strength + rng.uniform(-0.02, 0.02)))
            card: Card = {}
            for leaf in leaves:
                if leaf.kind == CriterionKind.STANDARD:
                    share = min(1.0, max(0.65, level + rng.uniform(-0.05, 0.05)))
                    card[leaf.code] = round(leaf.max_q * share)
                else:
                    card[leaf.code] = 0
            finals[(period, code)] = card
    for period, code, leaf_code, points in plan.events:
        finals[(period, code)][leaf_code] = int(points * 4)

    core = [leaf.code for leaf in leaves if leaf.group == CORE_GROUP]
    if plan.quarter_tie:
        period, kept, matched = plan.quarter_tie
        for leaf_code in core:
            finals[(period, matched)][leaf_code] = finals[(period, kept)][leaf_code]
        delta = total_q(finals[(period, kept)], leaves, caps) - total_q(
            finals[(period, matched)], leaves, caps
        )
        _shift(finals[(period, matched)], leaves, delta)
    if plan.year_tie:
        kept, matched = plan.year_tie
        for period in QUARTERS:
            for leaf_code in core:
                finals[(period, matched)][leaf_code] = finals[(period, kept)][leaf_code]
        delta = sum(total_q(finals[(p, kept)], leaves, caps) for p in QUARTERS) - sum(
            total_q(finals[(p, matched)], leaves, caps) for p in QUARTERS
        )
        _shift(finals[(RoundPeriod.Q4, matched)], leaves, delta)

    # Units rate themselves a little higher than the secretariat does, and own up to the
    # penalties and vetoes the inspection found.
    selfs: dict[tuple[str, str], Card] = {}
    for key, final in finals.items():
        selfs[key] = {
            leaf.code: min(leaf.max_q, final[leaf.code] + rng.choice((0, 0, 0, 1, 1, 2)))
            if leaf.kind == CriterionKind.STANDARD
            else final[leaf.code]
            for leaf in leaves
        }
    return finals, selfs


def _points(quarters: int) -> Decimal:
    return Decimal(quarters) / 4


def _sample_set(campaign: Campaign, actor: User, on: date) -> CriteriaSet:
    with demo_clock(on, time(7, 45)):
        return criteria_set_from_sample(campaign=campaign, actor=actor)


def _seed_round(
    *,
    campaign: Campaign,
    criteria_set: CriteriaSet,
    period: str,
    plan: BlocPlan,
    finals: dict[tuple[str, str], Card],
    selfs: dict[tuple[str, str], Card],
    units: dict[str, int],
    secretary: User,
) -> ScoringRound:
    starts_on, ends_on = QUARTERS[period]
    deadline = plan.deadlines[period]
    opened_on = max(starts_on, campaign.launched_on or starts_on)
    criteria = dict(Criterion.objects.filter(criteria_set=criteria_set).values_list("code", "pk"))
    with demo_clock(opened_on, time(8, 30)):
        scoring_round = round_create(
            campaign=campaign,
            period=period,
            starts_on=starts_on,
            ends_on=ends_on,
            entry_deadline=deadline,
            criteria_set=criteria_set,
            actor=secretary,
        )

    self_day = deadline - timedelta(days=6)
    for index, code in enumerate(plan.strengths):
        leader = User.objects.get(username=f"chihuy.{code.lower()}")
        entries = {criteria[c]: _points(v) for c, v in selfs[(period, code)].items()}
        with demo_clock(self_day, time(8, 10 + 5 * index)):
            card, _ = self_card_save(
                scoring_round=scoring_round,
                unit_id=units[code],
                entries=entries,
                base_version=0,
                actor=leader,
            )
        with demo_clock(self_day, time(14, 10 + 5 * index)):
            self_card_submit(scorecard=card, actor=leader)

    grid = {
        (units[code], criteria[c]): _points(v)
        for code in plan.strengths
        for c, v in finals[(period, code)].items()
    }
    with demo_clock(deadline - timedelta(days=2), time(15, 0)):
        final_grid_save(scoring_round=scoring_round, entries=grid, base_versions={}, actor=secretary)
    closed_on = deadline + timedelta(days=1)
    with demo_clock(closed_on, time(8, 0)):
        round_close(scoring_round=scoring_round, actor=secretary, today=closed_on)
    with demo_clock(deadline + timedelta(days=2), time(9, 30)):
        return round_publish(scoring_round=scoring_round, actor=secretary)


def seed_bloc_scores(plan: BlocPlan) -> None:
    campaign = Campaign.objects.select_related("bloc").get(bloc__name=plan.bloc_name, year=YEAR)
    secretary = User.objects.get(username=plan.secretary)
    units = dict(
        Membership.objects.filter(bloc=campaign.bloc, unit__code__in=plan.strengths).values_list(
            "unit__code", "unit_id"
        )
    )
    finals, selfs = plan_scores(plan)
    criteria_set = _sample_set(campaign, secretary, campaign.launched_on or campaign.starts_on)
    for period in QUARTERS:
        _seed_round(
            campaign=campaign,
            criteria_set=criteria_set,
            period=period,
            plan=plan,
            finals=finals,
            selfs=selfs,
            units=units,
            secretary=secretary,
        )


def seed_scores() -> None:
    """Idempotent: a bloc whose 2024 campaign already has rounds is left as it is."""
    for plan in PLANS:
        if not ScoringRound.objects.filter(campaign__bloc__name=plan.bloc_name, campaign__year=YEAR).exists():
            seed_bloc_scores(plan)
