"""The life of a report job: requested, sent after the commit, claimed once, rendered, stored
with its hash; failures explained; dead workers and lost messages recovered."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from blocs.models import AuditEvent
from reports.models import JobState, ReportJob, ReportKind
from reports.renderers import build_document
from reports.services import jobs as services
from reports.tasks import report_render_task
from reports.tests.factories import closed_review, job_for, pdf_pages, signed_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The job ids handed to the broker, instead of a broker."""
    ids: list[int] = []
    monkeypatch.setattr(report_render_task, "apply_async", lambda args, **kw: ids.append(args[0]))
    return ids


@pytest.fixture
def pledge(world):
    return signed_pledge(world, signers=2)


def request(pledge, actor, *, force: bool = False, parameters: dict | None = None) -> services.Requested:
    document = build_document(kind=ReportKind.PLEDGE, target=pledge, parameters=parameters or {})
    return services.report_request(
        kind=ReportKind.PLEDGE,
        target=pledge,
        parameters=parameters or {},
        actor=actor,
        data_hash=document.data_hash,
        force=force,
    )


def test_a_request_queues_a_job_sent_to_the_broker_only_after_the_commit(
    world, pledge, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        requested = request(pledge, world.secretary)
        assert sent == []  # nothing reaches the broker before the commit
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    job = ReportJob.objects.get()
    assert requested.created and requested.job == job and sent == [job.pk]
    assert (job.state, job.campaign, job.pledge, job.requested_by) == (
        JobState.QUEUED,
        pledge.campaign,
        pledge,
        world.secretary,
    )
    assert job.enqueued_at is not None
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT, summary__contains=f"#{job.pk}").exists()


def test_asking_again_for_unchanged_data_offers_the_existing_job(world, pledge, sent):
    first = request(pledge, world.secretary).job
    second = request(pledge, world.admin)
    assert (second.created, second.job) == (False, first)
    first.state = JobState.DONE
    first.save()
    assert request(pledge, world.secretary).job == first
    assert request(pledge, world.secretary, force=True).created  # asked on purpose: a new render
    assert request(pledge, world.secretary, parameters={"place": "Hà Nội"}).created  # other data


def test_a_job_is_claimed_by_one_worker_only(world, pledge):
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary)
    assert services.job_claim(job_id=job.pk, worker="a:1") == 1
    assert services.job_claim(job_id=job.pk, worker="b:2") is None
    job.refresh_from_db()
    assert (job.state, job.worker, job.attempts) == (JobState.RUNNING, "a:1", 1)


def test_the_task_renders_stores_the_file_and_its_hash(world, pledge):
    job = request(pledge, world.secretary).job
    report_render_task(job.pk)
    job.refresh_from_db()
    assert (job.state, job.progress, job.error) == (JobState.DONE, 100, "")
    content = Path(default_storage.path(job.file.name)).read_bytes()
    assert job.file_sha256 == hashlib.sha256(content).hexdigest()
    assert job.file_size == len(content) and job.page_count == len(pdf_pages(content)) >= 1
    assert job.data_hash == build_document(kind=ReportKind.PLEDGE, target=pledge, parameters={}).data_hash
    assert job.file.name.startswith("reports/") and job.file.name.endswith(".pdf")
    assert not [
        p for p in Path(default_storage.path(job.file.name)).parent.iterdir() if p.name.startswith(".tmp")
    ]


def test_a_second_delivery_of_a_done_job_renders_nothing(world, pledge):
    job = request(pledge, world.secretary).job
    report_render_task(job.pk)
    job.refresh_from_db()
    finished, name = job.finished_at, job.file.name
    report_render_task(job.pk)
    job.refresh_from_db()
    assert (job.finished_at, job.file.name, job.attempts) == (finished, name, 1)


