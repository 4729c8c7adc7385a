"""A unit's objection to a published score (kiến nghị về điểm) and the secretariat's answer.

A unit's leader objects within the campaign's window after the round is published
(`scoring.selectors.objections.ObjectionWindow`), about one scored criterion or about the
unit's whole result, with a reason and, for a criterion, the points he asks for. The
secretariat answers once: accepting an objection about a criterion writes the new points as a
correction of the published round (`final_grid_save`, so the grid's history and the
corrections list show it with its reason) and links the correction; accepting a general
objection records the answer only; rejecting keeps the score. Every step is audited and kept
in the objection's own history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from blocs.models import AuditEvent, Unit
from blocs.services.audit import audit_record
from scoring.models import (
    Correction,
    Criterion,
    Objection,
    ObjectionState,
    RoundState,
    Score,
    Scorecard,
    ScorecardKind,
    ScoringRound,
)
from scoring.selectors.objections import objection_window, round_name, state_label
from scoring.selectors.rounds import round_members
from scoring.services.scorecards import check_points, final_grid_save
from thidua.lib.numbers import format_decimal
from thidua.lib.text import nfc

FILE = "scoring.file_objection"
MANAGE = "scoring.manage_scoring"
TEXT_MAX = 2000


def may_file_objection(user, unit: Unit) -> bool:
    """Only the unit's leader objects for it. The rule is tested directly: an admin is not a
    unit's leader (Django's `has_perm` would grant a superuser everything)."""
    return bool(user.is_authenticated and rules.has_perm(FILE, user, unit))


def may_answer_objection(user, scoring_round: ScoringRound) -> bool:
    return user.has_perm(MANAGE, scoring_round.campaign.bloc)


def answered_refusal(objection: Objection) -> str:
    """Why an answered objection cannot be answered again."""
    when = (
        f" lúc {timezone.localtime(objection.answered_at):%H:%M ngày %d/%m/%Y}"
        if objection.answered_at
        else ""
    )
    who = f" bởi {objection.answered_by}" if objection.answered_by_id else ""
    return (
        f"Kiến nghị này đã được trả lời ({state_label(objection).lower()}){when}{who}; "
        "không trả lời lại được."
    )


def _subject(criterion: Criterion | None) -> str:
    return f"tiêu chí {criterion.code}" if criterion else "kết quả chung của đơn vị"


def _text(value: str, *, field: str, label: str, required: str) -> str:
    text = nfc(value or "").strip()
    if not text:
        raise ValidationError({field: required})
    if len(text) > TEXT_MAX:
        raise ValidationError({field: f"{label} tối đa {TEXT_MAX} ký tự (đang có {len(text)} ký tự)."})
    return text


def _history(objection: Objection, actor, reason: str) -> None:
    objection._history_user = actor
    objection._change_reason = reason


@transaction.atomic
def objection_file(
    *,
    scoring_round: ScoringRound,
    unit: Unit,
    criterion: Criterion | None = None,
    requested_points: Decimal | None = None,
    reason: str,
    actor,
    today: date | None = None,
) -> Objection:
    """The unit's leader objects to its published result, about one criterion (with the points
    he asks for, optionally) or about the whole result. `today` defaults to the local date."""
    if not may_file_objection(actor, unit):
        raise PermissionDenied("Chỉ chỉ huy đơn vị được kiến nghị về điểm của đơn vị mình.")
    # The round's row is the lock that keeps two objections of one unit and criterion apart.
    scoring_round = (
        ScoringRound.objects.select_for_update(of=("self",))
        .select_related("campaign__bloc", "criteria_set")
        .get(pk=scoring_round.pk)
    )
    refusal = objection_window(scoring_round=scoring_round).refusal(today)
    if refusal:
        raise ValidationError(refusal)
    if not round_members(scoring_round).filter(pk=unit.pk).exists():
        raise ValidationError(
            {"unit": f"{unit.name} không phải đơn vị thành viên trong {round_name(scoring_round)}."}
        )
    if not Score.objects.filter(
        scorecard__round=scoring_round, scorecard__kind=ScorecardKind.FINAL, scorecard__scored_unit=unit
    ).exists():
        raise ValidationError(
            {"unit": f"{unit.name} chưa có kết quả chấm trong {round_name(scoring_round)} để kiến nghị."}
        )
    if (
        criterion is not None
        and not Criterion.objects.filter(
            pk=criterion.pk, criteria_set_id=scoring_round.criteria_set_id, children__isnull=True
        ).exists()
    ):
        raise ValidationError(
            {
                "criterion": f"Tiêu chí {criterion.code} không phải một tiêu chí được chấm điểm trong "
                f"bộ tiêu chí của {round_name(scoring_round)}."
            }
        )
    if requested_points is not None:
        if criterion is None:
            raise ValidationError(
                {"requested_points": "Điểm đề nghị chỉ ghi khi kiến nghị về một tiêu chí; hãy chọn tiêu chí."}
            )
        if problem := check_points(criterion, requested_points):
            raise ValidationError({"requested_points": f"Điểm đề nghị – {problem}"})
    reason = _text(
        reason,
        field="reason",
        label="Nội dung kiến nghị",
        required="Hãy ghi nội dung kiến nghị: điểm nào chưa đúng và căn cứ.",
    )
    waiting = (
        Objection.objects.filter(round=scoring_round, unit=unit, state=ObjectionState.OPEN)
        .filter(criterion=criterion)
        .first()
    )
    if waiting is not None:
        raise ValidationError(
            {
                "criterion": f"{unit.name} đã có kiến nghị về {_subject(criterion)} gửi ngày "
                f"{timezone.localtime(waiting.filed_at):%d/%m/%Y}, đang chờ trả lời; hãy chờ cơ quan "
                "thường trực trả lời trước khi kiến nghị lại."
            }
        )
    objection = Objection(
        round=scoring_round,
        unit=unit,
        criterion=criterion,
        requested_points=requested_points,
        reason=reason,
        filed_by=actor,
    )
    objection.full_clean()
    _history(objection, actor, "Gửi kiến nghị")
    objection.save()
    wanted = f", đề nghị {format_decimal(requested_points)} điểm" if requested_points is not None else ""
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Kiến nghị của {unit.name} về {_subject(criterion)}{wanted}, {scoring_round}",
        actor=actor,
        data={"objection": objection.pk, "round": scoring_round.pk, "unit": unit.pk},
    )
    return objection


def correction_reason_max() -> int:
    """The longest reason a correction can carry: the correction keeps 500 characters, but the
    reason is also the change reason of the scores' history records, which keep fewer."""
    limits = [
        Correction._meta.get_field("reason").max_length,
        Score.history.model._meta.get_field("history_change_reason").max_length,
    ]
    return min(limit for limit in limits if limit)


