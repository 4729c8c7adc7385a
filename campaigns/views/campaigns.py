"""Pages of campaigns (one per bloc and year) and their peak drives.

Anyone who may see a bloc reads its campaigns; its secretariat and admins set them up
(DESIGN.md §6). A campaign's own page, with its timeline, is the composition root's
`campaign-overview` (it combines several apps)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blocs.models import Bloc
from campaigns.forms.campaigns import (
    MAX_YEAR,
    MIN_YEAR,
    CampaignCopyForm,
    CampaignForm,
    DriveForm,
    duplicate_year_message,
)
from campaigns.models import Campaign, CampaignState, Drive
from campaigns.selectors.campaigns import campaign_copy_preview, campaign_list_for_bloc, next_campaign_year
from campaigns.services import campaigns as services
from thidua.lib.views import form_page, posted

MANAGE = "campaigns.manage_campaign"


# --- Loading with access checks ---------------------------------------------------------------


def _visible_bloc(request: HttpRequest, pk: int) -> Bloc:
    """The bloc, if the user may see it (404 otherwise: its existence is not revealed)."""
    return get_object_or_404(Bloc.objects.visible_to(request.user), pk=pk)


def _managed_bloc(request: HttpRequest, pk: int) -> Bloc:
    """The bloc, if the user may see it (else 404) and manage its campaigns (else 403)."""
    bloc = _visible_bloc(request, pk)
    if not request.user.has_perm(MANAGE, bloc):
        raise PermissionDenied
    return bloc


def _managed_campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user).select_related("bloc"), pk=pk)
    if not request.user.has_perm(MANAGE, campaign.bloc):
        raise PermissionDenied
    return campaign


def _managed_drive(request: HttpRequest, pk: int) -> Drive:
    visible = Campaign.objects.visible_to(request.user)
    drive = get_object_or_404(
        Drive.objects.filter(campaign__in=visible).select_related("campaign__bloc"), pk=pk
    )
    if not request.user.has_perm(MANAGE, drive.campaign.bloc):
        raise PermissionDenied
    return drive


# --- Helpers ----------------------------------------------------------------------------------


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the field it names, else on the form. A database
    constraint repeating a message already shown under a field is not shown twice; the
    duplicate-year constraint is shown under the year."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    placed = {
        message
        for field, errors in exc.error_dict.items()
        if field != NON_FIELD_ERRORS
        for e in errors
        for message in e.messages
    }
    for field, errors in exc.error_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
            continue
        for error in errors:
            for message in error.messages:
                if message in placed:
                    continue
                target = "year" if message == duplicate_year_message() and "year" in form.fields else None
                form.add_error(target, message)


def _year_param(request: HttpRequest) -> int | None:
    """The year asked for in the address (`?nam=2026`), if it is a sensible one."""
    text = request.GET.get("nam", "")
    if text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR:
        return int(text)
    return None


def _overview(campaign: Campaign, anchor: str = "") -> HttpResponse:
    return redirect(reverse("campaign-overview", args=[campaign.pk]) + anchor)


def _span(starts_on, ends_on) -> str:
    return f"{starts_on:%d/%m/%Y} – {ends_on:%d/%m/%Y}"


# --- Campaigns --------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request: HttpRequest, bloc_pk: int) -> HttpResponse:
    bloc = _visible_bloc(request, bloc_pk)
    can_manage = request.user.has_perm(MANAGE, bloc)
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "bloc": bloc,
            "campaigns": campaign_list_for_bloc(bloc=bloc),
            "can_manage": can_manage,
            "next_year": next_campaign_year(bloc=bloc, today=timezone.localdate()) if can_manage else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest, bloc_pk: int) -> HttpResponse:
    bloc = _managed_bloc(request, bloc_pk)
    initial = {}
    if request.method == "GET":
        year = _year_param(request) or next_campaign_year(bloc=bloc, today=timezone.localdate())
        initial = CampaignForm.initial_for_year(year)
    form = CampaignForm(posted(request), bloc=bloc, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            campaign = services.campaign_create(bloc=bloc, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except IntegrityError:  # created by someone else between the check and the insert
            form.add_error("year", duplicate_year_message())
        else:
            messages.success(request, f"Đã tạo {campaign.name} của {bloc.name}.")
            return _overview(campaign)
    return form_page(request, "campaigns/campaign_form.html", {"form": form, "bloc": bloc, "campaign": None})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_update(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _managed_campaign(request, pk)
    form = CampaignForm(
        posted(request), bloc=campaign.bloc, campaign=campaign, initial=CampaignForm.initial_for(campaign)
    )
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            campaign = services.campaign_update(campaign=campaign, actor=request.user, **changes)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu {campaign.name} của {campaign.bloc.name}.")
            return _overview(campaign)
    context = {
        "form": form,
        "bloc": campaign.bloc,
        "campaign": campaign,
        "closed": campaign.state == CampaignState.CLOSED,
    }
    return form_page(request, "campaigns/campaign_form.html", context)


@login_required
@require_POST
def campaign_activate(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _managed_campaign(request, pk)
    try:
        campaign = services.campaign_activate(campaign=campaign, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Đã phát động {campaign.name} của {campaign.bloc.name} (ngày phát động {campaign.launched_on:%d/%m/%Y}).",
        )
    return _overview(campaign)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _managed_campaign(request, pk)
    try:
        campaign = services.campaign_close(campaign=campaign, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã kết thúc {campaign.name} của {campaign.bloc.name}.")
    return _overview(campaign)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_copy(request: HttpRequest, bloc_pk: int) -> HttpResponse:
    """Choose a source campaign and a year, see what will be copied ("Xem trước"), copy."""
    bloc = _managed_bloc(request, bloc_pk)
    sources = list(Campaign.objects.filter(bloc=bloc).order_by("-year"))
    initial = {}
    if sources:
        latest = sources[0]
        year = max(latest.year + 1, next_campaign_year(bloc=bloc, today=timezone.localdate()))
        initial = {"source": latest.pk, "year": year}
    form = CampaignCopyForm(posted(request), bloc=bloc, sources=sources, initial=initial)
    preview = None
    if form.is_bound and form.is_valid():
        source, year = form.cleaned_data["source"], form.cleaned_data["year"]
        if "xem" not in request.POST:
            try:
                campaign = services.campaign_copy(source=source, year=year, actor=request.user)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            except IntegrityError:  # created by someone else between the check and the insert
                form.add_error("year", duplicate_year_message())
            else:
                messages.success(
                    request,
                    f"Đã tạo {campaign.name} của {bloc.name} từ phong trào năm {source.year}: "
                    f"{campaign.drives.count()} đợt thi đua, {campaign.pledges.count()} giao ước (dự thảo).",
                )
                return _overview(campaign)
        if not form.errors:
            preview = campaign_copy_preview(source=source, year=year)
    elif not form.is_bound and sources:
        preview = campaign_copy_preview(source=sources[0], year=initial["year"])
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "campaigns/campaign_copy.html",
        {"form": form, "bloc": bloc, "sources": sources, "preview": preview},
        status=status,
    )


# --- Drives -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def drive_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _managed_campaign(request, pk)
    form = DriveForm(
        posted(request), campaign=campaign, initial=DriveForm.initial_in(campaign, timezone.localdate())
    )
    if form.is_bound and form.is_valid():
        try:
            drive = services.drive_create(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã thêm {drive.name} ({_span(drive.starts_on, drive.ends_on)}) vào {campaign.name} của {campaign.bloc.name}.",
            )
            return _overview(campaign, "#dot-thi-dua")
    context = {
        "form": form,
        "campaign": campaign,
        "bloc": campaign.bloc,
        "drive": None,
        "closed": campaign.state == CampaignState.CLOSED,
    }
    return form_page(request, "campaigns/drive_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def drive_update(request: HttpRequest, pk: int) -> HttpResponse:
    drive = _managed_drive(request, pk)
    campaign = drive.campaign
    form = DriveForm(posted(request), campaign=campaign, initial=DriveForm.initial_for(drive))
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            drive = services.drive_update(drive=drive, actor=request.user, **changes)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Đã lưu {drive.name} ({_span(drive.starts_on, drive.ends_on)}) của {campaign.name}."
            )
            return _overview(campaign, "#dot-thi-dua")
    context = {
        "form": form,
        "campaign": campaign,
        "bloc": campaign.bloc,
        "drive": drive,
        "closed": campaign.state == CampaignState.CLOSED,
    }
    return form_page(request, "campaigns/drive_form.html", context)


@login_required
@require_POST
def drive_delete(request: HttpRequest, pk: int) -> HttpResponse:
    drive = _managed_drive(request, pk)
    campaign = drive.campaign
    name = drive.name
    try:
        services.drive_delete(drive=drive, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã xóa {name} khỏi {campaign.name} của {campaign.bloc.name}.")
    return _overview(campaign, "#dot-thi-dua")
