"""Pages of the reviews (sơ kết / tổng kết) of a campaign. HTTP only.

Who may do what (DESIGN.md §6): whoever sees the bloc reads its reviews (others get 404); its
secretariat and admins create, edit, record attendance, write the report's sections, confirm
the conference was held, close it and issue a new version of its ranking (others 403). The
services hold the rules (dates, members, what closing needs, the chair handover)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awards.forms.reviews import AttendanceForm, CloseForm, ReissueForm, ReviewForm, SectionForm
from awards.models import Attendance, Review, ReviewKind, ReviewSection, ReviewState
from awards.selectors.reviews import (
    close_problems,
    election_of,
    leading_for,
    quorum_for,
    review_list_for_campaign,
    review_name,
    review_page,
    round_statuses,
)
from awards.services import reviews as services
from awards.services.handover import handover_proposal
from blocs.models import Membership, Unit, vietnamese_order
from campaigns.models import Campaign
from scoring.selectors.ranking import ranking_for
from scoring.services.rules import scoring_rules_for
from scoring.services.snapshots import period_words
from thidua.lib.views import form_page, posted

MANAGE = "awards.manage_review"
DENIED = "Chỉ cơ quan thường trực của khối/cụm được chuẩn bị, sửa và chốt kết quả hội nghị sơ kết, tổng kết."


# --- Loading with access checks ---------------------------------------------------------------


def _visible_campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(request.user).select_related("bloc"), pk=pk)


def _visible_review(request: HttpRequest, pk: int) -> Review:
    return get_object_or_404(
        Review.objects.visible_to(request.user).select_related(
            "campaign__bloc", "host_unit", "leading_unit", "closed_by", "snapshot__made_by"
        ),
        pk=pk,
    )


def _require_manage(request: HttpRequest, campaign: Campaign) -> None:
    if not request.user.has_perm(MANAGE, campaign.bloc):
        raise PermissionDenied(DENIED)


def _managed_review(request: HttpRequest, pk: int) -> Review:
    review = _visible_review(request, pk)
    _require_manage(request, review.campaign)
    return review


# --- Helpers ----------------------------------------------------------------------------------


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the field it names, else at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        for error in errors:
            for message in error.messages:
                form.add_error(name if name in form.fields else None, message)


def election_url(review: Review) -> str | None:
    """The suy tôn page of the review, once the elections part provides it."""
    try:
        return reverse("awards:election", kwargs={"review_pk": review.pk})
    except NoReverseMatch:
        return None


def _members_around(campaign: Campaign) -> QuerySet[Unit]:
    """Units that are members of the bloc at some time a review of the campaign may be held."""
    first, last = date(campaign.year, 1, 1), date(campaign.year + 1, 1, 31)
    ids = Membership.objects.filter(
        Q(bloc_id=campaign.bloc_id), Q(joined_on__lte=last), Q(left_on__isnull=True) | Q(left_on__gte=first)
    ).values("unit_id")
    return Unit.objects.filter(pk__in=ids).order_by(vietnamese_order("name"), "pk")


def _detail(review: Review) -> HttpResponse:
    return redirect("awards:review-detail", pk=review.pk)


def _title(review: Review) -> str:
    return review_name(review)[0].upper() + review_name(review)[1:]


def _base(review: Review) -> dict:
    return {
        "review": review,
        "campaign": review.campaign,
        "bloc": review.campaign.bloc,
        "title": _title(review),
        "name": review_name(review),
    }


# --- List, create, edit ------------------------------------------------------------------------


@login_required
@require_GET
def review_list(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    reviews = review_list_for_campaign(campaign=campaign)
    can_manage = request.user.has_perm(MANAGE, campaign.bloc)
    taken = {r.kind for r in reviews}
    missing = [(value, label) for value, label in ReviewKind.choices if value not in taken]
    return render(
        request,
        "awards/review_list.html",
        {
            "campaign": campaign,
            "bloc": campaign.bloc,
            "reviews": reviews,
            "can_manage": can_manage,
            "missing": missing if can_manage else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    _require_manage(request, campaign)
    taken = set(Review.objects.filter(campaign=campaign).values_list("kind", flat=True))
    initial = {}
    asked = request.GET.get("loai", "")
    if asked in ReviewKind.values and asked not in taken:
        initial["kind"] = asked
    form = ReviewForm(
        posted(request), campaign=campaign, members=_members_around(campaign), taken=taken, initial=initial
    )
    if form.is_bound and form.is_valid():
        try:
            review = services.review_create(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã tạo {review_name(review)} ({review.held_on:%d/%m/%Y}); "
                f"danh sách {review.attendance.count()} đơn vị thành viên và bản nháp báo cáo đã được lập.",
            )
            return _detail(review)
    context = {
        "form": form,
        "campaign": campaign,
        "bloc": campaign.bloc,
        "review": None,
        "all_taken": len(taken) >= len(ReviewKind.values),
    }
    return form_page(request, "awards/review_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = _managed_review(request, pk)
    campaign = review.campaign
    form = ReviewForm(
        posted(request),
        campaign=campaign,
        members=_members_around(campaign),
        review=review,
        initial=ReviewForm.initial_for(review),
    )
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                review = services.review_update(review=review, actor=request.user, **changes)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Đã lưu thông tin {review_name(review)}." if changes else "Không có gì thay đổi."
            )
            return _detail(review)
    return form_page(request, "awards/review_form.html", _base(review) | {"form": form})


# --- The review's page ------------------------------------------------------------------------


@login_required
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible_review(request, pk)
    can_manage = request.user.has_perm(MANAGE, review.campaign.bloc)
    page = review_page(review=review)
    return render(
        request,
        "awards/review_detail.html",
        _base(review)
        | {
            "page": page,
            "ranking": page.ranking,
            "can_manage": can_manage,
            "election_url": election_url(review),
            "reissue_form": ReissueForm() if can_manage and page.changes else None,
        },
    )


# --- Attendance and sections ---------------------------------------------------------------------


def _attendance_rows(review: Review) -> list[Attendance]:
    return list(
        Attendance.objects.filter(review=review)
        .select_related("unit")
        .order_by(vietnamese_order("unit__name"), "unit_id")
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    review = _managed_review(request, pk)
    rows = _attendance_rows(review)
    form = AttendanceForm(posted(request), rows=rows, initial=AttendanceForm.initial_for(rows))
    if form.is_bound and form.is_valid():
        present, representatives = form.cleaned_attendance()
        try:
            services.attendance_set(
                review=review, present=present, representatives=representatives, actor=request.user
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            count = sum(1 for value in present.values() if value)
            messages.success(
                request, f"Đã ghi thành phần dự {review_name(review)}: {count}/{len(rows)} đơn vị có mặt."
            )
            return _detail(review)
    return form_page(
        request,
        "awards/review_attendance.html",
        _base(review) | {"form": form, "member_count": len(rows), "quorum": quorum_for(len(rows))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_section_edit(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    review = _managed_review(request, pk)
    section = get_object_or_404(ReviewSection.objects.filter(review=review), pk=section_pk)
    if request.method == "POST" and request.POST.get("action") == "regenerate":
        try:
            section = services.section_regenerate(section=section, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return render(
                request,
                "awards/review_section_form.html",
                _base(review)
                | {
                    "form": SectionForm(title=section.title, initial={"body": section.body}),
                    "section": section,
                },
                status=400,
            )
        messages.success(
            request, f"Đã tạo lại bản nháp mục “{section.title}” từ số liệu hiện tại – {review_name(review)}."
        )
        return redirect(reverse("awards:review-detail", args=[review.pk]) + f"#muc-{section.key}")
    form = SectionForm(posted(request), title=section.title, initial={"body": section.body})
    if form.is_bound and form.is_valid():
        try:
            section = services.section_update(
                section=section, body=form.cleaned_data["body"], actor=request.user
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu mục “{section.title}” – {review_name(review)}.")
            return redirect(reverse("awards:review-detail", args=[review.pk]) + f"#muc-{section.key}")
    return form_page(
        request, "awards/review_section_form.html", _base(review) | {"form": form, "section": section}
    )


# --- Held, closed, reissued ------------------------------------------------------------------------


@login_required
@require_POST
def review_held(request: HttpRequest, pk: int) -> HttpResponse:
    review = _managed_review(request, pk)
    try:
        review = services.review_mark_held(review=review, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Đã xác nhận {review_name(review)} được tổ chức ngày {review.held_on:%d/%m/%Y}."
        )
    return _detail(review)


def _close_context(review: Review) -> dict:
    campaign = review.campaign
    rules = scoring_rules_for(campaign)
    ranking = ranking_for(campaign=campaign, period=review.period, rules=rules, published_only=True)
    leading = leading_for(review, rules, ranking, election_of(review))
    problems = close_problems(review, round_statuses(review, rules), leading)
    proposal = (
        handover_proposal(review=review, ranking=ranking, leading=leading)
        if review.is_year_end and review.state != ReviewState.CLOSED
        else None
    )
    return {
        "leading": leading,
        "vote_pending": leading.unit is None and leading.basis == "vote",
        "election_url": election_url(review),
        "problems": problems,
        "proposal": proposal,
        "ranking": ranking,
        "period_words": period_words(review.period, campaign.year),
    }


@login_required
@require_http_methods(["GET", "POST"])
def review_close(request: HttpRequest, pk: int) -> HttpResponse:
    review = _managed_review(request, pk)
    context = _close_context(review)
    proposal = context["proposal"]
    form = CloseForm(posted(request), proposal=proposal, initial=CloseForm.initial_for(proposal))
    if form.is_bound and context["problems"]:
        form.add_error(None, " ".join(context["problems"]))
    elif form.is_bound and form.is_valid():
        try:
            review = services.review_close(review=review, actor=request.user, **form.handover())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            text = f"Đã chốt kết quả {review_name(review)}: đơn vị dẫn đầu {review.leading_unit.name}"
            if review.is_year_end:
                text += "; đã ghi nhận đơn vị trưởng, phó năm sau"
            messages.success(request, text + ".")
            return _detail(review)
    return form_page(request, "awards/review_close.html", _base(review) | context | {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def review_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    review = _managed_review(request, pk)
    form = ReissueForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            snapshot = services.review_snapshot_reissue(
                review=review, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã lập phiên bản {snapshot.version} kết quả xếp hạng của {review_name(review)}; "
                f"phiên bản đã chốt tại hội nghị được giữ nguyên.",
            )
            return redirect(reverse("awards:review-detail", args=[review.pk]) + "#xep-hang")
    page = review_page(review=review)
    return form_page(request, "awards/review_reissue.html", _base(review) | {"form": form, "page": page})
