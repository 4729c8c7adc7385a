"""The benchmark driver still runs end to end (on a tiny dataset): `make bench` does not rot
when a page or the grid form changes. No timing is asserted here (DESIGN.md §8)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from scoring.models import HistoricalScore, Score
from tests.bench.run import END, START, markdown, run, write_section

pytestmark = pytest.mark.django_db


def test_driver_measures_every_page_and_writes_its_section(tmp_path):
    call_command("seed_scale", blocs=2, units_per_bloc=3, criteria=12, years=1, first_year=2025)
    before = dict(Score.objects.values_list("pk", "points"))
    lines: list[str] = []
    results, context = run(runs=2, warmup=1, bloc_name="Khối quy mô 0001", log=lines.append)

    names = [r.name for r in results]
    assert len(results) == 16, names
    assert not [r for r in results if r.skipped], names
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
        by_name["WeasyPrint riêng trên cùng HTML của báo cáo tổng kết"].percentile(0.95) * 1.2
    )
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
