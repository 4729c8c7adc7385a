"""Pages of blocs and clusters: list, detail, and the admin's forms for blocs, members and
chair terms. Anyone who may see a bloc reads it; only admins change it (DESIGN.md §6)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blocs.forms.organisation import (
    BlocFilterForm,
    BlocForm,
    ChairTermForm,
    MembershipAddForm,
    MembershipEndForm,
)
from blocs.models import Bloc, BlocKind, ChairTerm, LeaveReason, Membership
from blocs.selectors.organisation import bloc_list_for, bloc_organisers_for, bloc_page
from blocs.services import organisation as services
from thidua.lib.views import form_page, posted

BLOCS_PER_PAGE = 50
MANAGE = "blocs.manage_bloc"


def _visible_bloc(request: HttpRequest, pk: int) -> Bloc:
    """The bloc, if the user may see it (404 otherwise: its existence is not revealed)."""
    return get_object_or_404(Bloc.objects.visible_to(request.user).select_related("organiser"), pk=pk)


def _managed_bloc(request: HttpRequest, pk: int) -> Bloc:
    """The bloc, if the user may see it (else 404) and manage it (else 403)."""
    bloc = _visible_bloc(request, pk)
    if not request.user.has_perm(MANAGE, bloc):
        raise PermissionDenied
    return bloc


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form field it names, else on the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _chair_title(bloc: Bloc, *, deputy: bool = False) -> str:
    word = "cụm" if bloc.kind == BlocKind.CLUSTER else "khối"
    return f"{word} {'phó' if deputy else 'trưởng'}"


@login_required
@require_GET
def bloc_list(request: HttpRequest) -> HttpResponse:
    organisers = bloc_organisers_for(user=request.user)
    form = BlocFilterForm(request.GET, organisers=organisers)
    filters = form.filters()
    blocs = bloc_list_for(user=request.user, today=timezone.localdate(), **filters)
    page_obj = Paginator(blocs, BLOCS_PER_PAGE).get_page(request.GET.get("page"))
    query_string = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(
        request,
        "blocs/bloc_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "blocs": page_obj.object_list,
            "filtered": any(filters.values()),
            "query_string": query_string,
            "can_manage": request.user.has_perm(MANAGE),
        },
    )


@login_required
@require_GET
def bloc_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bloc = _visible_bloc(request, pk)
    page = bloc_page(bloc=bloc, today=timezone.localdate())
    # Higher apps (campaigns, scoring, …) add their pages of a bloc through settings.BLOC_PAGE_LINKS,
    # so this app never imports them.
    links = [(label, icon, reverse(name, args=[bloc.pk])) for label, icon, name in settings.BLOC_PAGE_LINKS]
    return render(
        request,
        "blocs/bloc_detail.html",
        {"bloc": bloc, "page": page, "links": links, "can_manage": request.user.has_perm(MANAGE, bloc)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def bloc_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(MANAGE):
        raise PermissionDenied
    form = BlocForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            bloc = services.bloc_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã tạo {bloc.name} ({bloc.organiser.name}).")
            return redirect("blocs:bloc-detail", pk=bloc.pk)
    return form_page(request, "blocs/bloc_form.html", {"form": form, "bloc": None})


@login_required
@require_http_methods(["GET", "POST"])
def bloc_update(request: HttpRequest, pk: int) -> HttpResponse:
    bloc = _managed_bloc(request, pk)
    initial = {name: getattr(bloc, name) for name in BlocForm.base_fields}
    form = BlocForm(posted(request), initial=initial, bloc=bloc)
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            bloc = services.bloc_update(bloc=bloc, actor=request.user, **changes)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu thông tin của {bloc.name}.")
            return redirect("blocs:bloc-detail", pk=bloc.pk)
    return form_page(request, "blocs/bloc_form.html", {"form": form, "bloc": bloc})


@login_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    bloc = _managed_bloc(request, pk)
    form = MembershipAddForm(posted(request), bloc=bloc, initial={"joined_on": timezone.localdate()})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.membership_add(
                bloc=bloc,
                unit=data["unit"],
                joined_on=data["joined_on"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã thêm {membership.unit.name} vào {bloc.name} từ {membership.joined_on:%d/%m/%Y}.",
            )
            return redirect("blocs:bloc-detail", pk=bloc.pk)
    return form_page(request, "blocs/membership_add.html", {"form": form, "bloc": bloc})


@login_required
@require_http_methods(["GET", "POST"])
def membership_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    bloc = _managed_bloc(request, pk)
    membership = get_object_or_404(Membership.objects.select_related("unit"), bloc=bloc, pk=membership_pk)
    membership.bloc = bloc
    form = MembershipEndForm(posted(request), initial={"left_on": timezone.localdate()})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.membership_end(
                membership=membership,
                left_on=data["left_on"],
                reason=data["reason"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã ghi nhận {membership.unit.name} rời {bloc.name} từ ngày {membership.left_on:%d/%m/%Y} "
                f"(lý do: {LeaveReason(membership.leave_reason).label.lower()}).",
            )
            return redirect("blocs:bloc-detail", pk=bloc.pk)
    return form_page(
        request, "blocs/membership_end.html", {"form": form, "bloc": bloc, "membership": membership}
    )


@login_required
@require_http_methods(["GET", "POST"])
def chair_term_set(request: HttpRequest, pk: int) -> HttpResponse:
    bloc = _managed_bloc(request, pk)
    initial: dict = {"year": timezone.localdate().year}
    if request.method == "GET" and (year := request.GET.get("nam", "")).isdigit():
        term = ChairTerm.objects.filter(bloc=bloc, year=int(year)).first()
        initial = {"year": int(year)}
        if term is not None:
            initial.update(
                chair=term.chair_id, deputy=term.deputy_id, decided_on=term.decided_on, reason=term.reason
            )
    form = ChairTermForm(posted(request), bloc=bloc, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            term = services.chair_term_set(bloc=bloc, actor=request.user, **data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            deputy = f", {_chair_title(bloc, deputy=True)}: {term.deputy.name}" if term.deputy else ""
            messages.success(
                request,
                f"Đã ghi {term.chair.name} là {_chair_title(bloc)} {bloc.name} năm {term.year}{deputy}.",
            )
            return redirect("blocs:bloc-detail", pk=bloc.pk)
    return form_page(request, "blocs/chairterm_form.html", {"form": form, "bloc": bloc})


@login_required
@require_POST
def chair_term_delete(request: HttpRequest, pk: int, term_pk: int) -> HttpResponse:
    bloc = _managed_bloc(request, pk)
    term = get_object_or_404(ChairTerm.objects.select_related("chair"), bloc=bloc, pk=term_pk)
    term.bloc = bloc
    year, chair = term.year, term.chair.name
    services.chair_term_delete(term=term, actor=request.user)
    messages.success(request, f"Đã xóa nhiệm kỳ năm {year} của {bloc.name} ({_chair_title(bloc)}: {chair}).")
    return redirect("blocs:bloc-detail", pk=bloc.pk)
