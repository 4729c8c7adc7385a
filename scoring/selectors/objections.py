"""Reads behind a unit's objections to a published score (kiến nghị về điểm): the window in
which a leader may object, a round's objections with the scores they are about, one unit's
objections in a campaign. Each function runs a fixed number of SQL queries.

The window (DESIGN.md §5 configuration, `ScoringRules.objection_days`) is counted in local
dates as the Civil Code counts a period of days (Bộ luật Dân sự 2015, Điều 147–148): the day
the round is published is not counted, and the period ends at the end of its last day. With
the default 7 days, a round published on 01/04 may be objected to until the end of 08/04."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from blocs.models import Assignment, Membership, Role, Unit, vietnamese_order
from campaigns.models import Campaign
from scoring.models import (
    Criterion,
    Objection,
    ObjectionState,
    RoundState,
    Score,
    ScorecardKind,
    ScoringRound,
    ScoringRules,
)
from scoring.selectors.criteria import Layout, criteria_layout
from scoring.selectors.rounds import round_members

DEFAULT_OBJECTION_DAYS = ScoringRules._meta.get_field("objection_days").default


def round_name(scoring_round: ScoringRound) -> str:
    return f"đợt chấm {scoring_round.get_period_display()} năm {scoring_round.campaign.year}"


def state_label(objection: Objection) -> str:
    """The objection's state as the pages say it: an accepted general objection changed no
    score, so it is not said to be corrected."""
    if objection.state == ObjectionState.ACCEPTED:
        return "Chấp nhận, đã đính chính điểm" if objection.correction_id else "Chấp nhận"
    return objection.get_state_display()


# --- The window -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectionWindow:
    """When a round's results may be objected to."""

    scoring_round: ScoringRound
    days: int
    published_on: date | None  # local date; None while the round is not published

    @property
    def last_day(self) -> date | None:
        return self.published_on + timedelta(days=self.days) if self.published_on else None

    def is_open(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.published_on is not None and today <= self.last_day  # type: ignore[operator]

    def days_left(self, today: date | None = None) -> int:
        """Days after today still in the window (0 on its last day)."""
        today = today or timezone.localdate()
        return (self.last_day - today).days if self.last_day else 0  # type: ignore[operator]

    def refusal(self, today: date | None = None) -> str:
        """Why an objection cannot be filed now, or "" while the window is open."""
        name = round_name(self.scoring_round)
        if self.published_on is None or self.scoring_round.state != RoundState.PUBLISHED:
            return (
                f"Kết quả {name} chưa được công bố nên chưa kiến nghị được; chỉ huy đơn vị kiến nghị "
                f"trong {self.days} ngày sau ngày công bố."
            )
        if not self.is_open(today):
            return (
                f"Đã hết hạn kiến nghị về kết quả {name}: hạn cuối là hết ngày {self.last_day:%d/%m/%Y} "
                f"({self.days} ngày sau ngày công bố {self.published_on:%d/%m/%Y})."
            )
        return ""


def objection_days_for(campaign: Campaign) -> int:
    """The campaign's objection window in days (the default while it has no rules). One query."""
    days = ScoringRules.objects.filter(campaign=campaign).values_list("objection_days", flat=True).first()
    return DEFAULT_OBJECTION_DAYS if days is None else days


def window_of(scoring_round: ScoringRound, days: int) -> ObjectionWindow:
    published_on = (
        timezone.localdate(scoring_round.published_at)
        if scoring_round.state == RoundState.PUBLISHED and scoring_round.published_at
        else None
    )
    return ObjectionWindow(scoring_round=scoring_round, days=days, published_on=published_on)


def objection_window(*, scoring_round: ScoringRound) -> ObjectionWindow:
    """The round's window. One query (the campaign's rules)."""
    return window_of(scoring_round, objection_days_for(scoring_round.campaign))


# --- Who is who -------------------------------------------------------------------------------


def led_member_units(*, user, scoring_round: ScoringRound) -> list[Unit]:
    """The units `user` leads that take part in the round: those he may object for. One query."""
    if not user.is_authenticated:
        return []
    led = Assignment.objects.filter(user=user, role=Role.LEADER).values("unit_id")
    return list(round_members(scoring_round).filter(pk__in=led).order_by(vietnamese_order("name"), "pk"))


def staffed_unit_ids(user) -> set[int]:
    """The units `user` leads or serves as an officer of. One query."""
    if not user.is_authenticated:
        return set()
    return set(
        Assignment.objects.filter(user=user, role__in=[Role.LEADER, Role.OFFICER]).values_list(
            "unit_id", flat=True
        )
    )


# --- A round's objections ----------------------------------------------------------------------------


@dataclass
class ObjectionRow:
    objection: Objection
    current_points: Decimal | None  # the unit's final score on the criterion now


@dataclass
class RoundObjections:
    window: ObjectionWindow
    rows: list[ObjectionRow]
    counts: Counter = field(default_factory=Counter)  # by state, of the rows shown

    @property
    def open_count(self) -> int:
        return self.counts[ObjectionState.OPEN]

    @property
    def answered_count(self) -> int:
        return len(self.rows) - self.open_count


def _with_relations(queryset: QuerySet[Objection]) -> QuerySet[Objection]:
    return queryset.select_related(
        "unit", "criterion", "filed_by", "answered_by", "correction__made_by", "round__campaign"
    )


def _final_points(scoring_round: ScoringRound, objections: list[Objection]) -> dict[tuple[int, int], Decimal]:
    """The final points of the (unit, criterion) cells the objections are about. One query,
    none when no objection names a criterion."""
    cells = {(o.unit_id, o.criterion_id) for o in objections if o.criterion_id}
    if not cells:
        return {}
    scores = Score.objects.filter(
        scorecard__round=scoring_round,
        scorecard__kind=ScorecardKind.FINAL,
        scorecard__scored_unit_id__in={unit_id for unit_id, _ in cells},
        criterion_id__in={criterion_id for _, criterion_id in cells},
    ).values_list("scorecard__scored_unit_id", "criterion_id", "points")
    return {(unit_id, criterion_id): points for unit_id, criterion_id, points in scores}


def round_objections(
    *, scoring_round: ScoringRound, unit_ids: set[int] | None = None, days: int | None = None
) -> RoundObjections:
    """The round's objections, those still waiting first, then the newest; only those of
    `unit_ids` when given. Three queries (the rules unless `days` is given, the objections,
    the scores they are about)."""
    queryset = Objection.objects.filter(round=scoring_round)
    if unit_ids is not None:
        queryset = queryset.filter(unit_id__in=unit_ids)
    objections = list(_with_relations(queryset).order_by("-filed_at", "-pk"))
    objections.sort(key=lambda o: o.state != ObjectionState.OPEN)
    points = _final_points(scoring_round, objections)
    rows = [ObjectionRow(o, points.get((o.unit_id, o.criterion_id))) for o in objections]
    window = window_of(scoring_round, objection_days_for(scoring_round.campaign) if days is None else days)
    return RoundObjections(window=window, rows=rows, counts=Counter(o.state for o in objections))


@dataclass
class RoundObjectionSummary:
    """What the round's page says about objections: the window, and for the secretariat how
    many wait for an answer; for a leader whether he may object now."""

    window: ObjectionWindow
    open_count: int = 0
    total: int = 0
    led_units: list[Unit] = field(default_factory=list)

    @property
    def can_file(self) -> bool:
        return bool(self.led_units) and self.window.is_open()


def round_objection_summary(*, scoring_round: ScoringRound, user, counts: bool) -> RoundObjectionSummary:
    """Two queries: the rules, and the objections counted by state (`counts`, for the
    secretariat) or the units the user leads in the round."""
    summary = RoundObjectionSummary(window=objection_window(scoring_round=scoring_round))
    if counts:
        by_state = dict(
            Objection.objects.filter(round=scoring_round)
            .order_by()
            .values_list("state")
            .annotate(count=Count("pk"))
            .values_list("state", "count")
        )
        summary.open_count = by_state.get(ObjectionState.OPEN, 0)
        summary.total = sum(by_state.values())
    else:
        summary.led_units = led_member_units(user=user, scoring_round=scoring_round)
    return summary


def objection_current_points(objection: Objection) -> Decimal | None:
    """The unit's final score now on the criterion objected to. One query (none without one)."""
    if not objection.criterion_id:
        return None
    return (
        Score.objects.filter(
            scorecard__round_id=objection.round_id,
            scorecard__kind=ScorecardKind.FINAL,
            scorecard__scored_unit_id=objection.unit_id,
            criterion_id=objection.criterion_id,
        )
        .values_list("points", flat=True)
        .first()
    )


def objection_events(objection: Objection) -> list:
    """The objection's recorded versions, oldest first, with who made them. One query."""
    return list(objection.history.select_related("history_user").order_by("history_date", "history_id"))


# --- The filing form ---------------------------------------------------------------------------------


@dataclass
class FilingChoices:
    """What a leader picks from: the round's scored criteria with his unit's final points, and
    the criteria (None: the whole result) he already has an objection waiting on."""

    layout: Layout
    points: dict[int, Decimal]
    pending: dict[int | None, Objection]
    scored: bool  # the unit has a final card with scores in the round

    @property
    def leaves(self) -> list[Criterion]:
        return self.layout.leaves


def filing_choices(*, scoring_round: ScoringRound, unit: Unit) -> FilingChoices:
    """Three queries: the criteria, the unit's final scores, its objections waiting for an answer."""
    layout = criteria_layout(criteria_set=scoring_round.criteria_set)
    points = dict(
        Score.objects.filter(
            scorecard__round=scoring_round, scorecard__kind=ScorecardKind.FINAL, scorecard__scored_unit=unit
        ).values_list("criterion_id", "points")
    )
    pending = {
        o.criterion_id: o
        for o in Objection.objects.filter(round=scoring_round, unit=unit, state=ObjectionState.OPEN)
    }
    return FilingChoices(layout=layout, points=points, pending=pending, scored=bool(points))


# --- A unit's objections in a campaign ---------------------------------------------------------------


@dataclass
class OpenRound:
    scoring_round: ScoringRound
    window: ObjectionWindow


@dataclass
class UnitObjections:
    campaign: Campaign
    unit: Unit
    objections: list[Objection]
    open_rounds: list[OpenRound]  # published rounds still in their window
    can_file: bool  # the viewer leads the unit

    @property
    def open_count(self) -> int:
        return sum(1 for o in self.objections if o.state == ObjectionState.OPEN)


def unit_objections(
    *, campaign: Campaign, unit: Unit, user=None, today: date | None = None
) -> UnitObjections:
    """A unit's objections in the campaign's rounds (newest first), with their answers and the
    corrections they made, and the rounds it may still object to. Four queries at most: the
    objections, the rules, the published rounds, whether the viewer leads the unit."""
    objections = list(
        _with_relations(Objection.objects.filter(round__campaign=campaign, unit=unit)).order_by(
            "-filed_at", "-pk"
        )
    )
    days = objection_days_for(campaign)
    today = today or timezone.localdate()
    member = Membership.objects.filter(
        Q(left_on__isnull=True) | Q(left_on__gte=OuterRef("starts_on")),
        unit=unit,
        bloc_id=OuterRef("campaign__bloc_id"),
        joined_on__lte=OuterRef("ends_on"),
    )
    rounds = ScoringRound.objects.filter(campaign=campaign, state=RoundState.PUBLISHED).filter(Exists(member))
    open_rounds = []
    for scoring_round in rounds.order_by("starts_on", "pk"):
        scoring_round.campaign = campaign
        window = window_of(scoring_round, days)
        if window.is_open(today):
            open_rounds.append(OpenRound(scoring_round, window))
    can_file = bool(
        user is not None
        and user.is_authenticated
        and Assignment.objects.filter(user=user, role=Role.LEADER, unit=unit).exists()
    )
    return UnitObjections(
        campaign=campaign, unit=unit, objections=objections, open_rounds=open_rounds, can_file=can_file
    )
