"""The secretariat's entry grid of a round, the self-versus-final comparison and a cell's
history: read queries with a fixed number of SQL queries whatever the number of units and
criteria, and the arithmetic of DESIGN.md §5 rule 1 that the pages show.

A grid is the round's criteria layout (groups, headings, leaves) against its member units
(columns, in Vietnamese order), with each unit's final and self scores and its cards'
versions, which the entry form sends back for optimistic locking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import F

from blocs.models import Unit, vietnamese_order
from scoring.models import (
    Correction,
    Criterion,
    CriterionKind,
    RoundState,
    Score,
    Scorecard,
    ScorecardKind,
    ScorecardState,
    ScoringRound,
)
from scoring.selectors.criteria import Group, Layout, criteria_layout
from scoring.selectors.rounds import round_members
from thidua.lib.numbers import format_decimal

Cell = tuple[int, int]  # (unit id, criterion id), as scoring.services.scorecards uses it
ZERO = Decimal(0)
# A difference between self and final of at least this share of the criterion's maximum is
# shown strongly on the comparison page.
STRONG_DIFFERENCE = Decimal("0.2")


# --- Rule 1: a unit's total ---------------------------------------------------------------------


@dataclass(frozen=True)
class CardTotal:
    """A card's total by DESIGN.md §5 rule 1: standard points, plus bonus capped by the bonus
    group's maximum, minus penalties capped by the penalty group's maximum; a veto answered
    1 disqualifies (the unit is still ranked)."""

    standard: Decimal = ZERO
    bonus: Decimal = ZERO
    penalty: Decimal = ZERO
    vetoed: bool = False
    scored: int = 0

    @property
    def total(self) -> Decimal:
        return self.standard + self.bonus - self.penalty


def group_sum(group: Group, values: Mapping[int, Decimal | None]) -> Decimal:
    """The group's points as they count: the leaves' sum, capped for bonus and penalty groups;
    for a veto group, the number of vetoes triggered."""
    raw = sum((values.get(leaf.pk) or ZERO for leaf in group.leaves), ZERO)
    if group.kind in (CriterionKind.BONUS, CriterionKind.PENALTY) and group.max_points is not None:
        return min(raw, group.max_points)
    return raw


def card_total(layout: Layout, values: Mapping[int, Decimal | None]) -> CardTotal:
    """`values` maps leaf criterion ids to points (None or missing: not scored)."""
    parts = dict.fromkeys(CriterionKind, ZERO)
    vetoed = False
    for group in layout.groups:
        if group.kind == CriterionKind.VETO:
            vetoed = vetoed or any(values.get(leaf.pk) == 1 for leaf in group.leaves)
        else:
            parts[group.kind] += group_sum(group, values)
    scored = sum(1 for leaf in layout.leaves if values.get(leaf.pk) is not None)
    return CardTotal(
        standard=parts[CriterionKind.STANDARD],
        bonus=parts[CriterionKind.BONUS],
        penalty=parts[CriterionKind.PENALTY],
        vetoed=vetoed,
        scored=scored,
    )


# --- The grid -----------------------------------------------------------------------------------


@dataclass
class UnitColumn:
    unit: Unit
    final_card: Scorecard | None = None
    self_card: Scorecard | None = None

    @property
    def version(self) -> int:
        """The final card's version the writer loads (0 while the unit has none)."""
        return self.final_card.version if self.final_card else 0

    @property
    def self_submitted(self) -> bool:
        return self.self_card is not None and self.self_card.state == ScorecardState.SUBMITTED

    @property
    def label(self) -> str:
        return self.unit.short_name or self.unit.name


@dataclass
class GridCell:
    """One input of the entry grid as the page shows it."""

    unit_id: int
    criterion_id: int
    text: str  # what the input holds: the stored value, or what the user typed
    loaded: str  # the value loaded with the page (Esc restores it)
    self_text: str
    error: str = ""
    conflict: str = ""  # the value someone else saved meanwhile, when it differs

    @property
    def name(self) -> str:
        return f"c-{self.unit_id}-{self.criterion_id}"


