"""The ranking selector (DESIGN.md §5 rules 1–5) on small, exact data: totals and caps, vetoes,
ties and tie-breaks, missing quarters, each way of aggregating the year, the peer mean, published
rounds only, and several blocs ranked in one query. The suite runs on SQLite and PostgreSQL
alike and must give the same numbers on both."""

from __future__ import annotations

from decimal import Decimal

import pytest

from blocs.tests.factories import BlocFactory, UnitFactory
from campaigns.models import Campaign
from scoring.models import Criterion, CriterionKind, RoundState, ScorecardKind, ScorecardState, ScoringRules
from scoring.selectors.ranking import (
    RankingError,
    latest_period,
    periods_with_results,
    ranking_for,
    rankings_for,
)
from scoring.tests.ranking_factories import (
    campaign_of,
    card,
    criteria_set,
    make_round,
    member,
    members_of,
    standard,
)

D = Decimal


def rank(campaign, period="q1", published_only=False, **rules):
    stored = ScoringRules.objects.filter(campaign=campaign).first() or ScoringRules(campaign=campaign)
    for name, value in rules.items():
        setattr(stored, name, value)
    return ranking_for(campaign=campaign, period=period, rules=stored, published_only=published_only)


def by_name(ranking):
    return {row.name: row for row in ranking.rows}


@pytest.fixture
def bloc(db):
    """A bloc of three members, A, B and C (sorted so in Vietnamese)."""
    bloc = BlocFactory(name="Khối kiểm thử")
    for name, code in (("Đơn vị A", "DVA"), ("Đơn vị B", "DVB"), ("Đơn vị C", "DVC")):
        member(bloc, name, code)
    return bloc


@pytest.fixture
def units(bloc):
    return members_of(bloc)


@pytest.fixture
def campaign(bloc):
    return campaign_of(bloc)


# --- Rule 1: a round's total ------------------------------------------------------------------

