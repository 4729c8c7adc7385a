"""Objections to a published score (kiến nghị về điểm): a round's list, the leader's form,
one objection with the secretariat's answer. HTTP only.

Who may do what (DESIGN.md §6): whoever does not see the round's bloc gets 404. The list: the
secretariat and admins see every unit's objections, observers read them all, a unit's leader
and officers see their own unit's. Filing: only a member unit's leader, for his own unit
(another unit is 404; anybody else who sees the round 403). One objection: read by the
secretariat, the observers and the unit's own leader and officers (another unit's staff get
404); answered by the secretariat only (the other readers 403)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from blocs.models import Unit
from blocs.rules import is_observer_of_bloc
from scoring.forms.objections import AnswerForm, ObjectionForm
from scoring.models import Objection, ObjectionState, RoundState, ScoringRound
from scoring.selectors.objections import (
    filing_choices,
    led_member_units,
    objection_current_points,
    objection_days_for,
    objection_events,
    round_name,
    round_objections,
    staffed_unit_ids,
    window_of,
)
from scoring.services.objections import (
    answered_refusal,
    may_answer_objection,
    objection_answer,
    objection_file,
)

NOT_A_READER = (
    "Chỉ cơ quan thường trực, cán bộ theo dõi và chỉ huy, cán bộ của đơn vị được xem kiến nghị về điểm."
)
NOT_A_LEADER = "Chỉ chỉ huy đơn vị thành viên trong đợt chấm được kiến nghị về điểm của đơn vị mình."
NOT_SECRETARIAT = "Chỉ cơ quan thường trực của khối/cụm được trả lời kiến nghị."


def _visible_round(request: HttpRequest, pk: int) -> ScoringRound:
    rounds = ScoringRound.objects.visible_to(request.user).select_related("campaign__bloc", "criteria_set")
    return get_object_or_404(rounds, pk=pk)


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the field it names, else at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        for item in errors:
            form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, item)


# --- A round's objections ------------------------------------------------------------------------------


@login_required
@require_GET
def objection_list(request: HttpRequest, pk: int) -> HttpResponse:
    scoring_round = _visible_round(request, pk)
    bloc = scoring_round.campaign.bloc
    is_manager = request.user.has_perm("scoring.manage_scoring", bloc)
    unit_ids: set[int] | None = None
    if not is_manager and not is_observer_of_bloc(request.user, bloc):
        unit_ids = staffed_unit_ids(request.user)
        if not unit_ids:
            raise PermissionDenied(NOT_A_READER)
    days = objection_days_for(scoring_round.campaign)
    objections = round_objections(scoring_round=scoring_round, unit_ids=unit_ids, days=days)
    leading = led_member_units(user=request.user, scoring_round=scoring_round) if unit_ids else []
    return render(
        request,
        "scoring/objection_list.html",
        {
            "scoring_round": scoring_round,
            "campaign": scoring_round.campaign,
            "bloc": bloc,
            "objections": objections,
            "window": objections.window,
            "is_manager": is_manager,
            "own_only": unit_ids is not None,
            "can_file": bool(leading) and objections.window.is_open(),
        },
    )


# --- Filing -------------------------------------------------------------------------------------------


def _filing_unit(request: HttpRequest, scoring_round: ScoringRound) -> tuple[Unit, list[Unit]]:
    """The unit the leader objects for (`?don_vi=` when he leads several) and his units."""
    units = led_member_units(user=request.user, scoring_round=scoring_round)
    if not units:
        raise PermissionDenied(NOT_A_LEADER)
    chosen = request.GET.get("don_vi", "")
    if not chosen:
        return units[0], units
    for unit in units:
        if chosen.isdigit() and unit.pk == int(chosen):
            return unit, units
    raise Http404("Không có đơn vị này.")


def _create_url(scoring_round: ScoringRound, unit: Unit, units: list[Unit]) -> str:
    url = reverse("scoring:objection-create", args=[scoring_round.pk])
    return f"{url}?don_vi={unit.pk}" if len(units) > 1 else url


@login_required
@require_http_methods(["GET", "POST"])
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form, or why no objection can be filed now. POST: file it (400 with the field's
    message when something is wrong, or with the window's message after the last day)."""
    scoring_round = _visible_round(request, pk)
    unit, units = _filing_unit(request, scoring_round)
    window = window_of(scoring_round, objection_days_for(scoring_round.campaign))
    refusal = window.refusal()
    choices = filing_choices(scoring_round=scoring_round, unit=unit)
    form = ObjectionForm(request.POST if request.method == "POST" else None, choices=choices)
    status = 200
    if request.method == "POST":
        status = 400  # unless filed; after the window the page says why it is closed
        if not refusal and form.is_valid():
            try:
                objection = objection_file(
                    scoring_round=scoring_round,
                    unit=unit,
                    criterion=form.cleaned_data["criterion"],
                    requested_points=form.cleaned_data["requested_points"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                subject = (
                    f"tiêu chí {objection.criterion.code}"
                    if objection.criterion
                    else "kết quả chung của đơn vị"
                )
                messages.success(
                    request,
                    f"Đã gửi kiến nghị của {unit.name} về {subject} tới cơ quan thường trực "
                    f"{scoring_round.campaign.bloc.name}.",
                )
                return redirect("scoring:objection-detail", pk=objection.pk)
    return render(
        request,
        "scoring/objection_form.html",
        {
            "scoring_round": scoring_round,
            "campaign": scoring_round.campaign,
            "bloc": scoring_round.campaign.bloc,
            "unit": unit,
            "units": units,
            "form": form,
            "choices": choices,
            "window": window,
            "refusal": refusal,
            "action_url": _create_url(scoring_round, unit, units),
            "round_name": round_name(scoring_round),
        },
        status=status,
    )


# --- One objection and its answer -----------------------------------------------------------------------


def _visible_objection(request: HttpRequest, pk: int) -> tuple[Objection, bool, bool]:
    """The objection, whether the user answers for the secretariat and whether he is of the
    objecting unit. 404 unless the user sees the bloc and is of its secretariat, an observer
    of it, or a leader or officer of the unit."""
    objection = get_object_or_404(
        Objection.objects.visible_to(request.user).select_related(
            "round__campaign__bloc",
            "round__criteria_set",
            "unit",
            "criterion",
            "filed_by",
            "answered_by",
            "correction__made_by",
        ),
        pk=pk,
    )
    if may_answer_objection(request.user, objection.round):
        return objection, True, False
    staff = objection.unit_id in staffed_unit_ids(request.user)
    if not staff and not is_observer_of_bloc(request.user, objection.round.campaign.bloc):
        raise Http404("Không có kiến nghị này.")
    return objection, False, staff


@login_required
@require_http_methods(["GET", "POST"])
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The objection, its history and the correction it made; the secretariat's answer form
    while it waits."""
    objection, is_manager, staff = _visible_objection(request, pk)
    if request.method == "POST" and not is_manager:
        raise PermissionDenied(NOT_SECRETARIAT)
    form = AnswerForm(request.POST if request.method == "POST" else None, objection=objection)
    status = 200
    if request.method == "POST":
        status = 400
        if objection.state != ObjectionState.OPEN:
            messages.error(request, answered_refusal(objection))
        elif form.is_valid():
            try:
                objection = objection_answer(
                    objection=objection,
                    accept=form.accept,
                    answer=form.cleaned_data["answer"],
                    new_points=form.cleaned_data.get("new_points"),
                    actor=request.user,
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _answered_message(objection))
                return redirect("scoring:objection-detail", pk=objection.pk)
    scoring_round = objection.round
    return render(
        request,
        "scoring/objection_detail.html",
        {
            "objection": objection,
            "scoring_round": scoring_round,
            "campaign": scoring_round.campaign,
            "bloc": scoring_round.campaign.bloc,
            "current_points": objection_current_points(objection),
            "events": objection_events(objection),
            "form": form if is_manager and objection.state == ObjectionState.OPEN else None,
            "is_manager": is_manager,
            "sees_cell_history": bool(objection.criterion_id) and (is_manager or staff),
            "published": scoring_round.state == RoundState.PUBLISHED,
        },
        status=status,
    )


def _answered_message(objection: Objection) -> str:
    unit = objection.unit.name
    if objection.state == ObjectionState.REJECTED:
        return f"Đã trả lời kiến nghị của {unit}: không chấp nhận, điểm giữ nguyên."
    if objection.correction_id:
        return (
            f"Đã chấp nhận kiến nghị của {unit} và đính chính điểm tiêu chí {objection.criterion.code} "
            f"(phiên bản {objection.correction.version} của phiếu chấm)."
        )
    return f"Đã trả lời kiến nghị của {unit}: chấp nhận."
