"""A unit's self-assessment (tự chấm) of a round and its evidence files. HTTP only.

Who may do what (DESIGN.md §6): a member unit's officers and leader draft its card, only the
leader sends it to the secretariat; the bloc's secretariat (and admins) read any member's card;
an observer, and a leader or officer whose unit is not in the round, get 403; a unit that is
not the user's own (`?don_vi=`) is 404, as is anything in a round the user does not see.
Evidence files are downloaded by the secretariat and by the unit's own leader and officers;
everybody else gets 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BoundField
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blocs.models import Unit, vietnamese_order
from scoring.forms.self_assessment import EvidenceForm, SelfAssessmentForm, SubmitForm, note_name, points_name
from scoring.models import (
    Criterion,
    CriterionKind,
    RoundState,
    Score,
    Scorecard,
    ScorecardKind,
    ScoringRound,
)
from scoring.selectors.rounds import round_members
from scoring.selectors.self_assessment import SelfAssessment, own_member_units, self_assessment
from scoring.services import evidence as evidence_services
from scoring.services.scorecards import InvalidScores, ScoreConflict, self_card_save, self_card_submit

MANAGE = "scoring.manage_scoring"
DRAFT = "scoring.draft_self_assessment"
SUBMIT = "scoring.submit_self_assessment"
NOT_A_MEMBER = (
    "Phiếu tự chấm dành cho chỉ huy và cán bộ của các đơn vị thành viên trong đợt chấm; "
    "cơ quan thường trực khối/cụm được xem."
)


# --- Loading and refusing -----------------------------------------------------------------------


def _may(perm: str, user, unit: Unit) -> bool:
    """A unit's own rule (DRAFT: its leader and officers; SUBMIT: its leader), tested directly:
    Django's `has_perm` would grant a superuser everything, but an admin only reads a unit's
    self-assessment (DESIGN.md §6) and is nobody's unit staff."""
    return rules.has_perm(perm, user, unit)


def _visible_round(request: HttpRequest, pk: int) -> ScoringRound:
    rounds = ScoringRound.objects.visible_to(request.user).select_related("campaign__bloc", "criteria_set")
    return get_object_or_404(rounds, pk=pk)


@dataclass
class Target:
    """The unit whose card the page shows, and whether it is the user's own."""

    unit: Unit
    own: bool
    own_units: list[Unit]


def _target(request: HttpRequest, scoring_round: ScoringRound) -> Target | list[Unit]:
    """The unit asked for (`?don_vi=`), or the user's only unit in the round; otherwise the
    units to choose from. Another unit than one's own is 404; a user with no unit in the
    round who is not of the secretariat is 403."""
    own = own_member_units(user=request.user, scoring_round=scoring_round)
    chosen = request.GET.get("don_vi", "")
    if chosen and not chosen.isdigit():
        raise Http404("Không có đơn vị này.")
    if chosen:
        for unit in own:
            if unit.pk == int(chosen):
                return Target(unit=unit, own=True, own_units=own)
        if request.user.has_perm(MANAGE, scoring_round.campaign.bloc):
            unit = get_object_or_404(round_members(scoring_round), pk=int(chosen))
            return Target(unit=unit, own=False, own_units=own)
        raise Http404("Không có đơn vị này.")
    if len(own) == 1:
        return Target(unit=own[0], own=True, own_units=own)
    if own:
        return own
    if request.user.has_perm(MANAGE, scoring_round.campaign.bloc):
        return list(round_members(scoring_round).order_by(vietnamese_order("name"), "pk"))
    raise PermissionDenied(NOT_A_MEMBER)


def _page_url(scoring_round: ScoringRound, unit: Unit, anchor: str = "") -> str:
    url = f"{reverse('scoring:self-assessment', args=[scoring_round.pk])}?don_vi={unit.pk}"
    return f"{url}#{anchor}" if anchor else url


def _when(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%H:%M ngày %d/%m/%Y}" if moment else "không rõ lúc nào"


