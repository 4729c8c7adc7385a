"""The ranking's one SQL query, written for PostgreSQL and SQLite alike (see the package's
docstring for what it computes and how it rounds)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from blocs.models import ICU_COLLATION
from campaigns.models import Campaign
from scoring.models import CardBasis, RoundPeriod, ScoringRules
from scoring.selectors.ranking.result import NUDGE_SQL, ROUND_PERIODS, TIE_BREAK_SQL


def _order_by_name(alias: str) -> str:
    if connection.vendor == "postgresql":
        return f'{alias}.name COLLATE "{ICU_COLLATION}"'
    return f"{alias}.sort_key"


def _round2(expression: str) -> str:
    """ROUND(…, 2) half away from zero, the same on PostgreSQL and SQLite (module docstring)."""
    return (
        f"ROUND(CASE WHEN ({expression}) < 0 THEN ({expression}) - {NUDGE_SQL} "
        f"ELSE ({expression}) + {NUDGE_SQL} END, 2)"
    )


# Criteria trees are read to this depth (group → criterion → sub-criterion is 3, DESIGN.md §4).
MAX_LEVELS = 6


class RankingError(ValueError):
    """The data cannot be ranked as it stands; the message is Vietnamese, for the user."""


def _number(value: Decimal) -> str:
    """A weight as an SQL numeric literal (validated Decimal, never user text)."""
    return format(Decimal(value).normalize(), "f")


@dataclass(frozen=True)
class Plan:
    """One campaign's part of the query: its rules, the rounds of the period and their weights."""

    campaign: Campaign
    period: str
    rules: ScoringRules
    rounds: dict[str, Decimal]
    published_only: bool

    @property
    def peer(self) -> bool:
        return self.rules.card_basis == CardBasis.PEER_MEAN

    def tie_key(self, position: int) -> str:
        """The SQL value of the campaign's `position`-th tie-break (0 when it has none): a
        number where higher is better, so that every tie-break sorts descending."""
        keys = [TIE_BREAK_SQL[t] for t in self.rules.tie_breaks or [] if t in TIE_BREAK_SQL]
        return keys[position] if position < len(keys) else "0"

    def weight_sql(self) -> str:
        """The weight of one of the campaign's rounds by its period; NULL outside the period."""
        whens = " ".join(f"WHEN '{RoundPeriod(p).value}' THEN {_number(w)}" for p, w in self.rounds.items())
        return f"CASE r.period {whens} END"


def _by_campaign(plans: list[Plan], value, column: str) -> str:
    """An SQL expression worth `value(plan)` (an SQL text) for each campaign: a CASE on the
    campaign id with one branch per distinct value (mostly one value for all campaigns)."""
    branches: dict[str, list[int]] = defaultdict(list)
    for plan in plans:
        branches[value(plan)].append(int(plan.campaign.pk))
    if len(branches) == 1:
        return next(iter(branches))
    whens = " ".join(f"WHEN {column} IN ({_id_list(ids)}) THEN {sql}" for sql, ids in branches.items())
    return f"CASE {whens} END"


def _id_list(ids) -> str:
    return ", ".join(str(int(i)) for i in ids)


# Columns of the query's result rows, by kind: 0 a unit and its figures for the period;
# 1 (details) a unit's weighted points in one criteria group, not yet divided by its weight sum;
# 2 (details) a criteria group of the campaign's sets; 3 the maximum standard score of one of
# the campaign's rounds (its period in group_code); 4 a criteria tree deeper than MAX_LEVELS.
_QUARTER_COLUMNS = [f"q_{p.value}" for p in ROUND_PERIODS]
COLUMNS = [
    "row_kind", "campaign_id", "unit_id", "name", "short_name", "code", "rank", "same_after",
    "weight_sum", "total", "standard", "bonus", "penalty", "core", "vetoed",
    *_QUARTER_COLUMNS, "group_code", "group_title", "group_kind", "group_points", "ord",
]  # fmt: skip


def _select(values: dict[str, str]) -> str:
    return ", ".join(f"{values.get(column, 'NULL')} AS {column}" for column in COLUMNS)


