"""Units: create, update, move in the tree."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from blocs.models import AuditEvent, Unit
from blocs.services.audit import audit_record
from thidua.lib.text import nfc


def _path_for(unit: Unit) -> str:
    return f"{unit.parent.path if unit.parent_id else '/'}{unit.pk}/"


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    parent: Unit | None = None,
    echelon: str = "khac",
    short_name: str = "",
    is_active: bool = True,
    actor,
) -> Unit:
    unit = Unit(
        code=nfc(code).upper(),
        name=nfc(name),
        short_name=nfc(short_name),
        parent=parent,
        echelon=echelon,
        is_active=is_active,
    )
    unit.refresh_keys()
    unit.full_clean()
    unit.save()
    unit.path = _path_for(unit)
    unit.depth = unit.path.count("/") - 2
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Tạo đơn vị {unit.code} – {unit.name}", actor=actor)
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, actor, **changes) -> Unit:
    """Change a unit's fields; moving it under another parent re-roots its whole subtree."""
    allowed = {"code", "name", "short_name", "parent", "echelon", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unit_update: unknown fields {sorted(unknown)}")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    old_path = unit.path
    for field, value in changes.items():
        setattr(unit, field, nfc(value) if isinstance(value, str) else value)
    unit.code = unit.code.upper()
    unit.refresh_keys()
    unit.full_clean()
    unit.save()
    new_path = _path_for(unit)
    if new_path != old_path:
        depth_change = new_path.count("/") - old_path.count("/")
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_change,
        )
        unit.refresh_from_db(fields=["path", "depth"])
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Sửa đơn vị {unit.code} – {unit.name}", actor=actor)
    return unit
