"""Rankings of a round, the half-year and the year (DESIGN.md §5 rules 1–5), in one SQL query.

The query (a recursive CTE for each leaf's group, then window functions) computes, for every
member unit of the bloc during the period:

- per card: standard points, bonus capped by each bonus group's maximum, penalties capped by
  each penalty group's maximum, the core-task group's points and whether a veto is triggered
  (rule 1);
- per round: the counting card (the final card; or the mean of the submitted peer cards,
  trimmed of the highest and lowest from five cards up) (rule 2);
- per period: the mean or weighted mean of the quarters the unit has, or the year-end round;
  the quarters it lacks are counted and the unit is ranked after the complete ones (rule 3);
- the standard competition rank (1, 2, 2, 4) by total rounded to two decimals, then by the
  campaign's ordered tie-breaks; units still equal share the rank (rule 4).

Pages, exports, snapshots and PDFs all read `ranking_for()`, so they show the same numbers.
Classification (rule 5) and the naming of the tie-break that applied are worked out in Python
from the query's rows: no further query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from blocs.models import ICU_COLLATION
from campaigns.models import Campaign
from scoring.models import (
    Aggregation,
    CardBasis,
    CriterionKind,
    RankingPeriod,
    RoundPeriod,
    RoundState,
    ScorecardKind,
    ScorecardState,
    ScoringRules,
)
from thidua.lib.numbers import format_decimal

TWO_PLACES = Decimal("0.01")
QUARTERS = [RoundPeriod.Q1, RoundPeriod.Q2, RoundPeriod.Q3, RoundPeriod.Q4]
LOWEST_BAND = "Yếu"
TIE_BREAK_LABELS = {
    "fewer_penalty": "ít điểm trừ hơn",
    "core_group": "điểm nhóm nhiệm vụ trọng tâm cao hơn",
}
# What each tie-break compares, and in which direction the better unit lies.
TIE_BREAK_SQL = {
    "fewer_penalty": ("penalty", "ASC"),
    "core_group": ("core", "DESC"),
}


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
    return f"{RankingPeriod(period).label} năm {year}"


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
            "Đơn vị thiếu điểm một quý được đánh dấu “thiếu quý” và xếp sau các đơn vị đủ điểm; "
            "điểm của đơn vị đó là trung bình các quý đã có."
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
    missing: list[str]  # labels of the rounds the unit lacks
    quarters: dict[str, Decimal | None]  # round period → total
    groups: dict[str, Decimal]  # group code → points over the period
    classification: str = ""
    tie_break: list[str] = field(default_factory=list)  # tie-breaks that placed it
    shares_total: bool = False  # equal total with another unit before tie-breaks

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


@dataclass
class Ranking:
    campaign: Campaign
    period: str
    rules: ScoringRules
    rows: list[RankingRow]
    groups: list[GroupInfo]
    rounds: dict[str, Decimal]  # round period → weight
    published_only: bool

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
    def has_ties(self) -> bool:
        return any(row.shares_total for row in self.rows)

    @property
    def has_missing(self) -> bool:
        return any(row.missing for row in self.scored_rows)

    @property
    def eligible_rows(self) -> list[RankingRow]:
        """Units that may lead the bloc: scored in every round of the period, no veto."""
        return [row for row in self.scored_rows if not row.disqualified and not row.missing]

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
            g.code: (sum((r.groups.get(g.code, Decimal(0)) for r in rows), Decimal(0)) / len(rows)).quantize(
                TWO_PLACES
            )
            for g in self.groups
        }

    def row_for(self, unit_id: int) -> RankingRow | None:
        return next((row for row in self.rows if row.unit_id == unit_id), None)


# --- The query ----------------------------------------------------------------------------------


def _order_by_name(alias: str) -> str:
    if connection.vendor == "postgresql":
        return f'{alias}.name COLLATE "{ICU_COLLATION}"'
    return f"{alias}.sort_key"


def _ranking_sql(tie_breaks: list[str], published_only: bool, peer: bool) -> str:
    keys = [TIE_BREAK_SQL[t] for t in tie_breaks if t in TIE_BREAK_SQL]
    order = "".join(f", {column} {direction}" for column, direction in keys)
    partition = "".join(f", {column}" for column, _ in keys)
    period_values = " ".join(f"WHEN %(p{i})s THEN CAST(%(w{i})s AS NUMERIC)" for i in range(5))
    card_filter = "sc.kind = %(peer)s AND sc.state = %(submitted)s" if peer else "sc.kind = %(final)s"
    state_filter = "AND r.state = %(published)s" if published_only else ""
    quarter_columns = ", ".join(
        f"MAX(CASE WHEN rnd.period = '{p}' THEN ur.standard + ur.bonus - ur.penalty END) AS q_{p}"
        for p in [*QUARTERS, RoundPeriod.YEAR_END]
    )
    return f"""