@dataclass
class GridRow:
    kind: str  # "group", "heading" or "leaf"
    criterion: Criterion
    group: Group
    max_points: Decimal | None
    cells: list[GridCell] = field(default_factory=list)  # leaf rows
    subtotals: list[Decimal | None] = field(
        default_factory=list
    )  # group rows, per unit (None: nothing scored)

    @property
    def is_capped(self) -> bool:
        return self.kind == "group" and self.group.kind in (CriterionKind.BONUS, CriterionKind.PENALTY)


@dataclass
class Grid:
    scoring_round: ScoringRound
    layout: Layout
    columns: list[UnitColumn]
    final: dict[Cell, Decimal]
    self_scores: dict[Cell, Decimal]
    has_scores: bool = True  # False: the shape only (criteria and units), nothing stored read

    @property
    def unit_ids(self) -> list[int]:
        return [column.unit.pk for column in self.columns]

    @property
    def leaves(self) -> list[Criterion]:
        return self.layout.leaves

    def column(self, unit_id: int) -> UnitColumn | None:
        return next((c for c in self.columns if c.unit.pk == unit_id), None)

    @property
    def versions(self) -> dict[int, int]:
        return {column.unit.pk: column.version for column in self.columns}

    @property
    def last_saved(self) -> Scorecard | None:
        """The final card saved last, for "last saved by … at …"."""
        saved = [c.final_card for c in self.columns if c.final_card and c.final_card.updated_at]
        return max(saved, key=lambda card: card.updated_at, default=None)

    def values_of(self, unit_id: int, *, kind: str = ScorecardKind.FINAL) -> dict[int, Decimal]:
        source = self.final if kind == ScorecardKind.FINAL else self.self_scores
        return {criterion_id: v for (u, criterion_id), v in source.items() if u == unit_id}

    def total(self, unit_id: int, *, kind: str = ScorecardKind.FINAL) -> CardTotal:
        return card_total(self.layout, self.values_of(unit_id, kind=kind))

    def rows(
        self,
        *,
        shown: Mapping[Cell, str] | None = None,
        loaded: Mapping[Cell, Decimal | None] | None = None,
        errors: Mapping[Cell, str] | None = None,
        conflicts: Mapping[Cell, Decimal | None] | None = None,
        values: Mapping[Cell, Decimal | None] | None = None,
    ) -> list[GridRow]:
        """The rows of the entry table, top to bottom. By default every input shows the
        stored final score; a form sent back passes what was typed (`shown`), what had been
        loaded (`loaded`), each bad cell's message and the cells someone else changed.
        `values` (defaults to the stored scores) feeds the group subtotals. No query."""
        shown = shown or {}
        errors = errors or {}
        conflicts = conflicts or {}
        loaded = self.final if loaded is None else loaded
        values = self.final if values is None else values
        unit_ids = self.unit_ids
        per_unit = {u: {c: v for (uu, c), v in values.items() if uu == u} for u in unit_ids}
        rows: list[GridRow] = []
        for group in self.layout.groups:
            rows.append(
                GridRow(
                    kind="group",
                    criterion=group.node,
                    group=group,
                    max_points=group.max_points,
                    subtotals=[
                        group_sum(group, per_unit[u])
                        if any(per_unit[u].get(leaf.pk) is not None for leaf in group.leaves)
                        else None
                        for u in unit_ids
                    ],
                )
            )
            announced: set[int] = set()
            for leaf in group.leaves:
                heading = group.headings.get(leaf.parent_id) if leaf.parent_id else None
                if heading is not None and heading.pk not in announced:
                    announced.add(heading.pk)
                    rows.append(GridRow(kind="heading", criterion=heading, group=group, max_points=None))
                cells = []
                for unit_id in unit_ids:
                    cell = (unit_id, leaf.pk)
                    stored = format_decimal(self.final.get(cell))
                    conflict = ""
                    if cell in conflicts:
                        conflict = format_decimal(conflicts[cell]) or "(trống)"
                    cells.append(
                        GridCell(
                            unit_id=unit_id,
                            criterion_id=leaf.pk,
                            text=shown.get(cell, stored),
                            loaded=format_decimal(loaded.get(cell)),
                            self_text=format_decimal(self.self_scores.get(cell)),
                            error=errors.get(cell, ""),
                            conflict=conflict,
                        )
                    )
                rows.append(
                    GridRow(kind="leaf", criterion=leaf, group=group, max_points=leaf.max_points, cells=cells)
                )
        return rows


