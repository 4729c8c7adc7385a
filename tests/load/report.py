"""The load test's request names with their budgets (DESIGN.md §8), and the summary of a run
read from locust's CSV. Plain Python: the locustfile and the runner both import it.

A grid or self-assessment save that meets someone else's save answers 409 with the conflict
panel: that is the product working (optimistic locking), so it is recorded under its own name
and never counted as an error."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

ENTRY = 300  # entry pages and partials
DASHBOARD = 800  # ranking and dashboard pages
SAVE = 500  # a whole-grid save
ANSWER = 300  # the answer to a report request

LOGIN_PAGE = "Trang đăng nhập (GET login)"
LOGIN = "Đăng nhập (POST login)"
HOME = "Trang chủ (GET home)"
GRID = "Trang bảng điểm (GET scoring:grid)"
GRID_SAVE = "Lưu bảng điểm (POST scoring:grid)"
GRID_CONFLICT = "Lưu bảng điểm gặp xung đột, 409 (POST scoring:grid)"
SELF = "Trang tự chấm (GET scoring:self-assessment)"
SELF_SAVE = "Lưu nháp tự chấm (POST scoring:self-assessment)"
SELF_CONFLICT = "Lưu tự chấm gặp xung đột, 409 (POST scoring:self-assessment)"
COMPARISON = "So sánh tự chấm và kết quả (GET scoring:comparison)"
ROUND_RANKING = "Xếp hạng đợt đang chấm (GET scoring:ranking)"
YEAR_RANKING = "Xếp hạng cả năm (GET scoring:ranking)"
OVERVIEW = "Xếp hạng tất cả các khối (GET scoring:ranking-overview)"
SIGN_PAGE = "Trang ký giao ước (GET campaigns:pledge-sign)"
SIGN = "Ký giao ước (POST campaigns:pledge-sign)"
VERIFY = "Kiểm tra giao ước (GET campaigns:pledge-verify)"
REPORT_PAGE = "Trang báo cáo PDF của hội nghị (GET reports:review)"
REPORT_REQUEST = "Yêu cầu báo cáo PDF (POST reports:review)"
JOB = "Trang công việc báo cáo (GET reports:job-detail)"

# Request name → p95 budget in ms (None: no budget of its own; logging in hashes the password
# on purpose, which DESIGN.md §8 does not time).
BUDGETS: dict[str, int | None] = {
    LOGIN_PAGE: ENTRY,
    LOGIN: None,
    HOME: DASHBOARD,
    GRID: ENTRY,
    GRID_SAVE: SAVE,
    GRID_CONFLICT: SAVE,
    SELF: ENTRY,
    SELF_SAVE: ENTRY,
    SELF_CONFLICT: ENTRY,
    COMPARISON: DASHBOARD,
    ROUND_RANKING: DASHBOARD,
    YEAR_RANKING: DASHBOARD,
    OVERVIEW: DASHBOARD,
    SIGN_PAGE: ENTRY,
    SIGN: None,  # re-enters the password: hashed on purpose, like logging in
    VERIFY: ENTRY,
    REPORT_PAGE: ENTRY,
    REPORT_REQUEST: ANSWER,
    JOB: ENTRY,
}
CONFLICTS = (GRID_CONFLICT, SELF_CONFLICT)
# gunicorn's access log: method, path, status, time taken in microseconds.
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(D)s"


@dataclass
class Row:
    name: str
    count: int
    failures: int
    p50: float
    p95: float
    max: float
    server: list[float] | None = None  # gunicorn's time per request of this name, in ms

    @property
    def budget(self) -> int | None:
        return BUDGETS.get(self.name)

    def server_percentile(self, share: float) -> float | None:
        """Nearest-rank percentile of the server times."""
        if not self.server:
            return None
        ordered = sorted(self.server)
        return ordered[max(1, math.ceil(len(ordered) * share)) - 1]

    def mark(self, p95: float | None) -> str:
        if self.budget is None or p95 is None:
            return "–"
        return "OK" if p95 <= self.budget else "VƯỢT NGÂN SÁCH"


def read_stats(path: Path) -> tuple[list[Row], Row | None]:
    """Rows of locust's `<prefix>_stats.csv` per request name, and its aggregated row."""
    rows: list[Row] = []
    total = None
    with path.open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            row = Row(
                name=record["Name"],
                count=int(record["Request Count"]),
                failures=int(record["Failure Count"]),
                p50=float(record["50%"] or 0),
                p95=float(record["95%"] or 0),
                max=float(record["Max Response Time"] or 0),
            )
            if record["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    order = list(BUDGETS)
    rows.sort(key=lambda r: order.index(r.name) if r.name in order else len(order))
    return rows, total


def _route(method: str, path: str, status: int, targets: dict) -> str | None:
    """The request name of a line of gunicorn's access log (None: not a user's request)."""
    round_ = targets["round"]
    saves = {
        round_["grid"]: (GRID, GRID_SAVE, GRID_CONFLICT),
        round_["self_assessment"]: (SELF, SELF_SAVE, SELF_CONFLICT),
    }
    if path in saves:
        page, save, conflict = saves[path]
        return page if method == "GET" else conflict if status == 409 else save
    fixed = {
        "/dang-nhap/": LOGIN_PAGE if method == "GET" else LOGIN,
        "/": HOME,
        round_["comparison"]: COMPARISON,
        round_["ranking"]: ROUND_RANKING,
        targets["year_ranking"]: YEAR_RANKING,
        targets["ranking_overview"]: OVERVIEW,
    }
    if path in fixed:
        return fixed[path]
    for pledge in targets["pledges"]:
        if path == pledge["sign"]:
            return SIGN_PAGE if method == "GET" else SIGN
        if path == pledge["verify"]:
            return VERIFY
    for review in targets["reviews"]:
        if path == review["report"]:
            return REPORT_PAGE if method == "GET" else REPORT_REQUEST
    if re.fullmatch(r"/bao-cao/[0-9]+/", path):
        return JOB
    return None


def read_server_times(path: Path, targets: dict) -> dict[str, list[float]]:
    """Per request name, the time gunicorn spent on each request (its `%(D)s`, from the moment
    a worker took the request to the end of the answer: server time, without the wait in the
    listening queue), from an access log written with ACCESS_LOG_FORMAT."""
    times: dict[str, list[float]] = {}
    if not path.exists():
        return times
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
            continue
        method, url, status, micros = parts
        name = _route(method, url, int(status), targets)
        if name is not None:
            times.setdefault(name, []).append(int(micros) / 1000)
    return times


def read_failures(path: Path) -> list[tuple[str, str, int]]:
    """(request, error, occurrences) from locust's `<prefix>_failures.csv`."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [(r["Name"], r["Error"], int(r["Occurrences"])) for r in csv.DictReader(handle)]


def markdown(rows: list[Row], total: Row | None, failures: list[tuple[str, str, int]], context: dict) -> str:
    conflicts = sum(r.count for r in rows if r.name in CONFLICTS)
    lines = [
        f"Chạy ngày {context['date']}: {context['users']} người dùng đồng thời trong {context['duration']} "
        f"(khởi tạo {context['spawn_rate']} người/giây), máy chủ gunicorn {context['web_workers']} tiến trình "
        f"+ Celery worker trên 127.0.0.1; CSDL {context['database']}, hàng đợi {context['broker']}; "
        f"máy {context['cpus']} nhân, tải trung bình 1 phút lúc bắt đầu {context['load_before']:.1f}, "
        f"lúc kết thúc {context['load_after']:.1f}.",
        "",
        "Thời gian locust là thời gian người dùng chờ (gồm cả hàng đợi của máy chủ); thời gian máy chủ là "
        "của gunicorn cho từng yêu cầu, từ lúc một tiến trình nhận yêu cầu đến hết câu trả lời.",
        "",
        "| Yêu cầu | Số lần | Lỗi | locust p50 (ms) | locust p95 (ms) | locust max (ms) "
        "| máy chủ p50 (ms) | máy chủ p95 (ms) | Ngân sách p95 | Kết quả (locust / máy chủ) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]

    def shown(mark: str) -> str:
        return "**VƯỢT**" if mark == "VƯỢT NGÂN SÁCH" else mark

    def number(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f}"

    for row in rows:
        budget = "–" if row.budget is None else f"{row.budget} ms"
        server50, server95 = row.server_percentile(0.5), row.server_percentile(0.95)
        mark = shown(row.mark(row.p95))
        if row.budget is not None:
            mark += f" / {shown(row.mark(server95))}"
        lines.append(
            f"| {row.name} | {row.count} | {row.failures} | {row.p50:.0f} | {row.p95:.0f} | {row.max:.0f} "
            f"| {number(server50)} | {number(server95)} | {budget} | {mark} |"
        )
    if total is not None:
        lines.append(
            f"| **Tất cả** | {total.count} | {total.failures} | {total.p50:.0f} | {total.p95:.0f} "
            f"| {total.max:.0f} | | | | |"
        )
    lines += [
        "",
        f"- Lỗi: {total.failures if total else 0} (mọi mã trả về ngoài mã mong đợi, kể cả 500).",
        f"- Xung đột khi lưu (409, có bảng xung đột — hành vi đúng, không tính là lỗi): {conflicts}.",
        f"- Kiểm tra mất cập nhật sau khi chạy: {context['lost_check']}.",
    ]
    for name, error, count in failures:
        lines.append(f"- Lỗi {name}: {error} ({count} lần).")
    return "\n".join(lines) + "\n"
