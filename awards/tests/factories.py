"""Helpers for awards tests: a campaign with published, scored rounds and a review of it.

Everything goes through the services (rounds opened, scored, closed and published; the review
created with its attendance and drafted sections), so the tests see what production makes.

    review = review_for(world.bloc, "tong_ket", 2024)            # Q1–Q4 published
    review = review_for(world.bloc, "so_ket", 2024, shares={world.unit_b: 0.99})
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal

from awards.models import Review, ReviewKind
from awards.services.reviews import attendance_set, review_create, review_mark_held
from blocs.models import Bloc, Membership, Unit, User
from blocs.tests.factories import UserFactory
from campaigns.models import Campaign
from scoring.models import Criterion, CriterionKind, RoundState, ScoringRound
from scoring.selectors.rounds import round_members
from scoring.services.rounds import round_publish
from scoring.services.scorecards import final_grid_save
from scoring.tests.factories import campaign_for, close_round, round_with_sample

PERIODS = {ReviewKind.SO_KET: ["q1", "q2"], ReviewKind.TONG_KET: ["q1", "q2", "q3", "q4"]}
HELD_ON = {ReviewKind.SO_KET: (7, 15), ReviewKind.TONG_KET: (12, 15)}


def _actor(actor: User | None) -> User:
    return actor or UserFactory(username="review_factory_admin", is_superuser=True, is_staff=True)


def leaves_of(scoring_round: ScoringRound) -> dict[str, Criterion]:
    return {
        c.code: c
        for c in Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
    }


def default_shares(units: list[Unit]) -> dict[int, Decimal]:
    """Distinct shares of the maximum, best first in the members' order: 0.95, 0.90, …"""
    return {unit.pk: Decimal("0.95") - Decimal("0.05") * index for index, unit in enumerate(units)}


def score_round(
    scoring_round: ScoringRound,
    actor: User,
    shares: dict[int, Decimal] | None = None,
    extra: dict[tuple[int, str], Decimal] | None = None,
) -> None:
    """Final scores for every member: each standard leaf at `share` of its maximum (rounded
    down to a quarter point); `extra` sets (unit id, leaf code) cells, e.g. a veto or a penalty."""
    units = list(round_members(scoring_round).order_by("code"))
    shares = shares or default_shares(units)
    leaves = leaves_of(scoring_round)
    entries = {}
    for unit in units:
        share = shares.get(unit.pk)
        if share is None:
            continue
        for leaf in leaves.values():
            if leaf.kind == CriterionKind.STANDARD:
                points = (leaf.max_points * Decimal(str(share)) * 4).quantize(Decimal(1), ROUND_DOWN) / 4
                entries[(unit.pk, leaf.pk)] = points
    for (unit_id, code), points in (extra or {}).items():
        entries[(unit_id, leaves[code].pk)] = points
    final_grid_save(scoring_round=scoring_round, entries=entries, base_versions={}, actor=actor)


def published_scored_round(
    bloc: Bloc,
    period: str,
    actor: User,
    *,
    campaign: Campaign,
    shares: dict[int, Decimal] | None = None,
    extra: dict[tuple[int, str], Decimal] | None = None,
    publish: bool = True,
) -> ScoringRound:
    scoring_round = round_with_sample(bloc, period, actor, campaign=campaign)
    score_round(scoring_round, actor, shares, extra)
    if publish:
        close_round(scoring_round, actor)
        scoring_round = round_publish(scoring_round=scoring_round, actor=actor)
    return scoring_round


def campaign_with_rounds(
    bloc: Bloc,
    year: int = 2024,
    periods: list[str] | None = None,
    *,
    actor: User | None = None,
    shares: dict | None = None,
    extra: dict | None = None,
    unpublished: tuple[str, ...] = (),
) -> Campaign:
    """The bloc's campaign of `year` with a scored round per period, published unless listed in
    `unpublished` (those stay open). `shares` maps units (or their ids) to their share of the
    maximum; by default the members in code order score 95 %, 90 %, …"""
    actor = _actor(actor)
    campaign = campaign_for(bloc, year)
    by_id = {getattr(k, "pk", k): Decimal(str(v)) for k, v in (shares or {}).items()} or None
    for period in periods or ["q1", "q2", "q3", "q4"]:
        existing = ScoringRound.objects.filter(campaign=campaign, period=period).first()
        if existing is not None and existing.state == RoundState.PUBLISHED:
            continue
        published_scored_round(
            bloc,
            period,
            actor,
            campaign=campaign,
            shares=by_id,
            extra={(getattr(u, "pk", u), code): Decimal(str(p)) for (u, code), p in (extra or {}).items()},
            publish=period not in unpublished,
        )
    return campaign


def review_for(
    bloc: Bloc,
    kind: str = ReviewKind.TONG_KET,
    year: int = 2024,
    *,
    actor: User | None = None,
    held_on: date | None = None,
    place: str = "Hội trường Bộ Tư lệnh",
    host_unit: Unit | None = None,
    chaired_by: str = "Thủ trưởng đơn vị trưởng khối",
    shares: dict | None = None,
    extra: dict | None = None,
    unpublished: tuple[str, ...] = (),
    rounds: bool = True,
) -> Review:
    """A review of `bloc`'s campaign of `year` whose rounds (Q1–Q2 for a sơ kết, Q1–Q4 for a
    tổng kết) are scored and published first (set `rounds=False` for none)."""
    actor = _actor(actor)
    campaign = (
        campaign_with_rounds(
            bloc, year, PERIODS[kind], actor=actor, shares=shares, extra=extra, unpublished=unpublished
        )
        if rounds
        else campaign_for(bloc, year)
    )
    month, day = HELD_ON[kind]
    return review_create(
        campaign=campaign,
        kind=kind,
        held_on=held_on or date(year, month, day),
        place=place,
        host_unit=host_unit,
        chaired_by=chaired_by,
        actor=actor,
    )


def held_review(review: Review, actor: User | None = None, absent: tuple[Unit, ...] = ()) -> Review:
    """Record every member present (but `absent`) and confirm the review was held."""
    actor = _actor(actor)
    absent_ids = {u.pk for u in absent}
    present = {a.unit_id: a.unit_id not in absent_ids for a in review.attendance.all()}
    attendance_set(review=review, present=present, actor=actor)
    return review_mark_held(review=review, actor=actor, today=review.held_on)


def members_of(bloc: Bloc) -> list[Unit]:
    return [
        m.unit for m in Membership.objects.filter(bloc=bloc).select_related("unit").order_by("unit__code")
    ]
