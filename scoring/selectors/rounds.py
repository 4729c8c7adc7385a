"""Read queries of the round pages, each with a fixed number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from blocs.models import Assignment, Membership, Role, Unit, vietnamese_order
from campaigns.models import Campaign
from scoring.models import (
    Criterion,
    RoundPeriod,
    Score,
    Scorecard,
    ScorecardKind,
    ScorecardState,
    ScoringRound,
)

DEADLINE_AFTER_DAYS = 10
QUARTERS = {
    RoundPeriod.Q1: ((1, 1), (3, 31)),
    RoundPeriod.Q2: ((4, 1), (6, 30)),
    RoundPeriod.Q3: ((7, 1), (9, 30)),
    RoundPeriod.Q4: ((10, 1), (12, 31)),
}


# --- Default dates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundDates:
    starts_on: date
    ends_on: date
    entry_deadline: date


def default_round_dates(campaign: Campaign, period: str) -> RoundDates:
    """A quarter's days inside the campaign (Q1 1/1–31/3, …; the year-end round the whole
    campaign), and an entry deadline 10 days after the end. No query."""
    if period in QUARTERS:
        (start_month, start_day), (end_month, end_day) = QUARTERS[period]
        starts_on = max(date(campaign.year, start_month, start_day), campaign.starts_on)
        ends_on = min(date(campaign.year, end_month, end_day), campaign.ends_on)
        if ends_on < starts_on:  # a campaign shorter than the year, without this quarter
            starts_on = ends_on = min(max(starts_on, campaign.starts_on), campaign.ends_on)
    else:
        starts_on, ends_on = campaign.starts_on, campaign.ends_on
    return RoundDates(starts_on, ends_on, ends_on + timedelta(days=DEADLINE_AFTER_DAYS))


def next_free_period(campaign: Campaign, taken: set[str], today: date) -> str:
    """The period to offer for a new round: the quarter of `today` if free, else the first
    free quarter, else the year-end round."""
    quarters = list(QUARTERS)
    if campaign.year == today.year:
        current = quarters[(today.month - 1) // 3]
        if current not in taken:
            return current
    for period in quarters:
        if period not in taken:
            return period
    return RoundPeriod.YEAR_END


# --- Round list -------------------------------------------------------------------------------


def _per_round(queryset: QuerySet, outer: str = "pk", key: str = "round") -> Coalesce:
    """A correlated COUNT(*) per round (a subquery, so that counts do not multiply)."""
    return Coalesce(
        Subquery(
            queryset.filter(**{key: OuterRef(outer)})
            .order_by()
            .values(key)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _members_during(outer_prefix: str = "") -> Coalesce:
    """The number of units that were members of the round's bloc during the round."""
    members = Membership.objects.filter(
        Q(bloc=OuterRef(f"{outer_prefix}campaign__bloc")),
        Q(joined_on__lte=OuterRef(f"{outer_prefix}ends_on")),
        Q(left_on__isnull=True) | Q(left_on__gte=OuterRef(f"{outer_prefix}starts_on")),
    )
    return Coalesce(
        Subquery(
            members.order_by().values("bloc").annotate(n=Count("unit", distinct=True)).values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def round_list_for_campaign(*, campaign: Campaign) -> list[ScoringRound]:
    """The campaign's rounds in date order, each with `member_count`, `final_scored` (final
    cards with at least one score), `self_submitted` and `self_drafts`. One query."""
    scored = Scorecard.objects.filter(kind=ScorecardKind.FINAL).filter(
        Exists(Score.objects.filter(scorecard=OuterRef("pk")))
    )
    selfs = Scorecard.objects.filter(kind=ScorecardKind.SELF)
    rounds = list(
        ScoringRound.objects.filter(campaign=campaign)
        .select_related("criteria_set")
        .annotate(
            member_count=_members_during(),
            final_scored=_per_round(scored),
            self_submitted=_per_round(selfs.filter(state=ScorecardState.SUBMITTED)),
            self_drafts=_per_round(selfs.filter(state=ScorecardState.DRAFT)),
        )
        .order_by("starts_on", "pk")
    )
    for scoring_round in rounds:
        scoring_round.campaign = campaign  # already loaded: spare a query per row
    return rounds


# --- Round detail -----------------------------------------------------------------------------


@dataclass
class CardStatus:
    """One scorecard as the round page shows it."""

    state: str  # ScorecardState value
    scored: int
    version: int
    updated_at: datetime | None
    updated_by: str
    submitted_at: datetime | None

    @property
    def is_submitted(self) -> bool:
        return self.state == ScorecardState.SUBMITTED


@dataclass
class UnitRow:
    unit: Unit
    final: CardStatus | None = None
    self_card: CardStatus | None = None
    leaders: list[str] = field(default_factory=list)

    @property
    def self_state(self) -> str:
        """none / draft / submitted."""
        return self.self_card.state if self.self_card else "none"


@dataclass
class RoundBoard:
    scoring_round: ScoringRound
    leaf_count: int
    rows: list[UnitRow]

    @property
    def finals_complete(self) -> int:
        return sum(1 for row in self.rows if row.final and row.final.scored >= self.leaf_count)

    @property
    def finals_started(self) -> int:
        return sum(1 for row in self.rows if row.final and row.final.scored)

    @property
    def self_submitted(self) -> int:
        return sum(1 for row in self.rows if row.self_card and row.self_card.is_submitted)

    @property
    def reminders(self) -> list[UnitRow]:
        """Member units whose self-assessment has not been sent yet."""
        return [row for row in self.rows if not (row.self_card and row.self_card.is_submitted)]


def round_members(scoring_round: ScoringRound) -> QuerySet[Unit]:
    """The units that were members of the round's bloc at any time during the round."""
    memberships = Membership.objects.filter(
        Q(bloc_id=scoring_round.campaign.bloc_id),
        Q(joined_on__lte=scoring_round.ends_on),
        Q(left_on__isnull=True) | Q(left_on__gte=scoring_round.starts_on),
    )
    return Unit.objects.filter(pk__in=memberships.values("unit_id"))


def _status(card: Scorecard) -> CardStatus:
    return CardStatus(
        state=card.state,
        scored=card.scored,
        version=card.version,
        updated_at=card.updated_at,
        updated_by=str(card.updated_by) if card.updated_by_id else "",
        submitted_at=card.submitted_at,
    )


def round_board(*, scoring_round: ScoringRound) -> RoundBoard:
    """Per member unit of the round (in Vietnamese order): its final card (cells scored,
    last saved by and when), its self-assessment (none / draft / submitted) and the names of
    its leaders, whom a reminder goes to. Four queries, whatever the number of units."""
    leaf_count = Criterion.objects.filter(
        criteria_set_id=scoring_round.criteria_set_id, children__isnull=True
    ).count()
    units = list(round_members(scoring_round).order_by(vietnamese_order("name"), "pk"))
    rows = {unit.pk: UnitRow(unit=unit) for unit in units}
    cards = (
        Scorecard.objects.filter(round=scoring_round, kind__in=[ScorecardKind.FINAL, ScorecardKind.SELF])
        .select_related("updated_by")
        .annotate(scored=Count("scores"))
    )
    for card in cards:
        row = rows.get(card.scored_unit_id)
        if row is None:  # a card of a unit no longer counted a member (its dates changed)
            continue
        if card.kind == ScorecardKind.FINAL:
            row.final = _status(card)
        else:
            row.self_card = _status(card)
    leaders = (
        Assignment.objects.filter(role=Role.LEADER, unit_id__in=list(rows), user__is_active=True)
        .select_related("user")
        .order_by("unit_id", "user__full_name", "pk")
    )
    for assignment in leaders:
        user = assignment.user
        label = " ".join(filter(None, [user.rank, str(user)]))
        rows[assignment.unit_id].leaders.append(f"{label} ({user.position})" if user.position else label)
    return RoundBoard(scoring_round=scoring_round, leaf_count=leaf_count, rows=list(rows.values()))