def grid_for_round(*, scoring_round: ScoringRound, with_scores: bool = True) -> Grid:
    """The round's entry grid. Four queries: the criteria, the member units, the final and
    self cards (with who saved them last), their scores. `scoring_round` must come with its
    campaign (for the bloc).

    `with_scores=False` reads only the shape (criteria and units, two queries): enough to read
    a sent-back grid whose columns all carry their loaded values and versions."""
    layout = criteria_layout(criteria_set=scoring_round.criteria_set)
    units = list(round_members(scoring_round).order_by(vietnamese_order("name"), "pk"))
    columns = {unit.pk: UnitColumn(unit=unit) for unit in units}
    if not with_scores:
        return Grid(
            scoring_round=scoring_round,
            layout=layout,
            columns=list(columns.values()),
            final={},
            self_scores={},
            has_scores=False,
        )
    cards = Scorecard.objects.filter(
        round=scoring_round,
        kind__in=[ScorecardKind.FINAL, ScorecardKind.SELF],
        scored_unit_id__in=list(columns),
    ).select_related("updated_by")
    for card in cards:
        column = columns[card.scored_unit_id]
        if card.kind == ScorecardKind.FINAL:
            column.final_card = card
        else:
            column.self_card = card
    final: dict[Cell, Decimal] = {}
    self_scores: dict[Cell, Decimal] = {}
    scores = Score.objects.filter(
        scorecard__round=scoring_round,
        scorecard__kind__in=[ScorecardKind.FINAL, ScorecardKind.SELF],
        scorecard__scored_unit_id__in=list(columns),
    ).values_list("scorecard__scored_unit_id", "scorecard__kind", "criterion_id", "points")
    for unit_id, kind, criterion_id, points in scores:
        (final if kind == ScorecardKind.FINAL else self_scores)[(unit_id, criterion_id)] = points
    return Grid(
        scoring_round=scoring_round,
        layout=layout,
        columns=list(columns.values()),
        final=final,
        self_scores=self_scores,
    )


# --- Comparison ---------------------------------------------------------------------------------


@dataclass
class Difference:
    self_points: Decimal | None
    final_points: Decimal | None
    max_points: Decimal | None

    @property
    def diff(self) -> Decimal | None:
        """Final minus self, when both exist."""
        if self.self_points is None or self.final_points is None:
            return None
        return self.final_points - self.self_points

    @property
    def level(self) -> str:
        """ "" (same or not comparable), "diff" (they differ), "strong" (by 20 % of the maximum or more)."""
        diff = self.diff
        if not diff:
            return ""
        if self.max_points and abs(diff) >= self.max_points * STRONG_DIFFERENCE:
            return "strong"
        return "diff"


@dataclass
class ComparisonRow:
    kind: str  # "group", "heading" or "leaf"
    criterion: Criterion
    max_points: Decimal | None
    cells: list[Difference]


@dataclass
class TotalPair:
    own: CardTotal
    final: CardTotal
    standard_max: Decimal

    @property
    def difference(self) -> Difference:
        return Difference(
            self.own.total if self.own.scored else None,
            self.final.total if self.final.scored else None,
            self.standard_max,
        )


@dataclass
class Comparison:
    columns: list[UnitColumn]
    rows: list[ComparisonRow]
    totals: list[TotalPair]  # per unit


def comparison_for(grid: Grid, *, unit_ids: list[int], show_final: bool = True) -> Comparison:
    """Self versus final per unit and criterion, with group subtotals and totals. `show_final`
    False hides the final scores (a unit's staff before the round is published). No query."""
    columns = [c for c in grid.columns if c.unit.pk in unit_ids]
    final = grid.final if show_final else {}
    own = {u: grid.values_of(u, kind=ScorecardKind.SELF) for u in unit_ids}
    theirs = {u: {c: v for (uu, c), v in final.items() if uu == u} for u in unit_ids}
    rows: list[ComparisonRow] = []
    for group in grid.layout.groups:
        is_veto = group.kind == CriterionKind.VETO
        rows.append(
            ComparisonRow(
                kind="group",
                criterion=group.node,
                max_points=group.max_points,
                cells=[
                    Difference(
                        None if is_veto else group_sum(group, own[c.unit.pk]),
                        None if is_veto or not show_final else group_sum(group, theirs[c.unit.pk]),
                        group.max_points,
                    )
                    for c in columns
                ],
            )
        )
        announced: set[int] = set()
        for leaf in group.leaves:
            heading = group.headings.get(leaf.parent_id) if leaf.parent_id else None
            if heading is not None and heading.pk not in announced:
                announced.add(heading.pk)
                rows.append(ComparisonRow(kind="heading", criterion=heading, max_points=None, cells=[]))
            rows.append(
                ComparisonRow(
                    kind="leaf",
                    criterion=leaf,
                    max_points=leaf.max_points,
                    cells=[
                        Difference(
                            own[c.unit.pk].get(leaf.pk),
                            theirs[c.unit.pk].get(leaf.pk),
                            leaf.max_points if leaf.max_points is not None else Decimal(1),
                        )
                        for c in columns
                    ],
                )
            )
    standard_max = grid.layout.standard_max
    totals = [
        TotalPair(
            card_total(grid.layout, own[c.unit.pk]), card_total(grid.layout, theirs[c.unit.pk]), standard_max
        )
        for c in columns
    ]
    return Comparison(columns=columns, rows=rows, totals=totals)


