"""Users and their roles, managed by admins."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from blocs.models import BLOC_ROLES, Assignment, AuditEvent, Bloc, Unit, User
from blocs.services.audit import audit_record
from thidua.lib.text import nfc

USER_FIELDS = {"username", "full_name", "rank", "position", "email", "is_active", "is_superuser"}


@transaction.atomic
def user_create(*, password: str, actor, **fields) -> User:
    unknown = set(fields) - USER_FIELDS
    if unknown:
        raise TypeError(f"user_create: unknown fields {sorted(unknown)}")
    user = User(**{k: nfc(v) if isinstance(v, str) else v for k, v in fields.items()})
    user.is_staff = bool(user.is_superuser)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Tạo người dùng {user.username}", actor=actor)
    return user


@transaction.atomic
def user_update(*, user: User, actor, password: str | None = None, **changes) -> User:
    unknown = set(changes) - USER_FIELDS
    if unknown:
        raise TypeError(f"user_update: unknown fields {sorted(unknown)}")
    if user.pk == getattr(actor, "pk", None) and (
        changes.get("is_active") is False or changes.get("is_superuser") is False
    ):
        raise ValidationError("Không thể tự khóa tài khoản hoặc tự bỏ quyền quản trị của chính mình.")
    for field, value in changes.items():
        setattr(user, field, nfc(value) if isinstance(value, str) else value)
    user.is_staff = bool(user.is_superuser)
    user.full_clean(exclude=["password"])
    if password:
        validate_password(password, user)
        user.set_password(password)
    user.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Sửa người dùng {user.username}", actor=actor)
    return user


@transaction.atomic
def assignment_add(
    *,
    user: User,
    role: str,
    bloc: Bloc | None = None,
    unit: Unit | None = None,
    can_witness: bool = False,
    actor,
) -> Assignment:
    if role in BLOC_ROLES:
        if bloc is None:
            raise ValidationError({"bloc": "Vai trò này cần chọn khối/cụm."})
        unit = None
    else:
        if unit is None:
            raise ValidationError({"unit": "Vai trò này cần chọn đơn vị."})
        bloc = None
        can_witness = False
    assignment = Assignment(user=user, role=role, bloc=bloc, unit=unit, can_witness=can_witness)
    assignment.full_clean()
    assignment.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Giao vai trò: {assignment}", actor=actor)
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: Assignment, actor) -> None:
    summary = f"Bỏ vai trò: {assignment}"
    assignment.delete()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=summary, actor=actor)
