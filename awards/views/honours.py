"""Pages of titles, nominations, award decisions and award histories. HTTP only.

Who may do what (DESIGN.md §6): the catalogue is read by every signed-in user and edited by
admins. A bloc's nomination list is read by whoever sees the bloc, except that a unit leader
reads his own unit's nominations only and a unit's staff officer none (403); its secretariat and
admins draw it up and submit it; an admin or an observer given the right approves or rejects
each nomination. Decisions are recorded by the bloc's secretariat and admins. Award histories
are read by whoever sees the unit or the bloc. Outsiders get 404 throughout."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awards.forms.honours import (
    DecideForm,
    DecisionForm,
    JustifyForm,
    NominationAddForm,
    RuleForm,
    TitleForm,
)
from awards.models import (
    AwardDecision,
    EligibilityRule,
    Nomination,
    NominationList,
    NominationListState,
    NominationState,
    Review,
    Title,
)
from awards.selectors.honours import (
    bloc_award_records,
    bloc_awards,
    bloc_nomination_lists,
    decision_records,
    nomination_board,
    unit_award_history,
)
from awards.services import decisions as decision_services
from awards.services import nominations as services
from awards.services import titles as title_services
from awards.services.nominations import member_ids
from blocs.models import Assignment, AuditEvent, Bloc, Role, Unit
from blocs.rules import is_observer_of_bloc
from blocs.services.audit import audit_record
from thidua.lib.excel import XLSX_CONTENT_TYPE, append_row, new_sheet, workbook_bytes
from thidua.lib.text import fold
from thidua.lib.views import form_page, posted

MANAGE = "awards.manage_review"
APPROVE = "awards.approve_nominations"
TITLES = "awards.manage_titles"


# --- Loading with access checks ---------------------------------------------------------------


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        for error in errors:
            for message in error.messages:
                form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, message)


def _require_titles(request: HttpRequest) -> None:
    if not request.user.has_perm(TITLES):
        raise PermissionDenied("Chỉ quản trị viên được sửa danh mục danh hiệu, hình thức khen thưởng.")


def _visible_review(request: HttpRequest, pk: int) -> Review:
    return get_object_or_404(
        Review.objects.visible_to(request.user).select_related(
            "campaign__bloc__organiser", "snapshot", "leading_unit"
        ),
        pk=pk,
    )


def _reader_scope(request: HttpRequest, bloc: Bloc, *, can_manage: bool) -> set[int] | None:
    """None: the user reads the whole list; else the units whose nominations he reads."""
    user = request.user
    if can_manage or user.has_perm(APPROVE, bloc) or is_observer_of_bloc(user, bloc):
        return None
    led = set(Assignment.objects.filter(user=user, role=Role.LEADER).values_list("unit_id", flat=True))
    if led:
        return led
    raise PermissionDenied("Danh sách đề nghị khen thưởng do chỉ huy đơn vị và cơ quan thường trực theo dõi.")


def _reads_nominations(user, bloc: Bloc, *, can_manage: bool) -> bool:
    """Whether `_reader_scope` lets `user` read the bloc's nomination lists at all: the
    secretariat and admins, the bloc's observers, units' leaders (their own unit's); not a
    unit's staff officer. One query at most."""
    if can_manage:
        return True
    return (
        Assignment.objects.filter(user=user)
        .filter(Q(role=Role.OBSERVER, bloc=bloc) | Q(role=Role.LEADER))
        .exists()
    )


def _visible_list(request: HttpRequest, pk: int) -> NominationList:
    return get_object_or_404(
        NominationList.objects.visible_to(request.user).select_related(
            "review__campaign__bloc__organiser", "review__snapshot", "review__leading_unit"
        ),
        pk=pk,
    )


def _visible_nomination(request: HttpRequest, pk: int) -> Nomination:
    return get_object_or_404(
        Nomination.objects.filter(
            nomination_list__in=NominationList.objects.visible_to(request.user)
        ).select_related("nomination_list__review__campaign__bloc", "unit", "title"),
        pk=pk,
    )


def _require_manage(request: HttpRequest, bloc: Bloc) -> None:
    if not request.user.has_perm(MANAGE, bloc):
        raise PermissionDenied(
            "Chỉ cơ quan thường trực của khối/cụm được lập và trình danh sách đề nghị khen thưởng."
        )


def _bloc_of(nomination_list: NominationList) -> Bloc:
    return nomination_list.review.campaign.bloc


def _to_list(nomination_list: NominationList) -> HttpResponse:
    return redirect("awards:nominations", review_pk=nomination_list.review_id)


def _members(nomination_list: NominationList):
    review = nomination_list.review
    return Unit.objects.filter(
        pk__in=member_ids(review.campaign.bloc, review.campaign.year)
    ).in_vietnamese_order()


# --- Titles -----------------------------------------------------------------------------------


@login_required
@require_GET
def title_list(request: HttpRequest) -> HttpResponse:
    titles = list(
        Title.objects.prefetch_related("rules__required_title").order_by("kind", "position", "name")
    )
    return render(
        request,
        "awards/title_list.html",
        {
            "titles": [t for t in titles if t.kind == "title"],
            "awards": [t for t in titles if t.kind == "award"],
            "can_manage": request.user.has_perm(TITLES),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def title_create(request: HttpRequest) -> HttpResponse:
    _require_titles(request)
    form = TitleForm(posted(request), initial={"active": True, "recipient": "collective", "position": 0})
    if form.is_bound and form.is_valid():
        try:
            title = title_services.title_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã thêm {title.name} vào danh mục. Thêm điều kiện xét bên dưới.")
            return redirect("awards:title-edit", pk=title.pk)
    return form_page(request, "awards/title_form.html", {"form": form, "title": None})


@login_required
@require_http_methods(["GET", "POST"])
def title_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_titles(request)
    title = get_object_or_404(Title, pk=pk)
    form = TitleForm(posted(request), initial=TitleForm.initial_for(title))
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                title = title_services.title_update(title=title, actor=request.user, **changes)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu {title.name}." if changes else "Không có gì thay đổi.")
            return redirect("awards:title-edit", pk=title.pk)
    rules = title.rules.select_related("required_title")
    return form_page(request, "awards/title_form.html", {"form": form, "title": title, "rules": rules})


@login_required
@require_http_methods(["GET", "POST"])
def title_rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_titles(request)
    title = get_object_or_404(Title, pk=pk)
    form = RuleForm(posted(request), title=title)
    if form.is_bound and form.is_valid():
        try:
            rule = title_services.eligibility_rule_add(title=title, actor=request.user, **form.cleaned_rule())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã thêm điều kiện “{rule.get_kind_display()}” cho {title.name}.")
            return redirect("awards:title-edit", pk=title.pk)
    return form_page(request, "awards/title_rule_form.html", {"form": form, "title": title, "rule": None})


@login_required
@require_http_methods(["GET", "POST"])
def title_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_titles(request)
    rule = get_object_or_404(EligibilityRule.objects.select_related("title"), pk=pk)
    form = RuleForm(posted(request), title=rule.title, initial=RuleForm.initial_for(rule))
    if form.is_bound and form.is_valid():
        try:
            rule = title_services.eligibility_rule_update(
                rule=rule, actor=request.user, **form.cleaned_rule()
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu điều kiện “{rule.get_kind_display()}” của {rule.title.name}.")
            return redirect("awards:title-edit", pk=rule.title_id)
    return form_page(
        request, "awards/title_rule_form.html", {"form": form, "title": rule.title, "rule": rule}
    )


@login_required
@require_POST
def title_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_titles(request)
    rule = get_object_or_404(EligibilityRule.objects.select_related("title"), pk=pk)
    title_pk = rule.title_id
    title_services.eligibility_rule_remove(rule=rule, actor=request.user)
    messages.success(request, "Đã bỏ điều kiện xét.")
    return redirect("awards:title-edit", pk=title_pk)


# --- Nominations ------------------------------------------------------------------------------


@login_required
@require_GET
def nominations(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = _visible_review(request, review_pk)
    bloc = review.campaign.bloc
    can_manage = request.user.has_perm(MANAGE, bloc)
    scope = _reader_scope(request, bloc, can_manage=can_manage)
    nomination_list = NominationList.objects.filter(review=review).select_related("submitted_by").first()
    if nomination_list is not None:
        nomination_list.review = review
    board = nomination_board(nomination_list=nomination_list, unit_ids=scope) if nomination_list else None
    draft = nomination_list is not None and nomination_list.state == NominationListState.DRAFT
    return render(
        request,
        "awards/nomination_list.html",
        {
            "review": review,
            "bloc": bloc,
            "nomination_list": nomination_list,
            "board": board,
            "can_generate": can_manage
            and nomination_list is None
            and review.is_closed
            and review.is_year_end,
            "can_edit": can_manage and draft,
            "can_decide": nomination_list is not None
            and nomination_list.state == NominationListState.SUBMITTED
            and request.user.has_perm(APPROVE, bloc),
            "can_record": can_manage and nomination_list is not None and not draft,
            "review_url": _url("awards:review-detail", review.pk),
        },
    )


@login_required
@require_POST
def nominations_generate(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = _visible_review(request, review_pk)
    _require_manage(request, review.campaign.bloc)
    try:
        nomination_list = services.nominations_generate(review=review, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        count = nomination_list.nominations.count()
        messages.success(
            request, f"Đã lập danh sách đề nghị khen thưởng với {count} đề nghị từ kết quả xếp hạng đã chốt."
        )
    return redirect("awards:nominations", review_pk=review.pk)


@login_required
@require_http_methods(["GET", "POST"])
def nomination_add(request: HttpRequest, pk: int) -> HttpResponse:
    nomination_list = _visible_list(request, pk)
    _require_manage(request, _bloc_of(nomination_list))
    form = NominationAddForm(posted(request), units=_members(nomination_list))
    locked = nomination_list.state != NominationListState.DRAFT
    if form.is_bound and locked:
        form.add_error(None, services.NOT_DRAFT)
    elif form.is_bound and form.is_valid():
        try:
            nomination = services.nomination_add(
                nomination_list=nomination_list, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            note = "" if nomination.passes else " (không đủ điều kiện, giữ lại với giải trình)"
            messages.success(
                request, f"Đã thêm đề nghị {nomination.unit.name} – {nomination.title.name}{note}."
            )
            return _to_list(nomination_list)
    return form_page(
        request,
        "awards/nomination_form.html",
        {
            "form": form,
            "nomination_list": nomination_list,
            "review": nomination_list.review,
            "locked": locked,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def nomination_justify(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = _visible_nomination(request, pk)
    nomination_list = nomination.nomination_list
    _require_manage(request, _bloc_of(nomination_list))
    form = JustifyForm(posted(request), initial={"justification": nomination.justification})
    locked = nomination_list.state != NominationListState.DRAFT
    if form.is_bound and locked:
        form.add_error(None, services.NOT_DRAFT)
    elif form.is_bound and form.is_valid():
        try:
            services.nomination_justify(nomination=nomination, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Đã lưu giải trình cho {nomination.unit.name} – {nomination.title.name}."
            )
            return _to_list(nomination_list)
    return form_page(
        request,
        "awards/nomination_justify.html",
        {"form": form, "nomination": nomination, "review": nomination_list.review, "locked": locked},
    )


@login_required
@require_POST
def nomination_remove(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = _visible_nomination(request, pk)
    nomination_list = nomination.nomination_list
    _require_manage(request, _bloc_of(nomination_list))
    try:
        services.nomination_remove(nomination=nomination, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã bỏ đề nghị {nomination.unit.name} – {nomination.title.name}.")
    return _to_list(nomination_list)


@login_required
@require_POST
def nomination_list_submit(request: HttpRequest, pk: int) -> HttpResponse:
    nomination_list = _visible_list(request, pk)
    _require_manage(request, _bloc_of(nomination_list))
    try:
        services.nomination_list_submit(nomination_list=nomination_list, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Đã trình danh sách đề nghị khen thưởng lên cấp trên.")
    return _to_list(nomination_list)


@login_required
@require_http_methods(["GET", "POST"])
def nomination_decide(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = _visible_nomination(request, pk)
    nomination_list = nomination.nomination_list
    if not request.user.has_perm(APPROVE, _bloc_of(nomination_list)):
        raise PermissionDenied(
            "Chỉ cấp trên được giao quyền mới xét duyệt đề nghị khen thưởng của khối/cụm này."
        )
    form = DecideForm(posted(request))
    waiting = nomination.state == NominationState.SUBMITTED
    if form.is_bound and not waiting:
        form.add_error(None, "Đề nghị này không ở trạng thái chờ xét.")
    elif form.is_bound and form.is_valid():
        try:
            nomination = services.nomination_decide(
                nomination=nomination, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            word = "Đồng ý" if nomination.state == NominationState.APPROVED else "Không đồng ý"
            messages.success(request, f"{word} đề nghị {nomination.unit.name} – {nomination.title.name}.")
            return _to_list(nomination_list)
    row = nomination_board(nomination_list=nomination_list, unit_ids={nomination.unit_id})
    return form_page(
        request,
        "awards/nomination_decide.html",
        {
            "form": form,
            "nomination": nomination,
            "row": next(r for r in row.rows if r.nomination.pk == nomination.pk),
            "review": nomination_list.review,
            "waiting": waiting,
        },
    )


# --- Decisions --------------------------------------------------------------------------------


def _visible_bloc(request: HttpRequest, pk: int) -> Bloc:
    return get_object_or_404(Bloc.objects.visible_to(request.user).select_related("organiser"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest, bloc_pk: int) -> HttpResponse:
    bloc = _visible_bloc(request, bloc_pk)
    _require_manage(request, bloc)
    lists = {str(n.pk): n for n in bloc_nomination_lists(bloc=bloc) if n.state != NominationListState.DRAFT}
    chosen = request.POST.get("danh_sach") if request.method == "POST" else request.GET.get("danh-sach")
    nomination_list = lists.get(chosen or "")
    bad_list = bool(chosen) and nomination_list is None
    initial: dict = {}
    if nomination_list is not None:
        year = nomination_list.review.campaign.year
        initial = {
            "year": year,
            "nominations": list(
                nomination_list.nominations.filter(state=NominationState.APPROVED).values_list(
                    "pk", flat=True
                )
            ),
        }
    units = Unit.objects.filter(pk__in=bloc.memberships.values("unit_id")).in_vietnamese_order()
    form = DecisionForm(posted(request), units=units, nomination_list=nomination_list, initial=initial)
    if form.is_bound and bad_list:
        form.add_error(None, "Danh sách đề nghị: không thuộc khối/cụm này hoặc chưa được trình cấp trên.")
    elif form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            decision = decision_services.award_decision_record(
                number=data["number"],
                signed_on=data["signed_on"],
                issuer=data["issuer"],
                year=data["year"],
                summary=data["summary"],
                grants=data["grants"],
                nomination_list=nomination_list,
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã ghi {decision}: khen {decision.records.count()} đơn vị.")
            return redirect("awards:decision-detail", pk=decision.pk)
    return form_page(
        request,
        "awards/decision_form.html",
        {
            "form": form,
            "bloc": bloc,
            "nomination_list": nomination_list,
            "lists": list(lists.values()),
            "extra_rows": [(form[f"unit_{i}"], form[f"title_{i}"]) for i in range(1, 4)],
        },
    )


@login_required
@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(
        AwardDecision.objects.visible_to(request.user).select_related(
            "nomination_list__review__campaign__bloc", "created_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "awards/decision_detail.html",
        {"decision": decision, "records": decision_records(decision=decision)},
    )


# --- Award histories --------------------------------------------------------------------------


@login_required
@require_GET
def unit_awards(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_pk)
    return render(
        request, "awards/award_history_unit.html", {"unit": unit, "years": unit_award_history(unit=unit)}
    )


@login_required
@require_GET
def bloc_awards_page(request: HttpRequest, bloc_pk: int) -> HttpResponse:
    bloc = _visible_bloc(request, bloc_pk)
    can_record = request.user.has_perm(MANAGE, bloc)
    # A unit's staff officer reads the awards, not the proposals (DESIGN.md §6).
    reads_lists = _reads_nominations(request.user, bloc, can_manage=can_record)
    return render(
        request,
        "awards/award_history_bloc.html",
        {
            "bloc": bloc,
            "years": bloc_awards(bloc=bloc),
            "lists": bloc_nomination_lists(bloc=bloc) if reads_lists else [],
            "can_record": can_record,
        },
    )


EXCEL_HEADERS = [
    "Năm",
    "Đơn vị",
    "Mã đơn vị",
    "Danh hiệu, hình thức khen thưởng",
    "Loại",
    "Số quyết định",
    "Ngày ký",
    "Cấp quyết định",
    "Theo đề nghị",
    "Ghi chú",
]


@login_required
@require_GET
def bloc_awards_excel(request: HttpRequest, bloc_pk: int) -> HttpResponse:
    bloc = _visible_bloc(request, bloc_pk)
    workbook, sheet = new_sheet("Khen thưởng", EXCEL_HEADERS, [8, 40, 14, 48, 22, 18, 12, 32, 12, 40])
    records = bloc_award_records(bloc=bloc)
    for record in records:
        append_row(
            sheet,
            [
                record.year,
                record.unit.name,
                record.unit.code,
                record.title.name,
                record.title.get_kind_display(),
                record.decision.number,
                record.decision.signed_on,
                record.decision.issuer,
                "Có" if record.nomination_id else "Không",
                record.note,
            ],
        )
        sheet.cell(row=sheet.max_row, column=7).number_format = "DD/MM/YYYY"
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        summary=f"Xuất Excel khen thưởng của {bloc.name} ({len(records)} dòng)",
        actor=request.user,
        request=request,
    )
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_CONTENT_TYPE)
    slug = fold(bloc.name).replace(" ", "-")
    response["Content-Disposition"] = f'attachment; filename="khen-thuong-{slug}.xlsx"'
    return response
