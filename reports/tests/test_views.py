"""The report pages: who may ask, who may read, bad input, and a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from blocs.models import AuditEvent
from campaigns.tests.factories import this_year
from reports.models import JobState, ReportJob, ReportKind
from reports.tasks import report_render_task
from reports.tests.factories import closed_review, grow, job_for, signed_pledge, with_nominations
from scoring.models import ScoringRound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Messages go nowhere: these tests look at pages, not at the worker."""
    monkeypatch.setattr(report_render_task, "apply_async", lambda *a, **kw: None)


@pytest.fixture
def pledge(world):
    return signed_pledge(world, signers=2)


def pledge_url(pledge) -> str:
    return reverse("reports:pledge", args=[pledge.pk])


def valid_post(kind: str = ReportKind.PLEDGE, **fields) -> dict:
    return {
        "kind": kind,
        "number": "15/BC-KTĐ2",
        "place": "Hà Nội",
        "issued_on": f"05/03/{this_year()}",
        "signer_authority": "TM. KHỐI THI ĐUA SỐ 2",
        "signer_position": "KHỐI TRƯỞNG",
        "signer_name": "Đại tá Nguyễn Văn An",
        "recipients": "- Như trên;\nLưu: VT.",
        **fields,
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Access ---------------------------------------------------------------------------------------

READERS = ["admin", "secretary", "observer", "leader"]


@pytest.mark.parametrize(
    ("persona", "status", "has_form"),
    [
        ("admin", 200, True),
        ("secretary", 200, True),
        ("observer", 200, False),
        ("leader", 200, False),
        ("officer", 403, False),
        ("other_secretary", 404, False),
        ("outsider", 404, False),
        ("nobody", 404, False),
    ],
)
def test_the_request_page_by_role(world, client_for, pledge, persona, status, has_form):
    response = client_for(world.persona(persona)).get(pledge_url(pledge))
    assert response.status_code == status
    if status == 200:
        assert ('data-testid="report-form"' in response.content.decode()) is has_form


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 302),
        ("secretary", 302),
        ("observer", 403),
        ("leader", 403),
        ("officer", 403),
        ("other_secretary", 404),
        ("outsider", 404),
    ],
)
def test_only_the_secretariat_and_admins_ask_for_a_report(world, client_for, pledge, persona, status):
    response = client_for(world.persona(persona)).post(pledge_url(pledge), valid_post())
    assert response.status_code == status
    assert ReportJob.objects.count() == (1 if status == 302 else 0)


def test_anonymous_visitors_are_sent_to_the_login_page(client, world, pledge):
    response = client.get(pledge_url(pledge))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("secretary", 200),
        ("observer", 200),
        ("leader", 200),
        ("officer", 404),
        ("other_secretary", 404),
        ("outsider", 404),
    ],
)
@pytest.mark.parametrize("view", ["job-detail", "job-progress", "job-download"])
def test_a_job_is_read_by_those_who_see_the_blocs_reports(world, client_for, pledge, persona, status, view):
    job = ReportJob.objects.get(
        pk=client_for(world.secretary).post(pledge_url(pledge), valid_post()).url.split("/")[-2]
    )
    report_render_task(job.pk)
    response = client_for(world.persona(persona)).get(reverse(f"reports:{view}", args=[job.pk]))
    assert response.status_code == status


def test_a_unit_leader_does_not_read_the_nomination_list_of_his_bloc(world, client_for):
    review = closed_review(world)
    with_nominations(world, review)
    job = job_for(review, kind=ReportKind.NOMINATIONS, actor=world.secretary)
    assert client_for(world.leader).get(reverse("reports:job-detail", args=[job.pk])).status_code == 404
    assert client_for(world.observer).get(reverse("reports:job-detail", args=[job.pk])).status_code == 200
    page = client_for(world.leader).get(reverse("reports:review", args=[review.pk]))
    assert page.status_code == 200 and f"#{job.pk}" not in page.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("secretary", 302), ("observer", 403), ("outsider", 404)])