def _conflict_message(conflict: ScoreConflict) -> str:
    card = conflict.cards[0]
    return (
        f"Phiếu vừa được {card.updated_by} lưu lúc {_when(card.updated_at)}, sau khi bạn mở trang; "
        "chưa có gì được ghi."
    )


# --- The page -----------------------------------------------------------------------------------


@dataclass
class PageRow:
    """One line of the page's table, with the form's fields when the card is editable."""

    kind: str  # "group" | "heading" | "leaf"
    node: Criterion
    depth: int
    score: Score | None = None
    points_field: BoundField | None = None
    note_field: BoundField | None = None
    subtotal: Decimal | None = None
    entered: Decimal | None = None
    cap: Decimal | None = None
    group_kind: str = ""
    error: str = ""
    evidence_name: str = ""


def _rows(
    assessment: SelfAssessment, form: SelfAssessmentForm | None, evidence_error: tuple[int, str] | None
) -> list[PageRow]:
    rows: list[PageRow] = []
    for row in assessment.rows:
        if row.kind == "group":
            group = row.group
            rows.append(
                PageRow(
                    kind="group",
                    node=row.node,
                    depth=0,
                    subtotal=None if group.kind == CriterionKind.VETO else assessment.group_points(group),
                    entered=assessment.group_entered(group),
                    cap=group.max_points,
                    group_kind=group.kind,
                )
            )
        elif row.kind == "heading":
            rows.append(PageRow(kind="heading", node=row.node, depth=row.depth))
        else:
            score = assessment.scores.get(row.node.pk)
            page_row = PageRow(
                kind="leaf", node=row.node, depth=row.depth, score=score, group_kind=row.group.kind
            )
            if form is not None:
                page_row.points_field = form[points_name(row.node.pk)]
                page_row.note_field = form[note_name(row.node.pk)]
            if score is not None and score.evidence:
                page_row.evidence_name = evidence_services.evidence_original_name(score)
            if evidence_error and evidence_error[0] == row.node.pk:
                page_row.error = evidence_error[1]
            rows.append(page_row)
    return rows


