"""Blocs and clusters, their members and their chair terms."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from blocs.models import AuditEvent, Bloc, ChairTerm, Membership, Unit
from blocs.services.audit import audit_record
from thidua.lib.text import nfc

BLOC_FIELDS = {
    "name",
    "kind",
    "organiser",
    "decision_number",
    "decision_date",
    "decision_issuer",
    "description",
    "is_active",
}


@transaction.atomic
def bloc_create(*, actor, **fields) -> Bloc:
    unknown = set(fields) - BLOC_FIELDS
    if unknown:
        raise TypeError(f"bloc_create: unknown fields {sorted(unknown)}")
    bloc = Bloc(**{k: nfc(v) if isinstance(v, str) else v for k, v in fields.items()})
    bloc.refresh_keys()
    bloc.full_clean()
    bloc.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Tạo {bloc.name}", actor=actor)
    return bloc


@transaction.atomic
def bloc_update(*, bloc: Bloc, actor, **changes) -> Bloc:
    unknown = set(changes) - BLOC_FIELDS
    if unknown:
        raise TypeError(f"bloc_update: unknown fields {sorted(unknown)}")
    bloc = Bloc.objects.select_for_update().get(pk=bloc.pk)
    for field, value in changes.items():
        setattr(bloc, field, nfc(value) if isinstance(value, str) else value)
    bloc.refresh_keys()
    bloc.full_clean()
    bloc.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Sửa thông tin {bloc.name}", actor=actor)
    return bloc


@transaction.atomic
def membership_add(*, bloc: Bloc, unit: Unit, joined_on: date, note: str = "", actor) -> Membership:
    """Add a unit to a bloc from a date. A unit holds one open membership per bloc, and a
    new membership may not overlap an earlier one of the same unit."""
    Bloc.objects.select_for_update().get(pk=bloc.pk)
    earlier = Membership.objects.filter(bloc=bloc, unit=unit)
    if earlier.filter(left_on__isnull=True).exists():
        raise ValidationError({"unit": f"{unit.name} đang là thành viên của {bloc.name}."})
    if earlier.filter(left_on__gte=joined_on).exists():
        raise ValidationError(
            {"joined_on": "Ngày tham gia phải sau ngày rời của lần tham gia trước của đơn vị này."}
        )
    membership = Membership(bloc=bloc, unit=unit, joined_on=joined_on, note=nfc(note))
    membership.full_clean()
    membership.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"{unit.name} tham gia {bloc.name} từ {joined_on:%d/%m/%Y}",
        actor=actor,
    )
    return membership


@transaction.atomic
def membership_end(
    *, membership: Membership, left_on: date, reason: str = "left", note: str = "", actor
) -> Membership:
    membership = Membership.objects.select_for_update().select_related("bloc", "unit").get(pk=membership.pk)
    if membership.left_on is not None:
        raise ValidationError({"left_on": "Đơn vị đã rời khối/cụm trước đó."})
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": "Ngày rời phải sau hoặc bằng ngày tham gia."})
    membership.left_on = left_on
    membership.leave_reason = reason
    if note:
        membership.note = nfc(note)
    membership.full_clean()
    membership.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"{membership.unit.name} rời {membership.bloc.name} ngày {left_on:%d/%m/%Y}",
        actor=actor,
    )
    return membership


def _check_member_in_year(bloc: Bloc, unit: Unit | None, year: int, field: str) -> None:
    if unit is None:
        return
    if not Membership.objects.during_year(year).filter(bloc=bloc, unit=unit).exists():
        raise ValidationError({field: f"{unit.name} không là thành viên của {bloc.name} trong năm {year}."})


@transaction.atomic
def chair_term_set(
    *,
    bloc: Bloc,
    year: int,
    chair: Unit,
    deputy: Unit | None = None,
    decided_on: date | None = None,
    reason: str = "",
    actor,
) -> ChairTerm:
    """Record (or replace) the chair and deputy of a bloc for a year. Both must be members
    that year and must differ."""
    Bloc.objects.select_for_update().get(pk=bloc.pk)
    if deputy is not None and deputy.pk == chair.pk:
        raise ValidationError({"deputy": "Đơn vị trưởng và đơn vị phó phải là hai đơn vị khác nhau."})
    _check_member_in_year(bloc, chair, year, "chair")
    _check_member_in_year(bloc, deputy, year, "deputy")
    term = ChairTerm.objects.filter(bloc=bloc, year=year).first() or ChairTerm(bloc=bloc, year=year)
    term.chair = chair
    term.deputy = deputy
    term.decided_on = decided_on
    term.reason = nfc(reason)
    term.full_clean()
    term.save()
    deputy_text = f", phó: {deputy.name}" if deputy else ""
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"{bloc.name} năm {year}: trưởng {chair.name}{deputy_text}",
        actor=actor,
    )
    return term


@transaction.atomic
def chair_term_delete(*, term: ChairTerm, actor) -> None:
    summary = f"Xóa nhiệm kỳ {term.bloc.name} năm {term.year}"
    term.delete()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=summary, actor=actor)
