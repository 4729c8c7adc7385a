"""Users and their roles, managed by admins."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from blocs.models import BLOC_ROLES, Assignment, AuditEvent, Bloc, Role, Unit, User
from blocs.services.audit import audit_record
from thidua.lib.text import nfc

USER_FIELDS = {"username", "full_name", "rank", "position", "email", "is_active", "is_superuser"}


def _check_username_free(user: User) -> None:
    """Usernames differing only in case ("Admin", "admin") would be told apart by the login
    form but not by the people typing them: refuse them as duplicates."""
    taken = User.objects.filter(username__iexact=user.username).exclude(pk=user.pk)
    if user.username and taken.exists():
        raise ValidationError({"username": f"Tên đăng nhập “{user.username}” đã được dùng cho người khác."})


@transaction.atomic
def user_create(*, password: str, actor, **fields) -> User:
    unknown = set(fields) - USER_FIELDS
    if unknown:
        raise TypeError(f"user_create: unknown fields {sorted(unknown)}")
    user = User(**{k: nfc(v) if isinstance(v, str) else v for k, v in fields.items()})
    user.is_staff = bool(user.is_superuser)
    user.full_clean(exclude=["password"])
    _check_username_free(user)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Tạo người dùng {user.username}", actor=actor)
    return user


@transaction.atomic
def user_update(*, user: User, actor, password: str | None = None, **changes) -> User:
    """Change a user's profile, flags or password. Deactivating a user also ends their open
    sessions, so that a locked account is out at once rather than at its next request."""
    unknown = set(changes) - USER_FIELDS
    if unknown:
        raise TypeError(f"user_update: unknown fields {sorted(unknown)}")
    if user.pk == getattr(actor, "pk", None) and (
        changes.get("is_active") is False or changes.get("is_superuser") is False
    ):
        raise ValidationError("Không thể tự khóa tài khoản hoặc tự bỏ quyền quản trị của chính mình.")
    user = User.objects.select_for_update().get(pk=user.pk)
    was_active = user.is_active
    changed = sorted(
        field
        for field, value in changes.items()
        if getattr(user, field) != (nfc(value) if isinstance(value, str) else value)
    )
    for field, value in changes.items():
        setattr(user, field, nfc(value) if isinstance(value, str) else value)
    user.is_staff = bool(user.is_superuser)
    user.full_clean(exclude=["password"])
    _check_username_free(user)
    if password:
        validate_password(password, user)
        user.set_password(password)
        changed.append("password")
    user.save()
    ended = user_sessions_end(user=user) if was_active and not user.is_active else 0
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Sửa người dùng {user.username}",
        actor=actor,
        data={"fields": changed, "sessions_ended": ended},
    )
    return user


def user_sessions_end(*, user: User) -> int:
    """Delete the database sessions of `user`; returns how many were ended.

    Sessions are signed blobs keyed by a random id, so finding a user's sessions means
    decoding each unexpired one: fine for the few hundred users of a political office."""
    user_id = str(user.pk)
    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(pk__in=mine).delete()
    return len(mine)


@transaction.atomic
def user_sign_out_everywhere(*, user: User, actor, request: HttpRequest | None = None) -> int:
    """End every session of `user` on every device (a lost laptop, a shared machine left
    signed in), the current one included when `actor` is `user`. Returns how many ended."""
    ended = user_sessions_end(user=user)
    who = "chính mình" if user.pk == getattr(actor, "pk", None) else user.username
    audit_record(
        kind=AuditEvent.Kind.LOGOUT,
        summary=f"Đăng xuất khỏi mọi thiết bị ({who}): {ended} phiên",
        actor=actor,
        request=request,
        data={"user": user.pk, "sessions_ended": ended},
    )
    return ended


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
    label = dict(Role.choices).get(role, role)
    if role in BLOC_ROLES:
        if bloc is None:
            raise ValidationError({"bloc": f"Vai trò “{label}” gắn với một khối/cụm: hãy chọn khối/cụm."})
        unit = None
    else:
        if unit is None:
            raise ValidationError({"unit": f"Vai trò “{label}” gắn với một đơn vị: hãy chọn đơn vị."})
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
