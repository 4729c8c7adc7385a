"""Pages of the suy tôn vote of a review: the election page, the leader's ballot, the paper
ballots, the count, ending without a result, and the printable minutes (biên bản). HTTP only.

Who may do what (DESIGN.md §6): whoever sees the bloc reads the vote (others get 404); its
secretariat and admins prepare, open, enter paper ballots, count and end it (others 403); the
leader of a member unit present at the review casts his unit's ballot. Ballots are secret: no
page shows a unit's choice, not even to the unit itself once it has voted."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awards.forms.elections import (
    AbandonForm,
    BallotForm,
    CandidateAddForm,
    CountForm,
    PaperBallotsForm,
    add_service_errors,
)
from awards.models import BallotOutcome, ElectionState, Review
from awards.selectors.elections import ElectionBoard, ballot_panel, election_board
from awards.services import elections as services
from thidua.lib.dates import format_date_long
from thidua.lib.views import form_page, posted

MANAGE = "awards.manage_review"
MANAGE_MESSAGE = "Chỉ cơ quan thường trực của khối/cụm được điều hành bỏ phiếu suy tôn."

# Re-entering the password to vote must not become a way round the login throttle.
PASSWORD_ATTEMPTS = 5
PASSWORD_LOCK_SECONDS = 15 * 60
_FAILURES_KEY = "ballot_password_failures"


# --- Loading and refusing -------------------------------------------------------------------------


def _visible_review(request: HttpRequest, review_pk: int) -> Review:
    return get_object_or_404(
        Review.objects.visible_to(request.user).select_related("campaign__bloc__organiser", "host_unit"),
        pk=review_pk,
    )


def _managed_review(request: HttpRequest, review_pk: int) -> Review:
    review = _visible_review(request, review_pk)
    if not request.user.has_perm(MANAGE, review.campaign.bloc):
        raise PermissionDenied(MANAGE_MESSAGE)
    return review


def _url(name: str, *args) -> str | None:
    """The address of a page another part of the product provides, if it is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _election_url(review: Review, anchor: str = "") -> str:
    url = reverse("awards:election", args=[review.pk])
    return f"{url}#{anchor}" if anchor else url


def _password_locked(request: HttpRequest) -> bool:
    failures = [t for t in request.session.get(_FAILURES_KEY, []) if t > time.time() - PASSWORD_LOCK_SECONDS]
    return len(failures) >= PASSWORD_ATTEMPTS


def _count_password_failure(request: HttpRequest) -> None:
    now = time.time()
    failures = [t for t in request.session.get(_FAILURES_KEY, []) if t > now - PASSWORD_LOCK_SECONDS]
    request.session[_FAILURES_KEY] = [*failures, now]


def _common(review: Review, board: ElectionBoard) -> dict:
    return {
        "review": review,
        "campaign": review.campaign,
        "bloc": review.campaign.bloc,
        "board": board,
        "election": board.election,
        "review_url": _url("awards:review-detail", review.pk),
    }


# --- The election page ----------------------------------------------------------------------------


