"""A round's scores in Excel: the entry template, the import (upload, preview, confirm,
cancel) and the export. HTTP only; for admins and the bloc's secretariat (others who see the
round get 403, everybody else 404).

The import follows the units import (blocs.views.units): the upload is checked, kept on the
server under a random token whose SHA-256 waits in the session, and re-read at the preview and
at the confirmation, so the very bytes previewed are the ones written and nothing from the
client is trusted. The preview records the version of every unit's final card; the
confirmation writes through `final_grid_save` with those versions, so a save made in between
stops the import and names who saved."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blocs.services import unit_import as file_store
from scoring.forms.excel import ScoreImportConfirmForm, ScoreImportForm, import_max_bytes
from scoring.models import RoundState, ScoringRound
from scoring.services import score_excel
from scoring.services.scorecards import ScoreConflict
from thidua.lib.excel import XLSX_CONTENT_TYPE

MANAGE = "scoring.manage_scoring"
SESSION_KEY = "score_import"
REFUSAL = "Chỉ cơ quan thường trực của khối/cụm được nhập, xuất bảng điểm Excel của đợt chấm."


def _managed_round(request: HttpRequest, pk: int) -> ScoringRound:
    rounds = ScoringRound.objects.visible_to(request.user).select_related("campaign__bloc", "criteria_set")
    scoring_round = get_object_or_404(rounds, pk=pk)
    if not request.user.has_perm(MANAGE, scoring_round.campaign.bloc):
        raise PermissionDenied(REFUSAL)
    return scoring_round


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_stem(scoring_round: ScoringRound) -> str:
    return f"dot-cham-{scoring_round.pk}-{scoring_round.period}-{scoring_round.campaign.year}"


# --- Downloads -------------------------------------------------------------------------------------


@login_required
@require_GET
def excel_template(request: HttpRequest, pk: int) -> HttpResponse:
    scoring_round = _managed_round(request, pk)
    content = score_excel.score_template(scoring_round=scoring_round, actor=request.user, request=request)
    return _xlsx_response(content, f"mau-{_file_stem(scoring_round)}.xlsx")


@login_required
@require_GET
def excel_export(request: HttpRequest, pk: int) -> HttpResponse:
    scoring_round = _managed_round(request, pk)
    content = score_excel.score_export(scoring_round=scoring_round, actor=request.user, request=request)
    return _xlsx_response(content, f"diem-{_file_stem(scoring_round)}-{timezone.localdate():%Y%m%d}.xlsx")


# --- The import ------------------------------------------------------------------------------------


def _pending(request: HttpRequest, scoring_round: ScoringRound) -> dict | None:
    pending = request.session.get(SESSION_KEY)
    if not isinstance(pending, dict) or not {"round", "token", "sha256"} <= pending.keys():
        return None
    return pending if pending["round"] == scoring_round.pk else None


def _forget(request: HttpRequest) -> None:
    pending = request.session.get(SESSION_KEY)
    if isinstance(pending, dict) and pending.get("token"):
        file_store.import_file_discard(token=pending["token"])
    request.session.pop(SESSION_KEY, None)


def _upload_page(
    request: HttpRequest,
    scoring_round: ScoringRound,
    form: ScoreImportForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "scoring_round": scoring_round,
        "campaign": scoring_round.campaign,
        "bloc": scoring_round.campaign.bloc,
        "form": form,
        "error": error,
        "pending": _pending(request, scoring_round),
        "max_megabytes": max(import_max_bytes() // (1024 * 1024), 1),
        "is_open": scoring_round.state == RoundState.OPEN,
    }
    return render(request, "scoring/excel_import.html", context, status=status)


def _refuse(request: HttpRequest, scoring_round: ScoringRound, message: str) -> HttpResponse:
    return _upload_page(request, scoring_round, ScoreImportForm(), error=message, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def excel_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: upload. A usable workbook is kept on the server and the user goes on to the
    preview; a file that is not one is refused here (400). Nothing is written to the scores."""
    scoring_round = _managed_round(request, pk)
    if request.method == "GET":
        return _upload_page(request, scoring_round, ScoreImportForm())
    form = ScoreImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            score_excel.score_import_plan(scoring_round=scoring_round, data=data)
        except score_excel.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            _forget(request)
            stored = file_store.import_file_store(data=data)
            request.session[SESSION_KEY] = {
                "round": scoring_round.pk,
                "token": stored.token,
                "sha256": stored.sha256,
                "filename": upload.name[:200],
            }
            return redirect("scoring:excel-import-preview", pk=scoring_round.pk)
    return _upload_page(request, scoring_round, form, status=400)


def _load(request: HttpRequest, pending: dict) -> bytes:
    try:
        return file_store.import_file_load(token=pending["token"], sha256=pending["sha256"])
    except file_store.ImportFileError as exc:
        raise score_excel.ImportFileError(str(exc)) from exc


