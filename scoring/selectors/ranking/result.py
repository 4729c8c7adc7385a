"""What a ranking is made of (DESIGN.md §5): the rounds a period reads and their weights, the
rules in words, and the rows, with the flags and trend that pages, files and reports show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from campaigns.models import Campaign
from scoring.models import Aggregation, CardBasis, CriterionKind, RankingPeriod, RoundPeriod, ScoringRules
from thidua.lib.numbers import format_decimal

TWO_PLACES = Decimal("0.01")
# Values are nudged this far from zero before rounding (the package docstring says why).
NUDGE_SQL = "0.000000001"
NUDGE = Decimal(NUDGE_SQL)
QUARTERS = [RoundPeriod.Q1, RoundPeriod.Q2, RoundPeriod.Q3, RoundPeriod.Q4]
ROUND_PERIODS = [*QUARTERS, RoundPeriod.YEAR_END]  # every kind of round, in calendar order
LOWEST_BAND = "Yếu"
VETO_FLAG = "Vi phạm tiêu chí phủ quyết"
NOT_SCORED = "Chưa có điểm"
TIE_BREAK_LABELS = {
    "fewer_penalty": "ít điểm trừ hơn",
    "core_group": "điểm nhóm nhiệm vụ trọng tâm cao hơn",
}
TIE_BREAK_COLUMNS = {"fewer_penalty": "penalty", "core_group": "core"}
# Each tie-break as a value the query sorts in descending order (fewer penalty points is a
# higher negated penalty).
TIE_BREAK_SQL = {"fewer_penalty": "-penalty", "core_group": "core"}


# --- Which rounds a period reads, with which weights --------------------------------------------


def period_rounds(period: str, rules: ScoringRules) -> dict[str, Decimal]:
    """The round periods a ranking period is made of, with their weights (rule 3)."""
    if period in QUARTERS:
        return {period: Decimal(1)}
    quarters = QUARTERS[:2] if period == RankingPeriod.H1 else QUARTERS
    if period == RankingPeriod.YEAR and rules.aggregation == Aggregation.YEAR_END:
        return {RoundPeriod.YEAR_END: Decimal(1)}
    if rules.aggregation == Aggregation.WEIGHTED and len(rules.quarter_weights or []) == 4:
        weights = dict(zip(QUARTERS, (Decimal(str(w)) for w in rules.quarter_weights), strict=True))
        chosen = {q: weights[q] for q in quarters if weights[q] > 0}
        if chosen:
            return chosen
    return dict.fromkeys(quarters, Decimal(1))


def period_label(period: str, year: int) -> str:
    """ "Quý II năm 2024", "6 tháng đầu năm 2024", "cả năm 2024"."""
    if period == RankingPeriod.H1:
        return f"6 tháng đầu năm {year}"
    if period == RankingPeriod.YEAR:
        return f"cả năm {year}"
    return f"{RankingPeriod(period).label} năm {year}"


def periods_with_results(rounds_with_results: set[str], rules: ScoringRules) -> list[str]:
    """The ranking periods that have something to show, given the round periods with results."""
    return [p for p in RankingPeriod.values if rounds_with_results & set(period_rounds(p, rules))]


def latest_period(rounds_with_results: set[str], rules: ScoringRules) -> str | None:
    """The period a reader most likely wants: the one whose last round is the latest with
    results, the wider one when two end together (Q2 → 6 tháng, Q4 → cả năm)."""
    for period in (RankingPeriod.YEAR, RankingPeriod.Q4, RankingPeriod.Q3, RankingPeriod.H1):
        last = max(period_rounds(period, rules), key=ROUND_PERIODS.index)
        if last in rounds_with_results:
            return period
    for period in (RankingPeriod.Q2, RankingPeriod.Q1):
        if period in rounds_with_results:
            return period
    return None


# --- The rules in words, printed under every ranking -------------------------------------------


def _bands_text(bands: list) -> str:
    parts = [f"{label} từ {format_decimal(Decimal(str(threshold)))}%" for label, threshold in bands]
    lowest = format_decimal(Decimal(str(bands[-1][1]))) if bands else "0"
    return ", ".join(parts) + f", dưới {lowest}%: {LOWEST_BAND}"


def rules_text(period: str, rules: ScoringRules) -> list[str]:
    """How the ranking was reached, in plain Vietnamese (one line per rule)."""
    lines = [
        "Điểm mỗi đợt = điểm chuẩn + điểm thưởng (không vượt mức tối đa của nhóm điểm thưởng) "
        "− điểm trừ (không vượt mức tối đa của nhóm điểm trừ). Đơn vị vi phạm tiêu chí phủ quyết "
        "vẫn được xếp hạng nhưng không được xét đơn vị dẫn đầu, không đề nghị cờ thi đua.",
        f"Phiếu dùng để xếp hạng: {CardBasis(rules.card_basis).label.lower()}; phiếu tự chấm chỉ để đối chiếu.",
    ]
    rounds = period_rounds(period, rules)
    if period == RankingPeriod.YEAR and rules.aggregation == Aggregation.YEAR_END:
        lines.append("Điểm cả năm = điểm của đợt chấm cuối năm.")
    elif len(rounds) > 1:
        names = ", ".join(RoundPeriod(p).label for p in rounds)
        if len(set(rounds.values())) > 1:
            weights = ", ".join(f"{RoundPeriod(p).label} × {format_decimal(w)}" for p, w in rounds.items())
            lines.append(f"Điểm {RankingPeriod(period).label.lower()} = trung bình có trọng số ({weights}).")
        else:
            lines.append(f"Điểm {RankingPeriod(period).label.lower()} = trung bình cộng điểm {names}.")
        lines.append(
            "Đơn vị thiếu điểm một quý mà các đơn vị khác đã có điểm được đánh dấu “thiếu quý” và "
            "xếp sau các đơn vị đủ điểm; điểm của đơn vị đó là trung bình các quý đã có."
        )
    breaks = [TIE_BREAK_LABELS[t] for t in rules.tie_breaks if t in TIE_BREAK_LABELS]
    then = f"; khi bằng điểm, đơn vị {', rồi đơn vị '.join(breaks)} xếp trên" if breaks else ""
    lines.append(
        "Xếp hạng theo tổng điểm làm tròn đến hai chữ số thập phân, cách xếp 1, 2, 2, 4"
        f"{then}; nếu vẫn bằng nhau thì đồng hạng (ghi “=”)."
    )
    lines.append(f"Xếp loại theo tỷ lệ tổng điểm so với điểm chuẩn tối đa: {_bands_text(rules.bands)}.")
    return lines


# --- Result -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupInfo:
    code: str
    title: str
    kind: str


@dataclass
class RankingRow:
    unit_id: int
    name: str
    short_name: str
    code: str
    rank: int | None
    tied: bool
    total: Decimal | None
    standard: Decimal | None
    bonus: Decimal | None
    penalty: Decimal | None
    core: Decimal | None
    max_standard: Decimal | None
    disqualified: bool
    missing: list[str]  # labels of the period's rounds the unit lacks (others have results)
    quarters: dict[str, Decimal | None]  # the period's round periods → the unit's total
    groups: dict[str, Decimal]  # group code → points over the period
    classification: str = ""
    tie_break: list[str] = field(default_factory=list)  # tie-breaks that placed it
    shares_total: bool = False  # equal total with another unit before tie-breaks
    # Every round of the year the unit has a total in, the period's or not (read with details).
    trend_totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def rank_label(self) -> str:
        if self.rank is None:
            return "–"
        return f"{self.rank}=" if self.tied else str(self.rank)

    @property
    def is_scored(self) -> bool:
        return self.total is not None

    @property
    def tie_note(self) -> str:
        """Why this unit stands where it does among units of equal total."""
        if not self.shares_total:
            return ""
        if self.tie_break:
            text = "bằng điểm, xếp trên/dưới theo tiêu chí phụ: " + "; ".join(
                TIE_BREAK_LABELS[t] for t in self.tie_break
            )
            return text + (" – vẫn đồng hạng" if self.tied else "")
        return "bằng điểm, đồng hạng"

    @property
    def tie_flag(self) -> str:
        """The short badge of the same: "Bằng điểm – xét ít điểm trừ hơn"."""
        if not self.shares_total:
            return ""
        if self.tie_break:
            text = "Bằng điểm – xét " + ", ".join(TIE_BREAK_LABELS[t] for t in self.tie_break)
            return text + (" – vẫn đồng hạng" if self.tied else "")
        return "Bằng điểm – đồng hạng"

    @property
    def missing_flag(self) -> str:
        return ("Thiếu " + ", ".join(self.missing)) if self.missing and self.is_scored else ""

    @property
    def flags(self) -> list[str]:
        """What a reader must know beside the numbers, in the words of the ranking's badges."""
        if not self.is_scored:
            return [NOT_SCORED]
        flags = [VETO_FLAG] if self.disqualified else []
        return flags + [flag for flag in (self.missing_flag, self.tie_flag) if flag]

    def trend(self, periods: Sequence[str]) -> list[TrendPoint]:
        """The unit's total in each of `periods` with the move from the one before."""
        points: list[TrendPoint] = []
        previous: Decimal | None = None
        totals = self.trend_totals or {p: v for p, v in self.quarters.items() if v is not None}
        for period in periods:
            value = totals.get(period)
            move = 0
            if value is not None and previous is not None:
                move = (value > previous) - (value < previous)
            points.append(TrendPoint(period=period, label=RoundPeriod(period).label, total=value, move=move))
            if value is not None:
                previous = value
        return points


