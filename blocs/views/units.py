"""Units pages: list and tree, detail, create and edit, Excel import and export. HTTP only."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

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

from blocs.forms.units import (
    UnitFilterForm,
    UnitForm,
    UnitImportConfirmForm,
    UnitImportForm,
)
from blocs.models import Unit
from blocs.selectors.units import tree_ancestors, unit_search, unit_tree
from blocs.selectors.units import unit_detail as select_unit_detail
from blocs.services import unit_import as importing
from blocs.services import units as unit_services
from thidua.lib.excel import XLSX_CONTENT_TYPE

SEARCH_PAGE_SIZE = 50
TREE_PAGE_SIZE = 200
IMPORT_SESSION_KEY = "unit_import"


def _require_manage_units(request: HttpRequest) -> None:
    if not request.user.has_perm("blocs.manage_units"):
        raise PermissionDenied("Chỉ quản trị viên được thêm, sửa hay nhập đơn vị.")


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Reading ---------------------------------------------------------------------------------------


@login_required
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    """Without a search: the visible units as a tree, 200 rows a page. With one: the matching
    units, 50 a page."""
    form = UnitFilterForm(request.GET)
    context: dict = {"form": form, "can_manage": request.user.has_perm("blocs.manage_units")}
    if not form.is_valid():
        return render(request, "blocs/unit_list.html", context, status=400)
    query, echelon = form.cleaned_data["q"], form.cleaned_data["echelon"]
    context["searching"] = bool(query)
    context["query_string"] = urlencode({key: value for key, value in form.cleaned_data.items() if value})
    if query:
        units = unit_search(user=request.user, text=query, echelon=echelon)
        context["page_obj"] = Paginator(units, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        tree = unit_tree(user=request.user, echelon=echelon)
        page = Paginator(tree, TREE_PAGE_SIZE).get_page(request.GET.get("page"))
        context["page_obj"] = page
        context["continued_from"] = tree_ancestors(tree, page.start_index() - 1) if tree else []
        # The rows' address up to the unit's id, reversed once rather than once per row.
        context["unit_url_prefix"] = reverse("blocs:unit-detail", args=[1]).removesuffix("1/")
    return render(request, "blocs/unit_list.html", context)


@login_required
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    return render(
        request,
        "blocs/unit_detail.html",
        {
            "detail": select_unit_detail(user=request.user, unit=unit),
            "unit": unit,
            "can_manage": request.user.has_perm("blocs.manage_units"),
        },
    )


# --- Create and edit -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    _require_manage_units(request)
    if request.method == "POST":
        form = UnitForm(request.POST)
        if form.is_valid():
            try:
                unit = unit_services.unit_create(**form.cleaned_data, actor=request.user)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"Đã thêm đơn vị {unit.name} ({unit.code}).")
                return redirect("blocs:unit-detail", pk=unit.pk)
        return render(request, "blocs/unit_form.html", {"form": form, "unit": None}, status=400)
    initial = {}
    if (parent := request.GET.get("cap-tren", "")).isdigit():
        initial["parent"] = int(parent)
    return render(request, "blocs/unit_form.html", {"form": UnitForm(initial=initial), "unit": None})


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    _require_manage_units(request)
    initial = UnitForm.initial_for(unit)
    if request.method == "POST":
        form = UnitForm(request.POST, initial=initial)
        if form.is_valid():
            changes = form.changed_values()
            if not changes:
                messages.info(request, f"Không có thay đổi nào ở đơn vị {unit.name}.")
                return redirect("blocs:unit-detail", pk=unit.pk)
            try:
                unit = unit_services.unit_update(unit=unit, actor=request.user, **changes)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"Đã lưu thay đổi của đơn vị {unit.name} ({unit.code}).")
                return redirect("blocs:unit-detail", pk=unit.pk)
        return render(request, "blocs/unit_form.html", {"form": form, "unit": unit}, status=400)
    return render(request, "blocs/unit_form.html", {"form": UnitForm(initial=initial), "unit": unit})


# --- Excel -------------------------------------------------------------------------------------------


@login_required
@require_GET
def unit_export(request: HttpRequest) -> HttpResponse:
    content = importing.unit_export(actor=request.user, request=request)
    return _xlsx_response(content, f"don-vi-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_GET
def unit_import_template(request: HttpRequest) -> HttpResponse:
    return _xlsx_response(importing.unit_import_template(), "mau-nhap-don-vi.xlsx")


def _pending_import(request: HttpRequest) -> dict | None:
    pending = request.session.get(IMPORT_SESSION_KEY)
    return pending if isinstance(pending, dict) and {"token", "sha256"} <= pending.keys() else None


def _forget_import(request: HttpRequest) -> None:
    if pending := _pending_import(request):
        importing.import_file_discard(token=pending["token"])
    request.session.pop(IMPORT_SESSION_KEY, None)


@login_required
@require_http_methods(["GET", "POST"])
def unit_import(request: HttpRequest) -> HttpResponse:
    """Step 1: upload. The file is read and checked; if it is a usable workbook it is kept on
    the server and the admin goes to the preview. Nothing is written to the units yet."""
    _require_manage_units(request)
    if request.method == "GET":
        return _import_page(request, UnitImportForm())
    form = UnitImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            importing.unit_import_plan(data=data)
        except importing.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            _forget_import(request)
            stored = importing.import_file_store(data=data)
            request.session[IMPORT_SESSION_KEY] = {
                "token": stored.token,
                "sha256": stored.sha256,
                "filename": upload.name[:200],
            }
            return redirect("blocs:unit-import-preview")
    return _import_page(request, form, status=400)


def _import_page(
    request: HttpRequest, form: UnitImportForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "pending": _pending_import(request),
        "max_megabytes": settings.UNIT_IMPORT_MAX_BYTES // (1024 * 1024) or 1,
    }
    return render(request, "blocs/unit_import.html", context, status=status)


def _render_preview(
    request: HttpRequest, pending: dict, plan: importing.ImportPlan, *, error: str = "", status: int = 200
) -> HttpResponse:
    confirm = UnitImportConfirmForm(initial={"token": pending["token"], "fingerprint": plan.fingerprint})
    return render(
        request,
        "blocs/unit_import_preview.html",
        {
            "plan": plan,
            "counts": plan.counts,
            "filename": pending.get("filename", ""),
            "confirm_form": confirm,
            "error": error,
        },
        status=status,
    )


def _refuse_import(request: HttpRequest, message: str) -> HttpResponse:
    return _import_page(request, UnitImportForm(), error=message, status=400)


@login_required
@require_GET
def unit_import_preview(request: HttpRequest) -> HttpResponse:
    """Step 2: what the import would do, row by row, from the file kept on the server."""
    _require_manage_units(request)
    pending = _pending_import(request)
    if pending is None:
        messages.info(request, "Chưa có tệp nào chờ xác nhận; hãy tải tệp Excel lên.")
        return redirect("blocs:unit-import")
    try:
        data = importing.import_file_load(token=pending["token"], sha256=pending["sha256"])
        plan = importing.unit_import_plan(data=data)
    except importing.ImportFileError as exc:
        _forget_import(request)
        return _refuse_import(request, str(exc))
    return _render_preview(request, pending, plan)


@login_required
@require_POST
def unit_import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 3: apply. The token must be the one this session uploaded; the file is re-read
    and re-checked, and applied only if its plan is exactly the one previewed."""
    _require_manage_units(request)
    pending = _pending_import(request)
    form = UnitImportConfirmForm(request.POST)
    if (
        pending is None
        or not form.is_valid()
        or not secrets.compare_digest(str(form.cleaned_data["token"]), pending["token"])
    ):
        return _refuse_import(
            request,
            "Phiên nhập không hợp lệ hoặc đã hết hạn; chưa có thay đổi nào được ghi. Hãy tải tệp lên lại.",
        )
    try:
        data = importing.import_file_load(token=pending["token"], sha256=pending["sha256"])
    except importing.ImportFileError as exc:
        _forget_import(request)
        return _refuse_import(request, str(exc))
    try:
        result = importing.unit_import_apply(
            data=data,
            fingerprint=form.cleaned_data["fingerprint"],
            actor=request.user,
            filename=pending.get("filename", ""),
            request=request,
        )
    except importing.ImportFileError as exc:
        _forget_import(request)
        return _refuse_import(request, str(exc))
    except importing.ImportRefused as exc:
        plan = importing.unit_import_plan(data=data)
        return _render_preview(request, pending, plan, error=str(exc), status=400)
    _forget_import(request)
    messages.success(
        request,
        f"Đã nhập đơn vị từ Excel: {len(result.created)} đơn vị tạo mới, {len(result.updated)} đơn vị thay đổi.",
    )
    return redirect("blocs:unit-list")


@login_required
@require_POST
def unit_import_cancel(request: HttpRequest) -> HttpResponse:
    _require_manage_units(request)
    _forget_import(request)
    messages.info(request, "Đã hủy lần nhập; không có thay đổi nào được ghi.")
    return redirect("blocs:unit-import")
