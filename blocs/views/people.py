"""Users, their roles, and the audit log: pages for admins only.

These are not object pages (there is no `visible_to` scope to hide them behind), so a signed-in
user without the permission gets 403 and an anonymous visitor is sent to the login page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blocs.forms.people import AssignmentForm, AuditFilterForm, UserFilterForm, UserForm, add_service_errors
from blocs.models import Assignment, AuditEvent, User
from blocs.services import users as services

MANAGE_USERS = "blocs.manage_users"
VIEW_AUDIT = "blocs.view_audit"
USERS_PER_PAGE = 50
EVENTS_PER_PAGE = 50
RECENT_EVENTS = 20

View = Callable[..., HttpResponse]


def _admin_only(perm: str) -> Callable[[View], View]:
    """Anonymous: to the login page. Signed in without `perm`: PermissionDenied (403)."""

    def decorate(view: View) -> View:
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorate


def _assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.select_related("bloc", "unit").order_by("role", "pk"),
    )


def _query_string(request: HttpRequest) -> str:
    """The current filters, without the page number, for the pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
@_admin_only(MANAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    users = User.objects.prefetch_related(_assignments()).order_by("username", "pk")
    status = 200
    if form.is_bound:
        if form.is_valid():
            users = form.apply(users)
        else:
            users, status = users.none(), 400
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "users": page.object_list,
        "query_string": _query_string(request),
    }
    return render(request, "blocs/user_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@_admin_only(MANAGE_USERS)
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST if request.method == "POST" else None)
    if form.is_valid():  # False when unbound (GET)
        try:
            user = services.user_create(password=form.password() or "", actor=request.user, **form.profile())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã tạo người dùng “{user.username}” ({user}).")
            return redirect("blocs:user-detail", pk=user.pk)
    status = 400 if form.is_bound else 200
    return render(request, "blocs/user_form.html", {"form": form, "target": None}, status=status)


@require_http_methods(["GET", "POST"])
@_admin_only(MANAGE_USERS)
def user_update(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    form = UserForm(request.POST if request.method == "POST" else None, user=target)
    if form.is_valid():
        try:
            user = services.user_update(
                user=target, actor=request.user, password=form.password(), **form.profile()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu thông tin người dùng “{user.username}” ({user}).")
            return redirect("blocs:user-detail", pk=user.pk)
    status = 400 if form.is_bound else 200
    return render(request, "blocs/user_form.html", {"form": form, "target": target}, status=status)


def _detail_context(target: User, form: AssignmentForm) -> dict[str, Any]:
    assignments = target.assignments.select_related("bloc__organiser", "unit").order_by("role", "pk")
    events = AuditEvent.objects.filter(Q(actor=target) | Q(username=target.username))[:RECENT_EVENTS]
    return {"target": target, "assignments": assignments, "events": events, "form": form}


@require_GET
@_admin_only(MANAGE_USERS)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    return render(request, "blocs/user_detail.html", _detail_context(target, AssignmentForm()))


@require_POST
@_admin_only(MANAGE_USERS)
def assignment_add(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    form = AssignmentForm(request.POST)
    if form.is_valid():
        try:
            assignment = services.assignment_add(user=target, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã giao vai trò “{assignment.get_role_display()}” tại {assignment.bloc or assignment.unit} "
                f"cho {target} ({target.username}).",
            )
            return redirect("blocs:user-detail", pk=target.pk)
    return render(request, "blocs/user_detail.html", _detail_context(target, form), status=400)


@require_POST
@_admin_only(MANAGE_USERS)
def assignment_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    assignment = get_object_or_404(
        Assignment.objects.select_related("user", "bloc", "unit"), pk=assignment_pk, user_id=pk
    )
    target = assignment.user
    label, where = assignment.get_role_display(), assignment.bloc or assignment.unit
    services.assignment_remove(assignment=assignment, actor=request.user)
    messages.success(request, f"Đã bỏ vai trò “{label}” tại {where} của {target} ({target.username}).")
    return redirect("blocs:user-detail", pk=target.pk)


@require_POST
@_admin_only(MANAGE_USERS)
def user_sign_out_everywhere(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin ends every session of a user (a lost device, a suspected stolen password)."""
    target = get_object_or_404(User, pk=pk)
    if target.pk == request.user.pk:
        return sign_out_everywhere(request)
    ended = services.user_sign_out_everywhere(user=target, actor=request.user, request=request)
    messages.success(
        request, f"Đã đăng xuất {target} ({target.username}) khỏi mọi thiết bị: {ended} phiên đã kết thúc."
    )
    return redirect("blocs:user-detail", pk=target.pk)


@require_http_methods(["GET", "POST"])
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """A user ends all of their own sessions, this one included, and signs in again."""
    if request.method == "GET":
        return render(request, "blocs/sign_out_everywhere.html")
    user = request.user
    ended = services.user_sign_out_everywhere(user=user, actor=user, request=request)
    logout(request)
    messages.success(
        request,
        f"Đã đăng xuất khỏi mọi thiết bị: {ended} phiên đã kết thúc. Hãy đăng nhập lại trên máy này.",
    )
    return redirect("login")


@require_GET
@_admin_only(VIEW_AUDIT)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.order_by("-at", "-pk")
    status = 200
    if form.is_bound:
        if form.is_valid():
            events = form.apply(events)
        else:
            events, status = events.none(), 400
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "events": page.object_list,
        "query_string": _query_string(request),
    }
    return render(request, "blocs/audit_list.html", context, status=status)
