"""Celery adapters of the report jobs: they take ids, never objects or HTML."""

from __future__ import annotations

import contextlib
import logging
import os
import threading

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection

from reports.models import ReportJob
from reports.renderers import build_document, render_pdf
from reports.renderers.engine import MissingVariable
from reports.services.jobs import (
    job_claim,
    job_fail,
    job_finish,
    job_heartbeat,
    job_progress,
    job_requeue,
    jobs_recover,
    store_file,
)
from thidua.lib.pdf import ResourceRefused

logger = logging.getLogger(__name__)

# Errors that say "try again later" rather than "this document cannot be made".
TRANSIENT = (OperationalError, InterfaceError)
MAX_RETRIES = 3


class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat every few seconds while the worker renders, from a thread
    with its own database connection: WeasyPrint's layout is one long call that cannot beat."""

    def __init__(self, job_id: int, attempt: int):
        super().__init__(name=f"report-heartbeat-{job_id}", daemon=True)
        self.job_id, self.attempt = job_id, attempt
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = int(getattr(settings, "REPORT_JOB_HEARTBEAT_SECONDS", 10))
        try:
            while not self.stopped.wait(interval):
                try:
                    if not job_heartbeat(job_id=self.job_id, attempt=self.attempt):
                        return
                except DatabaseError:
                    logger.warning("report job %s: heartbeat failed", self.job_id, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def failure_message(exc: BaseException) -> str:
    """What the job page says when a document cannot be made."""
    if isinstance(exc, MissingVariable | ResourceRefused):
        return f"Không tạo được tài liệu: {exc}"
    if isinstance(exc, SoftTimeLimitExceeded):
        return "Tạo tài liệu quá thời gian cho phép; hãy thử lại hoặc báo quản trị viên."
    cause = exc.__cause__ or exc.__context__
    if cause is not None and isinstance(cause, MissingVariable | ResourceRefused):
        return f"Không tạo được tài liệu: {cause}"
    return f"Lỗi khi tạo tài liệu ({type(exc).__name__}: {str(exc)[:300]}). Hãy báo quản trị viên."


@shared_task(
    bind=True,
    name="reports.render",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=240,
    time_limit=300,
)
def report_render_task(self, job_id: int) -> None:
    # Celery's Django fixup closes stale database connections around each task.
    attempt = job_claim(job_id=job_id, worker=f"{self.request.hostname or 'worker'}:{os.getpid()}")
    if attempt is None:
        logger.info("report job %s: not queued any more, nothing to do", job_id)
        return
    heartbeat = _Heartbeat(job_id, attempt)
    heartbeat.start()
    try:
        job = ReportJob.objects.select_related("review", "pledge", "scoring_round").get(pk=job_id)
        job_progress(job_id=job_id, attempt=attempt, percent=15, stage="Đọc số liệu")
        document = build_document(kind=job.kind, target=job.target, parameters=job.parameters)
        job_progress(job_id=job_id, attempt=attempt, percent=35, stage="Dàn trang tài liệu")

        def laid_out(pages: int) -> None:
            job_progress(job_id=job_id, attempt=attempt, percent=80, stage=f"Ghi tệp PDF ({pages} trang)")

        pdf = render_pdf(document, on_laid_out=laid_out)
        name, sha256 = store_file(job_id=job_id, filename=document.filename, content=pdf.content)
        if not job_finish(
            job_id=job_id,
            attempt=attempt,
            file_name=name,
            sha256=sha256,
            size=len(pdf.content),
            page_count=pdf.page_count,
            data_hash=document.data_hash,
        ):
            logger.warning(
                "report job %s: finished after recovery gave it away; file %s unused", job_id, name
            )
    except TRANSIENT as exc:
        logger.warning("report job %s: transient error, retrying", job_id, exc_info=True)
        if self.request.retries >= MAX_RETRIES:
            _fail_quietly(
                job_id, attempt, "Cơ sở dữ liệu tạm thời không truy cập được nhiều lần; hãy thử lại sau."
            )
            return
        with contextlib.suppress(DatabaseError):  # else recovery finds it when its heartbeat stops
            job_requeue(
                job_id=job_id,
                attempt=attempt,
                stage="Chờ thử lại: cơ sở dữ liệu tạm thời không truy cập được",
            )
        raise self.retry(exc=exc, countdown=5 * (self.request.retries + 1)) from exc
    except Exception as exc:
        logger.exception("report job %s failed", job_id)
        _fail_quietly(job_id, attempt, failure_message(exc))
    finally:
        heartbeat.stop()


def _fail_quietly(job_id: int, attempt: int, message: str) -> None:
    try:
        job_fail(job_id=job_id, attempt=attempt, message=message)
    except DatabaseError:
        logger.exception("report job %s: could not record the failure", job_id)


@shared_task(name="reports.recover", ignore_result=True)
def report_jobs_recover_task() -> dict[str, int]:
    """Periodic (celery beat) and at worker start: no job stays running after its worker died."""
    return jobs_recover()


@worker_ready.connect
def _recover_at_start(sender=None, **kwargs) -> None:
    try:
        close_old_connections()
        counts = jobs_recover()
        if any(counts.values()):
            logger.warning("report jobs recovered at worker start: %s", counts)
    except DatabaseError:
        logger.exception("report jobs recovery at worker start failed")
