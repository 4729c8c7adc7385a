"""The secretariat's whole-grid save (`final_grid_save`) and the grid's selectors: the rules each
cell must follow, all-or-nothing writes, the optimistic lock, closed and published rounds,
corrections with their reasons in the history, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blocs.models import AuditEvent
from blocs.tests.factories import MembershipFactory, UnitFactory
from scoring.models import Correction, CriteriaSet, Criterion, Score, Scorecard, ScorecardKind
from scoring.selectors.grid import card_total, cell_history, comparison_for, grid_for_round
from scoring.selectors.rounds import default_round_dates
from scoring.services.criteria import criteria_set_create, criteria_set_load_tree
from scoring.services.rounds import round_create
from scoring.services.scorecards import InvalidScores, ScoreConflict, final_grid_save, self_card_save
from scoring.tests.factories import campaign_for, close_round, published_round, round_with_sample
from thidua.lib.numbers import parse_decimal

# --- Helpers shared with the view tests ---------------------------------------------------------


def big_tree(per_group: int = 10) -> list[dict]:
    """A 60-leaf set: five standard groups of `per_group` leaves, a bonus and a penalty group of
    four leaves each, and two veto criteria."""
    groups = [
        {
            "code": str(g),
            "title": f"Nhóm tiêu chí số {g}",
            "kind": "standard",
            "children": [
                {"code": f"{g}.{i}", "title": f"Tiêu chí {g}.{i}", "max": "2"}
                for i in range(1, per_group + 1)
            ],
        }
        for g in range(1, 6)
    ]
    groups.append(
        {
            "code": "6",
            "title": "Điểm thưởng",
            "kind": "bonus",
            "max": "5",
            "children": [{"code": f"6.{i}", "title": f"Thưởng {i}", "max": "3"} for i in range(1, 5)],
        }
    )
    groups.append(
        {
            "code": "7",
            "title": "Điểm trừ",
            "kind": "penalty",
            "max": "10",
            "children": [{"code": f"7.{i}", "title": f"Trừ {i}", "max": "5"} for i in range(1, 5)],
        }
    )
    groups.append(
        {
            "code": "8",
            "title": "Tiêu chí phủ quyết",
            "kind": "veto",
            "children": [{"code": f"8.{i}", "title": f"Phủ quyết {i}"} for i in range(1, 3)],
        }
    )
    return groups


def round_with_tree(bloc, groups: list[dict], actor, period: str = "q1"):
    campaign = campaign_for(bloc)
    criteria_set = criteria_set_create(campaign=campaign, name="Bộ tiêu chí lớn", actor=actor)
    criteria_set_load_tree(criteria_set=criteria_set, groups=groups, actor=actor)
    dates = default_round_dates(campaign, period)
    return round_create(
        campaign=campaign,
        criteria_set=criteria_set,
        period=period,
        starts_on=dates.starts_on,
        ends_on=dates.ends_on,
        entry_deadline=dates.entry_deadline,
        actor=actor,
    )


def grow_bloc(bloc, units: int) -> None:
    """Add member units until the bloc has `units`."""
    have = bloc.memberships.count()
    for number in range(have + 1, units + 1):
        MembershipFactory(bloc=bloc, unit=UnitFactory(code=f"DV{number:02d}", name=f"Đơn vị {number:02d}"))


def leaves_of(scoring_round) -> dict[str, Criterion]:
    return {
        c.code: c
        for c in Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
    }


def stored(scoring_round, unit) -> dict[str, Decimal]:
    return dict(
        Score.objects.filter(
            scorecard__round=scoring_round, scorecard__kind=ScorecardKind.FINAL, scorecard__scored_unit=unit
        ).values_list("criterion__code", "points")
    )


def version_of(scoring_round, unit) -> int:
    card = Scorecard.objects.filter(round=scoring_round, scored_unit=unit, kind=ScorecardKind.FINAL).first()
    return card.version if card else 0


@pytest.fixture
def scoring_round(world):
    return round_with_sample(world.bloc, "q1", actor=world.admin)


@pytest.fixture
def leaves(scoring_round):
    return leaves_of(scoring_round)


def save(world, scoring_round, entries, versions=None, reason="", actor=None):
    return final_grid_save(
        scoring_round=scoring_round,
        entries=entries,
        base_versions=versions or {},
        actor=actor or world.secretary,
        reason=reason,
    )


# --- Cells ----------------------------------------------------------------------------------------


def test_a_whole_grid_is_written_at_once_with_versions_and_history(world, scoring_round, leaves):
    entries = {
        (world.unit_a.pk, leaves["1.1"].pk): Decimal("4.5"),
        (world.unit_a.pk, leaves["2.1"].pk): Decimal("9"),
        (world.unit_b.pk, leaves["1.1"].pk): Decimal("5"),
    }

    result = save(world, scoring_round, entries)

    assert (result.created, result.updated, result.deleted) == (3, 0, 0)
    assert result.versions[world.unit_a.pk] == 1 and result.versions[world.unit_b.pk] == 1
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("4.5"), "2.1": Decimal("9")}
    history = Score.history.filter(scorecard__scored_unit=world.unit_a)
    assert {h.history_user_id for h in history} == {world.secretary.pk}
    assert CriteriaSet.objects.get(pk=scoring_round.criteria_set_id).is_frozen
    assert AuditEvent.objects.filter(summary__contains="3 thêm, 0 sửa, 0 xóa").exists()


def test_changed_cells_are_updated_in_place_with_their_history_and_time(world, scoring_round, leaves):
    cell = (world.unit_a.pk, leaves["1.1"].pk)
    save(world, scoring_round, {cell: Decimal("4.5"), (world.unit_a.pk, leaves["2.1"].pk): Decimal("9")})
    before = Score.objects.get(scorecard__scored_unit=world.unit_a, criterion=leaves["1.1"])
    Score.objects.filter(pk=before.pk).update(updated_at=before.updated_at - timedelta(days=1))

    result = save(world, scoring_round, {cell: Decimal("3")}, {world.unit_a.pk: 1}, actor=world.admin)

    assert (result.created, result.updated, result.deleted) == (0, 1, 0)
    after = Score.objects.get(scorecard__scored_unit=world.unit_a, criterion=leaves["1.1"])
    assert after.pk == before.pk and after.points == Decimal("3")
    assert after.updated_at > before.updated_at - timedelta(hours=1)
    assert Score.objects.filter(scorecard__scored_unit=world.unit_a).count() == 2
    latest = Score.history.filter(id=before.pk).order_by("-history_id").first()
    assert (latest.history_type, latest.points, latest.history_user_id) == ("~", Decimal("3"), world.admin.pk)
    untouched = Score.history.filter(criterion=leaves["2.1"], scorecard__scored_unit=world.unit_a)
    assert untouched.count() == 1


@pytest.mark.parametrize("text", ["9,5", "9.5", " 9,50 "])
def test_a_comma_or_a_point_store_the_same_value(world, scoring_round, leaves, text):
    save(world, scoring_round, {(world.unit_a.pk, leaves["2.1"].pk): parse_decimal(text)})
    assert stored(scoring_round, world.unit_a) == {"2.1": Decimal("9.5")}


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("1.1", "5.01", "Tiêu chí 1.1: tối đa 5 điểm, đã nhập 5,01."),
        ("2.1", "-1", "Tiêu chí 2.1: điểm không được âm (điểm trừ nhập số dương)."),
        ("2.1", "9.555", "Tiêu chí 2.1: điểm chỉ lấy tối đa 2 chữ số sau dấu phẩy."),
        ("2.1", "NaN", "Tiêu chí 2.1: giá trị không phải là số."),
        ("2.1", "Infinity", "Tiêu chí 2.1: giá trị không phải là số."),
        ("2.1", "1" * 40, "Tiêu chí 2.1: tối đa 10 điểm, đã nhập một số quá lớn."),
        ("9.1", "0.5", "Tiêu chí phủ quyết 9.1 chỉ nhận 0 (không vi phạm) hoặc 1 (có vi phạm)."),
        ("9.1", "2", "Tiêu chí phủ quyết 9.1 chỉ nhận 0 (không vi phạm) hoặc 1 (có vi phạm)."),
        ("8.1", "10.5", "Tiêu chí 8.1: tối đa 10 điểm, đã nhập 10,5."),
    ],
)
def test_a_bad_cell_stops_the_whole_save_with_its_message(world, scoring_round, leaves, code, value, message):
    good = (world.unit_b.pk, leaves["1.1"].pk)
    bad = (world.unit_a.pk, leaves[code].pk)

    with pytest.raises(InvalidScores) as refused:
        save(world, scoring_round, {good: Decimal("4"), bad: Decimal(value)})

    assert refused.value.cells == {bad: f"Quân khu 1 – {message}"}
    assert not Score.objects.exists()
    assert not Scorecard.objects.exists()


def test_maxima_and_vetoes_at_their_bounds_are_accepted(world, scoring_round, leaves):
    entries = {
        (world.unit_a.pk, leaves["1.1"].pk): Decimal("5"),
        (world.unit_a.pk, leaves["2.1"].pk): Decimal("0"),
        (world.unit_a.pk, leaves["7.1"].pk): Decimal("5"),
        (world.unit_a.pk, leaves["8.1"].pk): Decimal("10"),
        (world.unit_a.pk, leaves["9.1"].pk): Decimal("1"),
        (world.unit_a.pk, leaves["9.2"].pk): Decimal("0"),
    }
    assert save(world, scoring_round, entries).created == 6


def test_cells_outside_the_grid_are_refused(world, scoring_round, leaves):
    group = Criterion.objects.get(criteria_set=scoring_round.criteria_set, code="1")
    with pytest.raises(InvalidScores) as refused:
        save(
            world,
            scoring_round,
            {
                (world.other_unit.pk, leaves["1.1"].pk): Decimal("1"),
                (world.unit_a.pk, group.pk): Decimal("1"),
            },
        )
    assert refused.value.general == [
        f"Tiêu chí mã số {group.pk} không thuộc bộ tiêu chí của đợt chấm.",
        f"Đơn vị mã số {world.other_unit.pk} không thuộc khối/cụm trong kỳ chấm này.",
    ]
    assert not Score.objects.exists()


def test_an_empty_cell_clears_the_score_and_the_history_keeps_it(world, scoring_round, leaves):
    cell = (world.unit_a.pk, leaves["1.1"].pk)
    save(world, scoring_round, {cell: Decimal("4")})

    result = save(world, scoring_round, {cell: None}, {world.unit_a.pk: 1})

    assert result.deleted == 1
    assert stored(scoring_round, world.unit_a) == {}
    history = cell_history(scoring_round=scoring_round, unit=world.unit_a, criterion=leaves["1.1"])
    assert [(c.action, c.old, c.new) for c in history.final] == [
        ("Xóa", Decimal("4"), None),
        ("Nhập", None, Decimal("4")),
    ]


def test_saving_unchanged_values_changes_nothing(world, scoring_round, leaves):
    cell = (world.unit_a.pk, leaves["1.1"].pk)
    save(world, scoring_round, {cell: Decimal("4.5")})

    result = save(world, scoring_round, {cell: Decimal("4.50")}, {world.unit_a.pk: 1})

    assert result.changed == 0
    assert version_of(scoring_round, world.unit_a) == 1


# --- The optimistic lock --------------------------------------------------------------------------


def test_a_save_from_a_stale_page_is_refused_naming_who_changed_what(world, scoring_round, leaves):
    first, second = (world.unit_a.pk, leaves["1.1"].pk), (world.unit_a.pk, leaves["1.2"].pk)
    save(world, scoring_round, {first: Decimal("4")}, actor=world.admin)

    with pytest.raises(ScoreConflict) as conflict:
        save(world, scoring_round, {first: Decimal("3"), second: Decimal("2")}, {world.unit_a.pk: 0})

    [card] = conflict.value.cards
    assert (card.unit_name, card.updated_by, card.version) == ("Quân khu 1", str(world.admin), 1)
    assert card.updated_at is not None
    assert card.cells == [("1.1", Decimal("4"), Decimal("3")), ("1.2", None, Decimal("2"))]
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("4")}


def test_after_a_conflict_a_save_with_the_current_versions_goes_through(world, scoring_round, leaves):
    cell = (world.unit_a.pk, leaves["1.1"].pk)
    save(world, scoring_round, {cell: Decimal("4")}, actor=world.admin)
    with pytest.raises(ScoreConflict) as conflict:
        save(world, scoring_round, {cell: Decimal("3")}, {world.unit_a.pk: 0})

    save(world, scoring_round, {cell: Decimal("3")}, {world.unit_a.pk: conflict.value.cards[0].version})

    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("3")}
    assert version_of(scoring_round, world.unit_a) == 2


def test_a_unit_not_in_the_entries_does_not_conflict(world, scoring_round, leaves):
    save(world, scoring_round, {(world.unit_b.pk, leaves["1.1"].pk): Decimal("4")}, actor=world.admin)

    save(world, scoring_round, {(world.unit_a.pk, leaves["1.1"].pk): Decimal("3")}, {})

    assert stored(scoring_round, world.unit_b) == {"1.1": Decimal("4")}
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("3")}


# --- Closed and published rounds -----------------------------------------------------------------


def test_a_closed_round_refuses_every_write(world, scoring_round, leaves):
    close_round(scoring_round, world.admin)
    with pytest.raises(ValidationError) as refused:
        save(world, scoring_round, {(world.unit_a.pk, leaves["1.1"].pk): Decimal("4")})
    assert "Đợt chấm đã khóa sổ" in refused.value.messages[0]
    assert not Score.objects.exists()


def test_a_published_round_refuses_a_change_without_a_reason(world):
    scoring_round = published_round(world.bloc, actor=world.admin)
    leaves = leaves_of(scoring_round)
    with pytest.raises(ValidationError) as refused:
        save(world, scoring_round, {(world.unit_a.pk, leaves["1.1"].pk): Decimal("4")}, reason="   ")
    assert refused.value.message_dict == {
        "reason": ["Đợt chấm đã công bố: mọi thay đổi là đính chính và phải nêu lý do."]
    }
    assert not Score.objects.exists()


def test_a_reason_longer_than_500_characters_is_refused(world):
    scoring_round = published_round(world.bloc, actor=world.admin)
    leaves = leaves_of(scoring_round)
    with pytest.raises(ValidationError) as refused:
        save(world, scoring_round, {(world.unit_a.pk, leaves["1.1"].pk): Decimal("4")}, reason="x" * 501)
    assert "không quá 500 ký tự" in refused.value.messages[0]


def test_a_correction_makes_a_new_version_with_its_reason_in_the_history(world):
    scoring_round = round_with_sample(world.bloc, "q2", actor=world.admin)
    leaves = leaves_of(scoring_round)
    a11, b11 = (world.unit_a.pk, leaves["1.1"].pk), (world.unit_b.pk, leaves["1.1"].pk)
    save(world, scoring_round, {a11: Decimal("4"), b11: Decimal("5")})
    close_round(scoring_round, world.admin)
    from scoring.services.rounds import round_publish

    round_publish(scoring_round=scoring_round, actor=world.admin)
    reason = "Theo biên bản phúc tra ngày 15/4"

    result = save(
        world,
        scoring_round,
        {a11: Decimal("4.5"), b11: Decimal("5")},
        {world.unit_a.pk: 1, world.unit_b.pk: 1},
        reason,
    )

    assert result.updated == 1
    [correction] = Correction.objects.all()
    assert correction.scorecard.scored_unit == world.unit_a
    assert (correction.version, correction.reason, correction.made_by) == (2, reason, world.secretary)
    assert correction.changes == [{"criterion": "1.1", "old": "4.00", "new": "4.5"}]
    history = cell_history(scoring_round=scoring_round, unit=world.unit_a, criterion=leaves["1.1"])
    assert [(c.old, c.new, c.reason) for c in history.final][0] == (Decimal("4"), Decimal("4.5"), reason)
    assert history.corrections == [correction]
    assert version_of(scoring_round, world.unit_b) == 1  # unchanged card: no new version


# --- Selectors ------------------------------------------------------------------------------------


def test_totals_cap_bonus_and_penalty_and_flag_a_veto(world, scoring_round, leaves):
    layout = grid_for_round(scoring_round=scoring_round).layout
    values = {
        leaves["1.1"].pk: Decimal("5"),
        leaves["2.1"].pk: Decimal("9.5"),
        leaves["7.1"].pk: Decimal("5"),
        leaves["7.2"].pk: Decimal("5"),  # bonus 10, capped at 10
        leaves["8.1"].pk: Decimal("10"),
        leaves["8.2"].pk: Decimal("10"),  # penalty 20, capped at 20
        leaves["9.1"].pk: Decimal("0"),
    }
    total = card_total(layout, values)
    assert (total.standard, total.bonus, total.penalty, total.total, total.vetoed) == (
        Decimal("14.5"),
        Decimal("10"),
        Decimal("20"),
        Decimal("4.5"),
        False,
    )
    assert card_total(layout, {**values, leaves["9.2"].pk: Decimal("1")}).vetoed


def test_the_grid_lists_members_in_vietnamese_order_with_both_cards(world, scoring_round, leaves):
    MembershipFactory(bloc=world.bloc, unit=UnitFactory(code="BTL", name="Bộ Tư lệnh Thủ đô Hà Nội"))
    MembershipFactory(bloc=world.bloc, unit=UnitFactory(code="DVA", name="Đoàn 1"))
    save(world, scoring_round, {(world.unit_a.pk, leaves["1.1"].pk): Decimal("4")})
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={leaves["1.1"].pk: Decimal("5")},
        base_version=0,
        actor=world.officer,
    )

    grid = grid_for_round(scoring_round=scoring_round)

    assert [c.unit.name for c in grid.columns] == [
        "Bộ Tư lệnh Thủ đô Hà Nội",
        "Đoàn 1",
        "Quân khu 1",
        "Quân khu 2",
        "Quân khu 3",
    ]
    assert grid.final == {(world.unit_a.pk, leaves["1.1"].pk): Decimal("4")}
    assert grid.self_scores == {(world.unit_a.pk, leaves["1.1"].pk): Decimal("5")}
    assert grid.versions[world.unit_a.pk] == 1 and grid.last_saved.updated_by == world.secretary
    [difference] = [
        row.cells[0]
        for row in comparison_for(grid, unit_ids=[world.unit_a.pk]).rows
        if row.criterion.code == "1.1"
    ]
    assert (difference.diff, difference.level) == (Decimal("-1"), "strong")


@pytest.mark.parametrize(("units", "groups"), [(3, None), (10, big_tree())])
def test_the_grid_selector_runs_four_queries(world, django_assert_num_queries, units, groups):
    grow_bloc(world.bloc, units)
    scoring_round = (
        round_with_tree(world.bloc, groups, world.admin)
        if groups
        else round_with_sample(world.bloc, actor=world.admin)
    )
    leaves = leaves_of(scoring_round)
    unit_ids = list(world.bloc.memberships.values_list("unit_id", flat=True))
    save(world, scoring_round, {(u, c.pk): Decimal("1") for u in unit_ids for c in leaves.values()})

    with django_assert_num_queries(4):
        grid = grid_for_round(scoring_round=scoring_round)
        rows = grid.rows()
    assert len(grid.final) == units * len(leaves)
    assert sum(1 for row in rows if row.kind == "leaf") == len(leaves)


def statements(captured) -> list[str]:
    """The queries, with a bulk INSERT or UPDATE that SQLite had to split into batches (it
    allows 999 variables per statement; PostgreSQL sends each in one) counted once."""
    merged: list[str] = []
    for query in captured:
        sql = query["sql"]
        head = sql.split(" (")[0] if sql.startswith("INSERT") else sql.split(" SET ")[0]
        if merged and sql.startswith(("INSERT", "UPDATE")) and merged[-1] == head:
            continue
        merged.append(head if sql.startswith(("INSERT", "UPDATE")) else sql[:120])
    return merged


def test_saving_a_full_10_by_60_grid_takes_at_most_15_queries(world):
    """DESIGN.md §8: a full 10 × 60 grid is saved in at most 15 queries."""
    grow_bloc(world.bloc, 10)
    scoring_round = round_with_tree(world.bloc, big_tree(), world.admin)
    leaves = list(leaves_of(scoring_round).values())
    assert len(leaves) == 60
    unit_ids = list(world.bloc.memberships.values_list("unit_id", flat=True))
    entries = {(u, c.pk): Decimal("1") for u in unit_ids for c in leaves}

    with CaptureQueriesContext(connection) as first:
        result = save(world, scoring_round, entries)
    assert result.created == 600
    with CaptureQueriesContext(connection) as second:
        result = save(
            world, scoring_round, {cell: Decimal("0") for cell in entries}, dict.fromkeys(unit_ids, 1)
        )
    assert result.updated == 600

    for captured in (first, second):
        counted = statements(captured.captured_queries)
        assert len(counted) <= 15, "\n".join(counted)
        if connection.vendor == "postgresql":
            assert len(captured.captured_queries) == len(counted)


def test_criteria_with_sub_criteria_appear_as_headings_above_their_leaves(world):
    tree = [
        {
            "code": "1",
            "title": "Huấn luyện",
            "children": [
                {
                    "code": "1.1",
                    "title": "Kết quả kiểm tra",
                    "children": [
                        {"code": "1.1.1", "title": "Bắn súng", "max": "4"},
                        {"code": "1.1.2", "title": "Thể lực", "max": "3,5"},
                    ],
                },
                {"code": "1.2", "title": "Diễn tập", "max": "2"},
            ],
        }
    ]
    scoring_round = round_with_tree(world.bloc, tree, world.admin)

    rows = grid_for_round(scoring_round=scoring_round).rows()

    assert [(row.kind, row.criterion.code) for row in rows] == [
        ("group", "1"),
        ("heading", "1.1"),
        ("leaf", "1.1.1"),
        ("leaf", "1.1.2"),
        ("leaf", "1.2"),
    ]
    assert rows[0].max_points == Decimal("9.5")
    assert rows[0].subtotals == [None, None, None]  # nothing scored yet