def _render_page(
    request: HttpRequest,
    scoring_round: ScoringRound,
    target: Target,
    *,
    assessment: SelfAssessment | None = None,
    form: SelfAssessmentForm | None = None,
    conflict: ScoreConflict | None = None,
    page_errors: list[str] | None = None,
    evidence_error: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    unit = target.unit
    assessment = assessment or self_assessment(scoring_round=scoring_round, unit=unit)
    may_draft = target.own and _may(DRAFT, request.user, unit)
    may_submit = target.own and _may(SUBMIT, request.user, unit)
    editable = may_draft and scoring_round.state == RoundState.OPEN and not assessment.is_submitted
    if editable and form is None:
        form = SelfAssessmentForm(
            leaves=assessment.layout.leaves, scores=assessment.scores, version=assessment.version
        )
    context = {
        "scoring_round": scoring_round,
        "campaign": scoring_round.campaign,
        "bloc": scoring_round.campaign.bloc,
        "unit": unit,
        "own": target.own,
        "own_units": target.own_units,
        "assessment": assessment,
        "card": assessment.card,
        "totals": assessment.totals,
        "rows": _rows(assessment, form if editable else None, evidence_error),
        "form": form if editable else None,
        "editable": editable,
        "may_draft": may_draft,
        "may_submit": may_submit,
        "can_send": editable and may_submit,
        "submit_form": SubmitForm(initial={"version": assessment.version}),
        "missing": assessment.missing_standard,
        "leaf_count": len(assessment.layout.leaves),
        "conflict": conflict,
        "conflict_message": _conflict_message(conflict) if conflict else "",
        "page_errors": page_errors or [],
        "evidence_accept": evidence_services.ACCEPT_ATTRIBUTE,
        "evidence_max": evidence_services.megabytes(evidence_services.evidence_max_bytes()),
        "evidence_types": evidence_services.ALLOWED_LABEL,
        "page_url": _page_url(scoring_round, unit),
    }
    return render(request, "scoring/self_assessment.html", context, status=status)


def _choose(request: HttpRequest, scoring_round: ScoringRound, units: list[Unit]) -> HttpResponse:
    cards = {
        card.scored_unit_id: card
        for card in Scorecard.objects.filter(
            round=scoring_round, kind=ScorecardKind.SELF, scored_unit__in=[u.pk for u in units]
        ).select_related("submitted_by")
    }
    return render(
        request,
        "scoring/self_assessment_choose.html",
        {
            "scoring_round": scoring_round,
            "campaign": scoring_round.campaign,
            "bloc": scoring_round.campaign.bloc,
            "choices": [(unit, cards.get(unit.pk)) for unit in units],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def self_assessment_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the unit's card, editable by its leader and officers while the round is open and
    the card not sent. POST: save the draft (every changed cell at once).

    Bad cells come back with what was typed and each cell's message (400); a save that meets
    someone else's comes back with the typed values kept, the others' values loaded, and who
    saved when (409)."""
    scoring_round = _visible_round(request, pk)
    target = _target(request, scoring_round)
    if not isinstance(target, Target):
        if request.method == "POST":
            raise Http404("Hãy chọn đơn vị.")
        return _choose(request, scoring_round, target)
    if request.method == "GET":
        return _render_page(request, scoring_round, target)

    unit = target.unit
    if not target.own or not _may(DRAFT, request.user, unit):
        raise PermissionDenied("Chỉ chỉ huy và cán bộ của đơn vị được tự chấm cho đơn vị mình.")
    assessment = self_assessment(scoring_round=scoring_round, unit=unit)
    form = SelfAssessmentForm(
        request.POST, leaves=assessment.layout.leaves, scores=assessment.scores, version=assessment.version
    )
    conflict: ScoreConflict | None = None
    page_errors: list[str] = []
    if form.is_valid():
        if not form.entries and not form.notes:
            messages.info(request, "Không có thay đổi nào để lưu.")
            return redirect(_page_url(scoring_round, unit))
        try:
            _card, result = self_card_save(
                scoring_round=scoring_round,
                unit_id=unit.pk,
                entries=form.entries,
                notes=form.notes,
                base_version=form.cleaned_data["version"],
                actor=request.user,
            )
        except ScoreConflict as exc:
            conflict = exc
            assessment = self_assessment(scoring_round=scoring_round, unit=unit)
            form.rebase(scores=assessment.scores, version=assessment.version)
        except InvalidScores as exc:
            form.add_cell_errors(exc.cells, exc.general)
        except ValidationError as exc:
            page_errors = list(exc.messages)
        else:
            if result.changed:
                messages.success(
                    request,
                    f"Đã lưu nháp phiếu tự chấm: {result.created} tiêu chí nhập mới, "
                    f"{result.updated} tiêu chí sửa, {result.deleted} tiêu chí xóa.",
                )
            else:
                messages.info(request, "Không có thay đổi nào để lưu.")
            return redirect(_page_url(scoring_round, unit))
    return _render_page(
        request,
        scoring_round,
        target,
        assessment=assessment,
        form=form,
        conflict=conflict,
        page_errors=page_errors,
        status=409 if conflict else 400,
    )


@login_required
@require_POST
def self_assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader sends the saved card to the secretariat; it cannot be changed afterwards."""
    scoring_round = _visible_round(request, pk)
    target = _target(request, scoring_round)
    if not isinstance(target, Target):
        raise Http404("Hãy chọn đơn vị.")
    unit = target.unit
    if not target.own or not _may(SUBMIT, request.user, unit):
        raise PermissionDenied(
            "Chỉ chỉ huy đơn vị được gửi phiếu tự chấm; cán bộ đơn vị soạn phiếu để chỉ huy gửi."
        )
    form = SubmitForm(request.POST)
    card = Scorecard.objects.filter(round=scoring_round, scored_unit=unit, kind=ScorecardKind.SELF).first()
    errors: list[str] = []
    if card is None:
        errors.append("Phiếu tự chấm chưa có điểm nào; hãy nhập và lưu điểm trước khi gửi.")
    elif not form.is_valid() or form.cleaned_data["version"] != card.version:
        errors.append(
            f"Phiếu đã được {card.updated_by or 'người khác'} lưu lúc {_when(card.updated_at)}, sau khi bạn "
            "mở trang; hãy xem lại rồi gửi."
        )
    else:
        try:
            self_card_submit(scorecard=card, actor=request.user)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        return _render_page(request, scoring_round, target, page_errors=errors, status=400)
    messages.success(request, f"Đã gửi phiếu tự chấm của {unit.name} tới cơ quan thường trực khối/cụm.")
    return redirect(_page_url(scoring_round, unit))


# --- Evidence ------------------------------------------------------------------------------------


def _visible_score(request: HttpRequest, score_pk: int) -> tuple[Score, bool]:
    """The score and whether it is on the user's own unit's self card. 404 unless the user
    is of the bloc's secretariat (or an admin) or a leader or officer of the unit."""
    score = get_object_or_404(
        Score.objects.select_related(
            "criterion", "scorecard__round__campaign__bloc", "scorecard__scored_unit"
        ),
        pk=score_pk,
    )
    card = score.scorecard
    own = card.kind == ScorecardKind.SELF and _may(DRAFT, request.user, card.scored_unit)
    if not own and not request.user.has_perm(MANAGE, card.round.campaign.bloc):
        raise Http404("Không có minh chứng này.")
    return score, own


def _own_score(request: HttpRequest, score_pk: int) -> Score:
    score, own = _visible_score(request, score_pk)
    if not own:
        raise PermissionDenied("Chỉ chỉ huy và cán bộ của đơn vị được đính kèm hay gỡ minh chứng.")
    return score


@login_required
@require_GET
def evidence_download(request: HttpRequest, score_pk: int) -> HttpResponse:
    score, _own = _visible_score(request, score_pk)
    if not score.evidence:
        raise Http404("Tiêu chí này chưa có minh chứng.")
    try:
        stored = evidence_services.evidence_open(score)
    except (FileNotFoundError, OSError) as exc:
        raise Http404("Tệp minh chứng không còn trên máy chủ.") from exc
    response = FileResponse(
        stored.handle, as_attachment=True, filename=stored.name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_upload(request: HttpRequest, score_pk: int) -> HttpResponse:
    score = _own_score(request, score_pk)
    card = score.scorecard
    scoring_round = _visible_round(request, card.round_id)
    form = EvidenceForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            evidence_services.score_evidence_attach(
                score=score, name=upload.name, data=upload.read(), actor=request.user
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(form.errors["file"])
    if error:
        target = Target(unit=card.scored_unit, own=True, own_units=[card.scored_unit])
        return _render_page(
            request,
            scoring_round,
            target,
            evidence_error=(score.criterion_id, error),
            page_errors=[error],
            status=400,
        )
    messages.success(request, f"Đã đính kèm minh chứng cho tiêu chí {score.criterion.code}.")
    return redirect(_page_url(scoring_round, card.scored_unit, f"tc-{score.criterion_id}"))


@login_required
@require_POST
def evidence_remove(request: HttpRequest, score_pk: int) -> HttpResponse:
    score = _own_score(request, score_pk)
    card = score.scorecard
    scoring_round = _visible_round(request, card.round_id)
    try:
        evidence_services.score_evidence_remove(score=score, actor=request.user)
    except ValidationError as exc:
        target = Target(unit=card.scored_unit, own=True, own_units=[card.scored_unit])
        return _render_page(request, scoring_round, target, page_errors=list(exc.messages), status=400)
    messages.success(request, f"Đã gỡ minh chứng của tiêu chí {score.criterion.code}.")
    return redirect(_page_url(scoring_round, card.scored_unit, f"tc-{score.criterion_id}"))
