"""The benchmark driver still runs end to end (on a tiny dataset): `make bench` does not rot
when a page or the grid form changes. No timing is asserted here (DESIGN.md §8)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from awards.models import AwardDecision, NominationList, Review, ReviewState
from blocs.models import Bloc
from campaigns.models import PledgeSignature
from scoring.models import HistoricalScore, Objection, RoundState, Score, ScoringRound
from tests.bench.pages import PAGES, SIGNERS, Page, fixtures_for, measure_pages, prepare
from tests.bench.run import END, START, Bench, _bench_review, markdown, run, write_section

pytestmark = pytest.mark.django_db


def test_driver_measures_every_page_and_writes_its_section(tmp_path):
    # Two years, as the full dataset: the last complete year's tổng kết can be closed.
    call_command("seed_scale", blocs=2, units_per_bloc=3, criteria=12, years=2, first_year=2025)
    before = dict(Score.objects.values_list("pk", "points"))
    lines: list[str] = []
    results, context = run(runs=2, warmup=1, bloc_name="Khối quy mô 0001", log=lines.append)

    names = [r.name for r in results]
    assert len(results) == 16 + len(PAGES), names
    assert not [r for r in results if r.skipped], names
    # The objects the pages read were made through the services, for the first bloc only.
    review = Review.objects.get()
    assert review.state == ReviewState.CLOSED and review.campaign.year == 2025
    assert PledgeSignature.objects.filter(pledge__campaign__year=2026).count() == min(SIGNERS, 3 - 1)
    assert NominationList.objects.get(review=review).nominations.exists()
    assert AwardDecision.objects.filter(nomination_list__review=review).count() == 1
    assert Objection.objects.count() == 1
    homes = [r for r in results if r.name.startswith("Trang chủ")]
    assert len(homes) == 5 and all(r.queries for r in homes)  # every role's
    report = ("WeasyPrint", "Cả công việc", "Yêu cầu")  # timed a few times each, see _measure_report
    assert all(r.queries and len(r.timings_ms) == 2 for r in results if not r.name.startswith(report))
    assert all(r.timings_ms for r in results)
    by_name = {r.name: r for r in results}
    assert by_name["Xếp hạng cả năm của một khối (selector ranking_for)"].queries == 1
    assert "Trang xếp hạng tất cả các khối (GET scoring:ranking-overview)" in by_name
    # The year-end report: WeasyPrint alone, the whole job against it, the browser's answers.
    job = next(r for r in results if r.name.startswith("Cả công việc tạo báo cáo tổng kết"))
    assert "tỷ lệ thời gian p50 so với WeasyPrint riêng" in job.note
    assert job.budget.ms == round(
        by_name["WeasyPrint riêng trên cùng HTML của báo cáo tổng kết"].percentile(0.5) * 1.2
    )
    assert job.budget.judged_at == 0.5 and job.ok == (job.percentile(0.5) <= job.budget.ms)
    assert sum(r.name.startswith("Yêu cầu") for r in results) == 2
    assert "Trang chủ của cán bộ thi đua (GET home)" in by_name
    # The saves wrote for real, every cell each time (history rows), and left the data as it was:
    # each cell flips between its starting value and a neighbour, an even number of times.
    saves = 2 * (1 + 2 + 1)  # service and page: warm-up, timed runs, the counted run
    assert HistoricalScore.objects.count() == saves * 3 * 12
    assert Score.history.filter(history_type="~").values("id").distinct().count() == 3 * 12
    assert dict(Score.objects.values_list("pk", "points")) == before

    section = markdown(results, context)
    assert "| Trang bảng điểm (GET scoring:grid) |" in section
    assert (
        "| Xếp hạng cả năm của một khối (selector ranking_for) | xếp hạng cả năm một khối ≤ 50 ms, 1 truy vấn |"
        in section
    )
    target = tmp_path / "performance.md"
    target.write_text(f"# Hiệu năng\n\n{START}\ncũ\n{END}\n\nPhần sau.\n", encoding="utf-8")
    write_section(target, section)
    write_section(target, section)
    text = target.read_text(encoding="utf-8")
    assert text.count(START) == 1 and "cũ" not in text and text.endswith("Phần sau.\n")


def test_pages_are_made_once_and_a_page_not_built_is_skipped():
    call_command("seed_scale", blocs=1, units_per_bloc=3, criteria=12, years=2, first_year=2025)
    bloc = Bloc.objects.get()
    open_round = ScoringRound.objects.select_related("campaign", "criteria_set").get(state=RoundState.OPEN)
    from tests.bench.pages import personas
    from tests.bench.run import _bench_admin, _bench_users

    first = fixtures_for(bloc, open_round, {})
    secretary, leader = _bench_users(bloc, first.unit)
    users = personas(bloc, first.unit, secretary, leader, _bench_admin())
    made = prepare(fixtures_for(bloc, open_round, users), _bench_review(bloc, open_round, secretary))
    again = prepare(fixtures_for(bloc, open_round, users), _bench_review(bloc, open_round, secretary))
    assert not made.problems and not again.problems
    assert (again.pledge, again.review, again.decision, again.objection) == (
        made.pledge,
        made.review,
        made.decision,
        made.objection,
    )
    assert PledgeSignature.objects.count() == min(SIGNERS, 3 - 1)  # units 2 and 3 of 3

    bench = Bench(runs=1, warmup=0, log=lambda line: None)
    missing = Page("Trang chưa có", "awards:khong-co", lambda f: (), "admin", PAGES[0].budget)
    lacking = Page("Thiếu đối tượng", "awards:review-detail", lambda f: None, "admin", PAGES[0].budget)
    measure_pages(bench, made, [missing, lacking, PAGES[0]])
    skipped = {r.name.split(" (GET")[0]: r.skipped for r in bench.results}
    assert skipped["Trang chưa có"].startswith("chưa xây dựng")
    assert skipped["Thiếu đối tượng"].startswith("thiếu dữ liệu")
    assert not skipped[PAGES[0].name] and bench.results[2].timings_ms