@dataclass(frozen=True)
class TrendPoint:
    period: str
    label: str
    total: Decimal | None
    move: int  # +1 up from the previous round with a total, −1 down, 0 same or first

    @property
    def arrow(self) -> str:
        return {1: "up", -1: "down"}.get(self.move, "")


@dataclass
class Ranking:
    campaign: Campaign
    period: str
    rules: ScoringRules
    rows: list[RankingRow]
    groups: list[GroupInfo]
    rounds: dict[str, Decimal]  # round period → weight
    published_only: bool
    # Round periods of the campaign with at least one unit's result (any period when the
    # ranking was read with details, else only the period's own), in calendar order.
    rounds_with_results: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return period_label(self.period, self.campaign.year)

    @property
    def rules_text(self) -> list[str]:
        return rules_text(self.period, self.rules)

    @property
    def scored_rows(self) -> list[RankingRow]:
        return [row for row in self.rows if row.is_scored]

    @property
    def unscored_rows(self) -> list[RankingRow]:
        return [row for row in self.rows if not row.is_scored]

    @property
    def is_empty(self) -> bool:
        return not self.scored_rows

    @property
    def has_ties(self) -> bool:
        return any(row.shares_total for row in self.rows)

    @property
    def has_missing(self) -> bool:
        return any(row.missing for row in self.scored_rows)

    @property
    def pending(self) -> list[str]:
        """Labels of the period's rounds that have no result yet: the ranking is provisional."""
        if self.is_empty:
            return []
        return [RoundPeriod(p).label for p in self.rounds if p not in self.rounds_with_results]

    @property
    def trend_periods(self) -> list[str]:
        return [p for p in ROUND_PERIODS if p in self.rounds_with_results]

    @property
    def available_periods(self) -> list[str]:
        """Ranking periods with results (meaningful when read with details)."""
        return periods_with_results(set(self.rounds_with_results), self.rules)

    @property
    def standard_groups(self) -> list[GroupInfo]:
        return [g for g in self.groups if g.kind == CriterionKind.STANDARD]

    @property
    def eligible_rows(self) -> list[RankingRow]:
        """Units that may lead the bloc: scored in every round of the period, no veto."""
        return [row for row in self.scored_rows if not row.disqualified and not row.missing]

    @property
    def top_rows(self) -> list[RankingRow]:
        """The units ranked first (several when tied)."""
        return [row for row in self.scored_rows if row.rank == 1]

    @property
    def leader(self) -> RankingRow | None:
        """Rule 6 "by score": the best eligible unit, unless another shares its rank."""
        eligible = self.eligible_rows
        if not eligible or any(row.rank == eligible[0].rank for row in eligible[1:]):
            return None
        return eligible[0]

    def group_means(self) -> dict[str, Decimal]:
        """The bloc's average per group over the scored units."""
        rows = self.scored_rows
        if not rows:
            return {}
        return {
            g.code: quantize_points(
                sum((r.groups.get(g.code, Decimal(0)) for r in rows), Decimal(0)) / len(rows)
            )
            for g in self.groups
        }

    def row_for(self, unit_id: int) -> RankingRow | None:
        return next((row for row in self.rows if row.unit_id == unit_id), None)