def _card_sql(cards: str) -> str:
    """`card_parts`: one row per counting card and class (rule 1), with the card's capped points
    in the class and what the class adds to its standard points, core-task points and total.

    The rounds (`rnd`) lead: PostgreSQL reads each round's cards and their scores through the
    indexes, streams the scores past a hash of `classes` (built from tables, so it knows its
    size) and sums them per card and class; nothing else is computed per score."""
    kind = "COALESCE(g.kind, CASE WHEN cs.class = -2 THEN %(veto)s ELSE %(standard)s END)"
    capped = (
        "CASE WHEN g.kind IN (%(bonus)s, %(penalty)s) AND g.max_points IS NOT NULL AND cs.points > g.max_points "
        "THEN g.max_points ELSE cs.points END"
    )
    return f"""card_sums AS (
    SELECT sc.id AS card_id, sc.round_id, sc.scored_unit_id AS unit_id, cl.class, SUM(s.points) AS points
    FROM rnd r
    JOIN scoring_scorecard sc ON sc.round_id = r.id
    JOIN scoring_score s ON s.scorecard_id = sc.id
    JOIN classes cl ON cl.id = s.criterion_id
    WHERE {cards}
    GROUP BY sc.id, sc.round_id, sc.scored_unit_id, cl.class
),
card_parts AS (
    SELECT cs.card_id, cs.round_id, cs.unit_id, {kind} AS kind, g.code AS group_code, {capped} AS points,
           CASE WHEN {kind} = %(standard)s THEN cs.points ELSE 0 END AS standard_part,
           CASE WHEN cs.class = -1 OR (g.kind = %(standard)s AND g.is_core) THEN cs.points ELSE 0 END
               AS core_part,
           CASE WHEN {kind} = %(penalty)s THEN -({capped}) WHEN {kind} = %(veto)s THEN 0 ELSE {capped} END
               AS total_part
    FROM card_sums cs
    LEFT JOIN scoring_criterion g ON g.id = cs.class
)"""


