"""Read queries of the review pages (sơ kết / tổng kết), each with a fixed number of SQL
queries whatever the number of member units, rounds or pledge items.

- `members_on`: the bloc's member units on a day (who attends a review).
- `round_statuses`: the rounds a review's period is made of, and whether each is published.
- `leading_for`: the leading unit of the period, by the suy tôn vote or by score (DESIGN.md
  §5 rule 6), or why there is none yet.
- `close_problems`: what stops a review from being closed, in words.
- `pledge_fulfilment`: what each unit promised in the pledge against what it achieved on the
  criteria that measure the pledge's items.
- `review_page`: everything the review's page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from awards.models import (
    Attendance,
    Election,
    ElectionState,
    LeadingBasis,
    Review,
    ReviewSection,
    ReviewState,
)
from blocs.models import Bloc, ChairTerm, Membership, Unit, vietnamese_order
from campaigns.models import Campaign
from scoring.models import (
    Criterion,
    CriterionKind,
    LeadingBy,
    RankingSnapshot,
    RoundPeriod,
    RoundState,
    Score,
    Scorecard,
    ScorecardKind,
    ScoringRound,
    ScoringRules,
)
from scoring.selectors.ranking import Ranking, period_rounds, ranking_for
from scoring.services.rules import scoring_rules_for
from scoring.services.snapshots import (
    SnapshotChange,
    period_words,
    snapshot_as_rows,
    snapshot_changes,
    snapshot_ranking,
)

TWO_PLACES = Decimal("0.01")
BASIS_WORDS = {LeadingBasis.VOTE: "theo kết quả suy tôn", LeadingBasis.SCORE: "xếp thứ nhất theo điểm"}


def members_on(bloc: Bloc, day: date) -> QuerySet[Unit]:
    """The bloc's member units on `day`, in Vietnamese order (lazy, one query)."""
    members = Membership.objects.current(day).filter(bloc=bloc).values("unit_id")
    return Unit.objects.filter(pk__in=members).in_vietnamese_order()


def review_name(review: Review) -> str:
    """ "hội nghị tổng kết năm 2024 của Cụm thi đua số 6", for messages."""
    word = "sơ kết 6 tháng đầu năm" if review.kind == "so_ket" else "tổng kết năm"
    return f"hội nghị {word} {review.campaign.year} của {review.campaign.bloc.name}"


def review_list_for_campaign(*, campaign: Campaign) -> list[Review]:
    """The campaign's reviews in date order, with their host and leading units. One query."""
    reviews = list(
        Review.objects.filter(campaign=campaign)
        .select_related("host_unit", "leading_unit")
        .order_by("held_on")
    )
    for review in reviews:
        review.campaign = campaign
    return reviews


# --- Rounds of the period ----------------------------------------------------------------------


@dataclass(frozen=True)
class RoundStatus:
    period: str
    label: str
    scoring_round: ScoringRound | None

    @property
    def published(self) -> bool:
        return self.scoring_round is not None and self.scoring_round.state == RoundState.PUBLISHED

    @property
    def state_label(self) -> str:
        if self.scoring_round is None:
            return "chưa mở đợt chấm"
        return self.scoring_round.get_state_display().lower()


def round_statuses(
    review: Review, rules: ScoringRules, rounds: list[ScoringRound] | None = None
) -> list[RoundStatus]:
    """The rounds the review's period is made of (rule 3), in order, each found or not.
    One query unless the campaign's `rounds` are given."""
    if rounds is None:
        rounds = list(ScoringRound.objects.filter(campaign_id=review.campaign_id))
    by_period = {r.period: r for r in rounds}
    return [
        RoundStatus(period, RoundPeriod(period).label, by_period.get(period))
        for period in period_rounds(review.period, rules)
    ]


# --- The leading unit ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Leading:
    """The period's leading unit and on what basis, or why there is none yet."""

    unit: Unit | None
    basis: str  # LeadingBasis value
    problem: str = ""
    rank: int | None = None

    @property
    def basis_label(self) -> str:
        return BASIS_WORDS.get(self.basis, "")


def election_of(review: Review) -> Election | None:
    """The review's suy tôn vote, if any, with its winner. One query."""
    return Election.objects.filter(review_id=review.pk).select_related("winner").first()


