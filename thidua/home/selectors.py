"""What each role's home page shows, read with a fixed number of SQL queries whatever the
number of blocs, units, rounds, pledges or signatures (DESIGN.md §8).

- `secretariat_desks`: per bloc a secretary serves, the current campaign, its rounds (how many
  units sent their self-assessment, the deadline, what is late), its pledges and who has not
  signed, the latest published ranking, the reviews to come and the objections to answer.
- `unit_desks`: per unit a leader or officer serves and bloc it belongs to, the self-assessment
  to draft or send, the unit's rank in each published quarter, and the leader's objections.
- `watched_blocs`: per bloc an observer watches, its latest published ranking and leading unit.
- `security_events`: for admins, recent denied accesses and lockouts, and who is locked out now.

Each returns plain dataclasses; the page decides how to say it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from awards.models import Review, ReviewState
from blocs.models import Assignment, AuditEvent, Bloc, Membership, Role, Unit
from campaigns.models import Campaign, CampaignState, Pledge, PledgeSignature, PledgeState, SignatureKind
from campaigns.selectors.campaigns import current_pledges
from scoring.models import (
    CriteriaSet,
    Objection,
    ObjectionState,
    RankingPeriod,
    RoundPeriod,
    RoundState,
    Scorecard,
    ScorecardKind,
    ScorecardState,
    ScoringRound,
)
from scoring.selectors.ranking import Ranking, RankingError, RankingRow, rankings_for

QUARTERS = [RoundPeriod.Q1, RoundPeriod.Q2, RoundPeriod.Q3, RoundPeriod.Q4]
CHART_TOP = 12  # bars on a home page chart; the ranking page has them all
LIST_LIMIT = 8  # names listed before "và N đơn vị khác"
OBJECTION_LIMIT = 5
SECURITY_LIMIT = 8


# --- Who the user is ------------------------------------------------------------------------------


@dataclass
class Roles:
    """The user's assignments, loaded once (one query)."""

    is_admin: bool
    secretary_blocs: list[Bloc] = field(default_factory=list)
    observer_blocs: list[Bloc] = field(default_factory=list)
    led_units: list[Unit] = field(default_factory=list)
    staffed_units: list[Unit] = field(default_factory=list)  # officer of
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def unit_roles(self) -> bool:
        return bool(self.led_units or self.staffed_units)

    @property
    def any(self) -> bool:
        return self.is_admin or bool(self.secretary_blocs or self.observer_blocs or self.unit_roles)


def _by_name(items):
    return sorted(items, key=lambda item: (item.sort_key, item.pk))


def roles_of(user) -> Roles:
    assignments = list(
        Assignment.objects.filter(user=user).select_related("bloc__organiser", "unit").order_by("role", "pk")
    )
    roles = Roles(is_admin=user.is_superuser, assignments=assignments)
    for assignment in assignments:
        if assignment.role == Role.SECRETARY:
            roles.secretary_blocs.append(assignment.bloc)
        elif assignment.role == Role.OBSERVER:
            roles.observer_blocs.append(assignment.bloc)
        elif assignment.role == Role.LEADER:
            roles.led_units.append(assignment.unit)
        elif assignment.role == Role.OFFICER:
            roles.staffed_units.append(assignment.unit)
    roles.secretary_blocs = _by_name(roles.secretary_blocs)
    roles.observer_blocs = _by_name(roles.observer_blocs)
    roles.led_units = _by_name(roles.led_units)
    roles.staffed_units = _by_name([u for u in roles.staffed_units if u not in roles.led_units])
    return roles


# --- Latest published ranking of blocs ------------------------------------------------------------


@dataclass
class LatestRanking:
    """A bloc's ranking for the period of its latest published round."""

    scoring_round: ScoringRound
    ranking: Ranking

    @property
    def campaign(self) -> Campaign:
        return self.ranking.campaign

    @property
    def label(self) -> str:
        return self.ranking.label

    @property
    def rows(self) -> list[RankingRow]:
        return self.ranking.scored_rows

    @property
    def top(self) -> list[RankingRow]:
        return self.rows[:3]

    def chart(self) -> dict:
        """What static/js/home.js draws: the best CHART_TOP units, highest first."""
        rows = self.rows[:CHART_TOP]
        return {
            "labels": [row.label for row in rows],
            "names": [row.name for row in rows],
            "totals": [float(row.total) for row in rows],
            "ranks": [row.rank_label for row in rows],
            "disqualified": [row.disqualified for row in rows],
            "incomplete": [bool(row.missing) for row in rows],
            "more": max(0, len(self.rows) - CHART_TOP),
        }