# --- A cell's history ---------------------------------------------------------------------------


@dataclass
class Change:
    kind: str  # ScorecardKind value of the card changed
    at: datetime
    by: str
    old: Decimal | None
    new: Decimal | None
    reason: str

    @property
    def action(self) -> str:
        if self.old is None:
            return "Nhập"
        if self.new is None:
            return "Xóa"
        return "Sửa"


@dataclass
class CellHistory:
    scoring_round: ScoringRound
    unit: Unit
    criterion: Criterion
    final: list[Change]  # newest first
    self_changes: list[Change]
    corrections: list[Correction]  # corrections of the unit's final card touching this criterion
    final_hidden: bool  # a unit's staff before publication does not see the final scores

    @property
    def current_final(self) -> Decimal | None:
        return self.final[0].new if self.final else None

    @property
    def current_self(self) -> Decimal | None:
        return self.self_changes[0].new if self.self_changes else None


def cell_history(
    *, scoring_round: ScoringRound, unit: Unit, criterion: Criterion, include_final: bool = True
) -> CellHistory:
    """Every change of one unit's score on one criterion in a round, on its final card (who,
    when, old → new, the correction's reason) and on its self-assessment, with the corrections
    that touched it. Two queries."""
    historical = Score.history.model
    records = (
        historical.objects.filter(
            scorecard__round=scoring_round,
            scorecard__scored_unit=unit,
            scorecard__kind__in=[ScorecardKind.FINAL, ScorecardKind.SELF],
            criterion_id=criterion.pk,
        )
        .annotate(card_kind=F("scorecard__kind"))
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    changes: dict[str, list[Change]] = {ScorecardKind.FINAL: [], ScorecardKind.SELF: []}
    current: dict[str, Decimal | None] = {ScorecardKind.FINAL: None, ScorecardKind.SELF: None}
    for record in records:
        kind = record.card_kind
        old = current[kind]
        new = None if record.history_type == "-" else record.points
        current[kind] = new
        if old == new and record.history_type == "~":
            continue  # a note changed, not the points
        changes[kind].append(
            Change(
                kind=kind,
                at=record.history_date,
                by=str(record.history_user) if record.history_user_id else "không rõ",
                old=old,
                new=new,
                reason=record.history_change_reason or "",
            )
        )
    corrections = []
    if include_final:
        corrections = [
            correction
            for correction in Correction.objects.filter(
                scorecard__round=scoring_round,
                scorecard__scored_unit=unit,
                scorecard__kind=ScorecardKind.FINAL,
            )
            .select_related("made_by")
            .order_by("-made_at", "-pk")
            if any(change.get("criterion") == criterion.code for change in correction.changes)
        ]
    return CellHistory(
        scoring_round=scoring_round,
        unit=unit,
        criterion=criterion,
        final=list(reversed(changes[ScorecardKind.FINAL])) if include_final else [],
        self_changes=list(reversed(changes[ScorecardKind.SELF])),
        corrections=corrections,
        final_hidden=not include_final,
    )


def final_visible_to_unit_staff(scoring_round: ScoringRound) -> bool:
    """A unit's leader and officers see the secretariat's scores once the round is published
    (DESIGN.md §6: results are read published)."""
    return scoring_round.state == RoundState.PUBLISHED