def quantize_points(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def to_points(value) -> Decimal | None:
    """A value the query already rounded (a float on SQLite, a Decimal on PostgreSQL)."""
    if value is None:
        return None
    return quantize_points(Decimal(str(value)))


def divided_points(value, divisor) -> Decimal | None:
    """`value / divisor` rounded as the query rounds (module docstring)."""
    if value is None or not divisor:
        return None
    quotient = Decimal(str(value)) / Decimal(str(divisor))
    return quantize_points(quotient - NUDGE if quotient < 0 else quotient + NUDGE)


def classify(total: Decimal | None, max_standard: Decimal | None, bands: list) -> str:
    """Rule 5: the first band whose threshold (a percentage of the maximum standard score)
    the total reaches, else "Yếu"."""
    if total is None or not max_standard:
        return ""
    share = total * 100 / max_standard
    for label, threshold in bands:
        if share >= Decimal(str(threshold)):
            return label
    return LOWEST_BAND


def explain_ties(rows: list[RankingRow], tie_breaks: list[str]) -> None:
    """For units of equal total, name the tie-breaks that separated each from the others."""
    keys = [t for t in tie_breaks if t in TIE_BREAK_COLUMNS]
    by_total: dict[tuple, list[RankingRow]] = defaultdict(list)
    for row in rows:
        if row.is_scored:
            by_total[(bool(row.missing), row.total)].append(row)
    for group in by_total.values():
        if len(group) < 2:
            continue
        for row in group:
            row.shares_total = True
            others = [other for other in group if other is not row]
            for key in keys:
                mine = getattr(row, TIE_BREAK_COLUMNS[key])
                if any(getattr(other, TIE_BREAK_COLUMNS[key]) != mine for other in others):
                    row.tie_break.append(key)
                others = [other for other in others if getattr(other, TIE_BREAK_COLUMNS[key]) == mine]
                if not others:
                    break
