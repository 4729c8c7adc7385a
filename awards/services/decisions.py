"""Award decisions that come back from the awarding level, and the award records they create.

A grant that matches an approved nomination of the list is linked to it. A grant that does not
(the level above may award a unit nobody proposed, or another title) is allowed only with a
note saying so, which is kept on each such record. A unit gets a title once a year: a second
grant is refused with the decision that already made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from awards.models import (
    AwardDecision,
    AwardRecord,
    NominationList,
    NominationListState,
    NominationState,
    Title,
)
from blocs.models import AuditEvent, Unit
from blocs.services.audit import audit_record
from thidua.lib.text import nfc


@transaction.atomic
def award_decision_record(
    *,
    number: str,
    signed_on: date,
    issuer: str,
    year: int,
    grants: Sequence[tuple[Unit, Title]],
    nomination_list: NominationList | None = None,
    summary: str = "",
    note: str = "",
    actor,
) -> AwardDecision:
    number, issuer, summary, note = (nfc(v or "").strip() for v in (number, issuer, summary, note))
    errors: dict[str, list[str]] = {}
    if nomination_list is not None:
        nomination_list = NominationList.objects.select_related("review__campaign").get(pk=nomination_list.pk)
    if not grants:
        errors.setdefault("grants", []).append("Quyết định phải khen ít nhất một đơn vị.")
    if nomination_list is not None:
        if nomination_list.state == NominationListState.DRAFT:
            errors.setdefault("nomination_list", []).append(
                "Danh sách đề nghị chưa được trình, chưa ghi quyết định theo danh sách này được."
            )
        if nomination_list.review.campaign.year != year:
            errors.setdefault("year", []).append(
                f"Danh sách đề nghị là của năm {nomination_list.review.campaign.year}, không phải năm {year}."
            )
    if AwardDecision.objects.filter(issuer=issuer, number=number).exists():
        errors.setdefault("number", []).append(f"Đã có quyết định số {number} của {issuer}.")
    seen: set[tuple[int, int]] = set()
    approved = (
        {
            (n.unit_id, n.title_id): n
            for n in nomination_list.nominations.filter(state=NominationState.APPROVED)
        }
        if nomination_list is not None
        else {}
    )
    existing = {
        (r.unit_id, r.title_id): r
        for r in AwardRecord.objects.filter(
            year=year, unit__in=[unit for unit, _ in grants], title__in=[title for _, title in grants]
        ).select_related("decision")
    }
    unmatched: list[str] = []
    for unit, title in grants:
        key = (unit.pk, title.pk)
        if key in seen:
            errors.setdefault("grants", []).append(f"{unit.name} – {title.name} được ghi hai lần.")
            continue
        seen.add(key)
        if key in existing:
            earlier = existing[key].decision
            errors.setdefault("grants", []).append(
                f"{unit.name} đã được khen {title.name} năm {year} theo {earlier} của {earlier.issuer} "
                "(một thành tích chỉ khen một lần)."
            )
        if key not in approved:
            unmatched.append(f"{unit.name} – {title.name}")
    if unmatched and not note:
        where = "đề nghị đã được cấp trên đồng ý" if nomination_list is not None else "danh sách đề nghị nào"
        errors.setdefault("note", []).append(
            f"Các khen thưởng sau không khớp {where}: {'; '.join(unmatched)}. Ghi chú lý do để lưu."
        )
    if errors:
        raise ValidationError(errors)
    decision = AwardDecision(
        number=number,
        signed_on=signed_on,
        issuer=issuer,
        year=year,
        summary=summary,
        nomination_list=nomination_list,
        created_by=actor,
    )
    decision.full_clean()
    decision.save()
    try:
        with transaction.atomic():
            for unit, title in grants:
                nomination = approved.get((unit.pk, title.pk))
                record = AwardRecord(
                    decision=decision,
                    unit=unit,
                    title=title,
                    year=year,
                    nomination=nomination,
                    note="" if nomination is not None else note[:500],
                )
                record.full_clean(exclude=["decision"])
                record.save()
    except IntegrityError as exc:  # recorded by someone else meanwhile
        raise ValidationError(
            {"grants": "Một đơn vị trong quyết định vừa được ghi khen danh hiệu này năm nay."}
        ) from exc
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Ghi {decision} của {issuer}: khen {len(grants)} đơn vị"
        + (f" ({len(unmatched)} không theo đề nghị)" if unmatched else ""),
        actor=actor,
        data={"decision": decision.pk},
    )
    return decision