def test_only_the_secretariat_retries_a_failed_job(world, client_for, pledge, persona, status):
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary, state=JobState.FAILED, error="x")
    response = client_for(world.persona(persona)).post(reverse("reports:job-retry", args=[job.pk]))
    assert response.status_code == status
    assert ReportJob.objects.count() == (2 if status == 302 else 1)


# --- Asking ---------------------------------------------------------------------------------------


def test_the_secretariat_asks_watches_and_downloads(world, client_for, pledge):
    client = client_for(world.secretary)
    response = client.post(pledge_url(pledge), valid_post())
    job = ReportJob.objects.get()
    assert response.url == reverse("reports:job-detail", args=[job.pk])
    assert job.parameters["place"] == "Hà Nội" and job.parameters["recipients"] == ["Như trên;", "Lưu: VT."]
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Đang chờ xử lý" in page
    report_render_task(job.pk)
    progress = client.get(reverse("reports:job-progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in progress  # the page stops asking once the job is over
    assert 'data-testid="job-download"' in progress and "100%" in progress
    download = client.get(reverse("reports:job-download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, summary__contains=f"#{job.pk}").exists()
    history = client.get(pledge_url(pledge)).content.decode()
    assert job.file_sha256[:12] in history and "Tải về" in history


def test_asking_again_for_unchanged_data_offers_the_file_already_made(world, client_for, pledge):
    client = client_for(world.secretary)
    first = client.post(pledge_url(pledge), valid_post())
    report_render_task(ReportJob.objects.get().pk)
    again = client.post(pledge_url(pledge), valid_post(), follow=True)
    assert ReportJob.objects.count() == 1
    assert any("Số liệu không thay đổi" in m for m in messages_of(again))
    assert again.redirect_chain[-1][0] == first.url
    client.post(pledge_url(pledge), valid_post(force="1"))
    assert ReportJob.objects.count() == 2


def test_a_failed_job_shows_why_and_offers_a_retry_to_the_secretariat_only(world, client_for, pledge):
    job = job_for(
        pledge,
        kind=ReportKind.PLEDGE,
        actor=world.secretary,
        state=JobState.FAILED,
        error="Không tạo được tài liệu: lỗi mẫu.",
    )
    page = client_for(world.secretary).get(reverse("reports:job-detail", args=[job.pk])).content.decode()
    assert "Không tạo được tài liệu: lỗi mẫu." in page and "Tạo lại" in page
    page = client_for(world.observer).get(reverse("reports:job-detail", args=[job.pk])).content.decode()
    assert (
        "Không tạo được tài liệu: lỗi mẫu." in page
        and reverse("reports:job-retry", args=[job.pk]) not in page
    )


def test_a_missing_file_is_a_clear_404(world, client_for, pledge):
    job = job_for(
        pledge, kind=ReportKind.PLEDGE, actor=world.secretary, state=JobState.DONE, file="reports/x.pdf"
    )
    response = client_for(world.secretary).get(reverse("reports:job-download", args=[job.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"issued_on": "31/02/2024"}, "Ngày ban hành: Ngày “31/02/2024” không tồn tại."),
        ({"issued_on": "hôm nay"}, "Ngày ban hành: “hôm nay” không đúng dạng ngày/tháng/năm"),
        ({"issued_on": "05/03/2099"}, "Ngày ban hành phải trong năm"),
        ({"number": "1" * 61}, "Số, ký hiệu dài tối đa 60 ký tự"),
        ({"signer_name": "x" * 201}, "Cấp bậc, họ tên người ký dài tối đa 200 ký tự"),
        ({"recipients": "\n".join(f"Nơi {n};" for n in range(13))}, "Nơi nhận: tối đa 12 dòng"),
        ({"recipients": "a" * 300}, "Nơi nhận: mỗi dòng tối đa 200 ký tự"),
        ({"kind": "tong_ket"}, "không lập được cho đối tượng này"),
        ({"kind": ""}, "Chọn tài liệu cần tạo."),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_queued(world, client_for, pledge, fields, message):
    response = client_for(world.secretary).post(pledge_url(pledge), valid_post(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReportJob.objects.exists()


def test_a_round_not_yet_published_has_no_score_sheet(world, client_for):
    from awards.tests.factories import review_for

    review = review_for(world.bloc, "so_ket", 2024, actor=world.admin, unpublished=("q2",))
    scoring_round = ScoringRound.objects.get(campaign=review.campaign, period="q2")
    response = client_for(world.secretary).post(
        reverse("reports:round", args=[scoring_round.pk]),
        valid_post(ReportKind.RANKING_SHEET, issued_on="01/07/2024"),
    )
    assert response.status_code == 400 and "chưa công bố kết quả" in response.content.decode()
    assert not ReportJob.objects.exists()


def test_the_objects_pages_link_to_their_reports_for_readers_only(world, client_for):
    review = closed_review(world)
    link = reverse("reports:review", args=[review.pk])
    detail = reverse("awards:review-detail", args=[review.pk])
    assert link in client_for(world.observer).get(detail).content.decode()
    assert link not in client_for(world.officer).get(detail).content.decode()


def test_the_review_offers_its_report_its_score_sheet_and_its_nominations(world, client_for):
    review = closed_review(world)
    page = client_for(world.secretary).get(reverse("reports:review", args=[review.pk])).content.decode()
    assert "Báo cáo tổng kết" in page and "Bảng tổng hợp điểm" in page
    assert "Danh sách đề nghị khen thưởng" not in page
    with_nominations(world, review)
    page = client_for(world.secretary).get(reverse("reports:review", args=[review.pk])).content.decode()
    assert "Danh sách đề nghị khen thưởng" in page
    response = client_for(world.secretary).post(
        reverse("reports:review", args=[review.pk]), valid_post("tong_ket", issued_on="15/12/2024")
    )
    job = ReportJob.objects.get()
    assert response.status_code == 302 and (job.kind, job.review) == ("tong_ket", review)


# --- Queries --------------------------------------------------------------------------------------


def many_jobs(pledge, actor, count: int) -> ReportJob:
    jobs = [
        job_for(pledge, kind=ReportKind.PLEDGE, actor=actor, state=JobState.DONE, file_sha256="a" * 64)
        for _ in range(count)
    ]
    return jobs[-1]


# Session, user, the pledge (with campaign and bloc), the permission to ask (and, for a reader,
# to read), the document's defaults (the pledge with its bloc's organiser), the navigation roles,
# the jobs with their requesters.
@pytest.mark.parametrize(("size", "jobs"), [(3, 1), (8, 12)])
@pytest.mark.parametrize(("persona", "expected"), [("secretary", 7), ("observer", 8)])
def test_the_request_page_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, pledge, size, jobs, persona, expected
):
    grow(world.bloc, size)
    many_jobs(pledge, world.secretary, jobs)
    client = client_for(world.persona(persona))
    with django_assert_num_queries(expected):
        response = client.get(pledge_url(pledge))
    assert response.content.decode().count('data-testid="report-row"') == jobs


# Session, user, the job (with its campaign, bloc, object and requester), the permission to ask;
# the page adds the navigation roles.
@pytest.mark.parametrize("jobs", [1, 12])
@pytest.mark.parametrize(("view", "expected"), [("job-detail", 5), ("job-progress", 4)])
def test_the_job_pages_run_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, pledge, jobs, view, expected
):
    job = many_jobs(pledge, world.secretary, jobs)
    client = client_for(world.secretary)
    with django_assert_num_queries(expected):
        response = client.get(reverse(f"reports:{view}", args=[job.pk]))
    assert response.status_code == 200


def test_asking_while_the_broker_is_down_says_so_and_the_job_waits(
    world, client_for, pledge, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as BrokerError

    from reports.services.jobs import BROKER_DOWN_STAGE

    def down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(report_render_task, "apply_async", down)
    client = client_for(world.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(pledge_url(pledge), valid_post())
    assert response.status_code == 302  # never a 500
    job = ReportJob.objects.get()
    page = client.get(response.url).content.decode()
    assert job.state == JobState.QUEUED and BROKER_DOWN_STAGE in page
