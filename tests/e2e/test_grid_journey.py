"""Journey: the secretary of Khối thi đua số 2 opens the round's grid, types one unit's whole
column with the keyboard only (Enter and Tab go down the column), sees the total follow, saves
with the button, reloads and finds the same values written with a decimal comma."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from blocs.models import Bloc, Unit, User
from campaigns.models import Campaign
from campaigns.services.campaigns import campaign_create
from scoring.models import Criterion, CriterionKind, Score, ScorecardKind
from scoring.selectors.criteria import criteria_layout
from scoring.tests.factories import round_with_sample
from thidua.lib.numbers import format_decimal


def open_round():
    """Q1 of the bloc's 2026 campaign (the demo's, when it was seeded) on the sample criteria."""
    bloc = Bloc.objects.get(name="Khối thi đua số 2")
    secretary = User.objects.get(username="thuky.k2")
    campaign = Campaign.objects.filter(bloc=bloc, year=2026).first() or campaign_create(
        bloc=bloc, year=2026, name="Phong trào Thi đua Quyết thắng năm 2026", actor=secretary
    )
    return round_with_sample(bloc, "q1", actor=secretary, campaign=campaign)


def value_for(criterion: Criterion) -> Decimal:
    """Half of each maximum (4,5 of 9, 2,5 of 5, …); a veto is answered 0."""
    if criterion.kind == CriterionKind.VETO:
        return Decimal(0)
    return criterion.max_points / 2


def test_secretary_types_a_whole_column_with_the_keyboard(login, page, live_server, external_requests):
    scoring_round = open_round()
    leaves = criteria_layout(criteria_set=scoring_round.criteria_set).leaves  # top to bottom
    unit = Unit.objects.get(code="QK1")
    values = [value_for(leaf) for leaf in leaves]
    standard = sum(v for leaf, v in zip(leaves, values, strict=True) if leaf.kind == CriterionKind.STANDARD)
    bonus = sum(v for leaf, v in zip(leaves, values, strict=True) if leaf.kind == CriterionKind.BONUS)
    penalty = sum(v for leaf, v in zip(leaves, values, strict=True) if leaf.kind == CriterionKind.PENALTY)
    total = format_decimal(standard + min(bonus, Decimal(10)) - min(penalty, Decimal(20)))

    page = login("thuky.k2")
    page.goto(f"{live_server.url}/dot-cham/{scoring_round.pk}/bang-diem/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bảng điểm Quý I năm 2026")
    column = page.locator(f'input[name^="c-{unit.pk}-"]')
    expect(column).to_have_count(len(leaves))

    column.first.focus()
    for index, value in enumerate(values):
        page.keyboard.type(format_decimal(value))
        page.keyboard.press("Enter" if index % 2 == 0 else "Tab")  # both go down the column
    # After the column's last cell the cursor went on to the next unit's first cell.
    expect(page.locator("input.g-in:focus")).not_to_have_attribute("name", re.compile(rf"^c-{unit.pk}-"))
    expect(page.get_by_test_id(f"total-{unit.pk}").locator(".g-tot-n")).to_have_text(total)
    expect(page.locator("#grid-changed")).to_have_text(f"{len(leaves)} ô đã sửa, chưa lưu")

    page.get_by_role("button", name="Lưu bảng điểm").click()

    expect(page.locator(".messages")).to_contain_text(f"Đã lưu {len(leaves)} ô điểm")
    page.reload()
    for leaf, value in zip(leaves, values, strict=True):
        expect(page.locator(f'input[name="c-{unit.pk}-{leaf.pk}"]')).to_have_value(format_decimal(value))
    assert any("," in format_decimal(v) for v in values)  # some values are shown with a comma
    expect(page.get_by_test_id(f"total-{unit.pk}").locator(".g-tot-n")).to_have_text(total)
    stored = dict(
        Score.objects.filter(
            scorecard__round=scoring_round, scorecard__kind=ScorecardKind.FINAL, scorecard__scored_unit=unit
        ).values_list("criterion_id", "points")
    )
    assert stored == {leaf.pk: value for leaf, value in zip(leaves, values, strict=True)}
    assert external_requests == []


def test_a_cell_above_its_maximum_is_marked_as_it_is_typed(login, page, live_server):
    scoring_round = open_round()
    unit = Unit.objects.get(code="QK1")
    leaf = Criterion.objects.get(criteria_set=scoring_round.criteria_set, code="1.1")

    page = login("thuky.k2")
    page.goto(f"{live_server.url}/dot-cham/{scoring_round.pk}/bang-diem/")
    cell = page.locator(f'input[name="c-{unit.pk}-{leaf.pk}"]')
    cell.focus()
    page.keyboard.type("7")

    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(cell).to_have_attribute("title", "1.1: tối đa 5 điểm, đã nhập 7.")
    expect(page.locator("#grid-status")).to_have_text("1.1: tối đa 5 điểm, đã nhập 7.")
    page.keyboard.press("Escape")
    expect(cell).to_have_value("")
    expect(cell).not_to_have_attribute("aria-invalid", "true")
