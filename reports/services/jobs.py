"""Report jobs: asked for in a request, rendered by a worker, recovered when a worker dies.

The life of a job: `report_request` (queued, enqueued after the commit) → `job_claim` by one
worker with a conditional UPDATE (running) → progress updates and a heartbeat while it
renders → `job_finish` (done, with the file and its hash) or `job_fail` (failed, with the
reason in Vietnamese). A worker killed mid-render stops beating: `jobs_recover` puts its job
back in the queue (up to REPORT_JOB_MAX_ATTEMPTS runs) or fails it, so none stays "running".
A job whose message never reached the broker (the broker was down) stays queued and is sent
again by `jobs_recover` once the broker answers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from awards.models import NominationList, Review, ReviewKind
from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from campaigns.models import Pledge
from reports.models import JobState, ReportJob, ReportKind
from scoring.models import RoundState, ScoringRound

logger = logging.getLogger(__name__)

WORKER_STOPPED = (
    "Tiến trình tạo báo cáo bị dừng đột ngột {attempts} lần (máy chủ xử lý khởi động lại hoặc hết bộ nhớ). "
    "Hãy bấm “Tạo lại”; nếu vẫn lỗi, báo quản trị viên."
)
BROKER_DOWN_STAGE = "Đang chờ hàng đợi: máy chủ hàng đợi tạm thời không kết nối được, sẽ tự gửi lại"


class ReportRefused(Exception):
    """The object cannot have that report now; the message says why, in Vietnamese."""


def _settings_int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def check_target(*, kind: str, target) -> None:
    """Refuses a report its object cannot have: the wrong kind of object, a pledge not sealed,
    a round not published, a nomination list that does not exist."""
    if kind in (ReportKind.SO_KET, ReportKind.TONG_KET):
        if not isinstance(target, Review):
            raise ReportRefused("Báo cáo sơ kết, tổng kết được lập từ một hội nghị.")
        expected = ReportKind.SO_KET if target.kind == ReviewKind.SO_KET else ReportKind.TONG_KET
        if kind != expected:
            raise ReportRefused(
                f"Hội nghị này là {target.get_kind_display().lower()}: chọn “{expected.label}”."
            )
    elif kind == ReportKind.PLEDGE:
        if not isinstance(target, Pledge):
            raise ReportRefused("Tài liệu giao ước được lập từ một giao ước.")
        if not target.is_frozen:
            raise ReportRefused("Giao ước chưa mở ký (chưa niêm phong): chưa có văn bản chính thức để in.")
    elif kind == ReportKind.RANKING_SHEET:
        if isinstance(target, ScoringRound):
            if target.state != RoundState.PUBLISHED:
                raise ReportRefused(
                    f"{target.get_period_display()} chưa công bố kết quả: bảng tổng hợp điểm chỉ lập từ kết quả đã công bố."
                )
        elif not isinstance(target, Review):
            raise ReportRefused("Bảng tổng hợp điểm được lập từ một đợt chấm hoặc một hội nghị.")
    elif kind == ReportKind.NOMINATIONS:
        if not isinstance(target, Review) or not NominationList.objects.filter(review=target).exists():
            raise ReportRefused("Hội nghị chưa lập danh sách đề nghị khen thưởng.")
    else:
        raise ReportRefused("Loại báo cáo không hợp lệ.")


def _target_fields(target) -> dict:
    if isinstance(target, Review):
        return {"review": target}
    if isinstance(target, Pledge):
        return {"pledge": target}
    return {"scoring_round": target}


def jobs_for(*, target):
    return ReportJob.objects.filter(**_target_fields(target))


def _enqueue(job_id: int) -> None:
    """Sends the job to the `pdf` queue. A broker that does not answer leaves the job queued,
    says so on its page, and `jobs_recover` sends it again later: never an error page."""
    from reports.tasks import report_render_task

    try:
        report_render_task.apply_async(
            args=[job_id],
            queue="pdf",
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        )
    except Exception:  # kombu raises transport-specific errors; all mean "not sent"
        logger.warning("report job %s: broker unavailable, left queued for recovery", job_id, exc_info=True)
        ReportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            stage=BROKER_DOWN_STAGE, enqueued_at=timezone.now()
        )
        return
    ReportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        enqueued_at=timezone.now(), stage=JobState.QUEUED.label
    )


def _enqueue_on_commit(job: ReportJob) -> None:
    job_id = job.pk
    transaction.on_commit(lambda: _enqueue(job_id))


@dataclass(frozen=True)
class Requested:
    job: ReportJob
    created: bool  # False: an existing job for the same data was offered instead


@transaction.atomic
def report_request(
    *, kind: str, target, parameters: dict, actor, data_hash: str, force: bool = False
) -> Requested:
    """Queues a report of `target`, unless one for the same data is done or on its way (then
    that one is offered, unless `force`). `data_hash` is the hash of the document's source as
    built for the request (reports.renderers.Document.data_hash)."""
    check_target(kind=kind, target=target)
    same = (
        jobs_for(target=target)
        .filter(kind=kind, data_hash=data_hash)
        .filter(Q(state=JobState.DONE) | Q(state__in=[JobState.QUEUED, JobState.RUNNING]))
        .order_by("-requested_at", "-pk")
        .first()
    )
    if same is not None and (not force or same.is_active):
        return Requested(same, created=False)
    campaign = target.campaign
    job = ReportJob(
        kind=kind,
        campaign=campaign,
        parameters=parameters,
        requested_by=actor,
        data_hash=data_hash,
        stage=JobState.QUEUED.label,
        **_target_fields(target),
    )
    job.full_clean()
    job.save()
    audit_record(
        kind=AuditEvent.Kind.REPORT,
        summary=f"Yêu cầu tạo {job.get_kind_display().lower()} – {target} (báo cáo #{job.pk})",
        actor=actor,
        data={"job": job.pk, "kind": kind},
    )
    _enqueue_on_commit(job)
    return Requested(job, created=True)


@transaction.atomic
def report_retry(*, job: ReportJob, actor) -> ReportJob:
    """A failed job asked again: the same object and parameters, a new job."""
    if job.state != JobState.FAILED:
        raise ReportRefused("Chỉ tạo lại được báo cáo không thành công.")
    target = job.target
    check_target(kind=job.kind, target=target)
    retry = ReportJob(
        kind=job.kind,
        campaign=job.campaign,
        parameters=job.parameters,
        requested_by=actor,
        data_hash="",
        stage=JobState.QUEUED.label,
        **_target_fields(target),
    )
    retry.save()
    audit_record(
        kind=AuditEvent.Kind.REPORT,
        summary=f"Tạo lại {job.get_kind_display().lower()} – {target} (báo cáo #{retry.pk}, thay #{job.pk})",
        actor=actor,
        data={"job": retry.pk, "retry_of": job.pk},
    )
    _enqueue_on_commit(retry)
    return retry


# --- The worker's side ---------------------------------------------------------------------------


def job_claim(*, job_id: int, worker: str) -> int | None:
    """Takes a queued job for this worker: one conditional UPDATE, so that of two workers (or
    a message delivered twice) exactly one gets it. Returns the attempt number, or None."""
    now = timezone.now()
    claimed = ReportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        worker=worker[:200],
        progress=5,
        stage="Bắt đầu tạo báo cáo",
        error="",
    )
    if not claimed:
        return None
    return ReportJob.objects.filter(pk=job_id).values_list("attempts", flat=True).first()


def _mine(job_id: int, attempt: int):
    """The job's row while this attempt still owns it (recovery may have given it away)."""
    return ReportJob.objects.filter(pk=job_id, state=JobState.RUNNING, attempts=attempt)


