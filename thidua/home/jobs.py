"""The report jobs the home pages show: a secretariat's recent jobs, an admin's failed ones.

Report jobs belong to the `reports` app, which the home pages do not depend on: each panel
reads a *provider*, a function named by dotted path in settings, and is left out of the page
while none is set.

- ``settings.HOME_RECENT_REPORT_JOBS``: ``provider(*, user, bloc_ids, limit)`` returns the
  latest jobs of the blocs ``bloc_ids`` (the secretary's blocs), newest first, at most ``limit``.
- ``settings.HOME_FAILED_REPORT_JOBS``: ``provider(*, user, limit)`` returns the latest failed
  jobs of the whole system (for admins), newest first.

Both return `JobLine`s (or objects with the same attributes) and must run a fixed number of
queries (one is enough: a `select_related` query on the job table).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

RECENT_SETTING = "HOME_RECENT_REPORT_JOBS"
FAILED_SETTING = "HOME_FAILED_REPORT_JOBS"
JOB_LIMIT = 5


@dataclass(frozen=True)
class JobLine:
    """One report job as a home page lists it."""

    title: str  # "Báo cáo sơ kết 6 tháng đầu năm 2026 – Khối thi đua số 2"
    state: str  # queued / running / done / failed
    state_label: str  # "Đang chờ", "Đang tạo", "Đã xong", "Lỗi"
    progress: int  # percent, 0–100
    requested_by: str
    requested_at: datetime
    url: str | None = None  # the job's page (progress, download, retry)
    download_url: str | None = None  # the file, once done
    error: str = ""  # the Vietnamese message of a failed job


def _provider(setting: str) -> Callable | None:
    path = getattr(settings, setting, "") or ""
    return import_string(path) if path else None


def recent_report_jobs(*, user, bloc_ids: list[int], limit: int = JOB_LIMIT) -> list[JobLine] | None:
    """The secretariat's latest report jobs; None while no provider is configured."""
    provider = _provider(RECENT_SETTING)
    if provider is None:
        return None
    if not bloc_ids:
        return []
    return list(provider(user=user, bloc_ids=bloc_ids, limit=limit))


def failed_report_jobs(*, user, limit: int = JOB_LIMIT) -> list[JobLine] | None:
    """The latest failed report jobs, for admins; None while no provider is configured."""
    provider = _provider(FAILED_SETTING)
    if provider is None:
        return None
    return list(provider(user=user, limit=limit))


# --- The providers of this installation: the reports app's jobs ----------------------------------


def _line(job) -> JobLine:
    from django.urls import reverse

    from reports.models import JobState

    campaign = job.campaign
    if job.review_id:
        about = f"{job.review.get_kind_display()} {campaign.year}"
    elif job.pledge_id:
        about = job.pledge.title
    else:
        about = f"{job.scoring_round.get_period_display()} {campaign.year}"
    return JobLine(
        title=f"{job.get_kind_display()} – {about} – {campaign.bloc.name}",
        state=job.state,
        state_label=job.get_state_display(),
        progress=job.progress,
        requested_by=str(job.requested_by),
        requested_at=job.requested_at,
        url=reverse("reports:job-detail", args=[job.pk]),
        download_url=reverse("reports:job-download", args=[job.pk]) if job.state == JobState.DONE else None,
        error=job.error,
    )


def _jobs(user):
    from reports.models import ReportJob

    return ReportJob.objects.visible_to(user).select_related(
        "campaign__bloc", "review", "pledge", "scoring_round", "requested_by"
    )


def reports_recent(*, user, bloc_ids: list[int], limit: int) -> list[JobLine]:
    """The latest report jobs of the blocs `bloc_ids`, newest first. One query."""
    jobs = _jobs(user).filter(campaign__bloc_id__in=bloc_ids).order_by("-requested_at", "-pk")[:limit]
    return [_line(job) for job in jobs]


def reports_failed(*, user, limit: int) -> list[JobLine]:
    """The latest failed report jobs the user may see (an admin: all), newest first. One query."""
    from reports.models import JobState

    jobs = _jobs(user).filter(state=JobState.FAILED).order_by("-requested_at", "-pk")[:limit]
    return [_line(job) for job in jobs]