def _ranking_period(round_period: str) -> str:
    return RankingPeriod.YEAR if round_period == RoundPeriod.YEAR_END else round_period


def _rank(campaigns_by_period: dict[str, list[Campaign]]) -> dict[tuple[int, str], Ranking]:
    """Rankings of published rounds, one query per period asked for (at most five)."""
    result: dict[tuple[int, str], Ranking] = {}
    for period, campaigns in campaigns_by_period.items():
        unique = list({c.pk: c for c in campaigns}.values())
        try:
            rankings = rankings_for(campaigns=unique, period=period, published_only=True, details=False)
        except RankingError:
            continue
        for campaign_id, ranking in rankings.items():
            result[(campaign_id, period)] = ranking
    return result


def latest_rankings(bloc_ids: list[int]) -> dict[int, LatestRanking]:
    """Each bloc's ranking for its latest published round. One query for the rounds, then one
    per distinct period (usually one)."""
    if not bloc_ids:
        return {}
    latest: dict[int, ScoringRound] = {}
    published = (
        ScoringRound.objects.published()
        .filter(campaign__bloc_id__in=bloc_ids)
        .select_related("campaign__bloc", "campaign__scoring_rules")
        .order_by("-ends_on", "-published_at", "-pk")
    )
    for scoring_round in published:
        latest.setdefault(scoring_round.campaign.bloc_id, scoring_round)
    wanted: dict[str, list[Campaign]] = defaultdict(list)
    for scoring_round in latest.values():
        wanted[_ranking_period(scoring_round.period)].append(scoring_round.campaign)
    rankings = _rank(wanted)
    result = {}
    for bloc_id, scoring_round in latest.items():
        ranking = rankings.get((scoring_round.campaign_id, _ranking_period(scoring_round.period)))
        if ranking is not None and not ranking.is_empty:
            result[bloc_id] = LatestRanking(scoring_round=scoring_round, ranking=ranking)
    return result


# --- Secretariat ----------------------------------------------------------------------------------


@dataclass
class RoundStatus:
    """A round of the current campaign as the secretariat follows it."""

    scoring_round: ScoringRound
    members: list[Unit]
    self_sent: set[int]
    self_drafts: set[int]
    final_scored: set[int]
    today: date

    @property
    def label(self) -> str:
        return f"{self.scoring_round.get_period_display()} năm {self.scoring_round.campaign.year}"

    @property
    def state(self) -> str:
        return self.scoring_round.state

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def self_sent_count(self) -> int:
        return sum(1 for unit in self.members if unit.pk in self.self_sent)

    @property
    def final_count(self) -> int:
        return sum(1 for unit in self.members if unit.pk in self.final_scored)

    @property
    def missing_self(self) -> list[Unit]:
        """Member units that have not sent their self-assessment (a draft does not count)."""
        return [unit for unit in self.members if unit.pk not in self.self_sent]

    @property
    def missing_final(self) -> list[Unit]:
        return [unit for unit in self.members if unit.pk not in self.final_scored]

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN

    @property
    def days_late(self) -> int:
        """Days past the entry deadline while the round is still open (0 when not late)."""
        if not self.is_open:
            return 0
        return max(0, (self.today - self.scoring_round.entry_deadline).days)

    @property
    def days_left(self) -> int:
        return (self.scoring_round.entry_deadline - self.today).days

    @property
    def self_percent(self) -> int:
        return round(100 * self.self_sent_count / self.member_count) if self.member_count else 0

    @property
    def final_percent(self) -> int:
        return round(100 * self.final_count / self.member_count) if self.member_count else 0


@dataclass
class QuarterStep:
    """One quarter of the current campaign: its round's state, or none yet."""

    period: str
    label: str
    scoring_round: ScoringRound | None

    @property
    def state(self) -> str:
        return self.scoring_round.state if self.scoring_round else "none"


@dataclass
class PledgeStatus:
    pledge: Pledge
    parties: list[dict]
    signed: set[int]

    @property
    def party_count(self) -> int:
        return len(self.parties)

    @property
    def signed_count(self) -> int:
        return sum(1 for party in self.parties if party["unit_id"] in self.signed)

    @property
    def unsigned(self) -> list[str]:
        return [party["unit_name"] for party in self.parties if party["unit_id"] not in self.signed]

    @property
    def percent(self) -> int:
        return round(100 * self.signed_count / self.party_count) if self.party_count else 0