def leading_for(review: Review, rules: ScoringRules, ranking: Ranking, election: Election | None) -> Leading:
    """Rule 6: the winner of the suy tôn vote when the campaign elects its leading unit, else
    the unit ranked first alone among those that may lead (scored in every round, no veto).
    A closed review keeps the unit it closed on. No query."""
    if review.state == ReviewState.CLOSED and review.leading_unit_id:
        row = ranking.row_for(review.leading_unit_id)
        return Leading(review.leading_unit, review.leading_basis, rank=row.rank if row else None)
    if rules.leading_by == LeadingBy.VOTE:
        if election is None:
            return Leading(None, LeadingBasis.VOTE, "Chưa tổ chức bỏ phiếu suy tôn đơn vị dẫn đầu.")
        if election.state == ElectionState.FAILED:
            return Leading(None, LeadingBasis.VOTE, "Cuộc bỏ phiếu suy tôn không bầu được đơn vị dẫn đầu.")
        if election.state != ElectionState.DONE or election.winner_id is None:
            return Leading(
                None,
                LeadingBasis.VOTE,
                f"Cuộc bỏ phiếu suy tôn chưa có kết quả ({election.get_state_display().lower()}).",
            )
        row = ranking.row_for(election.winner_id)
        return Leading(election.winner, LeadingBasis.VOTE, rank=row.rank if row else None)
    leader = ranking.leader
    if leader is not None:
        unit = Unit(pk=leader.unit_id, name=leader.name, short_name=leader.short_name, code=leader.code)
        return Leading(unit, LeadingBasis.SCORE, rank=leader.rank)
    eligible = ranking.eligible_rows
    if not eligible:
        return Leading(
            None,
            LeadingBasis.SCORE,
            "Chưa có đơn vị nào đủ điểm các đợt của kỳ mà không vi phạm tiêu chí phủ quyết.",
        )
    tied = [row.name for row in eligible if row.rank == eligible[0].rank]
    return Leading(
        None,
        LeadingBasis.SCORE,
        f"{', '.join(tied)} đồng hạng {eligible[0].rank}: chưa xác định được đơn vị dẫn đầu theo điểm.",
    )


def close_problems(review: Review, rounds: list[RoundStatus], leading: Leading) -> list[str]:
    """Why `review` cannot be closed now, one sentence per problem; empty when it can."""
    if review.state == ReviewState.CLOSED:
        return ["Hội nghị đã chốt kết quả."]
    problems = []
    pending = [f"{r.label} ({r.state_label})" for r in rounds if not r.published]
    if pending:
        problems.append(f"Chưa công bố kết quả các đợt chấm: {', '.join(pending)}.")
    if review.state != ReviewState.HELD:
        problems.append("Hội nghị chưa được xác nhận là đã tổ chức.")
    if leading.unit is None and leading.problem:
        problems.append(leading.problem)
    return problems


# --- Pledge fulfilment --------------------------------------------------------------------------


@dataclass(frozen=True)
class FulfilmentItem:
    """A pledge item that criteria measure."""

    item_id: int
    position: int
    pledge_title: str
    content: str
    indicator: str
    target: str
    criteria: str  # "2.1 Kết quả huấn luyện"
    kind: str  # the criteria's kind: standard, bonus, penalty, veto

    @property
    def lower_is_better(self) -> bool:
        return self.kind in (CriterionKind.PENALTY, CriterionKind.VETO)


@dataclass(frozen=True)
class FulfilmentCell:
    points: Decimal | None  # the criteria's points over the period (mean of the scored rounds)
    max_points: Decimal | None
    rounds_scored: int
    lower_is_better: bool

    @property
    def scored(self) -> bool:
        return self.points is not None

    @property
    def percent(self) -> int | None:
        if self.points is None or not self.max_points or self.lower_is_better:
            return None
        return int((self.points * 100 / self.max_points).to_integral_value(rounding="ROUND_HALF_UP"))

    @property
    def reached(self) -> bool | None:
        """Full points in every scored round (none for a penalty or veto criterion)."""
        if self.points is None:
            return None
        if self.lower_is_better:
            return self.points == 0
        return self.max_points is not None and self.points >= self.max_points


@dataclass
class FulfilmentRow:
    unit_id: int
    name: str
    cells: list[FulfilmentCell]

    @property
    def reached_count(self) -> int:
        return sum(1 for cell in self.cells if cell.reached)

    @property
    def scored_count(self) -> int:
        return sum(1 for cell in self.cells if cell.scored)


@dataclass
class PledgeFulfilment:
    items: list[FulfilmentItem]
    rows: list[FulfilmentRow]
    round_labels: list[str]  # the published rounds read

    @property
    def is_empty(self) -> bool:
        return not self.items

    def reached_by_item(self) -> list[tuple[FulfilmentItem, int, int]]:
        """Each item with how many units reached it, of those scored."""
        result = []
        for index, item in enumerate(self.items):
            cells = [row.cells[index] for row in self.rows]
            result.append((item, sum(1 for c in cells if c.reached), sum(1 for c in cells if c.scored)))
        return result


def _quantise(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES)