def job_progress(*, job_id: int, attempt: int, percent: int, stage: str) -> bool:
    return bool(
        _mine(job_id, attempt).update(
            progress=min(percent, 99), stage=stage[:200], heartbeat_at=timezone.now()
        )
    )


def job_heartbeat(*, job_id: int, attempt: int) -> bool:
    return bool(_mine(job_id, attempt).update(heartbeat_at=timezone.now()))


def store_file(*, job_id: int, filename: str, content: bytes) -> tuple[str, str]:
    """Writes the PDF under MEDIA_ROOT/reports/yyyy/mm/ atomically (a temporary file in the same
    folder, then a rename), so that no reader ever sees half a file. Returns the storage name
    and the SHA-256 of the content."""
    today = timezone.localdate()
    name = f"reports/{today:%Y}/{today:%m}/{job_id}-{filename}"
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name, hashlib.sha256(content).hexdigest()


def job_finish(
    *, job_id: int, attempt: int, file_name: str, sha256: str, size: int, page_count: int, data_hash: str
) -> bool:
    with transaction.atomic():
        done = _mine(job_id, attempt).update(
            state=JobState.DONE,
            progress=100,
            stage="Đã xong",
            finished_at=timezone.now(),
            file=file_name,
            file_sha256=sha256,
            file_size=size,
            page_count=page_count,
            data_hash=data_hash,
        )
    return bool(done)