def ranking_sql(plans: list[Plan], details: bool) -> str:
    """The query. `details`: also the rounds of the year outside the period (for the trend) and
    the points per criteria group; without them it reads only the period's rounds.

    Each campaign's settings are written into the text as CASE expressions on its id (ids,
    validated numbers and choice values only, never user text). Past the scores (`_card_sql`)
    the query is aggregates and window functions rather than joins between intermediate
    results, whose sizes PostgreSQL cannot estimate: nested loops over those made a ranking of
    every bloc take seconds."""
    ids = _id_list(plan.campaign.pk for plan in plans)
    peer_ids = [plan.campaign.pk for plan in plans if plan.peer]
    open_ids = [plan.campaign.pk for plan in plans if not plan.published_only]
    periods = (
        ROUND_PERIODS if details else [p for p in ROUND_PERIODS if any(p in plan.rounds for plan in plans)]
    )
    period_list = ", ".join(f"'{p.value}'" for p in periods)
    rounds_filter = f"r.campaign_id IN ({ids}) AND r.period IN ({period_list})"
    if not open_ids:
        rounds_filter += " AND r.state = %(published)s"
    elif len(open_ids) < len(plans):
        rounds_filter += f" AND (r.state = %(published)s OR r.campaign_id IN ({_id_list(open_ids)}))"
    final_cards = "sc.kind = %(final)s"
    peer_cards = "sc.kind = %(peer)s AND sc.state = %(submitted)s"
    if not peer_ids:
        cards = final_cards
    elif len(peer_ids) == len(plans):
        cards = peer_cards
    else:
        listed = _id_list(peer_ids)
        cards = f"((r.campaign_id IN ({listed}) AND {peer_cards}) OR (r.campaign_id NOT IN ({listed}) AND {final_cards}))"
    weight = _by_campaign(plans, Plan.weight_sql, "r.campaign_id")
    key1 = _by_campaign(plans, lambda plan: plan.tie_key(0), "campaign_id")
    key2 = _by_campaign(plans, lambda plan: plan.tie_key(1), "campaign_id")
    config = ", ".join(f"({int(p.campaign.pk)}, {int(p.campaign.bloc_id)})" for p in plans)
    # A score's class: its criteria group with details; without, only what rule 1 keeps apart:
    # each bonus or penalty group (each has its cap), the veto, core and other standard points.
    if details:
        class_key = "g.id"
    else:
        class_key = (
            "CASE WHEN g.kind IN (%(bonus)s, %(penalty)s) THEN g.id WHEN g.kind = %(veto)s THEN -2 "
            "WHEN g.is_core THEN -1 ELSE 0 END"
        )
    # A criterion's group is its furthest ancestor: a chain of primary-key joins, which every
    # database plans well, rather than a recursive query, whose size PostgreSQL overestimates a
    # hundredfold (enough to switch on its JIT compiler for a 20-millisecond query).
    chain = ["c"] + [f"a{i}" for i in range(1, MAX_LEVELS)]
    ancestors = "\n    ".join(
        f"LEFT JOIN scoring_criterion {alias} ON {alias}.id = {child}.parent_id"
        for child, alias in zip(chain, chain[1:], strict=False)
    )
    root = f"COALESCE({', '.join(f'{alias}.id' for alias in reversed(chain))})"
    # A criterion with MAX_LEVELS ancestors lies deeper than the chain reaches.
    too_deep = "\n    ".join(
        f"JOIN scoring_criterion d{i} ON d{i}.id = d{i - 1}.parent_id" for i in range(1, MAX_LEVELS + 1)
    )
    card_sql = _card_sql(cards)
    if peer_ids:
        # Rule 2: a unit's peer cards in a round, best first; from five cards on, the highest
        # and the lowest are left out. Cards of equal total are told apart by id.
        counted = """
card_totals AS (
    SELECT cp.*,
           SUM(total_part) OVER (PARTITION BY card_id) AS card_total
    FROM card_parts cp
),
card_positions AS (
    SELECT ct.*,
           DENSE_RANK() OVER (PARTITION BY round_id, unit_id ORDER BY card_total DESC, card_id ASC) AS from_top,
           DENSE_RANK() OVER (PARTITION BY round_id, unit_id ORDER BY card_total ASC, card_id DESC) AS from_bottom
    FROM card_totals ct
),
card_counts AS (
    SELECT cp.*, MAX(from_top) OVER (PARTITION BY round_id, unit_id) AS card_count FROM card_positions cp
),
counted AS (
    SELECT cc.*, CASE WHEN card_count >= 5 THEN card_count - 2 ELSE card_count END AS n
    FROM card_counts cc
    WHERE card_count < 5 OR (from_top > 1 AND from_bottom > 1)
),"""
    else:
        counted = """
counted AS (SELECT cp.*, 1 AS n FROM card_parts cp),"""
    quarters = ",\n           ".join(
        f"MAX(CASE WHEN period = '{p.value}' THEN standard + bonus - penalty END) AS q_{p.value}"
        for p in ROUND_PERIODS
    )
    unit_values = {
        "row_kind": "0",
        "campaign_id": "rk.campaign_id",
        "unit_id": "u.id",
        "name": "u.name",
        "short_name": "u.short_name",
        "code": "u.code",
        "rank": "rk.rank",
        "same_after": "rk.same_after",
        "weight_sum": "rk.weight_sum",
        **{c: f"rk.{c}" for c in ("total", "standard", "bonus", "penalty", "core", "vetoed")},
        **{c: _round2(f"rk.{c}") for c in _QUARTER_COLUMNS},
        "ord": f"ROW_NUMBER() OVER (ORDER BY rk.campaign_id, rk.tier, rk.rank, {_order_by_name('u')}, u.id)",
    }
    maximum_values = {
        "row_kind": "3",
        "campaign_id": "rnd.campaign_id",
        "group_code": "rnd.period",
        "group_points": "lm.max_standard",
    }
    select = f"""
SELECT {_select(unit_values)}
FROM ranked rk
JOIN blocs_unit u ON u.id = rk.unit_id
UNION ALL
SELECT {_select(maximum_values)}
FROM rnd LEFT JOIN leaf_max lm ON lm.criteria_set_id = rnd.criteria_set_id
UNION ALL
SELECT {_select({"row_kind": "4"})}
WHERE EXISTS (
    SELECT 1 FROM scoring_criterion d0
    {too_deep}
    WHERE d0.criteria_set_id IN (SELECT criteria_set_id FROM rnd)
)"""
    group_ctes = ""
    if details:
        group_ctes = f""",
group_period AS (
    SELECT r.campaign_id, k.unit_id, k.group_code, SUM({weight} * k.points * 1.0 / k.n) AS points
    FROM counted k
    JOIN scoring_scoringround r ON r.id = k.round_id
    WHERE k.kind <> %(veto)s
    GROUP BY r.campaign_id, k.unit_id, k.group_code
),
groups_seen AS (
    SELECT sets.campaign_id, g.code, MIN(g.position) AS position, MAX(g.title) AS title, MAX(g.kind) AS kind
    FROM scoring_criterion g
    JOIN (SELECT DISTINCT campaign_id, criteria_set_id FROM rnd WHERE in_period = 1) sets
         ON sets.criteria_set_id = g.criteria_set_id
    WHERE g.parent_id IS NULL AND g.kind <> %(veto)s
    GROUP BY sets.campaign_id, g.code
)"""
        group_values = {
            "row_kind": "1",
            "campaign_id": "campaign_id",
            "unit_id": "unit_id",
            "group_code": "group_code",
            "group_points": "points",
        }
        heading_values = {
            "row_kind": "2",
            "campaign_id": "campaign_id",
            "group_code": "code",
            "group_title": "title",
            "group_kind": "kind",
            "ord": "position",
        }
        select += f"""
UNION ALL
SELECT {_select(group_values)} FROM group_period
UNION ALL
SELECT {_select(heading_values)} FROM groups_seen"""
    return f"""
WITH
cfg (campaign_id, bloc_id) AS (VALUES {config}),
rnd AS (
    SELECT r.id, r.campaign_id, r.period, r.criteria_set_id, r.starts_on, r.ends_on,
           CASE WHEN {weight} IS NULL THEN 0 ELSE 1 END AS in_period
    FROM scoring_scoringround r
    WHERE {rounds_filter}
),
classes AS (
    SELECT c.id, {class_key} AS class
    FROM scoring_criterion c
    {ancestors}
    JOIN scoring_criterion g ON g.id = {root}
    WHERE c.criteria_set_id IN (SELECT r.criteria_set_id FROM scoring_scoringround r WHERE {rounds_filter})
),
leaf_max AS (
    SELECT c.criteria_set_id, SUM(c.max_points) AS max_standard
    FROM scoring_criterion c
    WHERE c.criteria_set_id IN (SELECT criteria_set_id FROM rnd) AND c.kind = %(standard)s
          AND NOT EXISTS (SELECT 1 FROM scoring_criterion k WHERE k.parent_id = c.id)
    GROUP BY c.criteria_set_id
),
{card_sql},{counted}
unit_round AS (
    SELECT r.campaign_id, k.round_id, k.unit_id, r.period, {weight} AS weight,
           CASE WHEN {weight} IS NULL THEN 0 ELSE 1 END AS in_period,
           SUM(standard_part) * 1.0 / MAX(n) AS standard,
           SUM(CASE WHEN kind = %(bonus)s THEN points ELSE 0 END) * 1.0 / MAX(n) AS bonus,
           SUM(CASE WHEN kind = %(penalty)s THEN points ELSE 0 END) * 1.0 / MAX(n) AS penalty,
           SUM(core_part) * 1.0 / MAX(n) AS core,
           CASE WHEN COUNT(DISTINCT CASE WHEN kind = %(veto)s AND points >= 1 THEN card_id END) * 2 > MAX(n)
                THEN 1 ELSE 0 END AS vetoed
    FROM counted k
    JOIN scoring_scoringround r ON r.id = k.round_id
    GROUP BY r.id, k.round_id, k.unit_id
),
numbered_rounds AS (
    SELECT ur.*, DENSE_RANK() OVER (PARTITION BY campaign_id, in_period ORDER BY round_id) AS round_no
    FROM unit_round ur
),
span AS (
    SELECT campaign_id, MIN(starts_on) AS starts_on, MAX(ends_on) AS ends_on
    FROM rnd WHERE in_period = 1 GROUP BY campaign_id
),
members AS (
    SELECT span.campaign_id, m.unit_id
    FROM blocs_membership m
    JOIN cfg ON cfg.bloc_id = m.bloc_id
    JOIN span ON span.campaign_id = cfg.campaign_id
    WHERE m.joined_on <= span.ends_on AND (m.left_on IS NULL OR m.left_on >= span.starts_on)
),
unit_period AS (
    -- A member without results and a scored unit that is no longer a member both get a line.
    SELECT campaign_id, unit_id,
           MAX(is_member) AS is_member,
           SUM(in_period) AS rounds_scored,
           MAX(in_period * round_no) AS rounds_seen,
           SUM(weight) AS weight_sum,
           SUM(weight * (standard + bonus - penalty)) AS total,
           SUM(weight * standard) AS standard,
           SUM(weight * bonus) AS bonus,
           SUM(weight * penalty) AS penalty,
           SUM(weight * core) AS core,
           MAX(CASE WHEN in_period = 1 THEN vetoed END) AS vetoed,
           {quarters}
    FROM (
        SELECT campaign_id, unit_id, 0 AS is_member, in_period, round_no, period, weight,
               standard, bonus, penalty, core, vetoed
        FROM numbered_rounds
        UNION ALL
        SELECT campaign_id, unit_id, 1, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
        FROM members
    ) unit_rounds
    GROUP BY campaign_id, unit_id
),
rounded AS (
    SELECT campaign_id, unit_id, rounds_scored, weight_sum, vetoed,
           MAX(rounds_seen) OVER (PARTITION BY campaign_id) AS expected,
           {_round2("total / weight_sum")} AS total,
           {_round2("standard / weight_sum")} AS standard,
           {_round2("bonus / weight_sum")} AS bonus,
           {_round2("penalty / weight_sum")} AS penalty,
           {_round2("core / weight_sum")} AS core,
           {", ".join(_QUARTER_COLUMNS)}
    FROM unit_period
    WHERE is_member = 1 OR rounds_scored > 0
),
tiered AS (
    SELECT rd.*,
           CASE WHEN total IS NULL THEN 2 WHEN rounds_scored < expected THEN 1 ELSE 0 END AS tier,
           {key1} AS key1,
           {key2} AS key2
    FROM rounded rd
),
ranked AS (
    SELECT t.*,
           RANK() OVER (PARTITION BY campaign_id ORDER BY tier, total DESC, key1 DESC, key2 DESC) AS rank,
           COUNT(*) OVER (PARTITION BY campaign_id, tier, total, key1, key2) AS same_after
    FROM tiered t
){group_ctes}{select}
"""