def pledge_fulfilment(
    *,
    review: Review,
    rules: ScoringRules | None = None,
    units: list[tuple[int, str]] | None = None,
) -> PledgeFulfilment:
    """For every pledge item a criterion measures (`Criterion.pledge_item`), each unit's
    points on those criteria over the review's period, from the final cards of the published
    rounds, against the criteria's maximum. The points of a period are the weighted mean of
    the rounds the unit was scored in (rule 3's weights); an item is reached with full points
    (no points at all for a penalty or veto criterion).

    `units` are (id, name) pairs in display order; by default the review's attendance list.
    Five queries (four with `units`), plus one without `rules`."""
    rules = rules or scoring_rules_for(review.campaign)
    weights = period_rounds(review.period, rules)
    rounds = list(
        ScoringRound.objects.filter(
            campaign_id=review.campaign_id, period__in=list(weights), state=RoundState.PUBLISHED
        ).order_by("starts_on", "pk")
    )
    if units is None:
        units = [
            (a.unit_id, a.unit.name)
            for a in Attendance.objects.filter(review=review)
            .select_related("unit")
            .order_by(vietnamese_order("unit__name"), "unit_id")
        ]
    set_ids = {r.criteria_set_id for r in rounds}
    criteria = list(
        Criterion.objects.filter(criteria_set_id__in=set_ids)
        .select_related("pledge_item__pledge")
        .order_by("criteria_set_id", "position", "pk")
    )
    children: dict[int, list[Criterion]] = {}
    for criterion in criteria:
        if criterion.parent_id:
            children.setdefault(criterion.parent_id, []).append(criterion)

    def leaves_of(node: Criterion) -> list[Criterion]:
        kids = children.get(node.pk)
        if not kids:
            return [node]
        return [leaf for kid in kids for leaf in leaves_of(kid)]

    # (criteria set, pledge item) → the measured leaves; the items in pledge order.
    measured: dict[tuple[int, int], list[Criterion]] = {}
    nodes_by_item: dict[int, list[Criterion]] = {}
    for criterion in criteria:
        if criterion.pledge_item_id is None:
            continue
        measured.setdefault((criterion.criteria_set_id, criterion.pledge_item_id), []).extend(
            leaves_of(criterion)
        )
        nodes_by_item.setdefault(criterion.pledge_item_id, []).append(criterion)
    items = []
    for item_id, nodes in sorted(
        nodes_by_item.items(),
        key=lambda pair: (pair[1][0].pledge_item.pledge_id, pair[1][0].pledge_item.position),
    ):
        pledge_item = nodes[0].pledge_item
        seen: dict[str, Criterion] = {}
        for node in nodes:
            seen.setdefault(node.code, node)
        items.append(
            FulfilmentItem(
                item_id=item_id,
                position=pledge_item.position,
                pledge_title=pledge_item.pledge.title,
                content=pledge_item.content,
                indicator=pledge_item.indicator,
                target=pledge_item.target_display,
                criteria="; ".join(f"{c.code} {c.title}" for c in seen.values()),
                kind=nodes[0].kind,
            )
        )
    if not items or not rounds:
        return PledgeFulfilment(items=items, rows=[], round_labels=[r.get_period_display() for r in rounds])

    leaf_ids = {leaf.pk for leaves in measured.values() for leaf in leaves}
    round_ids = [r.pk for r in rounds]
    # A unit scored in a round has a final card there; a measured leaf left empty on it
    # counts as no points (no penalty, no veto).
    cards = set(
        Scorecard.objects.filter(round_id__in=round_ids, kind=ScorecardKind.FINAL, scores__isnull=False)
        .values_list("round_id", "scored_unit_id")
        .distinct()
    )
    points: dict[tuple[int, int, int], Decimal] = {}  # (round, unit, leaf) → points
    for round_id, unit_id, criterion_id, value in Score.objects.filter(
        scorecard__round_id__in=round_ids,
        scorecard__kind=ScorecardKind.FINAL,
        criterion_id__in=leaf_ids,
    ).values_list("scorecard__round_id", "scorecard__scored_unit_id", "criterion_id", "points"):
        points[(round_id, unit_id, criterion_id)] = value

    rows = []
    for unit_id, name in units:
        cells = []
        for item in items:
            total = weight_sum = max_total = Decimal(0)
            scored = 0
            for scoring_round in rounds:
                leaves = measured.get((scoring_round.criteria_set_id, item.item_id), [])
                if not leaves or (scoring_round.pk, unit_id) not in cards:
                    continue
                values = [points.get((scoring_round.pk, unit_id, leaf.pk), Decimal(0)) for leaf in leaves]
                weight = weights.get(scoring_round.period, Decimal(1))
                total += weight * sum(values, Decimal(0))
                max_total += weight * sum((leaf.max_points or Decimal(0) for leaf in leaves), Decimal(0))
                weight_sum += weight
                scored += 1
            if scored:
                cell = FulfilmentCell(
                    points=_quantise(total / weight_sum),
                    max_points=_quantise(max_total / weight_sum) if max_total else None,
                    rounds_scored=scored,
                    lower_is_better=item.lower_is_better,
                )
            else:
                cell = FulfilmentCell(None, None, 0, item.lower_is_better)
            cells.append(cell)
        rows.append(FulfilmentRow(unit_id=unit_id, name=name, cells=cells))
    return PledgeFulfilment(items=items, rows=rows, round_labels=[r.get_period_display() for r in rounds])


