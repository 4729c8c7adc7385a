"""Rankings of a round, the half-year and the year (DESIGN.md §5 rules 1–5), in one SQL query.

The query (aggregates over the scores, then window functions) computes, for every member unit of
each bloc during the period:

- per card: standard points, bonus capped by each bonus group's maximum, penalties capped by
  each penalty group's maximum, the core-task group's points and whether a veto is triggered
  (rule 1);
- per round: the counting card (the final card; or the mean of the submitted peer cards,
  trimmed of the highest and lowest from five cards up) (rule 2);
- per period: the mean or weighted mean of the rounds the unit has, or the year-end round;
  a unit that lacks a round the others have results for is flagged and ranked after the
  complete ones (rule 3). A round of the period that nobody has results for yet (not held,
  or not published for this reader) flags nobody: the ranking is provisional
  (`Ranking.pending` names the rounds it still lacks);
- the standard competition rank (1, 2, 2, 4) by total rounded to two decimals, then by the
  campaign's ordered tie-breaks; units still equal share the rank (rule 4).

`rankings_for()` ranks several campaigns (one per bloc, say) in that one query: every window
is partitioned by campaign, and each campaign's own rules (which card counts, the rounds of the
period and their weights, the tie-break order, published rounds only or not) are CASE
expressions on the campaign's id. `ranking_for()` is the one-campaign case.

Pages, exports, snapshots and PDFs all read these, so they show the same numbers.
Classification (rule 5) and the naming of the tie-break that applied are worked out in Python
from the query's rows: no further query.

Rounding is half away from zero, to two decimals, identical on PostgreSQL (exact NUMERIC) and
SQLite (binary floating point): a value is nudged by 1e-9 away from zero before `ROUND`, so
that 80.005 — stored by SQLite as 80.00499999… — still rounds to 80.01 as it does in
PostgreSQL. Scores have two decimals and the means divide by small counts, so no true value
lies within 1e-9 of a rounding boundary without being on it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import connection

from campaigns.models import Campaign
from scoring.models import (
    CriterionKind,
    RankingPeriod,
    RoundPeriod,
    RoundState,
    ScorecardKind,
    ScorecardState,
    ScoringRules,
)
from scoring.selectors.ranking.query import COLUMNS, MAX_LEVELS, Plan, RankingError, ranking_sql
from scoring.selectors.ranking.result import (
    LOWEST_BAND,
    NOT_SCORED,
    QUARTERS,
    ROUND_PERIODS,
    TIE_BREAK_LABELS,
    VETO_FLAG,
    GroupInfo,
    Ranking,
    RankingRow,
    TrendPoint,
    classify,
    divided_points,
    explain_ties,
    latest_period,
    period_label,
    period_rounds,
    periods_with_results,
    quantize_points,
    rules_text,
    to_points,
)

__all__ = [
    "LOWEST_BAND",
    "NOT_SCORED",
    "QUARTERS",
    "ROUND_PERIODS",
    "TIE_BREAK_LABELS",
    "VETO_FLAG",
    "GroupInfo",
    "Ranking",
    "RankingError",
    "RankingRow",
    "TrendPoint",
    "campaign_rules",
    "classify",
    "latest_period",
    "period_label",
    "period_rounds",
    "periods_with_results",
    "ranking_for",
    "rankings_for",
    "rules_text",
]


def campaign_rules(campaign: Campaign) -> ScoringRules:
    """The campaign's saved rules, else the defaults. No query when the campaign was loaded
    with `select_related("scoring_rules")`."""
    try:
        return campaign.scoring_rules
    except ScoringRules.DoesNotExist:
        return ScoringRules(campaign=campaign)


def rankings_for(
    *,
    campaigns: Sequence[Campaign],
    period: str,
    published_only: bool | Mapping[int, bool],
    rules: Mapping[int, ScoringRules] | None = None,
    details: bool = True,
) -> dict[int, Ranking]:
    """The rankings of several campaigns for `period` (a RankingPeriod value), by campaign id.
    One SQL query whatever the number of campaigns (none when there are none).

    `published_only`: restrict to published rounds (what members and observers may see),
    for all campaigns or per campaign id (missing ids count as restricted). `rules`: each
    campaign's ScoringRules by id; by default `campaign.scoring_rules` (load the campaigns with
    `select_related("scoring_rules")`) or the defaults. `details=False` leaves out the points
    per criteria group and the rounds outside the period (the trend), for overviews that need
    only ranks and totals."""
    period = RankingPeriod(period).value
    plans: list[Plan] = []
    for campaign in campaigns:
        chosen = (rules or {}).get(campaign.pk) or campaign_rules(campaign)
        restricted = (
            published_only.get(campaign.pk, True) if isinstance(published_only, Mapping) else published_only
        )
        plans.append(
            Plan(
                campaign=campaign,
                period=period,
                rules=chosen,
                rounds=period_rounds(period, chosen),
                published_only=bool(restricted),
            )
        )
    if not plans:
        return {}
    params: dict[str, object] = {
        "published": RoundState.PUBLISHED,
        "final": ScorecardKind.FINAL,
        "peer": ScorecardKind.PEER,
        "submitted": ScorecardState.SUBMITTED,
        "standard": CriterionKind.STANDARD,
        "bonus": CriterionKind.BONUS,
        "penalty": CriterionKind.PENALTY,
        "veto": CriterionKind.VETO,
    }
    with connection.cursor() as cursor:
        cursor.execute(ranking_sql(plans, details), params)
        records = cursor.fetchall()

    by_campaign: dict[int, list[dict]] = defaultdict(list)
    for record in records:
        values = dict(zip(COLUMNS, record, strict=True))
        if values["row_kind"] == 4:
            raise RankingError(
                f"Có bộ tiêu chí nhiều hơn {MAX_LEVELS} cấp (nhóm, tiêu chí, tiêu chí con…), chưa xếp hạng "
                "được; hãy gộp bớt các cấp tiêu chí con."
            )
        by_campaign[values["campaign_id"]].append(values)
    return {plan.campaign.pk: _ranking_from(plan, by_campaign[plan.campaign.pk]) for plan in plans}


def _max_standard(plan: Plan, periods: list[str], maxima: dict[str, Decimal]) -> Decimal | None:
    """The maximum standard score over the rounds a unit has, weighted as its total is."""
    weights = {p: plan.rounds[p] for p in periods if p in plan.rounds and maxima.get(p) is not None}
    if not weights:
        return None
    return quantize_points(sum(weights[p] * maxima[p] for p in weights) / sum(weights.values()))


def _ranking_from(plan: Plan, records: list[dict]) -> Ranking:
    units = sorted((r for r in records if r["row_kind"] == 0), key=lambda r: r["ord"])
    headings = sorted((r for r in records if r["row_kind"] == 2), key=lambda r: (r["ord"], r["group_code"]))
    groups = [GroupInfo(code=r["group_code"], title=r["group_title"], kind=r["group_kind"]) for r in headings]
    maxima = {r["group_code"]: to_points(r["group_points"]) for r in records if r["row_kind"] == 3}
    rows: dict[int, RankingRow] = {}
    weight_sums: dict[int, object] = {}
    for r in units:
        scored = r["total"] is not None
        trend = {p: to_points(r[f"q_{p.value}"]) for p in ROUND_PERIODS if r[f"q_{p.value}"] is not None}
        row = rows[r["unit_id"]] = RankingRow(
            unit_id=r["unit_id"],
            name=r["name"],
            short_name=r["short_name"] or "",
            code=r["code"] or "",
            rank=r["rank"] if scored else None,
            tied=scored and r["same_after"] > 1,
            total=to_points(r["total"]),
            standard=to_points(r["standard"]),
            bonus=to_points(r["bonus"]),
            penalty=to_points(r["penalty"]),
            core=to_points(r["core"]),
            max_standard=_max_standard(plan, list(trend), maxima) if scored else None,
            disqualified=bool(r["vetoed"]),
            missing=[],
            quarters={p: trend.get(p) for p in plan.rounds},
            trend_totals=trend,
            groups=dict.fromkeys((g.code for g in groups), Decimal("0.00")) if scored else {},
        )
        row.classification = classify(row.total, row.max_standard, plan.rules.bands)
        weight_sums[row.unit_id] = r["weight_sum"]
    for r in records:
        row = rows.get(r["unit_id"]) if r["row_kind"] == 1 else None
        if row is not None and row.is_scored and r["group_code"] in row.groups:
            points = divided_points(r["group_points"], weight_sums[row.unit_id])
            row.groups[r["group_code"]] = points if points is not None else Decimal("0.00")
    ranked = list(rows.values())
    with_results = {p for row in ranked for p in row.trend_totals}
    for row in ranked:
        row.missing = [
            RoundPeriod(p).label
            for p in plan.rounds
            if (p in with_results or not row.is_scored) and row.quarters[p] is None
        ]
    explain_ties(ranked, plan.rules.tie_breaks or [])
    return Ranking(
        campaign=plan.campaign,
        period=plan.period,
        rules=plan.rules,
        rows=ranked,
        groups=groups,
        rounds=plan.rounds,
        published_only=plan.published_only,
        rounds_with_results=[p for p in ROUND_PERIODS if p in with_results],
    )


def ranking_for(*, campaign: Campaign, period: str, rules: ScoringRules, published_only: bool) -> Ranking:
    """The ranking of `campaign`'s units for `period` (a RankingPeriod value). One SQL query.

    `rules` is the campaign's ScoringRules (load the campaign with
    `select_related("scoring_rules")`, or pass `scoring_rules_for(campaign)`);
    `published_only` restricts the ranking to published rounds (what members and observers
    may see)."""
    return rankings_for(
        campaigns=[campaign], period=period, published_only=published_only, rules={campaign.pk: rules}
    )[campaign.pk]
