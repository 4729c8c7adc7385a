"""`manage.py import_scores`: the Excel import from the command line, same checks as the page."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from blocs.tests.factories import UserFactory
from scoring.models import Score, ScorecardKind
from scoring.services.score_excel import score_template
from scoring.tests.factories import round_with_sample

SHEET = "Bảng điểm"


@pytest.fixture
def scoring_round(world):
    return round_with_sample(world.bloc, "q1", actor=world.admin)


def workbook_file(tmp_path, scoring_round, cells: dict[tuple[str, str], object], name="tu-don-vi.xlsx"):
    """The round's template with `cells` ((unit code, criterion code) → value) typed in."""
    workbook = load_workbook(io.BytesIO(score_template(scoring_round=scoring_round, actor=None)))
    sheet = workbook[SHEET]
    units = {c.value: c.column for c in sheet[1][4:] if c.value}
    rows = {sheet.cell(row=r, column=1).value: r for r in range(3, sheet.max_row + 1)}
    for (unit, code), value in cells.items():
        sheet.cell(row=rows[code], column=units[unit]).value = value
    path = tmp_path / name
    workbook.save(path)
    return path


def final_scores(scoring_round) -> dict[tuple[str, str], Decimal]:
    return {
        (s.scorecard.scored_unit.code, s.criterion.code): s.points
        for s in Score.objects.filter(
            scorecard__round=scoring_round, scorecard__kind=ScorecardKind.FINAL
        ).select_related("scorecard__scored_unit", "criterion")
    }


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_scores", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_dry_run_prints_the_plan_and_writes_nothing(world, tmp_path, scoring_round):
    path = workbook_file(tmp_path, scoring_round, {("QK1", "1.1"): 5, ("QK2", "2.1"): "7,5"})
    output = run(scoring_round.pk, path, "--dry-run")
    assert "2 ô thay đổi (2 đơn vị)" in output
    assert "QK1 – tiêu chí 1.1: (trống) → 5" in output
    assert "QK2 – tiêu chí 2.1: (trống) → 7,5" in output
    assert "Chạy thử" in output
    assert final_scores(scoring_round) == {}


def test_real_run_writes_in_the_name_of_the_user(world, tmp_path, scoring_round):
    path = workbook_file(tmp_path, scoring_round, {("QK1", "1.1"): 5, ("QK2", "2.1"): "7,5"})
    output = run(scoring_round.pk, path, "--user", "secretary")
    assert "Đã ghi 2 ô điểm" in output
    assert final_scores(scoring_round) == {("QK1", "1.1"): Decimal("5"), ("QK2", "2.1"): Decimal("7.5")}
    history = Score.history.filter(criterion__code="1.1").latest("history_date")
    assert history.history_user == world.secretary
    # Running it again finds nothing to write, and says so without failing.
    assert "không có gì để ghi" in run(scoring_round.pk, path, "--user", "admin")


def test_invalid_cells_exit_non_zero_and_write_nothing(world, tmp_path, scoring_round):
    path = workbook_file(
        tmp_path, scoring_round, {("QK1", "1.1"): 9, ("QK2", "1.1"): "=1+1", ("QK3", "1.1"): 2}
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 ô lỗi"):
        call_command("import_scores", str(scoring_round.pk), str(path), "--user", "secretary", stdout=out)
    printed = out.getvalue()
    assert "LỖI E" in printed and "tối đa 5 điểm, đã nhập 9" in printed
    assert "công thức" in printed
    assert final_scores(scoring_round) == {}
    with pytest.raises(CommandError):
        call_command("import_scores", str(scoring_round.pk), str(path), "--dry-run", stdout=io.StringIO())


def test_a_file_that_is_not_a_workbook_exits_non_zero(world, tmp_path, scoring_round):
    path = tmp_path / "bang-diem.xlsx"
    path.write_bytes(b"Ma tieu chi;QK1\n1.1;5\n")
    with pytest.raises(CommandError, match="không phải là bảng tính Excel"):
        run(scoring_round.pk, path, "--dry-run")
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        run(scoring_round.pk, tmp_path / "khong-co.xlsx", "--dry-run")


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("khong-ai", "Không có người dùng “khong-ai”"),
        ("leader", "không được nhập điểm"),
        ("observer", "không được nhập điểm"),
        ("other_secretary", "không được nhập điểm"),
        (None, "--user"),
    ],
)
def test_the_user_must_exist_and_manage_the_bloc(world, tmp_path, scoring_round, user, message):
    path = workbook_file(tmp_path, scoring_round, {("QK1", "1.1"): 5})
    args = [scoring_round.pk, path] + (["--user", user] if user else [])
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert final_scores(scoring_round) == {}


def test_an_inactive_user_is_refused(world, tmp_path, scoring_round):
    UserFactory(username="old", is_superuser=True, is_active=False)
    path = workbook_file(tmp_path, scoring_round, {("QK1", "1.1"): 5})
    with pytest.raises(CommandError, match="bị khóa"):
        run(scoring_round.pk, path, "--user", "old")


def test_unknown_round_is_refused(world, tmp_path, scoring_round):
    path = workbook_file(tmp_path, scoring_round, {("QK1", "1.1"): 5})
    with pytest.raises(CommandError, match="Không có đợt chấm mã số 999"):
        run(999, path, "--dry-run")


def test_a_conflict_exits_non_zero(world, tmp_path, scoring_round, monkeypatch):
    """Someone saves between the command's plan and its write: nothing from the file is written."""
    from scoring.services import score_excel
    from scoring.services.scorecards import final_grid_save

    path = workbook_file(tmp_path, scoring_round, {("QK1", "1.1"): 5})
    real_plan = score_excel.score_import_plan
    calls = {"n": 0}

    def plan_then_someone_saves(**kwargs):
        plan = real_plan(**kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            criterion = scoring_round.criteria_set.criteria.get(code="1.1")
            final_grid_save(
                scoring_round=scoring_round,
                entries={(world.unit_a.pk, criterion.pk): Decimal(2)},
                base_versions={},
                actor=world.admin,
            )
        return plan

    monkeypatch.setattr(score_excel, "score_import_plan", plan_then_someone_saves)
    with pytest.raises(CommandError, match="Xung đột"):
        run(scoring_round.pk, path, "--user", "secretary")
    assert final_scores(scoring_round) == {("QK1", "1.1"): Decimal("2")}


def test_published_round_needs_a_reason(world, tmp_path):
    from scoring.tests.factories import published_round

    scoring_round = published_round(world.bloc, "q2", world.admin)
    path = workbook_file(tmp_path, scoring_round, {("QK1", "1.1"): 5})
    with pytest.raises(CommandError, match="phải nêu lý do"):
        run(scoring_round.pk, path, "--user", "admin")
    assert "Đã ghi 1 ô" in run(scoring_round.pk, path, "--user", "admin", "--reason", "Phúc tra")
