"""Report pages: ask for a document of a review, a pledge or a round; watch its job; download
it. HTTP only.

Who may do what (DESIGN.md §6, "reports"): the bloc's secretariat and admins ask (others who
see the object get 403); they, observers and member units' leaders read the reports they may
see (ReportJob.objects.visible_to); a unit's officers have no access; outsiders get 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awards.models import NominationList, Review, ReviewKind
from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from campaigns.models import Pledge
from reports.forms import ReportRequestForm
from reports.models import ReportJob, ReportKind
from reports.renderers import build_document, default_parameters
from reports.renderers.common import DocumentParameters
from reports.renderers.engine import MissingVariable
from reports.services.jobs import ReportRefused, job_recover_if_stale, jobs_for, report_request, report_retry
from scoring.models import ScoringRound
from thidua.lib.views import posted

REQUEST = "reports.request_report"
VIEW = "reports.view_reports"
DENIED = "Chỉ cơ quan thường trực của khối/cụm và quản trị viên được yêu cầu tạo báo cáo."
NO_ACCESS = "Tài khoản của bạn không được xem báo cáo của khối/cụm này."


@dataclass(frozen=True)
class Target:
    """The object a report is made from, as the request page shows it."""

    obj: object
    kinds: list[str]
    name: str  # "Tổng kết năm 2024 – Cụm thi đua số 6"
    url: str  # the object's own page
    breadcrumbs: str  # template of the object's trail

    @property
    def campaign(self):
        return self.obj.campaign

    @property
    def bloc(self):
        return self.obj.campaign.bloc


def _review_target(request: HttpRequest, pk: int) -> Target:
    review = get_object_or_404(
        Review.objects.visible_to(request.user).select_related("campaign__bloc"), pk=pk
    )
    kinds = [
        ReportKind.SO_KET if review.kind == ReviewKind.SO_KET else ReportKind.TONG_KET,
        ReportKind.RANKING_SHEET,
    ]
    if NominationList.objects.filter(review=review).exists():
        kinds.append(ReportKind.NOMINATIONS)
    return Target(review, kinds, str(review), reverse("awards:review-detail", args=[review.pk]), "review")


def _pledge_target(request: HttpRequest, pk: int) -> Target:
    pledge = get_object_or_404(
        Pledge.objects.visible_to(request.user).select_related("campaign__bloc"), pk=pk
    )
    name = pledge.title + (f" (phiên bản {pledge.version})" if pledge.version > 1 else "")
    return Target(
        pledge, [ReportKind.PLEDGE], name, reverse("campaigns:pledge-detail", args=[pledge.pk]), "pledge"
    )


def _round_target(request: HttpRequest, pk: int) -> Target:
    scoring_round = get_object_or_404(
        ScoringRound.objects.visible_to(request.user).select_related("campaign__bloc"), pk=pk
    )
    name = f"{scoring_round.get_period_display()} {scoring_round.campaign.year} – {scoring_round.campaign.bloc.name}"
    return Target(
        scoring_round,
        [ReportKind.RANKING_SHEET],
        name,
        reverse("scoring:round-detail", args=[scoring_round.pk]),
        "round",
    )


def _request_page(request: HttpRequest, target: Target) -> HttpResponse:
    user = request.user
    can_request = user.has_perm(REQUEST, target.bloc)
    if not can_request and not user.has_perm(VIEW, target.bloc):
        raise PermissionDenied(NO_ACCESS)
    if request.method == "POST" and not can_request:
        raise PermissionDenied(DENIED)
    defaults = default_parameters(target.kinds[0], target.obj)
    form = ReportRequestForm(
        posted(request),
        kinds=target.kinds,
        year=target.campaign.year,
        initial=ReportRequestForm.initial_from(defaults),
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            parameters = form.parameters()
            try:
                document = build_document(kind=kind, target=target.obj, parameters=parameters)
                requested = report_request(
                    kind=kind,
                    target=target.obj,
                    parameters=parameters,
                    actor=user,
                    data_hash=document.data_hash,
                    force=request.POST.get("force") == "1",
                )
            except (ReportRefused, MissingVariable) as exc:
                form.add_error(None, str(exc))
            else:
                job = requested.job
                if requested.created:
                    messages.success(
                        request, f"Đã yêu cầu tạo {job.get_kind_display().lower()} – {target.name}."
                    )
                elif job.is_active:
                    messages.info(
                        request, f"{job.get_kind_display()} với số liệu này đang được tạo: theo dõi tại đây."
                    )
                else:
                    messages.info(
                        request,
                        f"Số liệu không thay đổi từ lần tạo lúc {job.finished_at:%H:%M %d/%m/%Y}: "
                        "tệp đã có được dùng lại. Bấm “Tạo bản mới” nếu vẫn cần tạo lại.",
                    )
                return redirect("reports:job-detail", job.pk)
    jobs = (
        ReportJob.objects.visible_to(user)
        .filter(pk__in=jobs_for(target=target.obj).values("pk"))
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")[:50]
    )
    return render(
        request,
        "reports/report_request.html",
        {
            "target": target,
            "campaign": target.campaign,
            "bloc": target.bloc,
            "form": form if can_request else None,
            "jobs": jobs,
            "can_request": can_request,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_reports(request: HttpRequest, pk: int) -> HttpResponse:
    return _request_page(request, _review_target(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def pledge_reports(request: HttpRequest, pk: int) -> HttpResponse:
    return _request_page(request, _pledge_target(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def round_reports(request: HttpRequest, pk: int) -> HttpResponse:
    return _request_page(request, _round_target(request, pk))


# --- A job ---------------------------------------------------------------------------------------


def _visible_job(request: HttpRequest, pk: int) -> ReportJob:
    return get_object_or_404(
        ReportJob.objects.visible_to(request.user).select_related(
            "campaign__bloc", "review", "pledge", "scoring_round", "requested_by"
        ),
        pk=pk,
    )


def _target_url(job: ReportJob) -> str:
    if job.review_id:
        return reverse("reports:review", args=[job.review_id])
    if job.pledge_id:
        return reverse("reports:pledge", args=[job.pledge_id])
    return reverse("reports:round", args=[job.scoring_round_id])


def _object_of(job: ReportJob) -> tuple[str, str, str]:
    """The breadcrumb kind, URL and label of the object a job is for."""
    if job.review_id:
        return "review", reverse("awards:review-detail", args=[job.review_id]), str(job.review)
    if job.pledge_id:
        return "pledge", reverse("campaigns:pledge-detail", args=[job.pledge_id]), job.pledge.title
    scoring_round = job.scoring_round
    return (
        "round",
        reverse("scoring:round-detail", args=[scoring_round.pk]),
        f"{scoring_round.get_period_display()} {job.campaign.year}",
    )


def _job_context(request: HttpRequest, job: ReportJob) -> dict:
    parameters = DocumentParameters.from_dict(job.parameters)
    kind, url, label = _object_of(job)
    return {
        "job": job,
        "campaign": job.campaign,
        "bloc": job.campaign.bloc,
        "target_url": _target_url(job),
        "job_kind": kind,
        "object_url": url,
        "object_label": label,
        "job_label": f"{job.get_kind_display()} #{job.pk}",
        "parameters": parameters,
        "recipients_text": "\n".join(parameters.recipients),
        "can_request": request.user.has_perm(REQUEST, job.campaign.bloc),
    }


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    if job.is_active and job_recover_if_stale(job):
        job.refresh_from_db()
    return render(request, "reports/job_detail.html", _job_context(request, job))


@never_cache
@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel, polled by the job page every second until the job ends."""
    job = _visible_job(request, pk)
    if job.is_active and job_recover_if_stale(job):
        job.refresh_from_db()
    return render(request, "reports/_job_progress.html", _job_context(request, job))


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _visible_job(request, pk)
    if not job.file:
        raise Http404("Báo cáo chưa có tệp.")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Tệp báo cáo không còn trên máy chủ; hãy tạo lại.") from exc
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        summary=f"Tải {job.get_kind_display().lower()} #{job.pk}",
        actor=request.user,
        request=request,
        data={"job": job.pk, "sha256": job.file_sha256},
    )
    filename = job.file.name.rsplit("/", 1)[-1].split("-", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    if not request.user.has_perm(REQUEST, job.campaign.bloc):
        raise PermissionDenied(DENIED)
    try:
        retry = report_retry(job=job, actor=request.user)
    except ReportRefused as exc:
        messages.error(request, str(exc))
        return redirect("reports:job-detail", job.pk)
    messages.success(request, f"Đã yêu cầu tạo lại {job.get_kind_display().lower()}.")
    return redirect("reports:job-detail", retry.pk)