def _render_preview(
    request: HttpRequest,
    scoring_round: ScoringRound,
    pending: dict,
    plan: score_excel.ScoreImportPlan,
    *,
    confirm_form: ScoreImportConfirmForm | None = None,
    error: str = "",
    errors: list[str] | None = None,
    conflict: ScoreConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    # The versions this preview was computed against: the confirmation writes on them.
    pending["versions"] = {str(unit_id): version for unit_id, version in plan.base_versions.items()}
    request.session[SESSION_KEY] = pending
    confirm_form = confirm_form or ScoreImportConfirmForm(
        initial={"token": pending["token"], "fingerprint": plan.fingerprint}
    )
    context = {
        "scoring_round": scoring_round,
        "campaign": scoring_round.campaign,
        "bloc": scoring_round.campaign.bloc,
        "plan": plan,
        "filename": pending.get("filename", ""),
        "confirm_form": confirm_form,
        "error": error,
        "errors": errors or [],
        "conflict": conflict,
        "is_open": scoring_round.state == RoundState.OPEN,
        "is_published": scoring_round.state == RoundState.PUBLISHED,
        "can_confirm": not plan.has_errors
        and bool(plan.changes)
        and scoring_round.state != RoundState.CLOSED,
    }
    return render(request, "scoring/excel_import_preview.html", context, status=status)


@login_required
@require_GET
def excel_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: every cell that would change (old → new) and every invalid cell with its
    reason, from the file kept on the server and the scores as they are now."""
    scoring_round = _managed_round(request, pk)
    pending = _pending(request, scoring_round)
    if pending is None:
        messages.info(request, "Chưa có tệp nào chờ xác nhận; hãy tải tệp Excel lên.")
        return redirect("scoring:excel-import", pk=scoring_round.pk)
    try:
        plan = score_excel.score_import_plan(scoring_round=scoring_round, data=_load(request, pending))
    except score_excel.ImportFileError as exc:
        _forget(request)
        return _refuse(request, scoring_round, str(exc))
    return _render_preview(request, scoring_round, pending, plan)


@login_required
@require_POST
def excel_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: write, all cells or none. The token must be this session's; the file is read
    again and written only if its plan is the one previewed and no card moved since."""
    scoring_round = _managed_round(request, pk)
    pending = _pending(request, scoring_round)
    form = ScoreImportConfirmForm(request.POST)
    if (
        pending is None
        or not form.is_valid()
        or not secrets.compare_digest(str(form.cleaned_data["token"]), pending["token"])
        or not isinstance(pending.get("versions"), dict)
    ):
        return _refuse(
            request,
            scoring_round,
            "Phiên nhập không hợp lệ hoặc đã hết hạn; chưa có điểm nào được ghi. Hãy tải tệp lên lại.",
        )
    try:
        data = _load(request, pending)
    except score_excel.ImportFileError as exc:
        _forget(request)
        return _refuse(request, scoring_round, str(exc))
    base_versions = {int(unit_id): int(version) for unit_id, version in pending["versions"].items()}
    try:
        result = score_excel.score_import_apply(
            scoring_round=scoring_round,
            data=data,
            fingerprint=form.cleaned_data["fingerprint"],
            base_versions=base_versions,
            actor=request.user,
            reason=form.cleaned_data.get("reason") or "",
            filename=pending.get("filename", ""),
            request=request,
        )
    except score_excel.ImportFileError as exc:
        _forget(request)
        return _refuse(request, scoring_round, str(exc))
    except (score_excel.ImportRefused, ScoreConflict, ValidationError) as exc:
        plan = score_excel.score_import_plan(scoring_round=scoring_round, data=data)
        conflict = exc if isinstance(exc, ScoreConflict) else None
        messages_of = list(exc.messages) if isinstance(exc, ValidationError) else [str(exc)]
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and "reason" in exc.error_dict:
            form.add_error("reason", exc.error_dict["reason"])
            messages_of = []
        else:
            form = ScoreImportConfirmForm(
                initial={
                    "token": pending["token"],
                    "fingerprint": plan.fingerprint,
                    "reason": form.cleaned_data.get("reason"),
                }
            )
        return _render_preview(
            request,
            scoring_round,
            pending,
            plan,
            confirm_form=form,
            errors=[] if conflict else messages_of,
            conflict=conflict,
            status=409 if conflict else 400,
        )
    _forget(request)
    messages.success(
        request,
        f"Đã nhập điểm từ Excel: {result.created} ô nhập mới, {result.updated} ô sửa.",
    )
    return redirect("scoring:grid", pk=scoring_round.pk)


@login_required
@require_POST
def excel_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    scoring_round = _managed_round(request, pk)
    _forget(request)
    messages.info(request, "Đã hủy lần nhập; không có điểm nào được ghi.")
    return redirect("scoring:excel-import", pk=scoring_round.pk)
