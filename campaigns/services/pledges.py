"""Pledges: drafting, opening (freezing), signing in a hash chain, revoking, closing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, prefetch_related_objects
from django.utils import timezone

from blocs.models import Assignment, AuditEvent, Membership, Role, Unit, vietnamese_order
from blocs.services.audit import audit_record
from campaigns.integrity import (
    GENESIS_HASH,
    canonical_json,
    pledge_content,
    sha256_hex,
    signature_record_hash,
    verify_pledge,
)
from campaigns.models import (
    Campaign,
    CampaignState,
    Drive,
    Pledge,
    PledgeItem,
    PledgePeriod,
    PledgeRegistration,
    PledgeSignature,
    PledgeState,
    SignatureKind,
)
from thidua.lib.text import nfc

PLEDGE_FIELDS = {"title", "preamble", "period", "drive"}


def _require_draft(pledge: Pledge) -> None:
    if pledge.state != PledgeState.DRAFT:
        raise ValidationError("Giao ước đã mở ký nên nội dung đã được niêm phong, không thể sửa hoặc xóa.")


def _lock(pledge: Pledge) -> Pledge:
    return (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("campaign__bloc", "drive")
        .get(pk=pledge.pk)
    )


@transaction.atomic
def pledge_create(
    *,
    campaign: Campaign,
    title: str,
    period: str = PledgePeriod.YEAR,
    preamble: str = "",
    drive: Drive | None = None,
    actor,
) -> Pledge:
    if campaign.state == CampaignState.CLOSED:
        raise ValidationError("Phong trào đã kết thúc, không thể soạn giao ước mới.")
    pledge = Pledge(campaign=campaign, title=nfc(title), period=period, preamble=nfc(preamble), drive=drive)
    pledge.full_clean()
    pledge.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Soạn giao ước “{pledge.title}”", actor=actor)
    return pledge


@transaction.atomic
def pledge_update(*, pledge: Pledge, actor, **changes) -> Pledge:
    unknown = set(changes) - PLEDGE_FIELDS
    if unknown:
        raise TypeError(f"pledge_update: unknown fields {sorted(unknown)}")
    pledge = _lock(pledge)
    _require_draft(pledge)
    for name, value in changes.items():
        setattr(pledge, name, nfc(value) if isinstance(value, str) else value)
    if pledge.period != PledgePeriod.DRIVE and "drive" not in changes:
        pledge.drive = pledge.drive if pledge.drive_id else None
    pledge.full_clean()
    pledge.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Sửa giao ước “{pledge.title}”", actor=actor)
    return pledge


@transaction.atomic
def pledge_delete(*, pledge: Pledge, actor) -> None:
    pledge = _lock(pledge)
    _require_draft(pledge)
    summary = f"Xóa dự thảo giao ước “{pledge.title}”"
    pledge.delete()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=summary, actor=actor)


@transaction.atomic
def pledge_item_add(
    *,
    pledge: Pledge,
    content: str,
    indicator: str = "",
    unit_of_measure: str = "",
    comparison: str = "gte",
    target_value: Decimal | None = None,
    actor,
) -> PledgeItem:
    pledge = _lock(pledge)
    _require_draft(pledge)
    position = (pledge.items.aggregate(last=Max("position"))["last"] or 0) + 1
    item = PledgeItem(
        pledge=pledge,
        position=position,
        content=nfc(content),
        indicator=nfc(indicator),
        unit_of_measure=nfc(unit_of_measure),
        comparison=comparison,
        target_value=target_value,
    )
    item.full_clean()
    item.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE, summary=f"Thêm mục {position} vào giao ước “{pledge.title}”", actor=actor
    )
    return item


ITEM_FIELDS = {"content", "indicator", "unit_of_measure", "comparison", "target_value"}


@transaction.atomic
def pledge_item_update(*, item: PledgeItem, actor, **changes) -> PledgeItem:
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"pledge_item_update: unknown fields {sorted(unknown)}")
    _require_draft(_lock(item.pledge))
    for name, value in changes.items():
        setattr(item, name, nfc(value) if isinstance(value, str) else value)
    item.full_clean()
    item.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Sửa mục {item.position} của giao ước “{item.pledge.title}”",
        actor=actor,
    )
    return item


def _renumber(pledge: Pledge, ordered: list[PledgeItem]) -> None:
    # Two passes so that the unique (pledge, position) constraint never sees a duplicate.
    offset = len(ordered) + 1000
    for index, item in enumerate(ordered, start=1):
        item.position = offset + index
        item.save(update_fields=["position"])
    for index, item in enumerate(ordered, start=1):
        item.position = index
        item.save(update_fields=["position"])


@transaction.atomic
def pledge_item_delete(*, item: PledgeItem, actor) -> None:
    pledge = _lock(item.pledge)
    _require_draft(pledge)
    position = item.position
    item.delete()
    _renumber(pledge, list(pledge.items.order_by("position")))
    audit_record(
        kind=AuditEvent.Kind.CHANGE, summary=f"Xóa mục {position} của giao ước “{pledge.title}”", actor=actor
    )


@transaction.atomic
def pledge_item_move(*, item: PledgeItem, offset: int, actor) -> None:
    """Move an item up (offset −1) or down (+1) in the list."""
    pledge = _lock(item.pledge)
    _require_draft(pledge)
    ordered = list(pledge.items.order_by("position"))
    index = next(i for i, other in enumerate(ordered) if other.pk == item.pk)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(pledge, ordered)
    audit_record(
        kind=AuditEvent.Kind.CHANGE, summary=f"Đổi thứ tự các mục của giao ước “{pledge.title}”", actor=actor
    )


@transaction.atomic
def pledge_registration_add(*, pledge: Pledge, unit: Unit, title: str, actor) -> PledgeRegistration:
    pledge = _lock(pledge)
    _require_draft(pledge)
    today = timezone.localdate()
    if not Membership.objects.current(today).filter(bloc=pledge.campaign.bloc, unit=unit).exists():
        raise ValidationError(
            {"unit": f"{unit.name} không phải là thành viên hiện tại của {pledge.campaign.bloc.name}."}
        )
    registration = PledgeRegistration(pledge=pledge, unit=unit, title=nfc(title))
    registration.full_clean()
    registration.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"{unit.name} đăng ký danh hiệu “{registration.title}” trong giao ước “{pledge.title}”",
        actor=actor,
    )
    return registration


@transaction.atomic
def pledge_registration_remove(*, registration: PledgeRegistration, actor) -> None:
    _require_draft(_lock(registration.pledge))
    summary = f"Bỏ đăng ký danh hiệu “{registration.title}” của {registration.unit.name}"
    registration.delete()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=summary, actor=actor)


def pledge_parties(pledge: Pledge) -> list[dict]:
    """The member units expected to sign, as frozen when the pledge was opened."""
    if not pledge.canonical_content:
        return []
    return json.loads(pledge.canonical_content).get("parties", [])


@transaction.atomic
def pledge_open(*, pledge: Pledge, actor, on: date | None = None) -> Pledge:
    """Freeze the content (canonical form + SHA-256) and open it for signing by the bloc's
    members of the day."""
    pledge = _lock(pledge)
    _require_draft(pledge)
    if pledge.campaign.state == CampaignState.CLOSED:
        raise ValidationError("Phong trào đã kết thúc, không thể mở ký giao ước.")
    if not pledge.items.exists():
        raise ValidationError("Giao ước chưa có nội dung nào; hãy thêm ít nhất một mục trước khi mở ký.")
    members = (
        Membership.objects.current(on or timezone.localdate())
        .filter(bloc=pledge.campaign.bloc)
        .select_related("unit")
        .order_by(vietnamese_order("unit__name"), "unit_id")
    )
    parties = [{"unit_id": m.unit_id, "unit": m.unit.code, "unit_name": m.unit.name} for m in members]
    if not parties:
        raise ValidationError("Khối/cụm chưa có đơn vị thành viên nào để ký giao ước.")
    content = pledge_content(pledge)
    content["parties"] = parties
    pledge.canonical_content = canonical_json(content)
    pledge.content_hash = sha256_hex(pledge.canonical_content)
    pledge.opened_at = timezone.now()
    pledge.opened_by = actor
    pledge.state = PledgeState.OPEN
    pledge.save()
    audit_record(
        kind=AuditEvent.Kind.PUBLISH,
        summary=f"Mở ký giao ước “{pledge.title}” (mã {pledge.short_code})",
        actor=actor,
        data={"pledge": pledge.pk, "content_hash": pledge.content_hash},
    )
    return pledge


def _append_signature(pledge: Pledge, **fields) -> PledgeSignature:
    last = pledge.signatures.order_by("-sequence").first()
    signature = PledgeSignature(
        pledge=pledge,
        sequence=(last.sequence + 1) if last else 1,
        previous_hash=last.record_hash if last else GENESIS_HASH,
        content_hash=pledge.content_hash,
        signed_at=timezone.now(),
        **fields,
    )
    # Clean first: full_clean normalises values (an IPv6 address is compressed and lower-cased)
    # and the record hash must cover the values as stored, or verification fails later.
    signature.full_clean(exclude=["record_hash"])
    signature.record_hash = signature_record_hash(signature)
    signature.save()
    return signature


def _signer_fields(user, ip: str | None, user_agent: str) -> dict:
    return {
        "user": user,
        "signer_name": nfc(user.full_name or user.get_full_name() or user.get_username()),
        "signer_rank": user.rank,
        "signer_position": user.position,
        "ip": ip or None,  # an empty address is stored as NULL: hash what is stored
        "user_agent": (user_agent or "")[:300],
    }


def _check_password(user, password: str) -> None:
    if not password or not user.check_password(password):
        raise ValidationError(
            {"password": "Mật khẩu không đúng. Hãy nhập lại mật khẩu đăng nhập của bạn để ký."}
        )


def remaining_parties(pledge: Pledge, signed_unit_ids: set[int], on: date | None = None) -> list[dict]:
    """Parties that have not signed and are still members (a unit that left cannot sign)."""
    current = set(
        Membership.objects.current(on or timezone.localdate())
        .filter(bloc_id=pledge.campaign.bloc_id)
        .values_list("unit_id", flat=True)
    )
    return [
        p for p in pledge_parties(pledge) if p["unit_id"] not in signed_unit_ids and p["unit_id"] in current
    ]


def _refuse_if_tampered(pledge: Pledge) -> None:
    """Nobody signs a text that no longer matches what was sealed: the signer would read one
    thing and sign the hash of another."""
    prefetch_related_objects(
        [pledge],
        "items",
        Prefetch("registrations", queryset=PledgeRegistration.objects.select_related("unit")),
    )
    result = verify_pledge(pledge, list(pledge.signatures.select_related("unit").order_by("sequence")))
    if not result.intact:
        raise ValidationError(
            "Nội dung giao ước không còn khớp với bản đã niêm phong, không thể ký: "
            + " ".join(result.problems)
        )


@transaction.atomic
def pledge_sign(
    *, pledge: Pledge, unit: Unit, password: str, ip: str | None = None, user_agent: str = "", actor
) -> PledgeSignature:
    """A leader signs for his unit: append a signature to the pledge's hash chain.

    The pledge row is locked for the whole append, so two leaders signing at the same moment
    are recorded one after the other and each links to the one before."""
    if not Assignment.objects.filter(user=actor, role=Role.LEADER, unit=unit).exists():
        raise PermissionDenied("Chỉ chỉ huy của đơn vị mới được ký giao ước cho đơn vị.")
    _check_password(actor, password)
    pledge = _lock(pledge)
    if pledge.state == PledgeState.DRAFT:
        raise ValidationError("Giao ước chưa được mở ký.")
    if pledge.state in (PledgeState.CLOSED, PledgeState.REVOKED):
        raise ValidationError(f"Giao ước {pledge.get_state_display().lower()}, không thể ký.")
    existing = pledge.signatures.filter(kind=SignatureKind.MEMBER, unit=unit).first()
    if existing is not None:
        raise ValidationError(
            f"{unit.name} đã ký giao ước này lúc {timezone.localtime(existing.signed_at):%H:%M ngày %d/%m/%Y} "
            f"({existing.signer_name}). Không cần ký lại."
        )
    _refuse_if_tampered(pledge)
    if unit.pk not in {p["unit_id"] for p in pledge_parties(pledge)}:
        raise ValidationError(f"{unit.name} không có tên trong danh sách các bên của giao ước này.")
    if not (
        Membership.objects.current(timezone.localdate())
        .filter(bloc_id=pledge.campaign.bloc_id, unit=unit)
        .exists()
    ):
        raise ValidationError(f"{unit.name} đã rời {pledge.campaign.bloc.name}, không thể ký giao ước.")

    signature = _append_signature(
        pledge, kind=SignatureKind.MEMBER, unit=unit, **_signer_fields(actor, ip, user_agent)
    )
    signed = set(pledge.signatures.filter(kind=SignatureKind.MEMBER).values_list("unit_id", flat=True))
    if pledge.state == PledgeState.OPEN and not remaining_parties(pledge, signed):
        pledge.state = PledgeState.COMPLETE
        pledge.completed_at = timezone.now()
        pledge.save(update_fields=["state", "completed_at"])
    audit_record(
        kind=AuditEvent.Kind.SIGN,
        summary=f"{signature.signer_name} ký giao ước “{pledge.title}” cho {unit.name}",
        actor=actor,
        data={"pledge": pledge.pk, "signature": signature.pk, "record_hash": signature.record_hash},
    )
    return signature


@transaction.atomic
def pledge_witness_sign(
    *, pledge: Pledge, password: str, ip: str | None = None, user_agent: str = "", actor
) -> PledgeSignature:
    """A superior (an observer of the bloc with the witness right) signs as witness."""
    pledge = _lock(pledge)
    if not Assignment.objects.filter(
        user=actor, role=Role.OBSERVER, bloc_id=pledge.campaign.bloc_id, can_witness=True
    ).exists():
        raise PermissionDenied("Chỉ cấp trên được giao quyền ký chứng kiến mới được ký chứng kiến.")
    _check_password(actor, password)
    if pledge.state not in (PledgeState.OPEN, PledgeState.COMPLETE):
        raise ValidationError("Chỉ ký chứng kiến được khi giao ước đang mở ký hoặc đã ký đủ.")
    if pledge.signatures.filter(kind=SignatureKind.WITNESS).exists():
        raise ValidationError("Giao ước đã có chữ ký chứng kiến.")
    _refuse_if_tampered(pledge)
    signature = _append_signature(
        pledge, kind=SignatureKind.WITNESS, unit=None, **_signer_fields(actor, ip, user_agent)
    )
    audit_record(
        kind=AuditEvent.Kind.SIGN,
        summary=f"{signature.signer_name} ký chứng kiến giao ước “{pledge.title}”",
        actor=actor,
        data={"pledge": pledge.pk, "signature": signature.pk},
    )
    return signature


@transaction.atomic
def pledge_revoke(*, pledge: Pledge, reason: str, actor) -> Pledge:
    """Withdraw an open pledge with a reason and start its next version as a draft with the
    same content; the old version and its signatures stay readable."""
    reason = nfc(reason or "")
    if not reason:
        raise ValidationError({"reason": "Phải nêu lý do thu hồi giao ước."})
    if len(reason) > 500:
        raise ValidationError({"reason": "Lý do thu hồi không quá 500 ký tự."})
    pledge = _lock(pledge)
    if pledge.state not in (PledgeState.OPEN, PledgeState.COMPLETE):
        raise ValidationError("Chỉ thu hồi được giao ước đang mở ký hoặc đã ký đủ.")
    pledge.state = PledgeState.REVOKED
    pledge.revoked_at = timezone.now()
    pledge.revoke_reason = reason
    pledge.save(update_fields=["state", "revoked_at", "revoke_reason"])
    successor = Pledge.objects.create(
        campaign=pledge.campaign,
        drive=pledge.drive,
        period=pledge.period,
        title=pledge.title,
        preamble=pledge.preamble,
        version=pledge.version + 1,
        supersedes=pledge,
    )
    PledgeItem.objects.bulk_create(
        PledgeItem(
            pledge=successor,
            position=item.position,
            content=item.content,
            indicator=item.indicator,
            unit_of_measure=item.unit_of_measure,
            comparison=item.comparison,
            target_value=item.target_value,
        )
        for item in pledge.items.order_by("position")
    )
    PledgeRegistration.objects.bulk_create(
        PledgeRegistration(pledge=successor, unit_id=r.unit_id, title=r.title)
        for r in pledge.registrations.all()
    )
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Thu hồi giao ước “{pledge.title}” phiên bản {pledge.version}: {reason}",
        actor=actor,
        data={"pledge": pledge.pk, "successor": successor.pk},
    )
    return successor


@transaction.atomic
def pledge_close(*, pledge: Pledge, actor) -> Pledge:
    pledge = _lock(pledge)
    if pledge.state not in (PledgeState.OPEN, PledgeState.COMPLETE):
        raise ValidationError("Chỉ kết thúc được giao ước đang mở ký hoặc đã ký đủ.")
    pledge.state = PledgeState.CLOSED
    pledge.save(update_fields=["state"])
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Kết thúc giao ước “{pledge.title}”", actor=actor)
    return pledge
