"""The pictures of the user guide (docs/huong-dan-su-dung.md), taken from the demo data at the
laptop size the guide describes (1366 × 768, what fits on one screen, not the whole page).

Every run checks that each pictured page shows what the guide says about it. The pictures are
written to a temporary folder, or to the guide's folder when asked:

    GUIDE_SCREENSHOTS=docs/img .venv/bin/python -m pytest tests/e2e/test_guide_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from awards.models import Review
from blocs.models import Unit
from campaigns.models import Campaign, Pledge
from reports.models import ReportJob
from reports.tasks import report_render_task
from scoring.models import ScoringRound
from scoring.services.rounds import round_close

LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("GUIDE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.wait_for_load_state("networkidle")
        page.mouse.move(0, 0)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
        return path

    return take


def test_guide_pictures(sign_in, page, live_server, shots):
    url = live_server.url
    campaign = Campaign.objects.get(bloc__name="Khối thi đua số 2", year=2026)
    q3 = ScoringRound.objects.get(campaign=campaign, period="q3")
    pledge = Pledge.objects.get(campaign=campaign, title="Giao ước thi đua năm 2026")
    qk2 = Unit.objects.get(code="QK2")

    page.set_viewport_size(LAPTOP)
    page.goto(f"{url}/dang-nhap/")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    shots(page, "dang-nhap")

    # Secretariat
    sign_in("thuky.k2", viewport=LAPTOP)
    expect(page.get_by_test_id("todo-item").first).to_contain_text("quá hạn nhập điểm")
    shots(page, "trang-chu-can-bo-thi-dua")
    page.set_viewport_size(TABLET)
    shots(page, "trang-chu-may-tinh-bang")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{url}/dot-cham/{q3.pk}/bang-diem/")
    page.locator("input.g-in").first.focus()
    page.keyboard.type("9,5")
    page.keyboard.press("Enter")
    page.keyboard.type("4,75")
    expect(page.locator("#grid-changed")).to_have_text("2 ô đã sửa, chưa lưu")
    shots(page, "bang-diem")
    page.goto(f"{url}/phong-trao/{campaign.pk}/xep-hang/q2/")
    expect(page.get_by_test_id("ranking-row")).to_have_count(8)
    shots(page, "xep-hang")
    page.goto(f"{url}/tim-kiem/?q=quan+khu")
    shots(page, "tim-kiem")
    # The 2024 tổng kết as PDF: asked for on its report page, made by the worker (here the task
    # runs in the test, as the worker would), watched on the job page.
    review = Review.objects.get(
        campaign__bloc__name="Khối thi đua số 2", campaign__year=2024, kind="tong_ket"
    )
    page.goto(f"{url}/hoi-nghi/{review.pk}/bao-cao-pdf/")
    expect(page.get_by_test_id("report-form")).to_be_visible()
    shots(page, "bao-cao-yeu-cau")
    page.get_by_role("button", name="Tạo báo cáo").click()
    expect(page.get_by_test_id("job-progress")).to_be_visible()
    report_render_task(ReportJob.objects.filter(review=review).latest("pk").pk)
    expect(page.get_by_test_id("job-percent")).to_have_text("100%")
    expect(page.get_by_test_id("job-download")).to_be_visible()
    shots(page, "bao-cao-xong")
    # Unit leader
    page.context.clear_cookies()
    sign_in("chihuy.qk2", viewport=LAPTOP)
    expect(page.get_by_test_id("todo")).to_contain_text("chờ Quân khu 2 ký")
    expect(page.get_by_test_id("todo")).to_contain_text("Gửi phiếu tự chấm Quý III năm 2026 của Quân khu 2")
    shots(page, "trang-chu-chi-huy")
    page.goto(f"{url}/giao-uoc/{pledge.pk}/ky/")
    expect(page.get_by_label("Mật khẩu đăng nhập (xác nhận ký)")).to_be_visible()
    shots(page, "ky-giao-uoc")
    page.goto(f"{url}/dot-cham/{q3.pk}/tu-cham/?don_vi={qk2.pk}")
    shots(page, "tu-cham")

    round_close(scoring_round=q3, actor=None, today=timezone.localdate())
    page.context.clear_cookies()
    sign_in("thuky.k2", viewport=LAPTOP)
    page.goto(f"{url}/dot-cham/{q3.pk}/")
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.get_by_role("dialog", name="Xác nhận")).to_be_visible()
    expect(page.locator(".modal-backdrop.show")).to_be_visible()
    page.wait_for_timeout(600)  # the dialog's fade-in
    shots(page, "xac-nhan-cong-bo")
    page.get_by_role("dialog").get_by_role("button", name="Quay lại").click()

    # Observer
    page.context.clear_cookies()
    sign_in("theodoi.k2", viewport=LAPTOP)
    expect(page.get_by_test_id("watched-bloc")).to_contain_text("Quân khu 1")
    shots(page, "trang-chu-theo-doi")

    # Admin
    page.context.clear_cookies()
    sign_in("admin", viewport=LAPTOP)
    expect(page.get_by_test_id("health-database")).to_be_visible()
    shots(page, "trang-chu-quan-tri")