WITH RECURSIVE
rnd AS (
    SELECT r.id, r.period, r.criteria_set_id, r.starts_on, r.ends_on,
           CASE r.period {period_values} END AS weight
    FROM scoring_scoringround r
    WHERE r.campaign_id = %(campaign)s AND r.period IN (%(p0)s, %(p1)s, %(p2)s, %(p3)s, %(p4)s)
          {state_filter}
),
tree (id, root_id) AS (
    SELECT c.id, c.id FROM scoring_criterion c
    WHERE c.parent_id IS NULL AND c.criteria_set_id IN (SELECT criteria_set_id FROM rnd)
    UNION ALL
    SELECT c.id, t.root_id FROM scoring_criterion c JOIN tree t ON c.parent_id = t.id
),
leaf_max AS (
    SELECT c.criteria_set_id, SUM(c.max_points) AS max_standard
    FROM scoring_criterion c
    WHERE c.criteria_set_id IN (SELECT criteria_set_id FROM rnd) AND c.kind = %(standard)s
          AND NOT EXISTS (SELECT 1 FROM scoring_criterion k WHERE k.parent_id = c.id)
    GROUP BY c.criteria_set_id
),
group_sums AS (
    SELECT sc.id AS card_id, sc.round_id, sc.scored_unit_id AS unit_id,
           g.code AS group_code, g.kind, g.is_core,
           CASE WHEN g.kind IN (%(bonus)s, %(penalty)s) AND g.max_points IS NOT NULL
                     AND SUM(s.points) > g.max_points
                THEN g.max_points ELSE SUM(s.points) END AS points
    FROM scoring_score s
    JOIN scoring_scorecard sc ON sc.id = s.scorecard_id
    JOIN rnd ON rnd.id = sc.round_id
    JOIN tree t ON t.id = s.criterion_id
    JOIN scoring_criterion g ON g.id = t.root_id
    WHERE {card_filter}
    GROUP BY sc.id, sc.round_id, sc.scored_unit_id, g.code, g.kind, g.is_core, g.max_points
),
cards AS (
    SELECT card_id, round_id, unit_id,
           SUM(CASE WHEN kind = %(standard)s THEN points ELSE 0 END) AS standard,
           SUM(CASE WHEN kind = %(bonus)s THEN points ELSE 0 END) AS bonus,
           SUM(CASE WHEN kind = %(penalty)s THEN points ELSE 0 END) AS penalty,
           SUM(CASE WHEN kind = %(standard)s AND is_core THEN points ELSE 0 END) AS core,
           MAX(CASE WHEN kind = %(veto)s AND points >= 1 THEN 1 ELSE 0 END) AS vetoed
    FROM group_sums GROUP BY card_id, round_id, unit_id
),
ordered_cards AS (
    SELECT c.*,
           ROW_NUMBER() OVER (PARTITION BY round_id, unit_id
                              ORDER BY standard + bonus - penalty DESC, card_id) AS from_top,
           ROW_NUMBER() OVER (PARTITION BY round_id, unit_id
                              ORDER BY standard + bonus - penalty ASC, card_id) AS from_bottom,
           COUNT(*) OVER (PARTITION BY round_id, unit_id) AS card_count
    FROM cards c
),
counted AS (
    SELECT * FROM ordered_cards
    WHERE card_count < 5 OR (from_top > 1 AND from_bottom > 1)
),
unit_round AS (
    SELECT round_id, unit_id, COUNT(*) AS n,
           SUM(standard) * 1.0 / COUNT(*) AS standard,
           SUM(bonus) * 1.0 / COUNT(*) AS bonus,
           SUM(penalty) * 1.0 / COUNT(*) AS penalty,
           SUM(core) * 1.0 / COUNT(*) AS core,
           CASE WHEN SUM(vetoed) * 2 > COUNT(*) THEN 1 ELSE 0 END AS vetoed
    FROM counted GROUP BY round_id, unit_id
),
span AS (SELECT MIN(starts_on) AS starts_on, MAX(ends_on) AS ends_on FROM rnd),
members AS (
    SELECT m.unit_id FROM blocs_membership m, span
    WHERE m.bloc_id = %(bloc)s AND m.joined_on <= span.ends_on
          AND (m.left_on IS NULL OR m.left_on >= span.starts_on)
    UNION
    SELECT unit_id FROM unit_round
),
unit_period AS (
    SELECT mb.unit_id,
           COUNT(ur.round_id) AS rounds_scored,
           SUM(rnd.weight) AS weight_sum,
           ROUND(SUM(rnd.weight * (ur.standard + ur.bonus - ur.penalty)) / SUM(rnd.weight), 2) AS total,
           ROUND(SUM(rnd.weight * ur.standard) / SUM(rnd.weight), 2) AS standard,
           ROUND(SUM(rnd.weight * ur.bonus) / SUM(rnd.weight), 2) AS bonus,
           ROUND(SUM(rnd.weight * ur.penalty) / SUM(rnd.weight), 2) AS penalty,
           ROUND(SUM(rnd.weight * ur.core) / SUM(rnd.weight), 2) AS core,
           ROUND(SUM(rnd.weight * lm.max_standard) / SUM(rnd.weight), 2) AS max_standard,
           MAX(ur.vetoed) AS vetoed,
           {quarter_columns}
    FROM members mb
    LEFT JOIN unit_round ur ON ur.unit_id = mb.unit_id
    LEFT JOIN rnd ON rnd.id = ur.round_id
    LEFT JOIN leaf_max lm ON lm.criteria_set_id = rnd.criteria_set_id
    GROUP BY mb.unit_id
),
tiered AS (
    SELECT up.*,
           CASE WHEN up.total IS NULL THEN 2 WHEN up.rounds_scored < %(expected)s THEN 1 ELSE 0 END AS tier
    FROM unit_period up
),
ranked AS (
    SELECT t.*,
           RANK() OVER (ORDER BY tier, total DESC{order}) AS rank,
           COUNT(*) OVER (PARTITION BY tier, total) AS same_total,
           COUNT(*) OVER (PARTITION BY tier, total{partition}) AS same_after
    FROM tiered t
),
group_period AS (
    SELECT gs.unit_id, gs.group_code,
           SUM(rnd.weight * gs.points * 1.0 / ur.n) AS points
    FROM group_sums gs
    JOIN counted k ON k.card_id = gs.card_id
    JOIN unit_round ur ON ur.round_id = gs.round_id AND ur.unit_id = gs.unit_id
    JOIN rnd ON rnd.id = gs.round_id
    WHERE gs.kind <> %(veto)s
    GROUP BY gs.unit_id, gs.group_code
),
groups_seen AS (
    SELECT g.code, MIN(g.position) AS position, MAX(g.title) AS title, MAX(g.kind) AS kind
    FROM scoring_criterion g
    WHERE g.parent_id IS NULL AND g.criteria_set_id IN (SELECT criteria_set_id FROM rnd)
    GROUP BY g.code
)
SELECT u.id, u.name, u.short_name, u.code,
       rk.rank, rk.tier, rk.same_total, rk.same_after, rk.rounds_scored,
       rk.total, rk.standard, rk.bonus, rk.penalty, rk.core, rk.max_standard, rk.vetoed,
       rk.q_q1, rk.q_q2, rk.q_q3, rk.q_q4, rk.q_year,
       gs.code, gs.title, gs.kind, gs.position,
       ROUND(gp.points / rk.weight_sum, 2) AS group_points