def _correction_reason(unit: Unit, answer: str) -> str:
    """ "Chấp nhận kiến nghị của <unit>: <answer>", cut with "…" to fit; the whole answer
    stays on the objection, which links the correction."""
    reason = f"Chấp nhận kiến nghị của {unit.name}: {' '.join(answer.split())}"
    limit = correction_reason_max()
    if len(reason) > limit:
        reason = reason[: limit - 1].rstrip() + "…"
    return reason


def _correct(objection: Objection, new_points: Decimal, answer: str, actor) -> Correction:
    """Write the accepted points on the unit's final card as a correction of the published
    round and return it. The round is locked by the caller, so the card cannot move between
    reading its version and writing."""
    scoring_round, unit, criterion = objection.round, objection.unit, objection.criterion
    card = Scorecard.objects.filter(round=scoring_round, scored_unit=unit, kind=ScorecardKind.FINAL).first()
    current = (
        card.scores.filter(criterion=criterion).values_list("points", flat=True).first() if card else None
    )
    if current is not None and current == new_points:
        raise ValidationError(
            {
                "new_points": f"Điểm mới bằng điểm đang công bố ({format_decimal(current)}); chấp nhận "
                "kiến nghị về một tiêu chí thì phải ghi điểm đính chính khác điểm cũ."
            }
        )
    result = final_grid_save(
        scoring_round=scoring_round,
        entries={(unit.pk, criterion.pk): new_points},
        base_versions={unit.pk: card.version if card else 0},
        actor=actor,
        reason=_correction_reason(unit, answer),
    )
    return Correction.objects.get(
        scorecard__round=scoring_round,
        scorecard__scored_unit=unit,
        scorecard__kind=ScorecardKind.FINAL,
        version=result.versions[unit.pk],
    )


@transaction.atomic
def objection_answer(
    *,
    objection: Objection,
    accept: bool,
    answer: str,
    new_points: Decimal | None = None,
    actor,
) -> Objection:
    """The secretariat answers an objection, once. Accepting one about a criterion needs the
    new points and makes a correction of the published round."""
    scoring_round = (
        ScoringRound.objects.select_for_update(of=("self",))
        .select_related("campaign__bloc", "criteria_set")
        .get(pk=objection.round_id)
    )
    if not may_answer_objection(actor, scoring_round):
        raise PermissionDenied("Chỉ cơ quan thường trực của khối/cụm được trả lời kiến nghị.")
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("unit", "criterion", "answered_by")
        .get(pk=objection.pk)
    )
    objection.round = scoring_round
    if objection.state != ObjectionState.OPEN:
        raise ValidationError(answered_refusal(objection))
    if scoring_round.state != RoundState.PUBLISHED:  # pragma: no cover - a published round stays so
        raise ValidationError("Đợt chấm không ở trạng thái đã công bố.")
    answer = _text(
        answer,
        field="answer",
        label="Nội dung trả lời",
        required="Hãy ghi nội dung trả lời kiến nghị (lý do chấp nhận hay không chấp nhận).",
    )
    criterion = objection.criterion
    if not accept or criterion is None:
        if new_points is not None:
            raise ValidationError(
                {
                    "new_points": "Điểm mới chỉ ghi khi chấp nhận kiến nghị về một tiêu chí."
                    if accept
                    else "Không chấp nhận kiến nghị thì điểm giữ nguyên; không ghi điểm mới."
                }
            )
    else:
        if new_points is None:
            raise ValidationError(
                {"new_points": f"Chấp nhận kiến nghị về tiêu chí {criterion.code} thì phải ghi điểm mới."}
            )
        if problem := check_points(criterion, new_points):
            raise ValidationError({"new_points": f"Điểm mới – {problem}"})
        objection.correction = _correct(objection, new_points, answer, actor)
    objection.state = ObjectionState.ACCEPTED if accept else ObjectionState.REJECTED
    objection.answer = answer
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.full_clean()
    _history(objection, actor, "Chấp nhận kiến nghị" if accept else "Không chấp nhận kiến nghị")
    objection.save()
    if accept and objection.correction:
        outcome = f"chấp nhận, đính chính tiêu chí {criterion.code} thành {format_decimal(new_points)} điểm"
    elif accept:
        outcome = "chấp nhận"
    else:
        outcome = "không chấp nhận"
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Trả lời kiến nghị của {objection.unit.name} về {_subject(criterion)}, {scoring_round}: {outcome}",
        actor=actor,
        data={
            "objection": objection.pk,
            "round": scoring_round.pk,
            "accepted": accept,
            "correction": objection.correction_id,
        },
    )
    return objection
