"""Scoring rounds: open → closed → published."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from campaigns.models import Campaign, CampaignState
from scoring.models import CriteriaSet, RoundState, ScoringRound


def current_criteria_set(campaign: Campaign) -> CriteriaSet | None:
    return campaign.criteria_sets.order_by("-version").first()


@transaction.atomic
def round_create(
    *,
    campaign: Campaign,
    period: str,
    starts_on: date,
    ends_on: date,
    entry_deadline: date,
    criteria_set: CriteriaSet | None = None,
    actor,
) -> ScoringRound:
    if campaign.state == CampaignState.CLOSED:
        raise ValidationError("Phong trào đã kết thúc, không thể mở đợt chấm mới.")
    criteria_set = criteria_set or current_criteria_set(campaign)
    if criteria_set is None:
        raise ValidationError({"criteria_set": "Phong trào chưa có bộ tiêu chí; hãy tạo bộ tiêu chí trước."})
    if not criteria_set.criteria.exists():
        raise ValidationError({"criteria_set": "Bộ tiêu chí chưa có tiêu chí nào."})
    scoring_round = ScoringRound(
        campaign=campaign,
        criteria_set=criteria_set,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
        entry_deadline=entry_deadline,
    )
    scoring_round.full_clean()
    scoring_round.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Mở đợt chấm {scoring_round}", actor=actor)
    return scoring_round


@transaction.atomic
def round_update(*, scoring_round: ScoringRound, actor, **changes) -> ScoringRound:
    allowed = {"starts_on", "ends_on", "entry_deadline"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"round_update: unknown fields {sorted(unknown)}")
    scoring_round = ScoringRound.objects.select_for_update().get(pk=scoring_round.pk)
    if scoring_round.state == RoundState.PUBLISHED:
        raise ValidationError("Đợt chấm đã công bố, không thể sửa.")
    for name, value in changes.items():
        setattr(scoring_round, name, value)
    scoring_round.full_clean()
    scoring_round.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Sửa đợt chấm {scoring_round}", actor=actor)
    return scoring_round


@transaction.atomic
def round_close(*, scoring_round: ScoringRound, actor, today: date | None = None) -> ScoringRound:
    """Close entry after the deadline."""
    scoring_round = ScoringRound.objects.select_for_update().get(pk=scoring_round.pk)
    today = today or timezone.localdate()
    if scoring_round.state != RoundState.OPEN:
        raise ValidationError("Chỉ khóa sổ được đợt chấm đang nhập điểm.")
    if today <= scoring_round.entry_deadline:
        raise ValidationError(
            f"Chưa hết hạn nhập điểm ({scoring_round.entry_deadline:%d/%m/%Y}); có thể khóa sổ từ ngày hôm sau."
        )
    scoring_round.state = RoundState.CLOSED
    scoring_round.closed_at = timezone.now()
    scoring_round.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Khóa sổ đợt chấm {scoring_round}", actor=actor)
    return scoring_round


@transaction.atomic
def round_reopen(*, scoring_round: ScoringRound, actor) -> ScoringRound:
    scoring_round = ScoringRound.objects.select_for_update().get(pk=scoring_round.pk)
    if scoring_round.state != RoundState.CLOSED:
        raise ValidationError("Chỉ mở lại được đợt chấm đã khóa sổ nhưng chưa công bố.")
    scoring_round.state = RoundState.OPEN
    scoring_round.closed_at = None
    scoring_round.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Mở lại đợt chấm {scoring_round}", actor=actor)
    return scoring_round


@transaction.atomic
def round_publish(*, scoring_round: ScoringRound, actor) -> ScoringRound:
    """Publish a closed round: its scores become visible to the members and immutable except
    through a correction with a reason."""
    scoring_round = ScoringRound.objects.select_for_update().get(pk=scoring_round.pk)
    if scoring_round.state != RoundState.CLOSED:
        raise ValidationError("Phải khóa sổ đợt chấm trước khi công bố.")
    scoring_round.state = RoundState.PUBLISHED
    scoring_round.published_at = timezone.now()
    scoring_round.published_by = actor
    scoring_round.save()
    audit_record(kind=AuditEvent.Kind.PUBLISH, summary=f"Công bố kết quả {scoring_round}", actor=actor)
    return scoring_round
