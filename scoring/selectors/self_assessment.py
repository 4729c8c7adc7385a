"""Reads behind a unit's self-assessment page and the round's score workbooks. Totals come
from `scoring.selectors.grid.card_total` (DESIGN.md §5 rule 1), as on every other page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from blocs.models import Assignment, Role, Unit, vietnamese_order
from scoring.models import (
    Criterion,
    CriterionKind,
    Score,
    Scorecard,
    ScorecardKind,
    ScorecardState,
    ScoringRound,
)
from scoring.selectors.criteria import Group, Layout, criteria_layout
from scoring.selectors.grid import CardTotal, card_total, group_sum
from scoring.selectors.rounds import round_members

ZERO = Decimal(0)


@dataclass(frozen=True)
class Row:
    """One line of a criteria table: a group, a criterion that has sub-criteria (heading), or
    a scored leaf."""

    kind: str  # "group" | "heading" | "leaf"
    node: Criterion
    group: Group
    depth: int

    @property
    def is_leaf(self) -> bool:
        return self.kind == "leaf"


def criteria_rows(layout: Layout) -> list[Row]:
    """The criteria in tree order, headings before their children. No query."""
    rows: list[Row] = []
    for group in layout.groups:
        rows.append(Row("group", group.node, group, 0))
        shown: set[int] = set()
        for leaf in group.leaves:
            chain: list[Criterion] = []
            parent_id = leaf.parent_id
            while parent_id in group.headings and parent_id not in shown:
                chain.append(group.headings[parent_id])
                parent_id = group.headings[parent_id].parent_id
            for depth, heading in enumerate(reversed(chain), start=1):
                rows.append(Row("heading", heading, group, depth))
                shown.add(heading.pk)
            if leaf.pk != group.node.pk:
                rows.append(Row("leaf", leaf, group, 1 + _depth_below(leaf, group)))
    return rows


def _depth_below(leaf: Criterion, group: Group) -> int:
    depth, parent_id = 0, leaf.parent_id
    while parent_id in group.headings:
        depth += 1
        parent_id = group.headings[parent_id].parent_id
    return depth


# --- The self-assessment page ------------------------------------------------------------------


def own_member_units(*, user, scoring_round: ScoringRound) -> list[Unit]:
    """The units `user` leads or staffs that take part in the round (one query)."""
    if not user.is_authenticated:
        return []
    own = Assignment.objects.filter(user=user, role__in=[Role.LEADER, Role.OFFICER]).values("unit_id")
    return list(round_members(scoring_round).filter(pk__in=own).order_by(vietnamese_order("name"), "pk"))


@dataclass
class SelfAssessment:
    layout: Layout
    rows: list[Row]
    card: Scorecard | None
    scores: dict[int, Score]
    totals: CardTotal

    def points(self) -> dict[int, Decimal]:
        return {pk: score.points for pk, score in self.scores.items()}

    def group_points(self, group: Group) -> Decimal:
        """The group's points as they count (bonus and penalty capped)."""
        return group_sum(group, self.points())

    def group_entered(self, group: Group) -> Decimal:
        return sum((self.scores[leaf.pk].points for leaf in group.leaves if leaf.pk in self.scores), ZERO)

    @property
    def version(self) -> int:
        return self.card.version if self.card else 0

    @property
    def is_submitted(self) -> bool:
        return self.card is not None and self.card.state == ScorecardState.SUBMITTED

    @property
    def missing_standard(self) -> list[Criterion]:
        """Standard criteria with no stored score: submitting is refused while any remain."""
        return [
            leaf
            for leaf in self.layout.leaves
            if leaf.kind == CriterionKind.STANDARD and leaf.pk not in self.scores
        ]

    @property
    def evidence_count(self) -> int:
        return sum(1 for score in self.scores.values() if score.evidence)


def self_assessment(*, scoring_round: ScoringRound, unit: Unit) -> SelfAssessment:
    """A unit's self card in a round with the criteria it answers: three queries (criteria,
    card, scores), whatever the number of criteria."""
    layout = criteria_layout(criteria_set=scoring_round.criteria_set)
    card = (
        Scorecard.objects.filter(round=scoring_round, scored_unit=unit, kind=ScorecardKind.SELF)
        .select_related("updated_by", "submitted_by")
        .first()
    )
    scores = {score.criterion_id: score for score in Score.objects.filter(scorecard=card)} if card else {}
    totals = card_total(layout, {pk: score.points for pk, score in scores.items()})
    return SelfAssessment(layout=layout, rows=criteria_rows(layout), card=card, scores=scores, totals=totals)
