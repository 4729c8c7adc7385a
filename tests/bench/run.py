"""Benchmark driver of `make bench` (DESIGN.md §8): server time and SQL queries of the entry
pages, the whole-grid save, the export and the rankings on the scale dataset of
`manage.py seed_scale`.

    python -m tests.bench.run [--runs 30] [--warmup 3] [--output docs/performance.md]

It runs against the database of DATABASE_URL (PostgreSQL when set, else SQLite), in process:
requests go through `django.test.Client` with the whole middleware stack, so "server time" is
everything Django does for a request (session, auth, view, template, response) without the
network or a WSGI server. DEBUG is turned off, as in production. Each measurement runs
`--warmup` times untimed, then `--runs` times timed; the SQL count is that of one further run.

The round measured is the open round of the first scale bloc ("Khối quy mô 0001": its last
year's Q4, 10 units × 60 criteria). Bench users `bench.thuky` (the bloc's secretariat),
`bench.chihuy` (leader of its first unit) and `bench.quantri` (an admin, who sees every bloc)
are created when missing. A page that is not built yet (its URL name does not resolve) is
reported as skipped, not failed.

The rankings: the selector alone for the bloc's year (the last complete year, published rounds,
as its members see it), the bloc's year ranking page for its secretariat (the current year,
the open round included), the overview of every bloc for the admin (its first page, whose blocs
are ranked together in one query), and, for reference, the selector ranking every bloc of the
year in one query.

The grid saves write for real (each run changes all 600 cells, alternating between two sets
of values), so they include the history rows and the commit, as a user's save does.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

from tests.bench.pages import fixtures_for, measure_pages, personas, prepare

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


@dataclass
class Budget:
    ms: int
    queries: int | None = None
    label: str = ""
    judged_at: float = 0.95  # the percentile compared with `ms`


ENTRY_PAGE = Budget(300, label="trang nhập liệu ≤ 300 ms")
SAVE = Budget(500, 15, label="lưu cả bảng ≤ 500 ms, ≤ 15 truy vấn")
REPORT_PAGE = Budget(800, label="trang tổng hợp ≤ 800 ms")
RANKING_QUERY = Budget(50, 1, label="xếp hạng cả năm một khối ≤ 50 ms, 1 truy vấn")
RANKING_PAGE = Budget(800, label="trang xếp hạng ≤ 800 ms")
ALL_BLOCS_QUERY = Budget(800, 1, label="tham khảo: ≤ 800 ms, 1 truy vấn")
ANSWER = Budget(300, label="trả lời trình duyệt khi yêu cầu báo cáo ≤ 300 ms")
REPORT_RATIO = 1.2  # the whole job ≤ 1.2 × WeasyPrint alone on the same HTML


@dataclass
class Result:
    name: str
    budget: Budget
    timings_ms: list[float] | None = None
    queries: int | None = None
    skipped: str = ""
    note: str = ""

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the timed runs."""
        ordered = sorted(self.timings_ms or [0.0])
        rank = max(1, -(-len(ordered) * share // 1))
        return ordered[int(rank) - 1]

    @property
    def ok(self) -> bool:
        within_time = self.percentile(self.budget.judged_at) <= self.budget.ms
        within_queries = self.budget.queries is None or (self.queries or 0) <= self.budget.queries
        return within_time and within_queries


class _Inputs(HTMLParser):
    """The named inputs of a page's forms, as a browser would send them back."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button", "file", "checkbox"):
            self.values.setdefault(name, attributes.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


class Bench:
    def __init__(self, *, runs: int, warmup: int, log: Callable[[str], None]):
        from django.db import connection
        from django.test import Client

        self.runs = runs
        self.warmup = warmup
        self.log = log
        self.connection = connection
        self.client = Client()
        self.results: list[Result] = []

    def measure(
        self,
        name: str,
        budget: Budget,
        action: Callable[[], object],
        *,
        prepare=None,
        runs: int | None = None,
        warmup: int | None = None,
    ) -> Result:
        """Time `action` (after `prepare`, untimed, before each run) and count its queries."""
        from django.test.utils import CaptureQueriesContext

        for _ in range(self.warmup if warmup is None else warmup):
            if prepare:
                prepare()
            action()
        timings = []
        for _ in range(self.runs if runs is None else runs):
            if prepare:
                prepare()
            started = time.perf_counter()
            action()
            timings.append((time.perf_counter() - started) * 1000)
        if prepare:
            prepare()
        with CaptureQueriesContext(self.connection) as captured:
            action()
        result = Result(name, budget, timings, len(captured.captured_queries))
        self.results.append(result)
        mark = "OK" if result.ok else "VƯỢT NGÂN SÁCH"
        self.log(
            f"  {name}: p50 {result.percentile(0.5):.0f} ms, p95 {result.percentile(0.95):.0f} ms, "
            f"{result.queries} truy vấn — {mark}"
        )
        return result

    def skip(self, name: str, budget: Budget, reason: str) -> None:
        self.results.append(Result(name, budget, skipped=reason))
        self.log(f"  {name}: bỏ qua — {reason}")


def _url(name: str, *args) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _expect(response, status: int = 200):
    if response.status_code != status:
        raise RuntimeError(f"{response.request['PATH_INFO']} trả về mã {response.status_code}, cần {status}")
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


def _bench_users(bloc, unit):
    from blocs.models import Assignment, Role, User

    def user(username: str, full_name: str) -> User:
        found = User.objects.filter(username=username).first()
        if found is None:
            found = User(username=username, full_name=full_name, position="Tài khoản đo hiệu năng")
            found.set_unusable_password()
            found.save()
        return found

    secretary = user("bench.thuky", "Cán bộ thi đua (đo hiệu năng)")
    Assignment.objects.get_or_create(user=secretary, role=Role.SECRETARY, bloc=bloc, unit=None)
    leader = user("bench.chihuy", "Chỉ huy đơn vị (đo hiệu năng)")
    Assignment.objects.get_or_create(user=leader, role=Role.LEADER, unit=unit, bloc=None)
    return secretary, leader


def _bench_admin():
    from blocs.models import User

    admin = User.objects.filter(username="bench.quantri").first()
    if admin is None:
        admin = User(
            username="bench.quantri", full_name="Quản trị (đo hiệu năng)", is_superuser=True, is_staff=True
        )
        admin.set_unusable_password()
        admin.save()
    return admin


class GridWrites:
    """Entries for a full-grid save that change every cell: each cell flips between the value
    it had when the bench started and a neighbour value, so the data does not drift."""

    def __init__(self, scoring_round):
        from scoring.models import Criterion, Scorecard, ScorecardKind

        self.round = scoring_round
        self.leaves = list(
            Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
        )
        self.cards = Scorecard.objects.filter(round=scoring_round, kind=ScorecardKind.FINAL)
        self.unit_ids = sorted(self.cards.values_list("scored_unit_id", flat=True))
        self.baseline, _versions = self.current()

    def current(self) -> tuple[dict[tuple[int, int], Decimal], dict[int, int]]:
        from scoring.models import Score

        values = {
            (unit_id, criterion_id): points
            for unit_id, criterion_id, points in Score.objects.filter(scorecard__in=self.cards).values_list(
                "scorecard__scored_unit_id", "criterion_id", "points"
            )
        }
        versions = dict(self.cards.values_list("scored_unit_id", "version"))
        return values, versions

    def _other(self, leaf, value: Decimal) -> Decimal:
        if leaf.max_points is None:  # veto: 0 or 1
            return Decimal(0) if value == 1 else Decimal(1)
        step = Decimal("0.25")
        return value - step if value >= step else value + step

    def next_entries(self) -> tuple[dict[tuple[int, int], Decimal], dict[int, int]]:
        values, versions = self.current()
        entries = {}
        for unit_id in self.unit_ids:
            for leaf in self.leaves:
                cell = (unit_id, leaf.pk)
                start = self.baseline.get(cell, Decimal(0))
                entries[cell] = self._other(leaf, start) if values.get(cell) == start else start
        return entries, versions


def run(*, runs: int, warmup: int, bloc_name: str, log: Callable[[str], None]) -> tuple[list[Result], dict]:
    from django.conf import settings
    from django.db import connection

    from blocs.models import Bloc, Membership, Unit
    from scoring.models import RoundState, ScoringRound
    from scoring.services.scorecards import final_grid_save

    bloc = Bloc.objects.filter(name=bloc_name).first()
    if bloc is None:
        raise SystemExit(
            f"Không có khối “{bloc_name}”: hãy tạo dữ liệu quy mô trước (python manage.py seed_scale)."
        )
    scoring_round = (
        ScoringRound.objects.filter(campaign__bloc=bloc, state=RoundState.OPEN)
        .select_related("campaign", "criteria_set")
        .order_by("-starts_on")
        .first()
    )
    if scoring_round is None:
        raise SystemExit(f"{bloc_name} không có đợt chấm đang mở để đo.")
    first_unit = Unit.objects.get(
        pk=Membership.objects.filter(bloc=bloc).order_by("unit__code").values("unit")[:1]
    )
    secretary, leader = _bench_users(bloc, first_unit)
    writes = GridWrites(scoring_round)
    context = {
        "vendor": connection.vendor,
        "server": _server_version(connection),
        "database": settings.DATABASES["default"]["NAME"],
        "round": f"{scoring_round.get_period_display()} năm {scoring_round.campaign.year}",
        "bloc": bloc.name,
        "units": len(writes.unit_ids),
        "leaves": len(writes.leaves),
        "counts": _dataset_counts(),
        "runs": runs,
        "warmup": warmup,
        "date": date.today(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg()[0],
        "python": sys.version.split()[0],
    }
    log(
        f"Đo trên {context['vendor']} ({context['database']}), {bloc.name}, {context['round']}: "
        f"{context['units']} đơn vị × {context['leaves']} tiêu chí; {warmup} lần khởi động + {runs} lần đo."
    )
    bench = Bench(runs=runs, warmup=warmup, log=log)
    client = bench.client

    # 1. The secretariat's grid page.
    grid_url = _url("scoring:grid", scoring_round.pk)
    if grid_url:
        client.force_login(secretary)
        bench.measure("Trang bảng điểm (GET scoring:grid)", ENTRY_PAGE, lambda: _expect(client.get(grid_url)))
    else:
        try:
            from scoring.selectors.grid import grid_for_round
        except ImportError:
            bench.skip("Trang bảng điểm", ENTRY_PAGE, "chưa xây dựng (không có scoring:grid)")
        else:
            bench.measure(
                "Bảng điểm, chỉ selector grid_for_round (trang chưa có)",
                ENTRY_PAGE,
                lambda: grid_for_round(scoring_round=scoring_round),
            )

    # 2. The whole-grid save, by the service and through the page.
    pending: dict = {}

    def prepare_service():
        pending["entries"], pending["versions"] = writes.next_entries()

    def save_service():
        result = final_grid_save(
            scoring_round=scoring_round,
            entries=pending["entries"],
            base_versions=pending["versions"],
            actor=secretary,
        )
        if result.changed != len(pending["entries"]):
            raise RuntimeError(f"Lưu cả bảng chỉ đổi {result.changed}/{len(pending['entries'])} ô.")

    cells = len(writes.unit_ids) * len(writes.leaves)
    bench.measure(
        f"Lưu cả bảng {len(writes.unit_ids)} × {len(writes.leaves)} (final_grid_save)",
        SAVE,
        save_service,
        prepare=prepare_service,
    )
    if grid_url:
        from scoring.forms.entry import cell_key  # the grid form's field names

        def prepare_post():
            page = _expect(client.get(grid_url))
            inputs = _Inputs()
            inputs.feed(page.content.decode())
            entries, _versions = writes.next_entries()
            data = dict(inputs.values)
            for (unit_id, criterion_id), value in entries.items():
                data[cell_key(unit_id, criterion_id)] = str(value).replace(".", ",")
            pending["data"] = data
            pending["expected"] = entries

        def save_post():
            _expect(client.post(grid_url, pending["data"]), 302)

        result = bench.measure(
            f"Lưu cả bảng {len(writes.unit_ids)} × {len(writes.leaves)} qua trang (POST scoring:grid)",
            SAVE,
            save_post,
            prepare=prepare_post,
        )
        values, _versions = writes.current()
        if values != pending["expected"]:
            raise RuntimeError("POST bảng điểm không ghi đúng các ô đã gửi.")
        result.note = (
            f"{cells} ô đổi mỗi lần; gồm đọc khung bảng (tiêu chí, đơn vị) trong view và chuyển hướng"
        )
    else:
        bench.skip("Lưu cả bảng qua trang (POST)", SAVE, "trang bảng điểm chưa xây dựng")

    # 3. A unit's self-assessment page (its leader, own unit, open round, draft card).
    self_url = _url("scoring:self-assessment", scoring_round.pk)
    if self_url:
        client.force_login(leader)
        bench.measure(
            "Trang tự chấm của đơn vị (GET scoring:self-assessment)",
            ENTRY_PAGE,
            lambda: _expect(client.get(self_url)),
        )
    else:
        bench.skip("Trang tự chấm", ENTRY_PAGE, "chưa xây dựng (không có scoring:self-assessment)")

    # 4. The round's Excel export.
    export_url = _url("scoring:excel-export", scoring_round.pk)
    if export_url:
        client.force_login(secretary)
        bench.measure(
            "Xuất Excel điểm của đợt (GET scoring:excel-export)",
            REPORT_PAGE,
            lambda: _expect(client.get(export_url)),
        )
    else:
        bench.skip("Xuất Excel", REPORT_PAGE, "chưa xây dựng (không có scoring:excel-export)")

    # 5. Rankings: the selector alone, the bloc's page, the overview of every bloc.
    _measure_rankings(bench, bloc, scoring_round, secretary)

    # 6. Home pages, the dashboards each role lands on.
    _measure_home(bench, secretary, leader)

    # 7. The year-end report of the bloc: the whole job against WeasyPrint alone, and the answer
    # the browser gets when asking for it. Before it, the objects the other pages read, made
    # once for the bloc (tests/bench/pages.py): the report is then of the closed review.
    users = personas(bloc, first_unit, secretary, leader, _bench_admin())
    fixtures = prepare(
        fixtures_for(bloc, scoring_round, users), _bench_review(bloc, scoring_round, secretary)
    )
    # 20 pairs by default (about a minute): with fewer, the p95 compared is the slowest run alone.
    _measure_report(bench, bloc, scoring_round, secretary, runs=max(3, runs * 2 // 3))
    fixtures.job = _done_job(fixtures.review)

    # 8. Every other page of the product, each as the role that reads it.
    bench.log("Các trang khác:")
    measure_pages(bench, fixtures)
    return bench.results, context


def _done_job(review):
    try:
        from reports.models import JobState, ReportJob
    except ImportError:
        return None
    return ReportJob.objects.filter(review=review, state=JobState.DONE).order_by("-pk").first()


def _measure_home(bench: Bench, secretary, leader) -> None:
    home_url = _url("home")
    client = bench.client
    for user, name, note in (
        (
            secretary,
            "Trang chủ của cán bộ thi đua (GET home)",
            "đợt đang nhập điểm, giao ước, xếp hạng, hội nghị",
        ),
        (leader, "Trang chủ của chỉ huy đơn vị (GET home)", "phiếu tự chấm, hạng từng quý, kiến nghị"),
        (
            _bench_admin(),
            "Trang chủ của quản trị viên (GET home)",
            "nhật ký từ chối truy cập, khóa đăng nhập",
        ),
    ):
        client.force_login(user)
        result = bench.measure(name, REPORT_PAGE, lambda: _expect(client.get(home_url)))
        result.note = note


def _measure_rankings(bench: Bench, bloc, scoring_round, secretary) -> None:
    from campaigns.models import Campaign

    try:
        from scoring.selectors.ranking import ranking_for
    except ImportError:
        bench.skip("Xếp hạng cả năm của một khối", RANKING_QUERY, "chưa xây dựng (scoring.selectors.ranking)")
        return
    from scoring.services.rules import scoring_rules_for

    campaigns = Campaign.objects.filter(bloc=bloc).select_related("bloc").order_by("year")
    complete = campaigns.exclude(pk=scoring_round.campaign_id).last() or scoring_round.campaign
    rules = scoring_rules_for(complete)
    ranking = ranking_for(campaign=complete, period="year", rules=rules, published_only=True)
    result = bench.measure(
        "Xếp hạng cả năm của một khối (selector ranking_for)",
        RANKING_QUERY,
        lambda: ranking_for(campaign=complete, period="year", rules=rules, published_only=True),
    )
    result.note = (
        f"{bloc.name} năm {complete.year}: {len(ranking.scored_rows)} đơn vị, "
        f"{len(ranking.rounds_with_results)} đợt đã công bố, như thành viên khối xem"
    )
    client = bench.client
    page_url = _url("scoring:ranking", scoring_round.campaign_id, "year")
    if page_url:
        client.force_login(secretary)
        result = bench.measure(
            "Trang xếp hạng cả năm của khối (GET scoring:ranking)",
            RANKING_PAGE,
            lambda: _expect(client.get(page_url)),
        )
        result.note = (
            f"thường trực khối, năm {scoring_round.campaign.year}, gồm cả đợt "
            f"{scoring_round.get_period_display()} đang nhập điểm"
        )
    else:
        bench.skip("Trang xếp hạng của khối", RANKING_PAGE, "chưa xây dựng (không có scoring:ranking)")
    overview_url = _url("scoring:ranking-overview")
    if overview_url:
        address = f"{overview_url}?nam={scoring_round.campaign.year}"
        client.force_login(_bench_admin())
        blocs = Campaign.objects.filter(year=scoring_round.campaign.year).count()
        result = bench.measure(
            "Trang xếp hạng tất cả các khối (GET scoring:ranking-overview)",
            RANKING_PAGE,
            lambda: _expect(client.get(address)),
        )
        result.note = (
            f"quản trị, năm {scoring_round.campaign.year}: trang đầu, {_overview_page_size()} trong {blocs} khối, "
            "xếp hạng cùng nhau trong một truy vấn"
        )
    else:
        bench.skip("Trang xếp hạng tất cả các khối", RANKING_PAGE, "chưa xây dựng (scoring:ranking-overview)")
    try:
        from scoring.selectors.ranking import rankings_for
    except ImportError:
        return
    every = list(
        Campaign.objects.filter(year=scoring_round.campaign.year).select_related("bloc", "scoring_rules")
    )
    result = bench.measure(
        f"Xếp hạng cả năm của cả {len(every)} khối trong một truy vấn (rankings_for)",
        ALL_BLOCS_QUERY,
        lambda: rankings_for(campaigns=every, period="year", published_only=False, details=False),
    )
    result.note = "như quản trị xem (gồm cả đợt đang nhập điểm), chỉ hạng và tổng điểm; không có trang nào đọc cả 300 khối một lúc"


def _bench_review(bloc, scoring_round, secretary):
    """The tổng kết of the bloc's last complete year (made once, through the service): its
    report reads the ranking of the four published rounds, the sections, the pledges."""
    from datetime import date as day

    from awards.models import Review, ReviewKind
    from awards.services.reviews import review_create
    from campaigns.models import Campaign

    campaign = (
        Campaign.objects.filter(bloc=bloc).exclude(pk=scoring_round.campaign_id).order_by("-year").first()
        or scoring_round.campaign
    )
    review = Review.objects.filter(campaign=campaign, kind=ReviewKind.TONG_KET).first()
    if review is None:
        review = review_create(
            campaign=campaign,
            kind=ReviewKind.TONG_KET,
            held_on=day(campaign.year, 12, 15),
            place="Hội trường đơn vị, Hà Nội",
            host_unit=None,
            chaired_by="Thủ trưởng đơn vị khối trưởng",
            actor=secretary,
        )
    return review


def _peak_memory_mb(action: Callable[[], object]) -> float:
    """Peak of the memory Python allocated while `action` ran (tracemalloc: one untimed run)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def _measure_report(bench: Bench, bloc, scoring_round, secretary, *, runs: int) -> None:
    try:
        from reports.models import JobState, ReportJob, ReportKind
        from reports.renderers import build_document
        from reports.tasks import report_render_task
    except ImportError:
        bench.skip("Báo cáo tổng kết PDF", ANSWER, "chưa xây dựng (reports)")
        return
    from thidua.lib.pdf import html_to_pdf

    review = _bench_review(bloc, scoring_round, secretary)
    units = review.attendance.count()
    document = build_document(kind=ReportKind.TONG_KET, target=review, parameters={})
    pages = html_to_pdf(document.html).page_count
    jobs: list[int] = []

    def queue_job():
        job = ReportJob.objects.create(
            kind=ReportKind.TONG_KET, campaign=review.campaign, review=review, requested_by=secretary
        )
        jobs.append(job.pk)

    def run_job():
        report_render_task(jobs[-1])
        if ReportJob.objects.filter(pk=jobs[-1]).values_list("state", flat=True).get() != JobState.DONE:
            raise RuntimeError("công việc tạo báo cáo không thành công")

    # Alternate the two, run by run, so that the machine's load weighs on both alike.
    alone_ms: list[float] = []
    whole_ms: list[float] = []
    for number in range(runs + 1):
        started = time.perf_counter()
        html_to_pdf(document.html, title=document.title)
        elapsed_alone = (time.perf_counter() - started) * 1000
        queue_job()
        started = time.perf_counter()
        run_job()
        elapsed_whole = (time.perf_counter() - started) * 1000
        if number:  # the first pair warms up
            alone_ms.append(elapsed_alone)
            whole_ms.append(elapsed_whole)
    alone = Result(
        "WeasyPrint riêng trên cùng HTML của báo cáo tổng kết",
        Budget(10_000, label="tham khảo (mẫu số của tỷ lệ)"),
        alone_ms,
        0,
    )
    queue_job()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(bench.connection) as captured:
        run_job()
    whole = Result(
        "Cả công việc tạo báo cáo tổng kết (task: nhận việc, đọc số liệu, HTML, PDF, ghi tệp)",
        # A ratio of two timings of a few seconds each, alternated run by run on a shared
        # machine: compared at their medians, which one slow run does not move.
        Budget(
            round(alone.percentile(0.5) * REPORT_RATIO),
            label=f"cả công việc ≤ {REPORT_RATIO} × WeasyPrint riêng (so trung vị p50)",
            judged_at=0.5,
        ),
        whole_ms,
        len(captured.captured_queries),
    )
    for result in (alone, whole):
        bench.results.append(result)
        bench.log(
            f"  {result.name}: p50 {result.percentile(0.5):.0f} ms, p95 {result.percentile(0.95):.0f} ms, "
            f"{result.queries} truy vấn — {'OK' if result.ok else 'VƯỢT NGÂN SÁCH'}"
        )
    ratio = whole.percentile(0.5) / alone.percentile(0.5)
    tail_ratio = whole.percentile(0.95) / alone.percentile(0.95)
    alone_mb = _peak_memory_mb(lambda: html_to_pdf(document.html, title=document.title))
    queue_job()
    whole_mb = _peak_memory_mb(run_job)
    alone.note = f"{units} đơn vị, {pages} trang; bộ nhớ Python cao nhất {alone_mb:.0f} MB"
    whole.note = (
        f"tỷ lệ thời gian p50 so với WeasyPrint riêng: {ratio:.2f} (p95: {tail_ratio:.2f}); "
        f"bộ nhớ Python cao nhất {whole_mb:.0f} MB "
        f"(WeasyPrint riêng {alone_mb:.0f} MB, tỷ lệ {whole_mb / alone_mb:.2f})"
    )

    # The browser's answer: the request page's POST (the document's source hashed, the job row,
    # the message to the broker after the commit, the redirect).
    client = bench.client
    url = _url("reports:review", review.pk)
    client.force_login(secretary)
    form = _Inputs()
    form.feed(client.get(url).content.decode())
    data = {**form.values, "kind": ReportKind.TONG_KET}
    result = bench.measure(
        "Yêu cầu tạo báo cáo tổng kết (POST reports:review, tạo công việc mới)",
        ANSWER,
        lambda: _expect(client.post(url, {**data, "force": "1"}), 302),
        runs=runs * 3,
    )
    result.note = "gồm dựng HTML để tính mã băm dữ liệu, ghi công việc, gửi vào hàng đợi sau khi lưu"
    result = bench.measure(
        "Yêu cầu lại với số liệu không đổi (POST reports:review, dùng tệp đã có)",
        ANSWER,
        lambda: _expect(client.post(url, data), 302),
        runs=runs * 3,
    )
    _purge_report_queue()
    ReportJob.objects.filter(review=review, requested_by=secretary).exclude(pk__in=jobs).delete()


def _purge_report_queue() -> None:
    """The jobs the bench asked for were only to time the answer: their messages go."""
    from contextlib import suppress

    from thidua.celery import app

    with app.connection_for_write() as conn, suppress(Exception):
        conn.default_channel.queue_purge("pdf")


def _overview_page_size() -> int:
    try:
        from scoring.views.ranking import OVERVIEW_PAGE_SIZE
    except ImportError:
        return 0
    return OVERVIEW_PAGE_SIZE


def _server_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _dataset_counts() -> dict[str, int]:
    from blocs.models import Bloc, Unit
    from scoring.models import Criterion, Score, Scorecard, ScoringRound

    return {
        "khối": Bloc.objects.count(),
        "đơn vị": Unit.objects.count(),
        "tiêu chí": Criterion.objects.count(),
        "đợt chấm": ScoringRound.objects.count(),
        "phiếu chấm": Scorecard.objects.count(),
        "điểm": Score.objects.count(),
    }


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def markdown(results: list[Result], context: dict) -> str:
    counts = ", ".join(f"{_number(v)} {k}" for k, v in context["counts"].items())
    lines = [
        f"Đo ngày {context['date']:%d/%m/%Y} trên {context['server']} (`{context['database']}`), "
        f"máy {context['cpus']} nhân (tải trung bình 1 phút lúc bắt đầu: {context['load']:.1f}), "
        f"Python {context['python']}.",
        "",
        f"- Dữ liệu: {counts}.",
        f"- Đợt đo: {context['bloc']}, {context['round']} (đang nhập điểm), "
        f"{context['units']} đơn vị × {context['leaves']} tiêu chí.",
        f"- Mỗi phép đo: {context['warmup']} lần khởi động, {context['runs']} lần đo; thời gian phía máy chủ "
        "(django.test.Client trong tiến trình, DEBUG tắt); số truy vấn SQL của một lần.",
        "",
        "| Phép đo | Ngân sách (DESIGN §8) | p50 (ms) | p95 (ms) | Truy vấn SQL | Kết quả |",
        "|---|---|--:|--:|--:|---|",
    ]
    for result in results:
        if result.skipped:
            lines.append(f"| {result.name} | {result.budget.label} | – | – | – | bỏ qua: {result.skipped} |")
            continue
        mark = "OK" if result.ok else "**VƯỢT NGÂN SÁCH**"
        lines.append(
            f"| {result.name} | {result.budget.label} | {result.percentile(0.5):.0f} | "
            f"{result.percentile(0.95):.0f} | {result.queries} | {mark} |"
        )
    notes = [f"- {r.name}: {r.note}." for r in results if r.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the part of `path` between the bench markers (or append it)."""
    block = f"{START}\n{section}{END}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = before + block + after.removeprefix("\n")
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + block
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đo hiệu năng trên dữ liệu quy mô (DESIGN.md §8).")
    parser.add_argument("--runs", type=int, default=30, help="Số lần đo mỗi phép (mặc định 30).")
    parser.add_argument(
        "--warmup", type=int, default=3, help="Số lần chạy khởi động không tính (mặc định 3)."
    )
    parser.add_argument("--bloc", default="Khối quy mô 0001", help="Khối dùng để đo.")
    parser.add_argument(
        "--output", type=Path, help="Ghi bảng kết quả vào tệp Markdown này (giữa hai dấu bench)."
    )
    parser.add_argument("--strict", action="store_true", help="Trả mã lỗi 1 nếu có phép đo vượt ngân sách.")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thidua.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as in production (query logging, template debug off)
    results, context = run(runs=args.runs, warmup=args.warmup, bloc_name=args.bloc, log=print)
    section = markdown(results, context)
    print()
    print(section)
    if args.output:
        write_section(args.output, section)
        print(f"Đã ghi vào {args.output}.")
    over = [r for r in results if not r.skipped and not r.ok]
    return 1 if args.strict and over else 0


if __name__ == "__main__":
    sys.exit(main())
