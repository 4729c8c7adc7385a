"""The load test's own pieces (no load is run here, and nothing is timed): what it works on,
how it names a server's request, how it sums up a run, and its lost-update check."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from blocs.tests.factories import AssignmentFactory, UserFactory
from scoring.models import RoundState, Score, ScorecardKind, ScoringRound
from scoring.services.scorecards import final_grid_save
from scoring.tests.factories import campaign_for
from tests.load import report
from tests.load.check import lost_updates
from tests.load.prepare import _quarter, targets


def test_the_round_opened_when_the_demo_has_none_is_the_current_quarter():
    assert _quarter(date(2026, 12, 6)) == ("q4", date(2026, 10, 1), date(2026, 12, 31))
    assert _quarter(date(2026, 1, 1)) == ("q1", date(2026, 1, 1), date(2026, 3, 31))
    assert _quarter(date(2026, 6, 30)) == ("q2", date(2026, 4, 1), date(2026, 6, 30))


@pytest.fixture
def bloc_two(world):
    """The demo's names on the test world: Khối thi đua số 2, its secretary thuky.k2."""
    secretary = UserFactory(username="thuky.k2")
    AssignmentFactory(user=secretary, role="secretary", bloc=world.bloc)
    campaign_for(world.bloc)
    return world


def test_targets_open_a_round_once_and_name_who_works_on_it(bloc_two):
    found = targets()
    scoring_round = ScoringRound.objects.get(pk=found["round"]["id"])
    assert scoring_round.state == RoundState.OPEN
    assert found["round"]["grid"] == f"/dot-cham/{scoring_round.pk}/bang-diem/"
    assert (
        len(found["round"]["leaves"])
        == scoring_round.criteria_set.criteria.filter(children__isnull=True).count()
    )
    assert set(found["round"]["units"].values()) == {"QK1", "QK2", "QK3"}
    assert found["users"]["leaders"] == ["leader"] and found["users"]["officers"] == ["officer"]
    # Run again (make load runs it once per fresh database, but nothing should pile up).
    assert targets()["round"]["id"] == scoring_round.pk
    assert ScoringRound.objects.count() == 1


def test_access_log_lines_are_named_as_locust_names_them(bloc_two, tmp_path):
    found = targets()
    grid, self_page = found["round"]["grid"], found["round"]["self_assessment"]
    log = tmp_path / "access.log"
    log.write_text(
        f"GET {grid} 200 41000\nPOST {grid} 302 120500\nPOST {grid} 409 90000\n"
        f"POST {self_page} 302 80000\nGET /bao-cao/7/ 200 12000\nGET /static/css/thidua.css 200 900\n"
        "GET / 200 30000\nnot a line of this format\n",
        encoding="utf-8",
    )
    times = report.read_server_times(log, found)
    assert times == {
        report.GRID: [41.0],
        report.GRID_SAVE: [120.5],
        report.GRID_CONFLICT: [90.0],
        report.SELF_SAVE: [80.0],
        report.JOB: [12.0],
        report.HOME: [30.0],
    }


STATS = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
GET,Trang chủ (GET home),40,0,60,70,20,900,1000,1,0,60,70,80,90,100,850,900,900,900,900,900
POST,"Lưu bảng điểm gặp xung đột, 409 (POST scoring:grid)",3,0,200,200,150,260,1000,0.1,0,200,200,260,260,260,260,260,260,260,260,260
GET,Trang bảng điểm (GET scoring:grid),30,1,100,110,50,300,1000,1,0,100,110,120,130,200,250,300,300,300,300,300
,Aggregated,73,1,90,100,20,900,1000,2,0,90,100,110,120,200,800,900,900,900,900,900
"""


def test_the_summary_reads_locusts_csv_and_marks_what_is_over_budget(tmp_path):
    path = tmp_path / "load_stats.csv"
    path.write_text(STATS, encoding="utf-8")
    rows, total = report.read_stats(path)
    assert [r.name for r in rows] == [report.HOME, report.GRID, report.GRID_CONFLICT]  # in BUDGETS' order
    assert total.count == 73 and total.failures == 1
    rows[1].server = [float(ms) for ms in range(1, 101)]  # 1 … 100 ms
    assert rows[1].server_percentile(0.95) == 95
    assert rows[0].mark(rows[0].p95) == "VƯỢT NGÂN SÁCH"  # 850 ms > 800 ms
    assert rows[1].mark(rows[1].p95) == "OK"
    context = {
        "date": "06/12/2026",
        "users": 50,
        "duration": "3m",
        "spawn_rate": "2",
        "web_workers": 3,
        "database": "PostgreSQL",
        "broker": "Redis",
        "cpus": 2,
        "load_before": 1.0,
        "load_after": 2.0,
        "lost_check": "không mất cập nhật",
    }
    text = report.markdown(
        rows, total, [("Trang bảng điểm (GET scoring:grid)", "mã 500, cần 200", 1)], context
    )
    assert "| Trang chủ (GET home) | 40 | 0 | 60 | 850 | 900 | – | – | 800 ms | **VƯỢT** / – |" in text
    assert "| 30 | 1 | 100 | 250 | 300 | 50 | 95 | 300 ms | OK / OK |" in text
    assert "- Lỗi: 1 " in text and "409, có bảng xung đột" in text and ": 3." in text
    assert "mã 500, cần 200 (1 lần)" in text


def test_the_check_finds_a_confirmed_value_that_is_not_stored(bloc_two):
    found = targets()
    scoring_round = ScoringRound.objects.get(pk=found["round"]["id"])
    unit_id = int(next(iter(found["round"]["units"])))
    leaf = found["round"]["leaves"][0]
    final_grid_save(
        scoring_round=scoring_round,
        entries={(unit_id, leaf["id"]): Decimal("1.25")},
        base_versions={},
        actor=bloc_two.secretary,
    )
    cell = f"final:{unit_id}:{leaf['id']}"
    assert lost_updates({cell: "1,25"}, scoring_round.pk) == []
    problems = lost_updates({cell: "1,5", f"self:{unit_id}:{leaf['id']}": "2"}, scoring_round.pk)
    assert len(problems) == 2 and "đã xác nhận 1.5, trong CSDL 1.25" in problems[0]
    assert Score.objects.filter(scorecard__kind=ScorecardKind.SELF).count() == 0
    json.dumps(found)  # what the locustfile reads is plain JSON
