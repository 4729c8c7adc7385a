"""Pages of a campaign's scoring rounds (Q1–Q4, year-end) and of its scoring rules. HTTP only.

Who may do what (DESIGN.md §6): whoever sees the bloc reads its rounds and rules (others get
404); its secretariat and admins open, edit, close, reopen and publish rounds and set the rules
(others 403). The services hold the rules of the state machine (open → closed → published,
closing only after the entry deadline, published rounds immutable)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.models import Campaign, CampaignState
from scoring.forms.rounds import RoundForm, RulesForm, duplicate_period_message
from scoring.models import Aggregation, RoundPeriod, RoundState, ScoringRound
from scoring.selectors.rounds import (
    DEADLINE_AFTER_DAYS,
    default_round_dates,
    next_free_period,
    round_board,
    round_list_for_campaign,
)
from scoring.services import rounds as services
from scoring.services.rules import (
    LOCKED_MESSAGE,
    LOWEST_BAND,
    TIE_BREAKS,
    scoring_rules_for,
    scoring_rules_locked,
    scoring_rules_update,
)
from thidua.lib.views import form_page, posted

MANAGE = "scoring.manage_scoring"
PUBLISH_QUESTION = (
    "Công bố kết quả {name} của {bloc}? Sau khi công bố, điểm không sửa được nữa trừ khi đính chính có lý do."
)
CLOSE_QUESTION = (
    "Khóa sổ {name} của {bloc}? Sau khi khóa sổ, không ai nhập thêm điểm được (thường trực có thể mở lại "
    "trước khi công bố)."
)


# --- Loading with access checks ---------------------------------------------------------------


def _visible_campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(request.user).select_related("bloc"), pk=pk)


def _require_manage(request: HttpRequest, campaign: Campaign) -> None:
    if not request.user.has_perm(MANAGE, campaign.bloc):
        raise PermissionDenied(
            "Chỉ cơ quan thường trực của khối/cụm được quản lý đợt chấm và quy tắc tính điểm."
        )


def _visible_round(request: HttpRequest, pk: int) -> ScoringRound:
    return get_object_or_404(
        ScoringRound.objects.visible_to(request.user).select_related(
            "campaign__bloc", "criteria_set", "published_by"
        ),
        pk=pk,
    )


def _managed_round(request: HttpRequest, pk: int) -> ScoringRound:
    scoring_round = _visible_round(request, pk)
    _require_manage(request, scoring_round.campaign)
    return scoring_round


# --- Helpers ----------------------------------------------------------------------------------


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the field it names, else at the top of the form; the
    one-round-per-period constraint goes under the period."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        for error in errors:
            for message in error.messages:
                target = name if name in form.fields else None
                if (
                    name == NON_FIELD_ERRORS
                    and message == duplicate_period_message()
                    and "period" in form.fields
                ):
                    target = "period"
                form.add_error(target, message)


def _url(name: str, *args) -> str | None:
    """The address of a page another part of the product provides, if it is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _detail(scoring_round: ScoringRound) -> HttpResponse:
    return redirect("scoring:round-detail", pk=scoring_round.pk)


def _round_name(scoring_round: ScoringRound) -> str:
    return f"đợt chấm {scoring_round.get_period_display()} năm {scoring_round.campaign.year}"


# --- Rounds -----------------------------------------------------------------------------------