# --- The review's page --------------------------------------------------------------------------


def quorum_for(member_count: int) -> int:
    """At least two thirds of the members (DOMAIN.md: a cluster meeting is valid so)."""
    return math.ceil(member_count * 2 / 3)


@dataclass
class ReviewPage:
    review: Review
    rules: ScoringRules
    attendance: list[Attendance]
    sections: list[ReviewSection]
    rounds: list[RoundStatus]
    ranking: Ranking
    leading: Leading
    election: Election | None
    fulfilment: PledgeFulfilment
    close_problems: list[str]
    versions: list[RankingSnapshot] = field(default_factory=list)
    changes: list[SnapshotChange] = field(default_factory=list)  # live ranking vs latest version
    handover: object | None = None  # HandoverProposal (tổng kết)
    next_term: ChairTerm | None = None  # recorded when a tổng kết closed

    @property
    def frozen(self) -> bool:
        return self.review.snapshot_id is not None

    @property
    def member_count(self) -> int:
        return len(self.attendance)

    @property
    def present_count(self) -> int:
        return sum(1 for a in self.attendance if a.present)

    @property
    def quorum(self) -> int:
        return quorum_for(self.member_count)

    @property
    def has_quorum(self) -> bool:
        return self.member_count > 0 and self.present_count >= self.quorum

    @property
    def period_words(self) -> str:
        return period_words(self.review.period, self.review.campaign.year)

    @property
    def quarter_labels(self) -> list[str]:
        return [RoundPeriod(p).label for p in self.ranking.rounds]

    @property
    def lines(self) -> list[tuple]:
        """Each ranking row with its points per round of the period, for the table."""
        periods = list(self.ranking.rounds)
        return [(row, [row.quarters.get(p) for p in periods]) for row in self.ranking.rows]

    @property
    def latest_version(self) -> RankingSnapshot | None:
        return self.versions[-1] if self.versions else None

    @property
    def classification_counts(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for row in self.ranking.scored_rows:
            counts[row.classification] = counts.get(row.classification, 0) + 1
        return list(counts.items())


def review_page(*, review: Review) -> ReviewPage:
    """What the review's page shows. `review` comes with its campaign, bloc, host, leading
    unit, closer and snapshot loaded. A fixed number of queries: about twelve while preparing,
    a few more once closed (the versions, the frozen rows and the live ranking to compare)."""
    from awards.services.handover import handover_proposal  # the proposal reads this module too

    campaign = review.campaign
    rules = scoring_rules_for(campaign)
    attendance = list(
        Attendance.objects.filter(review=review)
        .select_related("unit")
        .order_by(vietnamese_order("unit__name"), "unit_id")
    )
    sections = list(
        ReviewSection.objects.filter(review=review).select_related("updated_by").order_by("position")
    )
    rounds = round_statuses(review, rules)
    live = ranking_for(campaign=campaign, period=review.period, rules=rules, published_only=True)
    versions: list[RankingSnapshot] = []
    changes: list[SnapshotChange] = []
    if review.snapshot_id:
        versions = list(
            RankingSnapshot.objects.filter(campaign=campaign, period=review.period)
            .select_related("made_by")
            .order_by("version")
        )
        frozen = next((v for v in versions if v.pk == review.snapshot_id), review.snapshot)
        frozen.campaign = campaign
        ranking: Ranking = snapshot_ranking(frozen)
        latest = versions[-1] if versions else frozen
        latest_rows = ranking.rows if latest.pk == frozen.pk else snapshot_as_rows(latest)
        changes = snapshot_changes(latest_rows, live)
    else:
        ranking = live
    election = election_of(review)
    leading = leading_for(review, rules, ranking, election)
    units = [(a.unit_id, a.unit.name) for a in attendance]
    page = ReviewPage(
        review=review,
        rules=rules,
        attendance=attendance,
        sections=sections,
        rounds=rounds,
        ranking=ranking,
        leading=leading,
        election=election,
        fulfilment=pledge_fulfilment(review=review, rules=rules, units=units),
        close_problems=close_problems(review, rounds, leading),
        versions=versions,
        changes=changes,
    )
    if review.is_year_end:
        page.handover = handover_proposal(review=review, ranking=ranking, leading=leading)
        if review.state == ReviewState.CLOSED:
            page.next_term = (
                ChairTerm.objects.filter(bloc_id=campaign.bloc_id, year=campaign.year + 1)
                .select_related("chair", "deputy")
                .first()
            )
    return page