TOTALS = [
    # (points, standard, bonus, penalty, total, core, groups)
    pytest.param(
        standard(37, core=22) | {"3.1": 4, "3.2": 3, "4.1": 3, "4.2": 2},
        "37.00", "5.00", "4.00", "38.00", "22.00", {"1": "15.00", "2": "22.00", "3": "5.00", "4": "4.00"},
        id="bonus-and-penalty-capped",
    ),
    pytest.param(
        standard(30, core=20) | {"3.1": 2, "4.1": 1.5},
        "30.00", "2.00", "1.50", "30.50", "20.00", {"1": "10.00", "2": "20.00", "3": "2.00", "4": "1.50"},
        id="under-the-caps",
    ),
    pytest.param(
        standard(12.25, core=2.25),
        "12.25", "0.00", "0.00", "12.25", "2.25", {"1": "10.00", "2": "2.25", "3": "0.00", "4": "0.00"},
        id="standard-only",
    ),
    pytest.param(
        {"1.1": 1, "4.1": 10, "4.2": 10},
        "1.00", "0.00", "4.00", "-3.00", "0.00", {"1": "1.00", "2": "0.00", "3": "0.00", "4": "4.00"},
        id="penalties-exceed-points",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("points", "std", "bonus", "penalty", "total", "core", "groups"), TOTALS)
def test_round_total_is_standard_plus_capped_bonus_minus_capped_penalty(
    campaign, units, points, std, bonus, penalty, total, core, groups
):
    card(make_round(campaign, "q1"), units[0], points)
    row = by_name(rank(campaign))["Đơn vị A"]
    assert (row.standard, row.bonus, row.penalty, row.total, row.core) == (
        D(std), D(bonus), D(penalty), D(total), D(core),
    )  # fmt: skip
    assert row.groups == {code: D(value) for code, value in groups.items()}
    assert row.max_standard == D(50)


def test_caps_apply_per_group_not_per_card(campaign, units):
    """Two bonus groups of cap 5 each: 4 + 4 stays 8 (one cap of 5 on the sum would give 5)."""
    criteria = criteria_set(campaign)
    extra = Criterion.objects.create(
        criteria_set=criteria,
        code="6",
        title="Thưởng khác",
        kind=CriterionKind.BONUS,
        max_points=5,
        position=6,
    )
    Criterion.objects.create(
        criteria_set=criteria, parent=extra, code="6.1", title="x", kind=CriterionKind.BONUS, max_points=5
    )
    card(make_round(campaign, "q1"), units[0], standard(20) | {"3.1": 4, "6.1": 4})
    row = rank(campaign).rows[0]
    assert (row.bonus, row.total) == (D(8), D(28))
    assert [g.code for g in rank(campaign).groups] == ["1", "2", "3", "4", "6"]


def test_unscored_member_is_listed_last_without_rank(campaign, units):
    card(make_round(campaign, "q1"), units[0], standard(30))
    rows = rank(campaign).rows
    assert [(r.name, r.rank_label, r.is_scored) for r in rows] == [
        ("Đơn vị A", "1", True),
        ("Đơn vị B", "–", False),
        ("Đơn vị C", "–", False),
    ]


# --- Vetoes -------------------------------------------------------------------------------------


def test_veto_flags_but_still_ranks_and_cannot_lead(campaign, units):
    q1 = make_round(campaign, "q1")
    card(q1, units[0], standard(45) | {"5.1": 1})
    card(q1, units[1], standard(40))
    card(q1, units[2], standard(35) | {"5.1": 0})
    ranking = rank(campaign)
    rows = by_name(ranking)
    assert (rows["Đơn vị A"].rank, rows["Đơn vị A"].disqualified) == (1, True)
    assert not rows["Đơn vị C"].disqualified
    assert ranking.leader.name == "Đơn vị B"
    assert "5" not in rows["Đơn vị A"].groups  # the veto group is a flag, not points


def test_veto_in_any_round_of_the_period_disqualifies(campaign, units):
    card(make_round(campaign, "q1"), units[0], standard(45) | {"5.1": 1})
    card(make_round(campaign, "q2"), units[0], standard(45))
    assert by_name(rank(campaign, "h1"))["Đơn vị A"].disqualified
    assert not by_name(rank(campaign, "q2"))["Đơn vị A"].disqualified


# --- Rule 4: ties ---------------------------------------------------------------------------------


def test_three_way_tie_ranks_1_2_2_2_5(bloc, campaign, units):
    more = [member(bloc, "Đơn vị D", "DVD"), member(bloc, "Đơn vị Đ", "DVDD")]
    q1 = make_round(campaign, "q1")
    for unit, total in zip([*units, *more], [30, 40, 30, 20, 30], strict=True):
        card(q1, unit, standard(total, core=20))
    ranking = rank(campaign)
    assert [(r.name, r.rank_label) for r in ranking.rows] == [
        ("Đơn vị B", "1"),
        ("Đơn vị A", "2="),
        ("Đơn vị C", "2="),
        ("Đơn vị Đ", "2="),
        ("Đơn vị D", "5"),
    ]
    assert ranking.rows[1].tie_note == "bằng điểm, đồng hạng"
    assert ranking.rows[1].tie_flag == "Bằng điểm – đồng hạng"
    assert ranking.leader.name == "Đơn vị B"


TIES = [
    # (A's points, B's points, tie-break order, expected order, A's tie_break, both still tied)
    pytest.param(
        standard(30, core=15), standard(32, core=15) | {"4.1": 2},
        ["fewer_penalty", "core_group"], ["Đơn vị A", "Đơn vị B"], ["fewer_penalty"], False,
        id="fewer-penalty-wins",
    ),
    pytest.param(
        standard(30, core=10), standard(30, core=15),
        ["fewer_penalty", "core_group"], ["Đơn vị B", "Đơn vị A"], ["core_group"], False,
        id="core-group-decides-when-penalties-equal",
    ),
    pytest.param(
        standard(30, core=10), standard(30, core=10),
        ["fewer_penalty", "core_group"], ["Đơn vị A", "Đơn vị B"], [], True,
        id="tie-left-standing",
    ),
    pytest.param(
        standard(30, core=10), standard(32, core=20) | {"4.1": 2},
        ["fewer_penalty", "core_group"], ["Đơn vị A", "Đơn vị B"], ["fewer_penalty"], False,
        id="default-order-penalty-first",
    ),
    pytest.param(
        standard(30, core=10), standard(32, core=20) | {"4.1": 2},
        ["core_group", "fewer_penalty"], ["Đơn vị B", "Đơn vị A"], ["core_group"], False,
        id="reversed-order-changes-the-result",
    ),
    pytest.param(
        standard(30, core=10), standard(32, core=20) | {"4.1": 2},
        [], ["Đơn vị A", "Đơn vị B"], [], True,
        id="no-tie-breaks-keeps-the-tie",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("points_a", "points_b", "order", "expected", "break_a", "tied"), TIES)
def test_tie_breaks(campaign, units, points_a, points_b, order, expected, break_a, tied):
    q1 = make_round(campaign, "q1")
    card(q1, units[0], points_a)
    card(q1, units[1], points_b)
    card(q1, units[2], standard(10))
    ranking = rank(campaign, tie_breaks=order)
    top = ranking.rows[:2]
    assert [r.name for r in top] == expected
    assert [r.rank for r in top] == ([1, 1] if tied else [1, 2])
    assert all(r.tied == tied for r in top)
    assert by_name(ranking)["Đơn vị A"].tie_break == break_a
    assert all(r.shares_total for r in top)
    assert ranking.rows[2].rank == 3 and not ranking.rows[2].shares_total
    assert ranking.has_ties


def test_tie_flag_names_the_tie_break(campaign, units):
    q1 = make_round(campaign, "q1")
    card(q1, units[0], standard(30, core=15))
    card(q1, units[1], standard(32, core=15) | {"4.1": 2})
    row = rank(campaign).rows[0]
    assert row.tie_flag == "Bằng điểm – xét ít điểm trừ hơn"
    assert row.tie_note == "bằng điểm, xếp trên/dưới theo tiêu chí phụ: ít điểm trừ hơn"


# --- Rule 3: periods, missing quarters, aggregation -------------------------------------------


def test_half_year_is_the_mean_of_q1_and_q2(campaign, units):
    card(make_round(campaign, "q1"), units[0], standard(40))
    card(make_round(campaign, "q2"), units[0], standard(35))
    card(make_round(campaign, "q3"), units[0], standard(10))
    row = rank(campaign, "h1").rows[0]
    assert row.total == D("37.50")
    assert row.quarters == {"q1": D(40), "q2": D(35)}
    assert row.trend_totals == {"q1": D(40), "q2": D(35), "q3": D(10)}


def test_missing_quarter_is_flagged_and_ranked_after_complete_units(campaign, units):
    q1, q2 = make_round(campaign, "q1"), make_round(campaign, "q2")
    card(q1, units[0], standard(30))
    card(q2, units[0], standard(30))
    card(q1, units[1], standard(20))
    card(q2, units[1], standard(20))
    card(q1, units[2], standard(49))  # best score, but no Q2
    ranking = rank(campaign, "h1")
    assert [(r.name, r.rank, r.missing) for r in ranking.rows] == [
        ("Đơn vị A", 1, []),
        ("Đơn vị B", 2, []),
        ("Đơn vị C", 3, ["Quý II"]),
    ]
    c = ranking.rows[2]
    assert c.total == D(49) and c.missing_flag == "Thiếu Quý II"
    assert ranking.has_missing and ranking.pending == []
    assert [r.name for r in ranking.eligible_rows] == ["Đơn vị A", "Đơn vị B"]


def test_a_round_nobody_has_results_for_makes_the_ranking_provisional(campaign, units):
    """Mid-year, the year ranking averages the quarters held so far; nobody is 'missing'."""
    card(make_round(campaign, "q1"), units[0], standard(30))
    card(make_round(campaign, "q2"), units[0], standard(40))
    make_round(campaign, "q3")  # opened, no results yet
    ranking = rank(campaign, "year")
    assert ranking.rows[0].total == D(35) and ranking.rows[0].missing == []
    assert ranking.pending == ["Quý III", "Quý IV"]


AGGREGATIONS = [
    pytest.param({"aggregation": "mean"}, "25.00", id="mean"),
    pytest.param(
        {"aggregation": "weighted", "quarter_weights": [1, 1, 1, 2]}, "28.00", id="weighted-1-1-1-2"
    ),
    pytest.param({"aggregation": "weighted", "quarter_weights": [0, 0, 1, 3]}, "37.50", id="weighted-q3-q4"),
    pytest.param(
        {"aggregation": "weighted", "quarter_weights": [0.5, 0.5, 1, 1]}, "28.33", id="weighted-decimal"
    ),
    pytest.param({"aggregation": "year_end"}, "44.00", id="year-end-round"),
]


@pytest.mark.parametrize(("rules", "total"), AGGREGATIONS)
def test_year_aggregation(campaign, units, rules, total):
    for period, points in (("q1", 10), ("q2", 20), ("q3", 30), ("q4", 40), ("year", 44)):
        card(make_round(campaign, period), units[0], standard(points))
    ranking = rank(campaign, "year", **rules)
    assert ranking.rows[0].total == D(total)
    assert ranking.rows[0].missing == []


def test_weighted_rules_text_names_the_weights(campaign, units):
    card(make_round(campaign, "q1"), units[0], standard(10))
    text = rank(campaign, "year", aggregation="weighted", quarter_weights=[1, 1, 1, 2]).rules_text
    assert "Điểm cả năm = trung bình có trọng số (Quý I × 1, Quý II × 1, Quý III × 1, Quý IV × 2)." in text


def test_rounding_is_half_up_on_every_database(campaign, units):
    """(80.01 + 80.00) / 2 = 80.005 → 80.01; SQLite holds it as 80.00499…"""
    card(
        make_round(campaign, "q1"),
        units[0],
        {"1.1": "10", "1.2": "10", "2.1": "20", "2.2.1": "5", "2.2.2": "0.01"},
    )
    card(make_round(campaign, "q2"), units[0], {"1.1": "10", "1.2": "10", "2.1": "20", "2.2.1": "5"})
    row = rank(campaign, "h1").rows[0]
    assert row.total == D("45.01")
    assert row.groups["2"] == D("25.01")


def test_rounding_of_a_negative_mean_is_away_from_zero(campaign, units):
    card(make_round(campaign, "q1"), units[0], {"4.1": "0.01"})
    card(make_round(campaign, "q2"), units[0], {"1.1": "0"})
    assert rank(campaign, "h1").rows[0].total == D("-0.01")


# --- Rule 2: which card counts ------------------------------------------------------------------


PEER_RULES = {"card_basis": "peer_mean", "peer_scoring": True}


def _peer_cards(scoring_round, scored, authors, totals, state=ScorecardState.SUBMITTED):
    for author, total in zip(authors, totals, strict=False):
        card(scoring_round, scored, standard(total), kind=ScorecardKind.PEER, author=author, state=state)


def test_peer_mean_of_four_cards_is_the_plain_mean(bloc, campaign, units):
    authors = [UnitFactory() for _ in range(4)]
    q1 = make_round(campaign, "q1")
    _peer_cards(q1, units[0], authors, [10, 20, 30, 44])
    card(q1, units[0], standard(50))  # the final card does not count under peer_mean
    assert rank(campaign, **PEER_RULES).rows[0].total == D(26)


def test_peer_mean_of_five_cards_drops_the_highest_and_lowest(campaign, units):
    authors = [UnitFactory() for _ in range(5)]
    _peer_cards(make_round(campaign, "q1"), units[0], authors, [10, 20, 30, 40, 50])
    row = rank(campaign, **PEER_RULES).rows[0]
    assert row.total == D(30)
    assert row.groups["1"] == D(20)  # 20, 30 and 40 all have 20 points in group 1
    assert row.groups["2"] == D(10)


def test_peer_mean_with_equal_cards_drops_exactly_two(campaign, units):
    authors = [UnitFactory() for _ in range(5)]
    q1 = make_round(campaign, "q1")
    for author, core in zip(authors, [0, 3, 6, 9, 12], strict=True):
        card(q1, units[0], standard(20, core=core), kind=ScorecardKind.PEER, author=author)
    row = rank(campaign, **PEER_RULES).rows[0]
    assert row.total == D(20)
    assert row.core == D(6)  # the three middle cards by id: 3, 6, 9


def test_unsubmitted_peer_cards_are_ignored(campaign, units):
    authors = [UnitFactory() for _ in range(6)]
    q1 = make_round(campaign, "q1")
    _peer_cards(q1, units[0], authors[:4], [10, 20, 30, 40])
    _peer_cards(q1, units[0], authors[4:], [50, 50], state=ScorecardState.DRAFT)
    assert rank(campaign, **PEER_RULES).rows[0].total == D(25)


def test_self_cards_never_count(campaign, units):
    card(make_round(campaign, "q1"), units[0], standard(50), kind=ScorecardKind.SELF)
    assert not rank(campaign).rows[0].is_scored
    assert rank(campaign).is_empty


def test_veto_under_peer_mean_needs_a_majority_of_counted_cards(campaign, units):
    authors = [UnitFactory() for _ in range(3)]
    q1 = make_round(campaign, "q1")
    card(q1, units[0], standard(20) | {"5.1": 1}, kind=ScorecardKind.PEER, author=authors[0])
    card(q1, units[0], standard(20), kind=ScorecardKind.PEER, author=authors[1])
    card(q1, units[0], standard(20), kind=ScorecardKind.PEER, author=authors[2])
    card(q1, units[1], standard(20) | {"5.1": 1}, kind=ScorecardKind.PEER, author=authors[0])
    card(q1, units[1], standard(20) | {"5.1": 1}, kind=ScorecardKind.PEER, author=authors[1])
    rows = by_name(rank(campaign, **PEER_RULES))
    assert not rows["Đơn vị A"].disqualified
    assert rows["Đơn vị B"].disqualified


# --- Published rounds only ------------------------------------------------------------------------


def test_published_only_leaves_out_unpublished_rounds(campaign, units):
    card(make_round(campaign, "q1"), units[0], standard(40))
    card(make_round(campaign, "q2", RoundState.CLOSED), units[0], standard(20))
    card(make_round(campaign, "q3", RoundState.OPEN), units[1], standard(30))
    everything = rank(campaign, "year")
    published = rank(campaign, "year", published_only=True)
    assert everything.rows[0].total == D(30) and everything.rounds_with_results == ["q1", "q2", "q3"]
    assert by_name(published)["Đơn vị A"].total == D(40)
    assert not by_name(published)["Đơn vị B"].is_scored
    assert published.rounds_with_results == ["q1"]
    assert rank(campaign, "q2", published_only=True).is_empty


# --- Classification (rule 5), membership, ordering ---------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [(45, "Xuất sắc"), (44.99, "Tốt"), (40, "Tốt"), (32.5, "Khá"), (25, "Trung bình"), (24.99, "Yếu")],
)
def test_classification_bands_are_shares_of_the_standard_maximum(campaign, units, total, band):
    card(make_round(campaign, "q1"), units[0], standard(total))
    assert rank(campaign).rows[0].classification == band


def test_vietnamese_names_sort_in_dictionary_order(bloc, campaign):
    q1 = make_round(campaign, "q1")
    for name, code in (("Đoàn Z", "Z1"), ("Ánh", "Z2"), ("Zung", "Z3"), ("Dương", "Z4")):
        card(q1, member(bloc, name, code), standard(30))
    names = [r.name for r in rank(campaign).rows if r.total == D(30)]
    assert names == ["Ánh", "Dương", "Đoàn Z", "Zung"]


def test_a_unit_that_left_before_the_period_is_not_listed(bloc, campaign, units):
    from blocs.models import Membership

    Membership.objects.filter(unit=units[2]).update(left_on="2023-12-31")
    card(make_round(campaign, "q1"), units[0], standard(30))
    assert [r.name for r in rank(campaign).rows] == ["Đơn vị A", "Đơn vị B"]


def test_no_rounds_gives_an_empty_ranking(campaign):
    ranking = rank(campaign, "year")
    assert ranking.rows == [] and ranking.is_empty and ranking.leader is None and ranking.pending == []


def test_group_means_are_the_bloc_average(campaign, units):
    q1 = make_round(campaign, "q1")
    card(q1, units[0], standard(30, core=10))
    card(q1, units[1], standard(21, core=5))
    ranking = rank(campaign)
    assert ranking.group_means() == {"1": D("18.00"), "2": D("7.50"), "3": D(0), "4": D(0)}


def test_trend_of_a_quarter_shows_the_other_quarters(campaign, units):
    for period, points in (("q1", 30), ("q2", 35), ("q3", 32)):
        card(make_round(campaign, period), units[0], standard(points))
    ranking = rank(campaign, "q2")
    assert ranking.trend_periods == ["q1", "q2", "q3"]
    trend = ranking.rows[0].trend(ranking.trend_periods)
    assert [(p.total, p.arrow) for p in trend] == [(D(30), ""), (D(35), "up"), (D(32), "down")]
    assert ranking.available_periods == ["q1", "q2", "q3", "h1", "year"]


def test_the_ranking_is_one_query(campaign, units, django_assert_num_queries):
    for period in ("q1", "q2", "q3", "q4"):
        for unit in units:
            card(make_round(campaign, period), unit, standard(30))
    rules = ScoringRules(campaign=campaign)
    with django_assert_num_queries(1):
        ranking_for(campaign=campaign, period="year", rules=rules, published_only=True)


def test_a_tree_deeper_than_supported_is_refused(campaign, units):
    criteria = criteria_set(campaign)
    parent = Criterion.objects.get(criteria_set=criteria, code="1.1")
    for level in range(6):
        parent = Criterion.objects.create(
            criteria_set=criteria,
            parent=parent,
            code=f"1.1.{level}",
            title="x",
            kind="standard",
            max_points=1,
        )
    card(make_round(campaign, "q1"), units[0], {parent.code: 1})
    with pytest.raises(RankingError, match="nhiều hơn 6 cấp"):
        rank(campaign)


# --- Several blocs in one query -------------------------------------------------------------------


def test_rankings_for_several_campaigns_equal_their_own_rankings(
    bloc, campaign, units, django_assert_num_queries
):
    """Different rules per campaign: weights, tie-break order, peer cards, published only."""
    other = BlocFactory(name="Cụm kiểm thử")
    others = [member(other, "Đơn vị X", "DVX"), member(other, "Đơn vị Y", "DVY")]
    shared = member(other, "Đơn vị A2", "DVA2")
    ScoringRules.objects.create(campaign=campaign, aggregation="weighted", quarter_weights=[1, 1, 1, 2])
    second = campaign_of(
        other, tie_breaks=["core_group", "fewer_penalty"], card_basis="peer_mean", peer_scoring=True
    )
    for period, base in (("q1", 20), ("q2", 30), ("q3", 25), ("q4", 40)):
        scoring_round = make_round(campaign, period)
        card(scoring_round, units[0], standard(base))
        card(scoring_round, units[1], standard(base + 5) | {"4.1": 2})
        if period != "q3":
            card(scoring_round, units[2], standard(base + 5))
        peer_round = make_round(second, period, RoundState.PUBLISHED if period != "q4" else RoundState.CLOSED)
        for author in units:
            card(peer_round, others[0], standard(base), kind=ScorecardKind.PEER, author=author)
            card(
                peer_round, others[1], standard(base + 2) | {"4.1": 2}, kind=ScorecardKind.PEER, author=author
            )
        card(peer_round, shared, standard(base), kind=ScorecardKind.FINAL)  # not a peer card: ignored
    campaigns = list(Campaign.objects.filter(pk__in=[campaign.pk, second.pk]).select_related("scoring_rules"))
    restricted = {campaign.pk: False, second.pk: True}
    with django_assert_num_queries(1):
        together = rankings_for(campaigns=campaigns, period="year", published_only=restricted)
    for one in campaigns:
        alone = ranking_for(
            campaign=one,
            period="year",
            rules=ScoringRules.objects.get(campaign=one),
            published_only=restricted[one.pk],
        )
        assert together[one.pk].rows == alone.rows
        assert together[one.pk].groups == alone.groups
    first, peers = together[campaign.pk], together[second.pk]
    assert [(r.name, r.total, r.rank) for r in first.rows] == [
        ("Đơn vị B", D("34.00"), 1),
        ("Đơn vị A", D("31.00"), 2),
        ("Đơn vị C", D("37.50"), 3),  # no Q3: ranked after the complete units
    ]
    assert [(r.name, r.total, r.rank, r.tie_break) for r in peers.rows] == [
        ("Đơn vị Y", D(25), 1, ["core_group"]),
        ("Đơn vị X", D(25), 2, ["core_group"]),
        ("Đơn vị A2", None, None, []),
    ]
    assert peers.rounds_with_results == ["q1", "q2", "q3"]


def test_rankings_for_without_details_has_the_same_ranks(bloc, campaign, units):
    for period in ("q1", "q2"):
        for offset, unit in enumerate(units):
            card(make_round(campaign, period), unit, standard(20 + offset * 3) | {"3.1": offset})
    brief = rankings_for(campaigns=[campaign], period="h1", published_only=False, details=False)[campaign.pk]
    full = rank(campaign, "h1")
    assert [(r.unit_id, r.rank, r.total, r.core, r.bonus) for r in brief.rows] == [
        (r.unit_id, r.rank, r.total, r.core, r.bonus) for r in full.rows
    ]
    assert brief.groups == [] and all(r.groups == {} for r in brief.rows)


def test_rankings_for_nothing_runs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rankings_for(campaigns=[], period="year", published_only=True) == {}


# --- Which periods have results -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rounds", "aggregation", "latest", "available"),
    [
        (set(), "mean", None, []),
        ({"q1"}, "mean", "q1", ["q1", "h1", "year"]),
        ({"q1", "q2"}, "mean", "h1", ["q1", "q2", "h1", "year"]),
        ({"q1", "q2", "q3"}, "mean", "q3", ["q1", "q2", "q3", "h1", "year"]),
        ({"q1", "q2", "q3", "q4"}, "mean", "year", ["q1", "q2", "q3", "q4", "h1", "year"]),
        ({"q1", "q2", "q3", "q4"}, "year_end", "q4", ["q1", "q2", "q3", "q4", "h1"]),
        ({"q4", "year"}, "year_end", "year", ["q4", "year"]),
        ({"q2"}, "mean", "h1", ["q2", "h1", "year"]),
    ],
)
def test_latest_and_available_periods(rounds, aggregation, latest, available):
    rules = ScoringRules(aggregation=aggregation)
    assert latest_period(rounds, rules) == latest
    assert periods_with_results(rounds, rules) == available