def job_fail(*, job_id: int, attempt: int | None, message: str) -> bool:
    rows = _mine(job_id, attempt) if attempt is not None else ReportJob.objects.filter(pk=job_id)
    return bool(
        rows.exclude(state=JobState.DONE).update(
            state=JobState.FAILED, stage="Không thành công", error=message[:4000], finished_at=timezone.now()
        )
    )


def job_requeue(*, job_id: int, attempt: int, stage: str) -> bool:
    """A transient error: the job goes back to the queue for the task's retry."""
    return bool(
        _mine(job_id, attempt).update(state=JobState.QUEUED, stage=stage[:200], heartbeat_at=None, progress=0)
    )


# --- Recovery --------------------------------------------------------------------------------------


def stale_after() -> timedelta:
    return timedelta(seconds=_settings_int("REPORT_JOB_STALE_SECONDS", 60))


def jobs_recover(*, now=None) -> dict[str, int]:
    """Running jobs whose worker stopped beating go back to the queue, or fail after
    REPORT_JOB_MAX_ATTEMPTS runs; queued jobs never picked up (their message was lost, or the
    broker was down) are sent again. Safe to call from anywhere, any number of times."""
    now = now or timezone.now()
    limit = _settings_int("REPORT_JOB_MAX_ATTEMPTS", 3)
    stale = now - stale_after()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    dead = ReportJob.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=stale)
    for job_id, attempts in dead.values_list("pk", "attempts"):
        rows = ReportJob.objects.filter(
            pk=job_id, state=JobState.RUNNING, attempts=attempts, heartbeat_at__lt=stale
        )
        if attempts >= limit:
            if rows.update(
                state=JobState.FAILED,
                stage="Không thành công",
                error=WORKER_STOPPED.format(attempts=attempts),
                finished_at=now,
            ):
                counts["failed"] += 1
                logger.warning("report job %s failed: its worker stopped %s times", job_id, attempts)
        elif rows.update(
            state=JobState.QUEUED,
            stage="Chờ tạo lại: tiến trình xử lý trước bị dừng",
            progress=0,
            heartbeat_at=None,
            enqueued_at=now,
        ):
            counts["requeued"] += 1
            logger.warning("report job %s requeued: its worker stopped beating", job_id)
            _enqueue_on_commit(ReportJob(pk=job_id))
    resend_before = now - timedelta(seconds=_settings_int("REPORT_JOB_RESEND_SECONDS", 60))
    lost = ReportJob.objects.filter(state=JobState.QUEUED).filter(
        Q(enqueued_at__isnull=True, requested_at__lt=now - timedelta(seconds=10))
        | Q(enqueued_at__lt=resend_before)
    )
    for job_id in lost.values_list("pk", flat=True):
        counts["resent"] += 1
        _enqueue_on_commit(ReportJob(pk=job_id))
    return counts


def job_recover_if_stale(job: ReportJob) -> bool:
    """The job page's check while it polls: recover only when this job looks abandoned."""
    now = timezone.now()
    if job.state == JobState.RUNNING and job.heartbeat_at and job.heartbeat_at < now - stale_after():
        jobs_recover(now=now)
        return True
    if job.state == JobState.QUEUED and (
        (job.enqueued_at is None and job.requested_at < now - timedelta(seconds=10))
        or (
            job.enqueued_at is not None
            and job.enqueued_at < now - timedelta(seconds=_settings_int("REPORT_JOB_RESEND_SECONDS", 60))
        )
    ):
        jobs_recover(now=now)
        return True
    return False