@login_required
@require_GET
def round_list(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    rounds = round_list_for_campaign(campaign=campaign)
    can_manage = request.user.has_perm(MANAGE, campaign.bloc)
    taken = {r.period for r in rounds}
    return render(
        request,
        "scoring/round_list.html",
        {
            "campaign": campaign,
            "bloc": campaign.bloc,
            "rounds": rounds,
            "today": timezone.localdate(),
            "can_manage": can_manage,
            "can_create": can_manage
            and campaign.state != CampaignState.CLOSED
            and len(taken) < len(RoundPeriod),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    _require_manage(request, campaign)
    taken = set(campaign.rounds.values_list("period", flat=True))
    criteria_set = services.current_criteria_set(campaign)
    initial: dict = {}
    if request.method == "GET":
        asked = request.GET.get("ky", "")
        period = (
            asked if asked in RoundPeriod.values else next_free_period(campaign, taken, timezone.localdate())
        )
        dates = default_round_dates(campaign, period)
        initial = {
            "period": period,
            "starts_on": dates.starts_on,
            "ends_on": dates.ends_on,
            "entry_deadline": dates.entry_deadline,
        }
    form = RoundForm(posted(request), campaign=campaign, taken=taken, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            scoring_round = services.round_create(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except IntegrityError:  # created by someone else between the check and the insert
            form.add_error("period", duplicate_period_message())
        else:
            messages.success(
                request,
                f"Đã mở {_round_name(scoring_round)} "
                f"({scoring_round.starts_on:%d/%m/%Y} – {scoring_round.ends_on:%d/%m/%Y}), "
                f"hạn nhập điểm {scoring_round.entry_deadline:%d/%m/%Y}.",
            )
            return _detail(scoring_round)
    free = [
        (value, label, reverse("scoring:round-create", args=[campaign.pk]) + f"?ky={value}")
        for value, label in RoundPeriod.choices
        if value not in taken
    ]
    context = {
        "form": form,
        "campaign": campaign,
        "bloc": campaign.bloc,
        "scoring_round": None,
        "criteria_set": criteria_set,
        "free_periods": free,
        "deadline_days": DEADLINE_AFTER_DAYS,
        "closed": campaign.state == CampaignState.CLOSED,
    }
    return form_page(request, "scoring/round_form.html", context)


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scoring_round = _visible_round(request, pk)
    campaign = scoring_round.campaign
    board = round_board(scoring_round=scoring_round)
    today = timezone.localdate()
    reminder = ""
    if board.reminders and scoring_round.state == RoundState.OPEN:
        names = ", ".join(row.unit.name for row in board.reminders)
        reminder = (
            f"Đề nghị các đơn vị: {names} hoàn thành và gửi phiếu tự chấm {_round_name(scoring_round)} "
            f"của {campaign.bloc.name} trước hết ngày {scoring_round.entry_deadline:%d/%m/%Y}."
        )
    can_manage = request.user.has_perm(MANAGE, campaign.bloc)
    return render(
        request,
        "scoring/round_detail.html",
        {
            "scoring_round": scoring_round,
            "campaign": campaign,
            "bloc": campaign.bloc,
            "board": board,
            "can_manage": can_manage,
            # The grid is the secretariat's: members would meet a refusal there.
            "grid_url": _url("scoring:grid", scoring_round.pk) if can_manage else None,
            "deadline_passed": today > scoring_round.entry_deadline,
            "days_left": (scoring_round.entry_deadline - today).days,
            "reminder": reminder,
            "publish_question": PUBLISH_QUESTION.format(
                name=_round_name(scoring_round), bloc=scoring_round.campaign.bloc.name
            ),
            "close_question": CLOSE_QUESTION.format(
                name=_round_name(scoring_round), bloc=scoring_round.campaign.bloc.name
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scoring_round = _managed_round(request, pk)
    campaign = scoring_round.campaign
    published = scoring_round.state == RoundState.PUBLISHED
    form = RoundForm(
        posted(request),
        campaign=campaign,
        scoring_round=scoring_round,
        initial=RoundForm.initial_for(scoring_round),
    )
    if form.is_bound and published:
        form.add_error(None, "Đợt chấm đã công bố, không thể sửa.")
    elif form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                scoring_round = services.round_update(
                    scoring_round=scoring_round, actor=request.user, **changes
                )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Đã lưu {_round_name(scoring_round)}." if changes else "Không có gì thay đổi."
            )
            return _detail(scoring_round)
    context = {
        "form": form,
        "campaign": campaign,
        "bloc": campaign.bloc,
        "scoring_round": scoring_round,
        "criteria_set": scoring_round.criteria_set,
        "published": published,
        "deadline_days": DEADLINE_AFTER_DAYS,
    }
    return form_page(request, "scoring/round_form.html", context)


def _transition(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    scoring_round = _managed_round(request, pk)
    try:
        scoring_round = action(scoring_round=scoring_round, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{done} {_round_name(scoring_round)}.")
    return _detail(scoring_round)


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.round_close, "Đã khóa sổ")


@login_required
@require_POST
def round_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.round_reopen, "Đã mở lại để nhập điểm")


@login_required
@require_POST
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.round_publish, "Đã công bố kết quả")


# --- Scoring rules ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """The campaign's rules for everyone who sees it; a form for its secretariat until the
    first round is published."""
    campaign = _visible_campaign(request, campaign_pk)
    can_manage = request.user.has_perm(MANAGE, campaign.bloc)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied("Chỉ cơ quan thường trực của khối/cụm được sửa quy tắc tính điểm.")
    rules = scoring_rules_for(campaign)
    locked = scoring_rules_locked(campaign)
    form = (
        RulesForm(posted(request), initial=RulesForm.initial_for(rules))
        if can_manage and not locked
        else None
    )
    if request.method == "POST" and form is None:
        messages.error(request, LOCKED_MESSAGE)
        return render(
            request, "scoring/rules_form.html", _rules_context(campaign, rules, None, locked), status=400
        )
    if form is not None and form.is_bound and form.is_valid():
        try:
            rules = scoring_rules_update(campaign=campaign, actor=request.user, **form.cleaned_rules())
        except ValidationError as exc:
            # The rules' own problems (weights, tie-breaks, bands) name their field in the text.
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu quy tắc tính điểm của {campaign.name}.")
            return redirect("scoring:rules", campaign_pk=campaign.pk)
    status = 400 if form is not None and form.is_bound else 200
    return render(
        request, "scoring/rules_form.html", _rules_context(campaign, rules, form, locked), status=status
    )


def _rules_context(campaign: Campaign, rules, form, locked: bool) -> dict:
    weights = list(rules.quarter_weights or [])
    return {
        "campaign": campaign,
        "bloc": campaign.bloc,
        "rules": rules,
        "form": form,
        "locked": locked,
        "tie_breaks": [TIE_BREAKS.get(name, name) for name in rules.tie_breaks or []],
        "weights": list(zip(("Quý I", "Quý II", "Quý III", "Quý IV"), weights, strict=False)),
        "weighted": rules.aggregation == Aggregation.WEIGHTED,
        "bands": rules.bands or [],
        "lowest_band": LOWEST_BAND,
    }
