"""Journey: an admin asks for Khối thi đua số 2's 2024 sơ kết report as PDF, watches the
progress bar reach 100 % while a real Celery worker renders it, downloads the file and finds a
PDF with the bloc's name."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command
from playwright.sync_api import expect
from pypdf import PdfReader

from awards.models import Review
from reports.models import JobState, ReportJob
from tests.celery_worker import purge_queues, require_worker, running_worker


def test_admin_asks_for_the_so_ket_pdf_watches_it_and_downloads_it(
    login, page, live_server, demo, tmp_path, external_requests
):
    require_worker()
    purge_queues()
    call_command("seed_demo", quiet_logins=True)  # the 2024 reviews of Khối thi đua số 2
    review = Review.objects.get(campaign__bloc__name="Khối thi đua số 2", campaign__year=2024, kind="so_ket")

    with running_worker(tmp_path):
        page = login("admin")
        page.goto(f"{live_server.url}/hoi-nghi/{review.pk}/")
        page.get_by_role("link", name="Báo cáo PDF").click()
        expect(page.get_by_role("heading", name="Báo cáo PDF")).to_be_visible()
        page.get_by_label("Báo cáo sơ kết").check()
        page.get_by_label("Số, ký hiệu").fill("27/BC-KTĐ2")
        page.get_by_role("button", name="Tạo báo cáo").click()

        progress = page.get_by_test_id("job-progress")
        expect(progress.locator("progress")).to_be_visible()
        expect(page.get_by_test_id("job-percent")).to_have_text("100%", timeout=90_000)
        expect(progress).to_contain_text("Đã xong")
        with page.expect_download() as info:
            page.get_by_test_id("job-download").click()
        download = info.value

    content = Path(download.path()).read_bytes()
    assert download.suggested_filename.endswith(".pdf")
    assert content.startswith(b"%PDF")
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
    assert "KHỐI THI ĐUA SỐ 2" in text and "Số: 27/BC-KTĐ2" in text
    job = ReportJob.objects.get()
    assert (job.state, job.kind, job.review_id) == (JobState.DONE, "so_ket", review.pk)
    assert external_requests == []
