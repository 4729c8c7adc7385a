"""The eligibility engine and quotas (DESIGN.md §5 rule 7) on plain objects: no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from awards.models import EligibilityRule, Title
from awards.services.eligibility import check_unit, quota_check, quota_for

QT = Title(pk=2, name="Đơn vị Quyết thắng", kind="title", level="quan_khu")
FLAG = Title(pk=1, name="Cờ thi đua của Bộ Quốc phòng", kind="title", level="bo", is_flag=True)
UNIT = SimpleNamespace(pk=10, name="Quân khu 1")
OTHER = SimpleNamespace(pk=11, name="Quân khu 2")


def entry(rank=1, classification="Xuất sắc", total="95.5", tied=False, disqualified=False):
    return SimpleNamespace(
        rank=rank, classification=classification, total=Decimal(total), tied=tied, disqualified=disqualified
    )


def record(title, year, unit=UNIT):
    return SimpleNamespace(unit_id=unit.pk, title_id=title.pk, year=year)


def flag(kind="discipline", note="Vụ việc mất an toàn giao thông", unit=UNIT):
    return SimpleNamespace(unit_id=unit.pk, kind=kind, note=note, opened_on=date(2024, 10, 5))


def check(*rules, title=FLAG, unit=UNIT, e=None, leading=UNIT, history=(), flags=(), also=(), year=2024):
    return check_unit(
        title=title,
        unit=unit,
        entry=entry() if e is None else e,
        leading_unit=leading,
        year=year,
        history=list(history),
        flags=list(flags),
        rules=list(rules),
        also_proposed=also,
    )


def rule(kind, **kwargs):
    return EligibilityRule(kind=kind, **kwargs)


# --- Each rule alone ------------------------------------------------------------------------------


def test_leading_unit_passes_for_the_leading_unit_and_names_the_leader_otherwise():
    [ok] = check(rule("leading_unit"))
    assert ok.passed and ok.text == "Là đơn vị dẫn đầu năm 2024: đạt"
    [no] = check(rule("leading_unit"), leading=OTHER)
    assert not no.passed
    assert no.text == "Không phải đơn vị dẫn đầu (đơn vị dẫn đầu năm 2024: Quân khu 2): không đạt"
    [none] = check(rule("leading_unit"), leading=None)
    assert not none.passed and "chưa xác định đơn vị dẫn đầu" in none.text


@pytest.mark.parametrize(
    ("actual", "required", "passed"),
    [
        ("Xuất sắc", "Tốt", True),
        ("Tốt", "Tốt", True),
        ("Khá", "Tốt", False),
        ("Yếu", "Trung bình", False),
        ("Tốt", "Xuất sắc", False),
    ],
)
def test_min_classification_compares_by_the_bands_order(actual, required, passed):
    [c] = check(rule("min_classification", classification=required), e=entry(classification=actual))
    assert c.passed is passed
    assert c.text == f"Xếp loại {actual} (yêu cầu từ {required} trở lên): {'đạt' if passed else 'không đạt'}"


def test_min_classification_uses_the_campaigns_own_bands():
    bands = [["Hoàn thành xuất sắc", 90], ["Hoàn thành tốt", 75]]
    [c] = check_unit(
        title=QT,
        unit=UNIT,
        entry=entry(classification="Hoàn thành tốt"),
        leading_unit=None,
        year=2024,
        history=[],
        flags=[],
        rules=[rule("min_classification", classification="Hoàn thành xuất sắc")],
        bands=bands,
    )
    assert not c.passed and "Xếp loại Hoàn thành tốt (yêu cầu từ Hoàn thành xuất sắc trở lên)" in c.text


def test_unranked_unit_fails_classification_and_rank_rules():
    checks = check_unit(
        title=QT,
        unit=UNIT,
        entry=None,
        leading_unit=None,
        year=2024,
        history=[],
        flags=[],
        rules=[
            rule("min_classification", classification="Tốt"),
            rule("max_rank", number=3),
            rule("not_disqualified"),
        ],
    )
    assert [c.passed for c in checks] == [False, False, False]
    assert checks[0].text == "Chưa có xếp loại (yêu cầu từ Tốt trở lên): không đạt"
    assert checks[2].text == "Không có trong kết quả xếp hạng đã chốt: không đạt"


def test_max_rank_shows_the_rank_tie_and_total():
    [ok] = check(rule("max_rank", number=3), e=entry(rank=3, tied=True, total="88.25"))
    assert ok.passed
    assert ok.text == "Xếp hạng 3= với 88,25 điểm (yêu cầu từ hạng 1 đến hạng 3): đạt"
    [no] = check(rule("max_rank", number=3), e=entry(rank=4))
    assert not no.passed and no.text.endswith("(yêu cầu từ hạng 1 đến hạng 3): không đạt")


def test_not_disqualified():
    assert check(rule("not_disqualified"))[0].text == "Không vi phạm tiêu chí phủ quyết: đạt"
    [c] = check(rule("not_disqualified"), e=entry(disqualified=True))
    assert not c.passed and c.text == "Vi phạm tiêu chí phủ quyết trong năm: không đạt"


def test_title_same_year_reads_the_history_or_the_same_list():
    same = rule("title_same_year", required_title=QT)
    [granted] = check(same, history=[record(QT, 2024)])
    assert granted.passed and granted.text == "Đã được tặng Đơn vị Quyết thắng năm 2024: đạt"
    [proposed] = check(same, also={QT.pk})
    assert proposed.passed and "trong cùng danh sách (chờ quyết định)" in proposed.text
    [last_year] = check(same, history=[record(QT, 2023)])
    assert not last_year.passed
    assert last_year.text == "Chưa được tặng và không được đề nghị Đơn vị Quyết thắng năm 2024: không đạt"
    [someone_else] = check(same, history=[record(QT, 2024, unit=OTHER)])
    assert not someone_else.passed


def test_consecutive_years_counts_the_run_back_from_the_year():
    two = rule("consecutive_years", number=2, required_title=QT)
    [c] = check(two, history=[record(QT, 2022), record(QT, 2023), record(QT, 2024)])
    assert (
        c.passed
        and c.text == "Đạt Đơn vị Quyết thắng 3 năm liên tục (2022–2024), yêu cầu 2 năm liên tục: đạt"
    )


def test_consecutive_years_a_gap_breaks_the_run():
    three = rule("consecutive_years", number=3, required_title=QT)
    history = [record(QT, 2020), record(QT, 2021), record(QT, 2023), record(QT, 2024)]
    [c] = check(three, history=history)
    assert not c.passed
    assert c.text == "Đạt Đơn vị Quyết thắng 2 năm liên tục (2023–2024), yêu cầu 3 năm liên tục: không đạt"


def test_consecutive_years_ends_last_year_when_this_year_is_not_held_and_counts_a_proposal():
    two = rule("consecutive_years", number=2, required_title=QT)
    [previous] = check(two, history=[record(QT, 2022), record(QT, 2023)])
    assert previous.passed and "(2022–2023)" in previous.text
    [with_proposal] = check(two, history=[record(QT, 2023)], also={QT.pk})
    assert with_proposal.passed and "(2023–2024) (năm 2024 đang đề nghị)" in with_proposal.text
    [none] = check(two, history=[record(QT, 2021)])
    assert not none.passed
    assert none.text == (
        "Không đạt Đơn vị Quyết thắng năm 2023 nên chưa có năm liên tục nào, yêu cầu 2 năm liên tục: không đạt"
    )


def test_consecutive_years_of_the_title_itself_when_no_title_is_named():
    [c] = check(rule("consecutive_years", number=2), title=QT, history=[record(QT, 2023), record(QT, 2024)])
    assert c.passed


def test_no_pending_flag_names_the_matter_and_its_date():
    [ok] = check(rule("no_pending_flag"), flags=[flag(unit=OTHER)])
    assert ok.passed and ok.text == "Không có vụ việc kỷ luật, thanh tra, khiếu nại đang xem xét: đạt"
    [no] = check(rule("no_pending_flag"), flags=[flag()])
    assert not no.passed
    assert no.text == "Đang xem xét kỷ luật từ 05/10/2024 (Vụ việc mất an toàn giao thông): không đạt"


# --- Rules combined ---------------------------------------------------------------------------------


def flag_rules():
    return [
        rule("leading_unit"),
        rule("not_disqualified"),
        rule("title_same_year", required_title=QT),
        rule("no_pending_flag"),
    ]


def test_a_flag_passes_only_when_every_rule_passes_in_order():
    checks = check(*flag_rules(), also={QT.pk})
    assert [c.rule for c in checks] == [
        "leading_unit",
        "not_disqualified",
        "title_same_year",
        "no_pending_flag",
    ]
    assert all(c.passed for c in checks)


def test_a_flag_fails_on_each_rule_that_breaks_and_says_which():
    checks = check(*flag_rules(), e=entry(disqualified=True), flags=[flag(kind="complaint", note="")])
    assert [c.passed for c in checks] == [True, False, False, False]
    assert checks[3].text == "Đang có khiếu nại, tố cáo chưa giải quyết từ 05/10/2024: không đạt"


# --- Quotas -----------------------------------------------------------------------------------------


def titled(percent, at_least_one=False):
    return Title(
        name="x", quota_percent=Decimal(percent) if percent else None, quota_at_least_one=at_least_one
    )


@pytest.mark.parametrize(
    ("members", "percent", "at_least_one", "expected"),
    [
        (7, "20", False, 1),
        (7, "20", True, 1),
        (4, "20", False, 0),
        (4, "20", True, 1),
        (5, "20", False, 1),
        (10, "20", False, 2),
        (9, "20", False, 1),
        (0, "20", True, 0),
        (8, "100", False, 8),
        (8, None, False, None),
    ],
)
def test_quota_is_a_share_of_members_rounded_down_at_least_one_when_stated(
    members, percent, at_least_one, expected
):
    assert quota_for(titled(percent, at_least_one), members) == expected


def test_quota_check_explains_the_arithmetic():
    within = quota_check(title=titled("20", True), member_count=4, seat=1)
    assert within.passed
    assert within.text == (
        "Trong chỉ tiêu: suất 1/1 (20% của 4 đơn vị thành viên = 0,8, làm tròn xuống 0; được ít nhất 1 suất → 1 suất): đạt"
    )
    over = quota_check(title=titled("20"), member_count=7, seat=2)
    assert not over.passed
    assert over.text == (
        "Vượt chỉ tiêu: đề nghị thứ 2 khi chỉ có 1 suất (20% của 7 đơn vị thành viên = 1,4, làm tròn xuống 1 → 1 suất): không đạt"
    )
    assert quota_check(title=titled(None), member_count=7, seat=9) is None
