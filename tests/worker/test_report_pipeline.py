"""The report pipeline with a real Celery worker on Redis and PostgreSQL, as in production:
request → queue → worker → file with its hash; one render for the same request; a worker
killed mid-render leaves no job "running"; a broken template fails the job with its reason."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from reports.models import JobState, ReportJob, ReportKind
from reports.renderers import build_document
from reports.services.jobs import jobs_recover, report_request
from reports.tests.factories import closed_review, grow, signed_pledge
from tests.celery_worker import purge_queues, require_worker, running_worker

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def worker_needed():
    require_worker()
    purge_queues()


def ask(target, kind: str, actor) -> ReportJob:
    document = build_document(kind=kind, target=target, parameters={})
    return report_request(
        kind=kind, target=target, parameters={}, actor=actor, data_hash=document.data_hash
    ).job


def wait_for(job: ReportJob, states: set[str], timeout: float = 90) -> ReportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in states:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job #{job.pk} still {job.state} ({job.stage}) after {timeout} s")


def test_a_requested_report_is_made_by_the_worker_with_its_hash(world, tmp_path):
    pledge = signed_pledge(world, signers=2)
    with running_worker(tmp_path):
        job = wait_for(ask(pledge, ReportKind.PLEDGE, world.secretary), {JobState.DONE, JobState.FAILED})
    assert job.state == JobState.DONE, job.error
    content = Path(default_storage.path(job.file.name)).read_bytes()
    assert content.startswith(b"%PDF") and job.file_sha256 == hashlib.sha256(content).hexdigest()
    assert (job.progress, job.attempts) == (100, 1) and job.page_count >= 1


def test_the_same_request_twice_is_rendered_once(world, tmp_path):
    pledge = signed_pledge(world, signers=1)
    with running_worker(tmp_path):
        first = ask(pledge, ReportKind.PLEDGE, world.secretary)
        second = ask(pledge, ReportKind.PLEDGE, world.admin)
        from reports.tasks import report_render_task

        report_render_task.apply_async(args=[first.pk], queue="pdf")  # a duplicate message too
        wait_for(first, {JobState.DONE, JobState.FAILED})
        time.sleep(2)  # leave the duplicate message time to be consumed
    first.refresh_from_db()
    assert second == first and ReportJob.objects.count() == 1
    assert (first.state, first.attempts) == (JobState.DONE, 1)


def test_a_worker_killed_mid_render_leaves_no_job_running(world, tmp_path, settings):
    grow(world.bloc, 10)
    review = closed_review(world)
    fast = {"REPORT_JOB_HEARTBEAT_SECONDS": "1", "REPORT_JOB_STALE_SECONDS": "3"}
    settings.REPORT_JOB_STALE_SECONDS = 3
    with running_worker(tmp_path, **fast) as worker:
        job = wait_for(ask(review, ReportKind.TONG_KET, world.secretary), {JobState.RUNNING, JobState.DONE})
        assert job.state == JobState.RUNNING, "the render ended before the worker could be killed"
        os.killpg(worker.pid, signal.SIGKILL)  # the machine loses the worker, no goodbye
        worker.wait(timeout=10)
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.finished_at is None  # what the dead worker left
    time.sleep(4)  # its heartbeat is now older than REPORT_JOB_STALE_SECONDS
    with running_worker(tmp_path, **fast):
        jobs_recover()  # what celery beat runs every 30 s (and the job page when polled)
        job = wait_for(job, {JobState.DONE, JobState.FAILED})
    assert job.state == JobState.DONE, job.error
    assert job.attempts == 2 and job.file_sha256


def test_a_bad_template_variable_fails_the_job_with_a_message(world, tmp_path):
    folder = tmp_path / "templates" / "reports" / "pdf"
    folder.mkdir(parents=True)
    (folder / "pledge.html").write_text("<p>{{ pledge.titel }}</p>", encoding="utf-8")
    pledge = signed_pledge(world, signers=1)
    with running_worker(tmp_path, REPORT_TEMPLATE_DIRS=str(tmp_path / "templates")):
        job = ReportJob.objects.create(
            kind=ReportKind.PLEDGE, campaign=pledge.campaign, pledge=pledge, requested_by=world.secretary
        )
        from reports.tasks import report_render_task

        report_render_task.apply_async(args=[job.pk], queue="pdf")
        job = wait_for(job, {JobState.DONE, JobState.FAILED})
    assert job.state == JobState.FAILED and "pledge.titel" in job.error
    assert job.attempts == 1  # a rendering error is not retried