def _election_page(
    request: HttpRequest,
    review: Review,
    *,
    error: str = "",
    add_form: CandidateAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    board = election_board(review=review)
    can_manage = request.user.has_perm(MANAGE, review.campaign.bloc)
    panel = ballot_panel(board=board, user=request.user)
    context = _common(review, board) | {
        "can_manage": can_manage,
        "can_act": can_manage and not review.is_closed,
        "panel": panel,
        "error": error,
        "add_form": add_form
        or (CandidateAddForm(units=board.addable) if can_manage and board.in_setup else None),
    }
    if request.htmx and request.GET.get("phan") == "tien-do":
        current = board.current
        if request.GET.get("lan") != (str(current.number) if current else ""):
            # The round the page shows was counted meanwhile: reload the whole page.
            return HttpResponse(status=204, headers={"HX-Refresh": "true"})
        return render(request, "awards/_election_progress.html", context)
    return render(request, "awards/election_detail.html", context, status=status)


@login_required
@require_GET
def election_detail(request: HttpRequest, review_pk: int) -> HttpResponse:
    return _election_page(request, _visible_review(request, review_pk))


@login_required
@require_POST
def election_prepare(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = _managed_review(request, review_pk)
    refresh = hasattr(review, "election")
    try:
        election = services.election_prepare(review=review, actor=request.user)
    except ValidationError as exc:
        return _election_page(request, review, error=" ".join(exc.messages), status=400)
    count = election.candidates.count()
    messages.success(
        request,
        f"{'Đã lập lại' if refresh else 'Đã lập'} danh sách suy tôn: {count} đơn vị. "
        "Kiểm tra danh sách và thành phần dự hội nghị rồi mở bỏ phiếu.",
    )
    return redirect(_election_url(review, "candidates"))


@login_required
@require_POST
def candidate_add(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = _managed_review(request, review_pk)
    board = election_board(review=review)
    if board.election is None:
        return _election_page(request, review, error="Chưa chuẩn bị bỏ phiếu suy tôn.", status=400)
    form = CandidateAddForm(request.POST, units=board.addable)
    if form.is_valid():
        try:
            candidate = services.candidate_add(
                election=board.election, unit=form.cleaned_data["unit"], actor=request.user
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # the list can no longer change: no form to correct
                return _election_page(request, review, error=" ".join(exc.messages), status=400)
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã bổ sung {candidate.unit.name} vào danh sách suy tôn.")
            return redirect(_election_url(review, "candidates"))
    return _election_page(request, review, add_form=form, status=400)


@login_required
@require_POST
def candidate_remove(request: HttpRequest, review_pk: int, candidate_pk: int) -> HttpResponse:
    review = _managed_review(request, review_pk)
    election = getattr(review, "election", None)
    candidate = (
        get_object_or_404(election.candidates.select_related("unit"), pk=candidate_pk) if election else None
    )
    if candidate is None:
        return _election_page(request, review, error="Chưa chuẩn bị bỏ phiếu suy tôn.", status=400)
    candidate.election = election
    election.review = review
    try:
        services.candidate_remove(candidate=candidate, actor=request.user)
    except ValidationError as exc:
        return _election_page(request, review, error=" ".join(exc.messages), status=400)
    messages.success(request, f"Đã bỏ {candidate.unit.name} khỏi danh sách suy tôn.")
    return redirect(_election_url(review, "candidates"))


@login_required
@require_POST
def election_open(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = _managed_review(request, review_pk)
    election = getattr(review, "election", None)
    if election is None:
        return _election_page(request, review, error="Chưa chuẩn bị bỏ phiếu suy tôn.", status=400)
    try:
        ballot_round = services.election_open(election=election, actor=request.user)
    except ValidationError as exc:
        return _election_page(request, review, error=" ".join(exc.messages), status=400)
    messages.success(
        request,
        f"Đã mở bỏ phiếu lần {ballot_round.number}. Chỉ huy các đơn vị có mặt bỏ phiếu trên hệ thống, "
        "hoặc bỏ phiếu giấy để thường trực nhập.",
    )
    return redirect(_election_url(review, "current-round"))


# --- The leader's ballot --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def election_ballot(request: HttpRequest, review_pk: int) -> HttpResponse:
    """The leader of a present member unit votes for it, after re-entering his password.

    Leaders of absent units and everyone else who sees the bloc get 403. Once his unit has
    voted, the page says so and never shows the choice again."""
    review = _visible_review(request, review_pk)
    board = election_board(review=review)
    panel = ballot_panel(board=board, user=request.user)
    if not panel.units:
        raise PermissionDenied(
            "Chỉ chỉ huy đơn vị thành viên có mặt tại hội nghị được bỏ phiếu, và chỉ cho đơn vị mình."
        )
    if not panel.present:
        names = ", ".join(line.unit.name for line in panel.units)
        raise PermissionDenied(f"{names} không có mặt tại hội nghị nên không bỏ phiếu được.")
    form = None
    refusal = ""
    if panel.ready:
        form = BallotForm(
            posted(request),
            current=board.current,
            user=request.user,
            units=[line.unit for line in panel.present],
            ready=[line.unit for line in panel.ready],
        )
    elif request.method == "POST":
        if board.current is None:
            refusal = "Hiện không có lần bỏ phiếu nào đang mở, phiếu chưa được ghi nhận."
        else:
            refusal = "Đơn vị của đồng chí đã bỏ phiếu lần này; mỗi đơn vị chỉ bỏ một phiếu mỗi lần bỏ phiếu."
    if form is not None and form.is_bound:
        if _password_locked(request):
            refusal = (
                f"Đồng chí đã nhập sai mật khẩu {PASSWORD_ATTEMPTS} lần. Hãy chờ 15 phút rồi thử lại, "
                "hoặc đăng xuất và đăng nhập lại."
            )
        elif form.is_valid():
            unit = form.cleaned_data["unit"]
            try:
                services.ballot_cast(
                    ballot_round=board.current.ballot_round,
                    unit=unit,
                    candidate=form.cleaned_data["candidate"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {"ballot_round": "round_number"})
            else:
                request.session.pop(_FAILURES_KEY, None)
                messages.success(
                    request,
                    f"Đã ghi nhận phiếu bầu lần {board.current.number} của {unit.name}. "
                    "Phiếu được lưu tách rời khỏi tên đơn vị, không ai xem được đơn vị đã chọn ai.",
                )
                return redirect("awards:election-ballot", review_pk=review.pk)
        elif form.has_error("password", "wrong_password"):
            _count_password_failure(request)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "awards/election_ballot.html",
        _common(review, board) | {"panel": panel, "form": form, "refusal": refusal},
        status=status,
    )


# --- The secretariat's actions on the open round --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def election_paper(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = _managed_review(request, review_pk)
    board = election_board(review=review)
    form = PaperBallotsForm(posted(request), current=board.current, units=board.present_not_voted)
    if form.is_bound and form.is_valid():
        try:
            services.paper_ballots_enter(
                ballot_round=board.current.ballot_round,
                counts=form.counts(),
                invalid=form.cleaned_data["invalid"],
                voted_units=form.cleaned_data["voted_units"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"ballot_round": "round_number"})
        else:
            units = form.cleaned_data["voted_units"]
            messages.success(
                request,
                f"Đã nhập {len(units)} phiếu giấy lần {board.current.number} của: "
                f"{', '.join(unit.name for unit in units)}.",
            )
            return redirect(_election_url(review, "current-round"))
    return form_page(request, "awards/election_paper.html", _common(review, board) | {"form": form})


def _count_message(board: ElectionBoard, number: int) -> str:
    counted = next(r for r in board.rounds if r.number == number)
    outcome = counted.ballot_round.outcome
    results = "; ".join(f"{line.unit.name}: {line.votes} phiếu" for line in counted.lines)
    head = (
        f"Kiểm phiếu lần {number}: {counted.ballot_round.valid_count} phiếu hợp lệ, "
        f"{counted.ballot_round.invalid_count} phiếu trắng hoặc không hợp lệ ({results})."
    )
    if outcome == BallotOutcome.WINNER:
        return f"{head} {board.election.winner.name} được quá nửa số phiếu hợp lệ và được suy tôn là đơn vị dẫn đầu."
    following = board.rounds[-1]
    names = ", ".join(c.unit.name for c in following.candidates)
    if outcome == BallotOutcome.TIE:
        return (
            f"{head} Các đơn vị vẫn bằng phiếu: đã mở bỏ phiếu lại lần {following.number} giữa {names}. "
            "Nếu không phân định được, thường trực có thể kết thúc bỏ phiếu để hội nghị xét theo điểm."
        )
    return f"{head} Không đơn vị nào được quá nửa: đã mở bỏ phiếu lần {following.number} giữa {names}."


@login_required
@require_http_methods(["GET", "POST"])
def election_count(request: HttpRequest, review_pk: int) -> HttpResponse:
    """GET: who has voted, against the quorum. POST: count the open round."""
    review = _managed_review(request, review_pk)
    board = election_board(review=review)
    form = CountForm(posted(request), current=board.current)
    if form.is_bound and form.is_valid():
        try:
            counted = services.ballot_round_count(ballot_round=board.current.ballot_round, actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc, {"ballot_round": "round_number"})
        else:
            messages.success(request, _count_message(election_board(review=review), counted.number))
            return redirect(_election_url(review, "results"))
    return form_page(request, "awards/election_count.html", _common(review, board) | {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def election_abandon(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = _managed_review(request, review_pk)
    board = election_board(review=review)
    form = AbandonForm(posted(request))
    if form.is_bound and form.is_valid():
        if board.election is None:
            form.add_error(None, "Chưa chuẩn bị bỏ phiếu suy tôn.")
        else:
            try:
                services.election_abandon(
                    election=board.election, reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    "Đã kết thúc bỏ phiếu suy tôn mà không bầu được đơn vị dẫn đầu; "
                    "hội nghị xác định đơn vị dẫn đầu theo kết quả xếp hạng điểm.",
                )
                return redirect(_election_url(review))
    endable = board.state in (ElectionState.SETUP, ElectionState.VOTING) and not review.is_closed
    return form_page(
        request, "awards/election_abandon.html", _common(review, board) | {"form": form, "endable": endable}
    )


# --- The minutes ----------------------------------------------------------------------------------


@login_required
@require_GET
def election_minutes(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = _visible_review(request, review_pk)
    board = election_board(review=review)
    return render(
        request,
        "awards/election_minutes.html",
        _common(review, board)
        | {
            "date_line": format_date_long(review.held_on),
            "period_words": services.period_words(review),
            "printed_at": timezone.now(),
        },
    )
