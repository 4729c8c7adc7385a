"""Builders shared by the suy tôn tests: a review with its attendance, a published half-year
ranking with chosen totals, an election opened through the services, leaders for units.

Rankings are built through the scoring services (rounds created, scored, closed and
published), so that `election_prepare` reads exactly what production gives it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from awards.models import Attendance, BallotRound, Candidate, Election, Review, ReviewKind
from awards.services.elections import ballot_cast, election_open
from blocs.models import Bloc, Unit, User
from blocs.tests.factories import MembershipFactory, UnitFactory
from campaigns.models import Campaign
from campaigns.tests.factories import leader_for
from scoring.models import CriterionKind
from scoring.selectors.rounds import default_round_dates
from scoring.services.rounds import round_create, round_publish
from scoring.services.scorecards import final_grid_save
from scoring.tests.factories import CriteriaSetFactory, CriterionFactory, campaign_for, close_round


def add_members(bloc: Bloc, count: int, prefix: str = "Lữ đoàn") -> list[Unit]:
    """`count` new member units of `bloc`, named "<prefix> 1"…"""
    units = []
    for number in range(1, count + 1):
        unit = UnitFactory(name=f"{prefix} {number}")
        MembershipFactory(bloc=bloc, unit=unit)
        units.append(unit)
    return units


def make_review(bloc: Bloc, *, kind: str = ReviewKind.SO_KET, campaign: Campaign | None = None) -> Review:
    campaign = campaign or campaign_for(bloc)
    held_on = date(campaign.year, 7, 15) if kind == ReviewKind.SO_KET else date(campaign.year, 12, 20)
    return Review.objects.create(
        campaign=campaign, kind=kind, held_on=held_on, place="Hội trường Sư đoàn 301"
    )


def attend(review: Review, units: list[Unit], present: bool = True) -> None:
    for unit in units:
        Attendance.objects.update_or_create(
            review=review, unit=unit, defaults={"present": present, "representative": f"Chỉ huy {unit.name}"}
        )


def publish_half_year(
    campaign: Campaign,
    totals: dict[Unit, int | str],
    *,
    vetoed: tuple[Unit, ...] = (),
    missing_q2: tuple[Unit, ...] = (),
    actor: User | None = None,
) -> None:
    """Publish Q1 and Q2 of `campaign` with each unit scoring `totals[unit]` in both quarters
    (so its half-year total is that number); `vetoed` units trigger a veto criterion;
    `missing_q2` units have no Q2 score."""
    criteria_set = CriteriaSetFactory(campaign=campaign)
    group = CriterionFactory(criteria_set=criteria_set, code="1", max_points=Decimal(100), position=1)
    leaf = CriterionFactory(criteria_set=criteria_set, parent=group, code="1.1", max_points=Decimal(100))
    veto_group = CriterionFactory(
        criteria_set=criteria_set, code="9", kind=CriterionKind.VETO, max_points=None, position=2
    )
    veto = CriterionFactory(criteria_set=criteria_set, parent=veto_group, code="9.1", max_points=None)
    for period in ("q1", "q2"):
        dates = default_round_dates(campaign, period)
        scoring_round = round_create(
            campaign=campaign,
            criteria_set=criteria_set,
            period=period,
            starts_on=dates.starts_on,
            ends_on=dates.ends_on,
            entry_deadline=dates.entry_deadline,
            actor=actor,
        )
        entries: dict = {}
        for unit, total in totals.items():
            if period == "q2" and unit in missing_q2:
                continue
            entries[(unit.pk, leaf.pk)] = Decimal(str(total))
            if unit in vetoed:
                entries[(unit.pk, veto.pk)] = Decimal(1)
        final_grid_save(scoring_round=scoring_round, entries=entries, base_versions={}, actor=actor)
        close_round(scoring_round, actor)
        round_publish(scoring_round=scoring_round, actor=actor)


def standing(review: Review, units: list[Unit]) -> Election:
    """An election in setup with `units` on the list (ranks 1, 2, …), without a ranking."""
    election = Election.objects.create(review=review)
    Candidate.objects.bulk_create(
        Candidate(election=election, unit=unit, rank=number, total=Decimal(100 - number), position=number)
        for number, unit in enumerate(units, start=1)
    )
    return election


def opened(review: Review, units: list[Unit], actor: User | None = None) -> BallotRound:
    """Round 1 of an election between `units`, opened through the service (attendance must
    already give the quorum)."""
    return election_open(election=standing(review, units), actor=actor)


def candidate_of(ballot_round: BallotRound, unit: Unit) -> Candidate:
    return ballot_round.candidates.get(unit=unit)


class Voters:
    """One leader per unit, created on first use."""

    def __init__(self):
        self._leaders: dict[int, User] = {}

    def leader(self, unit: Unit) -> User:
        if unit.pk not in self._leaders:
            self._leaders[unit.pk] = leader_for(unit)
        return self._leaders[unit.pk]

    def vote(self, ballot_round: BallotRound, unit: Unit, choice: Unit | None):
        candidate = candidate_of(ballot_round, choice) if choice is not None else None
        return ballot_cast(ballot_round=ballot_round, unit=unit, candidate=candidate, actor=self.leader(unit))

    def vote_all(self, ballot_round: BallotRound, choices: dict[Unit, Unit | None]) -> None:
        for unit, choice in choices.items():
            self.vote(ballot_round, unit, choice)