FROM ranked rk
JOIN blocs_unit u ON u.id = rk.unit_id
LEFT JOIN groups_seen gs ON 1 = 1
LEFT JOIN group_period gp ON gp.unit_id = rk.unit_id AND gp.group_code = gs.code
ORDER BY rk.rank, {_order_by_name("u")}, u.id, gs.position, gs.code
"""


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TWO_PLACES)


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


def _explain_ties(rows: list[RankingRow], tie_breaks: list[str]) -> None:
    """For units of equal total, name the tie-breaks that separated each from the others."""
    columns = {"fewer_penalty": "penalty", "core_group": "core"}
    keys = [t for t in tie_breaks if t in columns]
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
                mine = getattr(row, columns[key])
                if any(getattr(other, columns[key]) != mine for other in others):
                    row.tie_break.append(key)
                others = [other for other in others if getattr(other, columns[key]) == mine]
                if not others:
                    break


def ranking_for(*, campaign: Campaign, period: str, rules: ScoringRules, published_only: bool) -> Ranking:
    """The ranking of `campaign`'s units for `period` (a RankingPeriod value). One SQL query.

    `rules` is the campaign's ScoringRules (load the campaign with
    `select_related("scoring_rules")`, or pass `scoring_rules_for(campaign)`);
    `published_only` restricts the ranking to published rounds (what members and observers
    may see)."""
    rounds = period_rounds(period, rules)
    periods = list(rounds) + [""] * (5 - len(rounds))
    params: dict[str, object] = {
        "campaign": campaign.pk,
        "bloc": campaign.bloc_id,
        "expected": len(rounds),
        "published": RoundState.PUBLISHED,
        "final": ScorecardKind.FINAL,
        "peer": ScorecardKind.PEER,
        "submitted": ScorecardState.SUBMITTED,
        "standard": CriterionKind.STANDARD,
        "bonus": CriterionKind.BONUS,
        "penalty": CriterionKind.PENALTY,
        "veto": CriterionKind.VETO,
    }
    for i, p in enumerate(periods):
        params[f"p{i}"] = p
        params[f"w{i}"] = str(rounds.get(p, Decimal(0)))
    sql = _ranking_sql(rules.tie_breaks, published_only, rules.card_basis == CardBasis.PEER_MEAN)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        records = cursor.fetchall()

    labels = {p: RoundPeriod(p).label for p in rounds}
    rows: dict[int, RankingRow] = {}
    groups: dict[str, GroupInfo] = {}
    for (
        unit_id, name, short_name, code, rank, _tier, _same_total, same_after, _rounds_scored,
        total, standard, bonus, penalty, core, max_standard, vetoed,
        q1, q2, q3, q4, q_year,
        group_code, group_title, group_kind, _position, group_points,
    ) in records:  # fmt: skip
        if group_code is not None and group_code not in groups and group_kind != CriterionKind.VETO:
            groups[group_code] = GroupInfo(code=group_code, title=group_title, kind=group_kind)
        row = rows.get(unit_id)
        if row is None:
            quarters = dict(zip([*QUARTERS, RoundPeriod.YEAR_END], (q1, q2, q3, q4, q_year), strict=True))
            quarters = {p: _decimal(quarters[p]) for p in rounds}
            scored = total is not None
            row = rows[unit_id] = RankingRow(
                unit_id=unit_id,
                name=name,
                short_name=short_name or "",
                code=code or "",
                rank=rank if scored else None,
                tied=scored and same_after > 1,
                total=_decimal(total),
                standard=_decimal(standard),
                bonus=_decimal(bonus),
                penalty=_decimal(penalty),
                core=_decimal(core),
                max_standard=_decimal(max_standard),
                disqualified=bool(vetoed),
                missing=[labels[p] for p in rounds if quarters[p] is None]
                if scored
                else list(labels.values()),
                quarters=quarters,
                groups={},
            )
            row.classification = classify(row.total, row.max_standard, rules.bands)
        if group_code is not None and group_kind != CriterionKind.VETO and row.is_scored:
            row.groups[group_code] = _decimal(group_points) or Decimal("0.00")
    ranked = list(rows.values())
    _explain_ties(ranked, rules.tie_breaks)
    return Ranking(
        campaign=campaign,
        period=period,
        rules=rules,
        rows=ranked,
        groups=list(groups.values()),
        rounds=rounds,
        published_only=published_only,
    )
