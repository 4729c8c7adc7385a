"""Pledge fulfilment at a review: for the pledge items a criterion measures, each unit's points
over the period against the criterion's maximum, reached only with full points (no points for
a penalty criterion), in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from awards.selectors.reviews import pledge_fulfilment
from awards.services.reviews import review_create
from awards.tests.factories import campaign_with_rounds
from blocs.tests.factories import MembershipFactory, UnitFactory
from campaigns.services.pledges import pledge_create, pledge_item_add, pledge_open
from scoring.models import Criterion
from scoring.tests.factories import campaign_for, sample_set

YEAR = 2024


def linked_campaign(world, extra=None, shares=None, periods=("q1", "q2")):
    """A campaign whose pledge items 1 (troops fit for duty) and 2 (absolute safety) are
    measured by criteria 4.1 and 8.2 (a penalty) of the sample set."""
    campaign = campaign_for(world.bloc, YEAR)
    criteria_set = sample_set(campaign, world.admin)
    pledge = pledge_create(campaign=campaign, title="Giao ước thi đua năm 2024", actor=world.admin)
    fit = pledge_item_add(
        pledge=pledge,
        content="Bảo đảm quân số khỏe",
        indicator="Tỷ lệ quân số khỏe",
        unit_of_measure="%",
        target_value=Decimal("98"),
        actor=world.admin,
    )
    safe = pledge_item_add(pledge=pledge, content="An toàn tuyệt đối về người, vũ khí", actor=world.admin)
    pledge_open(pledge=pledge, actor=world.admin)
    Criterion.objects.filter(criteria_set=criteria_set, code="4.1").update(pledge_item=fit)
    Criterion.objects.filter(criteria_set=criteria_set, code="8.2").update(pledge_item=safe)
    campaign_with_rounds(world.bloc, YEAR, list(periods), actor=world.admin, shares=shares, extra=extra)
    return campaign


def make_review(campaign, world):
    from datetime import date

    return review_create(
        campaign=campaign, kind="so_ket", held_on=date(2024, 7, 15), place="Hà Nội", actor=world.admin
    )


def test_each_unit_has_what_it_promised_against_what_it_achieved(world):
    campaign = linked_campaign(
        world,
        shares={world.unit_a: "1", world.unit_b: "0.9", world.unit_c: "0.8"},
        extra={(world.unit_b, "8.2"): "2"},
    )
    result = pledge_fulfilment(review=make_review(campaign, world))
    assert [(i.position, i.content, i.indicator, i.target, i.criteria) for i in result.items] == [
        (
            1,
            "Bảo đảm quân số khỏe",
            "Tỷ lệ quân số khỏe",
            "≥ 98 %",
            "4.1 Bảo đảm đời sống, quân số khỏe (từ 98% trở lên)",
        ),
        (2, "An toàn tuyệt đối về người, vũ khí", "", "", "8.2 Để xảy ra mất an toàn (mỗi vụ việc)"),
    ]
    assert result.round_labels == ["Quý I", "Quý II"]
    rows = {row.name: row for row in result.rows}
    fit_max = Criterion.objects.filter(code="4.1").first().max_points
    a_fit, a_safe = rows["Quân khu 1"].cells
    assert (a_fit.points, a_fit.max_points, a_fit.percent, a_fit.reached) == (fit_max, fit_max, 100, True)
    assert (a_safe.points, a_safe.reached, a_safe.percent) == (Decimal("0"), True, None)
    b_fit, b_safe = rows["Quân khu 2"].cells
    assert (b_fit.points, b_fit.reached, b_fit.percent) == (
        Decimal("5.25"),
        False,
        88,
    )  # 90 % in quarter points
    assert (b_safe.points, b_safe.reached) == (Decimal("2.00"), False)
    assert rows["Quân khu 1"].reached_count == 2 and rows["Quân khu 3"].reached_count == 1
    assert [(item.position, reached, scored) for item, reached, scored in result.reached_by_item()] == [
        (1, 1, 3),
        (2, 2, 3),
    ]


def test_the_mean_of_the_period_counts_and_full_points_once_is_not_enough(world):
    campaign = linked_campaign(
        world, shares={world.unit_a: "1", world.unit_b: "0.9", world.unit_c: "0.8"}, periods=("q1",)
    )
    campaign_with_rounds(
        world.bloc,
        YEAR,
        ["q2"],
        actor=world.admin,
        shares={world.unit_a: "0.8", world.unit_b: "0.9", world.unit_c: "0.8"},
    )
    result = pledge_fulfilment(review=make_review(campaign, world))
    cell = {row.name: row for row in result.rows}["Quân khu 1"].cells[0]
    assert cell.rounds_scored == 2 and cell.reached is False and 80 < cell.percent < 100


def test_unpublished_rounds_do_not_count(world):
    campaign = campaign_for(world.bloc, YEAR)
    criteria_set = sample_set(campaign, world.admin)
    pledge = pledge_create(campaign=campaign, title="Giao ước", actor=world.admin)
    item = pledge_item_add(pledge=pledge, content="Quân số khỏe", actor=world.admin)
    Criterion.objects.filter(criteria_set=criteria_set, code="4.1").update(pledge_item=item)
    campaign_with_rounds(world.bloc, YEAR, ["q1", "q2"], actor=world.admin, unpublished=("q2",))
    result = pledge_fulfilment(review=make_review(campaign, world))
    assert result.round_labels == ["Quý I"]
    assert all(row.cells[0].rounds_scored == 1 for row in result.rows)


def test_without_linked_criteria_there_is_nothing_to_compare(world):
    campaign = campaign_with_rounds(world.bloc, YEAR, ["q1", "q2"], actor=world.admin)
    result = pledge_fulfilment(review=make_review(campaign, world))
    assert result.is_empty and result.rows == []


@pytest.mark.parametrize("members", [3, 9])
def test_fulfilment_takes_a_fixed_number_of_queries(world, django_assert_num_queries, members):
    for number in range(4, members + 1):
        MembershipFactory(bloc=world.bloc, unit=UnitFactory(code=f"DV{number}", name=f"Đơn vị {number}"))
    campaign = linked_campaign(world)
    review = make_review(campaign, world)
    review.campaign = campaign
    with django_assert_num_queries(6):  # rules, rounds, attendance, criteria, cards, scores
        result = pledge_fulfilment(review=review)
    assert len(result.rows) == members