def test_a_bad_template_variable_fails_the_job_with_its_message(world, pledge, settings, tmp_path):
    folder = tmp_path / "reports" / "pdf"
    folder.mkdir(parents=True)
    (folder / "pledge.html").write_text("<p>{{ pledge.titel }}</p>", encoding="utf-8")
    settings.REPORT_TEMPLATE_DIRS = [str(tmp_path)]
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary)
    report_render_task(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and not job.file
    assert "pledge.titel" in job.error and job.error.startswith("Không tạo được tài liệu")


def test_a_document_reaching_outside_fails_the_job(world, pledge, settings, tmp_path):
    folder = tmp_path / "reports" / "pdf"
    folder.mkdir(parents=True)
    (folder / "pledge.html").write_text('<img src="http://example.com/seal.png">', encoding="utf-8")
    settings.REPORT_TEMPLATE_DIRS = [str(tmp_path)]
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary)
    report_render_task(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "không tải địa chỉ ngoài" in job.error


def test_a_transient_database_error_puts_the_job_back_for_a_retry(world, pledge, monkeypatch):
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary)

    def broken(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("reports.tasks.build_document", broken)
    with pytest.raises(OperationalError):  # called directly, Celery's retry re-raises
        report_render_task(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and "thử lại" in job.stage


def test_a_job_whose_worker_stopped_beating_is_queued_again_then_failed(
    world, pledge, sent, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_JOB_MAX_ATTEMPTS = 2
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary)
    services.job_claim(job_id=job.pk, worker="dead:1")
    later = timezone.now() + timedelta(seconds=settings.REPORT_JOB_STALE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_recover(now=later)["requeued"] == 1
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and sent == [job.pk]
    services.job_claim(job_id=job.pk, worker="dead:2")
    assert services.jobs_recover(now=later + timedelta(minutes=5))["failed"] == 1
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "dừng đột ngột 2 lần" in job.error


def test_a_beating_worker_keeps_its_job(world, pledge, sent):
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary)
    services.job_claim(job_id=job.pk, worker="alive:1")
    assert services.jobs_recover() == {"requeued": 0, "failed": 0, "resent": 0}
    assert ReportJob.objects.get(pk=job.pk).state == JobState.RUNNING


def test_a_worker_whose_job_was_given_away_cannot_finish_it(world, pledge, sent, settings):
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary)
    first = services.job_claim(job_id=job.pk, worker="slow:1")
    services.jobs_recover(now=timezone.now() + timedelta(seconds=settings.REPORT_JOB_STALE_SECONDS + 1))
    second = services.job_claim(job_id=job.pk, worker="fresh:2")
    assert (first, second) == (1, 2)
    assert not services.job_finish(
        job_id=job.pk, attempt=first, file_name="x.pdf", sha256="0" * 64, size=1, page_count=1, data_hash=""
    )
    assert not services.job_progress(job_id=job.pk, attempt=first, percent=50, stage="…")
    assert ReportJob.objects.get(pk=job.pk).worker == "fresh:2"


def test_a_broker_that_does_not_answer_leaves_the_job_queued_then_it_is_sent_again(
    world, pledge, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(report_render_task, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = request(pledge, world.secretary).job
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.stage == services.BROKER_DOWN_STAGE
    sent: list[int] = []
    monkeypatch.setattr(report_render_task, "apply_async", lambda args, **kw: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.jobs_recover(now=timezone.now() + timedelta(seconds=settings_resend() + 1))
    assert counts["resent"] == 1 and sent == [job.pk]
    assert ReportJob.objects.get(pk=job.pk).stage == JobState.QUEUED.label


def settings_resend() -> int:
    from django.conf import settings

    return settings.REPORT_JOB_RESEND_SECONDS


def test_a_failed_job_is_asked_again_as_a_new_job(world, pledge, sent):
    job = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary, state=JobState.FAILED, error="x")
    retry = services.report_retry(job=job, actor=world.secretary)
    assert retry.pk != job.pk and retry.state == JobState.QUEUED and retry.pledge == pledge
    done = job_for(pledge, kind=ReportKind.PLEDGE, actor=world.secretary, state=JobState.DONE)
    with pytest.raises(services.ReportRefused):
        services.report_retry(job=done, actor=world.secretary)


def test_a_report_of_the_wrong_kind_is_refused(world):
    review = closed_review(world, kind="so_ket")
    with pytest.raises(services.ReportRefused, match="sơ kết"):
        services.check_target(kind=ReportKind.TONG_KET, target=review)
    with pytest.raises(services.ReportRefused, match="chưa lập danh sách"):
        services.check_target(kind=ReportKind.NOMINATIONS, target=review)


def test_a_draft_pledge_has_no_document(world):
    from campaigns.services.pledges import pledge_create
    from campaigns.tests.factories import CampaignFactory

    draft = pledge_create(campaign=CampaignFactory(bloc=world.bloc), title="Dự thảo", actor=world.secretary)
    with pytest.raises(services.ReportRefused, match="chưa mở ký"):
        services.check_target(kind=ReportKind.PLEDGE, target=draft)


def test_a_render_ends_before_the_broker_would_deliver_its_message_again(settings):
    assert (
        report_render_task.soft_time_limit
        < report_render_task.time_limit
        < settings.BROKER_VISIBILITY_TIMEOUT
    )
    assert report_render_task.time_limit < settings.CELERY_TASK_TIME_LIMIT
    assert (
        settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1 and report_render_task.acks_late
    )  # one job at a time
