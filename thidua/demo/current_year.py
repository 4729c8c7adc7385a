"""Demo of the year in progress: Khối thi đua số 2 in 2026.

What a secretariat finds on its home page in the last quarter of 2026:

- the sample criteria set; Quý I and Quý II scored, closed and published;
- Quý III opened on 01/07/2026 with an entry deadline of 10/10/2026, still open and late:
  Quân khu 1, 3, 4, 5 and 7 have sent their self-assessments, Quân khu 2 has a draft, Quân
  khu 9 and Bộ Tư lệnh Thủ đô Hà Nội have nothing, and the secretariat has entered no final
  score yet (the browser journey enters that grid, closes and publishes the round);
- Quân khu 9 objected to its Quý II penalty and the secretariat answered (not accepted);
- the tổng kết of 2026 is planned for 15/01/2027 in Hà Nội.

Numbers are seeded random around each unit's strength, as in `thidua.demo.scores`; every step
runs the real services under a demo clock.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from awards.models import Review
from awards.services.reviews import review_create
from blocs.models import Membership, Unit, User
from campaigns.models import Campaign
from scoring.models import Criterion, CriterionKind, RoundPeriod, ScoringRound
from scoring.services.criteria import criteria_set_from_sample
from scoring.services.objections import objection_answer, objection_file
from scoring.services.rounds import round_close, round_create, round_publish
from scoring.services.scorecards import final_grid_save, self_card_save, self_card_submit
from thidua.demo.campaigns import demo_clock
from thidua.demo.scores import sample_leaves

YEAR = 2026
BLOC = "Khối thi đua số 2"
SECRETARY = "thuky.k2"
SEED = 20260106
STRENGTHS = {
    "QK1": 0.92,
    "QK2": 0.89,
    "QK3": 0.85,
    "QK4": 0.88,
    "QK5": 0.86,
    "QK7": 0.84,
    "QK9": 0.83,
    "BTLTD": 0.91,
}
PUBLISHED = {
    RoundPeriod.Q1: (date(YEAR, 1, 1), date(YEAR, 3, 31)),
    RoundPeriod.Q2: (date(YEAR, 4, 1), date(YEAR, 6, 30)),
}
OPEN_PERIOD = RoundPeriod.Q3
OPEN_DATES = (date(YEAR, 7, 1), date(YEAR, 9, 30))
SELF_SENT = ("QK1", "QK3", "QK4", "QK5", "QK7")
SELF_DRAFT = ("QK2",)
PENALTY_LEAF = "8.1"  # quân nhân vi phạm kỷ luật


def _cards(rng: random.Random) -> dict[str, dict[str, Decimal]]:
    """A final card per unit in quarter-point steps; Quân khu 9 has a penalty."""
    cards: dict[str, dict[str, Decimal]] = {}
    for code, strength in STRENGTHS.items():
        card: dict[str, Decimal] = {}
        for leaf in sample_leaves():
            if leaf.kind == CriterionKind.STANDARD:
                share = min(1.0, max(0.65, strength + rng.uniform(-0.05, 0.05)))
                card[leaf.code] = Decimal(round(leaf.max_q * share)) / 4
            else:
                card[leaf.code] = Decimal(0)
        cards[code] = card
    return cards


def _self_card(final: dict[str, Decimal], rng: random.Random) -> dict[str, Decimal]:
    """Units rate themselves a little higher than the secretariat does."""
    maxima = {leaf.code: Decimal(leaf.max_q) / 4 for leaf in sample_leaves()}
    kinds = {leaf.code: leaf.kind for leaf in sample_leaves()}
    return {
        code: min(maxima[code], value + Decimal(rng.choice((0, 0, 1, 2))) / 4)
        if kinds[code] == CriterionKind.STANDARD
        else value
        for code, value in final.items()
    }


def _self_assess(scoring_round, criteria, units, code, card, day, minute, submit: bool) -> None:
    leader = User.objects.get(username=f"chihuy.{code.lower()}")
    with demo_clock(day, time(8, minute)):
        scorecard, _ = self_card_save(
            scoring_round=scoring_round,
            unit_id=units[code],
            entries={criteria[c]: v for c, v in card.items()},
            base_version=0,
            actor=leader,
        )
    if submit:
        with demo_clock(day, time(14, minute)):
            self_card_submit(scorecard=scorecard, actor=leader)


def _published_round(campaign, criteria_set, period, criteria, units, secretary, rng) -> ScoringRound:
    starts_on, ends_on = PUBLISHED[period]
    deadline = ends_on + timedelta(days=10)
    with demo_clock(starts_on, time(8, 30)):
        scoring_round = round_create(
            campaign=campaign,
            period=period,
            starts_on=starts_on,
            ends_on=ends_on,
            entry_deadline=deadline,
            criteria_set=criteria_set,
            actor=secretary,
        )
    finals = _cards(rng)
    if period == RoundPeriod.Q2:
        finals["QK9"][PENALTY_LEAF] = Decimal(2)
    for index, code in enumerate(STRENGTHS):
        card = _self_card(finals[code], rng)
        _self_assess(
            scoring_round, criteria, units, code, card, deadline - timedelta(days=5), 5 * index, True
        )
    grid = {(units[code], criteria[c]): v for code in STRENGTHS for c, v in finals[code].items()}
    with demo_clock(deadline - timedelta(days=2), time(15, 0)):
        final_grid_save(scoring_round=scoring_round, entries=grid, base_versions={}, actor=secretary)
    with demo_clock(deadline + timedelta(days=1), time(8, 0)):
        round_close(scoring_round=scoring_round, actor=secretary, today=deadline + timedelta(days=1))
    with demo_clock(deadline + timedelta(days=2), time(9, 30)):
        return round_publish(scoring_round=scoring_round, actor=secretary)


def seed_current_year() -> None:
    """Idempotent: left alone once the 2026 campaign of Khối thi đua số 2 has a round."""
    campaign = Campaign.objects.select_related("bloc").filter(bloc__name=BLOC, year=YEAR).first()
    if campaign is None or ScoringRound.objects.filter(campaign=campaign).exists():
        return
    secretary = User.objects.get(username=SECRETARY)
    units = dict(
        Membership.objects.filter(bloc=campaign.bloc, unit__code__in=STRENGTHS).values_list(
            "unit__code", "unit_id"
        )
    )
    rng = random.Random(SEED)
    with demo_clock(date(YEAR, 1, 6), time(7, 45)):
        criteria_set = criteria_set_from_sample(campaign=campaign, actor=secretary)
    criteria = dict(Criterion.objects.filter(criteria_set=criteria_set).values_list("code", "pk"))

    for period in PUBLISHED:
        q2 = _published_round(campaign, criteria_set, period, criteria, units, secretary, rng)

    # Quân khu 9 objects to its Quý II penalty; the secretariat keeps it.
    leader = User.objects.get(username="chihuy.qk9")
    objected_on = date(YEAR, 7, 13)
    with demo_clock(objected_on, time(10, 0)):
        objection = objection_file(
            scoring_round=q2,
            unit=Unit.objects.get(code="QK9"),
            criterion=Criterion.objects.get(criteria_set=criteria_set, code=PENALTY_LEAF),
            requested_points=Decimal(0),
            reason="Quân nhân vi phạm đã được xử lý từ Quý I, đề nghị không trừ điểm lại trong Quý II.",
            actor=leader,
            today=objected_on,
        )
    with demo_clock(objected_on + timedelta(days=2), time(15, 0)):
        objection_answer(
            objection=objection,
            accept=False,
            answer="Vụ việc xảy ra ngày 12/5/2026, thuộc Quý II; giữ nguyên điểm trừ theo biên bản kiểm tra.",
            actor=secretary,
        )

    starts_on, ends_on = OPEN_DATES
    with demo_clock(starts_on, time(8, 30)):
        q3 = round_create(
            campaign=campaign,
            period=OPEN_PERIOD,
            starts_on=starts_on,
            ends_on=ends_on,
            entry_deadline=ends_on + timedelta(days=10),
            criteria_set=criteria_set,
            actor=secretary,
        )
    finals = _cards(rng)
    for index, code in enumerate((*SELF_SENT, *SELF_DRAFT)):
        card = _self_card(finals[code], rng)
        _self_assess(q3, criteria, units, code, card, date(YEAR, 10, 6), 5 * index, code in SELF_SENT)

    if not Review.objects.filter(campaign=campaign).exists():
        with demo_clock(date(YEAR, 11, 20), time(9, 0)):
            review_create(
                campaign=campaign,
                kind="tong_ket",
                held_on=date(YEAR + 1, 1, 15),
                place="Hội trường Quân khu 3, Hải Phòng",
                host_unit=Unit.objects.get(code="QK3"),
                chaired_by="Thủ trưởng Tổng cục Chính trị",
                actor=secretary,
            )
