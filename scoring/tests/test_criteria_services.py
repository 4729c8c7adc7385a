"""Criteria sets through the services: loading a tree, versions, copies, the freeze, editing
single criteria, and reading criteria from an Excel sheet."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook

from campaigns.tests.factories import CampaignFactory
from scoring.models import CriteriaSet, Criterion, CriterionKind
from scoring.selectors.criteria import criteria_layout
from scoring.services import criteria as services
from scoring.services.criteria_excel import (
    criteria_import_tree,
    criteria_sheet_bytes,
    read_criteria_sheet,
)
from scoring.tests.factories import CriteriaSetFactory, sample_set

GOOD_TREE = [
    {
        "code": "1",
        "title": "Huấn luyện",
        "core": True,
        "children": [
            {"code": "1.1", "title": "Kết quả huấn luyện", "max": "60"},
            {
                "code": "1.2",
                "title": "Hội thi, hội thao",
                "children": [
                    {"code": "1.2.1", "title": "Hội thi cấp trên", "max": "25,5"},
                    {"code": "1.2.2", "title": "Hội thao", "max": 14.5},
                ],
            },
        ],
    },
    {
        "code": "2",
        "title": "Điểm thưởng",
        "kind": "bonus",
        "max": "5",
        "children": [{"code": "2.1", "title": "Khen thưởng", "max": 5}],
    },
    {
        "code": "3",
        "title": "Phủ quyết",
        "kind": "veto",
        "children": [{"code": "3.1", "title": "Mất an toàn nghiêm trọng"}],
    },
]


def codes(criteria_set: CriteriaSet) -> list[str]:
    return list(criteria_set.criteria.order_by("position", "pk").values_list("code", flat=True))


def children_codes(criteria_set: CriteriaSet, parent_code: str | None) -> list[str]:
    siblings = (
        criteria_set.criteria.filter(parent__code=parent_code)
        if parent_code
        else criteria_set.criteria.filter(parent=None)
    )
    return list(siblings.order_by("position", "pk").values_list("code", flat=True))


def freeze(criteria_set: CriteriaSet) -> None:
    CriteriaSet.objects.filter(pk=criteria_set.pk).update(frozen_at=timezone.now())
    criteria_set.refresh_from_db()


@pytest.fixture
def empty_set(world) -> CriteriaSet:
    return CriteriaSetFactory(campaign=CampaignFactory(bloc=world.bloc, year=2025))


# --- Loading a tree -----------------------------------------------------------------------------


def test_the_sample_set_loads_with_100_standard_points(world):
    criteria_set = sample_set(CampaignFactory(bloc=world.bloc), world.secretary)
    layout = criteria_layout(criteria_set=criteria_set)
    assert layout.standard_max == Decimal(100)
    assert [g.kind for g in layout.groups][-3:] == ["bonus", "penalty", "veto"]
    assert criteria_set.criteria.get(code="2").is_core
    assert criteria_set.criteria.get(code="9.1").max_points is None


def test_a_tree_loads_with_levels_kinds_and_decimal_commas(world, empty_set):
    count = services.criteria_set_load_tree(criteria_set=empty_set, groups=GOOD_TREE, actor=world.secretary)
    assert count == 9
    sub = empty_set.criteria.get(code="1.2.1")
    assert sub.parent.code == "1.2" and sub.parent.parent.code == "1"
    assert sub.max_points == Decimal("25.5")
    assert empty_set.criteria.get(code="2.1").kind == CriterionKind.BONUS
    assert empty_set.criteria.get(code="3.1").kind == CriterionKind.VETO
    assert criteria_layout(criteria_set=empty_set).standard_max == Decimal(100)


@pytest.mark.parametrize(
    ("tree", "problem"),
    [
        ([], "không có nhóm tiêu chí nào"),
        (
            [{"code": "", "title": "A", "children": [{"code": "1.1", "title": "B", "max": 1}]}],
            "thiếu mã tiêu chí",
        ),
        ([{"code": "1" * 21, "title": "A", "max": 1}], "mã tiêu chí quá 20 ký tự"),
        ([{"code": "1", "title": "", "max": 1}], "thiếu nội dung tiêu chí"),
        ([{"code": "1", "title": "A" * 501, "max": 1}], "nội dung tiêu chí quá 500 ký tự"),
        ([{"code": "1", "title": "A", "children": [{"code": "1.1", "title": "B"}]}], "thiếu điểm tối đa"),
        (
            [{"code": "1", "title": "A", "children": [{"code": "1.1", "title": "B", "max": "abc"}]}],
            "không phải là số",
        ),
        ([{"code": "1", "title": "A", "children": [{"code": "1.1", "title": "B", "max": 0}]}], "lớn hơn 0"),
        (
            [{"code": "1", "title": "A", "children": [{"code": "1.1", "title": "B", "max": "100000"}]}],
            "4 chữ số",
        ),
        (
            [{"code": "1", "title": "A", "children": [{"code": "1.1", "title": "B", "max": "1.234"}]}],
            "2 chữ số thập phân",
        ),
        ([{"code": "1", "title": "A", "max": 1}, {"code": "1", "title": "B", "max": 1}], "bị trùng"),
        ([{"code": "1", "title": "A", "kind": "gold", "max": 1}], "không hợp lệ"),
        (
            [
                {
                    "code": "7",
                    "title": "Thưởng",
                    "kind": "bonus",
                    "children": [{"code": "7.1", "title": "B", "max": 1}],
                }
            ],
            "thiếu điểm tối đa",
        ),
        (
            [
                {
                    "code": "1",
                    "title": "A",
                    "children": [{"code": "1.1", "title": "B", "kind": "bonus", "max": 1}],
                }
            ],
            "cùng loại với nhóm",
        ),
    ],
)
def test_a_bad_tree_is_refused_whole_with_every_problem(world, empty_set, tree, problem):
    services.criteria_set_load_tree(criteria_set=empty_set, groups=GOOD_TREE, actor=world.secretary)
    before = codes(empty_set)
    with pytest.raises(ValidationError) as caught:
        services.criteria_set_load_tree(criteria_set=empty_set, groups=tree, actor=world.secretary)
    assert any(problem in message for message in caught.value.messages), caught.value.messages
    assert codes(empty_set) == before


def test_loading_again_replaces_the_criteria(world, empty_set):
    services.criteria_set_load_tree(criteria_set=empty_set, groups=GOOD_TREE, actor=world.secretary)
    services.criteria_set_load_tree(
        criteria_set=empty_set,
        groups=[{"code": "A", "title": "Một nhóm", "children": [{"code": "A.1", "title": "X", "max": 100}]}],
        actor=None,
    )
    assert codes(empty_set) == ["A", "A.1"]


# --- Versions, copies, the freeze -------------------------------------------------------------------


def test_a_new_version_copies_the_tree_and_stays_editable(world):
    original = sample_set(CampaignFactory(bloc=world.bloc), world.secretary)
    freeze(original)
    new = services.criteria_set_new_version(criteria_set=original, actor=world.secretary)
    assert (new.version, new.copied_from, new.is_frozen) == (2, original, False)
    assert services.tree_of(new) == services.tree_of(original)
    assert new.criteria.count() == original.criteria.count()
    services.criterion_add(criteria_set=new, code="10", title="Nhóm mới", actor=world.secretary)
    assert not original.criteria.filter(code="10").exists()


def test_copy_from_last_years_campaign(world):
    last_year = sample_set(CampaignFactory(bloc=world.bloc, year=2024), world.secretary)
    this_year = CampaignFactory(bloc=world.bloc, year=2025)
    copy = services.criteria_set_copy(source=last_year, campaign=this_year, actor=world.secretary)
    assert copy.campaign == this_year and copy.version == 1 and copy.copied_from == last_year
    assert services.tree_of(copy) == services.tree_of(last_year)
    assert last_year.criteria.count() == copy.criteria.count()


def test_a_frozen_set_refuses_every_change(world):
    criteria_set = sample_set(CampaignFactory(bloc=world.bloc), world.secretary)
    freeze(criteria_set)
    criterion = criteria_set.criteria.get(code="2.3")
    attempts = [
        lambda: services.criteria_set_load_tree(criteria_set=criteria_set, groups=GOOD_TREE, actor=None),
        lambda: services.criterion_add(criteria_set=criteria_set, code="10", title="X", actor=None),
        lambda: services.criterion_update(criterion=criterion, title="Sửa", actor=None),
        lambda: services.criterion_delete(criterion=criterion, actor=None),
        lambda: services.criterion_move(criterion=criterion, offset=-1, actor=None),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="phiên bản mới"):
            attempt()
    assert criteria_set.criteria.get(code="2.3").title == "Diễn tập, hội thi, hội thao"
    assert criteria_set.criteria.count() == 32


def test_scoring_freezes_the_set(world):
    from scoring.services.scorecards import final_grid_save
    from scoring.tests.factories import round_with_sample

    scoring_round = round_with_sample(world.bloc, actor=world.secretary)
    leaf = scoring_round.criteria_set.criteria.get(code="1.1")
    final_grid_save(
        scoring_round=scoring_round,
        entries={(world.unit_a.pk, leaf.pk): Decimal("4.5")},
        base_versions={},
        actor=world.secretary,
    )
    scoring_round.criteria_set.refresh_from_db()
    assert scoring_round.criteria_set.is_frozen


# --- Single criteria ------------------------------------------------------------------------------


def test_move_swaps_with_the_neighbour_and_keeps_the_others_in_order(world):
    criteria_set = sample_set(CampaignFactory(bloc=world.bloc), world.secretary)
    middle = criteria_set.criteria.get(code="2.2")
    services.criterion_move(criterion=middle, offset=-1, actor=world.secretary)
    assert children_codes(criteria_set, "2") == ["2.2", "2.1", "2.3"]
    services.criterion_move(criterion=middle, offset=-1, actor=world.secretary)  # already first: no change
    assert children_codes(criteria_set, "2") == ["2.2", "2.1", "2.3"]
    services.criterion_move(criterion=criteria_set.criteria.get(code="2.3"), offset=1, actor=None)
    assert children_codes(criteria_set, "2") == ["2.2", "2.1", "2.3"]
    group = criteria_set.criteria.get(code="9")
    services.criterion_move(criterion=group, offset=-1, actor=None)
    assert children_codes(criteria_set, None) == ["1", "2", "3", "4", "5", "6", "7", "9", "8"]


def test_a_child_takes_its_groups_kind(world):
    criteria_set = sample_set(CampaignFactory(bloc=world.bloc), world.secretary)
    bonus = criteria_set.criteria.get(code="7")
    child = services.criterion_add(
        criteria_set=criteria_set,
        parent=bonus,
        code="7.3",
        title="Sáng kiến",
        kind="penalty",
        max_points=Decimal(2),
        actor=None,
    )
    assert child.kind == CriterionKind.BONUS and child.position == 3


def test_a_bonus_or_penalty_group_needs_its_cap(world, empty_set):
    with pytest.raises(ValidationError, match="mức điểm tối đa của cả nhóm"):
        services.criterion_add(
            criteria_set=empty_set, code="7", title="Điểm thưởng", kind="bonus", actor=None
        )
    group = services.criterion_add(criteria_set=empty_set, code="1", title="Nhóm", actor=None)
    with pytest.raises(ValidationError, match="mức điểm tối đa của cả nhóm"):
        services.criterion_update(criterion=group, kind="penalty", actor=None)


def test_changing_a_groups_kind_changes_every_level_below(world, empty_set):
    services.criteria_set_load_tree(criteria_set=empty_set, groups=GOOD_TREE, actor=None)
    group = empty_set.criteria.get(code="1")
    services.criterion_update(criterion=group, kind="bonus", max_points=Decimal(10), actor=None)
    assert set(empty_set.criteria.filter(code__startswith="1").values_list("kind", flat=True)) == {"bonus"}


def test_a_group_with_children_cannot_become_a_veto(world, empty_set):
    services.criteria_set_load_tree(criteria_set=empty_set, groups=GOOD_TREE, actor=None)
    with pytest.raises(ValidationError, match="phủ quyết"):
        services.criterion_update(criterion=empty_set.criteria.get(code="1"), kind="veto", actor=None)


def test_a_criterion_cannot_move_under_itself_or_its_children(world, empty_set):
    services.criteria_set_load_tree(criteria_set=empty_set, groups=GOOD_TREE, actor=None)
    heading = empty_set.criteria.get(code="1.2")
    for target in ("1.2", "1.2.1"):
        with pytest.raises(ValidationError, match="chính nó"):
            services.criterion_update(
                criterion=heading, parent=empty_set.criteria.get(code=target), actor=None
            )
    heading.refresh_from_db()
    assert heading.parent.code == "1"


def test_moving_to_another_group_puts_it_last_with_the_groups_kind(world, empty_set):
    services.criteria_set_load_tree(criteria_set=empty_set, groups=GOOD_TREE, actor=None)
    moved = services.criterion_update(
        criterion=empty_set.criteria.get(code="1.1"),
        parent=empty_set.criteria.get(code="2"),
        code="2.2",
        actor=None,
    )
    assert moved.kind == CriterionKind.BONUS
    assert children_codes(empty_set, "2") == ["2.1", "2.2"]


def test_duplicate_code_is_refused(world, empty_set):
    services.criterion_add(criteria_set=empty_set, code="1", title="Nhóm", actor=None)
    with pytest.raises(ValidationError) as caught:
        services.criterion_add(criteria_set=empty_set, code="1", title="Khác", actor=None)
    assert "Mã tiêu chí đã có trong bộ tiêu chí này." in caught.value.messages


def test_deleting_a_group_deletes_its_children(world, empty_set):
    services.criteria_set_load_tree(criteria_set=empty_set, groups=GOOD_TREE, actor=None)
    services.criterion_delete(criterion=empty_set.criteria.get(code="1"), actor=world.secretary)
    assert set(codes(empty_set)) == {"2", "2.1", "3", "3.1"}


# --- Excel -----------------------------------------------------------------------------------------


def workbook(rows: list[list], *, header=("Mã", "Nội dung", "Loại", "Điểm tối đa", "Trọng tâm")) -> bytes:
    book = Workbook()
    sheet = book.active
    if header:
        sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    ["1", "Chính trị, tư tưởng", "Điểm chuẩn", None, None],
    ["1.1", "Quán triệt nghị quyết", None, 40, None],
    ["1.2", "Giáo dục chính trị", None, None, None],
    ["1.2.1", "Học tập chính trị", None, "30,5", None],
    ["1.2.2", "Tuyên truyền", None, 29.5, None],
    ["2", "Điểm thưởng", "Điểm thưởng", 10, None],
    ["2.1", "Thành tích đột xuất", "", 10, None],
    ["3", "Phủ quyết", "veto", None, None],
    ["3.1", "Mất an toàn nghiêm trọng", None, None, None],
    [None, None, None, None, None],
    ["4", "Huấn luyện", "chuẩn", None, "x"],
    ["4.1", "Kết quả huấn luyện", None, 0.5, None],
]


def test_a_good_sheet_reads_into_the_tree_the_service_loads(world, empty_set):
    groups = read_criteria_sheet(workbook(GOOD_ROWS))
    assert [g["code"] for g in groups] == ["1", "2", "3", "4"]
    assert groups[0]["children"][1]["children"][0] == {
        "code": "1.2.1",
        "title": "Học tập chính trị",
        "kind": "standard",
        "max": "30.5",
    }
    assert groups[1]["max"] == "10" and groups[1]["kind"] == "bonus"
    assert groups[3]["core"] is True
    assert services.criteria_set_load_tree(criteria_set=empty_set, groups=groups, actor=None) == 11
    assert criteria_layout(criteria_set=empty_set).standard_max == Decimal("100.5")


def test_a_title_row_above_the_header_is_skipped(world):
    data = workbook(
        [
            ["BỘ TIÊU CHÍ THI ĐUA"],
            ["Mã", "Nội dung", "Loại", "Điểm tối đa"],
            ["1", "Nhóm", None, None],
            ["1.1", "A", None, 5],
        ],
        header=None,
    )
    assert read_criteria_sheet(data)[0]["children"][0]["max"] == "5"


def test_the_sample_round_trips_through_the_downloadable_sheet():
    _name, groups = services.sample_tree()
    again = read_criteria_sheet(criteria_sheet_bytes(groups))
    assert [g["code"] for g in again] == [g["code"] for g in groups]
    assert sum(len(g.get("children", [])) for g in again) == sum(len(g.get("children", [])) for g in groups)
    assert again[6] == {
        "code": "7",
        "title": "Điểm thưởng",
        "kind": "bonus",
        "max": "10",
        "children": [
            {
                "code": "7.1",
                "title": "Thành tích đột xuất được cấp trên khen thưởng",
                "kind": "bonus",
                "max": "5",
            },
            {
                "code": "7.2",
                "title": "Mô hình, cách làm sáng tạo được nhân rộng",
                "kind": "bonus",
                "max": "5",
            },
        ],
    }


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            [["1", "Nhóm", None, None, None], ["1.1", "", None, 5, None]],
            "Dòng 3 (mã “1.1”), cột “Nội dung”: nội dung tiêu chí không được để trống.",
        ),
        (
            [["1", "Nhóm", None, None, None], ["1.1", "A", None, "năm", None]],
            "Dòng 3 (mã “1.1”), cột “Điểm tối đa”: “năm” không phải là số",
        ),
        (
            [["1", "Nhóm", None, None, None], ["1.1", "A", None, -2, None]],
            "Dòng 3 (mã “1.1”), cột “Điểm tối đa”: phải lớn hơn 0.",
        ),
        (
            [["1", "Nhóm", None, None, None], ["1.1", "A", None, None, None]],
            "Dòng 3 (mã “1.1”), cột “Điểm tối đa”: tiêu chí phải có điểm tối đa.",
        ),
        (
            [["1", "Nhóm", "Điểm vàng", None, None]],
            "Dòng 2 (mã “1”), cột “Loại”: “Điểm vàng” không phải là loại tiêu chí",
        ),
        (
            [["1", "Nhóm", None, None, None], ["2.1", "A", None, 5, None]],
            "Dòng 3 (mã “2.1”): không có dòng nào mang mã “2” làm nhóm cha.",
        ),
        (
            [["1", "Nhóm", None, None, None], ["1.1", "A", None, 5, None], ["1.1", "B", None, 5, None]],
            "Dòng 4: mã “1.1” bị trùng với dòng 3.",
        ),
        ([["1", "Nhóm", None, None, None], ["1.1.1.1", "A", None, 5, None]], "tối đa 3 cấp"),
        ([["1", "Nhóm", None, None, None], ["1" * 21, "A", None, 5, None]], "tối đa 20 ký tự"),
        ([["1", "N" * 501, None, 5, None]], "tối đa 500 ký tự"),
        (
            [["1", "Nhóm", None, None, None], ["", "A", None, 5, None]],
            "Dòng 3, cột “Mã”: chưa ghi mã tiêu chí",
        ),
        ([["1", "Nhóm", None, None, None], ["1,1", "A", None, 5, None]], "mã chỉ gồm chữ số"),
        ([["7", "Thưởng", "Điểm thưởng", None, None], ["7.1", "A", None, 5, None]], "mức tối đa của cả nhóm"),
        (
            [["1", "Nhóm", None, None, None], ["1.1", "A", "Điểm trừ", 5, None]],
            "cùng loại với nhóm (Điểm chuẩn)",
        ),
        (
            [["1", "Nhóm", None, 20, None], ["1.1", "A", None, 5, None]],
            "ghi 20 nhưng tổng điểm các tiêu chí con là 5",
        ),
        (
            [["1", "Nhóm", None, None, None], ["1.1", "A", None, 5, "x"]],
            "chỉ đánh dấu nhiệm vụ trọng tâm ở nhóm",
        ),
    ],
)
def test_bad_rows_are_named_by_row_number(rows, problem):
    with pytest.raises(ValidationError) as caught:
        read_criteria_sheet(workbook(rows))
    assert any(problem in message for message in caught.value.messages), caught.value.messages


def test_every_bad_row_is_reported_at_once():
    rows = [["1", "Nhóm", None, None, None], ["1.1", "", None, 5, None], ["1.2", "B", None, "x", None]]
    with pytest.raises(ValidationError) as caught:
        read_criteria_sheet(workbook(rows))
    assert [m[:6] for m in caught.value.messages] == ["Dòng 3", "Dòng 4"]


def test_a_formula_cell_is_refused():
    rows = [["1", "Nhóm", None, None, None], ["1.1", "A", None, "=2+3", None]]
    with pytest.raises(ValidationError) as caught:
        read_criteria_sheet(workbook(rows))
    assert caught.value.messages == [
        "Dòng 3, cột “Điểm tối đa”: ô chứa công thức; hãy thay bằng giá trị (Dán đặc biệt → Chỉ giá trị)."
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "Tệp rỗng"),
        (b"Ma;Noi dung\n1;Nhom\n", "không phải là bảng tính Excel .xlsx"),
        (b"PK\x03\x04 broken", "Tệp"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_clearly(data, problem):
    with pytest.raises(ValidationError) as caught:
        read_criteria_sheet(data)
    assert problem in caught.value.messages[0]


def test_a_sheet_without_the_columns_or_rows_is_refused():
    with pytest.raises(ValidationError, match="Không tìm thấy dòng tiêu đề"):
        read_criteria_sheet(workbook([["a", "b"]], header=("Tên", "Ghi chú")))
    with pytest.raises(ValidationError, match="thiếu cột “Điểm tối đa”"):
        read_criteria_sheet(workbook([["1", "A"]], header=("Mã", "Nội dung")))
    with pytest.raises(ValidationError, match="chưa có tiêu chí nào"):
        read_criteria_sheet(workbook([]))


def test_import_makes_the_first_set_then_replaces_it_until_frozen(world):
    campaign = CampaignFactory(bloc=world.bloc)
    groups = read_criteria_sheet(workbook(GOOD_ROWS))
    criteria_set, count = criteria_import_tree(
        campaign=campaign, groups=groups, name="Bộ tiêu chí", actor=None
    )
    assert (criteria_set.version, count) == (1, 11)
    again, _ = criteria_import_tree(campaign=campaign, groups=groups[:1], name="Bộ tiêu chí", actor=None)
    assert again == criteria_set and criteria_set.criteria.count() == 5
    freeze(criteria_set)
    with pytest.raises(ValidationError, match="phiên bản mới"):
        criteria_import_tree(campaign=campaign, groups=groups, name="Bộ tiêu chí", actor=None)
    assert criteria_set.criteria.count() == 5
    assert Criterion.objects.filter(criteria_set__campaign=campaign).count() == 5