@dataclass
class BlocDesk:
    """What a bloc's secretariat has on its plate."""

    bloc: Bloc
    today: date
    campaign: Campaign | None = None
    has_criteria: bool = False
    rounds: list[RoundStatus] = field(default_factory=list)  # open, or closed and not published
    quarters: list[QuarterStep] = field(default_factory=list)
    pledges: list[PledgeStatus] = field(default_factory=list)
    ranking: LatestRanking | None = None
    reviews: list[Review] = field(default_factory=list)
    # Rounds of the campaign with objections waiting for an answer, and how many.
    objections: list[tuple[ScoringRound, int]] = field(default_factory=list)

    @property
    def chart_id(self) -> str:
        return f"s{self.bloc.pk}"

    @property
    def current_quarter(self) -> str | None:
        """The quarter of today when the campaign is this year's, else None."""
        if self.campaign is None or self.campaign.year != self.today.year:
            return None
        return QUARTERS[(self.today.month - 1) // 3]

    @property
    def quarter_to_open(self) -> str | None:
        """Today's quarter, when the campaign runs and has no round for it yet."""
        quarter = self.current_quarter
        if quarter is None or self.campaign.state == CampaignState.CLOSED or not self.has_criteria:
            return None
        if any(step.period == quarter and step.scoring_round for step in self.quarters):
            return None
        return quarter

    @property
    def quarter_to_open_label(self) -> str:
        return RoundPeriod(self.quarter_to_open).label if self.quarter_to_open else ""

    @property
    def needs_campaign(self) -> bool:
        return self.campaign is None or self.campaign.year < self.today.year

    @property
    def late_rounds(self) -> list[RoundStatus]:
        return [status for status in self.rounds if status.days_late]

    @property
    def unpublished(self) -> list[RoundStatus]:
        return [status for status in self.rounds if status.state == RoundState.CLOSED]


def _current_campaign(campaigns: list[Campaign], today: date) -> Campaign | None:
    """This year's campaign; else the latest one that is not closed; else the latest."""
    for campaign in campaigns:
        if campaign.year == today.year:
            return campaign
    running = [c for c in campaigns if c.state != CampaignState.CLOSED]
    return (running or campaigns or [None])[0]


def _members_during(
    spans: list[tuple[Unit, date, date | None]], starts_on: date, ends_on: date
) -> list[Unit]:
    units = {
        unit.pk: unit
        for unit, joined_on, left_on in spans
        if joined_on <= ends_on and (left_on is None or left_on >= starts_on)
    }
    return _by_name(units.values())


def _parties(pledge: Pledge) -> list[dict]:
    if not pledge.canonical_content:
        return []
    return json.loads(pledge.canonical_content).get("parties", [])


def secretariat_desks(*, blocs: list[Bloc], today: date) -> list[BlocDesk]:
    """The desks of `blocs` (already in Vietnamese order). Nine queries at most, plus one per
    distinct period of the latest published rankings; none without blocs."""
    if not blocs:
        return []
    bloc_ids = [bloc.pk for bloc in blocs]
    desks = {bloc.pk: BlocDesk(bloc=bloc, today=today) for bloc in blocs}

    campaigns_by_bloc: dict[int, list[Campaign]] = defaultdict(list)
    campaigns = Campaign.objects.filter(bloc_id__in=bloc_ids).annotate(
        has_criteria=Exists(CriteriaSet.objects.filter(campaign=OuterRef("pk")))
    )
    for campaign in campaigns.order_by("-year", "pk"):
        campaigns_by_bloc[campaign.bloc_id].append(campaign)
    current_ids = []
    for bloc_id, desk in desks.items():
        desk.campaign = _current_campaign(campaigns_by_bloc[bloc_id], today)
        if desk.campaign is not None:
            desk.campaign.bloc = desk.bloc
            desk.has_criteria = desk.campaign.has_criteria
            current_ids.append(desk.campaign.pk)
    by_campaign = {desks[bloc_id].campaign.pk: desks[bloc_id] for bloc_id in desks if desks[bloc_id].campaign}

    if current_ids:
        rounds = list(ScoringRound.objects.filter(campaign_id__in=current_ids).order_by("starts_on", "pk"))
        spans: dict[int, list[tuple[Unit, date, date | None]]] = defaultdict(list)
        for membership in Membership.objects.filter(bloc_id__in=bloc_ids).select_related("unit"):
            spans[membership.bloc_id].append((membership.unit, membership.joined_on, membership.left_on))
        active = [r.pk for r in rounds if r.state != RoundState.PUBLISHED]
        cards: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        objections: dict[int, int] = {}
        if active:
            scored = (
                Scorecard.objects.filter(
                    round_id__in=active, kind__in=[ScorecardKind.SELF, ScorecardKind.FINAL]
                )
                .annotate(n=Count("scores"))
                .values_list("round_id", "scored_unit_id", "kind", "state", "n")
            )
            for round_id, unit_id, kind, state, n in scored:
                if kind == ScorecardKind.SELF:
                    cards[round_id]["sent" if state == ScorecardState.SUBMITTED else "draft"].add(unit_id)
                elif n:
                    cards[round_id]["final"].add(unit_id)
        objections = dict(
            Objection.objects.filter(round__campaign_id__in=current_ids, state=ObjectionState.OPEN)
            .order_by()
            .values_list("round_id")
            .annotate(n=Count("pk"))
            .values_list("round_id", "n")
        )
        for scoring_round in rounds:
            desk = by_campaign[scoring_round.campaign_id]
            scoring_round.campaign = desk.campaign
            if objections.get(scoring_round.pk):
                desk.objections.append((scoring_round, objections[scoring_round.pk]))
            if scoring_round.state == RoundState.PUBLISHED:
                continue
            desk.rounds.append(
                RoundStatus(
                    scoring_round=scoring_round,
                    members=_members_during(
                        spans[desk.bloc.pk], scoring_round.starts_on, scoring_round.ends_on
                    ),
                    self_sent=cards[scoring_round.pk]["sent"],
                    self_drafts=cards[scoring_round.pk]["draft"],
                    final_scored=cards[scoring_round.pk]["final"],
                    today=today,
                )
            )
        for desk in by_campaign.values():
            by_period = {r.period: r for r in rounds if r.campaign_id == desk.campaign.pk}
            desk.quarters = [QuarterStep(q, RoundPeriod(q).label, by_period.get(q)) for q in QUARTERS]
            if RoundPeriod.YEAR_END in by_period:
                desk.quarters.append(
                    QuarterStep(
                        RoundPeriod.YEAR_END, RoundPeriod.YEAR_END.label, by_period[RoundPeriod.YEAR_END]
                    )
                )

        pledges = list(
            current_pledges(Pledge.objects.filter(campaign_id__in=current_ids))
            .exclude(state=PledgeState.CLOSED)
            .select_related("drive")
            .order_by("period", "pk")
        )
        open_ids = [p.pk for p in pledges if p.state in (PledgeState.OPEN, PledgeState.COMPLETE)]
        signed: dict[int, set[int]] = defaultdict(set)
        if open_ids:
            for pledge_id, unit_id in PledgeSignature.objects.filter(
                pledge_id__in=open_ids, kind=SignatureKind.MEMBER
            ).values_list("pledge_id", "unit_id"):
                signed[pledge_id].add(unit_id)
        for pledge in pledges:
            desk = by_campaign[pledge.campaign_id]
            pledge.campaign = desk.campaign
            desk.pledges.append(
                PledgeStatus(pledge=pledge, parties=_parties(pledge), signed=signed[pledge.pk])
            )

    reviews = (
        Review.objects.filter(campaign__bloc_id__in=bloc_ids)
        .exclude(state=ReviewState.CLOSED)
        .select_related("campaign", "host_unit")
        .order_by("held_on", "pk")
    )
    for review in reviews:
        review.campaign.bloc = desks[review.campaign.bloc_id].bloc
        desks[review.campaign.bloc_id].reviews.append(review)

    for bloc_id, latest in latest_rankings(bloc_ids).items():
        desks[bloc_id].ranking = latest
    return list(desks.values())


# --- Unit leaders and officers --------------------------------------------------------------------


@dataclass
class SelfAssessmentTask:
    """An open round in which the unit has a self-assessment to draft or send."""

    scoring_round: ScoringRound
    unit: Unit
    card: Scorecard | None
    today: date

    @property
    def state(self) -> str:
        """none / draft / submitted."""
        return self.card.state if self.card else "none"

    @property
    def is_sent(self) -> bool:
        return self.state == ScorecardState.SUBMITTED

    @property
    def days_left(self) -> int:
        return (self.scoring_round.entry_deadline - self.today).days

    @property
    def label(self) -> str:
        return f"{self.scoring_round.get_period_display()} năm {self.scoring_round.campaign.year}"


@dataclass
class QuarterRank:
    period: str
    label: str
    row: RankingRow | None
    ranked: int  # units with a total in that quarter
    move: int = 0  # +1 better rank than the quarter before, −1 worse

    @property
    def arrow(self) -> str:
        return {1: "up", -1: "down"}.get(self.move, "")


@dataclass
class UnitStanding:
    """A unit's place in its bloc's campaign, quarter by quarter (published rounds only)."""

    campaign: Campaign
    quarters: list[QuarterRank]

    @property
    def latest(self) -> QuarterRank | None:
        ranked = [q for q in self.quarters if q.row is not None and q.row.rank is not None]
        return ranked[-1] if ranked else None


@dataclass
class UnitDesk:
    unit: Unit
    bloc: Bloc
    leads: bool  # the user is the unit's leader (else an officer)
    tasks: list[SelfAssessmentTask] = field(default_factory=list)
    standing: UnitStanding | None = None


@dataclass
class UnitHome:
    desks: list[UnitDesk]
    objections: list[Objection]
    open_objection_count: int


def _standings(bloc_ids: list[int], unit_ids: set[int]) -> dict[tuple[int, int], UnitStanding]:
    """Per (bloc, unit): the unit's rank in every published quarter of the bloc's latest campaign
    with a published round. One query for the rounds, one per quarter published (at most four)."""
    if not bloc_ids:
        return {}
    chosen: dict[int, Campaign] = {}
    published: dict[int, set[str]] = defaultdict(set)
    rounds = (
        ScoringRound.objects.published()
        .filter(campaign__bloc_id__in=bloc_ids, period__in=QUARTERS)
        .select_related("campaign__bloc", "campaign__scoring_rules")
        .order_by("-campaign__year", "-ends_on", "-pk")
    )
    for scoring_round in rounds:
        campaign = chosen.setdefault(scoring_round.campaign.bloc_id, scoring_round.campaign)
        if campaign.pk == scoring_round.campaign_id:
            published[campaign.pk].add(scoring_round.period)
    wanted: dict[str, list[Campaign]] = defaultdict(list)
    for campaign in chosen.values():
        for period in published[campaign.pk]:
            wanted[period].append(campaign)
    rankings = _rank(wanted)
    standings = {}
    for bloc_id, campaign in chosen.items():
        for unit_id in unit_ids:
            quarters: list[QuarterRank] = []
            previous: int | None = None
            for period in QUARTERS:
                if period not in published[campaign.pk]:
                    continue
                ranking = rankings.get((campaign.pk, period))
                row = ranking.row_for(unit_id) if ranking is not None else None
                if row is not None and row.rank is None:
                    row = None
                move = 0
                if row is not None and previous is not None:
                    move = (row.rank < previous) - (row.rank > previous)
                if row is not None:
                    previous = row.rank
                ranked = len(ranking.scored_rows) if ranking is not None else 0
                quarters.append(QuarterRank(period, RoundPeriod(period).label, row, ranked, move))
            if any(q.row for q in quarters):
                standings[(bloc_id, unit_id)] = UnitStanding(campaign=campaign, quarters=quarters)
    return standings


def unit_home(*, user, roles: Roles, today: date) -> UnitHome:
    """The desks of the units the user leads or staffs, in every bloc they belong to today. Five
    queries at most, plus one per published quarter of the blocs' latest campaigns; none
    without units."""
    units = [*roles.led_units, *roles.staffed_units]
    if not units:
        return UnitHome(desks=[], objections=[], open_objection_count=0)
    led = {unit.pk for unit in roles.led_units}
    by_id = {unit.pk: unit for unit in units}
    memberships = list(
        Membership.objects.current(today).filter(unit_id__in=list(by_id)).select_related("bloc")
    )
    desks: dict[tuple[int, int], UnitDesk] = {}
    for membership in sorted(memberships, key=lambda m: (m.bloc.sort_key, m.bloc_id)):
        unit = by_id[membership.unit_id]
        desks[(membership.bloc_id, unit.pk)] = UnitDesk(unit=unit, bloc=membership.bloc, leads=unit.pk in led)
    bloc_ids = sorted({m.bloc_id for m in memberships})

    if bloc_ids:
        open_rounds = list(
            ScoringRound.objects.filter(state=RoundState.OPEN, campaign__bloc_id__in=bloc_ids)
            .select_related("campaign")
            .order_by("entry_deadline", "pk")
        )
        cards = {}
        if open_rounds:
            cards = {
                (card.round_id, card.scored_unit_id): card
                for card in Scorecard.objects.filter(
                    round__in=open_rounds, kind=ScorecardKind.SELF, scored_unit_id__in=list(by_id)
                )
            }
        for scoring_round in open_rounds:
            for (bloc_id, unit_id), desk in desks.items():
                if bloc_id == scoring_round.campaign.bloc_id:
                    desk.tasks.append(
                        SelfAssessmentTask(
                            scoring_round=scoring_round,
                            unit=desk.unit,
                            card=cards.get((scoring_round.pk, unit_id)),
                            today=today,
                        )
                    )
        for key, standing in _standings(bloc_ids, set(by_id)).items():
            if key in desks:
                desks[key].standing = standing

    objections: list[Objection] = []
    open_count = 0
    if led:
        found = list(
            Objection.objects.filter(Q(filed_by=user) | Q(unit_id__in=led))
            .select_related("round__campaign__bloc", "unit", "criterion", "answered_by")
            .order_by("-filed_at", "-pk")
        )
        open_count = sum(1 for o in found if o.state == ObjectionState.OPEN)
        found.sort(key=lambda o: o.state != ObjectionState.OPEN)
        objections = found[:OBJECTION_LIMIT]
    return UnitHome(desks=list(desks.values()), objections=objections, open_objection_count=open_count)


# --- Observers ------------------------------------------------------------------------------------


@dataclass
class WatchedBloc:
    bloc: Bloc
    ranking: LatestRanking | None = None
    leading: Review | None = None  # the latest closed review that named a leading unit

    @property
    def chart_id(self) -> str:
        return f"o{self.bloc.pk}"


def watched_blocs(*, blocs: list[Bloc]) -> list[WatchedBloc]:
    """The blocs an observer watches with their latest published ranking and leading unit.
    Two queries plus one per distinct period of the rankings; none without blocs."""
    if not blocs:
        return []
    watched = {bloc.pk: WatchedBloc(bloc=bloc) for bloc in blocs}
    reviews = (
        Review.objects.filter(
            campaign__bloc_id__in=list(watched), state=ReviewState.CLOSED, leading_unit__isnull=False
        )
        .select_related("campaign", "leading_unit")
        .order_by("-held_on", "-pk")
    )
    for review in reviews:
        if watched[review.campaign.bloc_id].leading is None:
            watched[review.campaign.bloc_id].leading = review
    for bloc_id, latest in latest_rankings(list(watched)).items():
        watched[bloc_id].ranking = latest
    return list(watched.values())


# --- Admins -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    username: str
    ip: str | None
    at: datetime
    failures: int


@dataclass
class SecurityEvents:
    recent: list[AuditEvent]  # denied accesses and lockouts, newest first
    denied_today: int
    failed_logins_today: int
    lockouts: list[Lockout]  # (username, IP) pairs locked out now


def security_events(*, now: datetime) -> SecurityEvents:
    """Three queries: the recent events, today's counts, the current lockouts."""
    from axes.models import AccessAttempt

    kinds = [AuditEvent.Kind.DENIED, AuditEvent.Kind.LOCKED_OUT]
    recent = list(AuditEvent.objects.filter(kind__in=kinds).select_related("actor")[:SECURITY_LIMIT])
    since = now - timedelta(hours=24)
    counts = AuditEvent.objects.filter(at__gte=since).aggregate(
        denied=Count("pk", filter=Q(kind=AuditEvent.Kind.DENIED)),
        failed=Count("pk", filter=Q(kind=AuditEvent.Kind.LOGIN_FAILED)),
    )
    cooloff = settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if cooloff:
        attempts = attempts.filter(attempt_time__gte=now - cooloff)
    lockouts = [
        Lockout(a.username or "", a.ip_address, a.attempt_time, a.failures_since_start)
        for a in attempts.order_by("-attempt_time")[:SECURITY_LIMIT]
    ]
    return SecurityEvents(
        recent=recent,
        denied_today=counts["denied"],
        failed_logins_today=counts["failed"],
        lockouts=lockouts,
    )
