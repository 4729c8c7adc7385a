"""Journey 1 (DESIGN.md §1): the secretary of Khối thi đua số 2 opens the late Quý III round from
her home page, enters the whole grid with the keyboard only, closes and publishes the round
(each after a confirmation that names it) and sees the ranking; her home page then shows the
quarter published and the new ranking."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal

from playwright.sync_api import expect

from blocs.models import Unit
from scoring.models import Criterion, CriterionKind, RoundState, Score, ScorecardKind, ScoringRound
from tests.e2e.conftest import confirm
from thidua.lib.numbers import format_decimal


def share_of(index: int) -> Decimal:
    """The grid's columns score 96 %, 93 %, 90 %… of each standard maximum."""
    return Decimal("0.96") - Decimal("0.03") * index


def value_for(criterion: Criterion, index: int) -> Decimal:
    if criterion.kind != CriterionKind.STANDARD:
        return Decimal(0)  # no bonus, no penalty, no veto this quarter
    return (criterion.max_points * share_of(index) * 4).quantize(Decimal(1), ROUND_DOWN) / 4


def test_secretary_enters_q3_by_keyboard_publishes_and_sees_the_ranking(
    sign_in, live_server, external_requests
):
    page = sign_in("thuky.k2")
    q3 = ScoringRound.objects.get(campaign__bloc__name="Khối thi đua số 2", campaign__year=2026, period="q3")

    todo = page.get_by_test_id("todo-item").first
    expect(todo).to_contain_text("Đợt chấm Quý III năm 2026 (Khối thi đua số 2) đã quá hạn nhập điểm")
    expect(page.get_by_test_id("missing-self")).to_contain_text("Quân khu 9")
    todo.get_by_role("link", name="Nhập bảng điểm").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Bảng điểm Quý III năm 2026")
    cells = page.locator("input.g-in")
    names = cells.evaluate_all("els => els.map(e => e.name)")  # row by row: criteria down, units across
    units: list[int] = []
    for name in names:
        unit_id = int(name.split("-")[1])
        if unit_id not in units:
            units.append(unit_id)
    leaves = {c.pk: c for c in Criterion.objects.filter(criteria_set=q3.criteria_set, children__isnull=True)}
    rows = []
    for name in names:
        leaf_id = int(name.split("-")[2])
        if leaf_id not in rows:
            rows.append(leaf_id)
    assert len(units) == 8 and len(names) == 8 * len(rows)

    # Enter (and Tab) go down a unit's column, then on to the next unit's first cell.
    page.locator(f'input[name="c-{units[0]}-{rows[0]}"]').focus()
    expected: dict[tuple[int, int], Decimal] = {}
    for index, unit_id in enumerate(units):
        for leaf_id in rows:
            value = value_for(leaves[leaf_id], index)
            expected[(unit_id, leaf_id)] = value
            page.keyboard.type(format_decimal(value))
            page.keyboard.press("Enter")
    expect(page.locator("#grid-changed")).to_have_text(f"{len(names)} ô đã sửa, chưa lưu")
    first_total = sum(v for (u, _), v in expected.items() if u == units[0])
    expect(page.get_by_test_id(f"total-{units[0]}").locator(".g-tot-n")).to_have_text(
        format_decimal(first_total)
    )
    page.get_by_role("button", name="Lưu bảng điểm").click()
    expect(page.locator(".messages")).to_contain_text(f"Đã lưu {len(names)} ô điểm")
    stored = {
        (s.scorecard.scored_unit_id, s.criterion_id): s.points
        for s in Score.objects.filter(
            scorecard__round=q3, scorecard__kind=ScorecardKind.FINAL
        ).select_related("scorecard")
    }
    assert stored == expected

    page.goto(f"{live_server.url}/dot-cham/{q3.pk}/")
    # "Quay lại" leaves the round open.
    page.get_by_role("button", name="Khóa sổ").click()
    page.get_by_role("dialog", name="Xác nhận").get_by_role("button", name="Quay lại").click()
    expect(page.get_by_role("dialog", name="Xác nhận")).to_be_hidden()
    assert ScoringRound.objects.get(pk=q3.pk).state == RoundState.OPEN

    page.get_by_role("button", name="Khóa sổ").click()
    confirm(page, "Khóa sổ", expect_question="Khóa sổ đợt chấm Quý III năm 2026 của Khối thi đua số 2?")
    expect(page.locator(".messages")).to_contain_text("Đã khóa sổ đợt chấm Quý III năm 2026.")
    page.get_by_role("button", name="Công bố kết quả").click()
    confirm(
        page,
        "Công bố kết quả",
        expect_question="Công bố kết quả đợt chấm Quý III năm 2026 của Khối thi đua số 2?",
    )
    expect(page.locator(".messages")).to_contain_text("đợt chấm Quý III năm 2026")
    assert ScoringRound.objects.get(pk=q3.pk).state == RoundState.PUBLISHED

    page.get_by_role("link", name="Xếp hạng").last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xếp hạng thi đua Quý III năm 2026")
    ranked = page.get_by_test_id("ranking-row")
    expect(ranked).to_have_count(8)
    best = Unit.objects.get(pk=units[0])
    expect(ranked.first).to_contain_text(best.name)
    expect(ranked.first.get_by_test_id("rank")).to_have_text("1")
    expect(page.locator("#ranking-chart")).to_be_visible()

    page.get_by_role("link", name=re.compile("Trang chủ")).first.click()
    expect(page.get_by_test_id("ranking-card").first).to_contain_text("Xếp hạng Quý III năm 2026")
    expect(page.get_by_test_id("todo")).not_to_contain_text("Quý III năm 2026 (Khối thi đua số 2) đã quá hạn")
    assert external_requests == []
